"""Runs over Groq's Batch API: many inputs at batch prices, in rounds of one batch each, resumable.

Use `Agent.run_batch` for an agent over many inputs, `pydantic_ai_groq.direct.model_request_batch` for
one-shot requests; `cancel_batch_job` and `batch_job_status` act on a job's state file.
"""

from ._client import BatchInfo
from ._control import BatchJobStatus, batch_job_status, cancel_batch_job
from ._limits import MAX_FILE_BYTES, MAX_LINES, BatchStatus
from ._results import BatchCounts, BatchItem, BatchResults, ItemStatus
from ._runner import BatchInput, BatchInputError, BatchOptions, BatchProgress, run_batch

__all__ = (
    'MAX_FILE_BYTES',
    'MAX_LINES',
    'BatchCounts',
    'BatchInfo',
    'BatchInput',
    'BatchInputError',
    'BatchItem',
    'BatchJobStatus',
    'BatchOptions',
    'BatchProgress',
    'BatchResults',
    'BatchStatus',
    'ItemStatus',
    'batch_job_status',
    'cancel_batch_job',
    'run_batch',
)
