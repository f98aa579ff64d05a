"""`StreamedRunResultSync`: a streamed run for scripts and threads, driven on the process's one sync event loop.

The run's event generator holds context across its yields (the toolsets' sessions, the
OpenTelemetry span, the HTTP stream), so it must be advanced from one task only. One driver
task on the sync loop (`_sync.py`) therefore opens the run, performs each step the caller
asks for (the next piece of text, the output, ...) and hands back its result; the caller's
thread waits for each step in turn. The driver leaves the run (closing the HTTP stream) once
the run has ended, when the caller closes the result, or when an iteration is left early.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

from .exceptions import UserError
from .messages import ModelMessage, ModelResponse
from .output import OutputDataT
from .usage import RunUsage

if TYPE_CHECKING:
    from .result import AgentRunResult, StreamedRunResult

__all__ = ('StreamedRunResultSync', 'sync_stream')

T = TypeVar('T')
S = TypeVar('S')
P = ParamSpec('P')
_Step = Callable[['StreamedRunResult[Any]'], Awaitable[Any]]
_Queued = tuple[_Step, 'concurrent.futures.Future[Any]'] | None  # a step and its caller, or None: close
_END: Any = object()  # an iteration has no more items


class StreamedRunResultSync(Generic[OutputDataT]):
    """A streamed run for synchronous code (from `agent.run_stream_sync(...)`): `StreamedRunResult`'s methods, sync.

    The run starts when the result is made and runs on the process's one sync event loop.
    Use it as a context manager (`with agent.run_stream_sync(...) as result:`), or read it to
    the end: leaving the block, `close()`, or leaving an iteration of `stream_text()`,
    `stream_output()` or `stream_responses()` early stops the run and closes its HTTP stream.
    """

    def __init__(self, open_run: Callable[[], AbstractAsyncContextManager[StreamedRunResult[OutputDataT]]]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise UserError(
                'run_stream_sync() cannot be called inside a running event loop (async code, Jupyter): '
                'use `async with agent.run_stream(...)` instead.'
            )
        self._lock = threading.Lock()  # one step at a time, whichever thread asks
        from ._sync import _LoopThread  # pyright: ignore[reportPrivateUsage]  # here: only sync callers start it

        self._loop = _LoopThread.shared().loop
        self._steps: asyncio.Queue[_Queued] | None = None
        self._ended: concurrent.futures.Future[None] = concurrent.futures.Future()  # the driver has left the run
        opened: concurrent.futures.Future[StreamedRunResult[OutputDataT]] = concurrent.futures.Future()
        self._driver = asyncio.run_coroutine_threadsafe(self._drive(open_run, opened), self._loop)
        self._result = opened.result()

    async def _drive(
        self,
        open_run: Callable[[], AbstractAsyncContextManager[StreamedRunResult[OutputDataT]]],
        opened: concurrent.futures.Future[StreamedRunResult[OutputDataT]],
    ) -> None:
        steps: asyncio.Queue[_Queued] = asyncio.Queue()
        self._steps = steps
        waiting: concurrent.futures.Future[Any] | None = None  # the caller of the step under way
        returned: tuple[bool, Any] = (False, UserError(_CLOSED))
        try:
            async with open_run() as result:
                opened.set_result(result)
                while (step := await steps.get()) is not None:
                    action, waiting = step
                    returned = await _outcome(action, result)
                    if result.is_complete or result._error is not None:  # pyright: ignore[reportPrivateUsage]
                        break  # the run has ended: leave it before answering, so later steps find it closed
                    _answer(waiting, returned)
                    waiting = None
        except BaseException as error:  # the run cancelled (an interrupt, the loop stopping), or a tool's interrupt
            for caller in (opened, waiting):
                if caller is not None and not caller.done():
                    caller.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
            # Any other (a KeyboardInterrupt from a tool) is the caller's to raise: raised here, it would stop the loop.
        finally:
            self._steps = None
            if waiting is not None and not waiting.done():
                _answer(waiting, returned)
            while not steps.empty():  # pragma: no cover - a step queued as an interrupt cancelled the run
                if (late := steps.get_nowait()) is not None:
                    late[1].set_exception(UserError(_CLOSED))
            self._ended.set_result(None)

    def _call(self, action: _Step) -> Any:
        """Perform `action` on the run in the driver task and return its result."""
        with self._lock:
            outcome: concurrent.futures.Future[Any] = concurrent.futures.Future()
            if self._steps is None:  # the run is closed: what remains is read without the driver
                return asyncio.run_coroutine_threadsafe(_awaited(action(self._result)), self._loop).result()
            try:
                self._loop.call_soon_threadsafe(self._put, (action, outcome))
                return outcome.result()
            except BaseException:
                if not outcome.done():  # interrupted while waiting (Ctrl-C): unwind the run before going on
                    self._driver.cancel()
                    with contextlib.suppress(Exception):  # how the run ended; a second interrupt goes through
                        self._ended.result()
                raise

    def _put(self, step: _Queued) -> None:
        if self._steps is None:  # pragma: no cover - a step sent as an interrupt cancelled the run
            if step is not None:
                step[1].set_exception(UserError(_CLOSED))
            return
        self._steps.put_nowait(step)

    def _iterate(self, start: Callable[[StreamedRunResult[Any]], AsyncIterator[T]]) -> Iterator[T]:
        async def begin(result: StreamedRunResult[Any]) -> AsyncIterator[T]:
            return start(result)

        iterator: AsyncIterator[T] = self._call(begin)

        async def step(_: StreamedRunResult[Any]) -> Any:
            return await anext(iterator, _END)

        try:
            while (item := self._call(step)) is not _END:
                yield item
        except GeneratorExit:  # left early (break, the iterator closed or dropped): stop the run
            self.close()
            raise

    def stream_text(
        self, *, delta: bool = False, debounce_by: float | None = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> Iterator[str]:
        """`StreamedRunResult.stream_text`, as a sync iterator (with its `InterimTextEnd` markers)."""
        return self._iterate(lambda result: result.stream_text(delta=delta, debounce_by=debounce_by, clock=clock))

    def stream_output(
        self, *, interval: float = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> Iterator[OutputDataT]:
        """`StreamedRunResult.stream_output`, as a sync iterator of partial outputs, then the output."""
        return self._iterate(lambda result: result.stream_output(interval=interval, clock=clock))

    def stream_responses(
        self, *, debounce_by: float | None = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> Iterator[tuple[ModelResponse, bool]]:
        """`StreamedRunResult.stream_responses`, as a sync iterator of `(response, is_last)`."""
        return self._iterate(lambda result: result.stream_responses(debounce_by=debounce_by, clock=clock))

    def get_output(self) -> OutputDataT:
        """Read the run to the end and return the validated output (see `StreamedRunResult.get_output`)."""
        return self._call(lambda result: result.get_output())

    @property
    def is_complete(self) -> bool:
        """Whether the run has finished and the output is validated."""
        return self._result.is_complete

    def usage(self) -> RunUsage:
        """Usage so far (complete once the run is)."""
        return self._call(_usage)

    def all_messages(self) -> list[ModelMessage]:
        """The whole history: the `message_history` given plus this run's messages."""
        return self._call(_all_messages)

    def new_messages(self) -> list[ModelMessage]:
        """The messages of this run only."""
        return self._call(_new_messages)

    def result(self) -> AgentRunResult[OutputDataT]:
        """The finished run's result (see `StreamedRunResult.result`)."""
        return self._result.result()

    def close(self) -> None:
        """Stop the run if it is still going, closing its HTTP stream; the messages so far stay readable."""
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if not self._ended.done():
            self._loop.call_soon_threadsafe(self._put, None)
            self._ended.result()

    def __enter__(self) -> StreamedRunResultSync[OutputDataT]:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def sync_stream(
    run_stream: Callable[Concatenate[S, P], AbstractAsyncContextManager[StreamedRunResult[T]]],
) -> Callable[Concatenate[S, P], StreamedRunResultSync[T]]:
    """`Agent.run_stream_sync` made from `Agent.run_stream`: the same arguments, a `StreamedRunResultSync`."""

    def run_stream_sync(self: S, /, *args: P.args, **kwargs: P.kwargs) -> StreamedRunResultSync[T]:
        """`run_stream` for scripts and threads (the same arguments): the run on the process's one sync event loop.

        Use `with agent.run_stream_sync(...) as result:` and read it with the sync methods of
        `StreamedRunResultSync` (`stream_text()`, `stream_output()`, `get_output()`, ...).

        Raises:
            UserError: When called inside a running event loop (use `async with agent.run_stream(...)` there).
        """
        return StreamedRunResultSync(lambda: run_stream(self, *args, **kwargs))

    return run_stream_sync


_CLOSED = 'The run was closed (its `with` block left, or an iteration of it left early); it has no more to stream.'


async def _outcome(action: _Step, result: StreamedRunResult[Any]) -> tuple[bool, Any]:
    """`(True, value)` when `action` returned, `(False, error)` when it raised an `Exception`."""
    try:
        return True, await action(result)
    except Exception as error:  # handed to the caller, whose thread raises it
        return False, error


def _answer(waiting: concurrent.futures.Future[Any], returned: tuple[bool, Any]) -> None:
    ok, value = returned
    if ok:
        waiting.set_result(value)
    else:
        waiting.set_exception(value)


async def _awaited(value: Awaitable[T]) -> T:
    return await value


async def _usage(result: StreamedRunResult[Any]) -> RunUsage:
    return result.usage()


async def _all_messages(result: StreamedRunResult[Any]) -> list[ModelMessage]:
    return result.all_messages()


async def _new_messages(result: StreamedRunResult[Any]) -> list[ModelMessage]:
    return result.new_messages()
