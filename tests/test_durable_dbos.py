"""`DBOSAgent` in one process, on DBOS with a SQLite file in `tmp_path`, against the emulator."""

from __future__ import annotations

import asyncio
import socketserver
import threading
from collections.abc import AsyncIterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from _mcp_server import build_server
from dbos import DBOS, DBOSClient, SetWorkflowID

from pydantic_ai_groq import (
    Agent,
    DeferredToolRequests,
    DeferredToolResults,
    ModelAPIError,
    ModelHTTPError,
    ModelRetry,
    PartEndEvent,
    PartStartEvent,
    RetryPromptPart,
    RunContext,
    TextPart,
    ToolReturn,
    ToolReturnPart,
    UnexpectedModelBehavior,
    UserError,
)
from pydantic_ai_groq.durable.dbos import DBOSAgent, DBOSModel, StepConfig
from pydantic_ai_groq.durable.dbos._model import CompletedStream
from pydantic_ai_groq.mcp import MCPServerInProcess
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.run import AgentStreamEvent
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply
from pydantic_ai_groq.toolsets import FunctionToolset

FAST = StepConfig(max_attempts=3, interval_seconds=0.0, backoff_rate=1.0)


@pytest.fixture
def dbos(tmp_path: Path) -> Iterator[None]:
    DBOS(
        config={
            'name': 'durable-tests',
            'system_database_url': f'sqlite:///{tmp_path / "dbos.sqlite"}',
            'log_level': 'WARNING',
        }
    )
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


async def _steps(workflow_id: str) -> list[str]:
    return [step['function_name'] for step in await DBOS.list_workflow_steps_async(workflow_id)]


@pytest.mark.usefixtures('dbos')
async def test_requests_and_tool_calls_are_named_steps_and_the_run_its_workflow(emulator: GroqEmulator) -> None:
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'order': 7})]), Reply(text='Order 7 shipped.'))
    agent = Agent(emulator.model(), name='support')

    @agent.tool_plain
    def lookup(order: int) -> dict[str, Any]:
        return {'order': order, 'status': 'shipped'}

    durable = DBOSAgent(agent)
    with SetWorkflowID('run-1'):
        result = await durable.run('Where is order 7?')
    assert result.output == 'Order 7 shipped.'
    assert await _steps('run-1') == ['support.model.request', 'support.tool.lookup', 'support.model.request']
    assert result.usage().requests == 2
    returned = result.all_messages()[2].parts[0]
    assert isinstance(returned, ToolReturnPart)
    assert returned.content == {'order': 7, 'status': 'shipped'}
    # The same workflow id again: DBOS answers from its record, nothing is sent.
    with SetWorkflowID('run-1'):
        again = await durable.run('Where is order 7?')
    assert again.output == result.output
    assert len(emulator.requests) == 2


@pytest.mark.usefixtures('dbos')
async def test_inside_a_workflow_the_run_is_a_child_workflow(emulator: GroqEmulator) -> None:
    emulator.push(Reply(text='Hello.'))
    durable = DBOSAgent(Agent(emulator.model(), name='greeter'))

    @DBOS.workflow(name='tests.greet')
    async def greet(name: str) -> str:
        return (await durable.run(f'Greet {name}')).output

    with SetWorkflowID('greet-1'):
        assert await greet('Ada') == 'Hello.'
    # DBOS records the child workflow, and waiting for its result, as steps of the parent.
    assert await _steps('greet-1') == ['greeter.run', 'DBOS.getResult']


@pytest.mark.usefixtures('dbos')
async def test_a_model_retry_and_a_tool_return_come_back_from_their_steps(emulator: GroqEmulator) -> None:
    emulator.push(
        Reply(tool_calls=[ToolCallReply('check', {'code': 'x'})]),
        Reply(tool_calls=[ToolCallReply('check', {'code': 'ok'})]),
        Reply(text='Valid.'),
    )
    agent = Agent(emulator.model(), name='checker', retries=2)

    @agent.tool_plain
    def check(code: str) -> ToolReturn:
        if code != 'ok':
            raise ModelRetry('Codes are "ok".')
        return ToolReturn('valid', content='A note for the model.', metadata={'checked': True})

    result = await DBOSAgent(agent).run('Check the code')
    assert result.output == 'Valid.'
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert retry.content == 'Codes are "ok".'
    returned = result.all_messages()[4].parts[0]
    assert isinstance(returned, ToolReturnPart)
    assert (returned.content, returned.metadata) == ('valid', {'checked': True})
    assert emulator.requests[-1]['messages'][-1] == {'role': 'user', 'content': 'A note for the model.'}


@pytest.mark.usefixtures('dbos')
async def test_a_tool_return_that_cannot_be_stored_fails_the_run_naming_the_tool(emulator: GroqEmulator) -> None:
    emulator.push(Reply(tool_calls=[ToolCallReply('clock', {})]))
    agent = Agent(emulator.model(), name='clocks')

    @agent.tool_plain
    def clock() -> Any:
        return threading.Lock()

    with pytest.raises(UserError, match=r"Tool 'clock' returned a lock that cannot be serialised to JSON"):
        await DBOSAgent(agent).run('Time?')


@pytest.mark.usefixtures('dbos')
async def test_transient_errors_are_retried_by_dbos_and_the_sdk_retries_nothing(emulator: GroqEmulator) -> None:
    emulator.push(ErrorReply(429, headers={'retry-after': '0'}), ErrorReply(498), ErrorReply(503), Reply(text='Ok.'))
    with emulator.serve() as base_url:
        # A model with the SDK's default retries (2): inside the durable run only DBOS retries.
        agent = Agent(GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url), name='retrying')
        durable = DBOSAgent(agent, model_step_config=StepConfig(max_attempts=4, interval_seconds=0.0))
        with SetWorkflowID('retried'):
            result = await durable.run('Hi')
    assert result.output == 'Ok.'
    assert len(emulator.requests) == 4  # one per DBOS attempt, not one per SDK retry of each
    assert result.usage().requests == 1


@pytest.mark.usefixtures('dbos')
async def test_retries_spent_raise_the_last_model_error_itself(emulator: GroqEmulator) -> None:
    emulator.push(*[ErrorReply(500)] * 3)
    durable = DBOSAgent(Agent(emulator.model(), name='failing'), model_step_config=FAST)
    with SetWorkflowID('failed-1'), pytest.raises(ModelHTTPError) as raised:
        await durable.run('Hi')
    assert raised.value.status_code == 500
    assert len(emulator.requests) == 3
    # The workflow again: DBOS raises the error it recorded, read back whole, and sends nothing.
    with SetWorkflowID('failed-1'), pytest.raises(ModelHTTPError) as recorded:
        await durable.run('Hi')
    assert (recorded.value.status_code, str(recorded.value)) == (500, str(raised.value))
    assert len(emulator.requests) == 3


class _HangUp(socketserver.BaseRequestHandler):
    """Accepts a connection and closes it without an answer: a connection lost mid-request."""

    def handle(self) -> None:
        self.server.accepted += 1  # type: ignore[attr-defined]


@pytest.mark.usefixtures('dbos')
async def test_a_lost_connection_is_retried_by_dbos() -> None:
    with socketserver.ThreadingTCPServer(('127.0.0.1', 0), _HangUp) as server:
        server.accepted = 0  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f'http://127.0.0.1:{server.server_address[1]}'
        agent = Agent(GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url), name='unreachable')
        durable = DBOSAgent(agent, model_step_config=FAST)
        try:
            with SetWorkflowID('unreachable-1'), pytest.raises(ModelAPIError):
                await durable.run('Hi')
        finally:
            server.shutdown()
    assert server.accepted == FAST.max_attempts  # type: ignore[attr-defined]  # one connection per DBOS attempt
    [status] = await DBOS.list_workflows_async(workflow_ids=['unreachable-1'])
    assert status.status == 'ERROR'


@pytest.mark.parametrize(
    ('reply', 'error'),
    [
        (ErrorReply(400, {'error': {'message': 'bad', 'type': 'invalid_request_error'}}), ModelHTTPError),
        (ErrorReply(404), ModelHTTPError),
        (Reply(text='cut', finish_reason='length'), UnexpectedModelBehavior),
    ],
)
@pytest.mark.usefixtures('dbos')
async def test_errors_retrying_cannot_fix_fail_at_once(
    emulator: GroqEmulator, reply: Reply | ErrorReply, error: type[Exception]
) -> None:
    emulator.push(reply, Reply(text='never sent'))
    durable = DBOSAgent(Agent(emulator.model(), name='not-retried'), model_step_config=FAST)
    with pytest.raises(error):
        await durable.run('Hi')
    assert len(emulator.requests) == 1


@dataclass
class Deps:
    customer: str
    limit: int


@pytest.mark.usefixtures('dbos')
async def test_deps_are_stored_as_json_and_rebuilt_by_the_agents_deps_type(emulator: GroqEmulator) -> None:
    emulator.push(Reply(tool_calls=[ToolCallReply('whoami', {})]), Reply(text='Done.'))
    agent = Agent(emulator.model(), name='with-deps', deps_type=Deps)
    seen: list[Deps] = []

    @agent.tool
    def whoami(ctx: RunContext[Deps]) -> str:
        seen.append(ctx.deps)
        return ctx.deps.customer

    durable = DBOSAgent(agent)
    deps = Deps('ada', 3)
    result = await durable.run('Who am I?', deps=deps)
    assert result.output == 'Done.'
    assert seen == [deps]
    assert seen[0] is not deps  # rebuilt from the workflow's stored JSON, as a resumed run would


@dataclass
class ClientDeps:
    customer: str
    http: httpx.AsyncClient


class Holder(pydantic.BaseModel):
    lock: Any


async def test_deps_that_cannot_be_stored_are_refused_naming_the_field(emulator: GroqEmulator) -> None:
    agent: Agent[Any, str] = Agent(emulator.model(), name='bad-deps', deps_type=dict[str, Any])
    async with httpx.AsyncClient() as http:
        with pytest.raises(UserError, match=r"^deps\['inner'\]\.http cannot be serialised to JSON"):
            await DBOSAgent(agent).run('Hi', deps={'inner': ClientDeps('ada', http)})
        with pytest.raises(UserError, match=r"^deps\['batch'\]\[1\]\.lock cannot be serialised to JSON"):
            await DBOSAgent(agent).run('Hi', deps={'batch': [1, Holder(lock=threading.Lock())]})
        untyped = Agent(emulator.model(), name='untyped-deps', deps_type=ClientDeps)
        with pytest.raises(UserError, match=r'deps_type .*ClientDeps.* cannot be serialised to JSON'):
            await DBOSAgent(untyped).run('Hi', deps=ClientDeps('ada', http))
    with pytest.raises(UserError, match=r'declares no deps_type.*Agent\(\.\.\., deps_type=YourDeps\)'):
        await DBOSAgent(Agent(emulator.model(), name='no-deps-type')).run('Hi', deps=1)  # type: ignore[arg-type]
    assert emulator.requests == []


def test_the_agent_needs_a_name_and_the_model_a_storable_form(emulator: GroqEmulator) -> None:
    with pytest.raises(UserError, match=r'DBOSAgent needs an agent with a name, e.g. Agent\(\.\.\., name="support"\)'):
        DBOSAgent(Agent(emulator.model()))
    durable = DBOSAgent(Agent(emulator.model(), name='named'))
    with pytest.raises(UserError, match='takes model as a "groq:<model-name>" string, got a GroqModel'):
        asyncio.run(durable.run('Hi', model=emulator.model()))  # type: ignore[arg-type]
    with pytest.raises(UserError, match=r'StepConfig needs max_attempts >= 1'):
        StepConfig(max_attempts=0)


@pytest.mark.usefixtures('dbos')
async def test_a_run_needs_a_model_and_a_given_client_that_retries_is_refused(emulator: GroqEmulator) -> None:
    with pytest.raises(UserError, match=r'No model: pass one to Agent\(\.\.\.\) or to this run'):
        await DBOSAgent(Agent(name='modelless')).run('Hi')
    retrying = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=2))
    with pytest.raises(UserError, match=r'given a groq client that retries failed requests \(max_retries=2\)'):
        await DBOSAgent(Agent(retrying, name='sdk-retries')).run('Hi')
    assert emulator.requests == []


@pytest.mark.usefixtures('dbos')
def test_run_sync_runs_the_workflow_on_dbos_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = GroqEmulator([Reply(text='Synced.')])
    with emulator.serve() as base_url:
        monkeypatch.setenv('GROQ_API_KEY', 'k')
        monkeypatch.setenv('GROQ_BASE_URL', base_url)
        durable = DBOSAgent(Agent(name='sync'))  # the run's model comes from its stored name
        with SetWorkflowID('sync-1'):
            assert durable.run_sync('Hi', model='groq:llama-3.3-70b-versatile').output == 'Synced.'
    assert [step['function_name'] for step in DBOS.list_workflow_steps('sync-1')] == ['sync.model.request']


async def test_run_sync_inside_an_event_loop_is_refused(emulator: GroqEmulator) -> None:
    with pytest.raises(UserError, match=r'cannot be called inside a running event loop: use `await durable.run'):
        DBOSAgent(Agent(emulator.model(), name='sync-in-loop')).run_sync('Hi')


@pytest.mark.usefixtures('dbos')
async def test_a_streamed_request_is_one_step_and_streams_its_recorded_response(emulator: GroqEmulator) -> None:
    emulator.push(Reply(text='Streamed answer.', chunk_size=3))
    agent = Agent(DBOSModel(emulator.model(), 'streamer.model'), name='streamer')

    @DBOS.workflow(name='tests.stream')
    async def stream() -> list[str]:
        async with agent.run_stream('Hi') as result:
            return [text async for text in result.stream_text(delta=True)]

    with SetWorkflowID('stream-1'):
        assert ''.join(await stream()) == 'Streamed answer.'
    assert await _steps('stream-1') == ['streamer.model.request_stream']

    emulator.push(Reply(text='Left early.', chunk_size=3))

    @DBOS.workflow(name='tests.stream_left_early')
    async def left_early() -> str:
        async with agent.run_stream('Hi') as result:
            async for text in result.stream_text(delta=True):
                return text  # leaves the stream after its first text
        raise AssertionError('no text')  # pragma: no cover

    with SetWorkflowID('stream-2'):
        assert await left_early() == 'Lef'
    assert await _steps('stream-2') == []  # the step was cancelled with the stream: nothing recorded


@pytest.mark.usefixtures('dbos')
async def test_a_streamed_request_refused_before_any_event_fails_the_run(emulator: GroqEmulator) -> None:
    emulator.push(ErrorReply(400, {'error': {'message': 'bad', 'type': 'invalid_request_error'}}))

    async def handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for _ in events:
            pass  # pragma: no cover - the request fails before any event

    durable = DBOSAgent(Agent(emulator.model(), name='refused-stream'), event_stream_handler=handler)
    with pytest.raises(ModelHTTPError, match='bad'):
        await durable.run('Hi')
    assert len(emulator.requests) == 1


def test_a_completed_stream_gives_what_arrived_so_far_then_the_recorded_response() -> None:
    async def main() -> None:
        from pydantic_ai_groq import ModelResponse

        response = ModelResponse(parts=[TextPart('a'), TextPart('b')], model_name='m')
        stream = CompletedStream(response)
        events = stream.__aiter__()
        assert isinstance(await anext(events), PartStartEvent)
        assert stream.get().parts == [TextPart('a')]
        rest = [event async for event in events]
        assert [type(event) for event in rest] == [PartEndEvent, PartStartEvent, PartEndEvent]
        assert stream.get() is response

    asyncio.run(main())


def test_dbos_model_names_the_wrapped_model(emulator: GroqEmulator) -> None:
    model = DBOSModel(emulator.model('llama-3.1-8b-instant'), 'x.model')
    assert (model.model_name, model.system) == ('llama-3.1-8b-instant', 'groq')
    assert ModelRequestParameters().tool_defs == []


@pytest.mark.usefixtures('dbos')
async def test_an_event_stream_handler_sees_events_live_inside_the_step(emulator: GroqEmulator, tmp_path: Path) -> None:
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'order': 7})]), Reply(text='Shipped.', chunk_size=2))
    agent = Agent(emulator.model(), name='watched')

    @agent.tool_plain
    def lookup(order: int) -> str:
        return 'shipped'

    seen: list[str] = []
    recorded_when_first_seen: list[int] = []
    # Another view of the database than the workflow's: what it has recorded so far.
    client = DBOSClient(system_database_url=f'sqlite:///{tmp_path / "dbos.sqlite"}')

    async def handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for event in events:
            if not seen or seen[-1] == 'FunctionToolResultEvent':  # a response's first event
                recorded = await asyncio.to_thread(client.list_workflow_steps, 'watched-1')
                recorded_when_first_seen.append(len(recorded))
            seen.append(type(event).__name__)

    try:
        with SetWorkflowID('watched-1'):
            result = await DBOSAgent(agent, event_stream_handler=handler).run('Where is order 7?')
    finally:
        client.destroy()
    assert result.output == 'Shipped.'
    assert await _steps('watched-1') == [
        'watched.model.request_stream',
        'watched.tool.lookup',
        'watched.model.request_stream',
    ]
    # Each response's events arrive while its step still streams: before the step is recorded.
    assert recorded_when_first_seen == [0, 2]
    assert 'PartDeltaEvent' in seen
    assert 'FunctionToolResultEvent' in seen


@pytest.mark.usefixtures('dbos')
async def test_a_replayed_streamed_step_streams_its_recorded_response() -> None:
    emulator = GroqEmulator(
        [Reply(tool_calls=[ToolCallReply('lookup', {'order': 7})]), Reply(text='Shipped.'), Reply(text='Sent.')]
    )
    seen: list[str] = []

    async def handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        seen.extend([type(event).__name__ async for event in events])

    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url)  # the replay runs on DBOS's loop
        agent = Agent(model, name='replayed-stream')

        @agent.tool_plain
        def lookup(order: int) -> str:
            return 'shipped'

        durable = DBOSAgent(agent, event_stream_handler=handler)
        with SetWorkflowID('replayed-stream-1'):
            await durable.run('Where is order 7?')
        steps = await DBOS.list_workflow_steps_async('replayed-stream-1')
        seen.clear()
        forked = await DBOS.fork_workflow_async('replayed-stream-1', steps[-1]['function_id'])
        assert (await forked.get_result()).output == 'Sent.'
    assert len(emulator.requests) == 3
    # The first response, read back from its step, streamed as its parts' start and end events.
    assert seen[:2] == ['PartStartEvent', 'PartEndEvent']


@pytest.mark.usefixtures('dbos')
async def test_a_streamed_request_is_retried_until_its_first_event_and_not_after(emulator: GroqEmulator) -> None:
    emulator.push(
        ErrorReply(503),
        Reply(
            text='Partial answer',
            chunk_size=4,
            stream_error={'message': 'overloaded', 'type': 'internal_server_error'},
            stream_error_after=2,
        ),
        Reply(text='never sent'),
    )

    async def handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for _ in events:
            pass

    durable = DBOSAgent(
        Agent(emulator.model(), name='half-streamed'), model_step_config=FAST, event_stream_handler=handler
    )
    with pytest.raises(ModelHTTPError, match='overloaded'):
        await durable.run('Hi')
    assert len(emulator.requests) == 2  # the 503 retried; the error after the first event not


@pytest.mark.usefixtures('dbos')
async def test_a_deferred_run_resumes_with_the_decisions_as_a_new_workflow(emulator: GroqEmulator) -> None:
    emulator.push(
        Reply(tool_calls=[ToolCallReply('refund', {'order': 7}, id='call_1')]), Reply(text='Refunded order 7.')
    )
    agent = Agent(emulator.model(), name='approvals', output_type=[str, DeferredToolRequests])
    refunded: list[int] = []

    @agent.tool_plain(requires_approval=True)
    def refund(order: int) -> str:
        refunded.append(order)
        return f'refunded {order}'

    durable = DBOSAgent(agent)
    asked = await durable.run('Refund order 7')
    assert isinstance(asked.output, DeferredToolRequests)
    assert [call.tool_call_id for call in asked.output.approvals] == ['call_1']
    assert refunded == []
    decisions = DeferredToolResults(approvals={'call_1': True})
    with SetWorkflowID('approved-1'):
        done = await durable.run(message_history=asked.all_messages(), deferred_tool_results=decisions)
    assert done.output == 'Refunded order 7.'
    assert refunded == [7]
    assert await _steps('approved-1') == ['approvals.tool.refund', 'approvals.model.request']


@pytest.mark.usefixtures('dbos')
async def test_an_mcp_servers_tool_list_is_a_step_read_back_when_the_run_is_replayed() -> None:
    emulator = GroqEmulator(
        [Reply(tool_calls=[ToolCallReply('calc_add', {'a': 2, 'b': 3})]), Reply(text='5.'), Reply(text='Five.')]
    )
    server = MCPServerInProcess(build_server(), name='calc', tool_prefix='calc')
    with emulator.serve() as base_url:
        # A model with its own client per event loop: the replay below runs on DBOS's loop.
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url)
        durable = DBOSAgent(Agent(model, name='mcp-agent', toolsets=[FunctionToolset(), server]))
        await _replayed_from_the_last_step(durable)
    assert len(emulator.requests) == 3  # only the last request was sent again
    assert emulator.requests[2]['tools'] == emulator.requests[1]['tools']  # the same tools, rebuilt from the step
    assert emulator.requests[2]['messages'] == emulator.requests[1]['messages']


async def _replayed_from_the_last_step(durable: DBOSAgent[None, str]) -> None:
    with SetWorkflowID('mcp-1'):
        assert (await durable.run('2 + 3?')).output == '5.'
    steps = await DBOS.list_workflow_steps_async('mcp-1')
    assert [step['function_name'] for step in steps] == [
        'mcp-agent.mcp.calc.get_tools',
        'mcp-agent.model.request',
        'mcp-agent.tool.calc_add',
        'mcp-agent.mcp.calc.get_tools',
        'mcp-agent.model.request',
    ]
    # Run it again from its last step: the tool lists and the call before it are read back from their steps.
    last = steps[-1]['function_id']
    forked = await DBOS.fork_workflow_async('mcp-1', last)
    assert (await forked.get_result()).output == 'Five.'


async def test_an_mcp_server_needs_a_name_for_its_steps(emulator: GroqEmulator) -> None:
    agent = Agent(emulator.model(), name='unnamed-mcp', toolsets=[MCPServerInProcess(build_server())])
    with pytest.raises(UserError, match=r'DBOSAgent needs a name for MCP server .*name="weather"'):
        DBOSAgent(agent)
