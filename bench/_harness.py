"""Timing and reporting shared by the suites.

Contenders are timed in pairs, in one event loop, interleaved (ours then the baseline, then
the baseline then ours, ...), many repetitions, with `time.perf_counter_ns`. A pair's ratio is
the median of the per-repetition ratios ours/baseline: neighbours in time share whatever the
machine was doing, so the ratio stays steady even when absolute times drift.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = (
    'BenchmarkError',
    'Options',
    'PairResult',
    'Row',
    'Target',
    'check_equal',
    'format_report',
    'machine_summary',
    'time_pair',
)


class BenchmarkError(AssertionError):
    """The contenders disagree, or a benchmark cannot run: the numbers would mean nothing."""


@dataclass(frozen=True)
class Options:
    """How hard to try.

    Attributes:
        quick: Fewer repetitions (for smoke runs; numbers are noisier).
        only: Run only benchmarks whose name contains this text (case-insensitive).
    """

    quick: bool = False
    only: str | None = None

    def wants(self, name: str) -> bool:
        return self.only is None or self.only.lower() in name.lower()


@dataclass(frozen=True)
class Target:
    """What counts as good: `ratio` (ours/baseline) or `ours` (an absolute value in the row's unit) at most `limit`."""

    on: Literal['ratio', 'ours']
    limit: float

    def describe(self, unit: str) -> str:
        if self.on == 'ratio':
            return f'ratio <= {self.limit:g}'
        return f'<= {self.limit:g} {unit}'


@dataclass
class Row:
    """One line of the report.

    Attributes:
        name: What was measured.
        ours: Our number, in `unit`.
        baseline: The baseline's number (the raw SDK, usually), or `None` when there is none.
        unit: `µs`, `ms`, ...
        target: The goal, or `None` for context rows.
        ratio: ours/baseline; computed from the two when not given.
        notes: Lines printed under the table.
    """

    name: str
    ours: float
    baseline: float | None
    unit: str
    target: Target | None = None
    ratio: float | None = None
    notes: list[str] = field(default_factory=list[str])

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline:
            self.ratio = self.ours / self.baseline

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        value = self.ratio if self.target.on == 'ratio' else self.ours
        return value is not None and value <= self.target.limit


@dataclass(frozen=True)
class PairResult:
    """Medians of a timed pair, in ns per call, and the median of the paired ratios."""

    ours_ns: float
    baseline_ns: float
    ratio: float
    reps: int
    inner: int


def check_equal(what: str, ours: object, baseline: object) -> None:
    """Fail loudly when the contenders produced different results."""
    if ours != baseline:
        raise BenchmarkError(f'{what}: ours and the baseline disagree:\n  ours:     {ours!r}\n  baseline: {baseline!r}')


async def _sample(fn: Callable[[], Awaitable[object]], inner: int) -> int:
    start = time.perf_counter_ns()
    for _ in range(inner):
        await fn()
    return time.perf_counter_ns() - start


async def time_pair(
    ours: Callable[[], Awaitable[object]],
    baseline: Callable[[], Awaitable[object]],
    *,
    budget_s: float,
    min_reps: int = 15,
    max_reps: int = 200,
    min_sample_ns: int = 5_000_000,
) -> PairResult:
    """Time two coroutine functions against each other in the running event loop.

    Each repetition times `inner` calls of each (`inner` chosen so the slower one's sample
    takes at least `min_sample_ns`), alternating which goes first. Repetitions continue
    until `budget_s` is spent, at least `min_reps` and at most `max_reps` of them.
    """
    # Warm up both (first calls pay for lazy imports and caches) and size the samples.
    for _ in range(3):
        await ours()
        await baseline()
    slowest = max(await _sample(ours, 1), await _sample(baseline, 1), 1)
    inner = max(1, math.ceil(min_sample_ns / slowest))

    ours_ns: list[float] = []
    baseline_ns: list[float] = []
    ratios: list[float] = []
    deadline = time.perf_counter() + budget_s
    rep = 0
    while rep < max_reps and (rep < min_reps or time.perf_counter() < deadline):
        gc.collect()
        if rep % 2 == 0:
            a = await _sample(ours, inner)
            b = await _sample(baseline, inner)
        else:
            b = await _sample(baseline, inner)
            a = await _sample(ours, inner)
        ours_ns.append(a / inner)
        baseline_ns.append(b / inner)
        ratios.append(a / b)
        rep += 1
    return PairResult(
        ours_ns=statistics.median(ours_ns),
        baseline_ns=statistics.median(baseline_ns),
        ratio=statistics.median(ratios),
        reps=rep,
        inner=inner,
    )


def machine_summary(command: str) -> list[str]:
    return [
        f'command: {command} (cwd {os.getcwd()})',
        f'machine: {platform.machine()} {platform.system()} {platform.release()}, '
        f'{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"} usable)',
        f'python:  {platform.python_implementation()} {platform.python_version()} ({sys.executable})',
    ]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return '-'
    if value >= 100:
        return f'{value:,.0f} {unit}'
    if value >= 10:
        return f'{value:.1f} {unit}'
    return f'{value:.2f} {unit}'


def format_report(rows: list[Row]) -> str:
    header = ('benchmark', 'ours', 'baseline', 'ratio', 'target', 'result')
    table: list[tuple[str, ...]] = [header]
    for row in rows:
        ok = row.ok
        table.append(
            (
                row.name,
                _fmt(row.ours, row.unit),
                _fmt(row.baseline, row.unit),
                '-' if row.ratio is None else f'{row.ratio:.3f}',
                row.target.describe(row.unit) if row.target else '-',
                '-' if ok is None else ('ok' if ok else 'MISS'),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    aligns = ('<', '>', '>', '>', '<', '<')
    lines: list[str] = []
    for n, line in enumerate(table):
        lines.append(
            '  '.join(
                f'{cell:{align}{width}}' for cell, align, width in zip(line, aligns, widths, strict=True)
            ).rstrip()
        )
        if n == 0:
            lines.append('  '.join('-' * width for width in widths))
    notes = [(row.name, note) for row in rows for note in row.notes]
    if notes:
        lines.append('')
        lines.append('notes:')
        lines.extend(f'  {name}: {note}' for name, note in notes)
    return '\n'.join(lines)
