"""`agent.run_stream_sync`: a streamed run for scripts and threads, on the process's one sync event loop."""

from __future__ import annotations

import concurrent.futures
import os
import signal
from typing import Any

import anyio
import httpx
import pytest
from pydantic import BaseModel

from pydantic_ai_groq import Agent, InterimTextEnd, StreamedRunResultSync
from pydantic_ai_groq.exceptions import ModelHTTPError, UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply

# A hang guard for threads, generous for a loaded machine: not a speed assertion.
HANG_GUARD_SECONDS = 120


class City(BaseModel):
    name: str
    country: str


LIMA = {'name': 'Lima', 'country': 'Peru'}


def _watched(emulator: GroqEmulator) -> tuple[GroqModel, list[httpx.Response]]:
    """A model on `emulator` and the HTTP responses its client receives (to see them closed)."""
    responses: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        responses.append(response)

    client = emulator.client()
    client._client.event_hooks['response'].append(keep)  # pyright: ignore[reportPrivateUsage]
    return GroqModel('llama-3.3-70b-versatile', groq_client=client), responses


def test_stream_text_sync_sends_one_request_per_run():
    emulator = GroqEmulator()
    agent = Agent(emulator.model())

    @agent.tool_plain
    def lookup() -> str:
        return 'found'

    emulator.push(Reply(text='one two three'), Reply(text='Let me check.', tool_calls=[ToolCallReply('lookup', {})]))
    emulator.push(Reply(text='It is found.'))
    with agent.run_stream_sync('go') as result:
        assert isinstance(result, StreamedRunResultSync)
        assert list(result.stream_text(debounce_by=None)) == ['one ', 'one two ', 'one two three']
        assert result.is_complete
        assert result.get_output() == 'one two three'
        assert result.usage().requests == 1
        assert [m.kind for m in result.all_messages()] == ['request', 'response']
        assert result.new_messages() == result.all_messages()
        assert result.result().output == 'one two three'
    assert len(emulator.requests) == 1
    assert emulator.requests[0]['stream'] is True
    with agent.run_stream_sync('go') as result:
        pieces = list(result.stream_text(delta=True, debounce_by=None))
    assert pieces == ['Let ', 'me ', 'check.', '', 'It ', 'is ', 'found.']
    assert isinstance(pieces[3], InterimTextEnd)
    assert len(emulator.requests) == 3  # the tool step and the answer


def test_stream_output_and_responses_sync():
    emulator = GroqEmulator()
    agent = Agent(emulator.model(), output_type=City)
    call = ToolCallReply('final_result', {'name': 'Lima', 'country': 'Republic of Peru'})
    emulator.push(Reply(tool_calls=[call], chunk_size=8), Reply(tool_calls=[call]))
    with agent.run_stream_sync('go') as result:
        outputs = list(result.stream_output())
    assert outputs[-1] == City(name='Lima', country='Republic of Peru')
    assert len(outputs) >= 2
    assert all(output.name == 'Lima' and 'Republic of Peru'.startswith(output.country) for output in outputs)
    result = agent.run_stream_sync('go')  # read to the end without a block: the run closes itself
    flags = [is_last for _, is_last in result.stream_responses(debounce_by=None)]
    assert flags[-1] is True and flags.count(True) == 1
    assert result.get_output() == City(name='Lima', country='Republic of Peru')
    assert len(emulator.requests) == 2


def test_get_output_alone_reads_the_run():
    emulator = GroqEmulator([Reply(text='Hello.')])
    result = Agent(emulator.model()).run_stream_sync('hi')
    assert result.get_output() == 'Hello.'
    assert result.get_output() == 'Hello.'  # the run has ended: read again without a request
    assert list(result.stream_text()) == []
    result.close()
    assert len(emulator.requests) == 1


def test_leaving_an_iteration_early_closes_the_http_stream():
    emulator = GroqEmulator([Reply(text='one two three four five six seven')])
    model, responses = _watched(emulator)
    result = Agent(model).run_stream_sync('go')
    for text in result.stream_text(delta=True, debounce_by=None):
        assert text == 'one '
        assert not responses[0].is_closed
        break
    assert responses[0].is_closed
    assert not result.is_complete
    with pytest.raises(UserError, match='closed before it finished'):
        result.get_output()
    assert len(emulator.requests) == 1


def test_leaving_the_block_closes_the_http_stream():
    emulator = GroqEmulator([Reply(text='one two three four five six seven')])
    model, responses = _watched(emulator)
    with Agent(model).run_stream_sync('go') as result:
        pieces = result.stream_text(delta=True, debounce_by=None)
        assert next(pieces) == 'one '
        assert not responses[0].is_closed
    assert responses[0].is_closed
    with pytest.raises(UserError, match='still streaming, or was closed'):
        result.result()
    with pytest.raises(UserError, match='closed before it finished'):
        result.get_output()
    pieces.close()  # the run is closed already: nothing more happens
    result.close()
    assert len(emulator.requests) == 1


def test_a_failed_run_raises_its_error_again():
    emulator = GroqEmulator([ErrorReply(400, {'error': {'message': 'bad', 'type': 'invalid_request_error'}})])
    agent = Agent(emulator.model())
    with agent.run_stream_sync('go') as result:
        with pytest.raises(ModelHTTPError):
            list(result.stream_text())
        with pytest.raises(ModelHTTPError):
            result.get_output()
    assert len(emulator.requests) == 1


def test_a_step_that_fails_leaves_the_run_going():
    emulator = GroqEmulator([Reply(text='fine'), Reply(tool_calls=[ToolCallReply('final_result', LIMA)])])
    with Agent(emulator.model(), output_type=City).run_stream_sync('go') as result:
        with pytest.raises(UserError, match='needs an agent with output_type=str'):
            list(result.stream_text())
        assert emulator.requests == []
        assert result.get_output() == City(**LIMA)  # after a retry


def test_run_stream_sync_from_many_threads_at_once():
    emulator = GroqEmulator(policy=lambda body: Reply(text=f'answer to {body["messages"][-1]["content"]}'))
    agent = Agent(emulator.model())

    def ask(prompt: str) -> tuple[str, list[str]]:
        with agent.run_stream_sync(prompt) as result:
            pieces = list(result.stream_text(delta=True, debounce_by=None))
            return result.get_output(), pieces

    prompts = [f'p{i}' for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, prompts, timeout=HANG_GUARD_SECONDS))
    assert [output for output, _ in answers] == [f'answer to {p}' for p in prompts]
    assert all(''.join(pieces) == output for output, pieces in answers)
    assert len(emulator.requests) == len(prompts)


async def test_run_stream_sync_inside_an_event_loop_is_refused():
    emulator = GroqEmulator()
    with pytest.raises(UserError, match=r'run_stream_sync\(\) cannot be called inside a running event loop'):
        Agent(emulator.model()).run_stream_sync('go')
    assert emulator.requests == []


def test_ctrl_c_while_streaming_sync_stops_the_run():
    cleaned_up: list[bool] = []
    emulator = GroqEmulator()
    agent = Agent(emulator.model())

    @agent.tool_plain
    async def wait_forever() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        try:
            await anyio.sleep_forever()
        finally:
            cleaned_up.append(True)
        return 'never'  # pragma: no cover

    emulator.push(Reply(tool_calls=[ToolCallReply('wait_forever', {})]))
    result = agent.run_stream_sync('go')
    with pytest.raises(KeyboardInterrupt):
        result.get_output()
    assert cleaned_up == [True]  # the run was unwound before the interrupt went on
    with pytest.raises(UserError, match='closed before it finished'):
        result.get_output()
    assert len(emulator.requests) == 1


def test_a_tool_interrupt_reaches_the_caller():
    emulator = GroqEmulator([Reply(tool_calls=[ToolCallReply('stop', {})])])
    agent = Agent(emulator.model())

    @agent.tool_plain
    def stop() -> str:
        raise KeyboardInterrupt

    result: Any = agent.run_stream_sync('go')
    with pytest.raises(KeyboardInterrupt):
        result.get_output()
    emulator.push(Reply(text='still here'))
    assert agent.run_sync('again').output == 'still here'  # the sync loop goes on
    assert len(emulator.requests) == 2
