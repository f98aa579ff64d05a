"""Sending one chat completion request: the rate limiter, our retries of 498, the request's deadline.

The SDK retries connection errors, 408, 409, 429 and 5xx itself; Groq's flex tier answers 498 when
its capacity is exceeded, which the SDK does not retry and Groq's docs say to retry with backoff,
so `send_chat` does, within the same `max_retries` budget. A response's `x-ratelimit-*` headers are
parsed here, once, and the result serves both the limiter and `provider_details['rate_limit']`.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import anyio
import groq
import httpx

from ...clock import Clock
from ...exceptions import ModelAPIError, ModelHTTPError
from ...rate_limit import DEFAULT_MAX_WAIT, GroqRateLimiter
from ._errors import http_error, request_error
from ._headers import parse_rate_limit_headers
from ._log import logger

__all__ = ('CHAT_COMPLETIONS_PATH', 'Explain', 'Sent', 'Waits', 'send_chat')

CHAT_COMPLETIONS_PATH = '/openai/v1/chat/completions'

# Capacity errors (498) are not retried by the SDK; Groq's docs say to retry them with backoff.
_CAPACITY_BACKOFF_SECONDS = 0.5
_CAPACITY_BACKOFF_CAP_SECONDS = 8.0

Explain = Callable[[httpx.Response, ModelHTTPError], Awaitable[ModelHTTPError]]
"""Turns an error response's `ModelHTTPError` into the one to raise (with a hint where one helps)."""


@dataclass(frozen=True)
class Sent:
    """A successful response, and its `x-ratelimit-*` headers parsed once.

    Attributes:
        response: The HTTP response (a body to read, or a stream).
        rate_limit: The parsed headers (`parse_rate_limit_headers`), for `provider_details['rate_limit']`.
    """

    response: httpx.Response
    rate_limit: dict[str, float]


async def send_chat(
    client: groq.AsyncGroq,
    body: dict[str, Any],
    options: dict[str, Any],
    *,
    model_name: str,
    tokens: int,
    waits: Waits,
    limiter: GroqRateLimiter | None,
    explain: Explain,
    stream: bool,
) -> Sent:
    """Send one chat completion request, retrying 498 with backoff, through the rate limiter if any.

    Raises:
        ModelHTTPError: An error status (after `explain`), once retries of 498 are spent.
        ModelAPIError: A timeout (the SDK's, or the request's `timeout` passing during our waits), a lost connection.
    """
    attempt = 0
    while True:
        if limiter is not None:
            try:
                await limiter.acquire(tokens, deadline=waits.deadline)
            except TimeoutError as e:
                raise waits.timed_out(model_name, f'waiting for the rate limiter: {e}') from e
        try:
            response = await _post(client, body, waits.sdk_options(options), waits.remaining(), stream=stream)
        except groq.APIStatusError as e:
            error = http_error(e.response, model_name)
            if error.kind == 'capacity' and attempt < client.max_retries:
                attempt += 1
                await _wait_for_capacity(error, attempt, client.max_retries, waits)
                continue
            if limiter is not None and error.kind == 'rate_limited':
                limiter.backoff(error.retry_after, max_pause=waits.max_wait)
                logger.info('429 for %s: the rate limiter holds requests for %.3gs', model_name, limiter.paused_for)
            raise (await explain(e.response, error)) from e
        except TimeoutError as e:  # our own deadline: the `timeout` setting, covering our waits too
            url = f'{str(client.base_url).rstrip("/")}{CHAT_COMPLETIONS_PATH}'
            raise ModelAPIError(model_name, f'Request to Groq timed out ({url})', 'timeout') from e
        except groq.APIConnectionError as e:
            raise request_error(e, model_name) from e
        rate_limit = parse_rate_limit_headers(response.headers)
        if limiter is not None:
            limiter.update(rate_limit, max_pause=waits.max_wait)
        return Sent(response, rate_limit)


async def _post(
    client: groq.AsyncGroq, body: dict[str, Any], options: dict[str, Any], remaining: float | None, *, stream: bool
) -> httpx.Response:
    with anyio.fail_after(remaining) if remaining is not None else contextlib.nullcontext():
        return await client.post(
            CHAT_COMPLETIONS_PATH, cast_to=httpx.Response, body=body, options=cast(Any, options), stream=stream
        )


async def _wait_for_capacity(error: ModelHTTPError, attempt: int, max_retries: int, waits: Waits) -> None:
    """Sleep before retry `attempt` of a 498, or raise when the request's timeout would pass first."""
    wait = _capacity_backoff(attempt, error.retry_after, waits.max_wait)
    if not waits.allows(wait):
        raise waits.timed_out(error.model_name, f'a {wait:.3g}s wait before retrying') from error
    reason = 'as its retry-after says' if error.retry_after is not None else 'backing off with jitter'
    logger.info(
        '498 (flex capacity exceeded) for %s: retry %d of %d in %.3gs, %s',
        error.model_name,
        attempt,
        max_retries,
        wait,
        reason,
    )
    await waits.clock.sleep(wait)


def _capacity_backoff(attempt: int, retry_after: float | None, max_wait: float) -> float:
    if retry_after is not None:
        return min(retry_after, max_wait)
    # Full jitter: concurrent clients that failed together do not retry together.
    return random.uniform(0, min(_CAPACITY_BACKOFF_CAP_SECONDS, _CAPACITY_BACKOFF_SECONDS * 2**attempt, max_wait))


@dataclass(frozen=True)
class Waits:
    """How long one request may wait for us: its `timeout` as a deadline on the model's clock, and the wait cap."""

    clock: Clock
    deadline: float | None
    max_wait: float

    @classmethod
    def of(cls, clock: Clock, *layers: Mapping[str, Any] | None) -> Waits:
        """The waits of one request, from its settings layers (the request's first, then the model's)."""
        # Read from the layers directly: this runs on every request, merging them again would cost more.
        found = [layer for layer in layers if layer]
        timeout: float | None = next((layer['timeout'] for layer in found if 'timeout' in layer), None)
        max_wait = next((layer['groq_max_retry_wait'] for layer in found if 'groq_max_retry_wait' in layer), None)
        deadline = None if timeout is None else clock.now() + timeout
        return cls(clock, deadline, DEFAULT_MAX_WAIT if max_wait is None else max_wait)

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - self.clock.now())

    def sdk_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The SDK's per-attempt timeout is what is left of the request's, after our waits."""
        remaining = self.remaining()
        return options if remaining is None else {**options, 'timeout': remaining}

    def allows(self, seconds: float) -> bool:
        """Whether a wait of `seconds` ends before the deadline."""
        remaining = self.remaining()
        return remaining is None or seconds <= remaining

    def timed_out(self, model_name: str, during: str) -> ModelAPIError:
        message = f'Request to Groq timed out: its timeout would pass during {during}'
        return ModelAPIError(model_name, message, 'timeout')
