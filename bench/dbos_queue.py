"""Throughput of durable runs through a DBOS queue on Postgres, with 1 and 2 worker processes.

`python -m bench.dbos_queue [--runs N] [--concurrency C]`: starts a PostgreSQL 15 cluster in a temp
dir (as the tests do), a loopback emulator, then for 1 and 2 workers (each `tests/_dbos_child.py`
in `work` mode, its own `executor_id`, `worker_concurrency=C`) enqueues N runs of the billing agent
(two model requests and one tool call each) and times them from the first enqueue to the last
result. Not part of `make bench`: it takes a minute and needs PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
CHILD = ROOT / 'tests' / '_dbos_child.py'
sys.path.insert(0, str(ROOT / 'tests'))

from _postgres import postgres_cluster  # noqa: E402  (the tests' cluster helper)


def _measure(db_url: str, base_url: str, workers: int, runs: int, concurrency: int, tmp: Path) -> float:
    from dbos import DBOSClient

    stop = tmp / f'stop-{workers}'
    common: dict[str, Any] = {
        'db_url': db_url,
        'base_url': base_url,
        'side_effects': str(tmp / 'charges.txt'),
        'mode': 'work',
        'concurrency': concurrency,
        'stop_file': str(stop),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(CHILD), json.dumps({**common, 'executor_id': f'w{workers}-{n}'})],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().startswith('{"ready"')
    client = DBOSClient(system_database_url=db_url)
    try:
        start = time.perf_counter()
        handles = [
            client.enqueue({'queue_name': 'billing-runs', 'workflow_name': 'billing.handle'}, f'Charge {n}')
            for n in range(runs)
        ]
        for handle in handles:
            handle.get_result(polling_interval_sec=0.02)
        elapsed = time.perf_counter() - start
    finally:
        client.destroy()
        stop.touch()
        for proc in procs:
            proc.wait(timeout=120)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog='python -m bench.dbos_queue', description=__doc__)
    parser.add_argument('--runs', type=int, default=40)
    parser.add_argument('--concurrency', type=int, default=4, help='worker_concurrency of each worker')
    args = parser.parse_args()

    from pydantic_ai_groq.testing import GroqEmulator

    emulator = GroqEmulator(keep_requests=0)
    with tempfile.TemporaryDirectory() as tmp, postgres_cluster() as db_url, emulator.serve() as base_url:
        print(f'{args.runs} runs (2 requests + 1 tool call each), worker_concurrency={args.concurrency}')
        print('| workers | runs | seconds | runs/s |')
        print('|---|---|---|---|')
        for workers in (1, 2):
            seconds = _measure(db_url, base_url, workers, args.runs, args.concurrency, Path(tmp))
            print(f'| {workers} | {args.runs} | {seconds:.1f} | {args.runs / seconds:.1f} |', flush=True)


if __name__ == '__main__':
    main()
