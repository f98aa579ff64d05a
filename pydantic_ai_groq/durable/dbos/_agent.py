"""`DBOSAgent`: an agent whose runs are DBOS workflows, its model requests and tool calls DBOS steps."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import Any, Generic

import pydantic
from dbos import DBOS

from ..._run_context import AgentDepsT
from ...agent import Agent
from ...exceptions import UserError
from ...messages import ModelMessage, ModelMessagesTypeAdapter, UserContent
from ...models import infer_model
from ...output import OutputDataT
from ...result import AgentRunResult
from ...run import EventStreamHandler
from ...settings import ModelSettings
from ...tools import DeferredToolResults
from ...toolsets import AbstractToolset
from ...usage import UsageLimits
from ._model import DBOSModel, without_sdk_retries
from ._steps import StepConfig, check_serialisable
from ._toolset import DBOSMCPToolset, DBOSToolset

__all__ = ('DBOSAgent',)

_WorkflowInputs = tuple[
    'str | Sequence[UserContent] | None',
    'str | None',
    'str | None',
    'str | None',
    'ModelSettings | None',
    'UsageLimits | None',
]


class DBOSAgent(Generic[AgentDepsT, OutputDataT]):
    """An agent whose runs are DBOS workflows: a run a crash interrupted resumes where it stopped.

    Each model request is a step named `{name}.model.request` (or `.request_stream`), each tool call a
    step named `{name}.tool.{tool_name}`, and `run` is the workflow `{name}.run` (a child workflow when
    called inside another). Build the `DBOSAgent` when the program starts, before `DBOS.launch()`, so
    launching finds its workflow to resume interrupted runs.

    ```python
    durable = DBOSAgent(Agent('groq:openai/gpt-oss-120b', name='support', tools=[refund]))
    ```

    Args:
        agent: The agent; it must have a `name`, stable across deployments (step names come from it).
        model_step_config: How DBOS retries a model request that failed with 429, 498, 5xx or a lost
            connection (the groq SDK's own retries are turned off inside steps).
        tool_step_config: How DBOS retries a tool call that raised; `None` (default) never retries one.
        event_stream_handler: Gets every run's events (code, not data: it is not stored with the run).
            A response's events reach it live, while its step streams; a resumed run gives it the
            responses read back from their steps again, as one start and one end event per part.

    Raises:
        UserError: The agent has no name.
    """

    def __init__(
        self,
        agent: Agent[AgentDepsT, OutputDataT],
        *,
        model_step_config: StepConfig | None = None,
        tool_step_config: StepConfig | None = None,
        event_stream_handler: EventStreamHandler | None = None,
    ) -> None:
        if not agent.name:
            raise UserError(
                'DBOSAgent needs an agent with a name, e.g. Agent(..., name="support"): its workflow and step '
                'names are built from it, and must stay the same across deployments for recovery to find them.'
            )
        self.agent = agent
        self.name: str = agent.name
        self.model_step_config = model_step_config or StepConfig()
        self.tool_step_config = tool_step_config
        self.event_stream_handler = event_stream_handler
        self._agent_toolset = _with_mcp_steps(agent, self.name)
        self._deps_adapter: pydantic.TypeAdapter[Any] | None = None

        async def run_workflow(*inputs: Any) -> AgentRunResult[OutputDataT]:
            return await self._run_in_workflow(*inputs)

        run_workflow.__qualname__ = f'DBOSAgent[{self.name}].run'
        self._workflow = DBOS.workflow(name=f'{self.name}.run')(run_workflow)

    async def run(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRunResult[OutputDataT]:
        """Run the agent as the DBOS workflow `{name}.run` and return the result (see `Agent.run`).

        Args:
            user_prompt: What the user says.
            message_history: Earlier messages, stored as JSON with the workflow's inputs.
            deps: The run's deps, stored as JSON (`Agent(deps_type=...)` rebuilds them when the run resumes).
            model: A `'groq:<model-name>'` for this run instead of the agent's model (a string: it is stored).
            model_settings: Settings for this run, over the agent's.
            usage_limits: Limits for this run instead of the agent's.
            deferred_tool_results: Decisions and results for the calls a `DeferredToolRequests` listed, to
                resume a run with `message_history` (see "Human in the loop").

        Raises:
            UserError: `deps` or `model` cannot be stored (naming the field that cannot be serialised).
        """
        inputs = self._workflow_inputs(user_prompt, message_history, deps, model, model_settings, usage_limits)
        return await self._workflow(*inputs, deferred_tool_results)

    def run_sync(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentRunResult[OutputDataT]:
        """`run` for sync code: starts the workflow on DBOS's event loop and waits for its result.

        Inside a sync DBOS workflow it runs as a child workflow, like `run` inside an async one.

        Raises:
            UserError: When called inside a running event loop (use `await durable.run(...)` there).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            inputs = self._workflow_inputs(user_prompt, message_history, deps, model, model_settings, usage_limits)
            handle: Any = DBOS.start_workflow(
                self._workflow, *inputs, deferred_tool_results
            )  # an async workflow, on DBOS's loop
            return handle.get_result()
        raise UserError(
            'DBOSAgent.run_sync() cannot be called inside a running event loop: use `await durable.run(...)` instead.'
        )

    def _workflow_inputs(
        self,
        user_prompt: str | Sequence[UserContent] | None,
        message_history: Sequence[ModelMessage] | None,
        deps: AgentDepsT | None,
        model: str | None,
        model_settings: ModelSettings | None,
        usage_limits: UsageLimits | None,
    ) -> _WorkflowInputs:
        """What the workflow stores to start the run again: history and deps as JSON, by our own adapters.

        The rest (prompt, settings, limits, deferred results) is plain data that DBOS's serializer stores.
        """
        if model is not None and not isinstance(model, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise UserError(
                f'DBOSAgent.run takes model as a "groq:<model-name>" string, got a {type(model).__name__}: '
                'a resumed run rebuilds its model from the stored inputs. Give the model to the Agent instead.'
            )
        history_json = ModelMessagesTypeAdapter.dump_json(list(message_history)).decode() if message_history else None
        deps_json = None
        if deps is not None:
            deps_json = check_serialisable(deps, self._deps_type_adapter(), 'deps').decode()
        return (user_prompt, history_json, deps_json, model, model_settings, usage_limits)

    async def _run_in_workflow(
        self,
        user_prompt: str | Sequence[UserContent] | None,
        history_json: str | None,
        deps_json: str | None,
        model: str | None,
        model_settings: ModelSettings | None,
        usage_limits: UsageLimits | None,
        deferred_tool_results: DeferredToolResults | None,
    ) -> AgentRunResult[OutputDataT]:
        """The workflow's body: the agent's own run, with its requests and tool calls as this agent's steps."""
        history = ModelMessagesTypeAdapter.validate_json(history_json) if history_json is not None else None
        deps = self._deps_type_adapter().validate_json(deps_json) if deps_json is not None else None
        with self._durable_run(model):
            return await self.agent.run(
                user_prompt,
                message_history=history,
                deps=deps,
                model_settings=model_settings,
                usage_limits=usage_limits,
                deferred_tool_results=deferred_tool_results,
                event_stream_handler=self.event_stream_handler,
            )

    def _deps_type_adapter(self) -> pydantic.TypeAdapter[Any]:
        if self._deps_adapter is None:
            deps_type: Any = self.agent.deps_type
            if deps_type is type(None):
                raise UserError(
                    'This run was given deps, but its agent declares no deps_type: a durable run stores its deps '
                    'as JSON and rebuilds them by that type when it resumes. Pass Agent(..., deps_type=YourDeps).'
                )
            try:
                self._deps_adapter = pydantic.TypeAdapter(deps_type)
            except pydantic.PydanticSchemaGenerationError as e:
                raise UserError(
                    f'deps_type {deps_type!r} cannot be serialised to JSON ({e}); a durable run stores its deps '
                    'to rebuild them when it resumes: use dataclasses, pydantic models or other JSON data.'
                ) from e
        return self._deps_adapter

    @contextmanager
    def _durable_run(self, model: str | None) -> Generator[None]:
        """The agent's runs inside the block send requests and call tools as this agent's DBOS steps."""
        agent: Any = self.agent
        overrides = agent._overrides  # the agent's own override slot: the run loop stays the agent's code
        current = overrides.get()
        chosen = current.model or (infer_model(model) if model is not None else agent._model)
        if chosen is None:
            raise UserError('No model: pass one to Agent(...) or to this run (model="groq:<model-name>").')
        durable_model = DBOSModel(
            without_sdk_retries(infer_model(chosen)), f'{self.name}.model', self.model_step_config
        )
        toolset = current.toolset
        if toolset is not None or agent._function_toolset.tools or agent._toolsets:
            toolset = DBOSToolset(toolset or self._agent_toolset, self.name, self.tool_step_config)
        token = overrides.set(dataclasses.replace(current, model=durable_model, toolset=toolset))
        try:
            yield
        finally:
            overrides.reset(token)


def _with_mcp_steps(agent: Any, name: str) -> AbstractToolset[Any]:
    """The agent's toolsets, its MCP servers' tool lists as steps (`{name}.mcp.{server name}.get_tools`).

    Raises:
        UserError: An MCP server has no name: its steps would have none that stays the same.
    """
    mcp = sys.modules.get('pydantic_ai_groq.mcp')  # an agent with MCP servers has imported it
    toolsets: list[AbstractToolset[Any]] = agent._toolsets
    if mcp is None or not any(isinstance(toolset, mcp.MCPServer) for toolset in toolsets):
        return agent._toolset
    wrapped: list[AbstractToolset[Any]] = []
    for toolset in toolsets:
        if isinstance(toolset, mcp.MCPServer):
            server_name: str | None = getattr(toolset, 'name', None)
            if not server_name:
                raise UserError(
                    f'DBOSAgent needs a name for {toolset.label}, e.g. MCPServerStdio(..., name="weather"): '
                    'its tool list is a step named after it, which must stay the same across deployments.'
                )
            toolset = DBOSMCPToolset(toolset, f'{name}.mcp.{server_name}')
        wrapped.append(toolset)
    return agent._combined(agent._function_toolset, wrapped)
