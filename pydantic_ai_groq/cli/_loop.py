"""An event loop for the command, on its own thread, whose coroutines Ctrl-C cancels.

The chat reads input with a plain blocking `input()` between answers, so the main thread runs
the conversation and hands each answer (or the model listing) to one event loop kept on a
background thread for the whole session: the loop is never blocked, and the HTTP client's
connections stay bound to the loop that made them.

While a coroutine runs, the first SIGINT cancels its task, and `run` returns (raising
`Interrupted`) once the task has finished: cancelling unwinds the coroutine through its `finally`
blocks and `async with` exits, so the HTTP stream is closed and the agent has put what arrived
before the cancel in its history. Because Python runs signal handlers on the main thread, which
only waits here, a `KeyboardInterrupt` can never land in the middle of the event loop's own
code; a second SIGINT, before the cancelled task has finished, raises it in the waiting thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

from .._sync import drain, settle

__all__ = ('EventLoop', 'Interrupted')

T = TypeVar('T')


class Interrupted(Exception):
    """Ctrl-C cancelled the coroutine `EventLoop.run` was running."""


class EventLoop:
    """An asyncio event loop on a daemon thread, running one coroutine at a time for the main thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name='pydantic-ai-groq-loop', daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and wait for it to finish.

        Args:
            coro: The coroutine to run.

        Returns:
            What the coroutine returned.

        Raises:
            Interrupted: When Ctrl-C (SIGINT) cancelled it; it has finished when this is raised.
            KeyboardInterrupt: On a second Ctrl-C before the cancelled coroutine has finished.
        """
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        tasks: list[asyncio.Task[T]] = []
        interrupts = 0

        def start() -> None:
            task = self._loop.create_task(coro)
            task.add_done_callback(lambda done: settle(outcome, done))
            tasks.append(task)

        def cancel() -> None:
            tasks[0].cancel()  # `start` ran first: the loop runs callbacks in the order they were scheduled

        def on_sigint(signum: int, frame: FrameType | None) -> None:
            nonlocal interrupts
            interrupts += 1
            if interrupts > 1:
                raise KeyboardInterrupt
            # Only the loop touches the task; scheduling a callback is safe from a signal handler.
            self._loop.call_soon_threadsafe(cancel)

        # Signal handlers can only be set in the main thread; elsewhere Ctrl-C never reaches us anyway.
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, on_sigint) if in_main_thread else None
        try:
            self._loop.call_soon_threadsafe(start)
            return outcome.result()
        except concurrent.futures.CancelledError:
            if interrupts:
                raise Interrupted from None
            raise
        finally:
            if in_main_thread:
                signal.signal(signal.SIGINT, previous)

    def close(self) -> None:
        """Cancel what still runs (after a second Ctrl-C), finish async generators, stop and close the loop."""
        asyncio.run_coroutine_threadsafe(drain(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
