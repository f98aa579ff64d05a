"""`Agent`: a model, tools, instructions and an output type, run as a tool-calling loop."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, cast, overload

from typing_extensions import ParamSpec, TypeVar, Unpack

from ._instrumentation_default import default_instrumentation
from ._output import OutputSchema, build_output_schema
from ._run import AgentRun, EndStrategy, OutputValidator, SystemPromptFunc, capture_run_messages
from .builtin_tools import AbstractBuiltinTool
from .exceptions import UserError
from .history_processors import HistoryProcessor
from .messages import ModelMessage, UserContent
from .models import Model, ModelRequestParameters, check_model_string, infer_model
from .output import OutputDataT, OutputSpec
from .result import AgentEventStream, AgentRunResult, StreamedRunResult, finished_result, sync_stream
from .settings import ModelSettings, merge_model_settings
from .tools import AgentDepsT, DeferredToolResults, PrepareTools, RunContext, Tool, ToolOptions
from .toolsets import AbstractToolset, CombinedToolset, FunctionToolset
from .usage import UsageLimits

if TYPE_CHECKING:
    from typing_extensions import TypeForm

    from .instrumentation import InstrumentationSettings
    from .output import NativeOutput, PromptedOutput, TextOutput, ToolOutput

__all__ = ('Agent', 'AgentEventStream', 'EndStrategy', 'ToolOptions', 'capture_run_messages')

ToolFunc = Callable[..., Any]
ToolParams = ParamSpec('ToolParams')
ToolReturnT = TypeVar('ToolReturnT')
PlainToolFuncT = TypeVar('PlainToolFuncT', bound=Callable[..., Any])


@dataclass(frozen=True)
class _Overrides:
    """What `Agent.override` replaces for the runs inside its block (deps in a tuple: `None` is a value)."""

    model: Model | None = None
    deps: tuple[Any] | None = None
    toolset: AbstractToolset[Any] | None = None


_NO_OVERRIDES = _Overrides()


class Agent(Generic[AgentDepsT, OutputDataT]):
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
    ) -> None:
        if isinstance(model, str):
            check_model_string(model)
        self._model = model
        self.name = name
        self.deps_type = deps_type
        self._output_schema: OutputSchema = build_output_schema(output_type)
        single = instructions is not None and (isinstance(instructions, str) or callable(instructions))
        self._instructions: list[str | SystemPromptFunc] = [instructions] if single else list(instructions or ())  # type: ignore[list-item]
        self._system_prompts: list[str | SystemPromptFunc] = (
            [system_prompt] if isinstance(system_prompt, str) else list(system_prompt)
        )
        self._set_toolsets(tools, toolsets, prepare_tools)
        self._builtin_tools = list(builtin_tools)
        self._history_processors = list(history_processors)
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
        self._overrides: ContextVar[_Overrides] = ContextVar('_overrides', default=_NO_OVERRIDES)
        if instrument is True:
            from .instrumentation import InstrumentationSettings  # OpenTelemetry is imported only when instrumenting

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
    ) -> Generator[None]:
        """Replace the model, deps, toolsets and/or function tools of every run inside the block (for tests).

        Args:
            model: The model to use instead (e.g. a `GroqModel` on the emulator).
            deps: The deps to use instead, whatever a run passes.
            toolsets: The toolsets to use instead of the agent's `toolsets`.
            tools: The function tools to use instead of the agent's `tools` and `@agent.tool`s.
        """
        current = self._overrides.get()
        toolset = current.toolset
        if toolsets is not None or tools is not None:
            function_toolset = self._function_toolset if tools is None else FunctionToolset[AgentDepsT](tools)
            toolset = self._combined(function_toolset, self._toolsets if toolsets is None else list(toolsets))
        token = self._overrides.set(
            _Overrides(
                infer_model(model) if model is not None else current.model,
                (deps,) if deps is not None else current.deps,
                toolset,
            )
        )
        try:
            yield
        finally:
            self._overrides.reset(token)

    def _prepare_run(
        self,
        user_prompt: str | Sequence[UserContent] | None,
        message_history: Sequence[ModelMessage] | None,
        deps: AgentDepsT | None,
        model: Model | str | None,
        model_settings: ModelSettings | None,
        usage_limits: UsageLimits | None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRun[AgentDepsT]:
        overrides = self._overrides.get()
        chosen = overrides.model or model or self._model
        if chosen is None:
            raise UserError('No model: pass one to Agent(...) or to this run (model=...).')
        resolved = infer_model(chosen)
        if isinstance(self._model, str) and chosen is self._model:
            self._model = resolved  # build the model from its string once
        run_deps: Any = overrides.deps[0] if overrides.deps is not None else deps
        schema = self._output_schema
        toolset = overrides.toolset or self._toolset
        if toolsets:
            toolset = CombinedToolset([toolset, *toolsets])
        may_call_tools = bool(
            self._function_toolset.tools or self._toolsets or toolsets or toolset is not self._toolset
        )
        params = ModelRequestParameters(
            function_tools=[],  # each step's, from the toolsets
            builtin_tools=self._builtin_tools,
            output_mode=schema.mode,
            output_tools=schema.tool_defs,
            output_object=schema.output_object,
            allow_text_output=schema.allow_text or schema.mode in ('native', 'prompted'),
        )
        instructions = list(self._instructions)
        if output_instructions := schema.instructions_for(function_tools=may_call_tools):
            instructions.append(output_instructions)
        return AgentRun(
            model=resolved,
            deps=run_deps,
            user_prompt=user_prompt,
            message_history=message_history,
            output_schema=schema,
            toolset=toolset,
            may_call_tools=may_call_tools,
            model_settings=merge_model_settings(self._model_settings, model_settings) or None,  # pyright: ignore[reportArgumentType]
            usage_limits=usage_limits or self._usage_limits or UsageLimits(),
            params=params,
            end_strategy=self.end_strategy,
            default_retries=self._retries,
            output_retries=self._output_retries,
            output_validators=list(self._output_validators),
            instructions=instructions,
            system_prompts=self._system_prompts,
            instrumentation=default_instrumentation() if self._instrument is None else self._instrument or None,
            agent_name=self.name,
            history_processors=self._history_processors,
            deferred_tool_results=deferred_tool_results,
        )

    async def run(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRunResult[OutputDataT]:
        """Run the loop to the end and return the result.

        Args:
            user_prompt: What the user says (text, or text and images); may be omitted when
                `message_history` ends with a request to answer.
            message_history: Earlier messages, to continue a conversation.
            deps: Dependencies handed to tools and prompt functions as `ctx.deps`.
            model: A model for this run instead of the agent's.
            model_settings: Settings for this run, over the agent's.
            usage_limits: Limits for this run instead of the agent's.
            toolsets: More toolsets for this run, beside the agent's.
            deferred_tool_results: Decisions and results for the calls `message_history` waits on.

        Raises:
            UnexpectedModelBehavior: When retries run out or the output is cut off.
            UsageLimitExceeded: When a usage limit would be exceeded.
            ModelHTTPError: When Groq answers with an error.
        """
        agent_run = self._prepare_run(
            user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets, deferred_tool_results
        )
        async for _ in agent_run.events(stream=False):
            pass
        return finished_result(agent_run)

    def run_sync(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRunResult[OutputDataT]:
        """`run` for scripts and threads: runs on the process's one sync event loop and returns the result.

        Raises:
            UserError: When called inside a running event loop (use `await agent.run(...)` there).
        """

        async def main() -> AgentRunResult[OutputDataT]:
            return await self.run(
                user_prompt,
                message_history=message_history,
                deps=deps,
                model=model,
                model_settings=model_settings,
                usage_limits=usage_limits,
                toolsets=toolsets,
                deferred_tool_results=deferred_tool_results,
            )

        from ._sync import run_sync  # here: only sync callers pay for the event loop thread's imports

        return run_sync(main, 'run_sync', 'agent.run')

    @asynccontextmanager
    async def run_stream(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AsyncGenerator[StreamedRunResult[OutputDataT]]:
        """Run with every model response streamed; yields a `StreamedRunResult`.

        Tool-call steps run as usual; read the answer with `stream_text()`, `stream_output()`
        or `get_output()`. Leaving the block early closes the HTTP stream.
        """
        agent_run = self._prepare_run(
            user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets, deferred_tool_results
        )
        events = agent_run.events(stream=True)
        try:
            yield StreamedRunResult[OutputDataT](agent_run, events)
        finally:
            await events.aclose()

    run_stream_sync = sync_stream(run_stream)  # run_stream's arguments, for scripts: see StreamedRunResultSync

    def run_stream_events(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentEventStream[OutputDataT]:
        """Every event of a streamed run, in order, then an `AgentRunResultEvent` with the result.

        Use `async with agent.run_stream_events(...) as events: async for event in events: ...`
        (or iterate it directly and read it to the end).
        """
        agent_run = self._prepare_run(
            user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets, deferred_tool_results
        )
        return AgentEventStream(agent_run)
