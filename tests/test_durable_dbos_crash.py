"""Durable runs on DBOS survive SIGKILL: child processes die at chosen points and a new one finishes the run.

Each test runs the billing agent of `_dbos_child.py` in a subprocess against a loopback emulator,
with DBOS on a SQLite file in `tmp_path`. The first child dies (SIGKILL) at a chosen point; a second
one launches DBOS, which resumes the interrupted workflow. The emulator's request count and the
tool's side-effect file show what ran once and what (the step in flight) ran again.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from dbos import DBOSClient

from pydantic_ai_groq import Agent
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

CHILD = Path(__file__).parent / '_dbos_child.py'
# Generous: the children import DBOS and start it on a busy machine; nothing here measures speed.
CHILD_TIMEOUT = 300


def _script() -> list[Reply]:
    return [Reply(tool_calls=[ToolCallReply('charge', {'amount': 5})]), Reply(text='Charged 5.')]


@pytest.fixture
def served() -> Iterator[tuple[GroqEmulator, str]]:
    emulator = GroqEmulator(_script())
    with emulator.serve() as base_url:
        yield emulator, base_url


def _run_child(config: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), json.dumps(config)], capture_output=True, text=True, timeout=CHILD_TIMEOUT
    )


def _crash_then_recover(tmp_path: Path, base_url: str, crash: str) -> dict[str, Any]:
    config = {
        'db_url': f'sqlite:///{tmp_path / "dbos.sqlite"}',
        'base_url': base_url,
        'side_effects': str(tmp_path / 'charges.txt'),
        'workflow_id': 'ticket-1',
        'mode': 'start',
        'crash': crash,
    }
    killed = _run_child(config)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    recovered = _run_child({**config, 'mode': 'recover', 'crash': 'none'})
    assert recovered.returncode == 0, recovered.stderr
    [result] = json.loads(recovered.stdout.splitlines()[-1])
    return result


def _charges(tmp_path: Path) -> list[str]:
    return (tmp_path / 'charges.txt').read_text().splitlines()


async def _uninterrupted_usage() -> dict[str, int]:
    """The usage of the same run (the child's agent and tool) on the same script, undurable and uninterrupted."""
    emulator = GroqEmulator(_script())

    def charge(amount: int) -> str:
        """Charge the customer's card."""
        return f'charged {amount}'

    agent = Agent(GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client()), tools=[charge])
    usage = (await agent.run('Charge 5 to the card')).usage()
    return {
        'requests': usage.requests,
        'tool_calls': usage.tool_calls,
        'input_tokens': usage.input_tokens,
        'output_tokens': usage.output_tokens,
    }


def _usage_of(result: dict[str, Any]) -> dict[str, int]:
    return {key: result[key] for key in ('requests', 'tool_calls', 'input_tokens', 'output_tokens')}


async def test_killed_between_the_tool_and_the_next_request_repeats_neither(
    tmp_path: Path, served: tuple[GroqEmulator, str]
) -> None:
    emulator, base_url = served
    result = _crash_then_recover(tmp_path, base_url, 'after_tool')
    assert result['output'] == 'Charged 5.'
    assert len(emulator.requests) == 2  # the first request was not sent again
    assert _charges(tmp_path) == ['5']  # the card was charged once
    assert _usage_of(result) == await _uninterrupted_usage()


async def test_killed_inside_the_tool_runs_only_that_tool_again(
    tmp_path: Path, served: tuple[GroqEmulator, str]
) -> None:
    emulator, base_url = served
    result = _crash_then_recover(tmp_path, base_url, 'in_tool')
    assert result['output'] == 'Charged 5.'
    assert len(emulator.requests) == 2  # the request before the tool was not sent again
    assert _charges(tmp_path) == ['5', '5']  # the step in flight runs again: at least once per step
    assert _usage_of(result) == await _uninterrupted_usage()


async def test_killed_mid_model_request_sends_only_that_request_again(
    tmp_path: Path, served: tuple[GroqEmulator, str]
) -> None:
    emulator, base_url = served
    emulator.push(Reply(text='Charged 5.'))  # the answer to the request sent again
    result = _crash_then_recover(tmp_path, base_url, 'mid_request')
    assert result['output'] == 'Charged 5.'
    first, second, resent = emulator.requests
    assert resent == second  # the request in flight, sent again with the same history
    assert first != second
    assert _charges(tmp_path) == ['5']
    assert _usage_of(result) == await _uninterrupted_usage()


async def test_a_run_waiting_for_approval_survives_its_process_and_resumes_on_a_message(tmp_path: Path) -> None:
    emulator = GroqEmulator(
        [Reply(tool_calls=[ToolCallReply('refund', {'order': 7}, id='call_1')]), Reply(text='Refunded order 7.')]
    )
    db_url = f'sqlite:///{tmp_path / "dbos.sqlite"}'
    with emulator.serve() as base_url:
        config = {
            'db_url': db_url,
            'base_url': base_url,
            'side_effects': str(tmp_path / 'charges.txt'),
            'workflow': 'refund',
            'workflow_id': 'refund-1',
            'mode': 'start',
        }
        waiting = subprocess.Popen([sys.executable, str(CHILD), json.dumps(config)], stderr=subprocess.PIPE, text=True)
        try:
            await _until(lambda: len(emulator.requests) == 1 or waiting.poll() is not None)
            client = DBOSClient(system_database_url=db_url)
            try:
                # The workflow says what it waits for; then its process dies while it waits.
                assert client.get_event('refund-1', 'waiting_for', timeout_seconds=CHILD_TIMEOUT) == ['call_1']
                waiting.kill()
                assert waiting.wait(timeout=CHILD_TIMEOUT) == -signal.SIGKILL
                # The decision arrives while no process runs the workflow: DBOS keeps it.
                client.send('refund-1', {'call_1': True}, topic='approvals')
            finally:
                client.destroy()
        finally:
            if waiting.poll() is None:  # pragma: no cover - only when an assertion above failed
                waiting.kill()
            waiting.communicate()
        recovered = _run_child({**config, 'mode': 'recover'})
    assert recovered.returncode == 0, recovered.stderr
    [result] = json.loads(recovered.stdout.splitlines()[-1])
    assert result['output'] == 'Refunded order 7.'
    assert len(emulator.requests) == 2  # the request that asked for the refund was not sent again
    assert _charges(tmp_path) == ['refund 7']  # refunded once, after the approval


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for `condition`, polling, with a generous upper bound (nothing here measures speed)."""
    with anyio.fail_after(CHILD_TIMEOUT):
        while not condition():
            await anyio.sleep(0.05)
