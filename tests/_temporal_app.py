"""Agents and workflows of the Temporal tests: imported by the tests, by worker subprocesses and by the sandbox.

The model sends to the emulator at `$TEMPORAL_TEST_GROQ_URL`; tools record each call they run as a line
in the file named by the deps, so tests count side effects across processes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio import workflow
from temporalio.common import RetryPolicy

from pydantic_ai_groq import (
    Agent,
    CallDeferred,
    DeferredToolRequests,
    DeferredToolResults,
    ModelRetry,
    RunContext,
)
from pydantic_ai_groq.durable.temporal import TemporalAgent
from pydantic_ai_groq.mcp import MCPServerStdio
from pydantic_ai_groq.messages import ModelMessage, ToolReturn, ToolReturnPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.run import AgentStreamEvent
from pydantic_ai_groq.toolsets import FunctionToolset
from pydantic_ai_groq.usage import RunUsage

TASK_QUEUE = 'agents'


@dataclass
class Deps:
    """Where the tools record their calls, and a file whose absence makes `crash_once` kill its worker."""

    record_path: str
    crash_marker: str = ''


@dataclass
class Outcome:
    """What a test workflow returns: the output, the run's usage and its messages' kinds."""

    output: str
    usage: RunUsage
    tool_returns: list[object] = field(default_factory=list[object])


def _record(ctx: RunContext[Deps], line: str) -> None:
    with open(ctx.deps.record_path, 'a') as f:
        f.write(f'{line}\n')


def _model() -> GroqModel:
    # SDK retries on: the activity must turn them off (a 5xx is retried by Temporal, not also by the SDK).
    return GroqModel(
        'llama-3.3-70b-versatile', api_key='test-key', base_url=os.environ['TEMPORAL_TEST_GROQ_URL'], max_retries=3
    )


agent = Agent(_model(), name='support', deps_type=Deps)


@agent.tool
async def charge(ctx: RunContext[Deps], amount: int) -> str:
    """Charge the customer's card."""
    _record(ctx, f'charge {amount}')
    return f'charged {amount}'


@agent.tool
def lookup(ctx: RunContext[Deps], order: str) -> str:
    """Look an order up (a sync tool: runs in a thread, which only an activity may start)."""
    _record(ctx, f'lookup {order} {threading.current_thread() is threading.main_thread()}')
    return f'order {order}: shipped'


@agent.tool
async def crash_once(ctx: RunContext[Deps]) -> str:
    """Kill this worker process the first time (no marker file yet), succeed the next."""
    _record(ctx, 'crash_once')
    if not os.path.exists(ctx.deps.crash_marker):
        with open(ctx.deps.crash_marker, 'w') as f:
            f.write('killed')
        os.kill(os.getpid(), signal.SIGKILL)
    return 'survived'


@agent.tool_plain
def big(size: int) -> str:
    """Return `size` characters."""
    return 'x' * size


temporal_agent = TemporalAgent(
    agent,
    # A killed worker's tool call is retried on another worker once its heartbeats stop for this long.
    tool_activity_config={'crash_once': {'heartbeat_timeout': timedelta(seconds=2)}},
    model_activity_config={
        'retry_policy': RetryPolicy(maximum_attempts=3, initial_interval=timedelta(milliseconds=10))
    },
)


# A named toolset used through `.prefixed()`: listed and called by activities, its arguments validated on the worker.
catalog = FunctionToolset[None](name='catalog')


@catalog.tool_plain
def price(item: str, quantity: int) -> ToolReturn:
    """The price of `quantity` of `item`."""
    if item != 'tea':
        raise ModelRetry(f'No item {item!r}; we sell tea.')
    return ToolReturn(quantity * 3, content='Prices include tax.', metadata={'currency': 'EUR'})


shop_agent = Agent(_model(), name='shop', toolsets=[catalog.prefixed('shop')], retries=2)
temporal_shop_agent = TemporalAgent(
    shop_agent,
    activity_config={'retry_policy': RetryPolicy(maximum_attempts=2, initial_interval=timedelta(milliseconds=10))},
)


@workflow.defn
class ShopWorkflow:
    """Runs the `shop` agent on a prompt; returns the output and the tool returns."""

    @workflow.run
    async def run(self, prompt: str) -> Outcome:
        result = await temporal_shop_agent.run(prompt)
        return Outcome(result.output, result.usage(), _tool_returns(result.all_messages()))


@workflow.defn
class BadDepsWorkflow:
    """Runs the `support` agent with deps that cannot cross into an activity."""

    @workflow.run
    async def run(self) -> str:
        result = await temporal_agent.run('hi', deps=Deps(record_path=object()))  # type: ignore[arg-type]
        return result.output


def _tool_returns(messages: list[ModelMessage]) -> list[object]:
    return [part.content for message in messages for part in message.parts if isinstance(part, ToolReturnPart)]


@workflow.defn
class SupportWorkflow:
    """Runs the `support` agent on a prompt."""

    @workflow.run
    async def run(self, prompt: str, deps: Deps) -> Outcome:
        result = await temporal_agent.run(prompt, deps=deps)
        return Outcome(result.output, result.usage(), _tool_returns(result.all_messages()))


approval_agent = Agent(_model(), name='approver', deps_type=Deps, output_type=[str, DeferredToolRequests])


@approval_agent.tool(requires_approval=True)
async def refund(ctx: RunContext[Deps], amount: int) -> str:
    """Refund the customer: a person approves first (decided in workflow code, before any activity)."""
    _record(ctx, f'refund {amount} approved={ctx.tool_call_approved}')
    return f'refunded {amount}'


@approval_agent.tool
async def escalate(ctx: RunContext[Deps], team: str) -> str:
    """Hand the ticket to a team: its answer comes from elsewhere (raised inside the activity)."""
    _record(ctx, f'escalate {team}')
    raise CallDeferred({'team': team})


temporal_approval_agent = TemporalAgent(approval_agent)


@workflow.defn
class ApprovalWorkflow:
    """Runs the `approver` agent; a run that ends waiting for people waits for the `decide` signal, then resumes."""

    def __init__(self) -> None:
        self._waiting: DeferredToolRequests | None = None
        self._decisions: DeferredToolResults | None = None

    @workflow.signal
    def decide(self, decisions: DeferredToolResults) -> None:
        self._decisions = decisions

    @workflow.query
    def waiting(self) -> DeferredToolRequests | None:
        return self._waiting

    @workflow.run
    async def run(self, prompt: str, deps: Deps) -> Outcome:
        result = await temporal_approval_agent.run(prompt, deps=deps)
        while isinstance(result.output, DeferredToolRequests):
            self._waiting = result.output
            await workflow.wait_condition(lambda: self._decisions is not None)
            decisions, self._decisions, self._waiting = self._decisions, None, None
            result = await temporal_approval_agent.run(
                message_history=result.all_messages(), deps=deps, deferred_tool_results=decisions
            )
        return Outcome(result.output, result.usage(), _tool_returns(result.all_messages()))


async def record_events(ctx: RunContext[Deps], events: AsyncIterable[AgentStreamEvent]) -> None:
    """Record each streamed event of a model request, in the model activity on the worker."""
    async for event in events:
        _record(ctx, f'step {ctx.run_step} {type(event).__name__}')


streaming_agent = Agent(_model(), name='streamer', deps_type=Deps, event_stream_handler=record_events)


@streaming_agent.tool
async def note(ctx: RunContext[Deps], text: str) -> str:
    """Take a note."""
    _record(ctx, f'note {text}')
    return 'noted'


temporal_streaming_agent = TemporalAgent(streaming_agent)


@workflow.defn
class StreamingWorkflow:
    """Runs the `streamer` agent, whose event stream handler runs in the model activities."""

    @workflow.run
    async def run(self, prompt: str, deps: Deps) -> Outcome:
        result = await temporal_streaming_agent.run(prompt, deps=deps)
        return Outcome(result.output, result.usage(), _tool_returns(result.all_messages()))


# An MCP server (a subprocess over stdio): its tool lists and tool calls are activities, which enter it.
mcp_agent = Agent(
    _model(),
    name='calc',
    toolsets=[MCPServerStdio(sys.executable, [str(Path(__file__).parent / '_mcp_server.py')], name='calc')],
)
temporal_mcp_agent = TemporalAgent(mcp_agent)


@workflow.defn
class McpWorkflow:
    """Runs the `calc` agent, whose tools come from an MCP server."""

    @workflow.run
    async def run(self, prompt: str) -> Outcome:
        result = await temporal_mcp_agent.run(prompt)
        return Outcome(result.output, result.usage(), _tool_returns(result.all_messages()))
