"""Tools the model may call: `Tool`, the `RunContext` they receive, and `ToolDefinition`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, Literal, TypedDict, overload

from typing_extensions import ParamSpec

from ._function_schema import DocstringFormat, FunctionSchema, callable_name, function_schema, schema_function
from ._run_context import AgentDepsT, RunContext
from .exceptions import UserError
from .messages import ToolCallPart

__all__ = (
    'AgentDepsT',
    'ApprovalPredicate',
    'DeferredToolRequests',
    'DeferredToolResults',
    'DocstringFormat',
    'PrepareTool',
    'PrepareTools',
    'RunContext',
    'Tool',
    'ToolApproved',
    'ToolDefinition',
    'ToolDenied',
    'ToolKind',
    'ToolOptions',
)

ToolParams = ParamSpec('ToolParams')

ToolKind = Literal['function', 'output']
"""`function` tools run on our side; `output` tools end the run with structured output."""


@dataclass(slots=True)
class ToolDefinition:
    """A tool as offered to the model.

    Attributes:
        name: The tool's name.
        parameters_json_schema: JSON schema of its arguments object.
        description: What the tool does (`''` when it has no docstring).
        kind: `function` or `output`.
        strict: Ask for strict schema adherence where the model supports it; `None` leaves it unset.
    """

    name: str
    parameters_json_schema: dict[str, Any] = field(
        default_factory=lambda: {'type': 'object', 'properties': {}, 'additionalProperties': False}
    )
    description: str = ''
    kind: ToolKind = 'function'
    strict: bool | None = None


PrepareTool = Callable[
    [RunContext[AgentDepsT], ToolDefinition], 'ToolDefinition | Awaitable[ToolDefinition | None] | None'
]
"""`Tool(prepare=...)`: the tool's definition for this step (changed or as given), or `None` to hide it."""

PrepareTools = Callable[
    [RunContext[AgentDepsT], list[ToolDefinition]],
    'list[ToolDefinition] | Awaitable[list[ToolDefinition] | None] | None',
]
"""`Agent(prepare_tools=...)`, `toolset.prepared(...)`: the step's tool definitions, some changed or left out."""

ApprovalPredicate = Callable[[RunContext[AgentDepsT], dict[str, Any]], 'bool | Awaitable[bool]']
"""`requires_approval=` as a function of the run's context and the call's validated arguments, sync or async."""


@dataclass(kw_only=True)
class DeferredToolRequests:
    """The tool calls a run stopped at: declare it in `output_type` (`[str, DeferredToolRequests]`).

    The run that ends with it leaves every call of the response answered except these, so its
    `all_messages()` (also as JSON) is all a later run needs to resume with `DeferredToolResults`.

    Attributes:
        calls: Calls whose result comes from elsewhere (their tool raised `CallDeferred`).
        approvals: Calls waiting for a person's decision (`requires_approval`, or `ApprovalRequired` raised).
        metadata: The `metadata` of the `ApprovalRequired` / `CallDeferred` raised, by call id.
    """

    calls: list[ToolCallPart] = field(default_factory=list[ToolCallPart])
    approvals: list[ToolCallPart] = field(default_factory=list[ToolCallPart])
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])


@dataclass
class ToolApproved:
    """An approval, optionally with the arguments the call runs with instead of the model's.

    Attributes:
        override_args: Arguments replacing the model's (validated like them); `None` keeps the model's.
    """

    override_args: dict[str, Any] | None = None
    kind: Literal['tool-approved'] = 'tool-approved'


@dataclass
class ToolDenied:
    """A refusal: the call is not run and the model gets `message` as the tool's return.

    Attributes:
        message: What the model is told.
    """

    message: str = 'The tool call was denied.'
    kind: Literal['tool-denied'] = 'tool-denied'


@dataclass(kw_only=True)
class DeferredToolResults:
    """What a run resumes with: a decision or result for every call a `DeferredToolRequests` listed.

    Attributes:
        approvals: By call id: `True` or `ToolApproved(...)` runs the call, `False` or `ToolDenied(...)`
            answers it with the denial message.
        calls: By call id: the result of a call executed elsewhere (any JSON-serialisable value or a
            `ToolReturn`), or a `ModelRetry` to send the model a retry prompt instead.
    """

    approvals: dict[str, bool | ToolApproved | ToolDenied] = field(
        default_factory=dict[str, 'bool | ToolApproved | ToolDenied']
    )
    calls: dict[str, Any] = field(default_factory=dict[str, Any])


_TOOL_NAME = re.compile(r'[a-zA-Z0-9_-]{1,64}')


def check_tool_name(name: str, what: str = 'Tool name') -> None:
    """Refuse a name Groq would reject for a tool or response format (`^[a-zA-Z0-9_-]{1,64}$`).

    Args:
        name: The name to check.
        what: What the name is, for the message.

    Raises:
        UserError: Naming the name and the rule.
    """
    if not isinstance(name, str) or not _TOOL_NAME.fullmatch(name):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise UserError(
            f'{what} {name!r} is invalid: Groq requires tool names to match ^[a-zA-Z0-9_-]{{1,64}}$ '
            f"(1 to 64 letters, digits, '_' or '-'); pass `name=` to choose one"
        )


class Tool(Generic[AgentDepsT]):
    """A Python function the model may call.

    The function's signature gives the JSON schema of the arguments and how they are validated;
    its docstring gives the tool's description and those of its parameters.

    Attributes:
        function: The function as given.
        name: The name the model calls the tool by.
        description: What the tool does, as the model is told.
        max_retries: How many times the model may retry a failed call; `None` uses the agent's default.
        takes_ctx: Whether the function takes a `RunContext` as its first argument.
        strict: Ask for strict schema adherence where the model supports it; `None` leaves it unset.
        function_schema: The function's arguments schema, validator and caller.
        prepare: Changes the tool's definition each step, or hides the tool (returns `None`).
        sequential: Run this tool's calls alone, never beside other calls of the same response.
        timeout: Seconds a call may take before the model gets a retry prompt; `None` for no limit.
        requires_approval: `True`, or a predicate `(ctx, args) -> bool`: the call waits for a person's approval.
    """

    function: Callable[..., Any]
    name: str
    description: str
    max_retries: int | None
    takes_ctx: bool
    strict: bool | None
    function_schema: FunctionSchema
    prepare: PrepareTool[AgentDepsT] | None
    sequential: bool
    timeout: float | None
    requires_approval: bool | ApprovalPredicate[AgentDepsT]

    @overload
    def __init__(
        self,
        function: Callable[Concatenate[RunContext[AgentDepsT], ToolParams], Any],
        *,
        takes_ctx: bool | None = ...,
        name: str | None = ...,
        description: str | None = ...,
        max_retries: int | None = ...,
        strict: bool | None = ...,
        docstring_format: DocstringFormat = ...,
        require_parameter_descriptions: bool = ...,
        prepare: PrepareTool[AgentDepsT] | None = ...,
        sequential: bool = ...,
        timeout: float | None = ...,
        requires_approval: bool | ApprovalPredicate[AgentDepsT] = ...,
    ) -> None: ...

    @overload
    def __init__(  # a function without `RunContext` serves an agent with any deps
        self: Tool[object],
        function: Callable[..., Any],
        *,
        takes_ctx: bool | None = ...,
        name: str | None = ...,
        description: str | None = ...,
        max_retries: int | None = ...,
        strict: bool | None = ...,
        docstring_format: DocstringFormat = ...,
        require_parameter_descriptions: bool = ...,
        prepare: PrepareTool[AgentDepsT] | None = ...,
        sequential: bool = ...,
        timeout: float | None = ...,
        requires_approval: bool | ApprovalPredicate[AgentDepsT] = ...,
    ) -> None: ...

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        takes_ctx: bool | None = None,
        name: str | None = None,
        description: str | None = None,
        max_retries: int | None = None,
        strict: bool | None = None,
        docstring_format: DocstringFormat = 'auto',
        require_parameter_descriptions: bool = False,
        prepare: PrepareTool[AgentDepsT] | None = None,
        sequential: bool = False,
        timeout: float | None = None,
        requires_approval: bool | ApprovalPredicate[AgentDepsT] = False,
    ) -> None:
        """Read a function into a tool.

        Args:
            function: A function, async function, `functools.partial`, bound method or callable object.
                Its parameters must be named (no `*args`, `**kwargs` or positional-only parameters).
            takes_ctx: Whether the first parameter is a `RunContext`; `None` detects it from the annotation.
            name: The tool's name; defaults to the function's name. Must match `^[a-zA-Z0-9_-]{1,64}$`.
            description: What the tool does; defaults to the docstring's summary and body.
            max_retries: How many times the model may retry a failed call; `None` uses the agent's default.
            strict: Ask for strict schema adherence where the model supports it.
            docstring_format: How the docstring is written: `google`, `numpy`, `sphinx` or `auto`.
            require_parameter_descriptions: Fail when a parameter has no description.
            prepare: Called before each model request with the run's context and the tool's
                definition: returns the definition to send (changed or not), or `None` to leave the
                tool out of that step. Sync or async.
            sequential: Run this tool's calls alone: when a response calls it, that response's calls
                run one after another instead of concurrently.
            timeout: Seconds a call may take; a call that takes longer is abandoned and the model gets
                a retry prompt saying so (counted like any failure). `None` for no limit.
            requires_approval: `True`: every call waits for a person's approval (the run ends with
                `DeferredToolRequests`); a function `(ctx, args) -> bool` (sync or async, args validated):
                the calls for which it returns true wait.

        Raises:
            UserError: The function can't be a tool, or the name, `max_retries` or `timeout` is invalid.
        """
        schema = function_schema(
            function,
            takes_ctx=takes_ctx,
            docstring_format=docstring_format,
            require_parameter_descriptions=require_parameter_descriptions,
        )
        self._setup(function, schema, name, description, max_retries, strict)
        self._set_options(prepare, sequential, timeout)
        self.requires_approval = requires_approval

    def _set_options(self, prepare: PrepareTool[AgentDepsT] | None, sequential: bool, timeout: float | None) -> None:
        if timeout is not None and not timeout > 0:
            raise UserError(f'Tool {self.name!r}: timeout must be a number of seconds > 0 or None, got {timeout}')
        self.prepare = prepare
        self.sequential = sequential
        self.timeout = timeout

    def _setup(
        self,
        function: Callable[..., Any],
        schema: FunctionSchema,
        name: str | None,
        description: str | None,
        max_retries: int | None,
        strict: bool | None,
    ) -> None:
        name = callable_name(function) if name is None else name
        check_tool_name(name)
        if max_retries is not None and max_retries < 0:
            raise UserError(f'Tool {name!r}: max_retries must be >= 0 or None, got {max_retries}')
        self.function = function
        self.name = name
        self.description = schema.description if description is None else description
        self.max_retries = max_retries
        self.takes_ctx = schema.takes_ctx
        self.strict = strict
        self.function_schema = schema

    @classmethod
    def from_schema(
        cls,
        function: Callable[..., Any],
        *,
        name: str,
        description: str | None,
        json_schema: dict[str, Any],
        takes_ctx: bool = False,
        max_retries: int | None = None,
        strict: bool | None = None,
        sequential: bool = False,
        timeout: float | None = None,
    ) -> Tool[Any]:
        """A tool from a JSON schema and a function, for functions without a usable Python signature.

        The schema is sent to the model as given. The model's arguments must be a JSON object; the
        function receives its members as keyword arguments and checks them itself.

        Args:
            function: Called as `function(**args)` (or `function(ctx, **args)` when `takes_ctx`), sync or async.
            name: The tool's name.
            description: What the tool does; `None` uses the function's docstring.
            json_schema: The JSON schema of the arguments object.
            takes_ctx: Whether the function takes a `RunContext` first.
            max_retries: How many times the model may retry a failed call; `None` uses the agent's default.
            strict: Ask for strict schema adherence where the model supports it.
            sequential: Run this tool's calls alone (see `Tool`).
            timeout: Seconds a call may take (see `Tool`).
        """
        tool = cls.__new__(cls)
        tool._setup(function, schema_function(function, json_schema, takes_ctx), name, description, max_retries, strict)
        tool._set_options(None, sequential, timeout)
        tool.requires_approval = False
        return tool

    @classmethod
    def from_options(cls, function: Callable[..., Any], takes_ctx: bool, options: ToolOptions) -> Tool[Any]:
        """The tool that `@agent.tool(**options)` or `@agent.tool_plain(**options)` registers."""
        return cls(
            function,
            takes_ctx=takes_ctx,
            name=options.get('name'),
            description=options.get('description'),
            max_retries=options.get('retries'),
            strict=options.get('strict'),
            docstring_format=options.get('docstring_format', 'auto'),
            require_parameter_descriptions=options.get('require_parameter_descriptions', False),
            prepare=options.get('prepare'),
            sequential=options.get('sequential', False),
            timeout=options.get('timeout'),
            requires_approval=options.get('requires_approval', False),
        )

    @property
    def tool_def(self) -> ToolDefinition:
        """The tool as offered to the model."""
        return ToolDefinition(
            name=self.name,
            parameters_json_schema=self.function_schema.json_schema,
            description=self.description,
            kind='function',
            strict=self.strict,
        )

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(name={self.name!r}, takes_ctx={self.takes_ctx}, '
            f'max_retries={self.max_retries}, strict={self.strict})'
        )


class ToolOptions(TypedDict, total=False):
    """Options of `@agent.tool(...)` and `@agent.tool_plain(...)`."""

    name: str | None
    """The tool's name; defaults to the function's name."""
    description: str | None
    """The tool's description; defaults to the docstring's text."""
    retries: int | None
    """How often the tool may fail in a row; defaults to the agent's `retries`."""
    strict: bool | None
    """Ask for strict schema adherence where the model supports it."""
    docstring_format: DocstringFormat
    """`google`, `numpy`, `sphinx` or `auto` (the default)."""
    require_parameter_descriptions: bool
    """Fail when a parameter has no description."""
    prepare: PrepareTool[Any] | None
    """Change the tool's definition each step, or hide it (return `None`)."""
    sequential: bool
    """Run this tool's calls alone, never beside other calls of the same response."""
    timeout: float | None
    """Seconds a call may take before the model gets a retry prompt."""
    requires_approval: bool | ApprovalPredicate[Any]
    """`True`, or a predicate `(ctx, args) -> bool`: the call waits for a person's approval."""
