"""Rate-limit headers and the client-side limiter, against the emulator's rate-limit windows."""

from __future__ import annotations

import logging
import math

import anyio
import pytest

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError
from pydantic_ai_groq.messages import ModelRequest
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.models.groq._headers import parse_duration, parse_rate_limit_headers
from pydantic_ai_groq.rate_limit import GroqRateLimiter
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, RateLimitWindows, Reply, VirtualClock

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()


@pytest.mark.parametrize(
    ('text', 'seconds'),
    [
        ('2m59.56s', 179.56),
        ('7.66s', 7.66),
        ('120ms', 0.12),
        ('1h2m3s', 3723),
        ('0s', 0),
        ('3', 3),
        ('soon', None),
        ('', None),
        ('inf', None),
        ('nan', None),
        ('-1', None),
        ('1e999', None),
    ],
)
def test_parse_duration(text: str, seconds: float | None):
    assert parse_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_parse_rate_limit_headers():
    headers = {
        'x-ratelimit-limit-requests': '14400',
        'x-ratelimit-remaining-requests': '14370',
        'x-ratelimit-reset-requests': '2m59.56s',
        'x-ratelimit-limit-tokens': '18000',
        'x-ratelimit-remaining-tokens': '17997.5',
        'x-ratelimit-reset-tokens': '7.66s',
        'x-other': '1',
    }
    assert parse_rate_limit_headers(headers) == {
        'limit_requests': 14400,
        'remaining_requests': 14370,
        'reset_requests': pytest.approx(179.56),
        'limit_tokens': 18000,
        'remaining_tokens': 17997.5,
        'reset_tokens': pytest.approx(7.66),
    }
    assert parse_rate_limit_headers({'x-ratelimit-limit-requests': 'many', 'x-ratelimit-reset-tokens': '?'}) == {}
    assert parse_rate_limit_headers({'x-ratelimit-remaining-tokens': 'inf', 'x-ratelimit-reset-tokens': 'inf'}) == {}


def test_bad_server_waits_are_ignored_with_a_log_line(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger='pydantic_ai_groq'):
        assert parse_rate_limit_headers({'x-ratelimit-reset-tokens': 'nan', 'x-ratelimit-reset-requests': '7.66s'}) == {
            'reset_requests': pytest.approx(7.66)
        }
    assert caplog.messages == ["Ignoring x-ratelimit-reset-tokens: 'nan' is not a finite wait of 0 seconds or more"]


def test_limiter_arguments():
    for kwargs, message in (
        ({'requests_per_minute': 0}, 'requests_per_minute must be >= 1'),
        ({'tokens_per_minute': 0}, 'tokens_per_minute must be >= 1'),
        ({'window': 0}, 'window must be > 0 seconds'),
    ):
        with pytest.raises(ValueError, match=message):
            GroqRateLimiter(**kwargs)  # type: ignore[arg-type]


async def test_limiter_spaces_requests_and_tokens():
    clock = VirtualClock()
    limiter = GroqRateLimiter(requests_per_minute=3, tokens_per_minute=100, window=0.2, clock=clock)
    for _ in range(3):
        await limiter.acquire(10)
    assert limiter.waited == 0  # within the window's budget: no waiting
    await limiter.acquire(10)  # the 4th request waits for the oldest to leave the window
    assert clock.slept == [0.2] and limiter.waited == 0.2
    await limiter.acquire(200)  # more tokens than the whole budget: waits until the window is empty, then goes
    assert clock.time == pytest.approx(0.4) and limiter.waited == pytest.approx(0.4)


async def test_limiter_pauses_on_spent_budgets_and_429s():
    clock = VirtualClock()
    limiter = GroqRateLimiter(window=60, clock=clock)
    limiter.update({'remaining_requests': 5, 'reset_requests': 30})  # budget left: no pause
    await limiter.acquire()
    assert limiter.waited == 0
    limiter.update({'remaining_tokens': 0, 'reset_tokens': 0.05})
    await limiter.acquire()
    assert clock.slept == [pytest.approx(0.05)]
    limiter.backoff(0.05)
    await limiter.acquire()
    assert clock.slept == [pytest.approx(0.05)] * 2 and limiter.waited == pytest.approx(0.1)
    limiter.backoff(None)  # unknown: a whole window
    assert limiter.paused_for == 60


def test_limiter_pauses_are_capped_and_bad_ones_ignored():
    limiter = GroqRateLimiter(clock=VirtualClock())
    for bad in (math.nan, -1.0):
        limiter.backoff(bad)
        limiter.update({'remaining_tokens': 0, 'reset_tokens': bad})
    assert limiter.paused_for == 0
    limiter.backoff(math.inf)
    assert limiter.paused_for == 60  # the default cap, not forever
    limiter.update({'remaining_requests': 0, 'reset_requests': 86_400}, max_pause=90)
    assert limiter.paused_for == 90


async def test_limiter_gives_up_at_the_deadline_without_counting_the_request():
    clock = VirtualClock()
    limiter = GroqRateLimiter(requests_per_minute=1, clock=clock)
    await limiter.acquire(deadline=10)
    with pytest.raises(TimeoutError, match='the rate limit allows the next request in 60s, past the deadline'):
        await limiter.acquire(deadline=10)
    assert clock.slept == []
    await limiter.acquire(deadline=100)  # waits the window out: the refused request took no slot
    assert clock.slept == [60]


async def _run_all(model: GroqModel, runs: int) -> tuple[int, int]:
    agent = Agent(model)
    finished = failed = 0

    async def one() -> None:
        nonlocal finished, failed
        try:
            await agent.run('hello')
            finished += 1
        except ModelHTTPError as e:
            assert e.kind == 'rate_limited'
            failed += 1

    async with anyio.create_task_group() as group:
        for _ in range(runs):
            group.start_soon(one)
    return finished, failed


async def test_limiter_avoids_429_storms():
    # One virtual clock for the emulator's bucket and the limiter: the result is the same on any machine.
    windows = RateLimitWindows(requests=20, window=0.2)
    runs = 60

    without = GroqEmulator(rate_limits=windows, clock=VirtualClock())
    finished, failed = await _run_all(GroqModel('llama-3.3-70b-versatile', groq_client=without.client()), runs)
    # No limiter, no retries, no time passing: the bucket takes 20, the rest fail.
    assert (finished, failed) == (20, 40)
    assert without.rate_limited_count == failed

    clock = VirtualClock()
    with_limiter = GroqEmulator(rate_limits=windows, clock=clock)
    limiter = GroqRateLimiter(requests_per_minute=20, window=0.2, clock=clock)
    client = with_limiter.client()
    await client.models.list()  # the SDK's first request looks up the platform on a thread the clock cannot see
    model = GroqModel('llama-3.3-70b-versatile', groq_client=client, rate_limit=limiter)
    finished, failed = await _run_all(model, runs)
    assert (finished, failed) == (runs, 0)
    assert with_limiter.rate_limited_count == 0
    assert clock.slept == [pytest.approx(0.2), pytest.approx(0.2)]  # two more windows for the 40 beyond the first 20


async def test_429_pauses_the_limiter_and_a_spent_budget_too():
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(429, headers={'retry-after': '7'})])
    limiter = GroqRateLimiter(clock=clock)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    with pytest.raises(ModelHTTPError) as exc_info:
        await Agent(model).run('first')
    assert exc_info.value.retry_after == 7
    assert limiter.paused_for == 7

    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=1, window=30), clock=clock)
    limiter = GroqRateLimiter(clock=clock)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    await Agent(model).run('first')  # the response says no requests remain for a while
    assert limiter.paused_for == 30


@pytest.mark.parametrize('retry_after', ['inf', 'nan', '-5', 'soon'])
async def test_a_429s_unusable_retry_after_pauses_one_window_at_most(retry_after: str):
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(429, headers={'retry-after': retry_after})])
    limiter = GroqRateLimiter(window=20, clock=clock)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    with pytest.raises(ModelHTTPError) as exc_info:
        await Agent(model).run('first')
    assert exc_info.value.retry_after is None
    assert 'retry after' not in str(exc_info.value)
    assert limiter.paused_for == 20  # unknown: one window, as without the header


async def test_long_server_waits_are_cut_to_the_setting():
    clock = VirtualClock()
    limiter = GroqRateLimiter(clock=clock)
    emulator = GroqEmulator(
        [
            ErrorReply(429, headers={'retry-after': '3600'}),
            Reply(text='ok', headers={'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': 'inf'}),
            Reply(text='ok', headers={'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '23h'}),
        ]
    )
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    with pytest.raises(ModelHTTPError):
        await model.request(PROMPT, None, PARAMS)
    assert limiter.paused_for == 60  # the default cap, not an hour
    clock.advance(60)
    await model.request(PROMPT, None, PARAMS)
    assert limiter.paused_for == 0  # an infinite reset is ignored
    await model.request(PROMPT, {'groq_max_retry_wait': 5}, PARAMS)  # pyright: ignore[reportArgumentType]
    assert limiter.paused_for == 5
    assert 'groq_max_retry_wait' not in emulator.requests[-1]  # never sent


async def test_the_timeout_covers_the_wait_for_the_limiter():
    clock = VirtualClock()
    limiter = GroqRateLimiter(requests_per_minute=1, clock=clock)
    emulator = GroqEmulator(clock=clock)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter, clock=clock)
    await model.request(PROMPT, {'timeout': 10}, PARAMS)
    with pytest.raises(ModelAPIError) as exc_info:
        await model.request(PROMPT, {'timeout': 10}, PARAMS)
    assert exc_info.value.kind == 'timeout'
    assert 'waiting for the rate limiter' in str(exc_info.value)
    assert (clock.slept, emulator.served_count) == ([], 1)  # failed at once, nothing sent
    await model.request(PROMPT, {'timeout': 100}, PARAMS)
    assert (clock.slept, emulator.served_count) == ([60], 2)


# --- log lines ----------------------------------------------------------------------------------


def rate_limit_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == 'pydantic_ai_groq.rate_limit']


async def test_limiter_logs_each_wait_with_its_length_and_the_limit_that_holds_it(caplog: pytest.LogCaptureFixture):
    clock = VirtualClock()
    limiter = GroqRateLimiter(requests_per_minute=2, tokens_per_minute=100, window=10, clock=clock)
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq.rate_limit'):
        await limiter.acquire(10)
        await limiter.acquire(10)
        await limiter.acquire(10)  # a third request in one window: waits for the first to leave it
        await limiter.acquire(95)  # 10 tokens in the window, 95 more would pass 100
        limiter.backoff(3)
        await limiter.acquire()
        limiter.backoff(30)
        await limiter.acquire(95)  # the window holds it 7 s, the pause longer: the pause is named
    assert clock.slept == [10, 10, 3, 30]
    assert rate_limit_lines(caplog) == [
        (logging.DEBUG, 'Waiting 10 s before sending: 2 requests sent in the last 10 s (limit 2)'),
        (
            logging.DEBUG,
            'Waiting 10 s before sending: 10 tokens sent in the last 10 s and this request needs about 95 (limit 100)',
        ),
        (logging.INFO, 'Pausing requests for 3 s: 429 with retry-after 3 s'),
        (logging.DEBUG, 'Waiting 3 s before sending: paused: 429 with retry-after 3 s'),
        (logging.INFO, 'Pausing requests for 30 s: 429 with retry-after 30 s'),
        (logging.DEBUG, 'Waiting 30 s before sending: paused: 429 with retry-after 30 s'),
    ]


def test_limiter_logs_pauses_at_info_when_they_hold_requests_longer(caplog: pytest.LogCaptureFixture):
    limiter = GroqRateLimiter(window=20, clock=VirtualClock())
    with caplog.at_level(logging.INFO, logger='pydantic_ai_groq.rate_limit'):
        limiter.update({'remaining_tokens': 0, 'reset_tokens': 7.66, 'remaining_requests': 9, 'reset_requests': 50})
        limiter.update({'remaining_requests': 0, 'reset_requests': 2})  # within the pause already held: no line
        limiter.backoff(math.nan)  # ignored
        limiter.backoff(None)
        limiter.backoff(3600)
    assert rate_limit_lines(caplog) == [
        (logging.INFO, 'Pausing requests for 7.66 s: remaining_tokens is 0, reset in 7.66 s'),
        (logging.INFO, 'Pausing requests for 20 s: 429 without retry-after, one window of 20 s'),
        (logging.INFO, 'Pausing requests for 60 s: 429 with retry-after 3600 s (capped at 60 s)'),
    ]


async def test_a_429_through_the_model_logs_the_pause_and_the_wait_but_never_the_key_or_prompt(
    caplog: pytest.LogCaptureFixture,
):
    api_key = 'gsk_test_0123456789_this_key_must_never_be_logged'
    prompt = [ModelRequest.user_text_prompt('SECRET-prompt-do-not-log')]
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(429, headers={'retry-after': '7'}), Reply(text='ok')], api_key=api_key)
    model = GroqModel(
        'llama-3.3-70b-versatile', groq_client=emulator.client(api_key=api_key), rate_limit=GroqRateLimiter(clock=clock)
    )
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        with pytest.raises(ModelHTTPError):
            await model.request(prompt, None, PARAMS)
        await model.request(prompt, None, PARAMS)
    assert clock.slept == [7]
    assert rate_limit_lines(caplog) == [
        (logging.INFO, 'Pausing requests for 7 s: 429 with retry-after 7 s'),
        (logging.DEBUG, 'Waiting 7 s before sending: paused: 429 with retry-after 7 s'),
    ]
    ours = ' '.join(r.getMessage() for r in caplog.records if r.name.startswith('pydantic_ai_groq'))
    assert api_key not in ours and 'SECRET' not in ours
