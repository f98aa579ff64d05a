"""Run preparation: what an `Agent`, its overrides and a run's arguments make of one `AgentRun`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal

from .._instrumentation_default import default_instrumentation
from .._output import OutputSchema, build_output_schema
from .._run import AgentRun, EndStrategy, OutputValidator, SystemPromptFunc
from ..builtin_tools import AbstractBuiltinTool
from ..exceptions import UserError
from ..history_processors import HistoryProcessor
from ..messages import ModelMessage, UserContent
from ..models import Model, ModelRequestParameters, infer_model
from ..output import OutputDataT, OutputSpec
from ..settings import ModelSettings, merge_model_settings
from ..tools import AgentDepsT, DeferredToolResults, RunContext
from ..toolsets import AbstractToolset, CombinedToolset, FunctionToolset
from ..usage import UsageLimits

if TYPE_CHECKING:
    from ..instrumentation import InstrumentationSettings
    from ..run import EventStreamHandler


@dataclass(frozen=True)
class Overrides:
    """What `Agent.override` replaces for the runs inside its block (deps in a tuple: `None` is a value)."""

    model: Model | None = None
    deps: tuple[Any] | None = None
    toolset: AbstractToolset[Any] | None = None
    instructions: list[str | SystemPromptFunc] | None = None
    model_settings: ModelSettings | None = None


NO_OVERRIDES = Overrides()

Instructions = str | SystemPromptFunc | Sequence[str | SystemPromptFunc] | None
"""Instructions as `Agent(instructions=...)` and a run's `instructions=` take them."""

RunMetadata = dict[str, Any] | Callable[[RunContext[Any]], dict[str, Any]]
"""A run's `metadata=`: a dict, or a function of the run's `RunContext` returning one."""


def instructions_list(instructions: Instructions) -> list[str | SystemPromptFunc]:
    """Instructions given as one string or function, or several, as a list."""
    if instructions is None:
        return []
    if isinstance(instructions, str) or callable(instructions):
        return [instructions]
    return list(instructions)


class PreparedAgent(Generic[AgentDepsT, OutputDataT]):
    """The agent's configuration (set by `Agent.__init__`) and how a run is prepared from it."""

    name: str | None
    end_strategy: EndStrategy
    _model: Model | str | None
    _output_schema: OutputSchema
    _instructions: list[str | SystemPromptFunc]
    _system_prompts: list[str | SystemPromptFunc]
    _function_toolset: FunctionToolset[AgentDepsT]
    _toolsets: list[AbstractToolset[AgentDepsT]]
    _toolset: AbstractToolset[AgentDepsT]
    _builtin_tools: list[AbstractBuiltinTool]
    _history_processors: list[HistoryProcessor]
    _retries: int
    _output_retries: int
    _model_settings: ModelSettings | None
    _usage_limits: UsageLimits | None
    _output_validators: list[OutputValidator]
    _overrides: ContextVar[Overrides]
    _instrument: InstrumentationSettings | Literal[False] | None
    _event_stream_handler: EventStreamHandler | None

    def _resolve_model(self, chosen: Model | str | None) -> Model:
        if chosen is None:
            raise UserError('No model: pass one to Agent(...) or to this run (model=...).')
        resolved = infer_model(chosen)
        if isinstance(self._model, str) and chosen is self._model:
            self._model = resolved  # build the model from its string once
        return resolved

    def _prepare_run(
        self,
        user_prompt: str | Sequence[UserContent] | None,
        output_type: OutputSpec[Any] | None,
        message_history: Sequence[ModelMessage] | None,
        deps: AgentDepsT | None,
        model: Model | str | None,
        model_settings: ModelSettings | None,
        usage_limits: UsageLimits | None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None,
        instructions: Instructions,
        metadata: RunMetadata | None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRun[AgentDepsT]:
        overrides = self._overrides.get()
        resolved = self._resolve_model(overrides.model or model or self._model)
        run_deps: Any = overrides.deps[0] if overrides.deps is not None else deps
        schema = self._output_schema if output_type is None else build_output_schema(output_type)
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
        agent_instructions = self._instructions if overrides.instructions is None else overrides.instructions
        run_instructions = [*agent_instructions, *instructions_list(instructions)]
        if output_instructions := schema.instructions_for(function_tools=may_call_tools):
            run_instructions.append(output_instructions)
        return AgentRun(
            model=resolved,
            deps=run_deps,
            user_prompt=user_prompt,
            message_history=message_history,
            output_schema=schema,
            toolset=toolset,
            may_call_tools=may_call_tools,
            model_settings=merge_model_settings(self._model_settings, model_settings, overrides.model_settings) or None,  # pyright: ignore[reportArgumentType]
            usage_limits=usage_limits or self._usage_limits or UsageLimits(),
            params=params,
            end_strategy=self.end_strategy,
            default_retries=self._retries,
            output_retries=self._output_retries,
            output_validators=list(self._output_validators),
            instructions=run_instructions,
            metadata=metadata,
            system_prompts=self._system_prompts,
            instrumentation=default_instrumentation() if self._instrument is None else self._instrument or None,
            agent_name=self.name,
            history_processors=self._history_processors,
            deferred_tool_results=deferred_tool_results,
        )
