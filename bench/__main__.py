"""`python -m bench`: run every suite and print one report.

Suites are modules with `run(options) -> list[Row]`; add new ones to `SUITES`.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time

from ._harness import Options, Row, format_report, machine_summary

SUITES = (
    'bench.model',
    'bench.imports',
    'bench.agent',
    'bench.agent_iter',
    'bench.toolsets',
    'bench.rate_limit',
    'bench.instrumentation',
    'bench.mcp',
    'bench.batch',
    'bench.temporal',
    'bench.durable',
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    parser.add_argument('-k', '--only', help='run only benchmarks whose name contains this text')
    parser.add_argument('--quick', action='store_true', help='fewer repetitions: a smoke run, noisier numbers')
    parser.add_argument('--check', action='store_true', help='exit with status 1 when a target is missed')
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, only=args.only)

    command = shlex.join(['python', '-m', 'bench', *(sys.argv[1:] if argv is None else argv)])
    print('\n'.join(machine_summary(command)), flush=True)
    start = time.perf_counter()
    rows: list[Row] = []
    for suite in SUITES:
        print(f'running {suite} ...', file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(suite).run(options))
    print()
    print(format_report(rows))
    missed = [row.name for row in rows if row.ok is False]
    print()
    print(
        f'{len(rows)} rows, {sum(row.ok is True for row in rows)} targets met, {len(missed)} missed; '
        f'took {time.perf_counter() - start:.1f} s'
    )
    return 1 if args.check and missed else 0


if __name__ == '__main__':
    sys.exit(main())
