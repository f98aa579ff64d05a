"""A server that answers every request with given bytes: for wire shapes the emulator never sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import groq
import httpx

from pydantic_ai_groq.models.groq import GroqModel


def raw_model(
    chunks: Sequence[bytes],
    *,
    content_type: str = 'text/event-stream',
    headers: Sequence[tuple[str, str]] = (),
    status: int = 200,
    model_name: str = 'llama-3.3-70b-versatile',
) -> GroqModel:
    """A `GroqModel` (real SDK, `httpx.ASGITransport`) on an app sending `chunks` as separate body messages."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        sent = [(b'content-type', content_type.encode()), *((k.encode(), v.encode()) for k, v in headers)]
        await send({'type': 'http.response.start', 'status': status, 'headers': sent})
        for chunk in chunks:
            await send({'type': 'http.response.body', 'body': chunk, 'more_body': True})
        await send({'type': 'http.response.body', 'body': b'', 'more_body': False})

    http_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    client = groq.AsyncGroq(api_key='k', base_url='http://raw', http_client=http_client, max_retries=0)
    return GroqModel(model_name, groq_client=client)
