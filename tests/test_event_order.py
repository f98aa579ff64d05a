"""`run_stream_events` emits pydantic-ai's events in pydantic-ai's order.

The fixtures in `tests/fixtures/pydantic_ai_events/` are pydantic-ai 2.68's event stream for
three scenarios, recorded with its `FunctionModel` (see the README there). The same scenarios
run here through the real SDK against the emulator, and both streams are reduced alike: how
many deltas a part gets depends on how the model chunks it, so a run of deltas counts once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from pydantic_ai_groq import Agent, AgentRunResultEvent
from pydantic_ai_groq.messages import (
    FinalResultEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelRequest,
    ModelResponseStreamEvent,
    OutputToolCallEvent,
    OutputToolResultEvent,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

FIXTURES = Path(__file__).parent / 'fixtures' / 'pydantic_ai_events'
OUTPUT_TOOLS = {'final_result'}


class City(BaseModel):
    name: str
    country: str


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f'sunny in {city}'


def summarise(event: object) -> dict[str, Any]:
    """The same fields `generate.py` records for a pydantic-ai event."""
    row: dict[str, Any] = {'event_kind': event.event_kind}
    if isinstance(event, PartStartEvent | PartEndEvent):
        row |= {'index': event.index, 'part_kind': event.part.part_kind}
        if isinstance(event.part, ToolCallPart):
            row |= {'tool_name': event.part.tool_name, 'output_tool': event.part.tool_name in OUTPUT_TOOLS}
    elif isinstance(event, PartDeltaEvent):
        row |= {'index': event.index, 'delta_kind': event.delta.part_delta_kind}
    elif isinstance(event, FinalResultEvent):
        row |= {'tool_name': event.tool_name, 'output_tool': event.tool_name in OUTPUT_TOOLS}
    elif isinstance(event, FunctionToolCallEvent | OutputToolCallEvent):
        row['tool_name'] = event.part.tool_name
    elif isinstance(event, FunctionToolResultEvent):
        row |= {'tool_name': event.result.tool_name, 'result_part_kind': event.result.part_kind}
    elif isinstance(event, OutputToolResultEvent):
        row |= {'tool_name': event.part.tool_name, 'result_part_kind': event.part.part_kind}
    else:
        assert isinstance(event, AgentRunResultEvent)
    return row


def normalise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Count a run of deltas to the same part once."""
    kept: list[dict[str, Any]] = []
    for row in rows:
        if row['event_kind'] == 'part_delta' and kept and kept[-1] == row:
            continue
        kept.append(row)
    return kept


def recorded(scenario: str) -> list[dict[str, Any]]:
    document = json.loads((FIXTURES / f'{scenario}.json').read_text())
    assert document['pydantic_ai_slim'] == '2.68.0'
    return normalise(document['events'])


async def ours(agent: Agent[None, Any]) -> list[dict[str, Any]]:
    async with agent.run_stream_events('Go') as events:
        return normalise([summarise(event) async for event in events])


@pytest.fixture
def weather() -> ToolCallReply:
    return ToolCallReply('get_weather', {'city': 'Paris'}, id='call_1')


async def test_plain_text(emulator: GroqEmulator, model: GroqModel) -> None:
    emulator.push(Reply(text='The capital of France is Paris.'))
    assert await ours(Agent(model)) == recorded('plain_text')


async def test_tool_call_then_text(emulator: GroqEmulator, model: GroqModel, weather: ToolCallReply) -> None:
    emulator.push(Reply(tool_calls=[weather], chunk_size=8), Reply(text='It is sunny.'))
    assert await ours(Agent(model, tools=[get_weather])) == recorded('tool_then_text')


async def test_tool_call_then_output_tool(emulator: GroqEmulator, model: GroqModel, weather: ToolCallReply) -> None:
    output = ToolCallReply('final_result', {'name': 'Paris', 'country': 'France'}, id='call_2')
    emulator.push(Reply(tool_calls=[weather]), Reply(tool_calls=[output], chunk_size=8))
    agent = Agent(model, tools=[get_weather], output_type=City)
    assert await ours(agent) == recorded('tool_then_output')


async def test_part_end_event_round_trips_as_json(
    emulator: GroqEmulator, model: GroqModel, weather: ToolCallReply
) -> None:
    emulator.push(Reply(reasoning='Look it up.', tool_calls=[weather]))
    async with model.request_stream([ModelRequest.user_text_prompt('Go')], None, ModelRequestParameters()) as stream:
        events = [event async for event in stream]
    ends = [event for event in events if isinstance(event, PartEndEvent)]
    assert ends == [
        PartEndEvent(0, ThinkingPart('Look it up.'), next_part_kind='tool-call'),
        PartEndEvent(1, ToolCallPart('get_weather', '{"city":"Paris"}', 'call_1')),
    ]
    adapter = TypeAdapter(ModelResponseStreamEvent)
    assert [adapter.validate_json(adapter.dump_json(event)) for event in events] == events


async def test_an_invalid_output_tool_call_gets_a_call_event_and_no_result_event(
    emulator: GroqEmulator, model: GroqModel
) -> None:
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris'}, id='bad')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris', 'country': 'France'}, id='good')]),
    )
    async with Agent(model, output_type=City).run_stream_events('Go') as stream:
        events = [event async for event in stream if isinstance(event, OutputToolCallEvent | OutputToolResultEvent)]
    assert [(event.event_kind, event.part.tool_call_id) for event in events] == [
        ('output_tool_call', 'bad'),
        ('output_tool_call', 'good'),
        ('output_tool_result', 'good'),
    ]
    result = events[-1].part
    assert isinstance(result, ToolReturnPart) and result.content == 'Final result processed.'


def test_function_tool_result_event_reads_as_pydantic_ai_s_part() -> None:
    from pydantic_ai_groq import FunctionToolResultEvent, ToolReturnPart

    returned = ToolReturnPart('lookup', 'Paris', 'call_1')
    event = FunctionToolResultEvent(returned)
    assert event.part is event.result is returned
