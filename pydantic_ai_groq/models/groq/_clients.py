"""Which `groq.AsyncGroq` a `GroqModel` sends with on the running event loop.

An httpx connection pool belongs to the event loop that opened its connections. Reused from another
loop (a second `asyncio.run`, another thread's loop), a request goes out on the old socket, its answer
is lost with the old loop, and the SDK sends the request again: a billed, rate-limited request thrown
away, or a failure with `max_retries=0`. So:

- a client the model builds itself (from a key and URL) has one copy per event loop, closed when its
  loop shuts down (`asyncio.run`, `anyio.run` and `asyncio.Runner` close async generators at the end:
  a suspended generator per loop closes the client then);
- a client the caller gave (`groq_client`, `http_client`) cannot be copied, so the model refuses to
  use it from a second event loop, before anything is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import ssl
import sys
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import Any

import groq
import httpx

from ...exceptions import UserError

__all__ = ('GivenClient', 'OwnClients', 'default_http_client', 'make_client')


_Entry = tuple[groq.AsyncGroq, AsyncGenerator[None]]


class OwnClients:
    """Copies of a client the model built, one per event loop, each closed with its loop.

    Args:
        template: The configured client; its copies share its key, URL, timeout and retries.
    """

    def __init__(self, template: groq.AsyncGroq) -> None:
        self._template = template
        # Loop -> (its client, the generator that closes the client when the loop shuts down).
        self._clients: dict[asyncio.AbstractEventLoop, _Entry] = {}
        # When the model goes first, its clients are closed on their loops. The finalizer holds them, so
        # they are never part of the model's garbage: collecting a cycle would finalize their open sockets.
        weakref.finalize(self, _close_all, self._clients).atexit = False

    async def get(self) -> groq.AsyncGroq:
        """The copy for the running event loop, made on the loop's first request."""
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is None:
            entry = await self._open(loop)
        return entry[0]

    async def _open(self, loop: asyncio.AbstractEventLoop) -> _Entry:
        # A loop closed without closing its async generators cannot close its client any more.
        for other in list(self._clients):  # other threads may add their loops meanwhile
            if other.is_closed():
                self._clients.pop(other, None)
        client = self._template.copy(http_client=default_http_client())
        closer = _close_with_loop(client, loop, self._clients)
        entry = self._clients[loop] = (client, closer)
        await _start_unless_closed(closer, loop)
        return entry


class GivenClient:
    """A client the caller gave: used on the first event loop that sends with it, refused on others.

    Args:
        client: The caller's client.
    """

    def __init__(self, client: groq.AsyncGroq) -> None:
        self._client = client
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._lock = threading.Lock()

    async def get(self) -> groq.AsyncGroq:
        """The caller's client, when the running event loop is the first one that used it.

        Raises:
            UserError: On any other event loop.
        """
        loop = asyncio.get_running_loop()
        if self._loop is None:
            with self._lock:  # the first loop wins, when threads race to use the client first
                self._loop = self._loop or weakref.ref(loop)
        if self._loop() is not loop:
            first = _describe(self._loop)
            raise UserError(
                f'This GroqModel was given a groq_client or http_client that was first used on {first}; '
                'its pooled connections belong to that loop, and a request sent on them from this one would be lost '
                'and sent again. Give GroqModel api_key/base_url instead (it then keeps a client per event loop), '
                'build the client inside the loop that uses it, or call run_sync (one loop for all sync calls).'
            )
        return self._client


def _close_all(clients: dict[asyncio.AbstractEventLoop, _Entry]) -> None:
    """Close each client on its loop, through its generator."""
    for loop, (_, closer) in list(clients.items()):
        # A closed loop closed its generators as it shut down, or never will.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_close_soon, closer)


def _close_soon(closer: AsyncGenerator[None]) -> None:
    closing = asyncio.ensure_future(closer.aclose())
    _CLOSING.add(closing)  # the loop keeps only a weak reference to its tasks
    closing.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Future[None]] = set()


def _describe(first: weakref.ref[asyncio.AbstractEventLoop]) -> str:
    loop = first()
    if loop is None or loop.is_closed():
        return 'an event loop that has since closed'
    return 'another event loop'


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # httpx's default context, built once: loading the CA bundle costs tens of milliseconds per client.
    return httpx.create_ssl_context()


def default_http_client() -> httpx.AsyncClient:
    """An HTTP client with the `groq` SDK's defaults, sharing one SSL context with the others."""
    return groq.DefaultAsyncHttpxClient(verify=_ssl_context())


async def _close_with_loop(
    client: groq.AsyncGroq,
    loop: asyncio.AbstractEventLoop,
    clients: dict[asyncio.AbstractEventLoop, Any],
) -> AsyncGenerator[None]:
    """Wait, suspended, for the loop to close its async generators; then close the client."""
    try:
        yield
    finally:
        clients.pop(loop, None)
        await client.close()


async def _start_unless_closed(closer: AsyncGenerator[None], loop: asyncio.AbstractEventLoop) -> None:
    """Start `closer`, so the loop closes it when it shuts down.

    When the generator is dropped instead (its model was collected), the loop's own finalizer closes
    it, unless the loop was closed without closing its generators: then there is nothing left to run it.
    """
    firstiter, finalizer = sys.get_asyncgen_hooks()

    def finalize(generator: AsyncGenerator[Any]) -> None:
        if finalizer is not None and not loop.is_closed():
            finalizer(generator)

    # The hooks in force at a generator's first step are the ones it keeps.
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalize)
    try:
        await anext(closer)
    finally:
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)


def make_client(
    api_key: str | None,
    base_url: str | None,
    groq_client: groq.AsyncGroq | None,
    http_client: httpx.AsyncClient | None,
    max_retries: int | None,
) -> groq.AsyncGroq:
    """The client a `GroqModel` is configured with: the given one, else one built from a key and URL.

    Raises:
        UserError: When `groq_client` comes with other client arguments, or no API key can be found.
    """
    if groq_client is not None:
        conflicting = [
            name
            for name, value in (
                ('api_key', api_key),
                ('base_url', base_url),
                ('http_client', http_client),
                ('max_retries', max_retries),
            )
            if value is not None
        ]
        if conflicting:
            raise UserError(
                f'GroqModel got groq_client and {", ".join(conflicting)}: configure the client itself, '
                'or pass api_key/base_url/http_client/max_retries without groq_client.'
            )
        return groq_client
    api_key = api_key or os.environ.get('GROQ_API_KEY')
    if not api_key:
        raise UserError(
            'No Groq API key: set the GROQ_API_KEY environment variable, or pass api_key= or groq_client= to GroqModel.'
        )
    base_url = base_url or os.environ.get('GROQ_BASE_URL') or None
    kwargs: dict[str, Any] = {} if max_retries is None else {'max_retries': max_retries}
    if http_client is None:
        http_client = default_http_client()
    return groq.AsyncGroq(api_key=api_key, base_url=base_url, http_client=http_client, **kwargs)
