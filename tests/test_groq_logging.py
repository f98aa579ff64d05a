"""What `GroqModel` logs on `pydantic_ai_groq.models.groq`: retries, recoveries, catalogue fetches; never secrets."""

from __future__ import annotations

import logging

import groq
import httpx
import pytest

from pydantic_ai_groq import ModelRequest, ModelRequestParameters
from pydantic_ai_groq.exceptions import ModelHTTPError
from pydantic_ai_groq.models.groq import GroqModel, GroqStreamedResponse
from pydantic_ai_groq.rate_limit import GroqRateLimiter
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, VirtualClock
from pydantic_ai_groq.testing._emulator import BASE_URL

LOGGER = 'pydantic_ai_groq.models.groq'
MODEL = 'llama-3.3-70b-versatile'
API_KEY = 'gsk_the_right_key_never_logged'
WRONG_KEY = 'gsk_a_wrong_key_never_logged'
PROMPT_TEXT = 'Which secret bank account should Lisbon use?'
PARAMS = ModelRequestParameters()


def _tool_use_failed() -> ErrorReply:
    generation = f'{{"name": "lookup", "arguments": {{"query": "{PROMPT_TEXT}"}}}}'
    error = {'message': 'Tool call validation failed', 'code': 'tool_use_failed', 'failed_generation': generation}
    return ErrorReply(400, {'error': error})


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(record.levelno, record.getMessage()) for record in caplog.records if record.name == LOGGER]


async def test_retries_recoveries_and_catalogue_fetches_are_logged_without_keys_or_prompts(
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(498, headers={'retry-after': '1.5'}), _tool_use_failed()], api_key=API_KEY)
    model = GroqModel(MODEL, groq_client=emulator.client(max_retries=2), clock=clock)
    response = await model.request([ModelRequest.user_text_prompt(PROMPT_TEXT)], None, PARAMS)
    assert response.finish_reason == 'error' and clock.slept == [1.5]
    models = await model.list_models()
    async with emulator.client(api_key=WRONG_KEY) as wrong:
        with pytest.raises(ModelHTTPError):
            await GroqModel(MODEL, groq_client=wrong).list_models()
    base_url = str(model.client.base_url)
    *lines, (failed_level, failed) = _lines(caplog)
    assert lines == [
        (logging.INFO, f'498 (flex capacity exceeded) for {MODEL}: retry 1 of 2 in 1.5s, as its retry-after says'),
        (logging.INFO, f'tool_use_failed from Groq for {MODEL}: the failed generation goes back to the agent to retry'),
        (logging.DEBUG, f'Fetching the model list from {base_url}'),
        (logging.DEBUG, f'Groq listed {len(models)} models'),
        (logging.DEBUG, f'Fetching the model list from {base_url}'),
    ]
    assert failed_level == logging.INFO
    assert failed.startswith(f'Fetching the model list from {base_url} failed: status_code: 401')
    assert not any(secret in caplog.text for secret in (API_KEY, WRONG_KEY, PROMPT_TEXT, 'Lisbon'))
    await model.client.close()


async def test_a_429_logs_how_long_the_limiter_holds_requests(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(429, headers={'retry-after': '7'}), Reply(text='ok')])
    limiter = GroqRateLimiter(clock=clock)
    model = GroqModel(MODEL, groq_client=emulator.client(max_retries=0), rate_limit=limiter, clock=clock)
    with pytest.raises(ModelHTTPError):
        await model.request([ModelRequest.user_text_prompt(PROMPT_TEXT)], None, PARAMS)
    assert _lines(caplog) == [(logging.INFO, f'429 for {MODEL}: the rate limiter holds requests for 7s')]
    assert PROMPT_TEXT not in caplog.text
    await model.client.close()


class _UnusableReset(httpx.AsyncBaseTransport):
    """The emulator's answers, with an `x-ratelimit-reset-tokens` no one can wait for."""

    def __init__(self, emulator: GroqEmulator) -> None:
        self._inner = httpx.ASGITransport(app=emulator)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        response.headers['x-ratelimit-reset-tokens'] = 'later'
        return response


async def test_rate_limit_headers_are_parsed_once_per_response(caplog: pytest.LogCaptureFixture):
    """One parse feeds both `provider_details['rate_limit']` and the limiter: one warning per response."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    http_client = httpx.AsyncClient(transport=_UnusableReset(GroqEmulator()))
    client = groq.AsyncGroq(api_key='k', base_url=BASE_URL, http_client=http_client, max_retries=0)
    model = GroqModel(MODEL, groq_client=client, rate_limit=GroqRateLimiter())
    prompt = [ModelRequest.user_text_prompt('hello')]
    response = await model.request(prompt, None, PARAMS)
    async with model.request_stream(prompt, None, PARAMS) as stream:
        async for _ in stream:
            pass
    for details in (response.provider_details, stream.get().provider_details):
        assert details is not None and 'reset_tokens' not in details['rate_limit']
        assert details['rate_limit']['limit_tokens'] > 0
    ignored = "Ignoring x-ratelimit-reset-tokens: 'later' is not a finite wait of 0 seconds or more"
    assert _lines(caplog) == [(logging.WARNING, ignored)] * 2
    await client.close()


def test_a_streamed_response_built_directly_reads_its_own_rate_limit_headers():
    headers = {'x-ratelimit-limit-tokens': '6000', 'x-ratelimit-reset-requests': '2m59.56s'}
    stream = GroqStreamedResponse(MODEL, httpx.Response(200, headers=headers))
    assert stream.provider_details['rate_limit'] == {'limit_tokens': 6000, 'reset_requests': 179.56}
