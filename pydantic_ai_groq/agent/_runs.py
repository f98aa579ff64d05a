"""The run entry points of `Agent` that return a result: `run` and `run_sync`.

Each takes an `output_type` for the run; its overloads make it type the result's `output`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from .._run import AgentRun as RunLoop
from ..messages import ModelMessage, UserContent
from ..models import Model
from ..output import OutputDataT, OutputSpec
from ..result import AgentRunResult, finished_result
from ..run import AgentRun, EventStreamHandler
from ..settings import ModelSettings
from ..tools import AgentDepsT, DeferredToolResults
from ..toolsets import AbstractToolset
from ..usage import UsageLimits
from ._prepare import Instructions, RunMetadata
from ._streams import RunOutputDataT, StreamingRuns

if TYPE_CHECKING:
    from typing_extensions import TypeForm

    from ..output import NativeOutput, PromptedOutput, TextOutput, ToolOutput


class AgentRuns(StreamingRuns[AgentDepsT, OutputDataT]):
    """The ways to run an agent; every one drives the same run loop (`AgentRun`)."""

    @overload
    async def run(
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
    ) -> AgentRunResult[OutputDataT]: ...

    @overload
    async def run(
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
    ) -> AgentRunResult[RunOutputDataT]: ...

    @overload
    async def run(
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
    ) -> AgentRunResult[RunOutputDataT]: ...

    async def run(
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
    ) -> AgentRunResult[Any]:
        """Run the loop to the end and return the result.

        Args:
            user_prompt: What the user says (text, or text and images); may be omitted when
                `message_history` ends with a request to answer.
            output_type: An output type for this run instead of the agent's (the forms of
                `Agent(output_type=...)`); it types the result's `output`.
            message_history: Earlier messages, to continue a conversation.
            deps: Dependencies handed to tools and prompt functions as `ctx.deps`.
            model: A model for this run instead of the agent's.
            model_settings: Settings for this run, over the agent's.
            usage_limits: Limits for this run instead of the agent's.
            toolsets: More toolsets for this run, beside the agent's.
            instructions: More instructions for this run, after the agent's (strings or functions).
            metadata: A dict, or a function of the `RunContext` returning one, attached to the run:
                `ctx.metadata`, `result.metadata`, and an attribute of the run's span.
            event_stream_handler: `async (ctx, events) -> None`, called with the events of each model
                request and each tool-call step as they happen, instead of the agent's. With a handler
                the requests are streamed, so it sees the text and tool-call deltas as they arrive.
            deferred_tool_results: The decisions and results for the calls a `message_history` ends
                waiting on (see `DeferredToolRequests`).

        Raises:
            UnexpectedModelBehavior: When retries run out or the output is cut off.
            UsageLimitExceeded: When a usage limit would be exceeded.
            ModelHTTPError: When Groq answers with an error.
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
        return await _run_to_the_end(agent_run, event_stream_handler or self._event_stream_handler)

    @overload
    def run_sync(
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
    ) -> AgentRunResult[OutputDataT]: ...

    @overload
    def run_sync(
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
    ) -> AgentRunResult[RunOutputDataT]: ...

    @overload
    def run_sync(
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
    ) -> AgentRunResult[RunOutputDataT]: ...

    def run_sync(
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
    ) -> AgentRunResult[Any]:
        """`run` for scripts and threads: runs on the process's one sync event loop and returns the result.

        Raises:
            UserError: When called inside a running event loop (use `await agent.run(...)` there).
        """

        async def main() -> AgentRunResult[Any]:
            return await self.run(
                user_prompt,
                output_type=output_type,  # pyright: ignore[reportArgumentType, reportCallIssue]
                message_history=message_history,
                deps=deps,
                model=model,
                model_settings=model_settings,
                usage_limits=usage_limits,
                toolsets=toolsets,
                instructions=instructions,
                metadata=metadata,
                deferred_tool_results=deferred_tool_results,
                event_stream_handler=event_stream_handler,
            )

        from .._sync import run_sync  # here: only sync callers pay for the event loop thread's imports

        return run_sync(main, 'run_sync', 'agent.run')


async def _run_to_the_end(agent_run: RunLoop[Any], handler: EventStreamHandler | None) -> AgentRunResult[Any]:
    """Run to the end; with a handler node by node, the handler getting each step's events (requests streamed)."""
    if handler is None:
        async for _ in agent_run.events(stream=False):
            pass
        return finished_result(agent_run)
    stepped: AgentRun[Any, Any] = AgentRun(agent_run, handler, stream=True)
    try:
        await stepped.start()
        async for _ in stepped:
            pass
    finally:
        await stepped.close()
    assert stepped.result is not None  # the nodes end with End
    return stepped.result
