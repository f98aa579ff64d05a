"""`TemporalAgent`: an agent whose loop is workflow code and whose model requests and tool calls are activities."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic

import pydantic
import pydantic_core
from temporalio import workflow

from ...agent import Agent
from ...exceptions import UserError
from ...messages import ModelMessage, UserContent
from ...models import Model, infer_model
from ...output import OutputDataT
from ...result import AgentRunResult
from ...settings import ModelSettings
from ...tools import AgentDepsT, DeferredToolResults, RunContext
from ...toolsets import AbstractToolset, CombinedToolset
from ...toolsets._wrappers import WrapperToolset
from ...usage import UsageLimits

if TYPE_CHECKING:
    from ...run import EventStreamHandler
from ._config import DEFAULT_ACTIVITY_CONFIG, ActivityConfig, merge_configs
from ._errors import DEFAULT_MAX_PAYLOAD_BYTES
from ._model import RUN_STATE, ModelActivity, RunState, TemporalModel, model_activity, without_sdk_retries
from ._toolset import CarriedContext, TemporalToolset, toolset_activities

__all__ = ('TemporalAgent',)

_FUNCTION_TOOLS = 'tools'
"""The name of the agent's own function tools (`tools=`, `@agent.tool`) in activity names."""


class TemporalAgent(Generic[AgentDepsT, OutputDataT]):
    """An agent run inside a Temporal workflow: model requests, tool calls and MCP calls become activities.

    ```python
    temporal_agent = TemporalAgent(agent)  # agent = Agent(..., name='support')

    @workflow.defn
    class Support:
        @workflow.run
        async def run(self, ticket: str) -> str:
            return (await temporal_agent.run(ticket)).output
    ```

    Register `temporal_agent.temporal_activities` on the worker (or give it `AgentPlugin(temporal_agent)`).
    Activity names come from the agent's and toolsets' names, so workers of any process find them:
    both must be set, and kept across deployments.

    Args:
        agent: The agent, with a `name` and a model.
        activity_config: Timeouts and retry policy of every activity, over `DEFAULT_ACTIVITY_CONFIG`.
        model_activity_config: Those of the model request activity, over `activity_config`.
        tool_activity_config: Those of each tool's call activity by tool name, over `activity_config`.
        max_payload_bytes: The largest payload (a request's history, a tool's result) to hand Temporal;
            a larger one fails the workflow with a clear error. Temporal's default server limit is 2 MiB.
        event_stream_handler: `async (ctx, events) -> None`, run inside each model activity with the request's
            events as they stream in (the workflow gets the whole response); defaults to the agent's handler.

    Raises:
        UserError: The agent has no name or model, or one of its toolsets has no name (MCP servers take
            `name=`, a `FunctionToolset` `name=`), or two share one.
    """

    def __init__(
        self,
        agent: Agent[AgentDepsT, OutputDataT],
        *,
        activity_config: ActivityConfig | None = None,
        model_activity_config: ActivityConfig | None = None,
        tool_activity_config: Mapping[str, ActivityConfig] | None = None,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        event_stream_handler: EventStreamHandler | None = None,
    ) -> None:
        if not agent.name:
            raise UserError(
                "TemporalAgent needs the agent's name (Agent(..., name='support')): activities are named after it."
            )
        model = agent._model  # pyright: ignore[reportPrivateUsage]
        if model is None:
            raise UserError('TemporalAgent needs an agent with a model: workflow code cannot choose one per run.')
        self.wrapped = agent
        self.name = agent.name
        self._model = infer_model(model)
        self._activity_model: Model | None = None
        base = merge_configs(DEFAULT_ACTIVITY_CONFIG, activity_config)
        tool_configs = dict(tool_activity_config or {})
        prefix = f'agent__{agent.name}'
        handler = event_stream_handler or agent._event_stream_handler  # pyright: ignore[reportPrivateUsage]
        model_config = merge_configs(base, model_activity_config)
        self._temporal_model = TemporalModel(
            self._model, f'{prefix}__model_request', model_config, max_payload_bytes, streams=handler is not None
        )
        builtin_tools = agent._builtin_tools  # pyright: ignore[reportPrivateUsage]
        spec = ModelActivity(
            f'{prefix}__model_request',
            self._worker_model,
            builtin_tools,
            max_payload_bytes,
            handler,
            self._load_context,
        )
        self.temporal_activities: list[Callable[..., Any]] = [model_activity(spec)]
        """The activities a worker must register to run this agent's workflows."""
        temporal_toolsets: list[AbstractToolset[Any]] = []
        for name, toolset in _named_toolsets(agent):
            toolset_prefix = f'{prefix}__toolset__{name}'
            temporal_toolsets.append(
                TemporalToolset(
                    toolset,
                    toolset_prefix,
                    lambda tool, base=base: merge_configs(base, tool_configs.get(tool)),
                    max_payload_bytes,
                )
            )
            self.temporal_activities += toolset_activities(
                toolset_prefix, toolset, self._load_context, max_payload_bytes
            )
        combined = CombinedToolset(temporal_toolsets)
        prepare = agent._prepare_tools  # pyright: ignore[reportPrivateUsage]
        self._temporal_toolset = combined if prepare is None else combined.prepared(prepare)
        self._has_tools = bool(agent._function_toolset.tools or agent._toolsets)  # pyright: ignore[reportPrivateUsage]

    def _worker_model(self) -> Model:
        """The model the model activity sends with (built on first use, on the worker)."""
        if self._activity_model is None:
            self._activity_model = without_sdk_retries(self._model)
        return self._activity_model

    def _load_context(self, carried: CarriedContext) -> RunContext[Any]:
        """A tool activity's context: the deps loaded as the agent's `deps_type`, the worker's model."""
        deps_type = self.wrapped.deps_type
        deps = carried.deps
        if deps_type is not type(None) and deps is not None:
            deps = pydantic.TypeAdapter(deps_type).validate_python(deps)
        return carried.run_context(deps, self._worker_model())

    async def run(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRunResult[OutputDataT]:
        """Run the agent: in a workflow, its requests and tool calls as activities; elsewhere, as `Agent.run`.

        Args:
            user_prompt: What the user says.
            message_history: Earlier messages, to continue a conversation (e.g. one a workflow keeps).
            deps: Dependencies for tools: serialisable (a dataclass or pydantic model of plain data),
                since they cross into each tool activity; loaded there as the agent's `deps_type`.
            model_settings: Settings for this run, over the agent's.
            usage_limits: Limits for this run instead of the agent's.
            deferred_tool_results: Decisions and results for the calls `message_history` waits on (a run
                that ended with `DeferredToolRequests`, resumed e.g. when a signal brings the approvals).

        Raises:
            UserError: `deps` cannot be serialised (naming the field that cannot).
        """
        agent = self.wrapped
        overrides = agent._overrides  # pyright: ignore[reportPrivateUsage]
        token = state_token = None
        if workflow.in_workflow():
            check_deps(deps)
            toolset = self._temporal_toolset if self._has_tools else None
            token = overrides.set(dataclasses.replace(overrides.get(), model=self._temporal_model, toolset=toolset))
            state_token = RUN_STATE.set(RunState(deps, user_prompt if isinstance(user_prompt, str) else None))
            agent = _without_handler(agent)
        try:
            return await agent.run(
                user_prompt,
                message_history=message_history,
                deps=deps,
                model_settings=model_settings,
                usage_limits=usage_limits,
                deferred_tool_results=deferred_tool_results,
            )
        finally:
            if token is not None and state_token is not None:
                RUN_STATE.reset(state_token)
                overrides.reset(token)


def _without_handler(agent: Agent[AgentDepsT, OutputDataT]) -> Agent[AgentDepsT, OutputDataT]:
    """The agent for workflow code: its event stream handler runs in the model activity, not here.

    A shallow copy, so the agent (maybe shared by the workflows of a worker) is left as it is.
    """
    if agent._event_stream_handler is None:  # pyright: ignore[reportPrivateUsage]
        return agent
    runner = copy.copy(agent)
    runner._event_stream_handler = None  # pyright: ignore[reportPrivateUsage]
    return runner


def _named_toolsets(agent: Agent[Any, Any]) -> list[tuple[str, AbstractToolset[Any]]]:
    """The agent's toolsets with their names: the function tools first, then each toolset by its name."""
    named: list[tuple[str, AbstractToolset[Any]]] = [(_FUNCTION_TOOLS, agent._function_toolset)]  # pyright: ignore[reportPrivateUsage]
    for toolset in agent._toolsets:  # pyright: ignore[reportPrivateUsage]
        name = toolset_name(toolset)
        if name is None:
            raise UserError(
                f'TemporalAgent needs a name for {toolset.label}: its activities are named after it '
                '(MCP servers take name=..., FunctionToolset takes name=...).'
            )
        if any(name == other for other, _ in named):
            raise UserError(f'Two toolsets of agent {agent.name!r} are named {name!r}; toolset names must be unique.')
        named.append((name, toolset))
    return named


def toolset_name(toolset: AbstractToolset[Any]) -> str | None:
    """A toolset's `name`, or that of the toolset it wraps (a `.prefixed()` MCP server is named by the server)."""
    while True:
        name = getattr(toolset, 'name', None)
        if isinstance(name, str) and name:
            return name
        if not isinstance(toolset, WrapperToolset):
            return None
        toolset = toolset.wrapped


def check_deps(deps: Any) -> None:
    """Fail before any activity when the deps cannot cross into one.

    Raises:
        UserError: Naming the field (or the deps) that cannot be serialised.
    """
    try:
        pydantic_core.to_json(deps)
    except (ValueError, TypeError) as e:
        fields = _fields(deps)
        for name, value in fields.items():
            try:
                pydantic_core.to_json(value)
            except (ValueError, TypeError):
                raise UserError(
                    f'deps field {name!r} (a {type(value).__name__}) cannot be serialised for Temporal activities '
                    f'({e}); deps cross into each tool activity: keep them plain data, and build clients in the tool.'
                ) from e
        raise UserError(
            f'deps (a {type(deps).__name__}) cannot be serialised for Temporal activities ({e}); '
            'use a dataclass or pydantic model of plain data.'
        ) from e


def _fields(deps: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(deps) and not isinstance(deps, type):
        return {field.name: getattr(deps, field.name) for field in dataclasses.fields(deps)}
    if isinstance(deps, pydantic.BaseModel):
        return dict(deps)
    if isinstance(deps, dict):
        return {str(key): value for key, value in deps.items()}  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType]
    return {}
