"""`pydantic-ai-groq batch`: the real command, on the emulator's Batch API; Ctrl-C, then the same command resumes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _batch_helpers import MODEL, SteppingClock, batch_polled, batch_posts
from _cli_helpers import COMMAND, command_env, run_command

from pydantic_ai_groq.cli import main
from pydantic_ai_groq.testing import GroqEmulator


def _inputs(tmp_path: Path) -> Path:
    path = tmp_path / 'in.jsonl'
    lines = ['"Hello"', '{"custom_id": "inv", "prompt": "My invoice is wrong"}', '"The app crashes"']
    path.write_text('\n'.join(lines) + '\n')
    return path


def _interrupt_after_submit(command: list[str], env: dict[str, str], emulator: GroqEmulator) -> tuple[int, str]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # waiting for the event, generous for a loaded machine
        while not batch_polled(emulator) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert batch_posts(emulator) == 1
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the command hangs
            process.kill()
            process.communicate()
    return process.returncode, stderr


def test_ctrl_c_after_submit_then_the_same_command_resumes_without_a_second_post(tmp_path: Path) -> None:
    clock = SteppingClock()
    emulator = GroqEmulator(clock=clock)
    output = tmp_path / 'out.jsonl'
    schema = tmp_path / 'schema.json'
    schema.write_text(
        json.dumps({'type': 'object', 'properties': {'category': {'type': 'string'}}, 'required': ['category']})
    )
    with emulator.serve() as url:
        env = command_env(GROQ_API_KEY='k', GROQ_BASE_URL=url)
        args = ['batch', str(_inputs(tmp_path)), '-o', str(output), '-m', MODEL, '--poll-interval', '0.01']
        args += ['-i', 'Classify the ticket.', '--output-schema', str(schema)]
        code, stderr = _interrupt_after_submit([*COMMAND, *args], env, emulator)
        assert code == 130
        assert 'run the same command to resume' in stderr
        assert not output.exists()
        clock.running = True
        resumed = run_command(*args, env=env)
        assert resumed.returncode == 0, resumed.stderr
        assert '3 completed, 0 failed, 0 expired, 0 cancelled' in resumed.stdout
        assert batch_posts(emulator) == 1
        status = run_command('batch', str(_inputs(tmp_path)), '-o', str(output), '-m', MODEL, '--status', env=env)
    assert status.returncode == 0, status.stderr
    assert 'completed  3/3 lines' in status.stdout
    assert '1 batches, 0 in flight; inputs: 3 completed' in status.stdout
    items = {line['custom_id']: line for line in map(json.loads, output.read_text().splitlines())}
    assert sorted(items) == ['1', '3', 'inv']
    assert items['inv']['output'] == {'category': 'a'}
    assert emulator.requests[0]['messages'][0] == {'role': 'system', 'content': 'Classify the ticket.'}


def test_cancel_then_the_same_command_ends_the_inputs_cancelled(tmp_path: Path) -> None:
    clock = SteppingClock()
    emulator = GroqEmulator(clock=clock)
    output = tmp_path / 'out.jsonl'
    with emulator.serve() as url:
        env = command_env(GROQ_API_KEY='k', GROQ_BASE_URL=url)
        args = ['batch', str(_inputs(tmp_path)), '-o', str(output), '-m', MODEL, '--poll-interval', '0.01']
        code, _ = _interrupt_after_submit([*COMMAND, *args], env, emulator)
        assert code == 130
        cancelled = run_command(*args, '--cancel', env=env)
        assert cancelled.returncode == 0, cancelled.stderr
        assert 'cancelled 1 batches' in cancelled.stdout
        clock.running = True
        resumed = run_command(*args, env=env)
    assert '0 completed, 0 failed, 0 expired, 3 cancelled' in resumed.stdout
    assert emulator.requests == []


def test_offline_runs_in_process_and_reports_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / 'out.jsonl'
    code = main(
        ['batch', str(_inputs(tmp_path)), '-o', str(output), '-m', MODEL, '--offline', '--poll-interval', '0.01']
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert '3 completed' in captured.out
    assert 'Offline' in captured.err
    assert 'round 1: 3/3 lines completed; 3/3 inputs done, 0 failed' in captured.err
    assert 'done after 1 rounds: 3/3 inputs, 0 failed' in captured.err
    assert [json.loads(line)['output'] for line in output.read_text().splitlines()] == ['success (no tool calls)'] * 3


def test_bad_inputs_and_schemas_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / 'out.jsonl'
    bad = tmp_path / 'bad.jsonl'
    bad.write_text('"ok"\n{"text": "no prompt"}\n')
    base = ['-o', str(output), '-m', MODEL, '--offline', '--poll-interval', '0.01']
    assert main(['batch', str(bad), *base]) == 1
    assert (
        f'{bad}:2: expected a JSON string (the prompt) or an object with a "prompt" string' in capsys.readouterr().err
    )
    assert main(['batch', str(tmp_path / 'missing.jsonl'), *base]) == 1
    assert 'missing.jsonl: no such file' in capsys.readouterr().err
    schema = tmp_path / 'schema.json'
    schema.write_text('{')
    assert main(['batch', str(_inputs(tmp_path)), *base, '--output-schema', str(schema)]) == 1
    assert 'cannot read a JSON schema' in capsys.readouterr().err
