"""Running coroutines for synchronous callers, on one event loop thread shared by the process.

An httpx connection pool, and so a `groq.AsyncGroq`, belongs to the event loop that opened its
connections: a new loop per call would strand the last call's pooled connection, and the next
request would go out on it, lose its answer with the old loop and be sent again by the SDK. So
every sync call (`Agent.run_sync`, `model_request_sync`, `list_models_sync`) runs on one loop kept
on a daemon thread: connections are reused across calls and threads, a client the caller gave the
model serves every call, and many threads calling at once share one pool instead of racing on it.

The caller's context variables travel with the call (OpenTelemetry's current span among them). When
the waiting thread is interrupted (Ctrl-C), the run is cancelled and unwound (its HTTP stream
closed) before the interrupt goes on. At exit the loop cancels what is left and closes its clients;
a forked child starts a loop of its own.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .exceptions import UserError

T = TypeVar('T')

# At exit, how long the loop may take to cancel what still runs before the process leaves it behind.
_EXIT_GRACE_SECONDS = 5.0


def run_sync(main: Callable[[], Awaitable[T]], name: str, async_name: str) -> T:
    """Run `main` on the process's sync event loop and wait for its result.

    Raises:
        UserError: When an event loop is already running in this thread (async code, Jupyter).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _LoopThread.shared().run(main)
    raise UserError(
        f'{name}() cannot be called inside a running event loop (async code, Jupyter): '
        f'use `await {async_name}(...)` instead.'
    )


class _LoopThread:
    """An asyncio event loop running forever on a daemon thread, taking coroutines from any thread."""

    _shared: _LoopThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.abandoned = False
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name='pydantic-ai-groq-sync', daemon=True)
        self.thread.start()

    @classmethod
    def shared(cls) -> _LoopThread:
        """The process's loop thread, started on first use."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = _LoopThread()
                atexit.register(cls._shared.stop)
            return cls._shared

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        """Run `main` on the loop, in a copy of the caller's context, and wait for it."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        tasks: list[asyncio.Task[T]] = []

        async def call() -> T:
            return await main()

        def start() -> None:
            # This callback runs in a copy of the caller's context, which the task copies in turn.
            task = self.loop.create_task(call())
            task.add_done_callback(lambda done: settle(outcome, done))
            tasks.append(task)

        try:
            self.loop.call_soon_threadsafe(start)
            return outcome.result()
        except BaseException:
            if not outcome.done():
                # Interrupted while waiting: unwind the run (closing its stream) before passing the interrupt on.
                self.loop.call_soon_threadsafe(lambda: tasks[0].cancel())  # `start` ran first: callbacks run in order
                with contextlib.suppress(Exception):  # how the run ended; a second interrupt goes through
                    outcome.result()
            raise

    def stop(self) -> None:
        """Cancel what still runs, close async generators (and so the clients of this loop), close the loop."""
        if self.abandoned:  # pragma: no cover - in a forked child (see the fork test), where the thread is gone
            return
        drained = asyncio.run_coroutine_threadsafe(drain(), self.loop)
        try:
            drained.result(_EXIT_GRACE_SECONDS)
        except concurrent.futures.TimeoutError:  # pragma: no cover - a task that ignores cancellation
            return  # the daemon thread goes with the process
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    @classmethod
    def forget_after_fork(cls) -> None:  # pragma: no cover - runs in forked children (see the fork test)
        """In a forked child, which has none of the parent's threads: start a loop of its own when needed."""
        if cls._shared is not None:
            cls._shared.abandoned = True
            # Kept from the garbage collector, which would warn about a loop that can no longer be closed.
            _ABANDONED.append(cls._shared)
        cls._shared = None
        cls._lock = threading.Lock()


_ABANDONED: list[_LoopThread] = []

if hasattr(os, 'register_at_fork'):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_LoopThread.forget_after_fork)


def settle(outcome: concurrent.futures.Future[T], task: asyncio.Task[T]) -> None:
    """Hand the finished task's result, exception or cancellation to the waiting thread."""
    if task.cancelled():
        outcome.cancel()
    elif (error := task.exception()) is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(task.result())


async def drain() -> None:
    """Cancel every other task of the running loop, wait for them, and close its async generators."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
