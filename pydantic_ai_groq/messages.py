"""The message contract: request and response parts, messages, stream events, history JSON.

A conversation history is a `list[ModelMessage]`, each message a `ModelRequest` (what we
send) or a `ModelResponse` (what the model answered). Every part carries a `part_kind`
and every message a `kind` discriminator, so `ModelMessagesTypeAdapter` can dump a history
to JSON and load it back with nothing lost.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeAlias

import pydantic
import pydantic_core
from pydantic_core import ErrorDetails

from .usage import RequestUsage

__all__ = (
    'BinaryContent',
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'FinalResultEvent',
    'FinishReason',
    'FunctionToolCallEvent',
    'FunctionToolResultEvent',
    'ImageUrl',
    'ModelMessage',
    'ModelMessagesTypeAdapter',
    'ModelRequest',
    'ModelRequestPart',
    'ModelResponse',
    'ModelResponsePart',
    'ModelResponsePartDelta',
    'ModelResponseStreamEvent',
    'PartDeltaEvent',
    'PartStartEvent',
    'RetryPromptPart',
    'SystemPromptPart',
    'TextPart',
    'TextPartDelta',
    'ThinkingPart',
    'ThinkingPartDelta',
    'ToolCallPart',
    'ToolCallPartDelta',
    'ToolReturnPart',
    'UserContent',
    'UserPromptPart',
)


def _now_utc() -> datetime:
    return datetime.now(tz=timezone.utc)


def generate_tool_call_id() -> str:
    """A new unique tool-call id, for calls that arrived without one."""
    return f'call_{uuid.uuid4().hex}'


FinishReason: TypeAlias = Literal['stop', 'length', 'content_filter', 'tool_call', 'error']
"""Why the model stopped: Groq's finish reasons, normalised."""


# --- user content ------------------------------------------------------------------------


@dataclass(slots=True)
class ImageUrl:
    """An image given by URL (`https://...` or a `data:` URI), for vision models.

    Attributes:
        url: Where the image is.
        detail: Resolution hint Groq passes to the model (`auto`, `low`, `high`).
    """

    url: str
    detail: Literal['auto', 'low', 'high'] | None = None
    kind: Literal['image-url'] = 'image-url'


@dataclass(slots=True)
class BinaryContent:
    """Raw bytes with their media type; images are sent to the model as `data:` URIs.

    Attributes:
        data: The bytes (base64 in history JSON).
        media_type: The MIME type, e.g. `image/png`.
        detail: Resolution hint for images (`auto`, `low`, `high`).
    """

    data: bytes
    media_type: str
    detail: Literal['auto', 'low', 'high'] | None = None
    kind: Literal['binary'] = 'binary'

    # JSON cannot hold arbitrary bytes; base64 keeps any image intact through a round trip.
    __pydantic_config__ = pydantic.ConfigDict(ser_json_bytes='base64', val_json_bytes='base64')

    @property
    def is_image(self) -> bool:
        """Whether the media type is an image type."""
        return self.media_type.startswith('image/')

    @property
    def data_uri(self) -> str:
        """The content as a `data:<media type>;base64,...` URI."""
        return f'data:{self.media_type};base64,{base64.b64encode(self.data).decode()}'


UserContent: TypeAlias = str | ImageUrl | BinaryContent
"""One item of a multi-part user prompt."""


# --- request parts -----------------------------------------------------------------------


@dataclass(slots=True)
class SystemPromptPart:
    """A system prompt, sent as a `system` message.

    Attributes:
        content: The prompt text.
        timestamp: When the part was created.
    """

    content: str
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['system-prompt'] = 'system-prompt'


@dataclass(slots=True)
class UserPromptPart:
    """What the user said: text, or a list of text and images.

    Attributes:
        content: A string, or a sequence of strings, `ImageUrl`s and `BinaryContent`s.
        timestamp: When the part was created.
    """

    content: str | Sequence[UserContent]
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['user-prompt'] = 'user-prompt'


@dataclass(slots=True)
class ToolReturnPart:
    """The result of a function tool call, sent back as a `tool` message.

    Attributes:
        tool_name: The tool that was called.
        content: What it returned; anything JSON-serialisable (strings are sent as they are).
        tool_call_id: The id of the call this answers.
        timestamp: When the part was created.
    """

    tool_name: str
    content: Any
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['tool-return'] = 'tool-return'

    def model_response_str(self) -> str:
        """The content as the text sent to the model."""
        if isinstance(self.content, str):
            return self.content
        return pydantic_core.to_json(self.content).decode()


@dataclass(slots=True)
class RetryPromptPart:
    """Asks the model to try again: a tool call failed validation, or the output was wrong.

    Sent as a `tool` message answering the call when `tool_name` is set, else as a `user` message.

    Attributes:
        content: What was wrong: a message, or pydantic validation error details.
        tool_name: The tool whose call failed, if any.
        tool_call_id: The id of the call this answers.
        timestamp: When the part was created.
    """

    content: str | list[ErrorDetails]
    tool_name: str | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['retry-prompt'] = 'retry-prompt'

    def model_response(self) -> str:
        """The retry text sent to the model."""
        if isinstance(self.content, str):
            description = self.content
        else:
            errors = [{'type': e['type'], 'loc': e['loc'], 'msg': e['msg'], 'input': e['input']} for e in self.content]
            count = len(errors)
            json_errors = pydantic_core.to_json(errors, indent=2, fallback=repr).decode()
            description = f'{count} validation error{"" if count == 1 else "s"}:\n```json\n{json_errors}\n```'
        return f'{description}\n\nFix the errors and try again.'


ModelRequestPart: TypeAlias = Annotated[
    SystemPromptPart | UserPromptPart | ToolReturnPart | RetryPromptPart,
    pydantic.Discriminator('part_kind'),
]
"""A part of a `ModelRequest`."""


# --- response parts ----------------------------------------------------------------------


@dataclass(slots=True)
class TextPart:
    """Text the model wrote.

    Attributes:
        content: The text.
    """

    content: str
    part_kind: Literal['text'] = 'text'


@dataclass(slots=True)
class ThinkingPart:
    """The model's reasoning (Groq's `reasoning` field), kept apart from its answer.

    Attributes:
        content: The reasoning text.
    """

    content: str
    part_kind: Literal['thinking'] = 'thinking'


def wire_tool_args(args: str | None) -> str | dict[str, Any]:
    """Tool-call arguments as received, kept verbatim; `""`, `"null"` and none read as `{}`."""
    # Groq sends "" or "null" for tools without parameters; both mean no arguments.
    if not args or args == 'null':
        return {}
    return args


def _args_as_dict(args: str | dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(args, dict):
        args = wire_tool_args(args)
    if isinstance(args, str):
        parsed = pydantic_core.from_json(args)
        if not isinstance(parsed, dict):
            raise ValueError(f'tool call arguments must be a JSON object, got {args!r}')
        return parsed  # pyright: ignore[reportUnknownVariableType]
    return args


def _args_as_json_str(args: str | dict[str, Any] | None) -> str:
    if args is None:
        return '{}'
    if isinstance(args, str):
        return args or '{}'
    return pydantic_core.to_json(args).decode()


@dataclass(slots=True)
class ToolCallPart:
    """The model asks for a function tool to be called.

    Attributes:
        tool_name: The tool to call.
        args: The arguments: the JSON text as the model sent it, or a dict.
        tool_call_id: The call's id (generated when the model sent none).
    """

    tool_name: str
    args: str | dict[str, Any] | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['tool-call'] = 'tool-call'

    def args_as_dict(self) -> dict[str, Any]:
        """The arguments parsed into a dict (`{}` when empty or `null`).

        Raises:
            ValueError: If the arguments are not a JSON object.
        """
        return _args_as_dict(self.args)

    def args_as_json_str(self) -> str:
        """The arguments as JSON text (`{}` when empty)."""
        return _args_as_json_str(self.args)


@dataclass(slots=True)
class BuiltinToolCallPart:
    """A call of a tool Groq ran server-side (web search, code execution, ...).

    Attributes:
        tool_name: The server-side tool.
        args: Its arguments, as sent by the server.
        tool_call_id: The call's id.
    """

    tool_name: str
    args: str | dict[str, Any] | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['builtin-tool-call'] = 'builtin-tool-call'

    def args_as_dict(self) -> dict[str, Any]:
        """The arguments parsed into a dict (`{}` when empty or `null`)."""
        return _args_as_dict(self.args)


@dataclass(slots=True)
class BuiltinToolReturnPart:
    """What a server-side tool returned (search results, code output, ...).

    Attributes:
        tool_name: The server-side tool.
        content: Its output.
        tool_call_id: The id of the call this answers.
    """

    tool_name: str
    content: Any
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['builtin-tool-return'] = 'builtin-tool-return'


ModelResponsePart: TypeAlias = Annotated[
    TextPart | ToolCallPart | ThinkingPart | BuiltinToolCallPart | BuiltinToolReturnPart,
    pydantic.Discriminator('part_kind'),
]
"""A part of a `ModelResponse`."""


# --- messages ----------------------------------------------------------------------------


@dataclass(slots=True)
class ModelRequest:
    """A request to the model: the parts we send in one turn.

    Attributes:
        parts: System prompts, user prompts, tool returns and retry prompts.
        instructions: Instructions sent with this request (placed after the leading system
            prompts); only the newest request's instructions are sent.
    """

    parts: Sequence[ModelRequestPart]
    instructions: str | None = None
    kind: Literal['request'] = 'request'

    @classmethod
    def user_text_prompt(cls, user_prompt: str, *, instructions: str | None = None) -> ModelRequest:
        """A request holding one user prompt."""
        return cls(parts=[UserPromptPart(user_prompt)], instructions=instructions)


@dataclass(slots=True)
class ModelResponse:
    """What the model answered.

    Attributes:
        parts: Text, tool calls, thinking and server-side tool parts, in the order received.
        usage: Tokens used by this request.
        model_name: The model that answered, as the API reports it.
        timestamp: When the response was created (Groq's `created`).
        finish_reason: Why the model stopped, normalised.
        provider_name: Always `'groq'`.
        provider_response_id: The completion id (`chatcmpl-...`).
        provider_details: Groq extras: timings, request id, service tier, raw finish reason, ...
    """

    parts: Sequence[ModelResponsePart]
    usage: RequestUsage = field(default_factory=RequestUsage)
    model_name: str | None = None
    timestamp: datetime = field(default_factory=_now_utc)
    finish_reason: FinishReason | None = None
    provider_name: str | None = 'groq'
    provider_response_id: str | None = None
    provider_details: dict[str, Any] | None = None
    kind: Literal['response'] = 'response'

    @property
    def text(self) -> str | None:
        """All text parts joined, or `None` when there are none."""
        texts = [part.content for part in self.parts if isinstance(part, TextPart)]
        return ''.join(texts) if texts else None

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The function tool calls, in order."""
        return [part for part in self.parts if isinstance(part, ToolCallPart)]

    @property
    def thinking(self) -> str | None:
        """All thinking parts joined, or `None` when there are none."""
        thoughts = [part.content for part in self.parts if isinstance(part, ThinkingPart)]
        return ''.join(thoughts) if thoughts else None


ModelMessage: TypeAlias = Annotated[ModelRequest | ModelResponse, pydantic.Discriminator('kind')]
"""One message of a history."""

ModelMessagesTypeAdapter: pydantic.TypeAdapter[list[ModelMessage]] = pydantic.TypeAdapter(
    list[ModelMessage], config=pydantic.ConfigDict(defer_build=True)
)
"""Dumps a history to JSON (`dump_json`) and loads it back (`validate_json`) with nothing lost."""


# --- stream events -----------------------------------------------------------------------


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


ModelResponseStreamEvent: TypeAlias = Annotated[PartStartEvent | PartDeltaEvent, pydantic.Discriminator('event_kind')]
"""An event of a streamed model response."""


# --- agent run events --------------------------------------------------------------------


@dataclass(slots=True)
class FunctionToolCallEvent:
    """The agent is about to run a function tool the model called.

    Attributes:
        part: The tool call.
    """

    part: ToolCallPart
    event_kind: Literal['function_tool_call'] = 'function_tool_call'


@dataclass(slots=True)
class FunctionToolResultEvent:
    """A function tool call finished: its return, or the retry prompt sent back instead.

    Attributes:
        result: What goes back to the model for this call.
    """

    result: ToolReturnPart | RetryPromptPart
    event_kind: Literal['function_tool_result'] = 'function_tool_result'


@dataclass(slots=True)
class FinalResultEvent:
    """The response being received carries the final result.

    Attributes:
        tool_name: The output tool that carries it, or `None` for a text or JSON answer.
        tool_call_id: That tool call's id.
    """

    tool_name: str | None
    tool_call_id: str | None
    event_kind: Literal['final_result'] = 'final_result'
