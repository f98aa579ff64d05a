"""Tools that return what cannot be sent, parameter types too deep for a schema, and blocking tools under cancellation."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
from pydantic import create_model

from pydantic_ai_groq import Agent, Tool, capture_run_messages
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import ModelResponse, ToolCallPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

# Releases a blocked tool only when cancellation is broken (the run would otherwise wait for it forever):
# a passing run never reaches it.
DEADLOCK_GUARD_SECONDS = 60


def _self_containing_list() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


@pytest.mark.parametrize(
    ('value', 'message'),
    [
        (b'\xff\xfe', r"Tool 'fetch' returned a bytes that cannot be serialised to JSON \(.*invalid utf-8"),
        (bytearray(b'\xff'), r"Tool 'fetch' returned a bytearray that cannot be serialised to JSON"),
        (_self_containing_list(), r"Tool 'fetch' returned a list that cannot be serialised to JSON \(.*Circular"),
        ('lone \ud800 surrogate', r"Tool 'fetch' returned a str that cannot be serialised to JSON \(.*surrogates"),
        ({'text': '\udfff'}, r"Tool 'fetch' returned a dict that cannot be serialised to JSON \(.*surrogates"),
        (memoryview(b'ab'), r"Tool 'fetch' returned a memoryview that cannot be serialised to JSON"),
    ],
)
async def test_a_tool_result_that_cannot_be_sent_is_a_user_error(
    emulator: GroqEmulator, model: GroqModel, value: object, message: str
):
    agent = Agent(model)

    @agent.tool_plain
    def fetch() -> object:
        return value

    emulator.push(Reply(tool_calls=[ToolCallReply('fetch', {}, id='call_1')]))
    with capture_run_messages() as messages, pytest.raises(UserError, match=message) as raised:
        await agent.run('go')
    assert 'decode or base64-encode bytes' in str(raised.value)
    # Nothing is sent for the failed result, and what came before stays in the captured history.
    assert len(emulator.requests) == 1
    response = messages[-1]
    assert isinstance(response, ModelResponse)
    assert isinstance(response.parts[0], ToolCallPart)


async def test_tool_results_are_sent_as_the_same_json(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def fetch() -> object:
        return {'ok': b'bytes', 'set': {1}, 'text': 'caf\u00e9', (1, 2): float('inf')}

    emulator.push(Reply(tool_calls=[ToolCallReply('fetch', {})]), Reply(text='done'))
    result = await agent.run('go')
    assert result.all_messages()[2].parts[0].content == {'ok': 'bytes', 'set': [1], 'text': 'café', '1,2': float('inf')}
    assert emulator.requests[1]['messages'][-1]['content'] == '{"ok":"bytes","set":[1],"text":"café","1,2":Infinity}'


def _nested_models(depth: int) -> Any:
    nested: Any = int
    for level in range(depth):
        nested = create_model(f'Level{level}', inner=(nested, ...))
    return nested


def test_a_parameter_type_nested_too_deep_for_a_schema_is_a_user_error():
    def deep(label: str, tree: Any) -> str:
        return label

    deep.__annotations__['tree'] = _nested_models(50)
    with pytest.raises(UserError, match=r"tool function 'deep': the type of parameter 'tree' is nested too deeply"):
        Tool(deep)


def test_nesting_within_the_limit_builds():
    def shallow(tree: Any) -> str:
        return 'ok'

    shallow.__annotations__['tree'] = _nested_models(5)
    assert Tool(shallow).function_schema.json_schema['required'] == ['tree']


# --- a blocking sync tool and cancellation ----------------------------------------------------


class BlockedTool:
    """A sync tool that blocks its worker thread until the test releases it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.returned = threading.Event()

    def wait(self) -> str:
        """Block until released."""
        self.started.set()
        self.release.wait()
        self.returned.set()
        return 'released'

    async def wait_until_started(self) -> None:
        await anyio.to_thread.run_sync(self.started.wait, DEADLOCK_GUARD_SECONDS)


async def _run_cancelled_while_blocked(model: GroqModel, tool: BlockedTool, *, timeout: bool) -> str:
    """Run an agent whose tool blocks; once the tool has started, cancel the run or make its timeout pass.

    Returns how the run ended; asserts it ended while the tool's thread was still blocked.
    """
    agent = Agent(model, tools=[Tool(tool.wait, name='wait')])
    ended: list[str] = []
    guard = threading.Timer(DEADLOCK_GUARD_SECONDS, tool.release.set)
    guard.start()
    try:
        run_scopes: list[anyio.CancelScope] = []

        async def run() -> None:
            try:
                with anyio.fail_after(3600) as scope:
                    run_scopes.append(scope)
                    await agent.run('go')
            except TimeoutError:
                ended.append('timed out')
            else:
                ended.append('cancelled' if scope.cancelled_caught else 'finished')

        async with anyio.create_task_group() as group:
            group.start_soon(run)
            await tool.wait_until_started()
            if timeout:
                run_scopes[0].deadline = anyio.current_time()  # the run's timeout passes now
            else:
                run_scopes[0].cancel()
        assert not tool.returned.is_set(), 'the run waited for the blocked tool'
    finally:
        guard.cancel()
        tool.release.set()
    return ended[0]


@pytest.mark.parametrize('timeout', [True, False], ids=['timeout', 'cancel'])
async def test_a_blocking_sync_tool_does_not_hold_off_cancellation(
    emulator: GroqEmulator, model: GroqModel, timeout: bool
):
    emulator.push(Reply(tool_calls=[ToolCallReply('wait', {})]))
    tool = BlockedTool()
    ended = await _run_cancelled_while_blocked(model, tool, timeout=timeout)
    assert ended == ('timed out' if timeout else 'cancelled')
    assert len(emulator.requests) == 1  # the run stopped at the tool: no follow-up request


async def test_a_blocking_sync_tool_does_not_hold_off_a_timeout_over_a_socket():
    emulator = GroqEmulator([Reply(tool_calls=[ToolCallReply('wait', {})])])
    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url)
        tool = BlockedTool()
        assert await _run_cancelled_while_blocked(model, tool, timeout=True) == 'timed out'
        await model.client.close()
    assert len(emulator.requests) == 1


async def test_an_abandoned_tool_thread_can_stop_early(emulator: GroqEmulator, model: GroqModel):
    stopped = threading.Event()
    started = threading.Event()

    def cooperative() -> str:
        """Poll for cancellation between steps of work."""
        started.set()
        try:
            while True:
                anyio.from_thread.check_cancelled()  # raises once the run is cancelled
                stopped.wait(0.001)
        finally:
            stopped.set()

    emulator.push(Reply(tool_calls=[ToolCallReply('cooperative', {})]))
    agent = Agent(model, tools=[cooperative])
    with anyio.fail_after(DEADLOCK_GUARD_SECONDS):
        async with anyio.create_task_group() as group:
            group.start_soon(agent.run, 'go')
            await anyio.to_thread.run_sync(started.wait, abandon_on_cancel=True)
            group.cancel_scope.cancel()
        await anyio.to_thread.run_sync(stopped.wait, DEADLOCK_GUARD_SECONDS)
    assert stopped.is_set()
