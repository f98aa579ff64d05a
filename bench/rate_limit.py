"""Client-side rate limiting: 200 concurrent agent runs against the emulator's rate-limit windows.

Groq's per-minute request limit is compressed in time (30 requests per 0.5 s window). Without
a limiter, the runs hit the limit together; the SDK retries each 429 after `retry-after` (whole
seconds, at least 1) and they collide again. With a shared `GroqRateLimiter` set to the same
limit, requests are spaced out before sending. Reported: runs finished, 429s served, wall time.
"""

from __future__ import annotations

import time

import anyio

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import ModelHTTPError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.rate_limit import GroqRateLimiter
from pydantic_ai_groq.testing import GroqEmulator, RateLimitWindows

from ._harness import Options, Row, Target

__all__ = ('run',)

RUNS = 200
REQUESTS_PER_WINDOW = 30
WINDOW_SECONDS = 0.5
NAME = 'rate limit: 429s, 200 runs, 30 req/window'


async def _scenario(limited: bool) -> tuple[int, int, int, float]:
    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=REQUESTS_PER_WINDOW, window=WINDOW_SECONDS))
    limiter = GroqRateLimiter(requests_per_minute=REQUESTS_PER_WINDOW, window=WINDOW_SECONDS) if limited else None
    # The SDK's default retry budget (2), honouring retry-after, in both cases.
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=2), rate_limit=limiter)
    agent = Agent(model)
    finished = 0

    async def one(index: int) -> None:
        nonlocal finished
        try:
            await agent.run(f'question {index}')
            finished += 1
        except ModelHTTPError:
            pass

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for index in range(RUNS):
            group.start_soon(one, index)
    elapsed = time.perf_counter() - start
    await model.client.close()
    return finished, emulator.rate_limited_count, emulator.served_count, elapsed


def run(options: Options) -> list[Row]:
    if not options.wants(NAME):
        return []
    ours = anyio.run(_scenario, True)
    baseline = anyio.run(_scenario, False)
    notes = [
        f'{RUNS} concurrent agent runs (one request each), emulator enforcing {REQUESTS_PER_WINDOW} requests per '
        f'{WINDOW_SECONDS} s window (a refilling bucket); SDK max_retries=2 honouring retry-after in both',
        f'with GroqRateLimiter: {ours[0]}/{RUNS} runs finished, {ours[1]} 429s, {ours[2]} served, {ours[3]:.1f} s',
        f'without: {baseline[0]}/{RUNS} runs finished, {baseline[1]} 429s, {baseline[2]} served, {baseline[3]:.1f} s',
        'target: every run finishes with the limiter (checked) and 429s are at most a tenth of those without',
    ]
    if ours[0] != RUNS:
        notes.append(f'MISS: only {ours[0]} of {RUNS} runs finished with the limiter')
    ratio = ours[1] / baseline[1] if baseline[1] else 0.0
    return [
        Row(
            NAME,
            ours[1],
            baseline[1],
            '429s',
            Target('ratio', 0.1),
            ratio=ratio if ours[0] == RUNS else 1.0,
            notes=notes,
        )
    ]
