"""Output specifications: how structured output is asked of the model.

`output_type=str` ends a run on a text answer. Any other type is, by default, an output
tool (`ToolOutput`) the model must call: `final_result`, or `final_result_<TypeName>` per
member of a union. `NativeOutput(T)` uses Groq's `json_schema` response format instead;
`PromptedOutput(T)` puts the schema in the instructions and uses JSON mode. `TextOutput(fn)` takes a
text answer and turns it into the output with `fn`; `StructuredDict(schema)` is a `dict` type whose
JSON schema is the one given. How a run turns these
into tools or a response format, and validates what comes back, is in `_output`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, Generic, overload

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import TypeAliasType, TypeVar

from .exceptions import UserError

if TYPE_CHECKING:
    from typing_extensions import TypeForm  # typing_extensions >= 4.13; only type checkers need it

    from ._run_context import RunContext

__all__ = (
    'DEFAULT_OUTPUT_TOOL_DESCRIPTION',
    'DEFAULT_OUTPUT_TOOL_NAME',
    'NativeOutput',
    'OutputObjectDefinition',
    'OutputSpec',
    'OutputTypeOrTool',
    'PromptedOutput',
    'StructuredDict',
    'TextOutput',
    'TextOutputFunc',
    'ToolOutput',
)

OutputDataT = TypeVar('OutputDataT', default=str, covariant=True)

DEFAULT_OUTPUT_TOOL_NAME = 'final_result'
"""The output tool's name (per union member: `final_result_<TypeName>`)."""

DEFAULT_OUTPUT_TOOL_DESCRIPTION = 'The final response which ends this conversation'
"""The output tool's description."""

DEFAULT_PROMPTED_OUTPUT_TEMPLATE = (
    "Always respond with a JSON object that's compatible with this schema:\n\n{schema}\n\n"
    "Don't include any text or Markdown fencing before or after."
)
"""The instructions `PromptedOutput` adds; `{schema}` is replaced by the JSON schema."""


@dataclass(slots=True)
class OutputObjectDefinition:
    """A JSON schema the model's text answer must follow (native and prompted output).

    Attributes:
        json_schema: The schema.
        name: Its name, sent as `json_schema.name`.
        description: Its description, sent as `json_schema.description`.
        strict: Ask for strict schema adherence; `None` lets the model decide where it supports it.
    """

    json_schema: dict[str, Any]
    name: str | None = None
    description: str | None = None
    strict: bool | None = None


@dataclass
class ToolOutput(Generic[OutputDataT]):
    """Structured output through a tool the model must call (the default for non-`str` types).

    Attributes:
        output_type: The type of the output (a pydantic model, dataclass, TypedDict, scalar, list, ...).
        name: The tool's name; defaults to `final_result`.
        description: The tool's description; defaults to "The final response which ends this conversation".
        max_retries: Retries for invalid output through this tool; defaults to the agent's `output_retries`.
        strict: Ask for strict schema adherence where the model supports it.
    """

    output_type: TypeForm[OutputDataT]
    _: KW_ONLY
    name: str | None = None
    description: str | None = None
    max_retries: int | None = None
    strict: bool | None = None


@dataclass
class NativeOutput(Generic[OutputDataT]):
    """Structured output through Groq's `json_schema` response format: the answer text is the JSON.

    Attributes:
        outputs: The output type, or several (the schema then accepts any of them).
        name: The schema's name; defaults to the type's name.
        description: The schema's description; defaults to the type's docstring.
        strict: `True`/`False` to ask for or against strict mode; `None` sends `strict: true` when the
            model supports it and the schema can be made strict.
    """

    outputs: TypeForm[OutputDataT] | Sequence[TypeForm[OutputDataT]]
    _: KW_ONLY
    name: str | None = None
    description: str | None = None
    strict: bool | None = None

    if TYPE_CHECKING:  # one signature per form of `outputs`, so that mypy infers `OutputDataT` from a union too

        @overload
        def __init__(
            self,
            outputs: TypeForm[OutputDataT],
            *,
            name: str | None = None,
            description: str | None = None,
            strict: bool | None = None,
        ) -> None: ...

        @overload
        def __init__(
            self,
            outputs: Sequence[TypeForm[OutputDataT]],
            *,
            name: str | None = None,
            description: str | None = None,
            strict: bool | None = None,
        ) -> None: ...

        def __init__(self, outputs: Any, *, name: Any = None, description: Any = None, strict: Any = None) -> None: ...


@dataclass
class PromptedOutput(Generic[OutputDataT]):
    """Structured output by instructions: the schema goes into the instructions and JSON mode is on.

    Works with models that support neither tools nor `json_schema`.

    Attributes:
        outputs: The output type, or several.
        name: The schema's name; defaults to the type's name.
        description: The schema's description; defaults to the type's docstring.
        template: Instructions with a `{schema}` placeholder; defaults to `DEFAULT_PROMPTED_OUTPUT_TEMPLATE`.
    """

    outputs: TypeForm[OutputDataT] | Sequence[TypeForm[OutputDataT]]
    _: KW_ONLY
    name: str | None = None
    description: str | None = None
    template: str | None = None

    if TYPE_CHECKING:  # as for `NativeOutput`

        @overload
        def __init__(
            self,
            outputs: TypeForm[OutputDataT],
            *,
            name: str | None = None,
            description: str | None = None,
            template: str | None = None,
        ) -> None: ...

        @overload
        def __init__(
            self,
            outputs: Sequence[TypeForm[OutputDataT]],
            *,
            name: str | None = None,
            description: str | None = None,
            template: str | None = None,
        ) -> None: ...

        def __init__(
            self, outputs: Any, *, name: Any = None, description: Any = None, template: Any = None
        ) -> None: ...


T_co = TypeVar('T_co', covariant=True)

TextOutputFunc = TypeAliasType(
    'TextOutputFunc',
    'Callable[[RunContext[Any], str], Awaitable[T_co] | T_co] | Callable[[str], Awaitable[T_co] | T_co]',
    type_params=(T_co,),
)
"""A function turning the model's text answer into the output: sync or async, optionally `RunContext` first."""


@dataclass
class TextOutput(Generic[OutputDataT]):
    """Output from a plain text answer, turned into the output by a function.

    The function is called with the text (and the `RunContext` first if it takes one, by the same
    rule as output validators); what it returns is the output. A `ModelRetry` it raises sends its
    message to the model as a retry prompt, counted against the output retries.

    Attributes:
        output_function: The function, sync or async.
    """

    output_function: TextOutputFunc[OutputDataT]


def StructuredDict(
    json_schema: dict[str, Any], name: str | None = None, description: str | None = None
) -> type[dict[str, Any]]:
    """A `dict[str, Any]` type whose JSON schema is `json_schema`, for use as (or in) `output_type`.

    The output is the model's JSON object as a `dict`. It is validated as an object that has the
    schema's top-level `required` keys; the schema itself goes to the model unchanged otherwise.

    Args:
        json_schema: A JSON schema of `"type": "object"`.
        name: The output's name (the output tool's suffix, `json_schema.name`); defaults to the
            schema's `title`, else `StructuredDict`.
        description: The output's description; defaults to the schema's `description`.

    Raises:
        UserError: When the schema does not describe an object.
    """
    if not isinstance(json_schema, dict) or json_schema.get('type') != 'object':  # pyright: ignore[reportUnnecessaryIsInstance]
        raise UserError(f'StructuredDict takes a JSON schema with "type": "object", got {json_schema!r}.')
    schema = dict(json_schema)
    required = [str(key) for key in schema.get('required', [])]

    def check_required(value: dict[str, Any]) -> dict[str, Any]:
        missing = [key for key in required if key not in value]
        if missing:
            raise PydanticCustomError('missing', 'Missing required keys: {keys}', {'keys': ', '.join(missing)})
        return value

    class _StructuredDict(dict[str, Any]):
        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
            dict_schema = core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema())
            return core_schema.no_info_after_validator_function(check_required, dict_schema)

        @classmethod
        def __get_pydantic_json_schema__(
            cls, _core: core_schema.CoreSchema, handler: GetJsonSchemaHandler
        ) -> dict[str, Any]:
            return dict(schema)

    _StructuredDict.__name__ = _StructuredDict.__qualname__ = name or str(schema.get('title') or 'StructuredDict')
    _StructuredDict.__doc__ = description or schema.get('description')
    return _StructuredDict


OutputTypeOrTool = TypeAliasType(
    'OutputTypeOrTool', 'TypeForm[T_co] | ToolOutput[T_co]', type_params=(T_co,)
)  # a string: `TypeForm` is imported for type checkers only
"""An item of a list given as `output_type`: a type (or any type form, e.g. a union) or a `ToolOutput`."""

OutputSpec = TypeAliasType(
    'OutputSpec',
    OutputTypeOrTool[T_co]
    | NativeOutput[T_co]
    | PromptedOutput[T_co]
    | TextOutput[T_co]
    | Sequence[OutputTypeOrTool[T_co] | TextOutput[T_co]],
    type_params=(T_co,),
)
"""What `output_type` accepts, generic in the output it gives: a type, a union of types, a list of types
or `ToolOutput`s (and at most one `TextOutput`), `ToolOutput(T)`, `NativeOutput(T)`, `PromptedOutput(T)`
or `TextOutput(fn)`.

`OutputSpec[City]` is what gives `Agent[..., City]` and `result.output: City`.
"""
