"""Batch jobs stopped after a submit resume polling the same batches: no second `POST /batches` for a round."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from _batch_helpers import City, SteppingClock, batch_polled, batch_posts, emulator_model, three_round_agent
from _cli_helpers import command_env

from pydantic_ai_groq import Agent
from pydantic_ai_groq.batch import batch_job_status, cancel_batch_job
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.testing import GroqEmulator, VirtualClock

pytestmark = pytest.mark.anyio

JOB = Path(__file__).parent / '_batch_job.py'


async def _stop_after_first_submit(
    agent: Agent[None, City], emulator: GroqEmulator, clock: VirtualClock, path: Path
) -> None:
    async with anyio.create_task_group() as group:

        async def stop() -> None:
            while not batch_posts(emulator):
                await clock.sleep(1)
            group.cancel_scope.cancel()

        group.start_soon(stop)
        await agent.run_batch([f'City {index}?' for index in range(20)], results_path=path, clock=clock)


async def test_a_job_stopped_after_submit_resumes_without_posting_the_round_again(tmp_path: Path) -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    path = tmp_path / 'out.jsonl'
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        await _stop_after_first_submit(agent, emulator, clock, path)
        assert batch_posts(emulator) == 1
        assert not path.exists()
        state = json.loads((tmp_path / 'out.jsonl.state.json').read_text())
        assert [batch['round'] for batch in state['batches']] == [1]
        status = await batch_job_status(path, model)
        assert [batch.status for batch in status.in_flight] == ['validating']
        results = await agent.run_batch([f'City {index}?' for index in range(20)], results_path=path, clock=clock)
        assert results.counts.completed == 20
        assert batch_posts(emulator) == 3  # round 1 polled again, rounds 2 and 3 sent once each
        # Run again once done: everything is in the results file, nothing is sent.
        sent = len(emulator.batches.log)
        again = await agent.run_batch([f'City {index}?' for index in range(20)], results_path=path, clock=clock)
        assert again.counts.completed == 20
        assert len(emulator.batches.log) == sent + 3  # the three recorded input files, read back
        assert len(path.read_text().splitlines()) == 20
        done = await batch_job_status(path, model)
        assert [batch.status for batch in done.batches] == ['completed'] * 3
        assert done.counts.completed == 20 and done.usage.requests == 60


async def test_cancel_from_the_state_file_then_resume_ends_inputs_cancelled(tmp_path: Path) -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    path = tmp_path / 'out.jsonl'
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        await _stop_after_first_submit(agent, emulator, clock, path)
        cancelled = await cancel_batch_job(path, model)
        assert len(cancelled) == 1
        assert await cancel_batch_job(path, model) == []  # nothing left in flight
        results = await agent.run_batch([f'City {index}?' for index in range(20)], results_path=path, clock=clock)
    assert results.counts.cancelled == 20
    assert batch_posts(emulator) == 1
    assert emulator.requests == []


async def test_a_state_file_of_another_model_or_not_a_state_file_is_refused(tmp_path: Path) -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    path = tmp_path / 'out.jsonl'
    state = tmp_path / 'out.jsonl.state.json'
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        state.write_text(json.dumps({'version': 1, 'model': 'openai/gpt-oss-20b', 'batches': []}))
        with pytest.raises(
            UserError, match=r"records a batch job on 'openai/gpt-oss-20b', not 'llama-3\.3-70b-versatile'"
        ):
            await agent.run_batch(['a'], results_path=path, clock=clock)
        state.write_text('{')
        with pytest.raises(UserError, match='is not a batch state file'):
            await agent.run_batch(['a'], results_path=path, clock=clock)


def test_a_process_killed_after_submit_resumes_with_one_post_per_round(tmp_path: Path) -> None:
    clock = SteppingClock()
    emulator = GroqEmulator(clock=clock)
    path = tmp_path / 'out.jsonl'
    env = command_env()
    with emulator.serve() as url:
        command = [sys.executable, str(JOB), url, str(path), '30']
        first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120  # a wait for the event, generous for a loaded machine
            while not batch_polled(emulator) and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.05)
            assert batch_posts(emulator) == 1
        finally:
            first.kill()
            first.wait()
        assert not path.exists()
        clock.running = True
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert 'completed=30' in second.stdout
    assert batch_posts(emulator) == 3
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(line['custom_id'] for line in lines) == sorted(str(index) for index in range(30))
    assert {line['status'] for line in lines} == {'completed'}
