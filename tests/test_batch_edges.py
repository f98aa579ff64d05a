"""Edges of batch jobs and of the emulator's Batch API: refusals, errors mapped, resumes past ended inputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import anyio
import groq
import httpx
import pytest
from _batch_helpers import MODEL, batch_posts, emulator_model
from rich.console import Console

from pydantic_ai_groq import Agent
from pydantic_ai_groq.batch import BatchInputError, BatchProgress, batch_job_status
from pydantic_ai_groq.cli import main
from pydantic_ai_groq.cli._batch import _progress
from pydantic_ai_groq.cli._output import Terminal
from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError, UserError
from pydantic_ai_groq.models.fallback import FallbackModel
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, VirtualClock
from pydantic_ai_groq.testing import _batches as emulated_batches
from pydantic_ai_groq.testing import _files as emulated_files

pytestmark = pytest.mark.anyio


async def test_methods_the_endpoints_do_not_take_and_bodies_they_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = GroqEmulator()
    transport = httpx.ASGITransport(app=emulator)
    async with emulator.client() as client, httpx.AsyncClient(transport=transport) as http:
        upload = await client.files.create(file=('in.jsonl', b'{}\n'), purpose='batch')
        batch = await client.batches.create(
            input_file_id=str(upload.id), endpoint='/v1/chat/completions', completion_window='24h'
        )
        statuses: list[int] = []
        for method, path in [
            ('PUT', '/openai/v1/files'),
            ('POST', f'/openai/v1/files/{upload.id}/content'),
            ('PATCH', f'/openai/v1/files/{upload.id}'),
            ('PUT', '/openai/v1/batches'),
            ('POST', f'/openai/v1/batches/{batch.id}'),
            ('GET', f'/openai/v1/batches/{batch.id}/cancel'),
        ]:
            raw = await http.request(method, f'http://groq-emulator{path}')
            statuses.append(raw.status_code)
        assert statuses == [405] * 6
        raw = await http.post('http://groq-emulator/openai/v1/batches', content=b'{not json')
        assert raw.status_code == 400 and "'endpoint'" in raw.text
        monkeypatch.setattr(emulated_files, 'FILE_BYTES_REFUSED', 10)
        with pytest.raises(groq.BadRequestError, match='file too large: 11 bytes, the limit is 10 bytes'):
            await client.files.create(file=('in.jsonl', b'x' * 11), purpose='batch')


async def test_a_line_answered_with_plain_text_is_an_error_of_its_run() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(502, 'upstream hiccup')], clock=clock)
    async with emulator_model(emulator) as model:
        results = await Agent(model).run_batch(['a'], clock=clock)
    [item] = list(results)
    assert item.status == 'failed'
    assert item.error is not None and 'status_code: 502' in item.error and 'upstream hiccup' in item.error


async def test_a_refused_file_cancels_the_other_batches_of_its_round(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulated_batches, 'MAX_LINES', 2)
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model, emulator.client() as client:
        with pytest.raises(BatchInputError) as raised:
            await Agent(model).run_batch(['a', 'b', 'c', 'd'], max_lines_per_file=3, clock=clock)
        listed = await client.batches.list()
    assert raised.value.errors[0]['code'] == 'too_many_lines'
    assert sorted(batch.status for batch in listed.data) == ['cancelling', 'failed']
    assert emulator.requests == []


async def test_resume_skips_the_lines_of_inputs_that_ended_before_the_stop(tmp_path: Path) -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.line_faults['gone#1'] = ErrorReply(500)
    path = tmp_path / 'out.jsonl'
    async with emulator_model(emulator) as model:
        agent = Agent(model, model_settings={'parallel_tool_calls': False})

        @agent.tool_plain
        async def lookup(city: str) -> int:
            """Look a city up."""
            return 1

        inputs = [('gone', 'a'), ('stays', 'b')]
        async with anyio.create_task_group() as group:

            async def stop_at_round_two() -> None:
                while batch_posts(emulator) < 2:
                    await clock.sleep(1)
                group.cancel_scope.cancel()

            group.start_soon(stop_at_round_two)
            await agent.run_batch(inputs, results_path=path, clock=clock)
        assert [json.loads(line)['custom_id'] for line in path.read_text().splitlines()] == ['gone']
        results = await agent.run_batch(inputs, results_path=path, clock=clock)
    assert (results.counts.completed, results.counts.failed) == (1, 1)
    assert batch_posts(emulator) == 2


async def test_batch_jobs_need_a_groq_model_and_map_api_errors(tmp_path: Path) -> None:
    emulator = GroqEmulator()
    async with emulator_model(emulator) as model:
        with pytest.raises(UserError, match='Batch runs need a GroqModel'):
            await Agent(FallbackModel(model, model)).run_batch(['a'])
        path = tmp_path / 'out.jsonl'
        state = {
            'version': 1,
            'model': MODEL,
            'batches': [{'id': 'batch_nope', 'input_file_id': 'file_nope', 'round': 1}],
        }
        (tmp_path / 'out.jsonl.state.json').write_text(json.dumps(state))
        with pytest.raises(ModelHTTPError, match='Batch not found: batch_nope'):
            await batch_job_status(path, model)
    unreachable = GroqModel(MODEL, api_key='k', base_url='http://127.0.0.1:9', max_retries=0)
    with pytest.raises(ModelAPIError, match='Connection to Groq failed'):
        await batch_job_status(path, unreachable)
    await unreachable.client.close()


def test_the_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    terminal = Terminal(io.StringIO(), stream, None, console)
    with _progress(terminal, 4) as update:
        update(BatchProgress(1, 4, 2, 1, 0, 'in_progress'))
        update(BatchProgress(2, 0, 0, 4, 1, 'done'))
    assert 'done after 2 rounds: 4/4 inputs, 1 failed' in stream.getvalue()


def test_status_and_cancel_of_a_job_that_never_started(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / 'in.jsonl'
    inputs.write_text('"a"\n')
    base = ['batch', str(inputs), '-o', str(tmp_path / 'out.jsonl'), '-m', MODEL, '--offline']
    assert main([*base, '--status']) == 0
    assert '0 batches, 0 in flight; inputs: 0 completed' in capsys.readouterr().out
    assert main([*base, '--cancel']) == 0
    assert 'cancelled 0 batches' in capsys.readouterr().out
