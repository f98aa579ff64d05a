"""`Agent`: a model, tools, instructions and an output type, run as a tool-calling loop.

The class is built in layers: `_prepare.py` holds the agent's configuration and turns it into
one `AgentRun`; `_streams.py` and `_runs.py` add the run entry points; this module constructs the agent and adds
its tool decorators and `override`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Concatenate, Literal, cast, overload

from typing_extensions import ParamSpec, TypeVar, Unpack

from .._output import build_output_schema
from .._run import EndStrategy, OutputValidator, SystemPromptFunc, capture_run_messages
from ..builtin_tools import AbstractBuiltinTool
from ..exceptions import UserError
from ..history_processors import HistoryProcessor
from ..models import Model, check_model_string, infer_model
from ..output import OutputDataT, OutputSpec
from ..result import AgentEventStream
from ..run import EventStreamHandler
from ..settings import ModelSettings
from ..tools import AgentDepsT, PrepareTools, RunContext, Tool, ToolOptions
from ..toolsets import AbstractToolset, CombinedToolset, FunctionToolset
from ..usage import UsageLimits
from ._prepare import NO_OVERRIDES, Instructions, Overrides, instructions_list
from ._runs import AgentRuns

if TYPE_CHECKING:
    from typing_extensions import TypeForm

    from ..instrumentation import InstrumentationSettings
    from ..output import NativeOutput, PromptedOutput, TextOutput, ToolOutput

__all__ = ('Agent', 'AgentEventStream', 'EndStrategy', 'ToolOptions', 'capture_run_messages')

ToolFunc = Callable[..., Any]
ToolParams = ParamSpec('ToolParams')
ToolReturnT = TypeVar('ToolReturnT')
PlainToolFuncT = TypeVar('PlainToolFuncT', bound=Callable[..., Any])


class Agent(AgentRuns[AgentDepsT, OutputDataT]):
    """A model with instructions, tools and an output type, run as a tool-calling loop.

    ```python
    agent = Agent(GroqModel('llama-3.3-70b-versatile'), output_type=City, instructions='Be concise.')
    result = await agent.run('Largest city in Mexico?')
    ```

    Args:
        model: A `Model`, or `'groq:<model-name>'` (the `GroqModel` is then built on first use).
        output_type: `str` (default), another type (asked for through an output tool), a union or list of
            types (one output tool each), `ToolOutput(T)`, `NativeOutput(T)` or `PromptedOutput(T)`.
        instructions: Instructions sent with every request: strings or functions (sync or async, taking
            `RunContext` or nothing); stored on each `ModelRequest.instructions`.
        system_prompt: System prompts sent at the start of a new conversation (not again when a
            `message_history` is given).
        deps_type: The type of `deps` the run passes to tools (for type checking).
        tools: Functions or `Tool`s the model may call.
        builtin_tools: Tools Groq runs server-side.
        toolsets: More tools, from toolsets (`FunctionToolset`, MCP servers, `.prefixed()` views, ...),
            asked for their tools before every request.
        prepare_tools: `(ctx, tool_defs) -> tool_defs`, sync or async: changes or leaves out function
            tools before every request, after the toolsets and each tool's `prepare`.
        retries: How often each tool may fail in a row (invalid arguments, `ModelRetry`) before the run fails.
        output_retries: How often the output may be invalid before the run fails; defaults to `retries`.
        model_settings: Default settings for every request.
        usage_limits: Default limits for every run.
        end_strategy: `early`: once the output tool is called, other tools in that response are not run;
            `exhaustive`: run them all.
        name: The agent's name (used in traces).
        instrument: Record OpenTelemetry spans and metrics: `True` with the global providers, an
            `InstrumentationSettings` to choose them (and whether content is recorded), `False` never;
            `None` (default) does what `instrument_all()` set, by default nothing.
        history_processors: Functions (sync or async, taking `RunContext` or not) that get a copy of the
            messages before every request and return the ones to send, in order; the run keeps them all
            (see `history_processors.keep_last_turns`). One that separates a tool call from its return
            fails the run with a `UserError` before the request.
        event_stream_handler: `async (ctx, events) -> None`, called in every run (unless the run
            passes its own) with the events of each model request and each tool-call step as they
            happen; see `Agent.run`.

    Raises:
        UserError: For a model string in another form, duplicate tool names, or an unusable output type.
    """

    @overload  # a type form on its own: mypy takes `City | int` as a type only where nothing else is expected
    def __init__(
        self,
        model: Model | str | None = None,
        *,
        output_type: TypeForm[OutputDataT] = ...,
        instructions: str | SystemPromptFunc | Sequence[str | SystemPromptFunc] | None = ...,
        system_prompt: str | Sequence[str] = ...,
        deps_type: type[AgentDepsT] = ...,
        tools: Sequence[ToolFunc | Tool[AgentDepsT]] = ...,
        builtin_tools: Sequence[AbstractBuiltinTool] = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] = ...,
        prepare_tools: PrepareTools[AgentDepsT] | None = ...,
        retries: int = ...,
        output_retries: int | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        end_strategy: EndStrategy = ...,
        name: str | None = ...,
        instrument: InstrumentationSettings | bool | None = ...,
        history_processors: Sequence[HistoryProcessor] = ...,
        event_stream_handler: EventStreamHandler | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        model: Model | str | None = None,
        *,
        output_type: ToolOutput[OutputDataT]
        | NativeOutput[OutputDataT]
        | PromptedOutput[OutputDataT]
        | TextOutput[OutputDataT]
        | Sequence[TypeForm[OutputDataT] | ToolOutput[OutputDataT] | TextOutput[OutputDataT]],
        instructions: str | SystemPromptFunc | Sequence[str | SystemPromptFunc] | None = ...,
        system_prompt: str | Sequence[str] = ...,
        deps_type: type[AgentDepsT] = ...,
        tools: Sequence[ToolFunc | Tool[AgentDepsT]] = ...,
        builtin_tools: Sequence[AbstractBuiltinTool] = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] = ...,
        prepare_tools: PrepareTools[AgentDepsT] | None = ...,
        retries: int = ...,
        output_retries: int | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        end_strategy: EndStrategy = ...,
        name: str | None = ...,
        instrument: InstrumentationSettings | bool | None = ...,
        history_processors: Sequence[HistoryProcessor] = ...,
        event_stream_handler: EventStreamHandler | None = ...,
    ) -> None: ...

    def __init__(
        self,
        model: Model | str | None = None,
        *,
        output_type: OutputSpec[OutputDataT] = str,
        instructions: str | SystemPromptFunc | Sequence[str | SystemPromptFunc] | None = None,
        system_prompt: str | Sequence[str] = (),
        deps_type: type[AgentDepsT] = type(None),  # noqa: B008  (a constant: NoneType)
        tools: Sequence[ToolFunc | Tool[AgentDepsT]] = (),
        builtin_tools: Sequence[AbstractBuiltinTool] = (),
        toolsets: Sequence[AbstractToolset[AgentDepsT]] = (),
        prepare_tools: PrepareTools[AgentDepsT] | None = None,
        retries: int = 1,
        output_retries: int | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        end_strategy: EndStrategy = 'early',
        name: str | None = None,
        instrument: InstrumentationSettings | bool | None = None,
        history_processors: Sequence[HistoryProcessor] = (),
        event_stream_handler: EventStreamHandler | None = None,
    ) -> None:
        if isinstance(model, str):
            check_model_string(model)
        self._model = model
        self.name = name
        self.deps_type = deps_type
        self._output_schema = build_output_schema(output_type)
        self._instructions = instructions_list(instructions)
        self._system_prompts: list[str | SystemPromptFunc] = (
            [system_prompt] if isinstance(system_prompt, str) else list(system_prompt)
        )
        self._set_toolsets(tools, toolsets, prepare_tools)
        self._builtin_tools = list(builtin_tools)
        self._history_processors = list(history_processors)
        self._event_stream_handler = event_stream_handler
        if retries < 0 or (output_retries is not None and output_retries < 0):
            raise UserError(f'retries and output_retries must be >= 0, got {retries} and {output_retries}.')
        self._retries = retries
        self._output_retries = retries if output_retries is None else output_retries
        self._model_settings = model_settings
        self._usage_limits = usage_limits
        if end_strategy not in ('early', 'exhaustive'):
            raise UserError(f"end_strategy={end_strategy!r} is not allowed; use 'early' or 'exhaustive'.")
        self.end_strategy: EndStrategy = end_strategy
        self._output_validators: list[OutputValidator] = []
        self._overrides: ContextVar[Overrides] = ContextVar('_overrides', default=NO_OVERRIDES)
        if instrument is True:
            from ..instrumentation import InstrumentationSettings  # OpenTelemetry is imported only when instrumenting

            instrument = InstrumentationSettings()
        self._instrument: InstrumentationSettings | Literal[False] | None = instrument

    def __repr__(self) -> str:
        model = self._model.model_name if isinstance(self._model, Model) else self._model
        return f'Agent(model={model!r}, name={self.name!r}, tools={list(self._function_toolset.tools)!r})'

    def _set_toolsets(
        self,
        tools: Sequence[ToolFunc | Tool[AgentDepsT]],
        toolsets: Sequence[AbstractToolset[AgentDepsT]],
        prepare: PrepareTools[AgentDepsT] | None,
    ) -> None:
        self._function_toolset = FunctionToolset[AgentDepsT]()
        for tool in tools:
            self._add_tool(cast('Tool[AgentDepsT]', tool) if isinstance(tool, Tool) else Tool(tool))
        self._toolsets = list(toolsets)
        self._prepare_tools = prepare
        # One toolset for every run: entered once, by `async with agent:` or by the runs it serves.
        self._toolset = self._combined(self._function_toolset, self._toolsets)

    def _combined(
        self, function_toolset: FunctionToolset[AgentDepsT], toolsets: Sequence[AbstractToolset[AgentDepsT]]
    ) -> AbstractToolset[AgentDepsT]:
        combined = CombinedToolset([function_toolset, *toolsets])
        return combined if self._prepare_tools is None else combined.prepared(self._prepare_tools)

    def _add_tool(self, tool: Tool[AgentDepsT]) -> None:
        if tool.name in self._output_schema.tools:
            raise UserError(f'Tool name {tool.name!r} is used twice; tool names must be unique.')
        self._function_toolset.add_tool(tool)

    async def __aenter__(self) -> Agent[AgentDepsT, OutputDataT]:
        """Enter the agent's toolsets (e.g. start MCP servers) once for every run inside the block."""
        await self._toolset.__aenter__()
        return self

    async def __aexit__(self, *args: Any) -> None:
        """Leave the agent's toolsets, once no run uses them any more."""
        await self._toolset.__aexit__(*args)

    @overload
    def tool(
        self, function: Callable[Concatenate[RunContext[AgentDepsT], ToolParams], ToolReturnT], /
    ) -> Callable[Concatenate[RunContext[AgentDepsT], ToolParams], ToolReturnT]: ...

    @overload
    def tool(
        self, /, **options: Unpack[ToolOptions]
    ) -> Callable[
        [Callable[Concatenate[RunContext[AgentDepsT], ToolParams], ToolReturnT]],
        Callable[Concatenate[RunContext[AgentDepsT], ToolParams], ToolReturnT],
    ]: ...

    def tool(self, function: ToolFunc | None = None, /, **options: Unpack[ToolOptions]) -> Any:
        """Register a tool taking `RunContext[Deps]` first: `@agent.tool`, or `@agent.tool(...)` with `ToolOptions`."""
        return self._tool_decorator(function, True, options)

    @overload
    def tool_plain(self, function: PlainToolFuncT, /) -> PlainToolFuncT: ...

    @overload
    def tool_plain(self, /, **options: Unpack[ToolOptions]) -> Callable[[PlainToolFuncT], PlainToolFuncT]: ...

    def tool_plain(self, function: ToolFunc | None = None, /, **options: Unpack[ToolOptions]) -> Any:
        """Register a tool that takes no `RunContext`: `@agent.tool_plain`, or `@agent.tool_plain(...)` like `tool`."""
        return self._tool_decorator(function, False, options)

    def _tool_decorator(self, function: ToolFunc | None, takes_ctx: bool, options: ToolOptions) -> Any:
        def register(func: ToolFunc) -> ToolFunc:
            self._add_tool(Tool.from_options(func, takes_ctx, options))
            return func

        return register(function) if function is not None else register

    def system_prompt(self, function: SystemPromptFunc, /) -> SystemPromptFunc:
        """Register a function (sync or async, taking `RunContext` or nothing) that returns a system prompt."""
        self._system_prompts.append(function)
        return function

    def instructions(self, function: SystemPromptFunc, /) -> SystemPromptFunc:
        """Register a function (sync or async, taking `RunContext` or nothing) that returns instructions."""
        self._instructions.append(function)
        return function

    @overload
    def output_validator(
        self,
        function: Callable[[RunContext[AgentDepsT], OutputDataT], OutputDataT | Awaitable[OutputDataT]],
        /,
    ) -> Callable[[RunContext[AgentDepsT], OutputDataT], OutputDataT | Awaitable[OutputDataT]]: ...

    @overload
    def output_validator(
        self, function: Callable[[OutputDataT], OutputDataT | Awaitable[OutputDataT]], /
    ) -> Callable[[OutputDataT], OutputDataT | Awaitable[OutputDataT]]: ...

    def output_validator(self, function: OutputValidator, /) -> OutputValidator:
        """Register a function `(ctx?, output) -> output` that checks or fixes the output.

        Raise `ModelRetry` in it to send the model back to try again (counts against `output_retries`).
        """
        self._output_validators.append(function)
        return function

    @contextmanager
    def override(
        self,
        *,
        model: Model | str | None = None,
        deps: AgentDepsT | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        tools: Sequence[ToolFunc | Tool[AgentDepsT]] | None = None,
        instructions: Instructions = None,
        model_settings: ModelSettings | None = None,
    ) -> Generator[None]:
        """Replace the model, deps, toolsets and/or function tools of every run inside the block (for tests).

        Args:
            model: The model to use instead (e.g. a `GroqModel` on the emulator).
            deps: The deps to use instead, whatever a run passes.
            toolsets: The toolsets to use instead of the agent's `toolsets`.
            tools: The function tools to use instead of the agent's `tools` and `@agent.tool`s.
            instructions: Instructions to use instead of the agent's (a run's own `instructions=`
                still come after them).
            model_settings: Settings that win over the agent's and each run's, key by key.
        """
        current = self._overrides.get()
        toolset = current.toolset
        if toolsets is not None or tools is not None:
            function_toolset = self._function_toolset if tools is None else FunctionToolset[AgentDepsT](tools)
            toolset = self._combined(function_toolset, self._toolsets if toolsets is None else list(toolsets))
        token = self._overrides.set(
            Overrides(
                infer_model(model) if model is not None else current.model,
                (deps,) if deps is not None else current.deps,
                toolset,
                instructions_list(instructions) if instructions is not None else current.instructions,
                model_settings if model_settings is not None else current.model_settings,
            )
        )
        try:
            yield
        finally:
            self._overrides.reset(token)
