"""Every failure reaches the caller as one of our exceptions, the SDK's chained, the key never shown."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import groq
import httpx
import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior
from pydantic_ai_groq.messages import ModelRequest, TextPart
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply
from pydantic_ai_groq.usage import RequestUsage

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()
SECRET = 'gsk_secret_key_do_not_show'


@pytest.mark.parametrize(
    ('status', 'kind', 'retryable'),
    [
        (400, 'bad_request', False),
        (401, 'auth', False),
        (403, 'auth', False),
        (404, 'not_found', False),
        (413, 'request_too_large', False),
        (422, 'unprocessable', False),
        (429, 'rate_limited', True),
        (498, 'capacity', True),
        (500, 'server', True),
        (503, 'server', True),
        (409, 'other', False),
    ],
)
@pytest.mark.parametrize('stream', [False, True])
async def test_http_error_matrix(status: int, kind: str, retryable: bool, stream: bool):
    emulator = GroqEmulator([ErrorReply(status)])
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(api_key=SECRET))
    with pytest.raises(ModelHTTPError) as exc_info:
        if stream:
            async with model.request_stream(PROMPT, None, PARAMS):
                pass  # pragma: no cover
        else:
            await model.request(PROMPT, None, PARAMS)
    error = exc_info.value
    assert (error.status_code, error.kind, error.retryable) == (status, kind, retryable)
    assert error.model_name == 'llama-3.3-70b-versatile'
    assert isinstance(error.body, dict) and 'error' in error.body
    assert isinstance(error.__cause__, groq.APIStatusError)
    assert error.__cause__.status_code == status
    for text in (str(error), repr(error), repr(error.body), repr(error.headers)):
        assert SECRET not in text
    assert len(emulator.requests) == 1  # max_retries=0: the SDK did not retry
    await model.client.close()


async def test_rate_limit_with_retry_after(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        ErrorReply(
            429,
            {'error': {'message': 'Rate limit reached', 'type': 'tokens', 'code': 'rate_limit_exceeded'}},
            headers={'retry-after': '7'},
        )
    )
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.retry_after == 7.0
    assert exc_info.value.error_code == 'rate_limit_exceeded'
    assert str(exc_info.value) == snapshot(
        'status_code: 429, model_name: llama-3.3-70b-versatile, '
        "body: {'error': {'message': 'Rate limit reached', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}, "
        'retry after 7s'
    )


def test_retry_after_forms():
    assert ModelHTTPError(429, 'm', None, {'Retry-After': '2.5'}).retry_after == 2.5
    assert ModelHTTPError(429, 'm', None, {'retry-after-ms': '1500', 'retry-after': '9'}).retry_after == 1.5
    assert ModelHTTPError(429, 'm', None, {'retry-after-ms': 'x', 'retry-after': '9'}).retry_after == 9
    assert ModelHTTPError(429, 'm', None, {'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT'}).retry_after is None
    assert ModelHTTPError(429, 'm').retry_after is None
    for bad in ('nan', '-1', 'inf', '-inf', '1e999'):
        error = ModelHTTPError(429, 'm', None, {'retry-after': bad, 'retry-after-ms': bad})
        assert error.retry_after is None, bad
        assert 'retry after' not in str(error)
    assert ModelHTTPError(400, 'm', 'plain text').error_code is None
    assert ModelHTTPError(400, 'm', {'code': 'x'}).error_code == 'x'
    assert ModelHTTPError(400, 'm', {'error': 'oops'}).error_code is None


async def test_sdk_retries_honour_retry_after(emulator: GroqEmulator):
    emulator.push(ErrorReply(429, headers={'retry-after': '0'}), ErrorReply(503), Reply(text='finally'))
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=2))
    response = await model.request(PROMPT, None, PARAMS)
    assert response.text == 'finally'
    assert len(emulator.requests) == 3
    await model.client.close()


async def test_non_json_error_body(emulator: GroqEmulator, model: GroqModel):
    emulator.push(ErrorReply(502, 'Bad gateway'))
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.body == 'Bad gateway'
    assert exc_info.value.error_code is None


async def test_model_not_found(emulator: GroqEmulator):
    model = emulator.model('llama-3.3-70b-versatlie')
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.kind == 'not_found'
    assert exc_info.value.error_code == 'model_not_found'
    await model.client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.parametrize('stream', [False, True])
async def test_connection_refused(stream: bool):
    model = GroqModel(
        'llama-3.3-70b-versatile', api_key=SECRET, base_url=f'http://127.0.0.1:{_free_port()}', max_retries=0
    )
    with pytest.raises(ModelAPIError) as exc_info:
        if stream:
            async with model.request_stream(PROMPT, None, PARAMS):
                pass  # pragma: no cover
        else:
            await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.kind == 'connection'
    assert isinstance(exc_info.value.__cause__, groq.APIConnectionError)
    assert 'Connection to Groq failed' in str(exc_info.value)
    assert SECRET not in str(exc_info.value)
    await model.client.close()


async def test_timeout():
    # Over a real socket: timeouts are enforced by the network layer, which an in-process transport has not.
    emulator = GroqEmulator([Reply(text='late', delay=2.0)])
    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url, max_retries=0)
        with pytest.raises(ModelAPIError) as exc_info:
            await model.request(PROMPT, {'timeout': 0.1}, PARAMS)
        await model.client.close()
    assert exc_info.value.kind == 'timeout'
    # The SDK's per-attempt timeout and our deadline over the whole request end together: either may fire first.
    assert isinstance(exc_info.value.__cause__, groq.APITimeoutError | TimeoutError)
    assert str(exc_info.value) == f'Request to Groq timed out ({base_url}/openai/v1/chat/completions)'


async def test_timeout_while_streaming():
    emulator = GroqEmulator([Reply(text='a b c d', chunk_delay=1.0, id='chatcmpl-slow')])
    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url, max_retries=0)
        async with model.request_stream(PROMPT, {'timeout': 0.2}, PARAMS) as stream:
            with pytest.raises(ModelAPIError) as exc_info:
                async for _ in stream:
                    pass
        await model.client.close()
    assert exc_info.value.kind == 'timeout'
    assert stream.get().parts == []
    assert stream.get().provider_response_id == 'chatcmpl-slow'  # what arrived before the stall is kept


async def test_stream_broken_off_over_a_socket():
    emulator = GroqEmulator([Reply(text='one two three', cut_after=2)])
    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url, max_retries=0)
        async with model.request_stream(PROMPT, None, PARAMS) as stream:
            with pytest.raises((UnexpectedModelBehavior, ModelAPIError)):
                async for _ in stream:
                    pass
        await model.client.close()
    assert stream.get().text == 'one '


def _raw_model(body: bytes, content_type: str = 'application/json') -> GroqModel:
    """A GroqModel on a server that answers every request with `body` (for shapes the emulator never sends)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b'content-type', content_type.encode())]
        await send({'type': 'http.response.start', 'status': 200, 'headers': headers})
        await send({'type': 'http.response.body', 'body': body})

    http_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return GroqModel('m', groq_client=groq.AsyncGroq(api_key='k', base_url='http://raw', http_client=http_client))


async def test_body_that_is_not_json():
    model = _raw_model(b'<html>oops</html>')
    with pytest.raises(UnexpectedModelBehavior, match='not JSON'):
        await model.request(PROMPT, None, PARAMS)
    await model.client.close()


async def test_completion_without_choices():
    model = _raw_model(b'{"id": "x", "choices": []}')
    with pytest.raises(UnexpectedModelBehavior, match='cannot read') as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.body == '{"id":"x","choices":[]}'
    await model.client.close()


async def _drain(model: GroqModel) -> None:
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass


CHUNK = b'data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}\n\n'


async def test_stream_chunk_of_wrong_shape():
    model = _raw_model(CHUNK % (b'null', b'null'), 'text/event-stream')
    with pytest.raises(UnexpectedModelBehavior, match='stream chunk this client cannot read'):
        await _drain(model)
    await model.client.close()


async def test_stream_ending_with_a_nameless_tool_call():
    delta = b'{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}'
    body = CHUNK % (delta, b'null') + CHUNK % (b'{}', b'"tool_calls"') + b'data: [DONE]\n\n'
    model = _raw_model(body, 'text/event-stream')
    with pytest.raises(UnexpectedModelBehavior, match='tool call that has no name'):
        await _drain(model)
    await model.client.close()


async def test_stream_without_done_but_with_finish_reason_is_complete():
    body = CHUNK % (b'{"content":"hi"}', b'null') + CHUNK % (b'{}', b'"stop"')
    model = _raw_model(body, 'text/event-stream')
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert stream.get().text == 'hi'
    assert stream.get().finish_reason == 'stop'
    await model.client.close()


async def test_stream_error_event_that_is_not_json():
    body = CHUNK % (b'{"content":"hi"}', b'null') + b'event: error\ndata: upstream exploded\n\n'
    model = _raw_model(body, 'text/event-stream')
    with pytest.raises(ModelHTTPError) as exc_info:
        await _drain(model)
    assert (exc_info.value.status_code, exc_info.value.body) == (500, 'upstream exploded')
    await model.client.close()


async def test_stream_ignores_comments_and_other_events():
    body = (
        b': keep-alive\n\n'
        + b'event: ping\ndata: {}\n\n'
        + CHUNK % (b'{"content":"hi"}', b'null')
        + b'event: message\n'
        + CHUNK % (b'{"content":"!"}', b'"stop"')
        + b'data: [DONE]\n\n'
    )
    model = _raw_model(body, 'text/event-stream')
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert stream.get().text == 'hi!'
    await model.client.close()


async def test_minimal_completion_without_optional_fields():
    model = _raw_model(b'{"choices": [{"message": {"content": "hi"}}]}')
    before = datetime.now(tz=timezone.utc)
    response = await model.request(PROMPT, None, PARAMS)
    assert response.parts == [TextPart('hi')]
    assert (response.finish_reason, response.provider_details, response.provider_response_id) == (None, None, None)
    assert response.usage == RequestUsage()
    assert response.model_name == 'm'
    assert response.timestamp >= before
    await model.client.close()


async def test_minimal_stream_without_optional_fields():
    body = (
        b'data: {"choices": []}\n\n'
        b'data: {"choices": [{"delta": {"content": "x"}, "finish_reason": "stop"}],'
        b' "usage": {"prompt_tokens": 3, "completion_tokens": 1}}\n\n'
        b'data: {"choices": [], "usage": null, "x_groq": {"usage": null}}\n\n'  # does not reset usage
        b'data: [DONE]\n\n'
    )
    model = _raw_model(body, 'text/event-stream')
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    response = stream.get()
    assert response.parts == [TextPart('x')]
    assert response.usage == RequestUsage(3, 1)
    assert response.model_name == 'm'
    assert response.provider_details == {'finish_reason': 'stop'}
    await model.client.close()


class _BreakingStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield CHUNK % (b'{"content":"partial"}', b'null')
        raise httpx.ReadError('connection reset by peer')


async def test_connection_lost_mid_stream():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={'content-type': 'text/event-stream'}, stream=_BreakingStream())

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    model = GroqModel('m', groq_client=groq.AsyncGroq(api_key='k', base_url='http://raw', http_client=http_client))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        with pytest.raises(ModelAPIError, match='Groq stream broke off') as exc_info:
            async for _ in stream:
                pass
    assert exc_info.value.kind == 'connection'
    assert isinstance(exc_info.value.__cause__, httpx.ReadError)
    assert stream.get().parts == [TextPart('partial')]
    await http_client.aclose()
