"""The resumable state of a batch job: the batches sent, in a small JSON file next to the results.

It is written (atomically: a temporary file, then a rename) right after each `POST /batches`, so a job
stopped at any point (a crash, Ctrl-C) finds the batches it paid for when it runs again and polls them
instead of sending the same requests again. The items already done are the lines of the results file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..exceptions import UserError

__all__ = ('JobState', 'RecordedBatch', 'state_path_for')

_VERSION = 1


@dataclass
class RecordedBatch:
    """A batch the job created: its id, input file and round."""

    id: str
    input_file_id: str
    round: int


@dataclass
class JobState:
    """The batches of a job, in the order they were created.

    Attributes:
        path: Where the state is kept; `None` keeps it in memory only.
        model: The model the job runs on: a state file of another job's model is refused.
        batches: The batches created so far.
    """

    path: Path | None
    model: str
    batches: list[RecordedBatch] = field(default_factory=list[RecordedBatch])

    @classmethod
    def load(cls, path: Path | None, model: str) -> JobState:
        """The state at `path` if the file exists, else a new one.

        Raises:
            UserError: When the file is not a state file, or belongs to a job on another model.
        """
        if path is None or not path.exists():
            return cls(path, model)
        try:
            data = json.loads(path.read_text())
            batches = [RecordedBatch(**entry) for entry in data['batches']]
            recorded_model = data['model']
        except (ValueError, KeyError, TypeError) as error:
            raise UserError(
                f'{path} is not a batch state file ({error}); move it away to start the job afresh'
            ) from error
        if recorded_model != model:
            raise UserError(
                f'{path} records a batch job on {recorded_model!r}, not {model!r}: '
                'use the same model to resume it, or another results path for a new job'
            )
        return cls(path, model, batches)

    def add(self, batch: RecordedBatch) -> None:
        """Record a created batch, and save."""
        self.batches.append(batch)
        self.save()

    def save(self) -> None:
        """Write the state file (no-op in memory)."""
        if self.path is None:
            return
        data = {'version': _VERSION, 'model': self.model, 'batches': [asdict(batch) for batch in self.batches]}
        temporary = self.path.with_name(self.path.name + '.tmp')
        temporary.write_text(json.dumps(data, indent=1))
        os.replace(temporary, self.path)


def state_path_for(results_path: Path) -> Path:
    """The state file of a results file: `out.jsonl` -> `out.jsonl.state.json`."""
    return results_path.with_name(results_path.name + '.state.json')
