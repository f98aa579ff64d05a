"""A run sends exactly the requests it needs, however the caller drives event loops, over a real socket.

An httpx connection pool belongs to the event loop that opened its connections: reused from another
loop, the request goes out on the old socket, its answer is lost with the old loop and the SDK sends
it again. Every test here counts what reached the server and checks each answer reached its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import groq
import pytest

from pydantic_ai_groq import Agent
from pydantic_ai_groq._sync import _LoopThread, run_sync  # pyright: ignore[reportPrivateUsage]
from pydantic_ai_groq.direct import model_request, model_request_sync
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import ModelRequest
from pydantic_ai_groq.models.groq import GroqModel, list_models_sync
from pydantic_ai_groq.testing import GroqEmulator, ModelCard, Reply, ToolCallReply
from pydantic_ai_groq.testing._server import serve_asgi  # pyright: ignore[reportPrivateUsage]

# A hang guard for threads, generous for a loaded machine: not a speed assertion.
HANG_GUARD_SECONDS = 120


def answer_to(body: dict[str, Any]) -> Reply:
    """Answer every prompt with a text naming it, so each caller can check it got its own answer."""
    prompt = next(m['content'] for m in reversed(body['messages']) if m['role'] == 'user')
    return Reply(text=f'answer to {prompt}')


@dataclass
class Served:
    """An emulator on a loopback port, and every HTTP request that reached it (`'POST /openai/v1/...'`)."""

    emulator: GroqEmulator
    url: str
    seen: list[str] = field(default_factory=list[str])

    @property
    def chat_requests(self) -> int:
        return self.seen.count('POST /openai/v1/chat/completions')

    def model(self, **kwargs: Any) -> GroqModel:
        return GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=self.url, **kwargs)


@contextlib.contextmanager
def served(*script: Reply, models: list[ModelCard] | None = None) -> Iterator[Served]:
    emulator = GroqEmulator(script, policy=answer_to, models=models)
    lock = threading.Lock()
    record = Served(emulator, '')

    async def counting(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope['type'] == 'http':
            with lock:
                record.seen.append(f'{scope["method"]} {scope["path"]}')
        await emulator(scope, receive, send)

    with serve_asgi(counting) as url:
        record.url = url
        yield record


def in_threads(threads: int, calls: int, call: Callable[[int], str]) -> dict[int, str]:
    """Make `calls` calls from `threads` threads at once; each call's answer, by call number."""
    answers: dict[int, str] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(first: int) -> None:
        start.wait()
        for number in range(first, calls, threads):
            try:
                answers[number] = call(number)
            except BaseException as e:
                errors.append(e)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(HANG_GUARD_SECONDS)
    assert not any(worker.is_alive() for worker in workers), 'hung'
    assert errors == []
    return answers


def no_leaks(resource_warnings: Literal['error', 'ignore'] = 'error') -> list[str]:
    """Collect garbage with unclosed sockets and transports as errors (or ignored); what was reported."""
    reported: list[str] = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: reported.append(repr(unraisable.exc_value))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(resource_warnings, ResourceWarning)
            gc.collect()
    finally:
        sys.unraisablehook = previous
    return reported


# --- sync calls ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('max_retries', [0, 2])
def test_run_sync_three_times_in_a_row(max_retries: int):
    with served() as server:
        agent = Agent(server.model(max_retries=max_retries))
        outputs = [agent.run_sync(f'p{i}').output for i in range(3)]
    assert outputs == ['answer to p0', 'answer to p1', 'answer to p2']
    assert server.seen == ['POST /openai/v1/chat/completions'] * 3


@pytest.mark.parametrize(('threads', 'calls'), [(8, 32), (16, 64)])
def test_run_sync_from_many_threads_at_once(threads: int, calls: int):
    with served() as server:
        agent = Agent(server.model(max_retries=0))
        answers = in_threads(threads, calls, lambda n: agent.run_sync(f'prompt {n}').output)
    assert answers == {n: f'answer to prompt {n}' for n in range(calls)}
    assert server.chat_requests == calls


def test_run_sync_with_history_and_a_tool_in_a_row():
    with served() as server:
        agent = Agent(server.model(max_retries=0))

        @agent.tool_plain
        def double(x: int) -> int:
            return 2 * x

        first = agent.run_sync('one')
        server.emulator.push(Reply(tool_calls=[ToolCallReply('double', {'x': 21})]))
        second = agent.run_sync('two', message_history=first.all_messages())  # a tool call, then the answer
        third = agent.run_sync('three')
    assert [first.output, second.output, third.output] == ['answer to one', 'answer to two', 'answer to three']
    assert server.emulator.requests[2]['messages'][-1]['content'] == '42'
    assert server.chat_requests == 4


def test_model_request_sync_in_a_row_and_from_threads():
    with served() as server:
        model = server.model(max_retries=0)

        def ask(n: int) -> str:
            return model_request_sync(model, [ModelRequest.user_text_prompt(f'q{n}')]).text

        in_a_row = [ask(n) for n in range(3)]
        threaded = in_threads(4, 12, ask)
    assert in_a_row == ['answer to q0', 'answer to q1', 'answer to q2']
    assert threaded == {n: f'answer to q{n}' for n in range(12)}
    assert server.chat_requests == 15


def test_model_request_sync_with_a_model_string_in_a_row(monkeypatch: pytest.MonkeyPatch):
    with served() as server:
        monkeypatch.setenv('GROQ_API_KEY', 'k')
        monkeypatch.setenv('GROQ_BASE_URL', server.url)
        prompt = [ModelRequest.user_text_prompt('hi')]
        texts = [model_request_sync('groq:llama-3.3-70b-versatile', prompt).text for _ in range(3)]
    assert texts == ['answer to hi'] * 3
    assert server.chat_requests == 3
    assert no_leaks() == []


def test_list_models_sync_in_a_row():
    with served() as server:
        own = [list_models_sync(api_key='k', base_url=server.url) for _ in range(3)]
        client = groq.AsyncGroq(api_key='k', base_url=server.url, max_retries=0)
        given = [list_models_sync(groq_client=client) for _ in range(3)]
        asyncio.run(client.close())
    assert all(models == own[0] for models in own + given)
    assert server.seen == ['GET /openai/v1/models'] * 6


def test_a_catalogue_fetched_on_one_loop_serves_requests_on_others():
    # The catalogue is kept for the model's configured client, not for the per-loop copy that fetched it.
    model_id = 'acme/model-from-tomorrow'
    with served(models=[ModelCard(model_id, 'Acme', 8_192, 100)]) as server:
        model = GroqModel(model_id, api_key='k', base_url=server.url)
        asyncio.run(model.list_models())
        with pytest.raises(UserError, match=r'max_tokens=500 is more than acme/model-from-tomorrow can generate'):
            Agent(model).run_sync('hi', model_settings={'max_tokens': 500})
    assert server.seen == ['GET /openai/v1/models']


def test_a_given_client_serves_run_sync_in_a_row_and_from_threads():
    with served() as server:
        client = groq.AsyncGroq(api_key='k', base_url=server.url, max_retries=0)
        agent = Agent(GroqModel('llama-3.3-70b-versatile', groq_client=client))
        in_a_row = [agent.run_sync(f'p{i}').output for i in range(3)]
        threaded = in_threads(8, 16, lambda n: agent.run_sync(f't{n}').output)
        assert not client.is_closed()  # the caller's to close, on the loop that used it: run_sync's
        run_sync(client.close, 'close', 'close')
    assert in_a_row == ['answer to p0', 'answer to p1', 'answer to p2']
    assert threaded == {n: f'answer to t{n}' for n in range(16)}
    assert server.chat_requests == 19


def test_run_sync_keeps_the_callers_context_variables():
    import contextvars

    request_id: contextvars.ContextVar[str] = contextvars.ContextVar('request_id', default='none')
    with served() as server:
        agent = Agent(server.model(max_retries=0))

        @agent.instructions
        def from_context() -> str:
            return f'request {request_id.get()}'

        request_id.set('r-7')
        agent.run_sync('hi')
    assert server.emulator.requests[0]['messages'][0] == {'role': 'system', 'content': 'request r-7'}


def test_ctrl_c_during_run_sync_cancels_the_run_and_waits_for_it():
    cleaned_up: list[bool] = []
    with served() as server:
        agent = Agent(server.model(max_retries=0))

        @agent.tool_plain
        async def wait_forever() -> str:
            os.kill(os.getpid(), signal.SIGINT)
            try:
                await anyio.sleep_forever()
            finally:
                cleaned_up.append(True)
            return 'never'  # pragma: no cover

        server.emulator.push(Reply(tool_calls=[ToolCallReply('wait_forever', {})]))
        with pytest.raises(KeyboardInterrupt):
            agent.run_sync('go')
        assert cleaned_up == [True]  # the run was unwound before run_sync raised
        assert agent.run_sync('after').output == 'answer to after'
    assert server.chat_requests == 2


def test_run_sync_after_fork_runs_in_the_child():
    # A child process has none of the parent's threads: its sync calls need a loop of their own.
    script = textwrap.dedent("""
        import os, sys
        from pydantic_ai_groq import Agent
        from pydantic_ai_groq.models.groq import GroqModel
        from pydantic_ai_groq.testing import GroqEmulator, Reply

        with GroqEmulator(policy=lambda body: Reply(text=str(len(body['messages'])))).serve() as url:
            agent = Agent(GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=url, max_retries=0))
            print('parent', agent.run_sync('a').output, flush=True)
            pid = os.fork()
            if pid == 0:
                print('child', agent.run_sync('b').output, flush=True)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            print('parent', agent.run_sync('c').output, 'child exit', status, flush=True)
    """)
    result = subprocess.run(
        [sys.executable, '-W', 'ignore::DeprecationWarning', '-c', script],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['parent 1', 'child 1', 'parent 1 child exit 0']


# --- async calls on loops the caller drives -------------------------------------------------------------------------


@pytest.mark.parametrize('max_retries', [0, 2])
def test_asyncio_run_twice(max_retries: int):
    with served() as server:
        agent = Agent(server.model(max_retries=max_retries))
        outputs = [asyncio.run(agent.run(f'p{i}')).output for i in range(2)]
        assert no_leaks() == []  # the first loop's client was closed with its loop
    assert outputs == ['answer to p0', 'answer to p1']
    assert server.chat_requests == 2


def test_streams_in_new_loops_each_time():
    async def stream(agent: Agent[None, str], prompt: str) -> str:
        async with agent.run_stream(prompt) as run:
            return await run.get_output()

    with served() as server:
        agent = Agent(server.model(max_retries=0))
        outputs = [asyncio.run(stream(agent, f's{i}')) for i in range(3)]
        outputs.append(agent.run_sync('sync').output)
        outputs.append(anyio.run(stream, agent, 'anyio'))
    assert outputs == ['answer to s0', 'answer to s1', 'answer to s2', 'answer to sync', 'answer to anyio']
    assert server.chat_requests == 5
    assert no_leaks() == []


def test_asyncio_run_from_many_threads_at_once():
    with served() as server:
        agent = Agent(server.model(max_retries=0))
        answers = in_threads(8, 32, lambda n: asyncio.run(agent.run(f'prompt {n}')).output)
    assert answers == {n: f'answer to prompt {n}' for n in range(32)}
    assert server.chat_requests == 32
    assert no_leaks() == []


def test_one_long_lived_loop_serving_many_threads():
    """A service's own loop on a background thread, given runs from other threads; run_sync alongside."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def on_the_loop(make: Callable[[], Awaitable[str]]) -> str:
        async def call() -> str:
            return await make()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(HANG_GUARD_SECONDS)

    try:
        with served() as server:
            agent = Agent(server.model(max_retries=0))

            async def run(prompt: str) -> str:
                return (await agent.run(prompt)).output

            answers = in_threads(8, 24, lambda n: on_the_loop(lambda: run(f'loop {n}')))
            sync_answers = [agent.run_sync(f'sync {n}').output for n in range(2)]
            on_the_loop(lambda: run('last'))
    finally:
        asyncio.run_coroutine_threadsafe(loop.shutdown_asyncgens(), loop).result(HANG_GUARD_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(HANG_GUARD_SECONDS)
        loop.close()
    assert answers == {n: f'answer to loop {n}' for n in range(24)}
    assert sync_answers == ['answer to sync 0', 'answer to sync 1']
    assert server.chat_requests == 27
    assert no_leaks() == []


# The caller's client keeps a socket of the first loop, which nobody can close any more: the point of the refusal.
@pytest.mark.filterwarnings('ignore::ResourceWarning', 'ignore::pytest.PytestUnraisableExceptionWarning')
def test_a_given_client_on_a_second_loop_is_refused_before_sending():
    with served() as server:
        client = groq.AsyncGroq(api_key='k', base_url=server.url)
        agent = Agent(GroqModel('llama-3.3-70b-versatile', groq_client=client))

        async def run(agent: Agent[None, str], prompt: str) -> str:
            return (await agent.run(prompt)).output

        assert asyncio.run(run(agent, 'first')) == 'answer to first'
        with pytest.raises(UserError) as caught:
            asyncio.run(run(agent, 'second'))
        with pytest.raises(UserError):
            agent.run_sync('third')  # run_sync has a loop of its own
        assert server.chat_requests == 1
    message = str(caught.value)
    assert message.startswith('This GroqModel was given a groq_client or http_client that was first used on ')
    assert 'api_key/base_url' in message
    del agent, client, caught
    gc.collect()  # the stale socket is reported here, under this test's filters


def test_a_given_asgi_client_is_bound_to_its_first_loop_too():
    # A client on the in-process ASGI transport holds no sockets, but one rule for every client is easier to hold.
    emulator = GroqEmulator(policy=answer_to)
    model = emulator.model()

    async def run(prompt: str) -> str:
        return (await Agent(model).run(prompt)).output

    assert anyio.run(run, 'once') == 'answer to once'
    with pytest.raises(UserError):
        anyio.run(run, 'twice')
    assert len(emulator.requests) == 1


def test_a_given_client_in_use_on_a_live_loop_is_refused_on_another():
    emulator = GroqEmulator(policy=answer_to)
    model = emulator.model()
    agent = Agent(model)
    assert [agent.run_sync('sync').output for _ in range(2)] == ['answer to sync'] * 2  # the sync loop lives on
    with pytest.raises(UserError, match=r'first used on another event loop; '):
        asyncio.run(agent.run('async'))
    assert len(emulator.requests) == 2
    run_sync(model.client.close, 'close', 'close')


# Closed by hand without closing its async generators, the first loop cannot close its client any more.
@pytest.mark.filterwarnings('ignore::ResourceWarning', 'ignore::pytest.PytestUnraisableExceptionWarning')
def test_a_loop_closed_by_hand_costs_no_request_and_raises_nothing_later():
    with served() as server:
        agent = Agent(server.model(max_retries=2))
        loop = asyncio.new_event_loop()
        assert loop.run_until_complete(agent.run('by hand')).output == 'answer to by hand'
        loop.close()
        assert asyncio.run(agent.run('after')).output == 'answer to after'
        assert agent.run_sync('sync').output == 'answer to sync'
        del agent
        assert no_leaks('ignore') == []  # only the stranded socket's ResourceWarning, no error from a dead loop
    assert server.chat_requests == 3


def test_the_sync_loop_closes_its_clients_when_it_stops():
    loop_thread = _LoopThread()
    with served() as server:
        prompt = [ModelRequest.user_text_prompt('last')]
        models = [server.model(max_retries=0)]

        async def ask() -> str:
            return (await model_request(models[0], prompt)).text

        assert loop_thread.run(ask) == 'answer to last'
        loop_thread.stop()
    assert loop_thread.loop.is_closed()
    assert not loop_thread.thread.is_alive()
    models.clear()
    assert no_leaks() == []  # stop closed the model's client on that loop
