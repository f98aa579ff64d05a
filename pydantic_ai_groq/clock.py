"""The clock that every wait of the package reads and sleeps on, injectable for tests.

The rate limiter, the retries of Groq's 498 and the emulator's rate-limit windows take a `Clock`;
by default they use `SYSTEM_CLOCK` (`time.monotonic` and `anyio.sleep`). Tests hand them one
`pydantic_ai_groq.testing.VirtualClock` instead, so what they check never depends on how fast the
machine is.
"""

from __future__ import annotations

import time
from typing import Protocol

import anyio

__all__ = ('SYSTEM_CLOCK', 'Clock', 'SystemClock')


class Clock(Protocol):
    """Where the time comes from, and how to wait."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences count)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (at least 0) on this clock."""
        ...


class SystemClock:
    """The real time: `time.monotonic()` and `anyio.sleep()`."""

    def now(self) -> float:
        """Seconds of `time.monotonic()`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await anyio.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
"""The default clock of everything that waits."""
