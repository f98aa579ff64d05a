from __future__ import annotations

from inline_snapshot import snapshot

from pydantic_ai_groq._parts_manager import ModelResponsePartsManager
from pydantic_ai_groq.messages import (
    BuiltinToolReturnPart,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)


def test_text_deltas_extend_one_part():
    manager = ModelResponsePartsManager()
    events = [manager.handle_text_delta('content', text) for text in ('Hel', '', 'lo', ' world')]
    assert events == [
        PartStartEvent(0, TextPart('Hel')),
        None,
        PartDeltaEvent(0, TextPartDelta('lo')),
        PartDeltaEvent(0, TextPartDelta(' world')),
    ]
    assert manager.get_parts() == [TextPart('Hello world')]


def test_start_event_part_is_a_snapshot():
    manager = ModelResponsePartsManager()
    start = manager.handle_text_delta('content', 'a')
    manager.handle_text_delta('content', 'b')
    assert start == PartStartEvent(0, TextPart('a'))
    parts = manager.get_parts()
    manager.handle_text_delta('content', 'c')
    assert parts == [TextPart('ab')]
    assert manager.get_parts() == [TextPart('abc')]


def test_thinking_then_text_then_thinking_makes_three_parts():
    manager = ModelResponsePartsManager()
    events = [
        manager.handle_thinking_delta('reasoning', 'Let me'),
        manager.handle_thinking_delta('reasoning', ' think'),
        manager.handle_thinking_delta('reasoning', ''),
        manager.handle_text_delta('content', 'Answer'),
        manager.handle_thinking_delta('reasoning', 'More'),
    ]
    assert events == [
        PartStartEvent(0, ThinkingPart('Let me')),
        PartDeltaEvent(0, ThinkingPartDelta(' think')),
        None,
        PartStartEvent(1, TextPart('Answer')),
        PartStartEvent(2, ThinkingPart('More')),
    ]
    assert manager.get_parts() == [ThinkingPart('Let me think'), TextPart('Answer'), ThinkingPart('More')]


def test_text_from_another_vendor_id_starts_a_new_part():
    manager = ModelResponsePartsManager()
    manager.handle_text_delta('a', 'x')
    assert manager.handle_text_delta('b', 'y') == PartStartEvent(1, TextPart('y'))
    assert manager.get_parts() == [TextPart('x'), TextPart('y')]


def test_tool_call_in_one_delta():
    manager = ModelResponsePartsManager()
    event = manager.handle_tool_call_delta(0, 'get_weather', '{"city":"Paris"}', 'call_1')
    assert event == PartStartEvent(0, ToolCallPart('get_weather', '{"city":"Paris"}', 'call_1'))
    assert manager.get_parts() == [ToolCallPart('get_weather', '{"city":"Paris"}', 'call_1')]


def test_tool_call_fragments_in_any_order():
    manager = ModelResponsePartsManager()
    events = [
        manager.handle_tool_call_delta(0, None, '{"ci', None),  # args before the name
        manager.handle_tool_call_delta(1, 'second', None, 'call_2'),
        manager.handle_tool_call_delta(0, None, 'ty":', 'call_1'),
        manager.handle_tool_call_delta(0, 'get_', None, None),  # name arrives: the part starts
        manager.handle_tool_call_delta(0, 'weather', '"Paris"}', None),
        manager.handle_tool_call_delta(1, None, None, None),
        manager.handle_tool_call_delta(1, None, None, 'call_2b'),
    ]
    assert events == snapshot(
        [
            None,
            PartStartEvent(index=0, part=ToolCallPart(tool_name='second', args='', tool_call_id='call_2')),
            None,
            PartStartEvent(index=1, part=ToolCallPart(tool_name='get_', args='{"city":', tool_call_id='call_1')),
            PartDeltaEvent(index=1, delta=ToolCallPartDelta(tool_name_delta='weather', args_delta='"Paris"}')),
            None,
            PartDeltaEvent(index=0, delta=ToolCallPartDelta(tool_call_id='call_2b')),
        ]
    )
    assert manager.get_parts() == [
        ToolCallPart('second', {}, 'call_2b'),
        ToolCallPart('get_weather', '{"city":"Paris"}', 'call_1'),
    ]
    assert manager.pending_tool_call_count == 0


def test_tool_call_without_id_gets_one_and_null_args_read_as_empty():
    manager = ModelResponsePartsManager()
    event = manager.handle_tool_call_delta('x', 'ping', 'null')
    assert isinstance(event, PartStartEvent)
    assert isinstance(event.part, ToolCallPart)
    assert event.part.tool_call_id.startswith('call_')
    [part] = manager.get_parts()
    assert part == ToolCallPart('ping', {}, event.part.tool_call_id)


def test_nameless_tool_call_is_pending_and_not_a_part():
    manager = ModelResponsePartsManager()
    assert manager.handle_tool_call_delta(0, None, '{}') is None
    assert manager.pending_tool_call_count == 1
    assert manager.get_parts() == []


def test_whole_parts_keep_their_place():
    manager = ModelResponsePartsManager()
    manager.handle_text_delta('content', 'Searching')
    ret = BuiltinToolReturnPart('web_search', {'results': []}, 'b1')
    assert manager.handle_part(ret) == PartStartEvent(1, ret)
    manager.handle_text_delta('content', 'Found')
    assert manager.get_parts() == [TextPart('Searching'), ret, TextPart('Found')]
