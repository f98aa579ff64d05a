"""A small HTTP/1.1 server running an ASGI app on a loopback port, in a background thread.

It exists so tests can reach the emulator over a real socket (timeouts, connection reuse,
incremental streaming) without a third-party server. It understands what HTTP clients such as
httpx send: `Content-Length` request bodies and keep-alive connections. Streamed responses are
sent with `Transfer-Encoding: chunked`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

__all__ = ('ASGIApp', 'serve_asgi')

_Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[_Message]], Callable[[_Message], Awaitable[None]]],
    Awaitable[None],
]
"""The ASGI 3 application signature."""

_logger = logging.getLogger(__name__)
_REASONS = {status.value: status.phrase for status in HTTPStatus}
# Headers the server owns: it frames the body itself and decides whether the connection stays open.
_FRAMING_HEADERS = {b'content-length', b'transfer-encoding', b'connection'}


@contextlib.contextmanager
def serve_asgi(app: ASGIApp, host: str = '127.0.0.1', port: int = 0) -> Generator[str, None, None]:
    """Serve `app` over HTTP until the context exits.

    Args:
        app: The ASGI application.
        host: The address to listen on.
        port: The port; `0` picks a free one.

    Yields:
        The base URL, e.g. `'http://127.0.0.1:54321'`, once the server accepts connections.

    Raises:
        OSError: If the address cannot be bound.
    """
    server = _BackgroundServer(app, host, port)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def base_url(host: str, port: int) -> str:
    """Return the `http://` URL of a listening address, bracketing IPv6 hosts."""
    return f'http://[{host}]:{port}' if ':' in host else f'http://{host}:{port}'


@dataclass
class _Request:
    method: str
    target: str
    version: str
    headers: list[tuple[bytes, bytes]]
    content_length: int

    @property
    def keep_alive(self) -> bool:
        connection = dict(self.headers).get(b'connection', b'').lower()
        return self.version == 'HTTP/1.1' and connection != b'close'


class _BackgroundServer:
    """An asyncio server on its own event loop and daemon thread."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop_requested = asyncio.Event()
        self._startup_error: OSError | None = None
        self._url = ''
        self._connections: set[asyncio.Task[Any]] = set()
        self._thread = threading.Thread(target=self._run, name='groq-emulator-server', daemon=True)

    def start(self) -> str:
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error
        return self._url

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop_requested.set)
        self._thread.join()

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        try:
            server = await asyncio.start_server(self._handle, self._host, self._port)
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        host, port = server.sockets[0].getsockname()[:2]
        self._url = base_url(host, port)
        self._ready.set()
        await self._stop_requested.wait()
        server.close()
        # Keep-alive connections would otherwise hold `wait_closed` (Python >= 3.12) forever.
        for task in self._connections:
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # connection callbacks always run as tasks
        self._connections.add(task)
        # Clients may hang up at any point (between requests, mid-body or mid-response) or overflow the
        # header limit, and `stop()` cancels the connections still open. None of this is a failure of the
        # server, and an escaping cancellation would be logged by asyncio.
        try:
            with contextlib.suppress(
                ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.CancelledError
            ):
                while await self._exchange(reader, writer):
                    pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; return whether the connection can carry another one."""
        request = _parse_head(await reader.readuntil(b'\r\n\r\n'))
        if request is None:
            writer.write(b'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
            await writer.drain()
            return False
        body = await reader.readexactly(request.content_length)
        path, _, query = request.target.partition('?')
        scope: dict[str, Any] = {
            'type': 'http',
            'asgi': {'version': '3.0'},
            'http_version': request.version.removeprefix('HTTP/'),
            'method': request.method,
            'scheme': 'http',
            'path': unquote(path),
            'raw_path': path.encode('latin-1'),
            'query_string': query.encode('latin-1'),
            'root_path': '',
            'headers': request.headers,
            'server': writer.get_extra_info('sockname')[:2],
            'client': writer.get_extra_info('peername')[:2],
        }
        # The app reads the body once; anything after that means the exchange is over.
        messages = iter([{'type': 'http.request', 'body': body, 'more_body': False}])

        async def receive() -> _Message:
            return next(messages, {'type': 'http.disconnect'})

        response = _ResponseWriter(writer, keep_alive=request.keep_alive)
        try:
            await self._app(scope, receive, response.send)
        except Exception as exc:
            if isinstance(exc, ConnectionError):
                raise
            _logger.exception('the ASGI app failed on %s %s', request.method, path)
        if not response.started:
            await response.send({'type': 'http.response.start', 'status': 500, 'headers': []})
            await response.send({'type': 'http.response.body', 'body': b'Internal Server Error'})
        # A half-sent response cannot be completed, so the connection has to go.
        return response.finished and request.keep_alive


def _parse_head(head: bytes) -> _Request | None:
    """Parse a request line and headers; `None` when malformed or using unsupported framing."""
    request_line, *lines = head.decode('latin-1').split('\r\n')
    headers: list[tuple[bytes, bytes]] = []
    for line in lines:
        name, colon, value = line.partition(':')
        if colon:
            headers.append((name.strip().lower().encode('latin-1'), value.strip().encode('latin-1')))
    fields = dict(headers)
    try:
        method, target, version = request_line.split(' ')
        content_length = int(fields.get(b'content-length', b'0'))
    except ValueError:
        return None
    # Chunked request bodies are not needed by HTTP clients sending JSON, so they are refused.
    if content_length < 0 or b'transfer-encoding' in fields:
        return None
    return _Request(method, target, version, headers, content_length)


class _ResponseWriter:
    """Turns ASGI response messages into HTTP/1.1 bytes, chunked when the body comes in parts."""

    def __init__(self, writer: asyncio.StreamWriter, *, keep_alive: bool) -> None:
        self._writer = writer
        self._keep_alive = keep_alive
        self._status = 500
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunked = False
        self.started = False
        self.finished = False

    async def send(self, message: _Message) -> None:
        if message['type'] == 'http.response.start':
            self._status = int(message['status'])
            self._headers = [(bytes(name), bytes(value)) for name, value in message.get('headers', [])]
            return
        body = bytes(message.get('body', b''))
        more_body = bool(message.get('more_body', False))
        if not self.started:
            self._write_head(body_length=None if more_body else len(body))
            self.started = True
        if self._chunked:
            if body:
                self._writer.write(b'%x\r\n%s\r\n' % (len(body), body))
            if not more_body:
                self._writer.write(b'0\r\n\r\n')
        else:
            self._writer.write(body)
        self.finished = not more_body
        await self._writer.drain()

    def _write_head(self, *, body_length: int | None) -> None:
        lines = [f'HTTP/1.1 {self._status} {_REASONS.get(self._status, "")}'.encode('latin-1')]
        lines += [b'%s: %s' % (name, value) for name, value in self._headers if name.lower() not in _FRAMING_HEADERS]
        if body_length is None:
            self._chunked = True
            lines.append(b'transfer-encoding: chunked')
        else:
            lines.append(b'content-length: %d' % body_length)
        if not self._keep_alive:
            lines.append(b'connection: close')
        self._writer.write(b'\r\n'.join(lines) + b'\r\n\r\n')
