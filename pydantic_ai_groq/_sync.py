"""Running a coroutine from synchronous code, with a clear error where that cannot work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from .exceptions import UserError

T = TypeVar('T')


def run_sync(main: Callable[[], Awaitable[T]], name: str, async_name: str) -> T:
    """Run `main` in a new event loop.

    Raises:
        UserError: When an event loop is already running in this thread (async code, Jupyter).
    """
    import asyncio  # only scripts call this; keep it off the import path

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(main)
    raise UserError(
        f'{name}() cannot be called inside a running event loop (async code, Jupyter): '
        f'use `await {async_name}(...)` instead.'
    )
