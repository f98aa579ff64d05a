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

import logging
import math
from collections import deque
from collections.abc import Mapping

import anyio

from .clock import SYSTEM_CLOCK, Clock

__all__ = ('DEFAULT_MAX_WAIT', 'GroqRateLimiter')

DEFAULT_MAX_WAIT = 60.0
"""The longest wait one server-sent `retry-after` or `x-ratelimit-reset-*` may impose by default (the groq
SDK caps its own retries' waits at 60 s too); `GroqModelSettings.groq_max_retry_wait` changes it."""

_logger = logging.getLogger(__name__)


class GroqRateLimiter:
    """Spaces requests so a window never carries more than the configured requests and tokens.

    Share one limiter between everything that uses the same API key. It keeps a log of what
    was sent in the last `window` seconds (a sliding window, so no burst at a window's edge),
    and after Groq reports an exhausted budget or answers 429 it holds every request until
    the reset time it gave, at most `max_pause` seconds later.

    Args:
        requests_per_minute: Most requests per window; `None` for no request limit.
        tokens_per_minute: Most tokens per window, counted from an estimate of each request before sending.
        window: The window in seconds; 60 for Groq's per-minute limits.
        clock: What the limiter reads the time from and sleeps on (a `VirtualClock` in tests).
    """

    def __init__(
        self,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        *,
        window: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if requests_per_minute is not None and requests_per_minute < 1:
            raise ValueError(f'requests_per_minute must be >= 1, got {requests_per_minute}')
        if tokens_per_minute is not None and tokens_per_minute < 1:
            raise ValueError(f'tokens_per_minute must be >= 1, got {tokens_per_minute}')
        if not (math.isfinite(window) and window > 0):
            raise ValueError(f'window must be > 0 seconds, got {window}')
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.window = window
        self.clock = clock
        self._sent: deque[tuple[float, int]] = deque()  # (time sent, tokens) within the window
        self._tokens_in_window = 0
        self._paused_until = -math.inf
        self._pause_reason = ''
        self._lock = anyio.Lock()
        self.waited = 0.0
        """Seconds spent waiting in `acquire`, summed over all requests (for monitoring)."""

    @property
    def paused_for(self) -> float:
        """Seconds from now until the pause after a spent budget or a 429 ends (0 when not paused)."""
        return max(0.0, self._paused_until - self.clock.now())

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0][0] <= now - self.window:
            self._tokens_in_window -= self._sent.popleft()[1]

    def _delay(self, now: float, tokens: int) -> tuple[float, str]:
        """How long a request of `tokens` must wait, and which limit holds it: `pause`, `requests` or `tokens`."""
        self._forget_old(now)
        delay, limit = max(0.0, self._paused_until - now), 'pause'
        if self.requests_per_minute is not None and len(self._sent) >= self.requests_per_minute:
            oldest_needed = self._sent[len(self._sent) - self.requests_per_minute][0]
            if (wait := oldest_needed + self.window - now) > delay:
                delay, limit = wait, 'requests'
        if self.tokens_per_minute is not None and self._sent:
            budget = self.tokens_per_minute - min(tokens, self.tokens_per_minute)
            excess = self._tokens_in_window - budget
            for sent_at, sent_tokens in self._sent:
                if excess <= 0:
                    break
                excess -= sent_tokens
                if (wait := sent_at + self.window - now) > delay:
                    delay, limit = wait, 'tokens'
        return delay, limit

    def _wait_reason(self, limit: str, tokens: int) -> str:
        """Why a request waits, for the log line."""
        if limit == 'requests':
            return f'{len(self._sent)} requests sent in the last {self.window:g} s (limit {self.requests_per_minute})'
        if limit == 'tokens':
            return (
                f'{self._tokens_in_window} tokens sent in the last {self.window:g} s and this request needs'
                f' about {tokens} (limit {self.tokens_per_minute})'
            )
        return f'paused: {self._pause_reason}'

    async def acquire(self, tokens: int = 0, *, deadline: float | None = None) -> None:
        """Wait until a request of about `tokens` tokens may be sent, and count it as sent.

        Args:
            tokens: The request's estimated tokens.
            deadline: When set, a time on the limiter's clock the request must be sent by.

        Raises:
            TimeoutError: When the request could not be sent before `deadline`; it is not counted then.
        """
        async with self._lock:  # first come, first served
            while True:
                now = self.clock.now()
                delay, limit = self._delay(now, tokens)
                if delay <= 0:
                    self._sent.append((now, tokens))
                    self._tokens_in_window += tokens
                    return
                if deadline is not None and now + delay > deadline:
                    raise TimeoutError(f'the rate limit allows the next request in {delay:.3g}s, past the deadline')
                _logger.debug('Waiting %.3g s before sending: %s', delay, self._wait_reason(limit, tokens))
                self.waited += delay
                await self.clock.sleep(delay)

    def update(self, rate_limit: Mapping[str, float], *, max_pause: float = DEFAULT_MAX_WAIT) -> None:
        """Learn from a response's parsed `x-ratelimit-*` headers: pause when a budget is spent.

        Args:
            rate_limit: The headers as `provider_details['rate_limit']` holds them (parsed by the model).
            max_pause: The longest pause one reset time may cause, in seconds.
        """
        for remaining, reset in (('remaining_requests', 'reset_requests'), ('remaining_tokens', 'reset_tokens')):
            if rate_limit.get(remaining) == 0 and (seconds := rate_limit.get(reset)):
                self._pause(seconds, max_pause, f'{remaining} is 0, reset in {seconds:g} s')

    def backoff(self, retry_after: float | None, *, max_pause: float = DEFAULT_MAX_WAIT) -> None:
        """After a 429: hold every request for `retry_after` seconds (one window when unknown).

        Args:
            retry_after: The 429's `retry-after` in seconds, or `None`.
            max_pause: The longest pause, in seconds.
        """
        if retry_after is None:
            self._pause(self.window, max_pause, f'429 without retry-after, one window of {self.window:g} s')
        else:
            self._pause(retry_after, max_pause, f'429 with retry-after {retry_after:g} s')

    def _pause(self, seconds: float, max_pause: float, reason: str) -> None:
        # A NaN, negative or infinite wait from a server must never stop requests for good.
        if not seconds >= 0:
            return
        until = self.clock.now() + min(seconds, max_pause)
        if until <= self._paused_until:
            return  # an earlier pause already holds requests at least as long
        self._paused_until = until
        self._pause_reason = reason + (f' (capped at {max_pause:g} s)' if seconds > max_pause else '')
        _logger.info('Pausing requests for %.3g s: %s', min(seconds, max_pause), self._pause_reason)
