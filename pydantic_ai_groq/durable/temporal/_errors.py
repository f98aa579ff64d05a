"""What an activity's failure tells Temporal: retry it or not; and the payload size check on both sides."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Generator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import activity
from temporalio.converter import PayloadConverter
from temporalio.exceptions import ApplicationError

from ...exceptions import ModelHTTPError, UnexpectedModelBehavior, UsageLimitExceeded, UserError

__all__ = ('DEFAULT_MAX_PAYLOAD_BYTES', 'activity_errors', 'check_payload_size', 'heartbeating')

DEFAULT_MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
"""Temporal's default limit on one payload (`limit.blobSize.error`, 2 MiB); the server refuses larger ones."""

_T = TypeVar('_T')


@contextmanager
def activity_errors() -> Generator[None]:
    """Raise what retrying cannot fix as a non-retryable `ApplicationError`, typed by the original's class.

    `UserError`, `UnexpectedModelBehavior`, `UsageLimitExceeded` and HTTP errors other than 429, 498
    and 5xx are final; a 429 with `retry-after` is retried after that wait, not the policy's. Other
    errors (connection failures, timeouts) propagate and Temporal's retry policy retries them.
    """
    try:
        yield
    except ModelHTTPError as e:
        delay = timedelta(seconds=e.retry_after) if e.retry_after is not None else None
        raise ApplicationError(
            str(e), e.status_code, type='ModelHTTPError', non_retryable=not e.retryable, next_retry_delay=delay
        ) from e
    except (UserError, UnexpectedModelBehavior, UsageLimitExceeded) as e:
        raise ApplicationError(str(e), type=type(e).__name__, non_retryable=True) from e


async def heartbeating(awaitable: Awaitable[_T]) -> _T:
    """Await in the activity, heartbeating meanwhile when it has a heartbeat timeout (so a lost worker shows)."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        return await awaitable
    interval = timeout.total_seconds() / 3

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

    beats = asyncio.ensure_future(beat())
    try:
        return await awaitable
    finally:
        beats.cancel()


def check_payload_size(converter: PayloadConverter, value: Any, limit: int, what: str) -> None:
    """Fail for good, with a clear message, when `value` would be refused by the server for its size.

    Without this, an oversized payload is rejected by the server and the attempt retried forever.

    Raises:
        ApplicationError: Non-retryable, of type `PayloadTooLarge`.
    """
    size = sum(payload.ByteSize() for payload in converter.to_payloads([value]))
    if size > limit:
        raise ApplicationError(
            f'{what} is {size:,} bytes serialised, over the {limit:,}-byte limit of one Temporal payload; '
            'return less from tools (e.g. a reference to stored data), keep fewer messages in the history, '
            'or raise max_payload_bytes to match your server.',
            type='PayloadTooLarge',
            non_retryable=True,
        )
