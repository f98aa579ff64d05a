"""`TextOutput(fn)` and `StructuredDict(schema)`: output from a function of the text, and dicts of a given JSON schema."""

from __future__ import annotations

from typing import Any

import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq import Agent, ModelRetry, NativeOutput, RunContext, StructuredDict, TextOutput
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import RetryPromptPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

CITY_SCHEMA: dict[str, Any] = {
    'type': 'object',
    'properties': {'name': {'type': 'string'}, 'country': {'type': 'string'}},
    'required': ['name', 'country'],
}


def word_count(text: str) -> int:
    return len(text.split())


async def test_text_output_sync_function(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=TextOutput(word_count))
    emulator.push(Reply(text='three small words'))
    result = await agent.run('go')
    assert result.output == 3
    body = emulator.requests[0]
    assert 'tools' not in body and 'tool_choice' not in body and 'response_format' not in body


async def test_text_output_async_function_with_context(emulator: GroqEmulator, model: GroqModel):
    async def tagged(ctx: RunContext[str], text: str) -> str:
        return f'{ctx.deps}:{text.upper()}'

    agent = Agent(model, output_type=TextOutput(tagged), deps_type=str)
    emulator.push(Reply(text='lyon'))
    assert (await agent.run('go', deps='fr')).output == 'fr:LYON'


async def test_text_output_model_retry_sends_a_retry_prompt(emulator: GroqEmulator, model: GroqModel):
    retries: list[int] = []

    def number(ctx: RunContext[None], text: str) -> int:
        retries.append(ctx.retry)
        if not text.strip().isdigit():
            raise ModelRetry('Answer with digits only.')
        return int(text)

    agent = Agent(model, output_type=TextOutput(number))
    emulator.push(Reply(text='forty-two'), Reply(text='42'))
    result = await agent.run('go')
    assert result.output == 42
    assert retries == [0, 1]
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart) and retry.content == 'Answer with digits only.'
    assert emulator.requests[1]['messages'][-1] == snapshot(
        {'role': 'user', 'content': 'Answer with digits only.\n\nFix the errors and try again.'}
    )


async def test_text_output_retries_run_out(emulator: GroqEmulator, model: GroqModel):
    def never(text: str) -> int:
        raise ModelRetry('no')

    agent = Agent(model, output_type=TextOutput(never), output_retries=0)
    emulator.push(Reply(text='x'))
    with pytest.raises(Exception, match=r'Exceeded maximum output retries \(0\); the last problem was: no'):
        await agent.run('go')


async def test_text_output_beside_an_output_tool(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=[TextOutput(word_count), StructuredDict(CITY_SCHEMA, name='City')])
    emulator.push(Reply(text='one two'))
    assert (await agent.run('go')).output == 2
    assert emulator.requests[0]['tool_choice'] == 'auto'


async def test_text_output_streams_the_final_output_only(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=TextOutput(word_count))
    emulator.push(Reply(text='a b c d'))
    async with agent.run_stream('go') as stream:
        assert [output async for output in stream.stream_output()] == [4]


def test_text_output_misuse_is_refused():
    with pytest.raises(UserError, match='at most one TextOutput'):
        Agent(None, output_type=[TextOutput(word_count), TextOutput(word_count)])
    with pytest.raises(UserError, match='NativeOutput takes one or more output types'):
        Agent(None, output_type=NativeOutput(TextOutput(word_count)))  # pyright: ignore[reportArgumentType]


async def test_structured_dict_as_tool_output_invalid_then_valid(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=StructuredDict(CITY_SCHEMA, name='City', description='A city.'))
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'}, id='bad')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon', 'country': 'France'}, id='good')]),
    )
    result = await agent.run('go')
    assert result.output == {'name': 'Lyon', 'country': 'France'}
    assert emulator.requests[0]['tools'][0]['function']['parameters'] == {**CITY_SCHEMA, 'additionalProperties': False}
    retry = result.all_messages()[2].parts[0]
    assert isinstance(retry, RetryPromptPart) and retry.tool_call_id == 'bad'
    assert emulator.requests[1]['messages'][-1]['content'] == snapshot(
        """\
1 validation error:
```json
[
  {
    "type": "missing",
    "loc": [],
    "msg": "Missing required keys: country",
    "input": {
      "name": "Lyon"
    }
  }
]
```

Fix the errors and try again.\
"""
    )


async def test_structured_dict_as_native_output_invalid_then_valid(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    agent = Agent(model, output_type=NativeOutput(StructuredDict(CITY_SCHEMA, name='City', description='A city.')))
    emulator.push(Reply(text='["Lyon"]'), Reply(text='{"name": "Lyon", "country": "France"}'))
    result = await agent.run('go')
    assert result.output == {'name': 'Lyon', 'country': 'France'}
    assert emulator.requests[0]['response_format'] == snapshot(
        {
            'type': 'json_schema',
            'json_schema': {
                'name': 'City',
                'schema': {
                    'type': 'object',
                    'properties': {'name': {'type': 'string'}, 'country': {'type': 'string'}},
                    'required': ['name', 'country'],
                    'additionalProperties': False,
                },
                'description': 'A city.',
                'strict': True,
            },
        }
    )
    assert isinstance(result.all_messages()[2].parts[0], RetryPromptPart)
    await model.client.close()


def test_structured_dict_names_and_refusals():
    thing = StructuredDict({'type': 'object', 'title': 'Thing', 'description': 'A thing.', 'properties': {}})
    assert (thing.__name__, thing.__doc__) == ('Thing', 'A thing.')
    assert StructuredDict({'type': 'object'}).__name__ == 'StructuredDict'
    with pytest.raises(UserError, match='StructuredDict takes a JSON schema with "type": "object"'):
        StructuredDict({'type': 'array'})
