"""Streaming runs: text, partial structured output, events, early exit."""

from __future__ import annotations

import httpx
import pytest
from inline_snapshot import snapshot
from pydantic import BaseModel

from pydantic_ai_groq import Agent, AgentRunResultEvent, InterimTextEnd, NativeOutput
from pydantic_ai_groq.exceptions import ModelHTTPError, UserError
from pydantic_ai_groq.messages import ModelResponse, TextPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    name: str
    country: str
    population: int | None = None


async def test_stream_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='The quick brown fox'), Reply(text='The quick brown fox'))
    async with agent.run_stream('go') as result:
        assert [text async for text in result.stream_text(debounce_by=None)] == [
            'The ',
            'The quick ',
            'The quick brown ',
            'The quick brown fox',
        ]
        assert result.is_complete
        assert await result.get_output() == 'The quick brown fox'
        assert result.usage().requests == 1
        assert result.result().output == 'The quick brown fox'
    async with agent.run_stream('go') as result:
        assert [text async for text in result.stream_text(delta=True, debounce_by=None)] == [
            'The ',
            'quick ',
            'brown ',
            'fox',
        ]
    assert emulator.requests[0]['stream'] is True


async def test_stream_after_a_tool_step_and_thinking_aloud(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    @agent.tool_plain
    def lookup() -> str:
        return 'found'

    emulator.push(
        Reply(text='Let me check.', tool_calls=[ToolCallReply('lookup', {})]),
        Reply(text='It is found.'),
    )
    async with agent.run_stream('go') as result:
        texts = [text async for text in result.stream_text(debounce_by=None)]
    assert texts == ['Let ', 'Let me ', 'Let me check.', '', 'It ', 'It is ', 'It is found.']
    assert isinstance(texts[3], InterimTextEnd)
    assert texts[3].text == 'Let me check.'
    assert result.result().output == 'It is found.'
    assert [m.kind for m in result.all_messages()] == ['request', 'response', 'request', 'response']
    assert result.new_messages() == result.all_messages()
    assert result.all_messages_json().startswith(b'[{"parts"')


async def test_stream_structured_output_partials(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)
    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('final_result', {'name': 'Mexico City', 'country': 'Mexico', 'population': 9209944})
            ],
            chunk_size=6,
        )
    )
    async with agent.run_stream('Largest city in Mexico?') as result:
        partials = [city async for city in result.stream_output()]
    assert partials == snapshot(
        [
            City(name='Mexico City', country='Mex'),
            City(name='Mexico City', country='Mexico'),
            City(name='Mexico City', country='Mexico', population=9209944),
        ]
    )
    assert partials[-1] == City(name='Mexico City', country='Mexico', population=9209944)


async def test_stream_native_output_partials(emulator: GroqEmulator):
    agent = Agent(emulator.model('openai/gpt-oss-20b'), output_type=NativeOutput(City))
    emulator.push(Reply(text='{"name":"Lyon","country":"France"}', chunk_size=8))
    async with agent.run_stream('go') as result:
        partials = [city async for city in result.stream_output()]
    assert partials == snapshot([City(name='Lyon', country='France')])


async def test_stream_output_of_text(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='a b'))
    async with agent.run_stream('go') as result:
        assert [text async for text in result.stream_output()] == ['a ', 'a b']


async def test_stream_output_skips_fenced_json(emulator: GroqEmulator, model: GroqModel):
    from pydantic_ai_groq import PromptedOutput

    agent = Agent(model, output_type=PromptedOutput(City))
    emulator.push(Reply(text='```json\n{"name":"Lyon","country":"France"}\n```', chunk_size=5))
    async with agent.run_stream('go') as result:
        partials = [city async for city in result.stream_output()]
    assert partials == [City(name='Lyon', country='France')]


async def test_stream_structured_output_after_a_failed_attempt(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'})], chunk_size=20),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Nice', 'country': 'France'})], chunk_size=40),
    )
    async with agent.run_stream('go') as result:
        partials = [city async for city in result.stream_output()]
    assert partials == [City(name='Nice', country='France')]


async def test_leaving_early_closes_the_http_stream(emulator: GroqEmulator):
    responses: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        responses.append(response)

    client = emulator.client()
    client._client.event_hooks['response'].append(keep)  # pyright: ignore[reportPrivateUsage]
    agent = Agent(GroqModel('llama-3.3-70b-versatile', groq_client=client))
    emulator.push(Reply(text='one two three four five six seven'))
    async with agent.run_stream('go') as result:
        async for text in result.stream_text(delta=True):
            assert text == 'one '
            break
        assert not responses[0].is_closed
    assert responses[0].is_closed
    assert not result.is_complete
    with pytest.raises(UserError, match='still streaming'):
        result.result()
    await client.close()


async def test_stream_text_needs_text_output(emulator: GroqEmulator, model: GroqModel):
    async with Agent(model, output_type=City).run_stream('go') as result:
        with pytest.raises(UserError, match=r'stream_text\(\) needs an agent with output_type=str'):
            async for _ in result.stream_text():
                pass  # pragma: no cover


async def test_error_mid_stream_keeps_the_partial_response(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(
        Reply(
            text='partial answer here', stream_error={'message': 'boom', 'type': 'server_error'}, stream_error_after=3
        )
    )
    async with agent.run_stream('go') as result:
        with pytest.raises(ModelHTTPError):
            await result.get_output()
    last = result.all_messages()[-1]
    assert isinstance(last, ModelResponse)
    assert last.parts == [TextPart('partial answer ')]


async def test_run_stream_events_in_order(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City)

    @agent.tool_plain
    def population(city: str) -> int:
        return 9209944

    emulator.push(
        Reply(tool_calls=[ToolCallReply('population', {'city': 'Mexico City'}, id='p')], chunk_size=30),
        Reply(
            tool_calls=[ToolCallReply('final_result', {'name': 'Mexico City', 'country': 'Mexico'}, id='f')],
            chunk_size=30,
        ),
    )
    kinds: list[str] = []
    async with agent.run_stream_events('go') as events:
        async for event in events:
            kinds.append(event.event_kind)
            if isinstance(event, AgentRunResultEvent):
                assert event.result.output == City(name='Mexico City', country='Mexico')
                assert event.result.usage().tool_calls == 1
    assert kinds == snapshot(
        [
            'part_start',
            'part_end',
            'function_tool_call',
            'function_tool_result',
            'part_start',
            'final_result',
            'part_delta',
            'part_end',
            'output_tool_call',
            'output_tool_result',
            'agent_run_result',
        ]
    )


async def test_run_stream_events_text_output(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='hi there'))
    events = [event async for event in Agent(model).run_stream_events('go')]
    assert [e.event_kind for e in events] == [
        'part_start',
        'final_result',
        'part_delta',
        'part_end',
        'agent_run_result',
    ]
    last = events[-1]
    assert isinstance(last, AgentRunResultEvent) and last.result.output == 'hi there'
