"""Groq's Batch API limits and shapes: the one table the batch runner and the emulator both read.

Evidence:

- Input lines: `custom_id`, `method` (`POST`), `url` (`/v1/chat/completions`) and `body`, one JSON object
  a line; "up to 50,000 lines" a file (https://console.groq.com/docs/batch).
- File size: the docs page says 200 MB; the `groq` SDK's `batches.create` docstring (generated from Groq's
  OpenAPI spec) says "The file can be up to 100 MB in size". The runner splits at the lower figure; the
  emulator refuses what exceeds the higher.
- Completion windows: "Durations from `24h` to `7d` are supported" (`batch_create_params.py` of the SDK).
- Statuses: the `status` literal of the SDK's `BatchCreateResponse`.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = (
    'BATCH_ENDPOINT',
    'BATCH_LINE_URL',
    'FILE_BYTES_REFUSED',
    'MAX_FILE_BYTES',
    'MAX_LINES',
    'TERMINAL_STATUSES',
    'BatchStatus',
    'window_seconds',
)

BATCH_ENDPOINT = '/v1/chat/completions'
"""The one endpoint Groq's Batch API runs (the `endpoint` of `batches.create`)."""
BATCH_LINE_URL = BATCH_ENDPOINT
"""The `url` of every input line."""
MAX_LINES = 50_000
"""Lines an input file may hold."""
MAX_FILE_BYTES = 100 * 1024 * 1024
"""The size the runner keeps each input file under (the SDK's figure, the lower of the two)."""
FILE_BYTES_REFUSED = 200 * 1024 * 1024
"""The size over which the emulator refuses an upload (the docs page's figure)."""

BatchStatus = Literal[
    'validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'
]
TERMINAL_STATUSES: frozenset[str] = frozenset({'failed', 'completed', 'expired', 'cancelled'})
"""Statuses a batch never leaves."""

_WINDOW = re.compile(r'^([1-9][0-9]*)([hd])$')
_MIN_WINDOW = 24 * 3600
_MAX_WINDOW = 7 * 24 * 3600


def window_seconds(window: str) -> int:
    """The seconds of a completion window such as `'24h'` or `'7d'`.

    Raises:
        ValueError: For anything but a whole number of hours (`h`) or days (`d`) from 24h to 7d.
    """
    match = _WINDOW.match(window)
    seconds = 0 if match is None else int(match[1]) * (3600 if match[2] == 'h' else 86400)
    if not _MIN_WINDOW <= seconds <= _MAX_WINDOW:
        raise ValueError(f'completion_window must be from 24h to 7d, such as "24h" or "7d", got {window!r}')
    return seconds
