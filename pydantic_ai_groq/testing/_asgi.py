"""ASGI plumbing for the emulator: reading a request body, writing responses, JSON error bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from ._json import dumps_compact
from ._wire import error_json, new_request_id

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


async def send_part(send: Send, data: bytes) -> None:
    await send({'type': 'http.response.body', 'body': data, 'more_body': True})


async def respond(send: Send, response: Response) -> None:
    start = {'type': 'http.response.start', 'status': response.status, 'headers': encode_headers(response.headers)}
    await send(start)
    await send({'type': 'http.response.body', 'body': response.body, 'more_body': False})


async def read_body(receive: Receive) -> bytes | None:
    """Return the whole request body, or `None` if the client went away first."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message['type'] == 'http.disconnect':
            return None
        parts.append(message.get('body', b''))
        if not message.get('more_body', False):
            return b''.join(parts)


async def lifespan(receive: Receive, send: Send) -> None:
    # Nothing to set up or tear down; acknowledging lets ASGI servers that run lifespan carry on.
    while True:
        message = await receive()
        await send({'type': f'{message["type"]}.complete'})
        if message['type'] == 'lifespan.shutdown':
            return


def error_response(status: int, payload: Mapping[str, Any]) -> Response:
    return Response(status, json_bytes(payload), {**json_headers(), 'x-request-id': new_request_id()})


def unauthorized() -> Response:
    # The message never repeats the key that was sent.
    return error_response(401, error_json('Invalid API Key', code='invalid_api_key'))


def method_not_allowed(method: str, path: str, allowed: str) -> Response:
    response = error_response(405, error_json(f'{method} is not allowed on {path}', code='method_not_allowed'))
    response.headers['allow'] = allowed
    return response


def json_headers() -> dict[str, str]:
    return {'content-type': 'application/json'}


def json_bytes(payload: Mapping[str, Any]) -> bytes:
    return dumps_compact(payload).encode()


def encode_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode('latin-1'), value.encode('latin-1')) for name, value in headers.items()]


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
