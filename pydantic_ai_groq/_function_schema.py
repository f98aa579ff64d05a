"""Python signature + docstring -> JSON schema of a tool's arguments, and their validator.

`function_schema` reads a function once, when a tool is registered, and builds everything a
call needs: the arguments schema sent to the model, a pydantic validator for the arguments the
model sends back, and a `call` that runs the function without blocking the event loop.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio.to_thread
import pydantic
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import ErrorDetails

from ._json_schema import remove_titles
from ._run_context import RunContext, is_run_context, takes_run_context
from ._strict_schema import validate_json_without_optional_nulls
from .exceptions import UserError

if TYPE_CHECKING:
    import docstring_parser

__all__ = ('DocstringFormat', 'FunctionSchema', 'callable_name', 'describe_validation_errors', 'function_schema')

DocstringFormat = Literal['google', 'numpy', 'sphinx', 'auto']
"""How a tool's docstring is written; `auto` detects Google, NumPy or Sphinx (`:param x:`) style."""

_DOCSTRING_STYLES: dict[DocstringFormat, str] = {
    'google': 'GOOGLE',
    'numpy': 'NUMPYDOC',
    'sphinx': 'REST',
    'auto': 'AUTO',
}

_UNSUPPORTED_KINDS: dict[Any, str] = {
    inspect.Parameter.POSITIONAL_ONLY: 'is positional-only',
    inspect.Parameter.VAR_POSITIONAL: 'collects *args',
    inspect.Parameter.VAR_KEYWORD: 'collects **kwargs',
}


@dataclass
class FunctionSchema:
    """A tool function read once: its arguments schema, validator and how to call it.

    Attributes:
        function: The function as given (a function, partial, bound method or callable object).
        description: The docstring's summary and body, without the parameter section; `''` without docstring.
        json_schema: JSON schema of the arguments object the model must send.
        takes_ctx: Whether the function takes a `RunContext` as its first argument.
        is_async: Whether calling the function returns an awaitable.
    """

    function: Callable[..., Any]
    description: str
    json_schema: dict[str, Any]
    takes_ctx: bool
    is_async: bool
    _args_model: type[BaseModel] = field(repr=False, compare=False)
    _field_names: tuple[tuple[str, str], ...] = field(repr=False, compare=False)

    def validate_json(self, args: str | bytes) -> dict[str, Any]:
        """Validate the model's JSON arguments.

        Args:
            args: The JSON arguments object; an empty string means no arguments.

        Returns:
            The validated arguments by parameter name, ready to pass as keyword arguments.

        Raises:
            pydantic.ValidationError: The arguments are invalid JSON or don't match the schema.
        """
        # Models sometimes send nothing at all for a tool without parameters.
        if not args or args.isspace():
            args = '{}'
        return self._to_kwargs(
            validate_json_without_optional_nulls(self._args_model.model_validate_json, args, self.json_schema)
        )

    def validate_python(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Validate arguments already decoded from JSON.

        Args:
            args: The arguments by parameter name.

        Returns:
            The validated arguments by parameter name, ready to pass as keyword arguments.

        Raises:
            pydantic.ValidationError: The arguments don't match the schema.
        """
        return self._to_kwargs(self._args_model.model_validate(args))

    async def call(self, args: dict[str, Any], ctx: RunContext[Any] | None) -> Any:
        """Call the function with validated arguments.

        Sync functions run in a worker thread so they never block the event loop. When the run is
        cancelled (or times out) while one is running, the call returns at once and the thread is
        abandoned: it runs the function to its end and its result is dropped (the function can stop
        early by calling `anyio.from_thread.check_cancelled()`).

        Args:
            args: Validated arguments, as returned by `validate_json` or `validate_python`.
            ctx: The run context, passed as the first argument when `takes_ctx`.

        Returns:
            What the function returned (awaited, for async functions).
        """
        positional = (ctx,) if self.takes_ctx else ()
        if self.is_async:
            return await self.function(*positional, **args)
        # A thread cannot be interrupted: waiting for it would hold off cancellation until the function returns.
        return await anyio.to_thread.run_sync(
            functools.partial(self.function, *positional, **args), abandon_on_cancel=True
        )

    def _to_kwargs(self, validated: BaseModel) -> dict[str, Any]:
        values = validated.__dict__
        return {param: values[field_name] for field_name, param in self._field_names}


def function_schema(
    function: Callable[..., Any],
    *,
    takes_ctx: bool | None = None,
    docstring_format: DocstringFormat = 'auto',
    require_parameter_descriptions: bool = False,
) -> FunctionSchema:
    """Read a tool function's signature and docstring into a `FunctionSchema`.

    Args:
        function: A function, async function, `functools.partial`, bound method or callable object.
        takes_ctx: Whether the first parameter is a `RunContext`; `None` detects it from the annotation.
        docstring_format: How the docstring is written.
        require_parameter_descriptions: Fail when a parameter has no description, neither in the
            signature nor in the docstring.

    Returns:
        The schema, validator and caller of the function.

    Raises:
        UserError: The function can't be a tool: not callable, unsupported parameters, a
            `RunContext` that doesn't match `takes_ctx`, types pydantic can't handle, or a missing
            parameter description when they are required.
    """
    if not callable(function):
        raise UserError(f'A tool function must be callable, got {type(function).__name__}: {function!r}')
    name = callable_name(function)
    target, hints_source, params, hints = _read_signature(function, name)
    takes_ctx = _check_takes_ctx(name, params, hints, takes_ctx)
    if takes_ctx:
        params = params[1:]

    # `__doc__`, not `inspect.getdoc`: getdoc inherits docstrings, and would describe an undocumented
    # `__call__` as 'Call self as a function.'
    doc: str | None = hints_source.__doc__ or target.__doc__
    docstring = _parse_docstring(doc, docstring_format, name)
    fields, field_names = _argument_fields(name, params, hints)
    args_model, json_schema = _arguments_model(name, fields, params, hints)
    _describe_parameters(name, json_schema, docstring, require_parameter_descriptions)
    return FunctionSchema(
        function=function,
        description=(docstring.description or '').strip(),
        json_schema=json_schema,
        takes_ctx=takes_ctx,
        is_async=inspect.iscoroutinefunction(hints_source),
        _args_model=args_model,
        _field_names=field_names,
    )


def _read_signature(
    function: Callable[..., Any], name: str
) -> tuple[Callable[..., Any], Callable[..., Any], list[inspect.Parameter], dict[str, Any]]:
    """The callable under any partials, where its annotations live, its unbound parameters, and their type hints."""
    target, bound_keywords = _unwrap_partial(function)
    if inspect.isclass(target):
        raise UserError(
            f'Tool function {name!r} is a class; pass a function, a bound method or an instance with `__call__`'
        )
    # For a callable object, `__call__` holds the signature's annotations (and maybe the docstring).
    hints_source = target if inspect.isroutine(target) else target.__call__
    try:
        signature = inspect.signature(function)
    except (ValueError, TypeError) as e:
        raise UserError(f'Cannot read the signature of tool function {name!r}: {e}') from e
    try:
        hints = typing.get_type_hints(hints_source, include_extras=True)
    except Exception as e:
        raise UserError(f'Cannot resolve the type hints of tool function {name!r}: {e}') from e
    # Keyword arguments bound by a partial are the author's, not the model's: keep them out of the schema.
    params = [p for p in signature.parameters.values() if p.name not in bound_keywords]
    return target, hints_source, params, hints


def _check_takes_ctx(name: str, params: list[inspect.Parameter], hints: dict[str, Any], takes_ctx: bool | None) -> bool:
    """Whether the tool takes a `RunContext`: as detected, or as told when that matches the signature."""
    first_is_ctx = takes_run_context(params, hints)
    if takes_ctx is None:
        return first_is_ctx
    if takes_ctx and not first_is_ctx:
        raise UserError(
            f'Tool function {name!r} takes a context (takes_ctx=True), so its first parameter must be '
            f'RunContext (annotated `RunContext` or `RunContext[DepsT]`)'
        )
    if not takes_ctx and first_is_ctx:
        raise UserError(
            f'Tool function {name!r} has RunContext as its first parameter, but takes_ctx=False: '
            f'register it as a tool that takes a context'
        )
    return takes_ctx


def _argument_fields(
    name: str, params: list[inspect.Parameter], hints: dict[str, Any]
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """The fields of the arguments model, and their names paired with the parameter names."""
    fields: dict[str, Any] = {}
    field_names: list[tuple[str, str]] = []
    for index, param in enumerate(params):
        if (unsupported := _UNSUPPORTED_KINDS.get(param.kind)) is not None:
            raise UserError(
                f'Tool function {name!r}: parameter {param.name!r} {unsupported}; only named parameters '
                f'(positional-or-keyword or keyword-only) are allowed, as the model passes arguments by name'
            )
        if is_run_context(hints.get(param.name)):
            raise UserError(
                f'Tool function {name!r}: RunContext can only be the first positional parameter, not {param.name!r}'
            )
        annotation = hints.get(param.name, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        # Fields get neutral names with the parameter name as alias, so that any parameter name works
        # (`_private`, or names that shadow BaseModel attributes such as `json` or `copy`).
        field_name = f'p{index}'
        fields[field_name] = (Annotated[annotation, Field(alias=param.name)], default)
        field_names.append((field_name, param.name))
    return fields, tuple(field_names)


def _arguments_model(
    name: str, fields: dict[str, Any], params: list[inspect.Parameter], hints: dict[str, Any]
) -> tuple[type[BaseModel], dict[str, Any]]:
    """The pydantic model of the arguments, and the JSON schema sent to the model."""
    try:
        args_model: type[BaseModel] = pydantic.create_model(name, __config__=ConfigDict(extra='forbid'), **fields)
        return args_model, _arguments_schema(args_model.model_json_schema())
    except pydantic.PydanticUserError as e:
        raise UserError(f'Cannot build the arguments schema of tool function {name!r}: {e}') from e
    except RecursionError as e:
        deepest = _too_deep_parameter({p.name: hints.get(p.name, Any) for p in params})
        raise UserError(
            f'Cannot build the arguments schema of tool function {name!r}: the type of parameter {deepest!r} '
            'is nested too deeply for a JSON schema; flatten it, or take the nested part as a JSON string or '
            'dict and validate it in the tool'
        ) from e


def _describe_parameters(
    name: str, json_schema: dict[str, Any], docstring: docstring_parser.Docstring, required: bool
) -> None:
    """Add the docstring's parameter descriptions to the schema's properties that have none."""
    param_docs = {p.arg_name: p.description for p in docstring.params if p.description}
    properties: dict[str, dict[str, Any]] = json_schema['properties']
    for param_name, prop in properties.items():
        if 'description' in prop:
            continue
        if (description := param_docs.get(param_name)) is not None:
            prop['description'] = description
        elif required:
            raise UserError(
                f'Tool function {name!r}: parameter {param_name!r} has no description '
                f'(require_parameter_descriptions=True); describe it in the docstring or with Field(description=...)'
            )


def _too_deep_parameter(annotations: Mapping[str, Any]) -> str:
    """The name of the first parameter whose type alone exhausts the recursion limit (for the error message)."""
    for param_name, annotation in annotations.items():
        try:
            pydantic.TypeAdapter(annotation).json_schema()
        except RecursionError:
            return param_name
    # Reached only when no parameter alone but the stack as a whole was too deep: name them all.
    return ', '.join(annotations)  # pragma: no cover


def describe_validation_errors(errors: Sequence[ErrorDetails], title: str | None = None) -> str:
    """Validation errors by location and type only, e.g. `2 validation errors: city: missing; days: int_parsing`.

    Unlike pydantic's own message, it holds none of the input values: the arguments a model sent may be
    personal data, kept out of error messages and spans unless content is recorded.

    Args:
        errors: The errors, as `ValidationError.errors()` returns them.
        title: What was validated (e.g. the tool's name), said after the count.

    Returns:
        The description.
    """
    count = len(errors)
    where = '; '.join(
        f'{".".join(str(part) for part in error["loc"]) or "(root)"}: {error["type"]}' for error in errors
    )
    return f'{count} validation error{"" if count == 1 else "s"}{f" for {title}" if title else ""}: {where}'


def callable_name(function: Callable[..., Any]) -> str:
    """The name a callable goes by: its `__name__`, that of a partial's function, or its class name.

    Args:
        function: A function, partial, bound method or callable object.

    Returns:
        The name.
    """
    target, _ = _unwrap_partial(function)
    name = getattr(target, '__name__', None)
    return name if isinstance(name, str) else type(target).__name__


def _unwrap_partial(function: Callable[..., Any]) -> tuple[Callable[..., Any], frozenset[str]]:
    """The callable under any partials, and the names of the keyword arguments they bind."""
    bound: set[str] = set()
    while isinstance(function, functools.partial):
        partial = typing.cast('functools.partial[Any]', function)
        bound.update(partial.keywords)
        function = partial.func
    return function, frozenset(bound)


def _parse_docstring(doc: str | None, docstring_format: DocstringFormat, name: str) -> docstring_parser.Docstring:
    # Imported here: only registering a tool needs it, and importing the package should stay fast.
    import docstring_parser

    try:
        return docstring_parser.parse(doc or '', docstring_parser.DocstringStyle[_DOCSTRING_STYLES[docstring_format]])
    except docstring_parser.ParseError as e:
        raise UserError(f'Cannot parse the docstring of tool function {name!r} as {docstring_format}: {e}') from e


def _arguments_schema(raw: dict[str, Any]) -> dict[str, Any]:
    """The arguments schema in a stable shape: fixed top-level key order, no titles."""
    remove_titles(raw)
    schema: dict[str, Any] = {'type': 'object', 'properties': raw['properties']}
    if required := raw.get('required'):
        schema['required'] = required
    schema['additionalProperties'] = False
    if defs := raw.get('$defs'):
        schema['$defs'] = defs
    return schema


_JSON_OBJECT = pydantic.TypeAdapter(dict[str, Any])


@dataclass
class SchemaFunction(FunctionSchema):
    """A function called with the arguments of a given JSON schema: for tools without a Python signature.

    The schema is sent as written; arguments are checked to be a JSON object (the function checks
    the rest) and passed as keyword arguments.
    """

    def validate_json(self, args: str | bytes) -> dict[str, Any]:
        if not args or args.isspace():
            args = '{}'
        return _JSON_OBJECT.validate_json(args)

    def validate_python(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return _JSON_OBJECT.validate_python(args)


def schema_function(function: Callable[..., Any], json_schema: dict[str, Any], takes_ctx: bool) -> SchemaFunction:
    """A `SchemaFunction` for `Tool.from_schema`.

    Args:
        function: Called with the arguments as keyword arguments (after a `RunContext` when `takes_ctx`).
        json_schema: The JSON schema of the arguments object, sent to the model as given.
        takes_ctx: Whether the function takes a `RunContext` as its first argument.
    """
    return SchemaFunction(
        function=function,
        description=inspect.getdoc(function) or '',
        json_schema=json_schema,
        takes_ctx=takes_ctx,
        is_async=inspect.iscoroutinefunction(function),
        _args_model=BaseModel,
        _field_names=(),
    )
