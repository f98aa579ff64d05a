"""Partial JSON of streamed structured output: our incremental parser against re-parsing each prefix.

The document is `{"title": ..., "summary": "<long text>", "items": [...]}` cut at random points
into 1,000 or 4,000 pieces (about 5 characters each, so the 4,000-piece document is 4 times
longer). After every piece, ours feeds it to `PartialJsonParser` and takes `value()`; the
baseline appends it to a buffer and re-parses the whole buffer with
`pydantic_core.from_json(buffer, allow_partial='trailing-strings')`, which costs time quadratic
in the number of pieces. The growth rows compare the per-piece cost at 4,000 pieces with that at
1,000, timed against each other in pairs: linear work stays at about 1, quadratic work at about 4.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic_core

from pydantic_ai_groq._partial_json import PartialJsonParser

from ._harness import Options, PairResult, Row, Target, check_equal, time_pair

__all__ = ('run',)

SMALL = 1000
LARGE = 4000
MEAN_PIECE = 5

_TEXT = (
    'the quick brown fox jumps over a lazy dog while the model streams its answer , '
    'one small "piece" at a time \\ with a newline\n and some é accents and 😀 now and then .'
)
_WORDS = _TEXT.split(' ')


def document(pieces: int, seed: int = 7) -> tuple[str, list[str]]:
    """A document about `MEAN_PIECE * pieces` characters long, cut into exactly `pieces` pieces."""
    rng = random.Random(seed)
    target = MEAN_PIECE * pieces
    summary = ' '.join(rng.choice(_WORDS) for _ in range(target // 12))
    items: list[dict[str, Any]] = []
    value: dict[str, Any] = {'title': 'A streamed report', 'summary': summary, 'items': items}
    text = json.dumps(value)
    while len(text) < target:
        n = len(items)
        items.append({'id': n, 'name': f'item {n}', 'score': round(rng.random() * 100, 2), 'tags': ['a', 'b']})
        text = json.dumps(value)
    cuts = sorted(rng.sample(range(1, len(text)), pieces - 1))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in itertools.pairwise(bounds)]


def _contenders(pieces: list[str]) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]:
    from_json = pydantic_core.from_json

    async def ours() -> Any:
        parser = PartialJsonParser()
        for piece in pieces:
            parser.feed(piece)
            parser.value()
        return parser.value()

    async def baseline() -> Any:
        buffer = ''
        value: Any = None
        for piece in pieces:
            buffer += piece
            value = from_json(buffer, allow_partial='trailing-strings')
        return value

    return ours, baseline


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    budget_s = 1.5 if options.quick else 6.0
    min_reps = 5 if options.quick else 15

    async def main() -> None:
        contenders: dict[int, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]] = {}
        for pieces in (SMALL, LARGE):
            text, cut = document(pieces)
            ours, baseline = _contenders(cut)
            # Correctness first: numbers for readers that disagree would mean nothing.
            check_equal(f'ours vs json.loads ({pieces} pieces)', await ours(), json.loads(text))
            check_equal(f'baseline vs json.loads ({pieces} pieces)', await baseline(), json.loads(text))
            contenders[pieces] = ours, baseline
            name = f'partial JSON, {pieces} pieces (per piece)'
            if options.wants(name):
                result = await time_pair(ours, baseline, budget_s=budget_s, min_reps=min_reps)
                rows.append(
                    Row(
                        name,
                        result.ours_ns / pieces / 1000,
                        result.baseline_ns / pieces / 1000,
                        'µs',
                        Target('ratio', 0.5) if pieces == LARGE else None,
                        ratio=result.ratio,
                        notes=[
                            f'{len(text):,} characters; feed + value() after every piece vs re-parsing the prefix with '
                            f"from_json(allow_partial='trailing-strings'); {result.reps} interleaved repetitions "
                            f'x {result.inner}; ratio = median of paired ratios'
                        ],
                    )
                )
        name = f'partial JSON growth, per piece at {LARGE} / at {SMALL} pieces'
        if options.wants(name):
            growth: dict[str, PairResult] = {}
            for index, who in enumerate(('ours', 'baseline')):
                growth[who] = await time_pair(
                    contenders[LARGE][index], contenders[SMALL][index], budget_s=budget_s, min_reps=min_reps
                )
            scale = SMALL / LARGE
            ours_growth = growth['ours'].ratio * scale
            baseline_growth = growth['baseline'].ratio * scale
            rows.append(
                Row(
                    name,
                    ours_growth,
                    baseline_growth,
                    'x',
                    Target('ours', 1.25),
                    notes=[
                        f'per-piece cost at {LARGE} pieces over that at {SMALL} (the documents grow with the pieces): '
                        f'1 is linear total work, {LARGE // SMALL} quadratic; each is the median of paired ratios of '
                        f'{LARGE} against {SMALL} pieces ({growth["ours"].reps} and {growth["baseline"].reps} '
                        'repetitions)',
                        'ours is not exactly flat: value() copies the string being read (here the summary), '
                        'which is longer in the longer document',
                    ],
                )
            )

    asyncio.run(main())
    return rows
