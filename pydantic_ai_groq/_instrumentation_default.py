"""The instrumentation's one global setting: what `instrument_all()` chose for agents not told otherwise.

It lives outside the `instrumentation` package so that `Agent` can read it on every run without
importing OpenTelemetry, which only instrumented programs pay for: importing any module of a package
runs the package's `__init__`, and `instrumentation/__init__.py` imports OpenTelemetry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .instrumentation import InstrumentationSettings

__all__ = ('default_instrumentation', 'set_default_instrumentation')

_default: InstrumentationSettings | None = None


def default_instrumentation() -> InstrumentationSettings | None:
    """The settings of agents created with `instrument=None`, or `None` when they are not instrumented."""
    return _default


def set_default_instrumentation(settings: InstrumentationSettings | None) -> None:
    """Replace the settings `default_instrumentation` returns."""
    global _default
    _default = settings
