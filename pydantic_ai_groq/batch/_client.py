"""Groq's files and batches endpoints through the `groq` SDK, with its errors mapped to ours."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import IO, Any, cast

import groq

from ..exceptions import UnexpectedModelBehavior
from ..models.groq import GroqModel
from ..models.groq._errors import http_error, request_error
from ._limits import BATCH_ENDPOINT

__all__ = ('BatchAPIClient', 'BatchInfo')


@dataclass
class BatchInfo:
    """What a status check of a batch tells: its status, result files, counts and validation errors."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])


class BatchAPIClient:
    """The Batch API calls of one `GroqModel`'s client (its key, base URL, timeouts and retries).

    Args:
        model: The model whose client sends.
    """

    def __init__(self, model: GroqModel) -> None:
        self.model = model

    async def _client(self) -> groq.AsyncGroq:
        return await self.model._clients.get()  # pyright: ignore[reportPrivateUsage]

    @asynccontextmanager
    async def _mapped(self) -> AsyncGenerator[None]:
        try:
            yield
        except groq.APIStatusError as error:
            raise http_error(error.response, self.model.model_name) from error
        except groq.APIConnectionError as error:
            raise request_error(error, self.model.model_name) from error

    async def upload(self, filename: str, file: IO[bytes]) -> str:
        """Upload an input file (`purpose=batch`) and return its id."""
        client = await self._client()
        async with self._mapped():
            created = await client.files.create(file=(filename, file), purpose='batch')
        if created.id is None:
            raise UnexpectedModelBehavior('Groq answered a file upload without a file id')
        return created.id

    async def create(self, input_file_id: str, completion_window: str, metadata: Mapping[str, str]) -> BatchInfo:
        """Create a batch of the uploaded file's lines."""
        client = await self._client()
        async with self._mapped():
            created = await client.batches.create(
                input_file_id=input_file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window=completion_window,
                metadata=dict(metadata),
            )
        return _info(created)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        """The batch's status now."""
        client = await self._client()
        async with self._mapped():
            found = await client.batches.retrieve(batch_id)
        return _info(found)

    async def cancel(self, batch_id: str) -> BatchInfo:
        """Ask Groq to cancel the batch."""
        client = await self._client()
        async with self._mapped():
            cancelled = await client.batches.cancel(batch_id)
        return _info(cancelled)

    async def lines(self, file_id: str) -> AsyncIterator[str]:
        """The lines of a file, streamed: a result file is never held whole in memory."""
        client = await self._client()
        async with self._mapped(), client.files.with_streaming_response.content(file_id) as response:
            async for line in response.iter_lines():
                if line:
                    yield line


def _info(batch: Any) -> BatchInfo:
    """The fields we read of the SDK's batch object (create, retrieve and cancel return the same shape)."""
    counts = batch.request_counts
    errors: list[Any] = batch.errors.data if batch.errors is not None and batch.errors.data else []
    return BatchInfo(
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        total=counts.total if counts is not None else 0,
        completed=counts.completed if counts is not None else 0,
        failed=counts.failed if counts is not None else 0,
        errors=[cast('dict[str, Any]', error.model_dump()) for error in errors],
    )
