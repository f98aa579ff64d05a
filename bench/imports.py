"""Import time, and what the first request still imports, each in fresh processes.

Cold import: `python -c 'import X'` wall time, median of 7 interleaved runs, minus the median
of `python -c 'pass'` (the interpreter's own start). First request: `bench._first_request`
builds a model on the in-process transport, snapshots `sys.modules`, makes one request and
reports what it imported and how much slower it was than the next 20.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ._harness import BenchmarkError, Options, Row, Target

__all__ = ('run',)

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
FIRST_REQUEST_RUNS = 3

_PASS = 'pass'
_STATEMENTS = {
    'pkg': 'import pydantic_ai_groq',
    'agent': 'from pydantic_ai_groq import Agent',
    'groq_model': 'import pydantic_ai_groq.models.groq',
    'groq': 'import groq',
    'httpx': 'import httpx',
    'pydantic': 'import pydantic',
    'pydantic_models': 'import pydantic; pydantic.BaseModel',
}


# Against `import groq` measured in the same run: what the hand-written raw-SDK loop imports before its first
# request (the agent stack does not import groq until a GroqModel is used). Measured 0.52 both idle (156 vs
# 301 ms) and under load (266 vs 492 ms); the `import pydantic; pydantic.BaseModel` floor moved from 59 to
# 147 ms with the load while ours moved less, so a ratio to it measured the machine more than the package.
IMPORT_RATIO = 0.7


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    if result.returncode:
        raise BenchmarkError(f'python {" ".join(args)} failed ({result.returncode}):\n{result.stderr}')
    return result


def _wall_ms(code: str) -> float:
    start = time.perf_counter_ns()
    _python('-c', code)
    return (time.perf_counter_ns() - start) / 1e6


def _cold_imports(runs: int) -> dict[str, list[float]]:
    codes = {'pass': _PASS, **_STATEMENTS}
    for code in codes.values():  # warm the OS file cache and write any missing .pyc files
        _wall_ms(code)
    times: dict[str, list[float]] = {key: [] for key in codes}
    keys = list(codes)
    for n in range(runs):
        for key in keys[n % len(keys) :] + keys[: n % len(keys)]:  # rotate the order each round
            times[key].append(_wall_ms(codes[key]))
    return times


def _importtime(statement: str) -> list[tuple[int, str, float, float]]:
    """`-X importtime` lines as (depth, module, self ms, cumulative ms)."""
    entries: list[tuple[int, str, float, float]] = []
    for line in _python('-X', 'importtime', '-c', statement).stderr.splitlines():
        if not line.startswith('import time:') or 'self [us]' in line:
            continue
        head, cumulative_us, name = line.split('|')
        self_us = head.rsplit(':', 1)[1]
        name = name[1:]  # one space separates the column from the indented name
        depth = (len(name) - len(name.lstrip())) // 2
        entries.append((depth, name.strip(), int(self_us) / 1000, int(cumulative_us) / 1000))
    return entries


def _import_notes() -> list[str]:
    notes: list[str] = []
    probe = (
        'import sys; from pydantic_ai_groq import Agent; '
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'groq', 'httpx', 'anyio', 'opentelemetry', 'pydantic', 'click', 'rich', 'asyncio'})))"
    )
    loaded = _python('-c', probe).stdout.strip()
    notes.append(f'`from pydantic_ai_groq import Agent` loads, of the heavy ones: {loaded or "none"}')
    children = [(cum, name) for depth, name, _, cum in _importtime(_STATEMENTS['agent']) if depth == 1]
    top = ', '.join(f'{name} {cum:.0f} ms' for cum, name in sorted(children, reverse=True)[:4])
    notes.append(f'-X importtime, biggest direct imports (cumulative, one run): {top}')
    return notes


def _httpx_notes() -> list[str]:
    entries = _importtime(_STATEMENTS['httpx'])
    total = next((cum for _, name, _, cum in entries if name == 'httpx'), None)
    cli = next((cum for _, name, _, cum in entries if name == 'httpx._main'), None)
    if cli is None:
        return ['httpx does not import its CLI here (click or rich missing)']
    return [
        f'httpx imports its CLI (httpx._main: {cli:.0f} of {total or 0:.0f} ms, -X importtime, one run) because '
        'click and rich are installed in this dev venv; a user without them does not pay for it'
    ]


def _summarize(modules: list[str], limit: int = 8) -> str:
    """A module list, or for long lists the packages they come from, with counts."""
    if not modules:
        return 'none'
    if len(modules) <= limit:
        return ', '.join(modules)
    groups: dict[str, int] = {}
    for module in modules:
        prefix = '.'.join(module.split('.')[:2])
        groups[prefix] = groups.get(prefix, 0) + 1
    return ', '.join(prefix if count == 1 else f'{prefix}.* ({count})' for prefix, count in groups.items())


def _first_request(contender: str, kind: str) -> dict[str, Any]:
    results = [
        json.loads(_python('-m', 'bench._first_request', contender, kind).stdout) for _ in range(FIRST_REQUEST_RUNS)
    ]
    extras = [r['first_ms'] - r['next_median_ms'] for r in results]
    return {
        'extra_ms': statistics.median(extras),
        'first_ms': statistics.median(r['first_ms'] for r in results),
        'next_median_ms': statistics.median(r['next_median_ms'] for r in results),
        'new_modules': results[0]['new_modules'],
    }


def _first_request_rows(options: Options) -> list[Row]:
    rows: list[Row] = []
    for kind in ('plain', 'stream'):
        name = f'first request extra ({"streamed" if kind == "stream" else "non-streamed"})'
        if not options.wants(name):
            continue
        ours = _first_request('ours', kind)
        sdk = _first_request('sdk', kind)
        modules = ours['new_modules']
        notes = [
            f'ours: first {ours["first_ms"]:.2f} ms, then median {ours["next_median_ms"]:.3f} ms; '
            f'SDK: first {sdk["first_ms"]:.2f} ms, then {sdk["next_median_ms"]:.3f} ms '
            f'(median of {FIRST_REQUEST_RUNS} fresh processes)',
            f'modules the first request imports, ours ({len(modules)}): {_summarize(modules)}',
            f'modules the first request imports, SDK alone ({len(sdk["new_modules"])}): '
            f'{_summarize(sdk["new_modules"])}',
        ]
        if kind == 'plain':
            primed = _first_request('ours-primed', kind)
            notes.append(
                f"ours with the SDK's one-time platform probe done beforehand (client._platform set): "
                f'{primed["extra_ms"]:.2f} ms extra; the rest is the SDK running get_platform() in a worker '
                f'thread on its first request (the thread pool is where queue/concurrent.futures come from)'
            )
        rows.append(Row(name, ours['extra_ms'], sdk['extra_ms'], 'ms', Target('ours', 5), notes=notes))
    return rows


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    names = (
        'cold import pydantic_ai_groq',
        'cold from pydantic_ai_groq import Agent',
        'cold import ...models.groq',
        'cold import httpx',
        'cold import pydantic',
    )
    if any(options.wants(name) for name in names):
        times = _cold_imports(3 if options.quick else RUNS)
        start = statistics.median(times['pass'])
        net = {key: statistics.median(values) - start for key, values in times.items()}
        wall = {key: statistics.median(values) for key, values in times.items()}

        def note(key: str) -> str:
            return (
                f'`{_STATEMENTS[key]}`: wall {wall[key]:.0f} ms minus `python -c pass` {start:.0f} ms '
                f'(medians of {len(times[key])} interleaved fresh processes)'
            )

        rows.append(
            Row(
                'cold import pydantic_ai_groq (net)',
                net['pkg'],
                net['groq'],
                'ms',
                Target('ratio', IMPORT_RATIO),
                notes=[
                    note('pkg'),
                    'the package imports what needs only pydantic; GroqModel (groq) and the instrumentation names '
                    '(OpenTelemetry) load on first use (PEP 562)',
                ],
            )
        )
        rows.append(
            Row(
                'cold from pydantic_ai_groq import Agent (net)',
                net['agent'],
                net['groq'],
                'ms',
                Target('ratio', IMPORT_RATIO),
                notes=[
                    note('agent'),
                    note('groq') + ': the baseline, what a raw-SDK loop imports',
                    note('pydantic_models') + ': the floor for any code that defines pydantic models (context)',
                    *_import_notes(),
                ],
            )
        )
        rows.append(
            Row(
                'cold import ...models.groq vs groq (net)',
                net['groq_model'],
                net['groq'],
                'ms',
                notes=[note('groq_model'), note('groq')],
            )
        )
        rows.append(
            Row('cold import httpx (net, context)', net['httpx'], None, 'ms', notes=[note('httpx'), *_httpx_notes()])
        )
        rows.append(Row('cold import pydantic (net, context)', net['pydantic'], None, 'ms', notes=[note('pydantic')]))
    rows.extend(_first_request_rows(options))
    return rows
