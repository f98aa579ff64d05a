"""The model catalogue: `GET /openai/v1/models` through the SDK and the emulator, caching, offline fallback."""

from __future__ import annotations

import gc
import socket
from collections.abc import Callable
from typing import Any

import anyio
import groq
import httpx
import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior
from pydantic_ai_groq.models.groq._catalogue import (
    KNOWN_MODELS,
    SHUT_DOWN,
    GroqModelInfo,
    ModelCatalogue,
    close_names,
    default_catalogue,
    fetch_models,
    replacement_for,
)
from pydantic_ai_groq.testing import DEFAULT_MODELS, GroqEmulator, ModelCard
from pydantic_ai_groq.testing._emulator import BASE_URL

CARDS = [
    ModelCard('openai/gpt-oss-120b', 'OpenAI', 131_072, 65_536),
    ModelCard('qwen/qwen3.8-27b', 'Alibaba Cloud', 131_072, 16_384),
    ModelCard('llama-3.3-70b-versatile', 'Meta', 131_072, 32_768, active=False),
]


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the requests that reach the wrapped transport (the emulator, or a scripted fault)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.raw_path.decode())
        return await self.inner.handle_async_request(request)


class GatedTransport(CountingTransport):
    """Holds model-list requests until `open` is set, so concurrent callers overlap for certain."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.open = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith('/openai/v1/models'):
            self.paths.append(request.url.raw_path.decode())
            await self.open.wait()
            return await self.inner.handle_async_request(request)
        return await self.inner.handle_async_request(request)


def _client(transport: httpx.AsyncBaseTransport, **kwargs: Any) -> groq.AsyncGroq:
    return groq.AsyncGroq(
        api_key='k', base_url=BASE_URL, max_retries=0, http_client=httpx.AsyncClient(transport=transport), **kwargs
    )


def _raw(handler: Callable[[httpx.Request], httpx.Response]) -> CountingTransport:
    return CountingTransport(httpx.MockTransport(handler))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# --- fetch_models ---------------------------------------------------------------------------


async def test_fetch_models_from_the_emulator():
    async with GroqEmulator(models=CARDS).client() as client:
        models = await fetch_models(client)
    # Like Groq, the list holds active models only.
    assert models == snapshot(
        [
            GroqModelInfo(
                id='openai/gpt-oss-120b',
                owned_by='OpenAI',
                active=True,
                context_window=131072,
                max_completion_tokens=65536,
            ),
            GroqModelInfo(
                id='qwen/qwen3.8-27b',
                owned_by='Alibaba Cloud',
                active=True,
                context_window=131072,
                max_completion_tokens=16384,
            ),
        ]
    )


async def test_fetch_models_tolerates_missing_fields():
    body = {
        'object': 'list',
        'data': [
            {'id': 'bare-model'},
            {'id': 'odd-model', 'owned_by': 7, 'active': 'yes', 'context_window': True, 'max_completion_tokens': -1},
            {'owned_by': 'Nobody'},
            {'id': ''},
            'not-an-object',
        ],
    }
    transport = _raw(lambda request: httpx.Response(200, json=body))
    async with _client(transport) as client:
        models = await fetch_models(client, timeout=5, max_retries=1)
    assert models == [
        GroqModelInfo('bare-model', '', True, None, None),
        GroqModelInfo('odd-model', '', True, None, None),
    ]
    assert transport.paths == ['/openai/v1/models']


@pytest.mark.parametrize(
    ('response', 'message'),
    [
        (httpx.Response(200, text='<html>gateway</html>'), 'Groq sent a model list that is not JSON'),
        (httpx.Response(200, json={'object': 'list'}), 'Groq sent a model list without a "data" list'),
        (httpx.Response(200, json=[1, 2]), 'Groq sent a model list without a "data" list'),
    ],
)
async def test_fetch_models_rejects_what_is_not_a_model_list(response: httpx.Response, message: str):
    async with _client(_raw(lambda request: response)) as client:
        with pytest.raises(UnexpectedModelBehavior) as exc_info:
            await fetch_models(client)
    assert exc_info.value.message == message


async def test_fetch_models_with_a_bad_key():
    emulator = GroqEmulator(api_key='right')
    async with emulator.client(api_key='wrong') as client:
        with pytest.raises(ModelHTTPError) as exc_info:
            await fetch_models(client)
    error = exc_info.value
    assert (error.status_code, error.kind, error.model_name) == (401, 'auth', '(model list)')
    assert error.error_code == 'invalid_api_key'
    assert isinstance(error.__cause__, groq.AuthenticationError)
    assert 'wrong' not in str(error)


async def test_fetch_models_error_body_that_is_not_json():
    async with _client(_raw(lambda request: httpx.Response(502, text='Bad gateway'))) as client:
        with pytest.raises(ModelHTTPError) as exc_info:
            await fetch_models(client)
    assert (exc_info.value.status_code, exc_info.value.body) == (502, 'Bad gateway')


async def test_fetch_models_connection_refused():
    async with groq.AsyncGroq(api_key='k', base_url=f'http://127.0.0.1:{_free_port()}', max_retries=0) as client:
        with pytest.raises(ModelAPIError) as exc_info:
            await fetch_models(client)
    assert (exc_info.value.kind, exc_info.value.model_name) == ('connection', '(model list)')
    assert str(exc_info.value).startswith('Connection to Groq failed (http://127.0.0.1:')
    assert isinstance(exc_info.value.__cause__, groq.APIConnectionError)


async def test_fetch_models_body_that_does_not_decode():
    # Was ModelAPIError('Connection to Groq failed'): the list is mapped as a chat body is.
    def not_gzip(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"data": []}', headers={'content-encoding': 'gzip'})

    async with _client(_raw(not_gzip)) as client:
        with pytest.raises(UnexpectedModelBehavior, match='does not decode as its Content-Encoding says'):
            await fetch_models(client)


async def test_fetch_models_timeout():
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout('no answer', request=request)

    async with _client(_raw(stall)) as client:
        with pytest.raises(ModelAPIError) as exc_info:
            await fetch_models(client, timeout=0.5)
    assert exc_info.value.kind == 'timeout'
    assert str(exc_info.value) == snapshot('Request to Groq timed out (http://groq-emulator/openai/v1/models)')
    assert isinstance(exc_info.value.__cause__, groq.APITimeoutError)


# --- ModelCatalogue -------------------------------------------------------------------------


async def test_catalogue_fetches_once_per_client():
    emulator = GroqEmulator(models=CARDS)
    transport = CountingTransport(httpx.ASGITransport(app=emulator))
    catalogue = ModelCatalogue()
    async with _client(transport) as client:
        assert catalogue.cached(client) is None
        first = await catalogue.get(client)
        assert sorted(first) == ['openai/gpt-oss-120b', 'qwen/qwen3.8-27b']
        first.clear()  # the caller's copy, not the cache
        assert sorted(await catalogue.get(client)) == ['openai/gpt-oss-120b', 'qwen/qwen3.8-27b']
        cached = catalogue.cached(client)
        assert cached is not None and cached['qwen/qwen3.8-27b'].context_window == 131_072
        assert transport.paths == ['/openai/v1/models']

        await catalogue.fetch(client)  # asked outright: the API again, and the cache replaced
        assert transport.paths == ['/openai/v1/models', '/openai/v1/models']

    async with _client(transport) as other_client:  # another client, another key: its own request
        await catalogue.get(other_client)
    assert len(transport.paths) == 3


async def test_concurrent_fetches_share_one_request():
    transport = GatedTransport(httpx.ASGITransport(app=GroqEmulator(models=CARDS)))
    catalogue = ModelCatalogue()
    results: list[list[str]] = []

    async def list_them() -> None:
        results.append([info.id for info in await catalogue.fetch(client)])

    async def get_them() -> None:
        results.append(sorted(await catalogue.get(client)))

    async with _client(transport) as client, anyio.create_task_group() as tg:
        for index in range(300):
            tg.start_soon(list_them if index % 2 else get_them)
        await anyio.wait_all_tasks_blocked()
        transport.open.set()
    assert transport.paths == ['/openai/v1/models']
    assert len(results) == 300
    assert {tuple(result) for result in results} == {('openai/gpt-oss-120b', 'qwen/qwen3.8-27b')}


async def test_a_failed_fetch_is_shared_and_a_cancelled_one_is_not():
    answers = [httpx.Response(500, json={'error': {'message': 'boom'}})]
    transport = GatedTransport(httpx.MockTransport(lambda request: answers.pop(0)))
    catalogue = ModelCatalogue()
    errors: list[int] = []

    async def list_them() -> None:
        with pytest.raises(ModelHTTPError) as info:
            await catalogue.fetch(client)
        errors.append(info.value.status_code)

    async with _client(transport) as client:
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(list_them)
            await anyio.wait_all_tasks_blocked()
            transport.open.set()
        assert errors == [500, 500, 500] and transport.paths == ['/openai/v1/models']

        # The first caller gives up: the one waiting for it sends its own request.
        answers.append(httpx.Response(200, json={'data': [{'id': 'a'}]}))
        transport.open = anyio.Event()
        starter_scope = anyio.CancelScope()
        found: list[list[str]] = []

        async def starter() -> None:
            with starter_scope:
                await catalogue.fetch(client)

        async def waiter() -> None:
            found.append([info.id for info in await catalogue.fetch(client)])

        async with anyio.create_task_group() as tg:
            tg.start_soon(starter)
            await anyio.wait_all_tasks_blocked()  # the starter's request waits at the gate
            tg.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()  # the waiter joins it
            starter_scope.cancel()
            await anyio.wait_all_tasks_blocked()  # the waiter's own request waits at the gate
            transport.open.set()
        assert found == [['a']]
        assert len(transport.paths) == 3


async def test_catalogue_falls_back_to_known_models_when_offline():
    now = [1000.0]
    catalogue = ModelCatalogue(timeout=1.0, retry_after=60.0, clock=lambda: now[0])
    transport = CountingTransport(httpx.AsyncHTTPTransport())
    async with groq.AsyncGroq(
        api_key='k',
        base_url=f'http://127.0.0.1:{_free_port()}',
        max_retries=3,  # the catalogue asks once, whatever the client's retries
        http_client=httpx.AsyncClient(transport=transport),
    ) as client:
        assert await catalogue.get(client) == dict(KNOWN_MODELS)
        assert catalogue.cached(client) is None
        assert len(transport.paths) == 1

        now[0] += 59.0  # within retry_after: no new attempt
        assert await catalogue.get(client) == dict(KNOWN_MODELS)
        assert len(transport.paths) == 1

        now[0] += 1.0  # retry_after has passed: one more attempt
        assert await catalogue.get(client) == dict(KNOWN_MODELS)
        assert len(transport.paths) == 2


async def test_catalogue_retries_after_a_failure_and_then_keeps_the_answer():
    now = [0.0]
    answers = [httpx.Response(500, json={'error': {'message': 'boom'}}), httpx.Response(200, json={'data': []})]
    transport = _raw(lambda request: answers.pop(0))
    catalogue = ModelCatalogue(retry_after=10.0, clock=lambda: now[0])
    async with _client(transport) as client:
        assert await catalogue.get(client) == dict(KNOWN_MODELS)
        now[0] = 10.0
        assert await catalogue.get(client) == {}  # the API's (empty) answer wins over the built-in table
        assert catalogue.cached(client) == {}
        now[0] = 1000.0
        assert await catalogue.get(client) == {}
    assert len(transport.paths) == 2


async def test_catalogue_falls_back_on_auth_errors_and_malformed_answers():
    catalogue = ModelCatalogue()
    async with GroqEmulator(api_key='right').client(api_key='wrong') as client:
        assert await catalogue.get(client) == dict(KNOWN_MODELS)
    async with _client(_raw(lambda request: httpx.Response(200, text='nope'))) as client:
        assert await catalogue.get(client) == dict(KNOWN_MODELS)


async def test_catalogue_forgets_closed_clients():
    catalogue = ModelCatalogue()
    client = GroqEmulator().client()
    await catalogue.get(client)
    assert len(catalogue._fetched) == 1  # pyright: ignore[reportPrivateUsage]
    await client.close()
    del client
    gc.collect()
    assert len(catalogue._fetched) == 0  # pyright: ignore[reportPrivateUsage]


async def test_default_catalogue_serves_the_emulator_catalogue():
    async with GroqEmulator().client() as client:
        models = await default_catalogue.get(client)
    assert sorted(models) == sorted(card.id for card in DEFAULT_MODELS if card.active)


# --- the built-in tables ----------------------------------------------------------------------


def test_known_models_table():
    rows = {
        model_id: (info.owned_by, info.active, info.context_window, info.max_completion_tokens)
        for model_id, info in KNOWN_MODELS.items()
    }
    assert all(model_id == info.id for model_id, info in KNOWN_MODELS.items())
    assert rows == snapshot(
        {
            'llama-3.1-8b-instant': ('Meta', False, 131072, 131072),
            'llama-3.3-70b-versatile': ('Meta', False, 131072, 32768),
            'openai/gpt-oss-120b': ('OpenAI', True, 131072, 65536),
            'openai/gpt-oss-20b': ('OpenAI', True, 131072, 65536),
            'whisper-large-v3': ('OpenAI', True, None, None),
            'whisper-large-v3-turbo': ('OpenAI', True, None, None),
            'groq/compound': ('Groq', False, 131072, 8192),
            'groq/compound-mini': ('Groq', False, 131072, 8192),
            'canopylabs/orpheus-arabic-saudi': ('Canopy Labs', True, 4000, 50000),
            'canopylabs/orpheus-v1-english': ('Canopy Labs', True, 4000, 50000),
            'meta-llama/llama-prompt-guard-2-22m': ('Meta', True, 512, 512),
            'meta-llama/llama-prompt-guard-2-86m': ('Meta', True, 512, 512),
            'minimaxai/minimax-m2.7': ('MiniMax', True, 196608, 131072),
            'openai/gpt-oss-safeguard-20b': ('OpenAI', True, 131072, 65536),
            'qwen/qwen3.6-27b': ('Alibaba Cloud', False, 131072, 16384),
            'qwen/qwen3.8-27b': ('Alibaba Cloud', True, 131072, 16384),
        }
    )


def test_inactive_known_models_are_exactly_the_shut_down_ones():
    inactive = {model_id for model_id, info in KNOWN_MODELS.items() if not info.active}
    assert inactive == {model_id for model_id in KNOWN_MODELS if model_id in SHUT_DOWN}


def test_deprecation_table():
    assert SHUT_DOWN['groq/compound'] == ()  # shut down without a replacement
    assert SHUT_DOWN['llama-3.3-70b-versatile'] == ('openai/gpt-oss-120b', 'qwen/qwen3.6-27b')
    assert SHUT_DOWN['qwen/qwen3.6-27b'] == ('qwen/qwen3.8-27b',)


# --- lookups ----------------------------------------------------------------------------------


def test_close_names():
    everything = [*KNOWN_MODELS, *SHUT_DOWN]
    assert close_names('llama-3.3-70b-versatlie', everything) == snapshot(
        ['llama-3.3-70b-versatile', 'llama-3.1-70b-versatile', 'llama-3.3-70b-specdec']
    )
    assert close_names('gpt-oss-120b', KNOWN_MODELS) == snapshot(
        ['openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'openai/gpt-oss-safeguard-20b']
    )
    assert close_names('meta/llama-3.3-70b-versatile', KNOWN_MODELS, n=1) == ['llama-3.3-70b-versatile']
    assert close_names('Qwen/Qwen3.8-27B', KNOWN_MODELS, n=1) == ['qwen/qwen3.8-27b']
    assert close_names('qwen3-8-27b', KNOWN_MODELS, n=2) == snapshot(['qwen/qwen3.8-27b', 'qwen/qwen3.6-27b'])
    assert close_names('totally-different', KNOWN_MODELS) == []
    assert close_names('anything', []) == []


def test_replacement_for_follows_groq_recommendations_to_an_available_model():
    assert replacement_for('llama-3.3-70b-versatile') == 'openai/gpt-oss-120b'
    assert replacement_for('llama-3.1-8b-instant') == 'openai/gpt-oss-20b'
    assert replacement_for('qwen/qwen3.6-27b') == 'qwen/qwen3.8-27b'
    # Through several deprecations: llama3-70b-8192 -> llama-3.3-70b-versatile (shut down) -> gpt-oss-120b.
    assert replacement_for('llama3-70b-8192') == 'openai/gpt-oss-120b'
    # mixtral -> mistral-saba -> qwen3-32b -> gpt-oss-120b
    assert replacement_for('mixtral-8x7b-32768') == 'openai/gpt-oss-120b'
    assert replacement_for('gemma-7b-it') == 'openai/gpt-oss-20b'
    assert replacement_for('playai-tts') == 'canopylabs/orpheus-v1-english'


def test_replacement_for_models_without_one():
    assert replacement_for('openai/gpt-oss-120b') is None  # not deprecated
    assert replacement_for('groq/compound') is None  # shut down, no replacement named
    assert replacement_for('no-such-model') is None


def test_replacement_for_uses_the_callers_catalogue():
    def catalogue(*active: str, inactive: tuple[str, ...] = ()) -> dict[str, GroqModelInfo]:
        return {
            **{model_id: GroqModelInfo(model_id, '', True, None, None) for model_id in active},
            **{model_id: GroqModelInfo(model_id, '', False, None, None) for model_id in inactive},
        }

    # An enterprise key still has Llama 3.3 70B: the nearest recommendation it can use.
    assert replacement_for('llama3-70b-8192', catalogue('llama-3.3-70b-versatile')) == 'llama-3.3-70b-versatile'
    # Groq's second recommendation when the first is not available to this key.
    assert (
        replacement_for('llama-3.3-70b-versatile', catalogue('qwen/qwen3.6-27b', inactive=('openai/gpt-oss-120b',)))
        == 'qwen/qwen3.6-27b'
    )
    # ... and on through its own replacement.
    assert replacement_for('llama-3.3-70b-versatile', catalogue('qwen/qwen3.8-27b')) == 'qwen/qwen3.8-27b'
    # Paths that meet again are walked once (specdec -> r1-llama / r1-qwen -> ... -> gpt-oss-120b twice).
    assert replacement_for('deepseek-r1-distill-llama-70b-specdec', catalogue('qwen/qwen3.8-27b')) == (
        'qwen/qwen3.8-27b'
    )
    # Nothing on the way is available: Groq's own first recommendation.
    assert replacement_for('deepseek-r1-distill-llama-70b-specdec', {}) == 'deepseek-r1-distill-llama-70b'


async def test_concurrent_not_found_errors_ask_for_the_model_list_once():
    from pydantic_ai_groq.messages import ModelRequest
    from pydantic_ai_groq.models import ModelRequestParameters
    from pydantic_ai_groq.models.groq import GroqModel

    transport = GatedTransport(httpx.ASGITransport(app=GroqEmulator()))
    messages: list[str] = []
    async with _client(transport) as client:
        model = GroqModel('llama-3.3-70b-versatlie', groq_client=client)

        async def run() -> None:
            with pytest.raises(ModelHTTPError) as info:
                await model.request([ModelRequest.user_text_prompt('hi')], None, ModelRequestParameters())
            messages.append(str(info.value))

        async with anyio.create_task_group() as tg:
            for _ in range(300):
                tg.start_soon(run)
            await anyio.wait_all_tasks_blocked()
            transport.open.set()
    assert transport.paths == ['/openai/v1/models']
    assert len(messages) == 300
    assert all("did you mean 'llama-3.3-70b-versatile'" in message for message in messages)
