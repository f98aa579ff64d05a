"""Rounds of parked requests: each run's next model request waits here for its batch's answer.

A batch run is the agent's normal run loop with a `ParkedModel`: its `request` writes the request line
(built by `GroqModel`'s own code) into the current round's JSONL files and waits. When every live run
waits, the round is complete and is sent as one batch per file; answers wake the runs, which run their
tools locally and park their next request in the next round, or finish.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import IO

import anyio

from ..exceptions import UnexpectedModelBehavior, UserError
from ..messages import ModelMessage, ModelResponse
from ..models import Model, ModelRequestParameters, StreamedResponse
from ..models.groq import GroqModel
from ..settings import ModelSettings
from ..usage import RunUsage
from ._wire import PreparedLine, prepare_line

__all__ = ('Chunk', 'Parked', 'ParkedModel', 'Rounds')


@dataclass(eq=False)
class Parked:
    """A run's request waiting for its answer."""

    custom_id: str
    think_tags: bool
    done: anyio.Event = field(default_factory=anyio.Event)
    response: ModelResponse | None = None
    error: BaseException | None = None
    sent: int = 1  # how often its line was sent (an expired line is sent again)

    def answer(self, response: ModelResponse | None = None, error: BaseException | None = None) -> None:
        """Wake the run with its response, or with the error its request raises."""
        self.response, self.error = response, error
        self.done.set()


@dataclass(eq=False)
class Chunk:
    """One input file of a round, written to a temporary file on disk as requests park."""

    file: IO[bytes]
    members: list[Parked] = field(default_factory=list[Parked])
    size: int = 0


class Rounds:
    """The requests parked for the next round, written into files under the line and size limits.

    Args:
        max_lines: Lines an input file may hold.
        max_bytes: Bytes an input file may hold.
        recorded: Custom ids of lines already in a batch (from the state file of an earlier attempt): these
            requests wait for that batch instead of being written again.
    """

    def __init__(self, max_lines: int, max_bytes: int, recorded: dict[str, str] | None = None) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.recorded = recorded or {}
        self.live = 0
        self.waiting = 0
        self.chunks: list[Chunk] = []
        self.attached: dict[str, list[Parked]] = {}
        self._changed = anyio.Event()

    def park(self, line: PreparedLine) -> Parked:
        """Add a request to the round being collected."""
        if len(line.data) > self.max_bytes:
            raise UserError(
                f'The batch line for {line.custom_id!r} is {len(line.data)} bytes; an input file holds at most '
                f'{self.max_bytes} bytes, so this request cannot be sent in a batch.'
            )
        parked = Parked(line.custom_id, line.think_tags)
        batch_id = self.recorded.pop(line.custom_id, None)
        if batch_id is not None:
            self.attached.setdefault(batch_id, []).append(parked)
        else:
            self.write(line.data, parked)
        self.waiting += 1
        self._wake()
        return parked

    def write(self, data: bytes, parked: Parked) -> None:
        """Write a line into the round's current file, starting a new one at the limits."""
        chunk = self.chunks[-1] if self.chunks else None
        if chunk is None or len(chunk.members) >= self.max_lines or chunk.size + len(data) > self.max_bytes:
            chunk = Chunk(tempfile.TemporaryFile())  # noqa: SIM115 (closed once uploaded)
            self.chunks.append(chunk)
        chunk.file.write(data)
        chunk.size += len(data)
        chunk.members.append(parked)

    def answered(self, parked: Parked) -> None:
        """Count a parked request as answered (its run goes on)."""
        self.waiting -= 1

    def started(self) -> None:
        """Count a run that has started."""
        self.live += 1

    def finished(self) -> None:
        """Count a run that has ended."""
        self.live -= 1
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def complete(self) -> None:
        """Wait until every live run waits for an answer (or none is left)."""
        while self.waiting < self.live:
            await self._changed.wait()

    def close(self) -> None:
        """Remove the files of a round that is not sent (the job ended first)."""
        for chunk in self.chunks:
            chunk.file.close()
        self.chunks = []

    def take(self) -> tuple[list[Chunk], dict[str, list[Parked]]]:
        """The round's new files and the recorded batches its requests wait for; the next round starts empty."""
        chunks, attached = self.chunks, self.attached
        self.chunks, self.attached = [], {}
        return chunks, attached


class ParkedModel(Model):
    """The model of one batch run: each request is parked in the current round and answered from its batch.

    Args:
        model: The `GroqModel` whose request bodies and response mapping are used.
        rounds: Where requests park.
        item_id: The run's custom id; its requests' lines are `<item_id>#<n>`.
        max_rounds: Model requests the run may make: each is a round of batches.
    """

    def __init__(self, model: GroqModel, rounds: Rounds, item_id: str, max_rounds: int) -> None:
        self.model = model
        self.rounds = rounds
        self.item_id = item_id
        self.max_rounds = max_rounds
        self.requests = 0
        self.usage = RunUsage()
        self.messages: list[ModelMessage] = []

    @property
    def model_name(self) -> str:
        """The Groq model id."""
        return self.model.model_name

    @property
    def system(self) -> str:
        """Always `groq`."""
        return 'groq'

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Park the request in the current round and return its answer from the round's batch."""
        self.requests += 1
        if self.requests > self.max_rounds:
            raise UnexpectedModelBehavior(
                f'The run needs more than max_rounds={self.max_rounds} rounds of batches (one a model request)'
            )
        custom_id = f'{self.item_id}#{self.requests}'
        line = prepare_line(self.model, custom_id, messages, model_settings, model_request_parameters)
        self.messages = list(messages)
        parked = self.rounds.park(line)
        await parked.done.wait()
        if parked.error is not None:
            raise parked.error
        assert parked.response is not None
        self.usage.incr(parked.response.usage)
        self.messages.append(parked.response)
        return parked.response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[StreamedResponse]:
        """Batches are not streamed: Groq's Batch API answers each line whole."""
        raise UserError('A batch run cannot stream: Groq answers each batch line whole.')
        yield  # pragma: no cover
