"""What a model answers with: text, thinking, tool calls, and the server-side tools Groq ran.

Re-exported by `messages`, which is where users import them from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeAlias

import pydantic
import pydantic_core

from ._unknown_fields import ExtraFields, keeps_unknown_fields, no_extra_fields

__all__ = (
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'ModelResponsePart',
    'TextPart',
    'ThinkingPart',
    'ToolCallPart',
    'generate_tool_call_id',
    'wire_tool_args',
)


def generate_tool_call_id() -> str:
    """A new unique tool-call id, for calls that arrived without one."""
    return f'call_{uuid.uuid4().hex}'


@keeps_unknown_fields()
@dataclass(slots=True)
class TextPart:
    """Text the model wrote.

    Attributes:
        content: The text.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str
    part_kind: Literal['text'] = 'text'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


@keeps_unknown_fields()
@dataclass(slots=True)
class ThinkingPart:
    """The model's reasoning (Groq's `reasoning` field), kept apart from its answer.

    Attributes:
        content: The reasoning text.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str
    part_kind: Literal['thinking'] = 'thinking'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


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


@keeps_unknown_fields()
@dataclass(slots=True)
class ToolCallPart:
    """The model asks for a function tool to be called.

    Attributes:
        tool_name: The tool to call.
        args: The arguments: the JSON text as the model sent it, or a dict.
        tool_call_id: The call's id (generated when the model sent none).
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    tool_name: str
    args: str | dict[str, Any] | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['tool-call'] = 'tool-call'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    def args_as_dict(self) -> dict[str, Any]:
        """The arguments parsed into a dict (`{}` when empty or `null`).

        Raises:
            ValueError: If the arguments are not a JSON object.
        """
        return _args_as_dict(self.args)

    def args_as_json_str(self) -> str:
        """The arguments as JSON text (`{}` when empty)."""
        return _args_as_json_str(self.args)


@keeps_unknown_fields()
@dataclass(slots=True)
class BuiltinToolCallPart:
    """A call of a tool Groq ran server-side (web search, code execution, ...).

    Attributes:
        tool_name: The server-side tool.
        args: Its arguments, as sent by the server.
        tool_call_id: The call's id.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    tool_name: str
    args: str | dict[str, Any] | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['builtin-tool-call'] = 'builtin-tool-call'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    def args_as_dict(self) -> dict[str, Any]:
        """The arguments parsed into a dict (`{}` when empty or `null`)."""
        return _args_as_dict(self.args)


@keeps_unknown_fields()
@dataclass(slots=True)
class BuiltinToolReturnPart:
    """What a server-side tool returned (search results, code output, ...).

    Attributes:
        tool_name: The server-side tool.
        content: Its output.
        tool_call_id: The id of the call this answers.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    tool_name: str
    content: Any
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    part_kind: Literal['builtin-tool-return'] = 'builtin-tool-return'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


ModelResponsePart: TypeAlias = Annotated[
    TextPart | ToolCallPart | ThinkingPart | BuiltinToolCallPart | BuiltinToolReturnPart,
    pydantic.Discriminator('part_kind'),
]
"""A part of a `ModelResponse`."""
