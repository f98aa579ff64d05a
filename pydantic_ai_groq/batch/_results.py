"""The outcome of each input of a batch job, and the results file they stream into."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Literal, TypeVar

import pydantic
import pydantic_core

from ..messages import ModelMessage, ModelMessagesTypeAdapter
from ..usage import RunUsage

__all__ = ('BatchCounts', 'BatchItem', 'BatchResults', 'ItemStatus', 'ResultsFile')

OutputT = TypeVar('OutputT')

ItemStatus = Literal['completed', 'failed', 'expired', 'cancelled']
"""How an input ended: `completed` with an output; `failed` with an error (Groq's, a tool's, output
validation, `max_rounds`); `expired` (its line was not run within the completion window); `cancelled`
(its batch was cancelled)."""


@dataclass
class BatchItem(Generic[OutputT]):
    """The outcome of one input of a batch job.

    Attributes:
        custom_id: The input's id (given, or its position in the inputs).
        status: How it ended.
        output: The run's output when `completed` (read back from a results file: its JSON form).
        error: What went wrong otherwise, as `'<ExceptionType>: <message>'`.
        messages: The run's messages: all of them when completed, else up to its last model response.
        usage: The run's usage.
    """

    custom_id: str
    status: ItemStatus
    output: OutputT | None = None
    error: str | None = None
    messages: list[ModelMessage] = field(default_factory=list[ModelMessage])
    usage: RunUsage = field(default_factory=RunUsage)


@dataclass
class BatchCounts:
    """How many inputs ended each way."""

    completed: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """All inputs that ended."""
        return self.completed + self.failed + self.expired + self.cancelled

    def add(self, status: ItemStatus) -> None:
        """Count one more input that ended with `status`."""
        setattr(self, status, getattr(self, status) + 1)


class _Line(pydantic.BaseModel):
    custom_id: str
    status: ItemStatus
    output: Any = None
    error: str | None = None
    messages: list[Any] = []
    usage: RunUsage = RunUsage()


class ResultsFile:
    """A results file: one JSON line per input, appended as each input ends.

    Args:
        path: The file; lines already in it (an earlier attempt of the job) are kept and their inputs skipped.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def done(self) -> tuple[set[str], BatchCounts, RunUsage]:
        """The ids, counts and usage of the inputs the file already holds."""
        ids: set[str] = set()
        counts = BatchCounts()
        usage = RunUsage()
        for item in self.items():
            ids.add(item.custom_id)
            counts.add(item.status)
            usage = usage + item.usage
        return ids, counts, usage

    def append(self, item: BatchItem[Any]) -> None:
        """Write one item's line (and flush it: a crash loses no finished input)."""
        if self._file is None:
            self._file = self.path.open('ab')
        line = _Line(
            custom_id=item.custom_id,
            status=item.status,
            output=item.output,
            error=item.error,
            messages=ModelMessagesTypeAdapter.dump_python(item.messages, mode='json'),
            usage=item.usage,
        )
        self._file.write(pydantic_core.to_json(line) + b'\n')
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def items(self) -> Iterator[BatchItem[Any]]:
        """The items of the file, read one line at a time."""
        if not self.path.exists():
            return
        with self.path.open('rb') as file:
            for raw in file:
                if not raw.strip():
                    continue
                line = _Line.model_validate_json(raw)
                messages = ModelMessagesTypeAdapter.validate_python(line.messages)
                yield BatchItem(line.custom_id, line.status, line.output, line.error, messages, line.usage)


class BatchResults(Generic[OutputT]):
    """The outcome of a batch job: iterate it for each input's `BatchItem`.

    With a results path the items are read from the file as you iterate (the whole job is never in
    memory, and `output` is in its JSON form); without one they are kept in memory.

    Attributes:
        counts: How many inputs ended each way.
        usage: The usage of every run, summed.
        batch_ids: The batches the job created, in order.
        path: The results file, if any.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.counts = BatchCounts()
        self.usage = RunUsage()
        self.batch_ids: list[str] = []
        self._items: list[BatchItem[OutputT]] = []

    def add(self, item: BatchItem[OutputT]) -> None:
        """Count an item, and keep it when there is no results file."""
        self.counts.add(item.status)
        self.usage = self.usage + item.usage
        if self.path is None:
            self._items.append(item)

    def __iter__(self) -> Iterator[BatchItem[OutputT]]:
        if self.path is None:
            return iter(self._items)
        return ResultsFile(self.path).items()

    def __len__(self) -> int:
        return self.counts.total

    def __repr__(self) -> str:
        return f'BatchResults(counts={self.counts!r}, path={self.path!r})'
