"""The output the user asked for reaches the model: schemas, `tool_choice` and retries, as sent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel

from pydantic_ai_groq import Agent, ModelRetry, NativeOutput, PromptedOutput, RunContext, UsageLimits
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.output import OutputSpec
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


def lookup(city: str) -> str:
    """Facts about a city.

    Args:
        city: City name in English.
    """
    return f'{city} is big.'


def _system(body: dict[str, Any]) -> str:
    return '\n'.join(m['content'] for m in body['messages'] if m['role'] == 'system')


async def test_native_output_beside_tools_puts_the_schema_in_the_instructions(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    agent = Agent(model, output_type=NativeOutput(City), tools=[lookup], instructions='Be brief.')
    emulator.push(
        Reply(tool_calls=[ToolCallReply('lookup', {'city': 'Lyon'})]),
        Reply(text='{"name": "Lyon", "country": "France"}'),
    )
    result = await agent.run('Where is Lyon?')
    assert result.output == City(name='Lyon', country='France')
    for body in emulator.requests:
        assert 'response_format' not in body  # Groq rejects it beside tools
        system = _system(body)
        assert system.startswith('Be brief.\n\n')
        # The field names reach the model, with the type's description, once.
        sent_schema = json.loads(system[system.index('{') : system.rindex('}') + 1])
        assert sent_schema == {
            'description': 'A city and its country.',
            'properties': {'name': {'type': 'string'}, 'country': {'type': 'string'}},
            'required': ['name', 'country'],
            'type': 'object',
            'additionalProperties': False,
        }
        assert system.count('A city and its country.') == 1
    await model.client.close()


async def test_native_output_beside_tools_instructions_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=NativeOutput(City), tools=[lookup])
    emulator.push(Reply(text='{"name": "Lyon", "country": "France"}'))
    await agent.run('go')
    assert _system(emulator.requests[0]) == snapshot("""\
Call the tools you need first. Then give your final answer as a JSON object that's compatible with this schema, with no text or Markdown fencing before or after:

{"description": "A city and its country.", "properties": {"name": {"type": "string"}, "country": {"type": "string"}}, "required": ["name", "country"], "type": "object", "additionalProperties": false}\
""")


async def test_native_output_without_tools_adds_no_instructions(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-safeguard-20b')
    agent = Agent(model, output_type=NativeOutput(City))
    emulator.push(Reply(text='{"name": "Lyon", "country": "France"}'))
    await agent.run('go')
    assert [m['role'] for m in emulator.requests[0]['messages']] == ['user']
    assert emulator.requests[0]['response_format']['type'] == 'json_schema'
    await model.client.close()


async def test_native_output_beside_tools_retry_repeats_the_schema(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=NativeOutput(City), tools=[lookup])
    emulator.push(Reply(text='Lyon is in France.'), Reply(text='{"name": "Lyon", "country": "France"}'))
    result = await agent.run('go')
    assert result.output == City(name='Lyon', country='France')
    assert emulator.requests[1]['messages'][-1] == snapshot(
        {
            'role': 'user',
            'content': """\
Your answer is not the output asked for: Invalid JSON: expected value at line 1 column 1. Answer with only a JSON object that's compatible with this schema, with no text or Markdown fencing before or after:

{"description": "A city and its country.", "properties": {"name": {"type": "string"}, "country": {"type": "string"}}, "required": ["name", "country"], "type": "object", "additionalProperties": false}

Fix the errors and try again.\
""",
        }
    )


async def test_prompted_output_retry_repeats_the_schema(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=PromptedOutput(City))
    emulator.push(Reply(text='{"name": "Lyon"}'), Reply(text='{"name": "Lyon", "country": "France"}'))
    await agent.run('go')
    retry = emulator.requests[1]['messages'][-1]['content']
    assert retry.startswith('Your answer is not the output asked for: country: Field required. Answer with only')
    assert '"required": ["name", "country"]' in retry


@pytest.mark.parametrize('model_name, strict', [('openai/gpt-oss-120b', True), ('openai/gpt-oss-safeguard-20b', None)])
async def test_json_schema_description_is_sent_once(emulator: GroqEmulator, model_name: str, strict: bool | None):
    model = emulator.model(model_name)
    agent = Agent(model, output_type=NativeOutput(City))
    emulator.push(Reply(text='{"name": "Lyon", "country": "France"}'))
    await agent.run('go')
    json_schema = emulator.requests[0]['response_format']['json_schema']
    assert json_schema['description'] == 'A city and its country.'
    assert 'description' not in json_schema['schema']
    assert json_schema.get('strict') == strict
    assert json.dumps(emulator.requests[0]).count('A city and its country.') == 1
    await model.client.close()


async def test_json_schema_explicit_description_wins(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-safeguard-20b')
    agent = Agent(model, output_type=NativeOutput(City, description='Where the user should go.'))
    emulator.push(Reply(text='{"name": "Lyon", "country": "France"}'))
    await agent.run('go')
    json_schema = emulator.requests[0]['response_format']['json_schema']
    assert json_schema['description'] == 'Where the user should go.'
    assert 'description' not in json_schema['schema']
    await model.client.close()


async def test_output_validator_sees_the_retry_count(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, output_retries=2)
    seen: list[tuple[int, int, str | None, str | None]] = []

    @agent.output_validator
    def check(ctx: RunContext[None], city: City) -> City:
        seen.append((ctx.retry, ctx.max_retries, ctx.tool_name, ctx.tool_call_id))
        if ctx.retry < 2:
            raise ModelRetry('Another city, please.')
        return city

    emulator.push(
        *[Reply(tool_calls=[ToolCallReply('final_result', {'name': n, 'country': 'F'}, id=n)]) for n in 'abc']
    )
    assert (await agent.run('go')).output == City(name='c', country='F')
    assert seen == [(0, 2, 'final_result', 'a'), (1, 2, 'final_result', 'b'), (2, 2, 'final_result', 'c')]


async def test_output_validator_retry_count_for_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_retries=1)
    seen: list[int] = []

    @agent.output_validator
    def check(ctx: RunContext[None], text: str) -> str:
        seen.append(ctx.retry)
        if ctx.retry == 0:
            raise ModelRetry('Say more.')
        return text

    emulator.push(Reply(text='a'), Reply(text='b'))
    assert (await agent.run('go')).output == 'b'
    assert seen == [0, 1]


# --- tool_choice ---------------------------------------------------------------------------------

_ARGS = {'lookup': {'city': 'Paris'}, 'final_result': {'name': 'Paris', 'country': 'France'}}


def _tool_choice_obeying_model(answer: str) -> Any:
    """A model that does what `tool_choice` says, and under `required` calls a tool every time."""

    def policy(body: dict[str, Any]) -> Reply:
        choice = body.get('tool_choice')
        offered = [tool['function']['name'] for tool in body.get('tools', [])]
        called = {
            call['function']['name']
            for m in body['messages']
            if m['role'] == 'assistant'
            for call in m.get('tool_calls', [])
        }
        if isinstance(choice, dict):
            name = choice['function']['name']
            return Reply(tool_calls=[ToolCallReply(name, _ARGS[name])])
        if choice in ('auto', 'required'):
            functions = [name for name in offered if not name.startswith('final_result')]
            outputs = [name for name in offered if name.startswith('final_result')]
            pending = [name for name in functions if name not in called]
            name = (pending or outputs or (functions if choice == 'required' else [None]))[0]
            if name is not None:
                return Reply(tool_calls=[ToolCallReply(name, _ARGS[name])])
        return Reply(text=answer)

    return policy


_CITY_JSON = '{"name": "Paris", "country": "France"}'
_OUTPUTS: list[tuple[OutputSpec, str, object]] = [
    (str, 'done', 'done'),
    (City, 'no', City(name='Paris', country='France')),
    ([str, City], 'done', City(name='Paris', country='France')),
    (NativeOutput(City), _CITY_JSON, City(name='Paris', country='France')),
    (PromptedOutput(City), _CITY_JSON, City(name='Paris', country='France')),
]


@pytest.mark.parametrize('tool_choice', [None, 'auto', 'none', 'required', ['lookup']])
@pytest.mark.parametrize('output_type, answer, expected', _OUTPUTS)
@pytest.mark.parametrize('where', ['run', 'model'])
async def test_no_tool_choice_loops_until_the_request_limit(
    tool_choice: Any, output_type: OutputSpec, answer: str, expected: object, where: str
):
    emulator = GroqEmulator(policy=_tool_choice_obeying_model(answer))
    settings = {} if tool_choice is None else {'tool_choice': tool_choice}
    model = emulator.model(settings=settings if where == 'model' else None)
    agent = Agent(model, output_type=output_type, tools=[lookup], output_retries=0)
    run_settings: Any = settings if where == 'run' else None
    result = await agent.run('go', model_settings=run_settings, usage_limits=UsageLimits(request_limit=3))
    assert result.output == expected
    assert len(emulator.requests) <= 3
    await model.client.close()


async def test_tool_choice_none_keeps_the_output_tool_callable(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, tools=[lookup])
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', _ARGS['final_result'])]))
    result = await agent.run('go', model_settings={'tool_choice': 'none'})
    assert result.output == City(name='Paris', country='France')
    body = emulator.requests[0]
    assert (body['tool_choice'], [t['function']['name'] for t in body['tools']]) == ('required', ['final_result'])


async def test_tool_choice_none_with_text_or_an_output_tool(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=[str, City], tools=[lookup])
    emulator.push(Reply(text='Paris.'))
    await agent.run('go', model_settings={'tool_choice': 'none'})
    body = emulator.requests[0]
    assert (body['tool_choice'], [t['function']['name'] for t in body['tools']]) == ('auto', ['final_result'])


async def test_tool_choice_none_without_an_output_tool_is_sent_as_is(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, tools=[lookup])
    emulator.push(Reply(text='Paris.'))
    await agent.run('go', model_settings={'tool_choice': 'none'})
    body = emulator.requests[0]
    assert (body['tool_choice'], [t['function']['name'] for t in body['tools']]) == ('none', ['lookup'])


async def test_tool_choice_holds_until_a_tool_is_called(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, tools=[lookup])
    emulator.push(
        Reply(text='Paris.'),  # a model ignoring the forced tool: the run retries, still forcing it
        Reply(tool_calls=[ToolCallReply('lookup', _ARGS['lookup'])]),
        Reply(tool_calls=[ToolCallReply('final_result', _ARGS['final_result'])]),
    )
    await agent.run('go', model_settings={'tool_choice': ['lookup']})
    named = {'type': 'function', 'function': {'name': 'lookup'}}
    assert [body['tool_choice'] for body in emulator.requests] == [named, named, 'required']


async def test_tool_choice_required_then_auto(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, tools=[lookup])
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', _ARGS['lookup'])]), Reply(text='Paris is big.'))
    result = await agent.run('go', model_settings={'tool_choice': 'required'})
    assert result.output == 'Paris is big.'
    assert [body['tool_choice'] for body in emulator.requests] == ['required', 'auto']
    # The next run starts with the setting again.
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', _ARGS['lookup'])]), Reply(text='Paris is big.'))
    await agent.run('again', model_settings={'tool_choice': 'required'})
    assert [body['tool_choice'] for body in emulator.requests[2:]] == ['required', 'auto']


async def test_tool_choice_named_tool_then_the_output_tool(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, tools=[lookup])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('lookup', _ARGS['lookup'])]),
        Reply(tool_calls=[ToolCallReply('final_result', _ARGS['final_result'])]),
    )
    await agent.run('go', model_settings={'tool_choice': ['lookup']})
    assert [body['tool_choice'] for body in emulator.requests] == [
        {'type': 'function', 'function': {'name': 'lookup'}},
        'required',
    ]
