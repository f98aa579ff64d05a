"""Structured output: tool, native and prompted; models, dataclasses, TypedDicts, scalars, lists, unions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from pydantic_ai_groq import Agent, ModelRetry, NativeOutput, PromptedOutput, RunContext, ToolOutput
from pydantic_ai_groq.exceptions import UnexpectedModelBehavior, UserError
from pydantic_ai_groq.messages import ModelRequest, RetryPromptPart, ToolReturnPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


@dataclass
class Person:
    name: str
    age: int


class Movie(TypedDict):
    title: str
    year: int


async def test_model_output_through_the_output_tool(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Mexico City', 'country': 'Mexico'}, id='f1')])
    )
    result = await agent.run('Largest city in Mexico?')
    assert result.output == City(name='Mexico City', country='Mexico')
    body = emulator.requests[0]
    assert body['tool_choice'] == 'required'
    assert body['tools'] == snapshot(
        [
            {
                'type': 'function',
                'function': {
                    'name': 'final_result',
                    'description': 'The final response which ends this conversation',
                    'parameters': {
                        'description': 'A city and its country.',
                        'properties': {'name': {'type': 'string'}, 'country': {'type': 'string'}},
                        'required': ['name', 'country'],
                        'type': 'object',
                        'additionalProperties': False,
                    },
                },
            }
        ]
    )
    last = result.all_messages()[-1]
    assert isinstance(last, ModelRequest)
    assert last.parts == [
        ToolReturnPart('final_result', 'Final result processed.', 'f1', timestamp=last.parts[0].timestamp)
    ]


@pytest.mark.parametrize(
    ('output_type', 'arguments', 'expected'),
    [
        (Person, {'name': 'Ada', 'age': 36}, Person('Ada', 36)),
        (Movie, {'title': 'Alien', 'year': 1979}, {'title': 'Alien', 'year': 1979}),
        (int, {'response': 42}, 42),
        (bool, {'response': True}, True),
        (list[City], {'response': [{'name': 'Lyon', 'country': 'France'}]}, [City(name='Lyon', country='France')]),
        (Literal['yes', 'no'], {'response': 'no'}, 'no'),
    ],
)
async def test_other_output_types(
    emulator: GroqEmulator, model: GroqModel, output_type: object, arguments: dict[str, object], expected: object
):
    agent = Agent(model, output_type=output_type)
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', arguments)]))
    assert (await agent.run('go')).output == expected


async def test_scalar_and_list_schemas_are_wrapped(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'response': [1]})]))
    await Agent(model, output_type=list[int]).run('go')
    assert emulator.requests[0]['tools'][0]['function'] == snapshot(
        {
            'name': 'final_result',
            'description': 'The final response which ends this conversation',
            'parameters': {
                'additionalProperties': False,
                'properties': {'response': {'items': {'type': 'integer'}, 'type': 'array'}},
                'required': ['response'],
                'type': 'object',
            },
        }
    )


async def test_union_gets_one_output_tool_per_member(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City | Person)  # pyright: ignore[reportArgumentType]
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result_Person', {'name': 'Ada', 'age': 36})]))
    assert (await agent.run('go')).output == Person('Ada', 36)
    assert [t['function']['name'] for t in emulator.requests[0]['tools']] == [
        'final_result_City',
        'final_result_Person',
    ]


async def test_union_with_str_allows_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=[str, City])
    emulator.push(Reply(text='Just text.'))
    assert (await agent.run('go')).output == 'Just text.'
    assert emulator.requests[0]['tool_choice'] == 'auto'


async def test_tool_output_options(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=ToolOutput(City, name='answer', description='The answer.', max_retries=0))
    emulator.push(Reply(tool_calls=[ToolCallReply('answer', {'name': 'Lyon'})]))
    with pytest.raises(UnexpectedModelBehavior, match=r'Exceeded maximum output retries \(0\)'):
        await agent.run('go')
    assert emulator.requests[0]['tools'][0]['function']['description'] == 'The answer.'


async def test_invalid_output_is_retried(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'}, id='bad')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon', 'country': 'France'}, id='good')]),
    )
    result = await agent.run('go')
    assert result.output == City(name='Lyon', country='France')
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert (retry.tool_name, retry.tool_call_id) == ('final_result', 'bad')
    assert retry.content == [
        {'type': 'missing', 'loc': ('country',), 'msg': 'Field required', 'input': {'name': 'Lyon'}}
    ]


async def test_text_where_a_tool_is_required(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)
    emulator.push(
        Reply(text='Mexico City'), Reply(tool_calls=[ToolCallReply('final_result', {'name': 'A', 'country': 'B'})])
    )
    await agent.run('go')
    assert emulator.requests[1]['messages'][-1] == snapshot(
        {
            'role': 'user',
            'content': """\
Tool choice is required, but model did not call a tool. You must call a tool: respond by calling one of the tools (final_result) with valid arguments.

Fix the errors and try again.\
""",
        }
    )


async def test_output_validator_retry(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, deps_type=str)
    seen: list[str] = []

    @agent.output_validator
    def not_paris(city: City) -> City:
        if city.name == 'Paris':
            raise ModelRetry('Not Paris, another city please.')
        return city

    @agent.output_validator
    async def upper(ctx: RunContext[str], city: City) -> City:
        seen.append(ctx.deps)
        return City(name=city.name.upper(), country=city.country)

    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris', 'country': 'France'}, id='a')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon', 'country': 'France'}, id='b')]),
    )
    result = await agent.run('go', deps='d')
    assert result.output == City(name='LYON', country='France')
    assert seen == ['d']
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert (retry.content, retry.tool_call_id) == ('Not Paris, another city please.', 'a')


async def test_text_output_validator(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_retries=0)

    @agent.output_validator
    def short(text: str) -> str:
        raise ModelRetry('too long')

    emulator.push(Reply(text='a long answer'))
    with pytest.raises(
        UnexpectedModelBehavior, match=r'Exceeded maximum output retries \(0\); the last problem was: too long'
    ):
        await agent.run('go')


async def test_end_strategy_early_and_exhaustive(emulator: GroqEmulator, model: GroqModel):
    ran: list[str] = []

    def side_effect() -> str:
        ran.append('side_effect')
        return 'done'

    calls = [
        ToolCallReply('side_effect', {}, id='s'),
        ToolCallReply('final_result', {'name': 'A', 'country': 'B'}, id='f'),
        ToolCallReply('final_result', {'name': 'C', 'country': 'D'}, id='g'),
    ]
    emulator.push(Reply(tool_calls=calls), Reply(tool_calls=calls))
    early = await Agent(model, output_type=City, tools=[side_effect]).run('go')
    assert ran == []
    assert early.output == City(name='A', country='B')
    assert [(p.tool_call_id, p.content) for p in early.all_messages()[-1].parts] == snapshot(
        [
            ('s', 'Tool not executed - a final result was already processed.'),
            ('f', 'Final result processed.'),
            ('g', 'Output tool not used - a final result was already processed.'),
        ]
    )
    exhaustive = await Agent(model, output_type=City, tools=[side_effect], end_strategy='exhaustive').run('go')
    assert ran == ['side_effect']
    assert [(p.tool_call_id, p.content) for p in exhaustive.all_messages()[-1].parts] == snapshot(
        [
            ('s', 'done'),
            ('f', 'Final result processed.'),
            ('g', 'Output tool not used - a final result was already processed.'),
        ]
    )


async def test_native_output(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    agent = Agent(model, output_type=NativeOutput(City))
    emulator.push(Reply(text='{"name": "Mexico City", "country": "Mexico"}'))
    assert (await agent.run('go')).output == City(name='Mexico City', country='Mexico')
    assert emulator.requests[0]['response_format'] == snapshot(
        {
            'type': 'json_schema',
            'json_schema': {
                'name': 'City',
                'schema': {
                    'properties': {'name': {'type': 'string'}, 'country': {'type': 'string'}},
                    'required': ['name', 'country'],
                    'type': 'object',
                    'additionalProperties': False,
                },
                'description': 'A city and its country.',
                'strict': True,
            },
        }
    )
    assert 'tools' not in emulator.requests[0]
    await model.client.close()


async def test_native_output_not_strict_on_other_models_and_retries(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-safeguard-20b')  # best-effort json_schema
    agent = Agent(model, output_type=NativeOutput([int], name='Number', strict=None))
    emulator.push(Reply(text='not json'), Reply(text='{"response": 7}'))
    result = await agent.run('go')
    assert result.output == 7
    assert emulator.requests[0]['response_format'] == snapshot(
        {
            'type': 'json_schema',
            'json_schema': {
                'name': 'Number',
                'schema': {
                    'additionalProperties': False,
                    'properties': {'response': {'type': 'integer'}},
                    'required': ['response'],
                    'type': 'object',
                },
            },
        }
    )
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart) and retry.tool_name is None
    assert isinstance(retry.content, list) and retry.content[0]['type'] == 'json_invalid'


async def test_prompted_output(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=PromptedOutput(City), instructions='Be brief.')
    emulator.push(Reply(text='```json\n{"name": "Lyon", "country": "France"}\n```'))
    result = await agent.run('go')
    assert result.output == City(name='Lyon', country='France')
    body = emulator.requests[0]
    assert body['response_format'] == {'type': 'json_object'}
    assert body['messages'][0] == snapshot(
        {
            'role': 'system',
            'content': """\
Be brief.

Always respond with a JSON object that's compatible with this schema:

{"description": "A city and its country.", "properties": {"name": {"type": "string"}, "country": {"type": "string"}}, "required": ["name", "country"], "type": "object", "additionalProperties": false}

Don't include any text or Markdown fencing before or after.\
""",
        }
    )


def test_bad_output_specs():
    with pytest.raises(UserError, match='NativeOutput and PromptedOutput cannot be combined'):
        Agent(None, output_type=[City, NativeOutput(Person)])
    with pytest.raises(UserError, match=r'NativeOutput takes one or more output types'):
        Agent(None, output_type=NativeOutput(str))  # pyright: ignore[reportArgumentType]

    class Opaque:
        pass

    with pytest.raises(UserError, match=r'Output type .*Opaque.* cannot be used'):
        Agent(None, output_type=Opaque)


class Described(BaseModel):
    value: int = Field(description='The value.')


async def test_output_tool_name_clash_with_a_tool(emulator: GroqEmulator, model: GroqModel):
    def final_result() -> str:
        return 'x'

    with pytest.raises(UserError, match="Tool name 'final_result' is used twice"):
        Agent(model, output_type=Described, tools=[final_result])


async def test_text_answer_where_only_an_output_tool_may_end_the_run(emulator: GroqEmulator, model: GroqModel):
    # `tool_choice='auto'` lets the model answer in text although only the output tool can end the run.
    agent = Agent(model, output_type=City, model_settings={'tool_choice': 'auto'})
    emulator.push(
        Reply(text='Paris, France'),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris', 'country': 'France'})]),
    )
    result = await agent.run('go')
    assert result.output == City(name='Paris', country='France')
    assert emulator.requests[0]['tool_choice'] == 'auto'
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart)
    assert retry.content == snapshot(
        'Plain text responses are not permitted, please include your response in a tool call (final_result).'
    )
