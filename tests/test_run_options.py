"""Per-run options (`output_type`, `instructions`, `metadata`) and `agent.override(instructions=, model_settings=)`."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

from pydantic_ai_groq import Agent, AgentRunResultEvent, End, RunContext
from pydantic_ai_groq.instrumentation import InstrumentationSettings
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    name: str


def _system_text(body: dict[str, Any]) -> str:
    return body['messages'][0]['content'] if body['messages'][0]['role'] == 'system' else ''


async def test_a_run_output_type_replaces_the_agents(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)  # str output
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'}, id='c1')]), Reply(text='Lyon.'))
    result = await agent.run('A city?', output_type=City)
    assert result.output == City(name='Lyon')
    assert [tool['function']['name'] for tool in emulator.requests[0]['tools']] == ['final_result']
    plain = await agent.run('A city?')  # the agent's own output type is unchanged
    assert plain.output == 'Lyon.'
    assert 'tools' not in emulator.requests[1]


async def test_a_run_output_type_in_iter_run_stream_and_events(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    for _ in range(3):
        emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'}, id='c1')]))
    async with agent.iter('A city?', output_type=City) as run:
        nodes = [node async for node in run]
    assert isinstance(nodes[-1], End) and nodes[-1].data.output == City(name='Lyon')
    async with agent.run_stream('A city?', output_type=City) as streamed:
        assert await streamed.get_output() == City(name='Lyon')
    async with agent.run_stream_events('A city?', output_type=City) as events:
        last = [event async for event in events][-1]
    assert isinstance(last, AgentRunResultEvent) and last.result.output == City(name='Lyon')


def test_a_run_output_type_with_run_sync(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'}, id='c1')]))
    assert agent.run_sync('A city?', output_type=City, metadata={'k': 1}).output == City(name='Lyon')


async def test_run_instructions_come_after_the_agents(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, instructions='Be concise.')
    emulator.push(Reply(text='Hi.'))
    result = await agent.run('Hello', instructions=['Answer in French.', lambda: 'Sign with your name.'])
    assert _system_text(emulator.requests[0]) == 'Be concise.\n\nAnswer in French.\n\nSign with your name.'
    assert result.all_messages()[0].instructions == 'Be concise.\n\nAnswer in French.\n\nSign with your name.'  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue]


async def test_metadata_dict_and_function(emulator: GroqEmulator, model: GroqModel):
    seen: list[Any] = []
    agent = Agent(model)

    @agent.tool
    def whoami(ctx: RunContext[None]) -> str:
        """Who is asking."""
        seen.append(ctx.metadata)
        return 'ada'

    emulator.push(Reply(tool_calls=[ToolCallReply('whoami', {}, id='c1')]), Reply(text='Ada.'))
    result = await agent.run('Who?', metadata={'tenant': 'acme'})
    assert result.metadata == {'tenant': 'acme'}
    assert seen == [{'tenant': 'acme'}]

    emulator.push(Reply(text='Hi.'))
    result = await agent.run('Hi', deps=None, metadata=lambda ctx: {'prompt': ctx.prompt})
    assert result.metadata == {'prompt': 'Hi'}
    emulator.push(Reply(text='Hi.'))
    assert (await agent.run('Hi')).metadata is None


async def test_metadata_on_the_run_span(emulator: GroqEmulator, model: GroqModel):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent = Agent(model, instrument=InstrumentationSettings(tracer_provider=provider))
    emulator.push(Reply(text='Hi.'), Reply(text='Hi.'))
    await agent.run('Hi', metadata={'tenant': 'acme', 'tries': 2})
    await agent.run('Hi')
    runs = [span for span in exporter.get_finished_spans() if span.name.startswith('invoke_agent')]
    assert [dict(span.attributes or {}).get('metadata') for span in runs] == [
        json.dumps({'tenant': 'acme', 'tries': 2}, separators=(',', ':')),
        None,
    ]


async def test_override_instructions_and_model_settings(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, instructions='Be concise.', model_settings={'temperature': 0.5, 'max_tokens': 100})
    emulator.push(Reply(text='Hi.'), Reply(text='Hi.'), Reply(text='Hi.'))
    with agent.override(instructions='Be verbose.', model_settings={'temperature': 0.0}):
        with agent.override(model_settings={'max_tokens': 50}):
            await agent.run('Hello', model_settings={'temperature': 0.9}, instructions='And kind.')
        await agent.run('Hello')
    await agent.run('Hello')
    first, second, third = emulator.requests
    assert _system_text(first) == 'Be verbose.\n\nAnd kind.'
    # The inner override's settings replace the outer's; the run's temperature stays.
    assert (first['temperature'], first['max_completion_tokens']) == (0.9, 50)
    assert _system_text(second) == 'Be verbose.'
    assert (second['temperature'], second['max_completion_tokens']) == (0.0, 100)  # the override wins over the agent
    assert _system_text(third) == 'Be concise.'
    assert (third['temperature'], third['max_completion_tokens']) == (0.5, 100)
