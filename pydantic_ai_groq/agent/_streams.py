"""The run entry points of `Agent`: `run_stream`, `run_stream_events` and `iter`.

Each takes an `output_type` for the run; its overloads make it type the result's `output`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, overload

from typing_extensions import TypeIs, TypeVar

from .._result_sync import sync_stream
from ..messages import ModelMessage, UserContent
from ..models import Model
from ..output import OutputDataT, OutputSpec
from ..result import AgentEventStream, StreamedRunResult
from ..run import AgentNode, AgentRun, CallToolsNode, End, EventStreamHandler, ModelRequestNode, UserPromptNode
from ..settings import ModelSettings
from ..tools import AgentDepsT, DeferredToolResults
from ..toolsets import AbstractToolset
from ..usage import UsageLimits
from ._prepare import Instructions, PreparedAgent, RunMetadata

if TYPE_CHECKING:
    from typing_extensions import TypeForm

    from ..output import NativeOutput, PromptedOutput, TextOutput, ToolOutput

RunOutputDataT = TypeVar('RunOutputDataT')
"""The output type of one run given its own `output_type`."""


class StreamingRuns(PreparedAgent[AgentDepsT, OutputDataT]):
    """The streamed ways to run an agent, and `iter`; every one drives the same run loop (`AgentRun`)."""

    @overload
    def run_stream(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: None = None,
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AbstractAsyncContextManager[StreamedRunResult[OutputDataT]]: ...

    @overload
    def run_stream(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: TypeForm[RunOutputDataT],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AbstractAsyncContextManager[StreamedRunResult[RunOutputDataT]]: ...

    @overload
    def run_stream(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: ToolOutput[RunOutputDataT]
        | NativeOutput[RunOutputDataT]
        | PromptedOutput[RunOutputDataT]
        | TextOutput[RunOutputDataT]
        | Sequence[TypeForm[RunOutputDataT] | ToolOutput[RunOutputDataT] | TextOutput[RunOutputDataT]],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AbstractAsyncContextManager[StreamedRunResult[RunOutputDataT]]: ...

    @asynccontextmanager
    async def run_stream(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: OutputSpec[Any] | None = None,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        instructions: Instructions = None,
        metadata: RunMetadata | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AsyncGenerator[StreamedRunResult[Any]]:
        """Run with every model response streamed; yields a `StreamedRunResult`.

        Tool-call steps run as usual; read the answer with `stream_text()`, `stream_output()`
        or `get_output()`. Leaving the block early closes the HTTP stream.
        """
        agent_run = self._prepare_run(
            user_prompt,
            output_type,
            message_history,
            deps,
            model,
            model_settings,
            usage_limits,
            toolsets,
            instructions,
            metadata,
            deferred_tool_results,
        )
        events = agent_run.events(stream=True)
        try:
            yield StreamedRunResult[Any](agent_run, events)
        finally:
            await events.aclose()

    run_stream_sync = sync_stream(run_stream)

    @overload
    def run_stream_events(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: None = None,
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AgentEventStream[OutputDataT]: ...

    @overload
    def run_stream_events(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: TypeForm[RunOutputDataT],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AgentEventStream[RunOutputDataT]: ...

    @overload
    def run_stream_events(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: ToolOutput[RunOutputDataT]
        | NativeOutput[RunOutputDataT]
        | PromptedOutput[RunOutputDataT]
        | TextOutput[RunOutputDataT]
        | Sequence[TypeForm[RunOutputDataT] | ToolOutput[RunOutputDataT] | TextOutput[RunOutputDataT]],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
    ) -> AgentEventStream[RunOutputDataT]: ...

    def run_stream_events(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: OutputSpec[Any] | None = None,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        instructions: Instructions = None,
        metadata: RunMetadata | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> AgentEventStream[Any]:
        """Every event of a streamed run, in order, then an `AgentRunResultEvent` with the result.

        Use `async with agent.run_stream_events(...) as events: async for event in events: ...`
        (or iterate it directly and read it to the end).
        """
        agent_run = self._prepare_run(
            user_prompt,
            output_type,
            message_history,
            deps,
            model,
            model_settings,
            usage_limits,
            toolsets,
            instructions,
            metadata,
            deferred_tool_results,
        )
        return AgentEventStream(agent_run)

    @overload
    def iter(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: None = None,
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
        event_stream_handler: EventStreamHandler | None = ...,
    ) -> AbstractAsyncContextManager[AgentRun[AgentDepsT, OutputDataT]]: ...

    @overload
    def iter(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: TypeForm[RunOutputDataT],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
        event_stream_handler: EventStreamHandler | None = ...,
    ) -> AbstractAsyncContextManager[AgentRun[AgentDepsT, RunOutputDataT]]: ...

    @overload
    def iter(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: ToolOutput[RunOutputDataT]
        | NativeOutput[RunOutputDataT]
        | PromptedOutput[RunOutputDataT]
        | TextOutput[RunOutputDataT]
        | Sequence[TypeForm[RunOutputDataT] | ToolOutput[RunOutputDataT] | TextOutput[RunOutputDataT]],
        message_history: Sequence[ModelMessage] | None = ...,
        deps: AgentDepsT | None = ...,
        model: Model | str | None = ...,
        model_settings: ModelSettings | None = ...,
        usage_limits: UsageLimits | None = ...,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = ...,
        instructions: Instructions = ...,
        metadata: RunMetadata | None = ...,
        deferred_tool_results: DeferredToolResults | None = ...,
        event_stream_handler: EventStreamHandler | None = ...,
    ) -> AbstractAsyncContextManager[AgentRun[AgentDepsT, RunOutputDataT]]: ...

    @asynccontextmanager
    async def iter(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        output_type: OutputSpec[Any] | None = None,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        instructions: Instructions = None,
        metadata: RunMetadata | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
        event_stream_handler: EventStreamHandler | None = None,
    ) -> AsyncGenerator[AgentRun[AgentDepsT, Any]]:
        """Step through a run: yields an `AgentRun` handing out the run's nodes in order.

        `async for node in run` runs each node and yields the next (`UserPromptNode`, then
        `ModelRequestNode` and `CallToolsNode` for each step, then `End`); `await run.next(node)`
        does one step by hand; `run.result` holds the result after `End`. Leaving the block early
        ends the run (toolsets left, HTTP stream closed). Requests are sent unstreamed unless a
        node is streamed (`node.stream(run.ctx)`) or an `event_stream_handler` is given.
        """
        agent_run = self._prepare_run(
            user_prompt,
            output_type,
            message_history,
            deps,
            model,
            model_settings,
            usage_limits,
            toolsets,
            instructions,
            metadata,
            deferred_tool_results,
        )
        stepped: AgentRun[AgentDepsT, Any] = AgentRun(
            agent_run, event_stream_handler or self._event_stream_handler, stream=False
        )
        try:
            await stepped.start()
            yield stepped
        finally:
            await stepped.close()

    @staticmethod
    def is_user_prompt_node(node: AgentNode) -> TypeIs[UserPromptNode]:
        """Whether `node` is a `UserPromptNode` (as `isinstance`; pydantic-ai's spelling)."""
        return isinstance(node, UserPromptNode)

    @staticmethod
    def is_model_request_node(node: AgentNode) -> TypeIs[ModelRequestNode]:
        """Whether `node` is a `ModelRequestNode`."""
        return isinstance(node, ModelRequestNode)

    @staticmethod
    def is_call_tools_node(node: AgentNode) -> TypeIs[CallToolsNode]:
        """Whether `node` is a `CallToolsNode`."""
        return isinstance(node, CallToolsNode)

    @staticmethod
    def is_end_node(node: AgentNode) -> TypeIs[End[Any]]:
        """Whether `node` is the `End` of the run."""
        return isinstance(node, End)
