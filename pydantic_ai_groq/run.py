"""Runs step by step: `AgentRun` (from `async with agent.iter(...) as run`), its nodes, and event stream handlers.

A run is the one loop of `agent.run`, handed out a node at a time: `UserPromptNode`, then
`ModelRequestNode` and `CallToolsNode` for each step, then `End`. Each node is what the loop
is about to do; running it (`await run.next(node)`, or the next turn of `async for node in run`)
drives the loop to the node that follows.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Generic

from typing_extensions import TypeIs

from ._nodes import AgentNode, CallToolsNode, End, FinalResult, ModelRequestNode, NodeRunner, UserPromptNode, is_node
from ._run import AgentRun as RunLoop
from ._run import AgentStreamEvent
from ._run_context import AgentDepsT, RunContext
from .exceptions import UserError
from .messages import ModelMessage
from .output import OutputDataT
from .result import AgentRunResult, finished_result
from .usage import RunUsage

__all__ = (
    'AgentNode',
    'AgentRun',
    'AgentStreamEvent',
    'CallToolsNode',
    'End',
    'EventStreamHandler',
    'FinalResult',
    'ModelRequestNode',
    'UserPromptNode',
)

EventStreamHandler = Callable[[RunContext[Any], AsyncIterable[AgentStreamEvent]], Awaitable[None]]
"""`async def handler(ctx, events)`: called once per model request and once per tool-call step, with its events."""


class AgentRun(NodeRunner, Generic[AgentDepsT, OutputDataT]):
    """A run handed out node by node (from `async with agent.iter(...) as run`).

    ```python
    async with agent.iter('What is 2 + 2?') as run:
        async for node in run:
            print(type(node).__name__)
    print(run.result.output)
    ```
    """

    def __init__(self, loop: RunLoop[AgentDepsT], handler: EventStreamHandler | None, *, stream: bool) -> None:
        self._loop = loop
        self._steps = loop.steps()
        self._handler = handler
        # A handler sees each request's stream events, so its requests are streamed.
        self._stream = stream or handler is not None
        self._node: AgentNode | None = None  # the run's next node to run
        self._handed_out = False  # whether `async for` has returned `_node` (run.next returns it itself)
        self._following: AgentNode | None = None  # the node after `_node`, once `_node` has run
        self._result: AgentRunResult[OutputDataT] | None = None

    async def start(self) -> None:
        """Take the first node (nothing runs yet: no request is sent before the caller asks)."""
        await self._pull_until_node()
        self._node, self._following = self._following, None

    async def close(self) -> None:
        """End the loop: leave the toolsets, close an open HTTP stream, end the run's span."""
        await self._steps.aclose()

    @property
    def ctx(self) -> RunContext[AgentDepsT]:
        """The run's `RunContext`: deps, model, usage, messages, step count."""
        return self._loop.ctx

    @property
    def next_node(self) -> AgentNode:
        """The node the run will run next (the `End` once the run has its output)."""
        assert self._node is not None, 'the run is started on entering agent.iter'
        return self._node

    @property
    def result(self) -> AgentRunResult[OutputDataT] | None:
        """The run's result once it has reached `End`, else `None`."""
        return self._result

    def usage(self) -> RunUsage:
        """Usage so far."""
        return self._loop.usage

    def all_messages(self) -> list[ModelMessage]:
        """Every message so far, the given `message_history` included."""
        return list(self._loop.messages)

    def new_messages(self) -> list[ModelMessage]:
        """The messages of this run so far."""
        return self._loop.messages[self._loop.new_message_index :]

    def __aiter__(self) -> AgentRun[AgentDepsT, OutputDataT]:
        return self

    async def __anext__(self) -> AgentNode:
        """The next node: the first one as it is, then each after running the one before; stops after `End`."""
        node = self.next_node
        if not self._handed_out:
            self._handed_out = True
            return node
        if isinstance(node, End):
            raise StopAsyncIteration
        return await self.next(node)

    async def next(self, node: AgentNode) -> AgentNode:
        """Run `node` (the run's `next_node`) and return the node that follows it.

        Raises:
            UserError: For a node other than the run's next one, or after `End`.
        """
        if node is not self._node:
            raise UserError("run.next(node) takes the run's next node (run.next_node), as the run handed it out.")
        if isinstance(node, End):
            raise UserError('The run has ended: there is no node after End.')
        if self._following is None:  # not yet run by streaming it
            self._loop.stream_requests = self._stream
            if self._handler is not None and isinstance(node, (ModelRequestNode, CallToolsNode)):
                await self._handler(self.ctx, self._node_events())
            await self._pull_until_node()  # what the handler left unread
        following = self._following
        assert following is not None
        self._node, self._following, self._handed_out = following, None, True
        if isinstance(following, End):
            # Let the loop finish after End: it leaves the toolsets and ends the run's span.
            rest = await anext(self._steps, None)
            assert rest is None
            self._result = finished_result(self._loop)
        return following

    @asynccontextmanager
    async def stream_node(
        self, node: ModelRequestNode | CallToolsNode, ctx: RunContext[Any]
    ) -> AsyncGenerator[AsyncIterator[AgentStreamEvent]]:
        """Run `node` streamed, yielding its events; `run.next(node)` then returns the node that follows."""
        if node is not self._node or self._following is not None:
            raise UserError("A node streams once, while it is the run's next node (run.next_node).")
        self._loop.stream_requests = True
        yield self._node_events()
        await self._pull_until_node()  # what the caller left unread

    async def _node_events(self) -> AsyncGenerator[AgentStreamEvent]:
        """The events of the running node, up to the node that follows it."""
        while self._following is None:
            item = await self._steps.__anext__()
            if not self._took_node(item):
                yield item

    async def _pull_until_node(self) -> None:
        """Run the loop to the next node, its events unread (no generator in between: the cheap path of `next`)."""
        steps = self._steps
        while self._following is None:
            self._took_node(await steps.__anext__())

    def _took_node(self, item: AgentStreamEvent | AgentNode) -> TypeIs[AgentNode]:
        """Whether `item` is the node that follows the running one (then kept as `_following`), not an event."""
        if not is_node(item):
            return False
        item._runner = self  # pyright: ignore[reportPrivateUsage]  (the node streams through its run)
        self._following = item
        return True
