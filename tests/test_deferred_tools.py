"""Human in the loop: tools that need approval or run elsewhere end the run; a later run resumes it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from pydantic_ai_groq import (
    Agent,
    AgentRunResultEvent,
    ApprovalRequired,
    CallDeferred,
    DeferredToolRequests,
    DeferredToolResults,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelRetry,
    NativeOutput,
    RunContext,
    Tool,
    ToolApproved,
    ToolCallPart,
    ToolDenied,
    ToolReturn,
    ToolReturnPart,
    UserError,
)
from pydantic_ai_groq.instrumentation import InstrumentationSettings
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

OUTPUT = [str, DeferredToolRequests]


def tool_messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The `(tool_call_id, content)` of each `tool` message of a request body, in order."""
    return [(m['tool_call_id'], m['content']) for m in body['messages'] if m['role'] == 'tool']


def returns(request: ModelRequest) -> list[tuple[str, Any]]:
    """The `(tool_call_id, content)` of each tool return of a request."""
    return [(part.tool_call_id, part.content) for part in request.parts if isinstance(part, ToolReturnPart)]


def file_agent(model: GroqModel, deleted: list[str]) -> Agent[None, str | DeferredToolRequests]:
    agent = Agent(model, output_type=OUTPUT)

    @agent.tool(requires_approval=True)
    def delete_file(ctx: RunContext[None], path: str) -> str:
        """Delete a file.

        Args:
            path: The file.
        """
        assert ctx.tool_call_approved
        deleted.append(path)
        return f'deleted {path}'

    return agent


async def test_approval_granted_runs_the_call_on_resume(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    emulator.push(Reply(tool_calls=[ToolCallReply('delete_file', {'path': 'a.txt'}, id='c1')]))
    result = await agent.run('Delete a.txt')
    assert result.output == DeferredToolRequests(approvals=[ToolCallPart('delete_file', '{"path":"a.txt"}', 'c1')])
    assert deleted == [] and len(emulator.requests) == 1
    assert result.usage().tool_calls == 0
    emulator.push(Reply(text='Deleted.'))
    resumed = await agent.run(
        message_history=result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
    )
    assert resumed.output == 'Deleted.'
    assert deleted == ['a.txt']
    assert tool_messages(emulator.requests[1]) == [('c1', 'deleted a.txt')]
    assert (resumed.usage().requests, resumed.usage().tool_calls) == (1, 1)
    new = resumed.new_messages()
    assert isinstance(new[0], ModelRequest) and returns(new[0]) == [('c1', 'deleted a.txt')]


async def test_denied_call_sends_the_denial_to_the_model(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('delete_file', {'path': 'a'}, id='c1'),
                ToolCallReply('delete_file', {'path': 'b'}, id='c2'),
            ]
        ),
        Reply(text='Understood.'),
    )
    result = await agent.run('Delete a and b')
    results = DeferredToolResults(approvals={'c1': ToolDenied('Not this one.'), 'c2': False})
    resumed = await agent.run(message_history=result.all_messages(), deferred_tool_results=results)
    assert resumed.output == 'Understood.' and deleted == []
    assert tool_messages(emulator.requests[1]) == [('c1', 'Not this one.'), ('c2', 'The tool call was denied.')]
    denial = resumed.new_messages()[0].parts[0]
    assert isinstance(denial, ToolReturnPart) and denial.outcome == 'denied'


async def test_approval_with_override_args(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    emulator.push(Reply(tool_calls=[ToolCallReply('delete_file', {'path': '/'}, id='c1')]), Reply(text='ok'))
    result = await agent.run('Clean up')
    results = DeferredToolResults(approvals={'c1': ToolApproved(override_args={'path': '/tmp/x'})})
    await agent.run(message_history=result.all_messages(), deferred_tool_results=results)
    assert deleted == ['/tmp/x']
    assert tool_messages(emulator.requests[1]) == [('c1', 'deleted /tmp/x')]
    # The history keeps what the model asked for.
    assistant = emulator.requests[1]['messages'][1]
    assert json.loads(assistant['tool_calls'][0]['function']['arguments']) == {'path': '/'}


async def test_call_deferred_takes_external_results(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=OUTPUT)

    @agent.tool_plain
    def render(page: str) -> str:
        raise CallDeferred(metadata={'queue': 'browser'})

    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('render', {'page': 'home'}, id='c1'),
                ToolCallReply('render', {'page': 'about'}, id='c2'),
                ToolCallReply('render', {'page': 'faq'}, id='c3'),
            ]
        ),
        Reply(text='Rendered.'),
    )
    result = await agent.run('Render the pages')
    requests = result.output
    assert isinstance(requests, DeferredToolRequests)
    assert [call.tool_call_id for call in requests.calls] == ['c1', 'c2', 'c3'] and requests.approvals == []
    assert requests.metadata == {'c1': {'queue': 'browser'}, 'c2': {'queue': 'browser'}, 'c3': {'queue': 'browser'}}
    results = DeferredToolResults(
        calls={'c1': {'html': '<p>home</p>'}, 'c2': ModelRetry('Page not found.'), 'c3': ToolReturn('done', metadata=1)}
    )
    resumed = await agent.run(message_history=result.all_messages(), deferred_tool_results=results)
    assert resumed.output == 'Rendered.'
    assert tool_messages(emulator.requests[1]) == [
        ('c1', '{"html":"<p>home</p>"}'),
        ('c2', 'Page not found.\n\nFix the errors and try again.'),
        ('c3', 'done'),
    ]


async def test_mixed_response_keeps_the_other_calls_returns(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    ran: list[str] = []

    @agent.tool_plain
    def list_files() -> list[str]:
        ran.append('list_files')
        return ['a', 'b']

    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('delete_file', {'path': 'a'}, id='c1'),
                ToolCallReply('list_files', {}, id='c2'),
            ]
        ),
        Reply(text='All done.'),
    )
    result = await agent.run('List and delete a')
    assert isinstance(result.output, DeferredToolRequests) and ran == ['list_files']
    last = result.all_messages()[-1]
    assert isinstance(last, ModelRequest) and returns(last) == [('c2', ['a', 'b'])]
    assert result.usage().tool_calls == 1
    resumed = await agent.run(
        'Then say so.',
        message_history=result.all_messages(),
        deferred_tool_results=DeferredToolResults(approvals={'c1': True}),
    )
    assert resumed.output == 'All done.' and ran == ['list_files'] and deleted == ['a']
    # The answers in call order, then the new prompt, in one request.
    assert tool_messages(emulator.requests[1]) == [('c1', 'deleted a'), ('c2', '["a","b"]')]
    assert emulator.requests[1]['messages'][-1] == {'role': 'user', 'content': 'Then say so.'}
    assert len(resumed.new_messages()) == 2


async def test_approval_required_raised_and_a_predicate(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=OUTPUT)
    seen: list[tuple[str, bool]] = []

    @agent.tool
    def pay(ctx: RunContext[None], amount: int) -> str:
        seen.append(('pay', ctx.tool_call_approved))
        if amount > 100 and not ctx.tool_call_approved:
            raise ApprovalRequired(metadata={'reason': 'large'})
        return f'paid {amount}'

    async def over_limit(ctx: RunContext[None], args: dict[str, Any]) -> bool:
        return args['amount'] > 10

    @agent.tool_plain(requires_approval=over_limit)
    def refund(amount: int) -> str:
        seen.append(('refund', True))
        return f'refunded {amount}'

    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('pay', {'amount': 5}, id='c1'),
                ToolCallReply('pay', {'amount': 500}, id='c2'),
                ToolCallReply('refund', {'amount': 3}, id='c3'),
                ToolCallReply('refund', {'amount': 30}, id='c4'),
            ]
        ),
        Reply(text='ok'),
    )
    result = await agent.run('Pay and refund')
    requests = result.output
    assert isinstance(requests, DeferredToolRequests)
    assert [call.tool_call_id for call in requests.approvals] == ['c2', 'c4']
    assert requests.metadata == {'c2': {'reason': 'large'}}
    resumed = await agent.run(
        message_history=result.all_messages(),
        deferred_tool_results=DeferredToolResults(approvals={'c2': True, 'c4': True}),
    )
    assert resumed.output == 'ok'
    assert tool_messages(emulator.requests[1]) == [
        ('c1', 'paid 5'),
        ('c2', 'paid 500'),
        ('c3', 'refunded 3'),
        ('c4', 'refunded 30'),
    ]
    # c1, c2 and c3 ran together in the first run; c2 and c4 together on resume.
    assert sorted(seen[:3]) == [('pay', False), ('pay', False), ('refund', True)]
    assert sorted(seen[3:]) == [('pay', True), ('refund', True)]


async def waiting_history(
    emulator: GroqEmulator, model: GroqModel
) -> tuple[Agent[None, str | DeferredToolRequests], list[Any]]:
    """An agent, and a history waiting on approval of `c1` (delete_file) and the result of `c2` (render)."""
    agent = file_agent(model, [])

    @agent.tool_plain
    def render(page: str) -> str:
        raise CallDeferred

    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('delete_file', {'path': 'a'}, id='c1'),
                ToolCallReply('render', {'page': 'home'}, id='c2'),
            ]
        )
    )
    result = await agent.run('go')
    return agent, result.all_messages()


@pytest.mark.parametrize(
    ('results', 'message'),
    [
        (
            DeferredToolResults(approvals={'c1': True, 'c9': True}, calls={'c2': 1}),
            r"tool call ids that are not waiting: \['c9'\]; waiting: 'c1', 'c2'",
        ),
        (DeferredToolResults(approvals={'c1': True}), r"Tool calls \['c2'\] are waiting without a decision"),
        (DeferredToolResults(calls={'c1': 'done', 'c2': 1}), r"Tool call 'c1' of 'delete_file' requires approval"),
        (
            DeferredToolResults(approvals={'c1': True, 'c2': True}, calls={'c2': 1}),
            r"Tool call ids \['c2'\] are both in approvals and in calls",
        ),
    ],
)
async def test_bad_resumes_fail_before_any_request(
    emulator: GroqEmulator, model: GroqModel, results: DeferredToolResults, message: str
):
    agent, history = await waiting_history(emulator, model)
    sent = len(emulator.requests)
    with pytest.raises(UserError, match=message):
        await agent.run(message_history=history, deferred_tool_results=results)
    assert len(emulator.requests) == sent


async def test_resume_without_results_or_with_nothing_waiting(emulator: GroqEmulator, model: GroqModel):
    agent, history = await waiting_history(emulator, model)
    with pytest.raises(UserError, match=r"tool calls waiting for results \(\['c1', 'c2'\]\); resume with"):
        await agent.run('and now?', message_history=history)
    emulator.push(Reply(text='fine'))
    done = await agent.run(
        message_history=history,
        deferred_tool_results=DeferredToolResults(approvals={'c1': False}, calls={'c2': 'ok'}),
    )
    sent = len(emulator.requests)
    for history_without_waiting in ([], done.all_messages()):
        with pytest.raises(UserError, match='the message history has no tool calls waiting'):
            await agent.run(
                'again', message_history=history_without_waiting, deferred_tool_results=DeferredToolResults()
            )
    assert len(emulator.requests) == sent


async def test_output_type_without_deferred_requests_is_refused(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, tools=[Tool(lambda: 'x', name='risky', requires_approval=True)])
    with pytest.raises(UserError, match=r"Tool 'risky' requires approval.*output_type=\[str, DeferredToolRequests\]"):
        await agent.run('go')
    assert emulator.requests == []

    def elsewhere() -> str:
        raise CallDeferred

    plain = Agent(model, tools=[elsewhere])
    emulator.push(Reply(tool_calls=[ToolCallReply('elsewhere', {}, id='c1')]))
    with pytest.raises(UserError, match=r"'elsewhere' was deferred \(CallDeferred\), but the output type cannot hold"):
        await plain.run('go')


async def test_stream_and_events_end_with_deferred_requests(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    emulator.push(Reply(text='Let me.', tool_calls=[ToolCallReply('delete_file', {'path': 'a'}, id='c1')]))
    async with agent.run_stream('Delete a') as stream:
        output = await stream.get_output()
    assert isinstance(output, DeferredToolRequests) and [c.tool_call_id for c in output.approvals] == ['c1']
    history = stream.all_messages()
    emulator.push(Reply(text='Deleted.'))
    events = [
        event
        async for event in agent.run_stream_events(
            message_history=history, deferred_tool_results=DeferredToolResults(approvals={'c1': True})
        )
    ]
    assert isinstance(events[0], FunctionToolCallEvent) and events[0].part.tool_call_id == 'c1'
    assert isinstance(events[1], FunctionToolResultEvent) and events[1].result.content == 'deleted a'
    final = events[-1]
    assert isinstance(final, AgentRunResultEvent) and final.result.output == 'Deleted.'
    assert deleted == ['a']


async def test_approved_call_deferred_again_ends_the_resumed_run(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=OUTPUT)

    @agent.tool
    async def deploy(ctx: RunContext[None]) -> str:
        if not ctx.tool_call_approved:
            raise ApprovalRequired
        raise CallDeferred(metadata={'job': 7})  # approved: a deploy job runs it elsewhere

    emulator.push(Reply(tool_calls=[ToolCallReply('deploy', {}, id='c1')]))
    result = await agent.run('Deploy')
    resumed = await agent.run(
        message_history=result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
    )
    assert resumed.output == DeferredToolRequests(
        calls=[ToolCallPart('deploy', '{}', 'c1')], metadata={'c1': {'job': 7}}
    )
    assert len(emulator.requests) == 1
    emulator.push(Reply(text='Deployed.'))
    final = await agent.run(
        message_history=resumed.all_messages(), deferred_tool_results=DeferredToolResults(calls={'c1': 'live'})
    )
    assert final.output == 'Deployed.' and tool_messages(emulator.requests[1]) == [('c1', 'live')]


async def test_exhaustive_output_answers_a_deferred_call(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=[int, DeferredToolRequests], end_strategy='exhaustive')

    @agent.tool_plain
    async def later() -> str:
        raise CallDeferred

    emulator.push(
        Reply(tool_calls=[ToolCallReply('later', {}, id='c1'), ToolCallReply('final_result', {'response': 4}, id='c2')])
    )
    result = await agent.run('go')
    assert result.output == 4
    last = result.all_messages()[-1]
    assert isinstance(last, ModelRequest)
    assert returns(last) == [
        ('c1', 'Tool not executed - a final result was already processed.'),
        ('c2', 'Final result processed.'),
    ]


RESUME_SCRIPT = """
import sys
from pydantic_ai_groq import Agent, DeferredToolRequests, DeferredToolResults, ModelMessagesTypeAdapter, RunContext
from pydantic_ai_groq.models.groq import GroqModel

agent = Agent(GroqModel('llama-3.3-70b-versatile', base_url=sys.argv[1], api_key='k'), output_type=[str, DeferredToolRequests])

@agent.tool(requires_approval=True)
def delete_file(ctx: RunContext[None], path: str) -> str:
    return f'deleted {path} (approved={ctx.tool_call_approved})'

history = ModelMessagesTypeAdapter.validate_json(sys.stdin.read())
result = agent.run_sync(message_history=history, deferred_tool_results=DeferredToolResults(approvals={'c1': True}))
print(result.output)
"""


def test_resume_in_a_fresh_process_from_json_history():
    emulator = GroqEmulator([Reply(tool_calls=[ToolCallReply('delete_file', {'path': 'a'}, id='c1')])])
    with emulator.serve() as url:
        first = file_agent(GroqModel('llama-3.3-70b-versatile', base_url=url, api_key='k'), [])
        history_json = first.run_sync('Delete a').all_messages_json()
        emulator.push(Reply(text='Deleted in another process.'))
        done = subprocess.run(
            [sys.executable, '-c', RESUME_SCRIPT, url],
            input=history_json,
            capture_output=True,
            check=True,
            timeout=120,
        )
    assert done.stdout.decode().strip() == 'Deleted in another process.'
    assert len(emulator.requests) == 2
    assert tool_messages(emulator.requests[1]) == [('c1', 'deleted a (approved=True)')]
    assert emulator.requests[1]['messages'][:2] == emulator.requests[0]['messages'] + [
        emulator.requests[1]['messages'][1]
    ]
    assert ModelMessagesTypeAdapter.validate_json(history_json)[-1].kind == 'response'


async def test_the_span_of_a_deferred_call_says_so(emulator: GroqEmulator, model: GroqModel):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent = Agent(model, output_type=OUTPUT, instrument=InstrumentationSettings(tracer_provider=provider))

    @agent.tool_plain(requires_approval=True)
    def wipe() -> str:
        return 'wiped'

    @agent.tool_plain
    def fetch() -> str:
        raise CallDeferred

    emulator.push(Reply(tool_calls=[ToolCallReply('wipe', {}, id='c1'), ToolCallReply('fetch', {}, id='c2')]))
    await agent.run('go')
    spans = {span.name: span for span in exporter.get_finished_spans()}
    for name, kind in (('wipe', 'approval'), ('fetch', 'external')):
        span = spans[f'execute_tool {name}']
        assert (span.attributes or {}).get('pydantic_ai_groq.tool.deferred') == kind
        assert span.status.status_code is StatusCode.UNSET  # waiting is not a failure


async def test_approved_call_of_a_tool_gone_since_gets_a_retry_prompt(emulator: GroqEmulator, model: GroqModel):
    agent = file_agent(model, [])
    emulator.push(Reply(tool_calls=[ToolCallReply('delete_file', {'path': 'a'}, id='c1')]), Reply(text='ok'))
    result = await agent.run('Delete a')
    with agent.override(tools=[]):  # e.g. a new release removed the tool while the call waited
        await agent.run(
            message_history=result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
        )
    assert tool_messages(emulator.requests[1]) == [
        ('c1', "Unknown tool name: 'delete_file'. Available tools: none\n\nFix the errors and try again.")
    ]


async def test_native_output_beside_deferred_requests(emulator: GroqEmulator, model: GroqModel):
    class Summary(BaseModel):
        text: str

    agent = Agent(model, output_type=[NativeOutput(Summary), DeferredToolRequests])  # pyright: ignore[reportCallIssue, reportArgumentType]

    @agent.tool_plain(requires_approval=True)
    def publish(text: str) -> str:
        return 'published'

    emulator.push(Reply(tool_calls=[ToolCallReply('publish', {'text': 'hi'}, id='c1')]), Reply(text='{"text": "done"}'))
    result = await agent.run('Publish hi')
    assert isinstance(result.output, DeferredToolRequests)
    resumed = await agent.run(
        message_history=result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
    )
    assert resumed.output == Summary(text='done')


async def test_iter_ends_at_the_calls_that_wait_and_steps_through_the_resume(emulator: GroqEmulator, model: GroqModel):
    deleted: list[str] = []
    agent = file_agent(model, deleted)
    emulator.push(Reply(tool_calls=[ToolCallReply('delete_file', {'path': 'a.txt'}, id='c1')]))
    async with agent.iter('Delete a.txt') as run:
        kinds = [type(node).__name__ async for node in run]
    assert kinds == ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'End']
    assert run.result is not None and isinstance(run.result.output, DeferredToolRequests)
    assert [call.tool_call_id for call in run.result.output.approvals] == ['c1'] and deleted == []

    emulator.push(Reply(text='Deleted.'))
    async with agent.iter(
        message_history=run.result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
    ) as resumed:
        kinds = [type(node).__name__ async for node in resumed]
    assert kinds == ['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'End']
    assert resumed.result is not None and resumed.result.output == 'Deleted.' and deleted == ['a.txt']
    assert tool_messages(emulator.requests[1]) == [('c1', 'deleted a.txt')]


async def test_iter_of_an_approved_call_deferred_again_ends_before_any_request(
    emulator: GroqEmulator, model: GroqModel
):
    agent = Agent(model, output_type=OUTPUT)

    @agent.tool
    async def deploy(ctx: RunContext[None]) -> str:
        if not ctx.tool_call_approved:
            raise ApprovalRequired
        raise CallDeferred

    emulator.push(Reply(tool_calls=[ToolCallReply('deploy', {}, id='c1')]))
    result = await agent.run('Deploy')
    async with agent.iter(
        message_history=result.all_messages(), deferred_tool_results=DeferredToolResults(approvals={'c1': True})
    ) as run:
        kinds = [type(node).__name__ async for node in run]
    assert kinds == ['UserPromptNode', 'End']
    assert run.result is not None and run.result.output == DeferredToolRequests(
        calls=[ToolCallPart('deploy', '{}', 'c1')]
    )
    assert len(emulator.requests) == 1
