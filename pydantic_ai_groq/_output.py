"""The engine's side of output: an agent's `OutputSchema`, and validation of what the model answers.

`build_output_schema` turns the `output_type` an agent was given (see `output`) into output tools
or a JSON schema for the response format; `ObjectOutput` validates complete and partial answers.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Union, cast, get_args, get_origin

import pydantic
from typing_extensions import TypeVar

from ._json_schema import close_objects, remove_titles
from ._strict_schema import validate_json_without_optional_nulls
from .exceptions import UserError
from .output import (
    DEFAULT_OUTPUT_TOOL_DESCRIPTION,
    DEFAULT_OUTPUT_TOOL_NAME,
    DEFAULT_PROMPTED_OUTPUT_TEMPLATE,
    NativeOutput,
    OutputObjectDefinition,
    OutputSpec,
    PromptedOutput,
    TextOutput,
    ToolOutput,
)
from .tools import DeferredToolRequests, ToolDefinition, check_tool_name

__all__ = ('ObjectOutput', 'OutputSchema', 'build_output_schema', 'strip_markdown_fence')

NATIVE_OUTPUT_BESIDE_TOOLS_TEMPLATE = (
    "Call the tools you need first. Then give your final answer as a JSON object that's compatible with "
    'this schema, with no text or Markdown fencing before or after:\n\n{schema}'
)
"""The instructions `NativeOutput` adds when function tools are offered too: no response format can
carry the schema then (Groq refuses one beside tools)."""

EXPECTED_JSON_TEMPLATE = (
    "Answer with only a JSON object that's compatible with this schema, with no text or Markdown fencing "
    'before or after:\n\n{schema}'
)
"""What a retry prompt repeats when only the instructions carry the schema."""


# --- validation of one output type --------------------------------------------------------------


@dataclass
class ObjectOutput:
    """Validates one output type from JSON text or a partial Python value.

    Non-object types (scalars, lists, unions, ...) are wrapped as `{"response": ...}` on the wire.
    """

    output_type: Any
    name: str
    description: str | None
    json_schema: dict[str, Any]
    wrapped: bool
    strict: bool | None
    max_retries: int | None
    _adapter: pydantic.TypeAdapter[Any] = field(repr=False)

    def validate_json(self, text: str | bytes) -> Any:
        """Validate complete JSON text.

        Raises:
            pydantic.ValidationError: When the JSON is invalid or does not match the type.
        """
        value = validate_json_without_optional_nulls(self._adapter.validate_json, text or '{}', self.json_schema)
        return value.response if self.wrapped else value

    def validate_partial(self, value: Any) -> Any:
        """Validate an unfinished value (a trailing string may be cut short).

        Raises:
            pydantic.ValidationError: When the value does not (yet) match the type.
        """
        value = self._adapter.validate_python(value, experimental_allow_partial='trailing-strings')
        return value.response if self.wrapped else value

    def validate_partial_json(self, text: str) -> Any:
        """Validate unfinished JSON text (open containers and a trailing string cut short are accepted).

        Raises:
            pydantic.ValidationError: When the text is not JSON or its value does not (yet) match the type.
        """
        value = self._adapter.validate_json(text, experimental_allow_partial='trailing-strings')
        return value.response if self.wrapped else value


def _type_name(output_type: Any) -> str:
    origin = get_origin(output_type)
    if origin is not None:
        output_type = origin
    name = str(getattr(output_type, '__name__', 'output'))
    return re.sub(r'[^a-zA-Z0-9_-]', '_', name)


def _own_docstring(output_type: Any) -> str | None:
    if not isinstance(output_type, type) or output_type.__module__ == 'builtins':
        return None  # built-in types' docstrings describe Python, not the answer
    doc = output_type.__dict__.get('__doc__')
    if not isinstance(doc, str) or not doc.strip():
        return None
    if dataclasses.is_dataclass(output_type) and doc.startswith(f'{output_type.__name__}('):
        return None  # the signature dataclasses write when a class has no docstring
    return inspect.cleandoc(doc)


def _object_output(
    output_type: Any,
    *,
    name: str,
    description: str | None,
    strict: bool | None = None,
    max_retries: int | None = None,
) -> ObjectOutput:
    try:
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(output_type)
        schema = adapter.json_schema()
    except pydantic.PydanticUserError as e:
        raise UserError(f'Output type {output_type!r} cannot be used: {e}') from e
    if schema.get('type') == 'object' and 'properties' in schema:
        wrapped = False
    else:
        wrapper = _ResponseWrapper[output_type]  # pyright: ignore[reportInvalidTypeArguments]
        adapter = pydantic.TypeAdapter(wrapper)
        schema = adapter.json_schema()
        wrapped = True
    schema = close_objects(remove_titles(schema))
    return ObjectOutput(output_type, name, description, schema, wrapped, strict, max_retries, adapter)


T = TypeVar('T')


class _ResponseWrapper(pydantic.BaseModel, Generic[T]):
    """Carries a non-object output as `{"response": ...}`, as the wire convention wants."""

    model_config = pydantic.ConfigDict(extra='forbid')
    response: T


# --- the whole output schema of an agent ------------------------------------------------------


@dataclass
class OutputSchema:
    """How an agent asks for and validates its output.

    Attributes:
        mode: `text`, `tool`, `native` or `prompted`.
        allow_text: Whether a text answer is (or may be) the output.
        tools: Output tools by name (`tool` mode).
        object_output: The JSON schema output (`native` and `prompted` modes).
        instructions: The instructions carrying the schema (`prompted` mode; `native` mode beside
            function tools), see `instructions_for`.
        expected: What a retry prompt repeats when only the instructions carry the schema.
        text_function: The `TextOutput` function a text answer goes through, if any.
        allow_deferred: Whether `DeferredToolRequests` is in the output type (a run may stop at deferred tools).
    """

    mode: Literal['text', 'tool', 'native', 'prompted']
    allow_text: bool
    tools: dict[str, ObjectOutput] = field(default_factory=dict[str, ObjectOutput])
    object_output: ObjectOutput | None = None
    instructions: str | None = None
    expected: str | None = None
    text_function: Callable[..., Any] | None = None
    allow_deferred: bool = False

    def instructions_for(self, *, function_tools: bool) -> str | None:
        """The instructions the output adds to a run, where no response format carries the schema.

        That is prompted output, and native output when function tools are offered (no response
        format is sent beside tools).
        """
        if self.mode == 'prompted' or (self.mode == 'native' and function_tools):
            return self.instructions
        return None

    @property
    def tool_defs(self) -> list[ToolDefinition]:
        """The output tools as offered to the model."""
        return [
            ToolDefinition(
                name,
                output.json_schema,
                output.description or DEFAULT_OUTPUT_TOOL_DESCRIPTION,
                kind='output',
                strict=output.strict,
            )
            for name, output in self.tools.items()
        ]

    @property
    def output_object(self) -> OutputObjectDefinition | None:
        """The schema sent as the response format (`native` and `prompted` modes)."""
        output = self.object_output
        if output is None:
            return None
        return OutputObjectDefinition(output.json_schema, output.name, output.description, output.strict)


def _union_members(output_type: Any) -> list[Any] | None:
    origin = get_origin(output_type)
    if origin is Union or isinstance(output_type, types.UnionType):
        return list(get_args(output_type))
    return None


def _flatten(spec: Any) -> list[Any]:
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        members: list[Any] = []
        for item in cast(Sequence[Any], spec):
            members.extend(_flatten(item))
        return members
    union = _union_members(spec)
    if union is not None:
        return [member for item in union for member in _flatten(item)]
    return [spec]


def build_output_schema(spec: OutputSpec[Any]) -> OutputSchema:
    """Turn an agent's `output_type` into an `OutputSchema`.

    Raises:
        UserError: For a spec that cannot be used, naming what is accepted.
    """
    if isinstance(spec, NativeOutput | PromptedOutput):
        return _json_output_schema(cast('NativeOutput[Any] | PromptedOutput[Any]', spec))
    members = _flatten(spec)
    if DeferredToolRequests in members:
        # Not asked of the model: the run itself ends with it when tool calls wait.
        members = [m for m in members if m is not DeferredToolRequests]
        rest: OutputSpec[Any] = members[0] if len(members) == 1 else members or str  # NativeOutput(...) alone
        return dataclasses.replace(build_output_schema(rest), allow_deferred=True)
    text_outputs = [cast('TextOutput[Any]', m) for m in members if isinstance(m, TextOutput)]
    if len(text_outputs) > 1 or (text_outputs and str in members):
        raise UserError('An output_type takes at most one TextOutput, and not together with str.')
    text_function = text_outputs[0].output_function if text_outputs else None
    allow_text = str in members or text_function is not None
    members = [m for m in members if m is not str and m is not type(None) and not isinstance(m, TextOutput)]
    if not members:
        return OutputSchema('text', allow_text=True, text_function=text_function)
    for member in members:
        if isinstance(member, NativeOutput | PromptedOutput):
            raise UserError('NativeOutput and PromptedOutput cannot be combined with other output types.')
    single = len(members) == 1
    tools: dict[str, ObjectOutput] = {}
    for member in members:
        tool_output: ToolOutput[Any] = (
            cast('ToolOutput[Any]', member) if isinstance(member, ToolOutput) else ToolOutput(member)
        )
        if tool_output.name:
            name = tool_output.name
        elif single:
            name = DEFAULT_OUTPUT_TOOL_NAME
        else:
            name = f'{DEFAULT_OUTPUT_TOOL_NAME}_{_type_name(tool_output.output_type)}'
        if name in tools:
            name = f'{name}_{len(tools) + 1}'
        check_tool_name(name, 'Output tool name')
        tools[name] = _object_output(
            tool_output.output_type,
            name=name,
            description=tool_output.description,
            strict=tool_output.strict,
            max_retries=tool_output.max_retries,
        )
    return OutputSchema('tool', allow_text=allow_text, tools=tools, text_function=text_function)


def _json_output_schema(spec: NativeOutput[Any] | PromptedOutput[Any]) -> OutputSchema:
    members = [m for m in _flatten(spec.outputs) if m is not type(None)]
    if not members or any(
        isinstance(m, ToolOutput | NativeOutput | PromptedOutput | TextOutput) or m is str for m in members
    ):
        raise UserError(
            f'{type(spec).__name__} takes one or more output types (models, dataclasses, TypedDicts, scalars, ...), '
            f'not {spec.outputs!r}.'
        )
    output_type: Any = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
    name = spec.name or (_type_name(members[0]) if len(members) == 1 else DEFAULT_OUTPUT_TOOL_NAME)
    description = spec.description or (_own_docstring(members[0]) if len(members) == 1 else None)
    if isinstance(spec, NativeOutput):
        output = _object_output(output_type, name=name, description=description, strict=spec.strict)
        template, mode = NATIVE_OUTPUT_BESIDE_TOOLS_TEMPLATE, 'native'
    else:
        output = _object_output(output_type, name=name, description=description)
        template, mode = spec.template or DEFAULT_PROMPTED_OUTPUT_TEMPLATE, 'prompted'
    schema = json.dumps(output.json_schema)
    return OutputSchema(
        mode,
        allow_text=False,
        object_output=output,
        instructions=template.format(schema=schema),
        expected=EXPECTED_JSON_TEMPLATE.format(schema=schema),
    )


_FENCE = re.compile(r'^\s*```(?:json)?\s*\n(.*?)\n?```\s*$', re.DOTALL)


def strip_markdown_fence(text: str) -> str:
    """The JSON inside a Markdown code fence, or the text as it is."""
    match = _FENCE.match(text)
    return match.group(1) if match else text
