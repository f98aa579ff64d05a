"""The nodes of a run, as `agent.iter` hands them out: what the run loop is about to do next.

The loop (`_run.AgentRun.steps`) yields one node before each of its steps: `UserPromptNode`
before the first request is built, `ModelRequestNode` before a request is sent,
`CallToolsNode` before a response's tool calls or output are handled, `End` once the run has
its output. Running a node means driving the loop to the next one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeIs

from ._run_context import RunContext
from .messages import FinalResultEvent, ModelRequest, ModelResponse, ModelResponseStreamEvent, UserContent
from .output import OutputDataT

if TYPE_CHECKING:
    from ._tool_calls import ToolEvent

__all__ = (
    'AgentNode',
    'CallToolsNode',
    'End',
    'FinalResult',
    'ModelRequestNode',
    'NodeRunner',
    'UserPromptNode',
    'is_node',
)


class NodeRunner:
    """What runs a node's step and streams its events (the `AgentRun` of `agent.iter`)."""

    def stream_node(
        self, node: ModelRequestNode | CallToolsNode, ctx: RunContext[Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ModelResponseStreamEvent | ToolEvent | FinalResultEvent]]:
        raise NotImplementedError  # pragma: no cover  (the one runner overrides it)


class _Node:
    """Marks the loop's node objects apart from its events (one `isinstance` per item)."""

    _runner: NodeRunner | None = None


@dataclass
class UserPromptNode(_Node):
    """The run's start: the user prompt is about to become the first `ModelRequest`.

    That request also carries the system prompts (for a new conversation) and the rendered instructions.
    """

    user_prompt: str | Sequence[UserContent] | None


@dataclass
class ModelRequestNode(_Node):
    """A request about to be sent.

    `request` is the last message of the history: the user prompt, or the tool returns and retry
    prompts of the previous step. History processors see it before it is sent.
    """

    request: ModelRequest

    def stream(
        self, ctx: RunContext[Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ModelResponseStreamEvent | FinalResultEvent]]:
        """Send the request streamed and yield its events (part start, delta and end; `FinalResultEvent`).

        Use inside `agent.iter`: `async with node.stream(run.ctx) as events: async for event in events: ...`;
        the run then continues with the node that follows (`run.next(node)` returns it without running again).
        """
        assert self._runner is not None, 'a node streams only within the run that made it'
        return self._runner.stream_node(self, ctx)  # type: ignore[return-value]


@dataclass
class CallToolsNode(_Node):
    """A response whose tool calls are about to run, or whose output is about to be validated."""

    model_response: ModelResponse

    def stream(self, ctx: RunContext[Any]) -> AbstractAsyncContextManager[AsyncIterator[ToolEvent | FinalResultEvent]]:
        """Run the tool calls (or validate the output) and yield their events (`FunctionToolCallEvent`, ...)."""
        assert self._runner is not None, 'a node streams only within the run that made it'
        return self._runner.stream_node(self, ctx)  # type: ignore[return-value]


@dataclass
class FinalResult(Generic[OutputDataT]):
    """The run's validated output, and the output tool call that carried it (`None`s for a text answer)."""

    output: OutputDataT
    tool_name: str | None = None
    tool_call_id: str | None = None


@dataclass
class End(_Node, Generic[OutputDataT]):
    """The run's end: `data` holds its final result."""

    data: FinalResult[OutputDataT] = field()


AgentNode = UserPromptNode | ModelRequestNode | CallToolsNode | End[Any]
"""A node of a run, as `agent.iter` yields it."""


def is_node(item: object) -> TypeIs[AgentNode]:
    """Whether a loop item is a node (and not an event)."""
    return isinstance(item, _Node)
