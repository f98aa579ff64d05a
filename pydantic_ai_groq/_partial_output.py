"""Partial validation of streamed structured output, throttled so a whole stream costs time linear in its length.

Validating the object received so far costs time in proportion to its size, so validating it
after every chunk makes a stream of N chunks cost time quadratic in N. `PartialOutput` gathers
the JSON text as it arrives and validates it (with pydantic-core's own partial JSON parsing)
after every piece while it is shorter than `EVERY_PIECE_BELOW` characters (cheap, and what
short outputs need), then only when it has grown by `GROWTH` since the last attempt or when
`interval` seconds have passed on its clock: the sizes validated for growth form a geometric
series, so their sum is a constant times the final size, whatever the number of chunks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import pydantic
import pydantic_core

from ._output import ObjectOutput

__all__ = ('EVERY_PIECE_BELOW', 'GROWTH', 'PartialOutput')

EVERY_PIECE_BELOW = 1024
"""Below this many characters of JSON text, every piece is validated."""

GROWTH = 0.25
"""Fraction of its size by which the JSON text must grow before it is validated again (timer aside)."""

_NUMBER_CHARACTERS = '0123456789eE.+-'
_BEFORE_A_VALUE = '[:, \t\n\r'

_Nothing: Any = object()


class PartialOutput:
    """The JSON text of one output as it streams in, and its latest partially validated value.

    Args:
        output: What validates the output.
        clock: Monotonic clock, in seconds.
        interval: Seconds after the last attempt when the text is validated again, however little it grew.
    """

    def __init__(self, output: ObjectOutput, clock: Callable[[], float], interval: float) -> None:
        self._output = output
        self._clock = clock
        self._interval = interval
        self._pieces: list[str] = []
        self._size = 0
        self._next_size = 0.0  # validate once the text is at least this long
        self._next_time = clock() + interval  # ... or once the clock reaches this
        self._last: Any = _Nothing

    def feed(self, piece: str) -> Any:
        """Add the next piece of JSON text; returns the new partial output when one is due and valid, else None.

        A partial output is returned only when it differs from the previous one. Once the text
        turns out not to be JSON (e.g. a Markdown fence around it), nothing more is returned.
        """
        # Runs once per chunk: kept to the fewest lookups, as the growth and the clock decide.
        self._pieces.append(piece)
        size = self._size = self._size + len(piece)
        if size < self._next_size and self._clock() < self._next_time:
            return None
        return self._attempt(size)

    def _attempt(self, size: int) -> Any:
        # Short text is validated after every piece, so the next piece is due whatever its length.
        self._next_size = size * (1 + GROWTH) if size >= EVERY_PIECE_BELOW else size + 1
        self._next_time = self._clock() + self._interval
        value = self._validate(''.join(self._pieces))
        if value is _Nothing or value == self._last:
            return None
        self._last = value
        return value

    def _validate(self, text: str) -> Any:
        text = _without_trailing_number(text)
        if not text.strip():
            return _Nothing
        try:
            return self._output.validate_partial_json(text)
        except pydantic.ValidationError as error:
            if error.errors()[0]['type'] == 'json_invalid':
                self._next_size = self._next_time = math.inf  # not JSON: nothing is ever due again
                return _Nothing
            return self._validate_without_open_item(text, error)

    def _validate_without_open_item(self, text: str, error: pydantic.ValidationError) -> Any:
        # Pydantic forgives a partial list its unfinished last item only for some item types (not
        # models or dataclasses): a list of models fails while its last item still lacks a required
        # field. Leaving that item out shows the items complete so far, as a list of dicts would.
        value = pydantic_core.from_json(text, allow_partial='trailing-strings')
        trimmed = _without_trailing_item(value, error.errors()[0]['loc'])
        if trimmed is _Nothing:
            return _Nothing
        try:
            return self._output.validate_partial(trimmed)
        except pydantic.ValidationError:
            return _Nothing


def _without_trailing_item(value: Any, loc: tuple[int | str, ...]) -> Any:
    """`value` less the list item that `loc` points into, when every step of `loc` is the last entry of its container.

    Only containers along `loc` are copied. Returns `_Nothing` when `loc` leaves the value's trailing edge.
    """
    if loc and isinstance(value, list) and isinstance(loc[0], int):
        items = cast(list[Any], value)
        if loc[0] != len(items) - 1:
            return _Nothing
        inner = _without_trailing_item(items[-1], loc[1:])
        return items[:-1] if inner is _Nothing else [*items[:-1], inner]
    if loc and isinstance(value, dict):
        entries = cast(dict[int | str, Any], value)
        if not entries or next(reversed(entries)) != loc[0]:
            return _Nothing
        inner = _without_trailing_item(entries[loc[0]], loc[1:])
        return _Nothing if inner is _Nothing else {**entries, loc[0]: inner}
    return _Nothing


def _without_trailing_number(text: str) -> str:
    """`text` less the number it ends with, which may still grow (`12` may become `123`).

    A string that ends with a number after a space or comma loses that number too, until more arrives.
    """
    head = text.rstrip(_NUMBER_CHARACTERS)
    tail = text[len(head) :]
    if tail and (tail[0] == '-' or tail[0].isdigit()) and (not head or head[-1] in _BEFORE_A_VALUE):
        return head
    return text
