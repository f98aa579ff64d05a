"""A clock for tests: time jumps ahead when every task waits, or when the test moves it."""

from __future__ import annotations

import math

import anyio
import anyio.lowlevel
import anyio.to_thread

__all__ = ('VirtualClock',)


class VirtualClock:
    """A `pydantic_ai_groq.clock.Clock` on which a sleep takes no real time, like Trio's autojumping clock.

    Hand one to `GroqRateLimiter(clock=...)`, `GroqModel(clock=...)` and `GroqEmulator(clock=...)`: the
    limiter's waits, the retries' backoff and the emulator's rate-limit windows then share a time that
    advances by exactly what was waited, so a test of an hour of rate limiting runs in milliseconds and
    gives the same answer on a loaded machine as on an idle one.

    A sleep lets every other task run until all of them wait (for a lock, an event, a response or a sleep
    of their own) and no `anyio.to_thread` work is left (the groq SDK's first request and sync tools run
    there); then the time jumps to the earliest sleeper's wake-up time and that sleeper goes on. So
    requests already under way reach the emulator at the time they were sent, however slow the machine.
    Use it in-process (`GroqEmulator.client()`): a server on another thread or socket is not waited for,
    nor are real sleeps (`Reply.delay`) or `asyncio.to_thread` work. The groq SDK runs its platform lookup
    that way on a client's first request: send one (`await client.models.list()`) before a concurrent
    burst whose timing the test checks.

    Attributes:
        time: The current time in seconds.
        slept: Every sleep, in the order they began, in seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.time = start
        self.slept: list[float] = []
        self._wake_times: list[float] = []
        self._moved: anyio.Event | None = None  # made in the event loop, by the first sleeper that waits on it

    def now(self) -> float:
        """The current virtual time."""
        return self.time

    async def sleep(self, seconds: float) -> None:
        """Wait until the virtual time is `seconds` later.

        Raises:
            ValueError: For a negative or NaN wait, as `anyio.sleep` (asyncio) does.
        """
        if math.isnan(seconds) or seconds < 0:
            raise ValueError(f'sleep length must be a non-negative number, got {seconds}')
        self.slept.append(seconds)
        wake_time = self.time + seconds
        self._wake_times.append(wake_time)
        try:
            while self.time < wake_time:
                if wake_time > min(self._wake_times):
                    if self._moved is None:
                        self._moved = anyio.Event()
                    await self._moved.wait()  # an earlier sleeper moves the time first
                    continue
                await _quiescent()
                if wake_time == min(self._wake_times):
                    self._move_to(wake_time)
        finally:
            self._wake_times.remove(wake_time)
        await anyio.lowlevel.checkpoint()

    def advance(self, seconds: float) -> None:
        """Move the time forward without sleeping (time passing between two steps of a test)."""
        self._move_to(self.time + seconds)

    def _move_to(self, time: float) -> None:
        self.time = max(self.time, time)
        if self._moved is not None:
            self._moved.set()
            self._moved = None


async def _quiescent() -> None:
    """Return once every other task waits and no worker thread of `anyio.to_thread` is busy."""
    threads = anyio.to_thread.current_default_thread_limiter()
    await anyio.wait_all_tasks_blocked()
    while threads.borrowed_tokens:
        await anyio.sleep(0.01)  # real time: the thread's work, however slow, must end first
        await anyio.wait_all_tasks_blocked()
