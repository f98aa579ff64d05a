"""Smaller agent behaviours: naming, registration forms, schema helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel

from pydantic_ai_groq import Agent, RunContext, ToolOutput
from pydantic_ai_groq._json_schema import close_objects, remove_titles
from pydantic_ai_groq._output import build_output_schema
from pydantic_ai_groq.exceptions import ModelHTTPError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


@dataclass
class NoDoc:
    x: int


@dataclass
class WithDoc:
    """Has a docstring."""

    x: int


class Multi(BaseModel):
    """First line.

    Second paragraph.
    """

    x: int


def test_output_tool_names_and_descriptions():
    schema = build_output_schema([list[int], Literal['a', 'b'], ToolOutput(int, name='n'), ToolOutput(str, name='n')])
    assert list(schema.tools) == snapshot(['final_result_list', 'final_result_Literal', 'n', 'n_4'])
    assert build_output_schema(str).mode == 'text'
    from pydantic_ai_groq import NativeOutput

    descriptions = [build_output_schema(NativeOutput(t)).output_object for t in (NoDoc, WithDoc, Multi)]
    assert [d.description if d else '' for d in descriptions] == [
        None,
        'Has a docstring.',
        'First line.\n\nSecond paragraph.',
    ]
    union = build_output_schema(NativeOutput([NoDoc, WithDoc]))
    assert union.output_object is not None
    assert (union.output_object.name, union.output_object.description) == ('final_result', None)


def test_schema_helpers():
    schema = {
        'title': 'Top',
        'type': 'object',
        'properties': {'title': {'title': 'Title', 'type': 'string'}, 'n': {'anyOf': [{'type': 'integer'}, 'junk']}},
        '$defs': {'D': {'title': 'D', 'type': 'object', 'properties': {}}, 'bad': 1},
        'items': 'not a schema',
        'anyOf': 'not a list',
        'required': ['title', 'n'],
    }
    assert close_objects(remove_titles(schema)) == snapshot(
        {
            'type': 'object',
            'properties': {'title': {'type': 'string'}, 'n': {'anyOf': [{'type': 'integer'}, 'junk']}},
            '$defs': {'D': {'type': 'object', 'properties': {}, 'additionalProperties': False}, 'bad': 1},
            'items': 'not a schema',
            'anyOf': 'not a list',
            'required': ['title', 'n'],
            'additionalProperties': False,
        }
    )


async def test_registration_forms_and_repr(emulator: GroqEmulator, model: GroqModel, monkeypatch: pytest.MonkeyPatch):
    agent = Agent(model, instructions=['one', lambda: 'two'], name='helper')

    @agent.tool(name='renamed', description='Custom.', retries=3, strict=True)
    def original(ctx: RunContext[None], x: int) -> int:
        return x

    @agent.tool_plain(name='plain_renamed')
    def plain() -> str:
        return 'p'

    assert repr(agent) == "Agent(model='llama-3.3-70b-versatile', name='helper', tools=['renamed', 'plain_renamed'])"
    assert repr(Agent('groq:x')) == "Agent(model='groq:x', name=None, tools=[])"
    emulator.push(
        Reply(tool_calls=[ToolCallReply('renamed', {'x': 2}), ToolCallReply('plain_renamed', '')]), Reply(text='ok')
    )
    result = await agent.run('go')
    assert [p.content for p in result.all_messages()[2].parts] == [2, 'p']
    tools = emulator.requests[0]['tools']
    assert [(t['function']['name'], t['function']['description'], t['function'].get('strict')) for t in tools] == [
        ('renamed', 'Custom.', True),
        ('plain_renamed', '', None),
    ]
    assert emulator.requests[0]['messages'][0] == {'role': 'system', 'content': 'one\n\ntwo'}


async def test_model_string_is_built_once(emulator: GroqEmulator, monkeypatch: pytest.MonkeyPatch):
    with emulator.serve() as base_url:
        monkeypatch.setenv('GROQ_API_KEY', 'k')
        monkeypatch.setenv('GROQ_BASE_URL', base_url)
        agent = Agent('groq:llama-3.3-70b-versatile')
        emulator.push(Reply(text='a'), Reply(text='b'))
        assert (await agent.run('1')).output == 'a'
        built = agent._model  # pyright: ignore[reportPrivateUsage]
        assert isinstance(built, GroqModel)
        assert (await agent.run('2')).output == 'b'
        assert agent._model is built  # pyright: ignore[reportPrivateUsage]
        await built.client.close()


async def test_override_only_deps_or_only_model(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, deps_type=int)
    seen: list[int] = []

    @agent.instructions
    def record(ctx: object) -> str:
        seen.append(ctx.deps)  # type: ignore[attr-defined]
        return ''

    emulator.push(Reply(text='a'), Reply(text='b'))
    with agent.override(deps=7):
        await agent.run('x', deps=1)
    with agent.override(model=model):
        await agent.run('x', deps=2)
    assert seen == [7, 2]


async def test_stream_error_before_any_part(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(
        Reply(text='never', stream_error={'message': 'overloaded', 'type': 'server_error'}, stream_error_after=1)
    )
    async with agent.run_stream('go') as result:
        with pytest.raises(ModelHTTPError):
            await result.get_output()
    assert [m.kind for m in result.all_messages()] == ['request']


async def test_stream_output_ignores_thinking(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=WithDoc)
    emulator.push(Reply(reasoning='Let me think.', tool_calls=[ToolCallReply('final_result', {'x': 5})], chunk_size=3))
    async with agent.run_stream('go') as result:
        assert [o async for o in result.stream_output()] == [WithDoc(5)]
