"""How GroqModel reads Groq's answers, streamed and not."""

from __future__ import annotations

from datetime import datetime, timezone

import anyio
import pytest
from dirty_equals import IsStr
from inline_snapshot import snapshot

from pydantic_ai_groq import (
    ModelResponse,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    RequestUsage,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from pydantic_ai_groq.exceptions import ModelHTTPError, UnexpectedModelBehavior
from pydantic_ai_groq.messages import ModelRequest
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply, Usage

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()


async def test_text_reply(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        Reply(
            text='Bonjour !',
            id='chatcmpl-1',
            created=1756843265,
            model='llama-3.3-70b-versatile',
            usage=Usage(prompt_tokens=12, completion_tokens=4, queue_time=0.5, prompt_time=0.1, completion_time=0.2),
        )
    )
    response = await model.request(PROMPT, None, PARAMS)
    assert response == snapshot(
        ModelResponse(
            parts=[TextPart(content='Bonjour !')],
            usage=RequestUsage(input_tokens=12, output_tokens=4),
            model_name='llama-3.3-70b-versatile',
            timestamp=datetime(2025, 9, 2, hour=20, minute=1, second=5, tzinfo=timezone.utc),
            finish_reason='stop',
            provider_response_id='chatcmpl-1',
            provider_details={
                'x_groq_id': IsStr(regex=r'req_[a-z0-9]{26}'),
                'service_tier': 'on_demand',
                'system_fingerprint': 'fp_emulator',
                'rate_limit': {
                    'limit_requests': 14400,
                    'remaining_requests': 14399,
                    'reset_requests': 6.0,
                    'limit_tokens': 300000,
                    'remaining_tokens': 299984,
                    'reset_tokens': 0.01,
                },
                'queue_time': 0.5,
                'prompt_time': 0.1,
                'completion_time': 0.2,
                'total_time': 0.30000000000000004,
                'finish_reason': 'stop',
            },
        )
    )


async def test_reasoning_tool_calls_and_usage_details(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        Reply(
            reasoning='Need the weather.',
            text='Let me check.',
            tool_calls=[
                ToolCallReply('get_weather', {'city': 'Paris'}, id='call_a'),
                ToolCallReply('ping', 'null', id='call_b'),
                ToolCallReply('pong', '', id='call_c'),
            ],
            usage=Usage(
                prompt_tokens=100,
                completion_tokens=50,
                reasoning_tokens=20,
                cached_tokens=64,
                dram_cached_tokens=32,
                sram_cached_tokens=16,
            ),
        )
    )
    response = await model.request(PROMPT, None, PARAMS)
    assert response.parts == [
        ThinkingPart('Need the weather.'),
        TextPart('Let me check.'),
        ToolCallPart('get_weather', '{"city":"Paris"}', 'call_a'),
        ToolCallPart('ping', {}, 'call_b'),
        ToolCallPart('pong', {}, 'call_c'),
    ]
    assert response.finish_reason == 'tool_call'
    assert response.usage == RequestUsage(
        100,
        50,
        {'reasoning_tokens': 20, 'dram_cached_tokens': 32, 'sram_cached_tokens': 16},
        cache_read_tokens=64,
    )


@pytest.mark.parametrize(
    ('wire', 'ours'),
    [('stop', 'stop'), ('length', 'length'), ('tool_calls', 'tool_call'), ('content_filter', 'content_filter')],
)
async def test_finish_reasons(emulator: GroqEmulator, model: GroqModel, wire: str, ours: str):
    emulator.push(Reply(text='x', finish_reason=wire), Reply(text='x', finish_reason=wire))
    response = await model.request(PROMPT, None, PARAMS)
    assert response.finish_reason == ours
    assert response.provider_details and response.provider_details['finish_reason'] == wire
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert stream.get().finish_reason == ours


async def test_unknown_finish_reason_is_kept_raw(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='x', finish_reason='something_new'))
    response = await model.request(PROMPT, None, PARAMS)
    assert response.finish_reason is None
    assert response.provider_details and response.provider_details['finish_reason'] == 'something_new'


async def test_stream_events_and_result(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        Reply(
            reasoning='Think.',
            text='Hi there',
            tool_calls=[ToolCallReply('get_weather', {'city': 'Paris'}, id='call_a')],
            chunk_size=4,
            id='chatcmpl-s',
            created=1771438841,
            usage=Usage(prompt_tokens=10, completion_tokens=5, reasoning_tokens=2),
        )
    )
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        events = [event async for event in stream]
    assert events == snapshot(
        [
            PartStartEvent(index=0, part=ThinkingPart(content='Thin')),
            PartDeltaEvent(index=0, delta=ThinkingPartDelta(content_delta='k.')),
            PartEndEvent(index=0, part=ThinkingPart(content='Think.'), next_part_kind='text'),
            PartStartEvent(index=1, part=TextPart(content='Hi t')),
            PartDeltaEvent(index=1, delta=TextPartDelta(content_delta='here')),
            PartEndEvent(index=1, part=TextPart(content='Hi there'), next_part_kind='tool-call'),
            PartStartEvent(index=2, part=ToolCallPart(tool_name='get_weather', args='{"ci', tool_call_id='call_a')),
            PartDeltaEvent(index=2, delta=ToolCallPartDelta(args_delta='ty":')),
            PartDeltaEvent(index=2, delta=ToolCallPartDelta(args_delta='"Par')),
            PartDeltaEvent(index=2, delta=ToolCallPartDelta(args_delta='is"}')),
            PartEndEvent(
                index=2, part=ToolCallPart(tool_name='get_weather', args='{"city":"Paris"}', tool_call_id='call_a')
            ),
        ]
    )
    assert stream.get() == snapshot(
        ModelResponse(
            parts=[
                ThinkingPart(content='Think.'),
                TextPart(content='Hi there'),
                ToolCallPart(tool_name='get_weather', args='{"city":"Paris"}', tool_call_id='call_a'),
            ],
            usage=RequestUsage(input_tokens=10, output_tokens=5, details={'reasoning_tokens': 2}),
            model_name='llama-3.3-70b-versatile',
            timestamp=datetime(2026, 2, 18, hour=18, minute=20, second=41, tzinfo=timezone.utc),
            finish_reason='tool_call',
            provider_response_id='chatcmpl-s',
            provider_details={
                'rate_limit': {
                    'limit_requests': 14400,
                    'remaining_requests': 14399,
                    'reset_requests': 6.0,
                    'limit_tokens': 300000,
                    'remaining_tokens': 299985,
                    'reset_tokens': 0.01,
                },
                'x_groq_id': IsStr(regex=r'req_[a-z0-9]{26}'),
                'system_fingerprint': 'fp_emulator',
                'finish_reason': 'tool_calls',
                'queue_time': 0.01,
                'prompt_time': 0.002,
                'completion_time': 0.02,
                'total_time': 0.022,
            },
        )
    )
    assert stream.usage() == RequestUsage(10, 5, {'reasoning_tokens': 2})
    assert stream.provider_response_id == 'chatcmpl-s'
    assert stream.timestamp == datetime(2026, 2, 18, 18, 20, 41, tzinfo=timezone.utc)


async def test_stream_sends_stream_true(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='x'))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    assert emulator.requests[0]['stream'] is True


async def test_stream_error_event_keeps_partial_response(emulator: GroqEmulator, model: GroqModel):
    error = {
        'message': 'Internal server error',
        'type': 'internal_server_error',
        'code': 'internal_server_error',
        'status_code': 503,
    }
    emulator.push(Reply(reasoning='The user says', text='maybe', stream_error=error, stream_error_after=5))
    received: list[object] = []
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        with pytest.raises(ModelHTTPError) as exc_info:
            async for event in stream:
                received.append(event)
    assert exc_info.value.status_code == 503
    assert exc_info.value.error_code == 'internal_server_error'
    assert exc_info.value.body == {'error': error}
    assert stream.get().parts == [ThinkingPart('The user says'), TextPart('maybe')]
    assert stream.get().finish_reason == 'error'
    # The thinking part ended when the text started; the text part, cut by the error, never ends.
    assert [event.event_kind for event in received] == [  # pyright: ignore[reportAttributeAccessIssue]
        'part_start',
        'part_delta',
        'part_delta',
        'part_end',
        'part_start',
    ]


async def test_stream_cut_midway_is_an_error_not_a_hang(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='one two three four five', cut_after=3))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        with pytest.raises(UnexpectedModelBehavior, match=r'stream ended before the response was complete'):
            async for _ in stream:
                pass
    assert stream.get().parts == [TextPart('one two ')]


async def test_malformed_chunk(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='one two three', malformed_after=2))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        with pytest.raises(UnexpectedModelBehavior, match='not valid JSON') as exc_info:
            async for _ in stream:
                pass
    assert exc_info.value.body == IsStr(regex=r'\{.*')
    assert stream.get().parts == [TextPart('one ')]


async def test_leaving_early_closes_the_stream(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a b c d e f g'), Reply(text='next'))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for event in stream:
            assert event == PartStartEvent(0, TextPart('a '))
            break
    assert stream.get().parts == [TextPart('a ')]
    assert stream._response.is_closed  # pyright: ignore[reportPrivateUsage]
    response = await model.request(PROMPT, None, PARAMS)  # the client is still usable
    assert response.text == 'next'


async def test_iterating_again_continues(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a b c'))
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            break
        rest = [event async for event in stream]
    assert rest == [
        PartDeltaEvent(0, TextPartDelta('b ')),
        PartDeltaEvent(0, TextPartDelta('c')),
        PartEndEvent(0, TextPart('a b c')),
    ]
    assert stream.get().text == 'a b c'


async def test_cancelled_stream_keeps_what_arrived():
    emulator = GroqEmulator([Reply(text='one two three four five six', chunk_delay=0.15)])
    with emulator.serve() as base_url:
        model = GroqModel('llama-3.3-70b-versatile', api_key='k', base_url=base_url, max_retries=0)
        with anyio.move_on_after(0.4) as scope:
            async with model.request_stream(PROMPT, None, PARAMS) as stream:
                async for _ in stream:
                    pass
        await model.client.close()
    assert scope.cancelled_caught
    text = stream.get().text
    assert text is not None and 'one two three four five six'.startswith(text) and text != 'one two three four five six'
    assert stream.get().finish_reason is None
