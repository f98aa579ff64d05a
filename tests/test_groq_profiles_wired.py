"""GroqModel asking the profile table and the catalogue: what each model family is sent."""

from __future__ import annotations

from typing import Any

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel

from pydantic_ai_groq import Agent, ModelRequest, ModelRequestParameters, NativeOutput, Tool
from pydantic_ai_groq.builtin_tools import WebSearchTool
from pydantic_ai_groq.exceptions import ModelHTTPError, UserError
from pydantic_ai_groq.messages import ModelResponse, TextPart, ThinkingPart, ToolCallPart
from pydantic_ai_groq.models.groq import GroqModel, list_models, list_models_sync
from pydantic_ai_groq.models.groq._errors import failed_generation_response
from pydantic_ai_groq.testing import ExecutedToolReply, GroqEmulator, ModelCard, Reply, ToolCallReply

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()
HISTORY = [
    ModelRequest.user_text_prompt('hi'),
    ModelResponse([ThinkingPart('They greet me.'), TextPart('Hello!')]),
    ModelRequest.user_text_prompt('again'),
]


@pytest.mark.parametrize(
    ('model_name', 'assistant'),
    [
        ('openai/gpt-oss-120b', {'role': 'assistant', 'content': 'Hello!', 'reasoning': 'They greet me.'}),
        ('deepseek-r1-distill-llama-70b', {'role': 'assistant', 'content': '<think>They greet me.</think>\n\nHello!'}),
        ('llama-3.3-70b-versatile', {'role': 'assistant', 'content': 'Hello!'}),
    ],
)
async def test_thinking_goes_back_as_the_family_takes_it(model_name: str, assistant: dict[str, Any]):
    emulator = GroqEmulator([Reply(text='ok')], models=[ModelCard(model_name, 'someone', 131_072, 8_192)])
    model = GroqModel(model_name, groq_client=emulator.client())
    await model.request(HISTORY, None, PARAMS)
    assert emulator.requests[0]['messages'][1] == assistant
    await model.client.close()


async def test_reasoning_settings_checked_against_the_family(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    with pytest.raises(UserError, match=r"groq_reasoning_format='raw' cannot be used with tools or JSON output"):
        await Agent(model, output_type=int).run('go', model_settings={'groq_reasoning_format': 'raw'})  # pyright: ignore[reportArgumentType]
    assert emulator.requests == []
    # Groq answered this pair with 200 and a reasoning field: it is sent, not refused.
    emulator.push(Reply(text='ok', reasoning='thought'), Reply(text='ok'))
    response = await model.request(PROMPT, {'groq_reasoning_format': 'parsed', 'groq_reasoning_effort': 'high'}, PARAMS)  # pyright: ignore[reportArgumentType]
    assert [part.part_kind for part in response.parts] == ['thinking', 'text']
    await model.request(PROMPT, {'groq_reasoning_effort': 'high', 'groq_include_reasoning': False}, PARAMS)  # pyright: ignore[reportArgumentType]
    assert [
        {k: request.get(k) for k in ('reasoning_format', 'reasoning_effort', 'include_reasoning')}
        for request in emulator.requests
    ] == [
        {'reasoning_format': 'parsed', 'reasoning_effort': 'high', 'include_reasoning': None},
        {'reasoning_format': None, 'reasoning_effort': 'high', 'include_reasoning': False},
    ]
    await model.client.close()


@pytest.mark.retired_models
async def test_compound_tools_and_function_tools_are_sent(emulator: GroqEmulator):
    model = emulator.model('groq/compound')
    agent = Agent(model, builtin_tools=[WebSearchTool()])

    @agent.tool_plain
    def mine() -> str:
        return 'x'

    # No recorded rejection of function tools on compound: they are sent beside the compound tools.
    emulator.push(Reply(text='ok'))
    await agent.run('go')
    assert [tool['function']['name'] for tool in emulator.requests[0]['tools']] == ['mine']
    assert 'search_settings' not in emulator.requests[0]
    assert emulator.requests[0]['compound_custom'] == {'tools': {'enabled_tools': ['web_search']}}
    await model.client.close()


async def test_native_output_needs_json_schema_support(emulator: GroqEmulator, model: GroqModel):
    class City(BaseModel):
        name: str

    with pytest.raises(UserError, match=r'does not take a json_schema response format: use ToolOutput'):
        await Agent(model, output_type=NativeOutput(City)).run('go')


async def test_strict_native_output_on_gpt_oss(emulator: GroqEmulator):
    class Profile(BaseModel):
        name: str
        nickname: str | None = None
        age: int = 0

    class Loose(BaseModel):
        tags: dict[str, int]

    model = emulator.model('openai/gpt-oss-120b')
    emulator.push(Reply(text='{"name": "Ada", "nickname": null, "age": null}'), Reply(text='{"tags": {"a": 1}}'))
    result = await Agent(model, output_type=NativeOutput(Profile)).run('go')
    assert result.output == Profile(name='Ada', nickname=None, age=0)  # the null for `age` read as absent
    assert emulator.requests[0]['response_format']['json_schema'] == snapshot(
        {
            'name': 'Profile',
            'schema': {
                'properties': {
                    'name': {'type': 'string'},
                    'nickname': {'anyOf': [{'type': 'string'}, {'type': 'null'}], 'description': 'default: null'},
                    'age': {'anyOf': [{'type': 'integer'}, {'type': 'null'}], 'description': 'default: 0'},
                },
                'required': ['name', 'nickname', 'age'],
                'type': 'object',
                'additionalProperties': False,
            },
            'strict': True,
        }
    )
    await Agent(model, output_type=NativeOutput(Loose)).run('go')
    assert 'strict' not in emulator.requests[1]['response_format']['json_schema']  # cannot be strict: left out
    await model.client.close()


async def test_strict_tool_parameters(emulator: GroqEmulator, model: GroqModel):
    def lookup(city: str, limit: int = 3) -> str:
        return f'{city}:{limit}'

    def free(tags: dict[str, int]) -> str:
        return 'free'

    agent = Agent(model, tools=[Tool(lookup, strict=True), Tool(free, strict=True)])
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'city': 'Oslo', 'limit': None})]), Reply(text='done'))
    result = await agent.run('go')
    assert result.all_messages()[2].parts[0].content == 'Oslo:3'
    tools = {t['function']['name']: t['function'] for t in emulator.requests[0]['tools']}
    assert tools['lookup'] == snapshot(
        {
            'name': 'lookup',
            'description': '',
            'parameters': {
                'type': 'object',
                'properties': {
                    'city': {'type': 'string'},
                    'limit': {'anyOf': [{'type': 'integer'}, {'type': 'null'}], 'description': 'default: 3'},
                },
                'required': ['city', 'limit'],
                'additionalProperties': False,
            },
            'strict': True,
        }
    )
    assert 'strict' not in tools['free']


async def test_catalogue_functions(emulator: GroqEmulator):
    model = emulator.model()
    models = await model.list_models()
    assert 'llama-3.3-70b-versatile' in {m.id for m in models}
    assert await list_models(groq_client=emulator.client()) == models
    await model.client.close()


def test_list_models_sync(emulator: GroqEmulator, monkeypatch: pytest.MonkeyPatch):
    with emulator.serve() as base_url:
        monkeypatch.setenv('GROQ_API_KEY', 'k')
        models = list_models_sync(base_url=base_url)
    assert [m.id for m in models][:2] == snapshot(['llama-3.1-8b-instant', 'llama-3.3-70b-versatile'])


async def test_unknown_model_names_the_closest(emulator: GroqEmulator):
    model = emulator.model('llama-3.3-70b-versatlie')
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.hint == snapshot(
        "No model 'llama-3.3-70b-versatlie'; did you mean 'llama-3.3-70b-versatile', 'llama-3.1-8b-instant'?"
    )
    assert "did you mean 'llama-3.3-70b-versatile'" in str(exc_info.value)
    await model.client.close()


async def test_decommissioned_model_names_the_replacement(emulator: GroqEmulator):
    model = emulator.model('gemma2-9b-it')
    with pytest.raises(ModelHTTPError) as exc_info:
        await model.request(PROMPT, None, PARAMS)
    assert exc_info.value.error_code == 'model_decommissioned'
    assert exc_info.value.hint is not None and exc_info.value.hint.startswith('gemma2-9b-it is decommissioned; use ')
    await model.client.close()


async def test_prompt_far_past_the_context_window(emulator: GroqEmulator, model: GroqModel):
    huge = 'word ' * 800_000  # about 1M tokens by any estimate, against a 131k window
    with pytest.raises(UserError, match=r'far more than the 131,072-token context window of llama-3.3-70b-versatile'):
        await model.request([ModelRequest.user_text_prompt(huge)], None, PARAMS)
    assert emulator.requests == []


def test_failed_generation_without_headers():
    error = ModelHTTPError(400, 'm', {'error': {'code': 'tool_use_failed', 'failed_generation': 'x'}})
    response = failed_generation_response(error)
    assert response.parts == [TextPart('x')] and response.provider_details == {
        'error': {'code': 'tool_use_failed', 'failed_generation': 'x'}
    }


async def test_in_stream_failed_generation_text(emulator: GroqEmulator, model: GroqModel):
    error = {'message': 'bad', 'code': 'tool_use_failed', 'failed_generation': 'plain words', 'status_code': 400}
    emulator.push(
        Reply(text='x', stream_error=error, stream_error_after=1),
        Reply(text='streamed', stream_error=error, stream_error_after=2),
    )
    for expected in ('plain words', 'streamed'):  # not repeated when the text was streamed already
        async with model.request_stream(PROMPT, None, PARAMS) as stream:
            async for _ in stream:
                pass
        assert stream.get().parts == [TextPart(expected)]


async def test_stream_ending_inside_a_tag(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='<b>bold</b> <', chunk_size=3))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        events = [event async for event in stream]
    assert stream.get().parts == [TextPart('<b>bold</b> <')]
    assert len(events) > 1


@pytest.mark.retired_models
async def test_executed_tool_without_result(emulator: GroqEmulator):
    model = emulator.model('groq/compound')
    reply = Reply(text='ok', executed_tools=[ExecutedToolReply('search', '')])
    emulator.push(reply, reply)
    whole = await model.request(PROMPT, None, PARAMS)
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert stream.get().parts == whole.parts
    assert [p.part_kind for p in whole.parts] == ['builtin-tool-call', 'text']
    await model.client.close()


def test_package_dir():
    import pydantic_ai_groq

    assert 'Agent' in dir(pydantic_ai_groq)
    assert ToolCallPart in (pydantic_ai_groq.ToolCallPart,)
