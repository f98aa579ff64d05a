"""A batch job's status and cancellation, from its state file: for another process, or the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..models import Model
from ..usage import RunUsage
from ._client import BatchAPIClient, BatchInfo
from ._limits import TERMINAL_STATUSES
from ._results import BatchCounts, ResultsFile
from ._runner import groq_model_of
from ._state import JobState, state_path_for

__all__ = ('BatchJobStatus', 'batch_job_status', 'cancel_batch_job')


@dataclass
class BatchJobStatus:
    """Where a batch job stands.

    Attributes:
        batches: Each batch the job created, as Groq reports it now.
        counts: The inputs that have ended, by how, from the results file.
        usage: Their usage, summed.
    """

    batches: list[BatchInfo] = field(default_factory=list[BatchInfo])
    counts: BatchCounts = field(default_factory=BatchCounts)
    usage: RunUsage = field(default_factory=RunUsage)

    @property
    def in_flight(self) -> list[BatchInfo]:
        """The batches that have not ended."""
        return [batch for batch in self.batches if batch.status not in TERMINAL_STATUSES]


async def batch_job_status(results_path: str | Path, model: Model | str) -> BatchJobStatus:
    """The status of the job writing `results_path`: its batches (one status check each) and its items.

    Args:
        results_path: The job's results file (its state file is next to it).
        model: The model the job runs on (its client sends the status checks).
    """
    groq_model = groq_model_of(model)
    path = Path(results_path)
    state = JobState.load(state_path_for(path), groq_model.model_name)
    api = BatchAPIClient(groq_model)
    status = BatchJobStatus()
    for batch in state.batches:
        status.batches.append(await api.retrieve(batch.id))
    _, status.counts, status.usage = ResultsFile(path).done()
    return status


async def cancel_batch_job(results_path: str | Path, model: Model | str) -> list[str]:
    """Cancel the batches of the job writing `results_path` that have not ended; returns their ids.

    Running the job again afterwards ends the inputs of the cancelled batches as `cancelled`.

    Args:
        results_path: The job's results file (its state file is next to it).
        model: The model the job runs on.
    """
    status = await batch_job_status(results_path, model)
    api = BatchAPIClient(groq_model_of(model))
    cancelled: list[str] = []
    for batch in status.in_flight:
        if batch.status == 'cancelling':
            continue
        await api.cancel(batch.id)
        cancelled.append(batch.id)
    return cancelled
