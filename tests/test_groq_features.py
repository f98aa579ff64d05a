"""Groq-native behaviour through GroqModel, the agent and the emulator."""

from __future__ import annotations

import math

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel

from pydantic_ai_groq import (
    Agent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ModelRequest,
    ModelRequestParameters,
    TextPart,
)
from pydantic_ai_groq.builtin_tools import (
    BrowserSearchTool,
    CodeExecutionTool,
    VisitWebsiteTool,
    WebSearchTool,
    WolframAlphaTool,
)
from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, UserError
from pydantic_ai_groq.messages import RetryPromptPart, ThinkingPart, ToolCallPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply, VirtualClock

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()


def tool_use_failed(generation: str, message: str = 'Tool call validation failed') -> ErrorReply:
    return ErrorReply(
        400,
        {
            'error': {
                'message': message,
                'type': 'invalid_request_error',
                'code': 'tool_use_failed',
                'failed_generation': generation,
            }
        },
    )


class Answer(BaseModel):
    response: str


# --- tool_use_failed --------------------------------------------------------------------------


async def test_tool_use_failed_becomes_a_tool_call_and_is_retried(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def get_something_by_name(name: str) -> str:
        return f'something called {name}'

    emulator.push(
        tool_use_failed('{"name": "get_something_by_name", "arguments": {\n  "foo": "bar"\n}}'),
        Reply(tool_calls=[ToolCallReply('get_something_by_name', {'name': 'test'})]),
        Reply(text='Found it.'),
    )
    result = await agent.run('call it')
    assert result.output == 'Found it.'
    rejected = result.all_messages()[1]
    assert rejected.finish_reason == 'error'  # type: ignore[union-attr]
    call = rejected.parts[0]  # type: ignore[union-attr]
    assert isinstance(call, ToolCallPart) and call.args == '{"foo":"bar"}'
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart) and retry.tool_call_id == call.tool_call_id
    assert [e['type'] for e in retry.content] == ['missing', 'extra_forbidden']  # type: ignore[index]


async def test_tool_use_failed_with_text_asks_for_a_tool_call(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=Answer)
    emulator.push(
        tool_use_failed('maybe', 'Tool choice is required, but model did not call a tool'),
        Reply(tool_calls=[ToolCallReply('final_result', {'response': 'no'})]),
    )
    result = await agent.run('go')
    assert result.output == Answer(response='no')
    assert result.all_messages()[1].parts == [TextPart('maybe')]  # type: ignore[union-attr]
    assert emulator.requests[1]['messages'][-1] == snapshot(
        {
            'role': 'user',
            'content': """\
Tool choice is required, but model did not call a tool. You must call a tool: respond by calling one of the tools (final_result) with valid arguments.

Fix the errors and try again.\
""",
        }
    )


async def test_in_stream_tool_use_failed_keeps_the_streamed_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=Answer)
    error = {
        'message': 'Tool choice is required, but model did not call a tool',
        'type': 'invalid_request_error',
        'code': 'tool_use_failed',
        'failed_generation': '',
        'status_code': 400,
    }
    emulator.push(
        Reply(reasoning='The user says', text='maybe', stream_error=error, stream_error_after=5),
        Reply(tool_calls=[ToolCallReply('final_result', {'response': 'no'})]),
    )
    async with agent.run_stream('go') as result:
        assert await result.get_output() == Answer(response='no')
    first = result.all_messages()[1]
    assert first.parts == [ThinkingPart('The user says'), TextPart('maybe')]  # type: ignore[union-attr]
    assert first.finish_reason == 'error'  # type: ignore[union-attr]
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart) and retry.tool_name is None
    assert 'You must call a tool' in str(retry.content)


async def test_in_stream_tool_use_failed_with_a_generation(emulator: GroqEmulator, model: GroqModel):
    error = {
        'message': 'bad',
        'code': 'tool_use_failed',
        'failed_generation': '[{"name": "a", "arguments": "{}"}, {"name": "b", "arguments": {"x": 1}}]',
        'status_code': 400,
    }
    emulator.push(Reply(text='x', stream_error=error, stream_error_after=1))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    response = stream.get()
    assert [(p.tool_name, p.args) for p in response.tool_calls] == [('a', '{}'), ('b', '{"x":1}')]
    assert response.finish_reason == 'error'
    assert response.provider_details and response.provider_details['error']['message'] == 'bad'


async def test_a_model_that_never_recovers_ends_with_a_clear_error(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=Answer, output_retries=1)
    emulator.push(tool_use_failed('nope'), tool_use_failed(''))
    with pytest.raises(UnexpectedModelBehavior, match=r'Exceeded maximum output retries \(1\).*You must call a tool'):
        await agent.run('go')


async def test_json_validate_failed(emulator: GroqEmulator, model: GroqModel):
    from pydantic_ai_groq import PromptedOutput

    agent = Agent(model, output_type=PromptedOutput(Answer))
    emulator.push(
        ErrorReply(
            400,
            {
                'error': {
                    'message': 'Failed to generate JSON',
                    'code': 'json_validate_failed',
                    'failed_generation': '{"resp',
                }
            },
        ),
        Reply(text='{"response": "ok"}'),
    )
    result = await agent.run('go')
    assert result.output == Answer(response='ok')
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert retry.content == snapshot("""\
Failed to generate JSON. Answer with only a JSON object that's compatible with this schema, with no text or Markdown fencing before or after:

{"properties": {"response": {"type": "string"}}, "required": ["response"], "type": "object", "additionalProperties": false}\
""")


async def test_text_output_rejected_generation_is_not_the_answer(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def lookup(q: str) -> str:
        return q

    emulator.push(tool_use_failed('<function=lookup{"q": 1}</function>'), Reply(text='fine'))
    result = await agent.run('go')
    assert result.output == 'fine'
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert retry.content == snapshot(
        'Tool call validation failed. Call tools with arguments that match their schemas, or answer in plain text.'
    )


# --- rate limits, capacity, service tier -------------------------------------------------------


async def test_rate_limit_headers_on_every_response(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a'), Reply(text='b'))
    response = await model.request(PROMPT, None, PARAMS)
    rate_limit = response.provider_details['rate_limit']  # type: ignore[index]
    assert set(rate_limit) == {
        'limit_requests',
        'remaining_requests',
        'reset_requests',
        'limit_tokens',
        'remaining_tokens',
        'reset_tokens',
    }
    assert all(isinstance(v, int | float) for v in rate_limit.values())
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert stream.get().provider_details['rate_limit']['remaining_requests'] < rate_limit['remaining_requests']  # type: ignore[index]


async def test_capacity_498_is_retried_within_max_retries(emulator: GroqEmulator):
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=2))
    emulator.push(
        ErrorReply(498, headers={'retry-after': '0'}), ErrorReply(498, headers={'retry-after': '0'}), Reply(text='ok')
    )
    assert (await model.request(PROMPT, None, PARAMS)).text == 'ok'
    emulator.push(*[ErrorReply(498, headers={'retry-after': '0'})] * 3)
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.kind == 'capacity' and exc_info.value.retryable
    assert 'Flex capacity exceeded (498): retryable' in str(exc_info.value)
    assert len(emulator.requests) == 6
    await model.client.close()


@pytest.mark.parametrize('retry_after', ['nan', '-1', 'inf', 'later'])
async def test_capacity_498_with_an_unusable_retry_after_backs_off_with_jitter(retry_after: str):
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(498, headers={'retry-after': retry_after}), Reply(text='ok')])
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=1), clock=clock)
    assert (await model.request(PROMPT, None, PARAMS)).text == 'ok'
    assert len(clock.slept) == 1 and 0 <= clock.slept[0] <= 1.0  # the first jittered step, not the header


async def test_capacity_498_waits_are_capped_by_the_setting():
    clock = VirtualClock()
    long_wait = ErrorReply(498, headers={'retry-after': '3600'})
    emulator = GroqEmulator([long_wait, Reply(text='ok'), long_wait, Reply(text='ok')])
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=1), clock=clock)
    assert (await model.request(PROMPT, None, PARAMS)).text == 'ok'
    assert clock.slept == [60]  # the default cap, not an hour
    assert (await model.request(PROMPT, {'groq_max_retry_wait': 2.5}, PARAMS)).text == 'ok'  # pyright: ignore[reportArgumentType]
    assert clock.slept == [60, 2.5]


async def test_capacity_498_wait_past_the_timeout_fails_at_once():
    clock = VirtualClock()
    emulator = GroqEmulator([ErrorReply(498, headers={'retry-after': '30'}), Reply(text='never sent')])
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(max_retries=2), clock=clock)
    with pytest.raises(ModelAPIError) as exc_info:
        await model.request(PROMPT, {'timeout': 10}, PARAMS)
    assert exc_info.value.kind == 'timeout'
    assert str(exc_info.value) == 'Request to Groq timed out: its timeout would pass during a 30s wait before retrying'
    assert isinstance(exc_info.value.__cause__, ModelHTTPError) and exc_info.value.__cause__.status_code == 498
    assert (clock.slept, emulator.pending) == ([], 1)


def test_max_retry_wait_setting_is_checked():
    for bad in (-1, math.nan, math.inf, '60'):
        with pytest.raises(UserError, match='groq_max_retry_wait'):
            GroqModel('llama-3.3-70b-versatile', api_key='k', settings={'groq_max_retry_wait': bad})  # pyright: ignore[reportArgumentType]


def test_capacity_backoff_is_jittered_and_capped():
    from pydantic_ai_groq.models.groq._send import _capacity_backoff  # pyright: ignore[reportPrivateUsage]

    assert _capacity_backoff(3, 1.5, 60) == 1.5
    assert _capacity_backoff(3, 3600, 60) == 60  # a server-sent wait is cut to the cap
    waits = {_capacity_backoff(10, None, 60) for _ in range(50)}
    assert len(waits) > 1 and all(0 <= w <= 8 for w in waits)
    assert all(0 <= _capacity_backoff(10, None, 0.5) <= 0.5 for _ in range(20))


async def test_service_tier(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a'))
    response = await model.request(PROMPT, {'groq_service_tier': 'flex'}, PARAMS)  # pyright: ignore[reportArgumentType]
    assert emulator.requests[0]['service_tier'] == 'flex'
    assert response.provider_details['service_tier'] == 'flex'  # type: ignore[index]


# --- server-side tools --------------------------------------------------------------------------


@pytest.mark.retired_models
async def test_compound_builtin_tools(emulator: GroqEmulator):
    model = emulator.model('groq/compound')
    agent = Agent(
        model,
        builtin_tools=[
            WebSearchTool(include_domains=['*.edu'], exclude_domains=['example.com'], country='france'),
            CodeExecutionTool(),
            VisitWebsiteTool(),
            WolframAlphaTool(api_key='wolfram-key'),
        ],
    )
    emulator.push(Reply(text='done'))
    await agent.run('go')
    body = emulator.requests[0]
    assert {k: body[k] for k in ('compound_custom', 'search_settings')} == snapshot(
        {
            'compound_custom': {
                'tools': {
                    'enabled_tools': ['web_search', 'code_interpreter', 'visit_website', 'wolfram_alpha'],
                    'wolfram_settings': {'authorization': 'wolfram-key'},
                }
            },
            'search_settings': {'include_domains': ['*.edu'], 'exclude_domains': ['example.com'], 'country': 'france'},
        }
    )
    assert 'tools' not in body
    await model.client.close()


async def test_gpt_oss_builtin_tools(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    agent = Agent(model, builtin_tools=[BrowserSearchTool(), CodeExecutionTool()])

    @agent.tool_plain
    def mine() -> str:
        return 'x'

    emulator.push(Reply(text='done'))
    await agent.run('go')
    assert [t.get('type') for t in emulator.requests[0]['tools']] == ['function', 'browser_search', 'code_interpreter']
    await model.client.close()


async def test_builtin_tool_the_model_cannot_run(emulator: GroqEmulator, model: GroqModel):
    with pytest.raises(
        UserError,
        match=r'WebSearchTool \(web_search\) cannot run on llama-3.3-70b-versatile \(llama family\); families that run it: '
        r'compound; models that run it: groq/compound',
    ):
        await Agent(model, builtin_tools=[WebSearchTool()]).run('go')
    assert emulator.requests == []


@pytest.mark.retired_models
async def test_executed_tools_become_builtin_parts(emulator: GroqEmulator):
    from pydantic_ai_groq.testing import ExecutedToolReply

    model = emulator.model('groq/compound')
    executed = [
        ExecutedToolReply(
            'search',
            {'query': 'groq news'},
            output='Title: Groq\nURL: https://groq.com',
            search_results={'results': [{'title': 'Groq', 'url': 'https://groq.com', 'content': 'LPU', 'score': 0.9}]},
        ),
        ExecutedToolReply('python', {'code': 'print(1+1)'}, output='2\n'),
    ]
    emulator.push(
        Reply(text='Groq makes LPUs.', executed_tools=executed),
        Reply(text='Groq makes LPUs.', executed_tools=executed, chunk_size=5),
    )
    whole = await model.request(PROMPT, None, PARAMS)
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert whole.parts == snapshot(
        [
            BuiltinToolCallPart(tool_name='search', args='{"query":"groq news"}', tool_call_id='executed_tool_0'),
            BuiltinToolReturnPart(
                tool_name='search',
                content={
                    'output': """\
Title: Groq
URL: https://groq.com\
""",
                    'search_results': {
                        'results': [{'title': 'Groq', 'url': 'https://groq.com', 'content': 'LPU', 'score': 0.9}]
                    },
                },
                tool_call_id='executed_tool_0',
            ),
            BuiltinToolCallPart(tool_name='python', args='{"code":"print(1+1)"}', tool_call_id='executed_tool_1'),
            BuiltinToolReturnPart(tool_name='python', content={'output': '2\n'}, tool_call_id='executed_tool_1'),
            TextPart(content='Groq makes LPUs.'),
        ]
    )
    assert stream.get().parts == whole.parts
    # kept in history, not sent back
    emulator.push(Reply(text='ok'))
    await model.request([*PROMPT, whole, ModelRequest.user_text_prompt('more')], None, PARAMS)
    assert emulator.requests[-1]['messages'][1] == {'role': 'assistant', 'content': 'Groq makes LPUs.'}
    assert isinstance(whole.parts[0], BuiltinToolCallPart) and isinstance(whole.parts[1], BuiltinToolReturnPart)
    await model.client.close()


# --- documents and citations ----------------------------------------------------------------------


async def test_documents_and_citations(emulator: GroqEmulator, model: GroqModel):
    annotations = [
        {
            'type': 'document_citation',
            'document_citation': {'document_id': 'contract', 'start_index': 0, 'end_index': 5},
        }
    ]
    emulator.push(
        Reply(text='Notice: 30 days.', annotations=annotations), Reply(text='Notice: 30 days.', annotations=annotations)
    )
    settings = {
        'groq_documents': [
            'The notice period is 30 days.',
            {'id': 'contract', 'source': {'type': 'text', 'text': 'x'}},
        ],
        'groq_citation_options': 'enabled',
    }
    response = await model.request(PROMPT, settings, PARAMS)  # pyright: ignore[reportArgumentType]
    assert emulator.requests[0]['documents'] == snapshot(
        [
            {'source': {'type': 'text', 'text': 'The notice period is 30 days.'}},
            {'id': 'contract', 'source': {'type': 'text', 'text': 'x'}},
        ]
    )
    assert emulator.requests[0]['citation_options'] == 'enabled'
    assert response.provider_details['citations'] == annotations  # type: ignore[index]
    async with model.request_stream(PROMPT, settings, PARAMS) as stream:  # pyright: ignore[reportArgumentType]
        async for _ in stream:
            pass
    assert stream.get().provider_details['citations'] == annotations  # type: ignore[index]


# --- reasoning ------------------------------------------------------------------------------------------


@pytest.mark.parametrize('chunk_size', [None, 1, 3, 7])
async def test_raw_reasoning_is_split_from_think_tags(emulator: GroqEmulator, chunk_size: int | None):
    model = emulator.model('qwen/qwen3.8-27b')
    reply = Reply(reasoning='I should greet.', text='Hello!', chunk_size=chunk_size)
    emulator.push(reply, reply)
    settings = {'groq_reasoning_format': 'raw'}
    whole = await model.request(PROMPT, settings, PARAMS)  # pyright: ignore[reportArgumentType]
    async with model.request_stream(PROMPT, settings, PARAMS) as stream:  # pyright: ignore[reportArgumentType]
        async for _ in stream:
            pass
    assert whole.parts == [ThinkingPart('I should greet.'), TextPart('Hello!')]
    assert stream.get().parts == whole.parts
    assert emulator.requests[0]['reasoning_format'] == 'raw'
    await model.client.close()
