"""Durable runs on DBOS with Postgres: two worker processes share a queue; one is killed, the other recovers its runs.

The cluster is created by the test (PostgreSQL 15 from the machine image) on a free loopback port.
Worker A runs one queued run to the end and dies (SIGKILL) inside the tool of its second. Worker B
holds its own first run in the tool until A is dead (so A surely gets two), then takes over A's
pending run (`DBOS.list_workflows(status='PENDING', executor_id='worker-a')`, each put back on its
queue with `DBOS.resume_workflow`: recovery without Conductor) and works the queue to the end.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _postgres import postgres_cluster
from dbos import DBOSClient

from pydantic_ai_groq.testing import GroqEmulator

CHILD = Path(__file__).parent / '_dbos_child.py'
RUNS = 4
WAIT = 300  # seconds: an upper bound for a busy machine, never a measure of speed


@pytest.fixture(scope='module')
def postgres_url() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


def _worker(config: dict[str, Any]) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    ready = worker.stdout.readline()  # blocks until DBOS launched in the worker
    assert ready.startswith('{"ready"'), worker.communicate(timeout=WAIT)[1]
    return worker


def test_a_killed_workers_runs_are_recovered_by_another_worker(postgres_url: str, tmp_path: Path) -> None:
    emulator = GroqEmulator()  # the default policy: call `charge` once, then answer
    with emulator.serve() as base_url:
        common = {
            'db_url': postgres_url,
            'base_url': base_url,
            'side_effects': str(tmp_path / 'charges.txt'),
            'mode': 'work',
            'concurrency': 1,
            'stop_file': str(tmp_path / 'stop'),
            'gate_file': str(tmp_path / 'gate'),
        }
        a = _worker({**common, 'executor_id': 'worker-a', 'crash': 'in_tool', 'crash_at_call': 2, 'gate_file': None})
        b = _worker({**common, 'executor_id': 'worker-b', 'recover_executor': 'worker-a'})
        client = DBOSClient(system_database_url=postgres_url)
        try:
            handles = [
                client.enqueue({'queue_name': 'billing-runs', 'workflow_name': 'billing.handle'}, f'Charge {n}')
                for n in range(RUNS)
            ]
            assert a.wait(timeout=WAIT) == -signal.SIGKILL  # inside the tool of its second run
            (tmp_path / 'gate').touch()  # B goes on, and recovers A's pending run
            results = [handle.get_result(polling_interval_sec=0.05) for handle in handles]
            (tmp_path / 'stop').touch()
            assert b.wait(timeout=WAIT) == 0, b.communicate()[1]
            statuses = client.list_workflows(workflow_ids=[h.get_workflow_id() for h in handles])
        finally:
            client.destroy()
            for worker in (a, b):
                if worker.poll() is None:  # pragma: no cover - only when an assertion above failed
                    worker.kill()
                worker.communicate()
    by_worker = [result['pid'] for result in results]
    assert by_worker.count(a.pid) == 1  # A finished one run before it died
    assert by_worker.count(b.pid) == RUNS - 1  # B its own, the rest of the queue, and A's interrupted one
    assert sorted(status.executor_id or '' for status in statuses) == ['worker-a'] + ['worker-b'] * (RUNS - 1)
    assert all(status.status == 'SUCCESS' for status in statuses)
    # Two requests a run: the request before A's crash was not sent again.
    assert len(emulator.requests) == 2 * RUNS
    # One charge a run, and the one A was inside when it died ran again in B: at least once per step.
    assert len((tmp_path / 'charges.txt').read_text().splitlines()) == RUNS + 1
