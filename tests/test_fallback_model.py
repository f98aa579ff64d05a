"""FallbackModel: the next model answers on errors worth falling back on, streamed and not, through the real SDK."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from groq import AsyncGroq
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pydantic_ai_groq import (
    Agent,
    FallbackModel,
    InstrumentationSettings,
    ModelRequest,
    ModelRequestParameters,
    ModelResponse,
    PartStartEvent,
    TextPart,
    UnexpectedModelBehavior,
    UserError,
)
from pydantic_ai_groq.exceptions import AgentGroqError, ModelAPIError, ModelHTTPError
from pydantic_ai_groq.models.fallback import FallbackError, default_fallback_on
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply

BIG = 'openai/gpt-oss-120b'
SMALL = 'openai/gpt-oss-20b'
DECOMMISSIONED = {
    'error': {'message': 'decommissioned', 'type': 'invalid_request_error', 'code': 'model_decommissioned'}
}
NOT_FOUND = {'error': {'message': 'no such model', 'type': 'invalid_request_error', 'code': 'model_not_found'}}

FALLBACK_ERRORS = [
    pytest.param(ErrorReply(498), '498 capacity (capacity_exceeded)', id='498-capacity'),
    pytest.param(ErrorReply(503), '503 server (service_unavailable)', id='503'),
    pytest.param(ErrorReply(500), '500 server (internal_server_error)', id='500'),
    pytest.param(ErrorReply(429), '429 rate_limited (rate_limit_exceeded)', id='429-after-sdk-retries'),
    pytest.param(ErrorReply(400, DECOMMISSIONED), '400 bad_request (model_decommissioned)', id='400-decommissioned'),
    pytest.param(ErrorReply(404, NOT_FOUND), '404 not_found (model_not_found)', id='404-not-found'),
]
NO_FALLBACK_ERRORS = [
    pytest.param(ErrorReply(401), id='401'),
    pytest.param(ErrorReply(400), id='400-invalid-request'),
]


@pytest.fixture
def first() -> GroqEmulator:
    return GroqEmulator()


@pytest.fixture
def second() -> GroqEmulator:
    return GroqEmulator()


@pytest.fixture
def fallback(first: GroqEmulator, second: GroqEmulator) -> FallbackModel:
    # max_retries=0: the SDK's retries are used up, as after its last retry of a 429.
    return FallbackModel(first.model(BIG), second.model(SMALL))


def messages() -> list[ModelRequest]:
    return [ModelRequest.user_text_prompt('hello')]


def fallback_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == 'pydantic_ai_groq.models.fallback']


@pytest.mark.parametrize(('reply', 'described'), FALLBACK_ERRORS)
async def test_request_falls_back(
    first: GroqEmulator,
    second: GroqEmulator,
    fallback: FallbackModel,
    reply: ErrorReply,
    described: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first.push(reply)
    second.push(Reply(text='from the small model'))
    with caplog.at_level(logging.INFO, logger='pydantic_ai_groq.models.fallback'):
        response = await fallback.request(messages(), None, ModelRequestParameters())
    assert response.parts == [TextPart('from the small model')]
    assert response.model_name == SMALL
    assert [r['model'] for r in first.requests] == [BIG]
    assert [r['model'] for r in second.requests] == [SMALL]
    assert fallback_logs(caplog) == [f'model {BIG} failed with {described}; falling back to {SMALL}']


@pytest.mark.parametrize(('reply', 'described'), FALLBACK_ERRORS)
async def test_stream_falls_back_before_the_first_event(
    first: GroqEmulator, second: GroqEmulator, fallback: FallbackModel, reply: ErrorReply, described: str
) -> None:
    first.push(reply)
    second.push(Reply(text='streamed from the small model', chunk_size=8))
    async with fallback.request_stream(messages(), None, ModelRequestParameters()) as stream:
        events = [event async for event in stream]
        response = stream.get()
    assert isinstance(events[0], PartStartEvent)
    assert response.parts == [TextPart('streamed from the small model')]
    assert response.model_name == stream.model_name == SMALL
    assert stream.finish_reason == 'stop'
    assert stream.usage() == response.usage
    assert response.usage.output_tokens > 0
    assert [r['stream'] for r in second.requests] == [True]


async def test_in_stream_error_before_the_first_event_falls_back(
    first: GroqEmulator, second: GroqEmulator, fallback: FallbackModel
) -> None:
    first.push(Reply(text='never', stream_error={'message': 'overloaded', 'type': 'server_error'}))
    second.push(Reply(text='answer'))
    async with fallback.request_stream(messages(), None, ModelRequestParameters()) as stream:
        assert [e async for e in stream] != []
        assert stream.get().parts == [TextPart('answer')]


async def test_stream_error_after_the_first_event_propagates(
    first: GroqEmulator, second: GroqEmulator, fallback: FallbackModel
) -> None:
    first.push(
        Reply(
            text='partial answer here', stream_error={'message': 'boom', 'type': 'server_error'}, stream_error_after=3
        )
    )
    async with fallback.request_stream(messages(), None, ModelRequestParameters()) as stream:
        with pytest.raises(ModelHTTPError) as raised:
            async for _ in stream:
                pass
        assert stream.get().parts == [TextPart('partial answer ')]
    assert raised.value.kind == 'server'
    assert second.requests == []


@pytest.mark.parametrize('reply', NO_FALLBACK_ERRORS)
@pytest.mark.parametrize('streamed', [False, True], ids=['request', 'stream'])
async def test_errors_not_worth_falling_back_on_propagate_at_once(
    first: GroqEmulator, second: GroqEmulator, fallback: FallbackModel, reply: ErrorReply, streamed: bool
) -> None:
    first.push(reply)
    with pytest.raises(ModelHTTPError) as raised:
        if streamed:
            async with fallback.request_stream(messages(), None, ModelRequestParameters()):
                pass  # pragma: no cover - the request fails on entry
        else:
            await fallback.request(messages(), None, ModelRequestParameters())
    assert raised.value.status_code == reply.status
    assert second.requests == []


@pytest.mark.parametrize('streamed', [False, True], ids=['request', 'stream'])
async def test_all_failing_raises_every_failure(
    first: GroqEmulator, second: GroqEmulator, streamed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    third = GroqEmulator()
    model = FallbackModel(first.model(BIG), second.model(SMALL), third.model('llama-3.1-8b-instant'))
    first.push(ErrorReply(498))
    second.push(ErrorReply(503))
    third.push(ErrorReply(429))
    with (
        caplog.at_level(logging.INFO, logger='pydantic_ai_groq.models.fallback'),
        pytest.raises(FallbackError) as raised,
    ):
        if streamed:
            async with model.request_stream(messages(), None, ModelRequestParameters()):
                pass  # pragma: no cover - the request fails on entry
        else:
            await model.request(messages(), None, ModelRequestParameters())
    error = raised.value
    assert isinstance(error, AgentGroqError)
    assert [(e.model_name, e.status_code) for e in error.errors if isinstance(e, ModelHTTPError)] == [
        (BIG, 498),
        (SMALL, 503),
        ('llama-3.1-8b-instant', 429),
    ]
    assert error.__cause__ is error.errors[-1]
    assert str(error).splitlines()[0] == 'All 3 models failed:'
    assert '\n  503 server (service_unavailable): status_code: 503, model_name: openai/gpt-oss-20b' in str(error)
    assert (
        fallback_logs(caplog)[-1]
        == 'model llama-3.1-8b-instant failed with 429 rate_limited (rate_limit_exceeded); no model left to fall back to'
    )


async def test_emulated_decommissioned_and_unknown_models_fall_back() -> None:
    # The emulator's own catalogue answers: 400 model_decommissioned for a shut-down model on a free key, 404 for an unknown one.
    free = GroqEmulator(tier='free')
    good = GroqEmulator()
    good.push(Reply(text='ok'))
    model = FallbackModel(free.model('llama-3.3-70b-versatile'), free.model('no-such-model'), good.model(SMALL))
    response = await model.request(messages(), None, ModelRequestParameters())
    assert response.model_name == SMALL
    assert [r['model'] for r in free.requests] == ['llama-3.3-70b-versatile', 'no-such-model']


async def test_fallback_on_tuple_and_callable(first: GroqEmulator, second: GroqEmulator) -> None:
    first.push(ErrorReply(401), ErrorReply(503))
    second.push(Reply(text='ok'))
    by_type = FallbackModel(first.model(BIG), second.model(SMALL), fallback_on=(ModelHTTPError,))
    assert (await by_type.request(messages(), None, ModelRequestParameters())).model_name == SMALL
    only_auth = FallbackModel(
        first.model(BIG), second.model(SMALL), fallback_on=lambda e: isinstance(e, ModelHTTPError) and e.kind == 'auth'
    )
    with pytest.raises(ModelHTTPError, match='status_code: 503'):
        await only_auth.request(messages(), None, ModelRequestParameters())
    assert len(second.requests) == 1


def test_default_fallback_on_refuses_other_errors() -> None:
    assert not default_fallback_on(ValueError('not a model error'))
    assert default_fallback_on(ModelHTTPError(502, BIG))
    assert not default_fallback_on(ModelHTTPError(422, BIG))


def test_names_strings_and_bad_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('GROQ_API_KEY', 'gsk_test')
    model = FallbackModel(f'groq:{BIG}', f'groq:{SMALL}')
    assert all(isinstance(m, GroqModel) for m in model.models)
    assert model.model_name == f'fallback:{BIG},{SMALL}'
    assert model.system == 'groq'
    with pytest.raises(UserError, match='Unknown model'):
        FallbackModel('gpt-4o')
    with pytest.raises(UserError, match='fallback_on must be a tuple of exception types or a callable'):
        FallbackModel(f'groq:{BIG}', fallback_on=ModelHTTPError(500, BIG))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def test_agent_runs_end_to_end(first: GroqEmulator, second: GroqEmulator, fallback: FallbackModel) -> None:
    agent = Agent(fallback, instructions='Be brief.')
    first.push(ErrorReply(498), ErrorReply(503))
    second.push(Reply(text='run answer'), Reply(text='streamed run answer', chunk_size=5))
    result = await agent.run('hi')
    assert result.output == 'run answer'
    last = result.all_messages()[-1]
    assert isinstance(last, ModelResponse) and last.model_name == SMALL
    async with agent.run_stream('hi') as streamed:
        assert await streamed.get_output() == 'streamed run answer'
    assert len(first.requests) == len(second.requests) == 2


@pytest.fixture
def exporter() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter, provider
    provider.shutdown()


@pytest.mark.parametrize('streamed', [False, True], ids=['request', 'stream'])
async def test_span_records_the_fallback(
    first: GroqEmulator,
    second: GroqEmulator,
    fallback: FallbackModel,
    exporter: tuple[InMemorySpanExporter, TracerProvider],
    streamed: bool,
) -> None:
    spans, provider = exporter
    agent = Agent(fallback, instrument=InstrumentationSettings(tracer_provider=provider))
    first.push(ErrorReply(498))
    second.push(Reply(text='answer'))
    if streamed:
        async with agent.run_stream('hi') as result:
            assert await result.get_output() == 'answer'
    else:
        assert (await agent.run('hi')).output == 'answer'
    chat = [s for s in spans.get_finished_spans() if s.name.startswith('chat ')]
    assert [s.name for s in chat] == [f'chat fallback:{BIG},{SMALL}']
    attributes: dict[str, Any] = dict(chat[0].attributes or {})
    assert attributes['groq.fallback.attempts'] == 1
    assert attributes['gen_ai.response.model'] == SMALL
    assert [(e.name, dict(e.attributes or {})) for e in chat[0].events] == [
        (
            'groq.fallback',
            {
                'gen_ai.request.model': BIG,
                'error.type': '498 capacity (capacity_exceeded)',
                'groq.fallback.next_model': SMALL,
            },
        )
    ]


async def test_span_records_every_failure_when_all_fail(
    first: GroqEmulator,
    second: GroqEmulator,
    fallback: FallbackModel,
    exporter: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    spans, provider = exporter
    agent = Agent(fallback, instrument=InstrumentationSettings(tracer_provider=provider))
    first.push(ErrorReply(500))
    second.push(ErrorReply(500))
    with pytest.raises(FallbackError):
        await agent.run('hi')
    (chat,) = [s for s in spans.get_finished_spans() if s.name.startswith('chat ')]
    assert (chat.attributes or {})['groq.fallback.attempts'] == 2
    fallbacks = [dict(e.attributes or {}) for e in chat.events if e.name == 'groq.fallback']
    assert [e.get('groq.fallback.next_model') for e in fallbacks] == [SMALL, None]
    assert (chat.attributes or {})['error.type'] == 'FallbackError'


async def test_connection_errors_and_malformed_streams_fall_back_when_asked(
    second: GroqEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    unreachable = GroqModel(
        BIG, groq_client=AsyncGroq(api_key='gsk_test', base_url='http://127.0.0.1:1', max_retries=0)
    )
    broken = GroqEmulator()
    broken.push(Reply(text='never', malformed_after=0))
    model = FallbackModel(
        unreachable, broken.model(BIG), second.model(SMALL), fallback_on=(ModelAPIError, UnexpectedModelBehavior)
    )
    second.push(Reply(text='ok'))
    with caplog.at_level(logging.INFO, logger='pydantic_ai_groq.models.fallback'):
        async with model.request_stream(messages(), None, ModelRequestParameters()) as stream:
            assert [e async for e in stream] != []
    assert stream.get().parts == [TextPart('ok')]
    assert fallback_logs(caplog) == [
        f'model {BIG} failed with ModelAPIError connection; falling back to {BIG}',
        f'model {BIG} failed with UnexpectedModelBehavior; falling back to {SMALL}',
    ]


async def test_a_stream_without_events_is_an_answer(first: GroqEmulator, fallback: FallbackModel) -> None:
    first.push(Reply(text=''))
    async with fallback.request_stream(messages(), None, ModelRequestParameters()) as stream:
        assert [e async for e in stream] == []
    assert stream.get().model_name == BIG
    assert stream.finish_reason == 'stop'


def test_fallback_without_opentelemetry_imports_none() -> None:
    code = (
        'import asyncio, sys\n'
        'from pydantic_ai_groq import FallbackModel, ModelRequest, ModelRequestParameters\n'
        'from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply\n'
        'first, second = GroqEmulator([ErrorReply(498)]), GroqEmulator([Reply(text="ok")])\n'
        'model = FallbackModel(first.model("openai/gpt-oss-120b"), second.model("openai/gpt-oss-20b"))\n'
        'messages = [ModelRequest.user_text_prompt("hi")]\n'
        'response = asyncio.run(model.request(messages, None, ModelRequestParameters()))\n'
        'print(response.model_name, any(m.startswith("opentelemetry") for m in sys.modules))\n'
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ['openai/gpt-oss-20b False']


@pytest.mark.parametrize('status', [429, 498, 503])
async def test_the_models_own_retries_come_first(first: GroqEmulator, second: GroqEmulator, status: int) -> None:
    # One retry (the SDK's for 429 and 5xx, GroqModel's for 498), waiting the 1 ms the header asks.
    retrying = GroqModel(BIG, groq_client=first.client(max_retries=1))
    first.push(*[ErrorReply(status, headers={'retry-after-ms': '1'})] * 2)
    second.push(Reply(text='ok'))
    response = await FallbackModel(retrying, second.model(SMALL)).request(messages(), None, ModelRequestParameters())
    assert response.model_name == SMALL
    assert len(first.requests) == 2
