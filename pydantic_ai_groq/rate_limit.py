"""Client-side rate limiting: wait before sending instead of provoking 429 storms.

Groq answers over-limit requests with 429 and `retry-after`; with many concurrent runs,
each of them hitting the limit, retrying and hitting it again wastes requests and time.
A `GroqRateLimiter` shared by the models (or agents) that use one API key spaces requests
out so that no more than the configured requests and tokens are sent per window, and
pauses everyone when Groq says the budget is spent (`x-ratelimit-remaining-*` at 0, or a
429's `retry-after`).

```python
limiter = GroqRateLimiter(requests_per_minute=30, tokens_per_minute=6_000)
model = GroqModel('llama-3.3-70b-versatile', rate_limit=limiter)
```
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Mapping

import anyio

__all__ = ('GroqRateLimiter', 'parse_duration', 'parse_rate_limit_headers')

_DURATION = re.compile(r'(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$')

_HEADER_FIELDS = {
    'x-ratelimit-limit-requests': 'limit_requests',
    'x-ratelimit-remaining-requests': 'remaining_requests',
    'x-ratelimit-reset-requests': 'reset_requests',
    'x-ratelimit-limit-tokens': 'limit_tokens',
    'x-ratelimit-remaining-tokens': 'remaining_tokens',
    'x-ratelimit-reset-tokens': 'reset_tokens',
}


def parse_duration(text: str) -> float | None:
    """Seconds in one of Groq's reset forms: `2m59.56s`, `7.66s`, `120ms`, `1h2m3s`, or a plain number."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not text or match is None:
        return None
    hours, minutes, seconds, millis = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def parse_rate_limit_headers(headers: Mapping[str, str]) -> dict[str, float]:
    """The `x-ratelimit-*` headers as numbers: limits and remaining counts, resets in seconds.

    Keys: `limit_requests`, `remaining_requests`, `reset_requests`, `limit_tokens`,
    `remaining_tokens`, `reset_tokens` (those the response carried). Groq's request
    limits are per day, its token limits per minute.
    """
    parsed: dict[str, float] = {}
    for header, key in _HEADER_FIELDS.items():
        value = headers.get(header)
        if value is None:
            continue
        number = parse_duration(value) if key.startswith('reset') else _number(value)
        if number is not None:
            parsed[key] = number
    return parsed


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


class GroqRateLimiter:
    """Spaces requests so a window never carries more than the configured requests and tokens.

    Share one limiter between everything that uses the same API key. It keeps a log of what
    was sent in the last `window` seconds (a sliding window, so no burst at a window's edge),
    and after Groq reports an exhausted budget or answers 429 it holds every request until
    the reset time it gave.

    Args:
        requests_per_minute: Most requests per window; `None` for no request limit.
        tokens_per_minute: Most tokens per window, counted from an estimate of each request before sending.
        window: The window in seconds; 60 for Groq's per-minute limits.
    """

    def __init__(
        self,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        *,
        window: float = 60.0,
    ) -> None:
        if requests_per_minute is not None and requests_per_minute < 1:
            raise ValueError(f'requests_per_minute must be >= 1, got {requests_per_minute}')
        if tokens_per_minute is not None and tokens_per_minute < 1:
            raise ValueError(f'tokens_per_minute must be >= 1, got {tokens_per_minute}')
        if window <= 0:
            raise ValueError(f'window must be > 0 seconds, got {window}')
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.window = window
        self._sent: deque[tuple[float, int]] = deque()  # (time sent, tokens) within the window
        self._tokens_in_window = 0
        self._paused_until = 0.0
        self._lock = anyio.Lock()
        self.waited = 0.0
        """Seconds spent waiting in `acquire`, summed over all requests (for monitoring)."""

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0][0] <= now - self.window:
            self._tokens_in_window -= self._sent.popleft()[1]

    def _delay(self, now: float, tokens: int) -> float:
        self._forget_old(now)
        delay = max(0.0, self._paused_until - now)
        if self.requests_per_minute is not None and len(self._sent) >= self.requests_per_minute:
            oldest_needed = self._sent[len(self._sent) - self.requests_per_minute][0]
            delay = max(delay, oldest_needed + self.window - now)
        if self.tokens_per_minute is not None and self._sent:
            budget = self.tokens_per_minute - min(tokens, self.tokens_per_minute)
            excess = self._tokens_in_window - budget
            for sent_at, sent_tokens in self._sent:
                if excess <= 0:
                    break
                excess -= sent_tokens
                delay = max(delay, sent_at + self.window - now)
        return delay

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until a request of about `tokens` tokens may be sent, and count it as sent."""
        async with self._lock:  # first come, first served
            while True:
                now = time.monotonic()
                delay = self._delay(now, tokens)
                if delay <= 0:
                    self._sent.append((now, tokens))
                    self._tokens_in_window += tokens
                    return
                self.waited += delay
                await anyio.sleep(delay)

    def update(self, rate_limit: Mapping[str, float]) -> None:
        """Learn from a response's parsed `x-ratelimit-*` headers: pause when a budget is spent."""
        now = time.monotonic()
        for remaining, reset in (('remaining_requests', 'reset_requests'), ('remaining_tokens', 'reset_tokens')):
            if rate_limit.get(remaining) == 0 and (seconds := rate_limit.get(reset)):
                self._paused_until = max(self._paused_until, now + seconds)

    def backoff(self, retry_after: float | None) -> None:
        """After a 429: hold every request for `retry_after` seconds (one window when unknown)."""
        seconds = self.window if retry_after is None else retry_after
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
