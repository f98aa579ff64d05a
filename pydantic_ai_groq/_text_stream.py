"""What `stream_text` and `stream_responses` need beside the events: the interim-text marker and the debounce.

A run streams every response, so text that turns out not to be the answer (a model thinking
aloud before it calls tools) streams too; `InterimTextEnd` marks where it ends. Debouncing
groups what arrives within a window so a consumer redraws at most once per window, whatever
the chunk rate: it reads a clock as each piece arrives and never waits on its own, so no
piece is held past the next event of the run, and the run's event generator is only ever
advanced from the consumer's task.
"""

from __future__ import annotations

from collections.abc import Callable

from .exceptions import UserError

__all__ = ('InterimTextEnd', 'debouncer')


class InterimTextEnd(str):
    """Yielded by `stream_text()` where the text of a response that did not end the run stops.

    Such text is interim, not the answer: a model thinking aloud before it calls tools (the
    marker comes as the response's first tool call starts), or text the run rejected and asked
    the model again for (the marker comes as the next response starts). The marker is the empty
    string, so code that joins the deltas (`''.join(...)`) keeps working; test for it with
    `isinstance(piece, InterimTextEnd)`. With `delta=False` the text so far starts again from
    it: the marker is that text, empty.

    Attributes:
        text: The interim text of that response, whole.
    """

    text: str

    def __new__(cls, text: str) -> InterimTextEnd:
        """The marker after the interim text `text`."""
        marker = super().__new__(cls, '')
        marker.text = text
        return marker

    def __repr__(self) -> str:
        return f'InterimTextEnd(text={self.text!r})'


def debouncer(debounce_by: float | None, clock: Callable[[], float], method: str) -> Callable[[], bool] | None:
    """A check, called as each piece arrives, of whether what is held is due: at most once per `debounce_by` seconds.

    The first piece after a quiet window is due at once; the ones arriving within the window
    after a yield are held until a piece arrives after it (or until the caller flushes, at the
    end of a response). Returns None for `debounce_by=None`: every piece is due.

    Raises:
        UserError: When `debounce_by` is negative or not a number.
    """
    if debounce_by is None:
        return None
    if not debounce_by >= 0:  # written so NaN fails too
        raise UserError(f'{method}(debounce_by=...) takes seconds >= 0 or None, got {debounce_by!r}.')
    next_due = -float('inf')

    def due() -> bool:
        nonlocal next_due
        now = clock()
        if now < next_due:
            return False
        next_due = now + debounce_by
        return True

    return due
