"""The run entry points of `Agent`: `run`, `run_sync`, `run_stream`, `run_stream_events` and `iter`."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager

from ..messages import ModelMessage, UserContent
from ..models import Model
from ..output import OutputDataT
from ..result import AgentEventStream, AgentRunResult, StreamedRunResult, finished_result
from ..run import AgentRun, EventStreamHandler
from ..settings import ModelSettings
from ..tools import AgentDepsT
from ..toolsets import AbstractToolset
from ..usage import UsageLimits
from ._prepare import PreparedAgent


class AgentRuns(PreparedAgent[AgentDepsT, OutputDataT]):
    """The ways to run an agent; every one drives the same run loop (`AgentRun`)."""

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
        event_stream_handler: EventStreamHandler | None = None,
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
            event_stream_handler: `async (ctx, events) -> None`, called with the events of each model
                request and each tool-call step as they happen, instead of the agent's. With a handler
                the requests are streamed, so it sees the text and tool-call deltas as they arrive.

        Raises:
            UnexpectedModelBehavior: When retries run out or the output is cut off.
            UsageLimitExceeded: When a usage limit would be exceeded.
            ModelHTTPError: When Groq answers with an error.
        """
        agent_run = self._prepare_run(user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets)
        handler = event_stream_handler or self._event_stream_handler
        if handler is None:
            async for _ in agent_run.events(stream=False):
                pass
            return finished_result(agent_run)
        stepped = AgentRun[AgentDepsT, OutputDataT](agent_run, handler, stream=True)
        try:
            await stepped.start()
            async for _ in stepped:
                pass
        finally:
            await stepped.close()
        assert stepped.result is not None  # the nodes end with End
        return stepped.result

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
        event_stream_handler: EventStreamHandler | None = None,
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
                event_stream_handler=event_stream_handler,
            )

        from .._sync import run_sync  # here: only sync callers pay for the event loop thread's imports

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
    ) -> AsyncGenerator[StreamedRunResult[OutputDataT]]:
        """Run with every model response streamed; yields a `StreamedRunResult`.

        Tool-call steps run as usual; read the answer with `stream_text()`, `stream_output()`
        or `get_output()`. Leaving the block early closes the HTTP stream.
        """
        agent_run = self._prepare_run(user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets)
        events = agent_run.events(stream=True)
        try:
            yield StreamedRunResult[OutputDataT](agent_run, events)
        finally:
            await events.aclose()

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
    ) -> AgentEventStream[OutputDataT]:
        """Every event of a streamed run, in order, then an `AgentRunResultEvent` with the result.

        Use `async with agent.run_stream_events(...) as events: async for event in events: ...`
        (or iterate it directly and read it to the end).
        """
        agent_run = self._prepare_run(user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets)
        return AgentEventStream(agent_run)

    @asynccontextmanager
    async def iter(
        self,
        user_prompt: str | Sequence[UserContent] | None = None,
        *,
        message_history: Sequence[ModelMessage] | None = None,
        deps: AgentDepsT | None = None,
        model: Model | str | None = None,
        model_settings: ModelSettings | None = None,
        usage_limits: UsageLimits | None = None,
        toolsets: Sequence[AbstractToolset[AgentDepsT]] | None = None,
        event_stream_handler: EventStreamHandler | None = None,
    ) -> AsyncGenerator[AgentRun[AgentDepsT, OutputDataT]]:
        """Step through a run: yields an `AgentRun` handing out the run's nodes in order.

        `async for node in run` runs each node and yields the next (`UserPromptNode`, then
        `ModelRequestNode` and `CallToolsNode` for each step, then `End`); `await run.next(node)`
        does one step by hand; `run.result` holds the result after `End`. Leaving the block early
        ends the run (toolsets left, HTTP stream closed). Requests are sent unstreamed unless a
        node is streamed (`node.stream(run.ctx)`) or an `event_stream_handler` is given.
        """
        agent_run = self._prepare_run(user_prompt, message_history, deps, model, model_settings, usage_limits, toolsets)
        stepped = AgentRun[AgentDepsT, OutputDataT](
            agent_run, event_stream_handler or self._event_stream_handler, stream=False
        )
        try:
            await stepped.start()
            yield stepped
        finally:
            await stepped.close()
