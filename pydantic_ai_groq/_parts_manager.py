"""Assembles streamed deltas into response parts: a start event per part, deltas after, an end event on request.

Pure: no I/O, no clock. Fragments are kept in lists and joined only when parts are asked
for, so a long stream costs time linear in its length.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from ._response_parts import wire_tool_args
from .messages import (
    ModelResponsePart,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
    generate_tool_call_id,
)

__all__ = ('ModelResponsePartsManager',)


@dataclass(slots=True)
class _TextBuilder:
    vendor_id: Hashable
    fragments: list[str]


@dataclass(slots=True)
class _ThinkingBuilder:
    vendor_id: Hashable
    fragments: list[str]


@dataclass(slots=True)
class _ToolCallBuilder:
    tool_name: str
    tool_call_id: str | None
    args: list[str] = field(default_factory=list[str])
    index: int | None = None  # position in the parts list, once the name is known and the part started


_Builder = _TextBuilder | _ThinkingBuilder | _ToolCallBuilder | ModelResponsePart


class ModelResponsePartsManager:
    """Turns vendor deltas into `PartStartEvent`/`PartDeltaEvent`s and the parts they build.

    Text and thinking deltas extend the newest part when it is of the same kind and came
    from the same vendor id; otherwise they start a new part. Tool-call deltas are keyed by
    the vendor's id (Groq's tool-call `index`): name, id and argument fragments may arrive
    in any delta, and the part starts once its name is known.
    """

    __slots__ = ('_builders', '_tool_calls')

    def __init__(self) -> None:
        self._builders: list[_Builder] = []
        self._tool_calls: dict[Hashable, _ToolCallBuilder] = {}

    def handle_text_delta(
        self, vendor_part_id: Hashable, content: str | None
    ) -> PartStartEvent | PartDeltaEvent | None:
        """Add text; returns the event to emit, or `None` for an empty or absent delta."""
        return self._add_fragment(_TextBuilder, TextPart, TextPartDelta, vendor_part_id, content)

    def handle_thinking_delta(
        self, vendor_part_id: Hashable, content: str | None
    ) -> PartStartEvent | PartDeltaEvent | None:
        """Add reasoning text; returns the event to emit, or `None` for an empty or absent delta."""
        return self._add_fragment(_ThinkingBuilder, ThinkingPart, ThinkingPartDelta, vendor_part_id, content)

    def _add_fragment(
        self,
        builder_type: type[_TextBuilder | _ThinkingBuilder],
        part_type: type[TextPart | ThinkingPart],
        delta_type: type[TextPartDelta | ThinkingPartDelta],
        vendor_part_id: Hashable,
        content: str | None,
    ) -> PartStartEvent | PartDeltaEvent | None:
        """Extend the newest part when it is of `builder_type` from the same vendor id, or start one."""
        if not content:
            return None
        builders = self._builders
        if builders:
            last = builders[-1]
            # The builder classes have no subclasses, so `isinstance` is an exact type check.
            if isinstance(last, builder_type) and last.vendor_id == vendor_part_id:
                last.fragments.append(content)
                return PartDeltaEvent(len(builders) - 1, delta_type(content))
        builders.append(builder_type(vendor_part_id, [content]))
        return PartStartEvent(len(builders) - 1, part_type(content))

    def handle_tool_call_delta(
        self,
        vendor_part_id: Hashable,
        tool_name: str | None = None,
        args: str | None = None,
        tool_call_id: str | None = None,
    ) -> PartStartEvent | PartDeltaEvent | None:
        """Add to the tool call keyed by `vendor_part_id`.

        Returns:
            A `PartStartEvent` when the call's name becomes known, a `PartDeltaEvent` for
            later fragments, or `None` while the name is still unknown or nothing changed.
        """
        builder = self._tool_calls.get(vendor_part_id)
        if builder is None:
            builder = _ToolCallBuilder(tool_name or '', tool_call_id)
            if args:
                builder.args.append(args)
            self._tool_calls[vendor_part_id] = builder
            return self._start_tool_call(builder) if builder.tool_name else None
        if args:
            builder.args.append(args)
        if tool_name:
            builder.tool_name += tool_name
        id_changed = bool(tool_call_id) and tool_call_id != builder.tool_call_id
        if id_changed:
            builder.tool_call_id = tool_call_id
        if builder.index is None:
            return self._start_tool_call(builder) if builder.tool_name else None
        if not (args or tool_name or id_changed):
            return None
        delta = ToolCallPartDelta(tool_name or None, args or None, tool_call_id if id_changed else None)
        return PartDeltaEvent(builder.index, delta)

    def _start_tool_call(self, builder: _ToolCallBuilder) -> PartStartEvent:
        if builder.tool_call_id is None:
            builder.tool_call_id = generate_tool_call_id()
        builder.index = len(self._builders)
        self._builders.append(builder)
        part = ToolCallPart(builder.tool_name, ''.join(builder.args), builder.tool_call_id)
        return PartStartEvent(builder.index, part)

    def handle_part(self, part: ModelResponsePart) -> PartStartEvent:
        """Add a part that arrives whole (e.g. a server-side tool call or its result)."""
        self._builders.append(part)
        return PartStartEvent(len(self._builders) - 1, part)

    @property
    def part_count(self) -> int:
        """How many parts have started."""
        return len(self._builders)

    @property
    def pending_tool_call_count(self) -> int:
        """Tool calls whose fragments arrived but whose name never did."""
        return sum(1 for builder in self._tool_calls.values() if builder.index is None)

    def end_event(self, index: int, next_part: ModelResponsePart | None = None) -> PartEndEvent:
        """The `PartEndEvent` for the part at `index`, complete; `next_part` is the one starting after it."""
        return PartEndEvent(index, self._part(self._builders[index]), next_part.part_kind if next_part else None)

    def get_parts(self) -> list[ModelResponsePart]:
        """The parts assembled so far, as new objects (safe to keep while the stream goes on)."""
        return [self._part(builder) for builder in self._builders]

    @staticmethod
    def _part(builder: _Builder) -> ModelResponsePart:
        if type(builder) is _TextBuilder:
            return TextPart(''.join(builder.fragments))
        if type(builder) is _ThinkingBuilder:
            return ThinkingPart(''.join(builder.fragments))
        if type(builder) is _ToolCallBuilder:
            assert builder.tool_call_id is not None  # set when the part started
            return ToolCallPart(builder.tool_name, wire_tool_args(''.join(builder.args)), builder.tool_call_id)
        return builder  # pyright: ignore[reportReturnType]
