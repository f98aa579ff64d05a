"""Rate-limit headers and the client-side limiter, against the emulator's rate-limit windows."""

from __future__ import annotations

import time

import anyio
import pytest

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import ModelHTTPError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.rate_limit import GroqRateLimiter, parse_duration, parse_rate_limit_headers
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, RateLimitWindows


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


def test_limiter_arguments():
    for kwargs, message in (
        ({'requests_per_minute': 0}, 'requests_per_minute must be >= 1'),
        ({'tokens_per_minute': 0}, 'tokens_per_minute must be >= 1'),
        ({'window': 0}, 'window must be > 0 seconds'),
    ):
        with pytest.raises(ValueError, match=message):
            GroqRateLimiter(**kwargs)  # type: ignore[arg-type]


async def test_limiter_spaces_requests_and_tokens():
    limiter = GroqRateLimiter(requests_per_minute=3, tokens_per_minute=100, window=0.2)
    start = time.monotonic()
    for _ in range(3):
        await limiter.acquire(10)
    assert limiter.waited == 0  # within the window's budget: no waiting
    await limiter.acquire(10)  # the 4th request waits for the oldest to leave the window
    assert limiter.waited > 0
    assert time.monotonic() - start >= 0.15
    waited = limiter.waited
    await limiter.acquire(200)  # more tokens than the whole budget: waits until the window is empty, then goes
    assert limiter.waited > waited


async def test_limiter_pauses_on_spent_budgets_and_429s():
    limiter = GroqRateLimiter(window=60)
    limiter.update({'remaining_requests': 5, 'reset_requests': 30})  # budget left: no pause
    await limiter.acquire()
    assert limiter.waited == 0
    limiter.update({'remaining_tokens': 0, 'reset_tokens': 0.05})
    await limiter.acquire()
    assert limiter.waited == pytest.approx(0.05, abs=0.03)
    limiter.backoff(0.05)
    await limiter.acquire()
    assert limiter.waited == pytest.approx(0.1, abs=0.05)
    limiter.backoff(None)  # unknown: a whole window
    assert limiter._paused_until - time.monotonic() > 50  # pyright: ignore[reportPrivateUsage]


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
    windows = RateLimitWindows(requests=20, window=0.2)
    runs = 60

    without = GroqEmulator(rate_limits=windows)
    finished, failed = await _run_all(GroqModel('llama-3.3-70b-versatile', groq_client=without.client()), runs)
    # No limiter, no retries: what the bucket cannot take (about 20, plus what refills meanwhile) fails.
    assert failed >= runs // 2
    assert finished + failed == runs
    assert without.rate_limited_count == failed

    with_limiter = GroqEmulator(rate_limits=windows)
    limiter = GroqRateLimiter(requests_per_minute=20, window=0.2)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=with_limiter.client(max_retries=2), rate_limit=limiter)
    finished, failed = await _run_all(model, runs)
    assert (finished, failed) == (runs, 0)
    assert with_limiter.rate_limited_count <= runs // 10  # bucket edges may still refuse a few
    assert limiter.waited > 0


async def test_429_pauses_the_limiter_and_a_spent_budget_too():
    emulator = GroqEmulator([ErrorReply(429, headers={'retry-after': '7'})])
    limiter = GroqRateLimiter()
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    with pytest.raises(ModelHTTPError) as exc_info:
        await Agent(model).run('first')
    assert exc_info.value.retry_after == 7
    assert limiter._paused_until - time.monotonic() > 6  # pyright: ignore[reportPrivateUsage]

    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=1, window=30))
    limiter = GroqRateLimiter()
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), rate_limit=limiter)
    await Agent(model).run('first')  # the response says no requests remain for a while
    assert limiter._paused_until - time.monotonic() > 20  # pyright: ignore[reportPrivateUsage]
