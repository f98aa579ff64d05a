"""An in-process httpx transport that answers every request with canned bytes: no sockets, no ASGI.

The body is cut into pieces once, up front (4 KiB by default, like reads off a socket), and
each response streams those pieces, so both contenders pay exactly the same, minimal cost
for "the network" and the benchmark measures what happens after the bytes arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import groq
import httpx

from ._wire import Canned

__all__ = ('CannedTransport', 'make_client')

PIECE_SIZE = 4096


class _Pieces(httpx.AsyncByteStream):
    __slots__ = ('_pieces',)

    def __init__(self, pieces: tuple[bytes, ...]) -> None:
        self._pieces = pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._pieces:
            yield piece

    async def aclose(self) -> None:
        pass


class CannedTransport(httpx.AsyncBaseTransport):
    """Answers every request with status 200 and the same canned body, in `piece_size` pieces.

    Attributes:
        requests: How many requests it answered.
        last_request_body: The body of the last request (read, as a real transport would send it).
    """

    def __init__(self, canned: Canned, piece_size: int = PIECE_SIZE) -> None:
        body = canned.body
        self._pieces = tuple(body[i : i + piece_size] for i in range(0, len(body), piece_size))
        self._headers = (
            (b'content-type', canned.content_type.encode()),
            (b'x-request-id', b'req_01jbench0000000000000000000'),
        )
        self.requests = 0
        self.last_request_body = b''

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.last_request_body = await request.aread()
        self.requests += 1
        return httpx.Response(200, headers=self._headers, stream=_Pieces(self._pieces), request=request)


def make_client(canned: Canned, piece_size: int = PIECE_SIZE) -> tuple[groq.AsyncGroq, CannedTransport]:
    """An `AsyncGroq` client (no retries) whose HTTP client answers from `canned`."""
    transport = CannedTransport(canned, piece_size)
    client = groq.AsyncGroq(
        api_key='bench',
        base_url='http://bench.local',
        http_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
    )
    return client, transport
