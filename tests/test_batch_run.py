"""`Agent.run_batch` and `direct.model_request_batch` on the emulator's Batch API, through the real SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from _batch_helpers import City, batch_posts, emulator_model, three_round_agent

from pydantic_ai_groq import Agent
from pydantic_ai_groq.batch import BatchInputError, BatchProgress
from pydantic_ai_groq.direct import model_request_batch
from pydantic_ai_groq.exceptions import ModelRetry, UserError
from pydantic_ai_groq.messages import ModelRequest, ModelResponse, ToolCallPart
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, VirtualClock
from pydantic_ai_groq.testing import _batches as emulated_batches
from pydantic_ai_groq.usage import UsageLimits

pytestmark = pytest.mark.anyio


async def test_a_thousand_runs_with_a_tool_loop_take_three_rounds_of_one_batch() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock, keep_requests=10)
    calls: list[str] = []
    progress: list[BatchProgress] = []
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model, calls)
        inputs = (f'City number {index}?' for index in range(1000))  # a generator: read lazily
        results = await agent.run_batch(inputs, poll_interval=60, clock=clock, on_progress=progress.append)
    assert results.counts.completed == 1000 and results.counts.total == 1000
    assert batch_posts(emulator) == 3
    assert len(results.batch_ids) == 3
    assert len(calls) == 2000  # each tool once per run, run locally between rounds
    assert emulator.served_count == 3000
    items = list(results)
    assert sorted(item.custom_id for item in items) == sorted(str(index) for index in range(1000))
    first = next(item for item in items if item.custom_id == '7')
    assert first.status == 'completed' and isinstance(first.output, City)
    assert first.usage.requests == 3 and first.usage.tool_calls == 2
    assert [message.kind for message in first.messages] == [*['request', 'response'] * 3, 'request']
    assert results.usage.requests == 3000
    assert [entry.round for entry in progress][-1] == 3
    assert progress[-1].items_done == 1000 and progress[-1].failures == 0
    # One batch's time a round (validating 5 s, processing 60 s, finalizing 5 s), polled every 60 s.
    assert clock.time == 3 * 120


async def test_every_outcome_of_a_line_in_one_job(tmp_path: Path) -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    generation = json.dumps({'name': 'population', 'arguments': '{"city": '})
    tool_use_failed = {
        'error': {
            'message': 'Failed to call a function. Please adjust your prompt.',
            'type': 'invalid_request_error',
            'code': 'tool_use_failed',
            'failed_generation': generation,
        }
    }
    emulator.batches.line_faults['retried#1'] = ErrorReply(400, tool_use_failed)
    emulator.batches.line_faults['broken#2'] = ErrorReply(500)
    emulator.batches.unfinished.add('late#1')
    results_path = tmp_path / 'out.jsonl'
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        inputs = [('ok', 'Paris?'), ('retried', 'Rome?'), ('broken', 'Oslo?'), ('late', 'Lima?')]
        results = await agent.run_batch(inputs, poll_interval=3600, clock=clock, results_path=results_path)
    by_id = {item.custom_id: item for item in results}
    assert {key: item.status for key, item in by_id.items()} == {
        'ok': 'completed',
        'retried': 'completed',
        'broken': 'failed',
        'late': 'completed',
    }
    assert results.counts.completed == 3 and results.counts.failed == 1
    # tool_use_failed came back as the failed generation and a retry prompt, answered in the next round.
    retried = by_id['retried']
    assert (retried.usage.requests, retried.usage.tool_calls) == (3, 1)
    retry_parts = [part.part_kind for message in retried.messages for part in message.parts]
    assert 'retry-prompt' in retry_parts
    assert by_id['broken'].error is not None and by_id['broken'].error.startswith('ModelHTTPError: status_code: 500')
    assert [message.kind for message in by_id['broken'].messages] == [
        'request',
        'response',
        'request',
    ]  # to the failed one
    # The expired line was sent again in the next round, and the window it missed cost 24 hours.
    assert by_id['late'].usage.requests == 3
    assert clock.time >= 86400
    # Items in the results file are JSON: the output as a dict.
    assert by_id['ok'].output == {'name': 'a', 'country': 'a'}
    lines = results_path.read_text().splitlines()
    assert len(lines) == 4
    state = json.loads((tmp_path / 'out.jsonl.state.json').read_text())
    assert [batch['id'] for batch in state['batches']] == results.batch_ids
    assert state['model'] == 'llama-3.3-70b-versatile'


async def test_expired_lines_reported_and_max_rounds() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.unfinished.add('late#1')
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        inputs = [('late', 'Lima?'), ('short', 'Quito?')]
        results = await agent.run_batch(inputs, on_expired='report', max_rounds=2, poll_interval=600, clock=clock)
    by_id = {item.custom_id: item for item in results}
    assert by_id['late'].status == 'expired'
    assert by_id['late'].error is not None and 'expired (24h window)' in by_id['late'].error
    assert by_id['short'].status == 'failed'
    assert by_id['short'].error is not None and 'more than max_rounds=2 rounds' in by_id['short'].error
    assert results.counts.expired == 1 and results.counts.failed == 1
    assert batch_posts(emulator) == 2


async def test_a_cancelled_batch_ends_its_runs_as_cancelled() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model, emulator.client() as client:
        agent = three_round_agent(model)
        found: dict[str, Any] = {}
        await client.models.list()  # the SDK's first request looks up the platform on a thread: not timed

        async def cancel_first_batch() -> None:
            while not batch_posts(emulator):
                await clock.sleep(1)
            listed = await client.batches.list()
            found['cancel'] = await client.batches.cancel(listed.data[0].id)

        async with anyio.create_task_group() as group:
            group.start_soon(cancel_first_batch)
            results = await agent.run_batch(['a?', 'b?'], poll_interval=60, clock=clock)
    assert found['cancel'].status == 'cancelling'
    assert [item.status for item in results] == ['cancelled', 'cancelled']
    assert results.counts.cancelled == 2
    assert emulator.requests == []


async def test_an_input_file_groq_refuses_is_a_clear_error_before_any_line_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(emulated_batches, 'MAX_LINES', 2)
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        agent = three_round_agent(model)
        with pytest.raises(
            BatchInputError, match=r'Groq refused the input file of batch batch_\w+: line None: .*too_many_lines'
        ):
            await agent.run_batch(['a', 'b', 'c'], clock=clock)
    assert emulator.requests == []


async def test_files_are_split_under_the_line_limit_one_batch_each() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        agent = Agent(model)
        results = await agent.run_batch([f'q{index}' for index in range(5)], max_lines_per_file=2, clock=clock)
    assert results.counts.completed == 5
    assert batch_posts(emulator) == 3  # 2 + 2 + 1 lines, all in round 1
    assert [item.output for item in results] == ['success (no tool calls)'] * 5


async def test_inputs_with_ids_and_deps_and_bad_inputs() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        agent = Agent(model, deps_type=str)

        @agent.instructions
        def who(ctx: Any) -> str:
            return f'You talk to {ctx.deps}.'

        results = await agent.run_batch([('x', 'Hi', 'Ada'), ('y', 'Hi', 'Bob')], clock=clock)
        assert [item.custom_id for item in results] == ['x', 'y']
        systems = [request['messages'][0]['content'] for request in emulator.requests]
        assert systems == ['You talk to Ada.', 'You talk to Bob.']
        with pytest.raises(UserError, match="the custom_id 'x' is used by an earlier input"):
            await agent.run_batch([('x', 'a', 'A'), ('x', 'b', 'B')], clock=clock)
        with pytest.raises(UserError, match='a custom_id must be a non-empty string'):
            await agent.run_batch([('', 'a', 'A')], clock=clock)
        with pytest.raises(UserError, match='completion_window must be from 24h to 7d'):
            await agent.run_batch(['a'], completion_window='1h')


async def test_run_batch_needs_a_groq_model() -> None:
    with pytest.raises(UserError, match='No model'):
        await Agent().run_batch(['a'])


async def test_model_request_batch_sends_one_shot_requests() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.line_faults['bad#1'] = ErrorReply(404)
    async with emulator_model(emulator) as model:
        requests = [(f'r{index}', [ModelRequest.user_text_prompt(f'Hello {index}')]) for index in range(3)]
        results = await model_request_batch(
            model, [*requests, ('bad', [ModelRequest.user_text_prompt('x')])], clock=clock
        )
    by_id = {item.custom_id: item for item in results}
    assert [by_id[f'r{index}'].status for index in range(3)] == ['completed'] * 3
    response = by_id['r1'].output
    assert isinstance(response, ModelResponse)
    assert response.text == 'success (no tool calls)'
    assert (
        by_id['bad'].status == 'failed' and by_id['bad'].error is not None and 'status_code: 404' in by_id['bad'].error
    )
    assert [message['content'] for body in emulator.requests for message in body['messages']] == [
        'Hello 0',
        'Hello 1',
        'Hello 2',
    ]


async def test_batch_runs_cannot_stream() -> None:
    from pydantic_ai_groq.batch._rounds import ParkedModel, Rounds

    emulator = GroqEmulator()
    async with emulator_model(emulator) as model:
        parked = ParkedModel(model, Rounds(10, 1000), 'x', max_rounds=10)
        assert (parked.model_name, parked.system) == ('llama-3.3-70b-versatile', 'groq')
        with pytest.raises(UserError, match='cannot stream'):
            async with parked.request_stream([], None, ModelRequest.user_text_prompt('x') and _params()):
                pass


def _params() -> Any:
    from pydantic_ai_groq.models import ModelRequestParameters

    return ModelRequestParameters()


async def test_a_line_over_the_size_limit_fails_its_run_before_upload() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        results = await Agent(model).run_batch(['x' * 2000, 'short'], max_bytes_per_file=1000, clock=clock)
    by_id = {item.custom_id: item for item in results}
    assert by_id['0'].status == 'failed'
    assert by_id['0'].error is not None and 'an input file holds at most 1000 bytes' in by_id['0'].error
    assert by_id['1'].status == 'completed'


def test_tool_call_part_import_is_used() -> None:
    assert ToolCallPart('a', '{}').tool_name == 'a'


async def test_output_validators_and_usage_limits_apply_as_in_agent_run() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        agent = Agent(model, output_type=City)
        checked: list[str] = []

        @agent.output_validator
        def not_twice(output: City) -> City:
            checked.append(output.name)
            if len(checked) == 1:
                raise ModelRetry('Say it again')
            return output

        results = await agent.run_batch(['Paris?'], clock=clock)
        [item] = list(results)
        assert item.status == 'completed' and item.usage.requests == 2  # the retry took a second round
        assert checked == ['a', 'a']
        assert batch_posts(emulator) == 2
        limited = await three_round_agent(model).run_batch(
            ['Rome?'], usage_limits=UsageLimits(request_limit=2), clock=clock
        )
    [failed] = list(limited)
    assert failed.status == 'failed'
    assert failed.error is not None and failed.error.startswith('UsageLimitExceeded')


async def test_max_rounds_counts_each_runs_requests_not_the_jobs_rounds() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    async with emulator_model(emulator) as model:
        results = await Agent(model).run_batch(
            [f'q{index}' for index in range(5)], max_live_runs=2, max_rounds=1, clock=clock
        )
    assert results.counts.completed == 5  # three rounds of the job, one request a run
    assert batch_posts(emulator) == 3


async def test_a_line_that_keeps_expiring_is_sent_at_most_max_rounds_times() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(clock=clock)
    emulator.batches.timing.processing = 3 * 86400  # no batch ends within its window
    async with emulator_model(emulator) as model:
        results = await Agent(model).run_batch(['a'], max_rounds=2, poll_interval=86400, clock=clock)
    [item] = list(results)
    assert item.status == 'expired'
    assert batch_posts(emulator) == 2
