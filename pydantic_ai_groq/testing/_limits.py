"""Rate limits: Groq's `x-ratelimit-*` headers, and optional enforced windows answered with Groq's 429s."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..clock import SYSTEM_CLOCK, Clock
from ._wire import error_json

__all__ = ('Counters', 'RateLimitWindows', 'Refusal', 'WindowLimiter', 'go_duration')

_DEFAULT_REQUESTS = 14_400
_DEFAULT_TOKENS = 300_000
_DAY = 86_400.0
_MINUTE = 60.0
_UPGRADE = 'Upgrade to Dev Tier today at https://console.groq.com/settings/billing'
# Float noise must not make a bucket refilled for exactly the advertised time refuse a request.
_EPSILON = 1e-9

_Kind = Literal['requests', 'tokens']


@dataclass(frozen=True)
class RateLimitWindows:
    """Rate limits the emulator enforces, in Groq's way, for load tests of client-side limiting.

    Each limit is a bucket holding `requests` (or `tokens`) that refills continuously, from empty to full
    in `window` seconds: Groq's per-minute limits with time compressed. A request is refused with a 429
    when fewer than one request, or fewer than the tokens it asks for, are left. A chat request asks for
    the emulator's estimate of its prompt tokens plus its `max_completion_tokens` (or `max_tokens`); a
    request asking for more than `tokens` at all gets Groq's 413 instead. A served reply then takes the
    tokens its usage reports (total minus cached tokens, which Groq does not count), so the tokens left can
    go below zero until the bucket refills.

    Every response reports the buckets in `x-ratelimit-limit-*`, `x-ratelimit-remaining-*` (whole
    requests or tokens left) and `x-ratelimit-reset-*` (the time until the bucket is full again, in Go's
    duration format as Groq sends it: `2m59.56s`, `7.66s`, `120ms`). A 429 also carries `retry-after`: the
    seconds until the request would be accepted, rounded up to a whole second.

    Attributes:
        requests: Requests per window; `None` does not limit requests (the headers then report Groq's
            default of 14,400, never enforced).
        tokens: Tokens per window; `None` does not limit tokens (the headers then report Groq's default of
            300,000, never enforced).
        window: Seconds for an empty bucket to refill, e.g. `60.0` for Groq's per-minute limits or `1.0` for
            a load test that compresses a minute into a second.
    """

    requests: int | None = None
    tokens: int | None = None
    window: float = 60.0

    def __post_init__(self) -> None:
        if not self.window > 0:
            raise ValueError(f'window must be positive, got {self.window}')
        for name, limit in (('requests', self.requests), ('tokens', self.tokens)):
            if limit is not None and limit < 1:
                raise ValueError(f'{name} must be at least 1, got {limit}')


@dataclass(frozen=True)
class Refusal:
    """A request the windows refuse: a 429 (or a 413 for a request that can never fit)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class _Bucket:
    kind: _Kind
    limit: int
    window: float
    enforced: bool
    level: float
    updated: float

    def refill(self, now: float) -> None:
        gained = (now - self.updated) * self.limit / self.window
        self.level = min(float(self.limit), self.level + gained)
        self.updated = now

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.level + _EPSILON))

    def has(self, amount: float) -> bool:
        return not self.enforced or self.level + _EPSILON >= amount

    def seconds_until(self, level: float) -> float:
        return max(0.0, (level - self.level) * self.window / self.limit)

    def headers(self) -> dict[str, str]:
        return {
            f'x-ratelimit-limit-{self.kind}': str(self.limit),
            f'x-ratelimit-remaining-{self.kind}': str(self.remaining),
            f'x-ratelimit-reset-{self.kind}': go_duration(self.seconds_until(self.limit), quantum=0.01),
        }


class _RequestsAndTokens:
    """A requests bucket and a tokens bucket, refilled on read from one clock."""

    def __init__(self, clock: Clock, requests: _Bucket, tokens: _Bucket) -> None:
        self.clock = clock
        self._requests = requests
        self._tokens = tokens

    def headers(self) -> dict[str, str]:
        """Return the `x-ratelimit-*` headers of the current state."""
        self._refill()
        return {**self._requests.headers(), **self._tokens.headers()}

    def _refill(self) -> None:
        now = self.clock.now()
        self._requests.refill(now)
        self._tokens.refill(now)


class WindowLimiter(_RequestsAndTokens):
    """The state of `RateLimitWindows`: two refilling buckets, read and changed under the emulator's lock."""

    def __init__(self, windows: RateLimitWindows, clock: Clock = SYSTEM_CLOCK) -> None:
        now = clock.now()
        super().__init__(
            clock,
            _bucket('requests', windows.requests, _DEFAULT_REQUESTS, windows.window, now),
            _bucket('tokens', windows.tokens, _DEFAULT_TOKENS, windows.window, now),
        )

    def admit(self, model: str, service_tier: str, requested_tokens: int) -> Refusal | None:
        """Take one request from the buckets, or return why it is refused."""
        self._refill()
        if not self._requests.has(1):
            return self._too_many(self._requests, model, service_tier, 1)
        if self._tokens.enforced and requested_tokens > self._tokens.limit:
            message = (
                f'Request too large for model `{model}` in organization `org_emulator` service tier '
                f'`{service_tier}` on tokens per minute (TPM): Limit {self._tokens.limit}, Requested '
                f'{requested_tokens}, please reduce your message size and try again. Need more tokens? {_UPGRADE}'
            )
            body = error_json(message, code='rate_limit_exceeded', error_type='tokens')
            return Refusal(413, body, self.headers())
        if not self._tokens.has(requested_tokens):
            return self._too_many(self._tokens, model, service_tier, requested_tokens)
        self._requests.level -= 1
        return None

    def charge(self, tokens: int) -> None:
        """Take the tokens a served reply used."""
        self._refill()
        self._tokens.level -= tokens

    def _too_many(self, bucket: _Bucket, model: str, service_tier: str, requested: int) -> Refusal:
        wait = bucket.seconds_until(requested)
        per_minute = 'requests per minute (RPM)' if bucket.kind == 'requests' else 'tokens per minute (TPM)'
        message = (
            f'Rate limit reached for model `{model}` in organization `org_emulator` service tier `{service_tier}` '
            f'on {per_minute}: Limit {bucket.limit}, Used {bucket.limit - bucket.remaining}, Requested {requested}. '
            f'Please try again in {go_duration(wait, quantum=0.001)}. Need more {bucket.kind}? {_UPGRADE}'
        )
        body = error_json(message, code='rate_limit_exceeded', error_type=bucket.kind)
        # Groq rounds `retry-after` up to whole seconds, so waiting that long always succeeds.
        retry_after = max(1, math.ceil(wait - _EPSILON))
        return Refusal(429, body, {**self.headers(), 'retry-after': str(retry_after)})


class Counters(_RequestsAndTokens):
    """Groq's default limits, reported and never enforced: 14,400 requests per day and 300,000 tokens per minute.

    Each refills continuously as Groq's do (the tokens in a minute, the requests in a day), so a long load test
    against the emulator sees the budget come back instead of a reset time that only grows.
    """

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        now = clock.now()
        super().__init__(
            clock,
            _bucket('requests', None, _DEFAULT_REQUESTS, _DAY, now),
            _bucket('tokens', None, _DEFAULT_TOKENS, _MINUTE, now),
        )

    def count(self, *, requests: int = 0, tokens: int = 0) -> None:
        """Take requests and tokens from the budgets."""
        self._refill()
        self._requests.level -= requests
        self._tokens.level -= tokens


def go_duration(seconds: float, *, quantum: float) -> str:
    """Format like Go's `time.Duration`, as Groq does: `1h0m0s`, `2m59.56s`, `7.66s`, `120ms` or `0s`.

    Args:
        seconds: The duration; negative counts as zero.
        quantum: Rounding step in seconds, at least a millisecond; durations are rounded up to it.

    Returns:
        The formatted duration.
    """
    step = round(quantum * 1000)
    # Float noise such as `179.56 * 100 == 17956.000000000004` must not round up a whole step.
    millis = max(0, math.ceil(seconds * 1000 / step - 1e-6)) * step
    if millis < 1000:
        return f'{millis}ms' if millis else '0s'
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, fraction = divmod(rest, 1000)
    text = f'{whole}.{fraction:03d}'.rstrip('0') if fraction else str(whole)
    prefix = f'{hours}h{minutes}m' if hours else (f'{minutes}m' if minutes else '')
    return f'{prefix}{text}s'


def _bucket(kind: _Kind, limit: int | None, default: int, window: float, now: float) -> _Bucket:
    size = default if limit is None else limit
    return _Bucket(kind, size, window, enforced=limit is not None, level=float(size), updated=now)
