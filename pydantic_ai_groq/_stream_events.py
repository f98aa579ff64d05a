"""Stream events of one model response: a part starts, grows by deltas, and ends.

Re-exported by `messages`, which is where users import them from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, TypeAlias

import pydantic

from ._response_parts import ModelResponsePart

__all__ = (
    'ModelResponsePartDelta',
    'ModelResponseStreamEvent',
    'PartDeltaEvent',
    'PartEndEvent',
    'PartStartEvent',
    'TextPartDelta',
    'ThinkingPartDelta',
    'ToolCallPartDelta',
)


@dataclass(slots=True)
class TextPartDelta:
    """More text for a `TextPart`.

    Attributes:
        content_delta: The text to append.
    """

    content_delta: str
    part_delta_kind: Literal['text'] = 'text'


@dataclass(slots=True)
class ThinkingPartDelta:
    """More reasoning for a `ThinkingPart`.

    Attributes:
        content_delta: The text to append.
    """

    content_delta: str
    part_delta_kind: Literal['thinking'] = 'thinking'


@dataclass(slots=True)
class ToolCallPartDelta:
    """More of a `ToolCallPart`: name, argument fragment or id.

    Attributes:
        tool_name_delta: Text to append to the tool name.
        args_delta: Text to append to the JSON arguments.
        tool_call_id: The call's id, when it arrived in this delta.
    """

    tool_name_delta: str | None = None
    args_delta: str | None = None
    tool_call_id: str | None = None
    part_delta_kind: Literal['tool_call'] = 'tool_call'


ModelResponsePartDelta: TypeAlias = Annotated[
    TextPartDelta | ThinkingPartDelta | ToolCallPartDelta, pydantic.Discriminator('part_delta_kind')
]
"""A delta for one of the response parts."""


@dataclass(slots=True)
class PartStartEvent:
    """A new part started at `index`; `part` holds what arrived with it.

    Attributes:
        index: The part's position in `ModelResponse.parts`.
        part: The part as it started (later deltas do not change this object).
    """

    index: int
    part: ModelResponsePart
    event_kind: Literal['part_start'] = 'part_start'


@dataclass(slots=True)
class PartDeltaEvent:
    """The part at `index` grew by `delta`.

    Attributes:
        index: The part's position in `ModelResponse.parts`.
        delta: What to add.
    """

    index: int
    delta: ModelResponsePartDelta
    event_kind: Literal['part_delta'] = 'part_delta'


@dataclass(slots=True)
class PartEndEvent:
    """The part at `index` is complete: no more deltas for it follow.

    Emitted when the next part starts, and for the last part when the response ends. A
    stream that fails midway ends no part it had not ended already.

    Attributes:
        index: The part's position in `ModelResponse.parts`.
        part: The complete part.
        next_part_kind: The `part_kind` of the part that starts next, or `None` at the end of the response.
    """

    index: int
    part: ModelResponsePart
    next_part_kind: Literal['text', 'thinking', 'tool-call', 'builtin-tool-call', 'builtin-tool-return'] | None = None
    event_kind: Literal['part_end'] = 'part_end'


ModelResponseStreamEvent: TypeAlias = Annotated[
    PartStartEvent | PartDeltaEvent | PartEndEvent, pydantic.Discriminator('event_kind')
]
"""An event of a streamed model response."""
