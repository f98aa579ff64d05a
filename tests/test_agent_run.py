"""The run loop through GroqModel and the emulator: tools, retries, limits, history."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from dirty_equals import IsStr
from inline_snapshot import snapshot

from pydantic_ai_groq import (
    Agent,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    RunContext,
    Tool,
    ToolReturnPart,
    UsageLimits,
    UserPromptPart,
)
from pydantic_ai_groq.exceptions import ModelRetry, UnexpectedModelBehavior, UsageLimitExceeded, UserError
from pydantic_ai_groq.messages import SystemPromptPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply, Usage


@dataclass
class WeatherService:
    unit: str
    calls: list[str]


async def test_two_concurrent_tools_and_a_retried_argument_error(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, deps_type=WeatherService, instructions='Use the tools.')
    both_started = anyio.Event()
    started: list[str] = []

    @agent.tool
    async def temperature(ctx: RunContext[WeatherService], city: str) -> str:
        """Current temperature of a city.

        Args:
            city: City name in English.
        """
        started.append(city)
        ctx.deps.calls.append(f'temperature({city})')
        if len(started) == 2:
            both_started.set()
        with anyio.fail_after(5):  # both calls must be in flight together to get past this
            await both_started.wait()
        return f'21 {ctx.deps.unit} in {city}'

    @agent.tool_plain
    def humidity(city: str, percent: bool = True) -> dict[str, Any]:
        """Relative humidity.

        Args:
            city: City name.
            percent: Return a percentage.
        """
        return {'city': city, 'humidity': 40}

    emulator.push(
        Reply(
            text='Let me look that up.',
            tool_calls=[
                ToolCallReply('temperature', {'city': 'Paris'}, id='c1'),
                ToolCallReply('temperature', {'city': 'Rome'}, id='c2'),
                ToolCallReply('humidity', {'town': 'Paris'}, id='c3'),
            ],
        ),
        Reply(tool_calls=[ToolCallReply('humidity', {'city': 'Paris'}, id='c4')]),
        Reply(text='Paris 21C, Rome 21C, humidity 40%.'),
    )
    service = WeatherService('C', [])
    result = await agent.run('Weather in Paris and Rome?', deps=service)

    assert result.output == 'Paris 21C, Rome 21C, humidity 40%.'
    assert sorted(service.calls) == ['temperature(Paris)', 'temperature(Rome)']
    assert result.usage().requests == 3
    assert result.usage().tool_calls == 3  # the call with invalid arguments never ran
    second_request = result.all_messages()[2]
    assert isinstance(second_request, ModelRequest)
    assert second_request.parts == [
        ToolReturnPart('temperature', '21 C in Paris', 'c1', timestamp=second_request.parts[0].timestamp),
        ToolReturnPart('temperature', '21 C in Rome', 'c2', timestamp=second_request.parts[1].timestamp),
        RetryPromptPart(
            [
                {'type': 'missing', 'loc': ('city',), 'msg': 'Field required', 'input': {'town': 'Paris'}},
                {
                    'type': 'extra_forbidden',
                    'loc': ('town',),
                    'msg': 'Extra inputs are not permitted',
                    'input': 'Paris',
                },
            ],
            'humidity',
            'c3',
            timestamp=second_request.parts[2].timestamp,
        ),
    ]
    assert second_request.instructions == 'Use the tools.'
    # the wire: tool definitions from signatures and docstrings, tool returns in call order
    first, second, _ = emulator.requests
    assert first['tools'] == snapshot(
        [
            {
                'type': 'function',
                'function': {
                    'name': 'temperature',
                    'description': 'Current temperature of a city.',
                    'parameters': {
                        'type': 'object',
                        'properties': {'city': {'type': 'string', 'description': 'City name in English.'}},
                        'required': ['city'],
                        'additionalProperties': False,
                    },
                },
            },
            {
                'type': 'function',
                'function': {
                    'name': 'humidity',
                    'description': 'Relative humidity.',
                    'parameters': {
                        'type': 'object',
                        'properties': {
                            'city': {'type': 'string', 'description': 'City name.'},
                            'percent': {'default': True, 'type': 'boolean', 'description': 'Return a percentage.'},
                        },
                        'required': ['city'],
                        'additionalProperties': False,
                    },
                },
            },
        ]
    )
    assert first['tool_choice'] == 'auto'
    assert [m['role'] for m in second['messages']] == ['system', 'user', 'assistant', 'tool', 'tool', 'tool']
    assert second['messages'][-1]['content'] == snapshot("""\
2 validation errors:
```json
[
  {
    "type": "missing",
    "loc": [
      "city"
    ],
    "msg": "Field required",
    "input": {
      "town": "Paris"
    }
  },
  {
    "type": "extra_forbidden",
    "loc": [
      "town"
    ],
    "msg": "Extra inputs are not permitted",
    "input": "Paris"
  }
]
```

Fix the errors and try again.\
""")


async def test_sync_tools_run_in_a_worker_thread(emulator: GroqEmulator, model: GroqModel):
    threads: list[int] = []

    def where() -> str:
        threads.append(threading.get_ident())
        return 'here'

    agent = Agent(model, tools=[where])
    emulator.push(Reply(tool_calls=[ToolCallReply('where', {})]), Reply(text='done'))
    await agent.run('where?')
    assert threads and threads[0] != threading.get_ident()


async def test_run_context_fields(emulator: GroqEmulator, model: GroqModel):
    seen: list[tuple[Any, ...]] = []
    agent = Agent(model, deps_type=int, retries=2)

    @agent.tool
    def probe(ctx: RunContext[int], x: int) -> int:
        seen.append(
            (
                ctx.deps,
                ctx.model.model_name,
                ctx.usage.requests,
                len(ctx.messages),
                ctx.retry,
                ctx.tool_name,
                ctx.tool_call_id,
                ctx.run_step,
                ctx.prompt,
            )
        )
        if ctx.retry == 0:
            raise ModelRetry('try again with a bigger x')
        return x * ctx.deps

    emulator.push(
        Reply(tool_calls=[ToolCallReply('probe', {'x': 1}, id='p1')]),
        Reply(tool_calls=[ToolCallReply('probe', {'x': 2}, id='p2')]),
        Reply(text='ok'),
    )
    result = await agent.run('go', deps=10)
    assert seen == [
        (10, 'llama-3.3-70b-versatile', 1, 2, 0, 'probe', 'p1', 1, 'go'),
        (10, 'llama-3.3-70b-versatile', 2, 4, 1, 'probe', 'p2', 2, 'go'),
    ]
    retry = result.all_messages()[2].parts[0]
    assert retry == RetryPromptPart('try again with a bigger x', 'probe', 'p1', timestamp=retry.timestamp)
    assert result.all_messages()[4].parts[0].content == 20


async def test_tool_retry_budget_runs_out(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=1)

    @agent.tool_plain
    def flaky(n: int) -> int:
        raise ModelRetry(f'no luck with {n}')

    emulator.push(
        Reply(tool_calls=[ToolCallReply('flaky', {'n': 1})]),
        Reply(tool_calls=[ToolCallReply('flaky', {'n': 2})]),
    )
    with pytest.raises(
        UnexpectedModelBehavior, match=r"Tool 'flaky' exceeded its retry limit of 1; the last error was: no luck with 2"
    ):
        await agent.run('go')


async def test_per_tool_max_retries_and_reset_on_success(emulator: GroqEmulator, model: GroqModel):
    attempts: list[int] = []

    def sometimes(n: int) -> int:
        attempts.append(n)
        if n % 2:
            raise ModelRetry('odd numbers fail')
        return n

    agent = Agent(model, tools=[Tool(sometimes, max_retries=0)], retries=5)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('sometimes', {'n': 2})]),
        Reply(tool_calls=[ToolCallReply('sometimes', {'n': 1})]),
    )
    with pytest.raises(UnexpectedModelBehavior, match=r"Tool 'sometimes' exceeded its retry limit of 0"):
        await agent.run('go')
    assert attempts == [2, 1]


async def test_unknown_tool_gets_a_retry_listing_the_tools(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def known() -> str:
        return 'k'

    emulator.push(Reply(tool_calls=[ToolCallReply('unknown', {}, id='u1')]), Reply(text='sorry'))
    result = await agent.run('go')
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert retry.content == "Unknown tool name: 'unknown'. Available tools: 'known'"
    assert retry.tool_call_id == 'u1'


async def test_tool_returning_something_not_json(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def bad() -> object:
        return object()

    emulator.push(Reply(tool_calls=[ToolCallReply('bad', {})]))
    with pytest.raises(UserError, match=r"Tool 'bad' returned a object that cannot be serialised to JSON"):
        await agent.run('go')


async def test_tool_exception_propagates(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def one() -> str:
        return '1'

    @agent.tool_plain
    async def boom() -> str:
        raise RuntimeError('tool bug')

    emulator.push(Reply(tool_calls=[ToolCallReply('one', {}), ToolCallReply('boom', {})]))
    with pytest.raises(RuntimeError, match='tool bug'):
        await agent.run('go')


async def test_thinking_aloud_then_tool_call_is_not_final(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def lookup() -> str:
        return 'found'

    emulator.push(
        Reply(text='I will call lookup now.', tool_calls=[ToolCallReply('lookup', {})]),
        Reply(text='The answer is found.'),
    )
    result = await agent.run('go')
    assert result.output == 'The answer is found.'
    assert len(emulator.requests) == 2


async def test_empty_response_gets_a_retry_prompt(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(reasoning='Hmm.'), Reply(text='Answer.'))
    result = await agent.run('go')
    assert result.output == 'Answer.'
    assert emulator.requests[1]['messages'][-1] == snapshot(
        {
            'role': 'user',
            'content': """\
Responses without text or tool calls are not permitted; answer or call a tool.

Fix the errors and try again.\
""",
        }
    )


async def test_empty_responses_run_out_of_retries(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_retries=1)
    emulator.push(Reply(), Reply(text=''))
    with pytest.raises(UnexpectedModelBehavior, match=r'Exceeded maximum output retries \(1\)'):
        await agent.run('go')


async def test_cut_off_output(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, model_settings={'max_tokens': 5})
    emulator.push(Reply(text='This answer is', finish_reason='length'))
    with pytest.raises(UnexpectedModelBehavior, match=r'output was cut off.*finish_reason=length, max_tokens=5'):
        await agent.run('go')


async def test_system_prompts_instructions_and_history(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, system_prompt='You are terse.', instructions='Answer in French.', deps_type=str)

    @agent.system_prompt
    async def user_name(ctx: RunContext[str]) -> str:
        return f'The user is {ctx.deps}.'

    @agent.instructions
    def today() -> str:
        return 'Today is Monday.'

    emulator.push(Reply(text='Bonjour.'), Reply(text='Au revoir.'))
    first = await agent.run('Hello', deps='Ana')
    stored = first.all_messages_json()
    history = ModelMessagesTypeAdapter.validate_json(stored)
    assert history == first.all_messages()
    second = await agent.run('Bye', message_history=history, deps='Ana')
    assert second.output == 'Au revoir.'
    assert len(second.all_messages()) == 4
    assert second.new_messages() == second.all_messages()[2:]
    assert ModelMessagesTypeAdapter.validate_json(second.new_messages_json()) == second.new_messages()
    assert emulator.requests[1]['messages'] == snapshot(
        [
            {'role': 'system', 'content': 'You are terse.'},
            {'role': 'system', 'content': 'The user is Ana.'},
            {
                'role': 'system',
                'content': """\
Answer in French.

Today is Monday.\
""",
            },
            {'role': 'user', 'content': 'Hello'},
            {'role': 'assistant', 'content': 'Bonjour.'},
            {'role': 'user', 'content': 'Bye'},
        ]
    )
    request = second.new_messages()[0]
    assert isinstance(request, ModelRequest)
    assert request.instructions == 'Answer in French.\n\nToday is Monday.'
    assert [type(p) for p in request.parts] == [UserPromptPart]
    assert [type(p) for p in first.all_messages()[0].parts] == [SystemPromptPart, SystemPromptPart, UserPromptPart]


async def test_continue_from_history_without_a_prompt(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='continued'))
    history = [ModelRequest([UserPromptPart('pending question')])]
    result = await agent.run(message_history=history)
    assert result.output == 'continued'
    assert result.new_messages()[0].parts == history[0].parts
    with pytest.raises(UserError, match='No user prompt'):
        await agent.run(message_history=[*result.all_messages()])


@pytest.mark.parametrize(
    ('limits', 'message'),
    [
        (UsageLimits(request_limit=1), r'The next request would exceed the request_limit of 1 \(requests made: 1\)'),
        (UsageLimits(input_tokens_limit=15), r'Exceeded the input_tokens_limit of 15 \(input_tokens=20\)'),
        (UsageLimits(output_tokens_limit=4), r'Exceeded the output_tokens_limit of 4 \(output_tokens=5\)'),
        (UsageLimits(total_tokens_limit=24), r'Exceeded the total_tokens_limit of 24 \(total_tokens=25\)'),
        (
            UsageLimits(tool_calls_limit=1),
            r'The next 2 tool call\(s\) would exceed the tool_calls_limit of 1 \(tool_calls=0\)',
        ),
    ],
)
async def test_usage_limits(emulator: GroqEmulator, model: GroqModel, limits: UsageLimits, message: str):
    agent = Agent(model)

    @agent.tool_plain
    def ping() -> str:
        return 'pong'

    emulator.push(
        Reply(tool_calls=[ToolCallReply('ping', {}), ToolCallReply('ping', {})], usage=Usage(20, 5)),
        Reply(text='done', usage=Usage(20, 5)),
    )
    with pytest.raises(UsageLimitExceeded, match=message):
        await agent.run('go', usage_limits=limits)


async def test_default_request_limit_is_50(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=100)

    @agent.tool_plain
    def again() -> str:
        return 'again'

    emulator.push(*[Reply(tool_calls=[ToolCallReply('again', {})]) for _ in range(51)])
    with pytest.raises(UsageLimitExceeded, match='request_limit of 50'):
        await agent.run('loop')
    assert len(emulator.requests) == 50


async def test_run_sync_and_its_error_inside_a_loop(emulator: GroqEmulator):
    agent = Agent(emulator.model())
    with pytest.raises(UserError, match=r'run_sync\(\) cannot be called inside a running event loop'):
        agent.run_sync('hi')


def test_run_sync(emulator: GroqEmulator):
    agent = Agent(emulator.model())
    emulator.push(Reply(text='sync answer'))
    assert agent.run_sync('hi').output == 'sync answer'


async def test_model_string_and_override(emulator: GroqEmulator, model: GroqModel, monkeypatch: pytest.MonkeyPatch):
    agent = Agent('groq:llama-3.3-70b-versatile', deps_type=str)

    @agent.tool
    def who(ctx: RunContext[str]) -> str:
        return ctx.deps

    emulator.push(Reply(tool_calls=[ToolCallReply('who', {})]), Reply(text='done'))
    with agent.override(model=model, deps='test-deps'):
        result = await agent.run('who?', deps='real-deps')
    assert result.all_messages()[2].parts[0].content == 'test-deps'
    with pytest.raises(UserError, match='set the GROQ_API_KEY environment variable'):
        await agent.run('no key, no override')
    monkeypatch.setenv('GROQ_API_KEY', 'k')
    emulator.push(Reply(text='per-run model'))
    assert (await agent.run('x', model=model)).output == 'per-run model'


def test_agent_construction_errors():
    with pytest.raises(UserError, match=r'Unknown model .openai:gpt-4o.: pass a Model instance'):
        Agent('openai:gpt-4o')

    def dup() -> None: ...

    with pytest.raises(UserError, match="Tool name 'dup' is used twice"):
        Agent(None, tools=[dup, Tool(dup)])
    with pytest.raises(UserError, match="end_strategy='late' is not allowed"):
        Agent(None, end_strategy='late')  # pyright: ignore[reportArgumentType]
    with pytest.raises(UserError, match='retries and output_retries must be >= 0'):
        Agent(None, retries=-1)


async def test_no_model(emulator: GroqEmulator):
    with pytest.raises(UserError, match=r'No model: pass one to Agent\(...\) or to this run'):
        await Agent().run('hi')


async def test_tool_choice_setting(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def a() -> str:
        return 'a'

    @agent.tool_plain
    def b() -> str:
        return 'b'

    @agent.tool_plain
    def c() -> str:
        return 'c'

    first_requests: list[dict[str, Any]] = []
    for choice in ('none', 'required', ['b'], ['a', 'c']):
        first = len(emulator.requests)
        # A text answer where a tool call is demanded fails as on Groq (tool_use_failed): only the
        # first request of each run matters here.
        emulator.push(Reply(text='ok'), Reply(text='ok'))
        with contextlib.suppress(UnexpectedModelBehavior):
            await agent.run('go', model_settings={'tool_choice': choice})  # pyright: ignore[reportArgumentType]
        first_requests.append(emulator.requests[first])
    sent = [(r['tool_choice'], [t['function']['name'] for t in r['tools']]) for r in first_requests]
    assert sent == [
        ('none', ['a', 'b', 'c']),
        ('required', ['a', 'b', 'c']),
        ({'type': 'function', 'function': {'name': 'b'}}, ['a', 'b', 'c']),
        ('required', ['a', 'c']),
    ]
    with pytest.raises(UserError, match=r'tool_choice names unknown tool\(s\) zzz; available tools: a, b, c'):
        await agent.run('go', model_settings={'tool_choice': ['zzz']})
    with pytest.raises(UserError, match=r'tool_choice=\[\] is not allowed'):
        await agent.run('go', model_settings={'tool_choice': []})
    with pytest.raises(UserError, match=r"tool_choice='required' needs tools"):
        await Agent(model).run('go', model_settings={'tool_choice': 'required'})


async def test_messages_kept_when_the_run_fails(emulator: GroqEmulator, model: GroqModel):
    from pydantic_ai_groq import capture_run_messages

    agent = Agent(model, output_retries=0)
    emulator.push(Reply())
    with capture_run_messages() as messages, pytest.raises(UnexpectedModelBehavior):
        await agent.run('go')
    assert [m.kind for m in messages] == ['request', 'response']
    assert messages[1] == ModelResponse(
        [],
        usage=messages[1].usage,
        model_name='llama-3.3-70b-versatile',
        timestamp=messages[1].timestamp,
        finish_reason='stop',
        provider_response_id=IsStr(),
        provider_details=messages[1].provider_details,
    )
    assert isinstance(messages[0].parts[0], UserPromptPart)
