"""A server that answers every request with given bytes: for wire shapes the emulator never sends.

It is an `httpx.MockTransport` handler rather than an ASGI app because `httpx.ASGITransport`
joins the body into one read, and these tests need each chunk to arrive as its own read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

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
    """A `GroqModel` (the real SDK over httpx) on a server sending `chunks` as separate reads."""

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=[('content-type', content_type), *headers], content=body())

    http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = groq.AsyncGroq(api_key='k', base_url='http://raw', http_client=http_client, max_retries=0)
    return GroqModel(model_name, groq_client=client)
