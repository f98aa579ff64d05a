"""Histories written by pydantic-ai 2.68 load, keep every field, and continue on Groq.

The fixtures in tests/fixtures/pydantic_ai/ were written by pydantic-ai itself
(see generate.py there); this suite does not need pydantic-ai installed.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import ErrorDetails

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.instrumentation._semconv import input_messages
from pydantic_ai_groq.messages import (
    AudioUrl,
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    DocumentUrl,
    ImageUrl,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    RetryFeedbackPart,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
    VideoUrl,
)
from pydantic_ai_groq.testing import GroqEmulator, Reply
from pydantic_ai_groq.usage import RequestUsage

FIXTURES = Path(__file__).parent / 'fixtures' / 'pydantic_ai'
WRITTEN_BY_PYDANTIC_AI = sorted(path.stem for path in FIXTURES.glob('*.json') if not path.stem.startswith('ours_'))
VISION_MODEL = 'qwen/qwen3.8-27b'


def load(name: str) -> list[ModelMessage]:
    return ModelMessagesTypeAdapter.validate_json((FIXTURES / f'{name}.json').read_bytes())


def test_every_scenario_has_a_fixture():
    assert WRITTEN_BY_PYDANTIC_AI == ['multimodal', 'output_retry', 'reasoning', 'structured_retry', 'tools']


@pytest.mark.parametrize('name', WRITTEN_BY_PYDANTIC_AI)
def test_fixture_round_trips_keeping_every_field(name: str):
    raw = (FIXTURES / f'{name}.json').read_bytes()
    history = ModelMessagesTypeAdapter.validate_json(raw)
    dumped = ModelMessagesTypeAdapter.dump_json(history)
    assert json.loads(dumped) == json.loads(raw)
    assert ModelMessagesTypeAdapter.validate_json(dumped) == history


def test_fields_we_do_not_use_are_kept_on_the_parts():
    request, response = load('reasoning')
    assert isinstance(request, ModelRequest)
    assert isinstance(response, ModelResponse)
    assert request.extra_fields['state'] == 'complete'
    thinking = response.parts[0]
    assert isinstance(thinking, ThinkingPart)
    assert thinking.extra_fields == {
        'id': 'rs_1',
        'signature': 'sig',
        'provider_name': 'groq',
        'provider_details': None,
    }
    assert response.usage.cache_read_tokens == 64
    assert response.usage.extra_fields['output_reasoning_tokens'] == 0


def _tool_messages(body: dict[str, Any]) -> dict[str, str]:
    return {message['tool_call_id']: message['content'] for message in body['messages'] if message['role'] == 'tool'}


async def test_tool_returns_keep_their_outcome_on_the_wire(emulator: GroqEmulator):
    history = load('tools')
    retried, failed = history[2].parts[0], history[4].parts[1]
    assert isinstance(retried, ToolReturnPart) and retried.outcome == 'retried'
    assert isinstance(failed, ToolReturnPart) and failed.outcome == 'failed'
    emulator.push(Reply(text='Still sunny.'))
    result = await Agent(emulator.model()).run('And tomorrow?', message_history=history)
    assert result.output == 'Still sunny.'
    assert _tool_messages(emulator.requests[0]) == {
        'call_w1': '{"error":"Unknown city \'Pariss\'; check the spelling."}',
        'call_w2': '{"city":"Paris","sky":"sunny","celsius":21}',
        'call_s1': '{"error":"The quote service is down for ACME."}',
    }
    assert ModelMessagesTypeAdapter.validate_json(result.all_messages_json())[:6] == history


async def test_output_validation_errors_are_sent_as_an_error_array(emulator: GroqEmulator):
    history = load('structured_retry')
    emulator.push(Reply(text='Ada Lovelace, 36.'))
    await Agent(emulator.model()).run(message_history=history)  # ends with a tool return: continue from it
    assert _tool_messages(emulator.requests[0]) == {
        'call_o0': '{"error":[{"type":"missing","loc":["age"],"msg":"Field required","input":{"name":"Ada"}}]}',
        'call_o1': 'Final result processed.',
    }


async def test_retry_feedback_is_sent_as_a_user_message(emulator: GroqEmulator):
    history = load('output_retry')
    feedback = history[2].parts[0]
    assert isinstance(feedback, RetryFeedbackPart)
    assert feedback.retry == {'cause': 'model_retry', 'attempt': 1, 'max_retries': 1}
    emulator.push(Reply(text='7'))
    await Agent(emulator.model()).run('Seven?', message_history=history)
    assert emulator.requests[0]['messages'] == [
        {'role': 'system', 'content': 'Answer with digits.'},
        {'role': 'user', 'content': 'What is six times seven?'},
        {'role': 'assistant', 'content': 'forty-two'},
        {'role': 'user', 'content': "'forty-two' is not written in digits.\n\nFix the errors and try again."},
        {'role': 'assistant', 'content': '42'},
        {'role': 'user', 'content': 'Seven?'},
    ]


async def test_image_detail_from_vendor_metadata_is_sent(emulator: GroqEmulator):
    history = load('multimodal')[:2]
    emulator.push(Reply(text='Both are pets.'))
    await Agent(emulator.model(VISION_MODEL)).run('Which is older?', message_history=history)
    content = emulator.requests[0]['messages'][0]['content']
    assert content == [
        {'type': 'text', 'text': 'Compare these.'},
        {'type': 'image_url', 'image_url': {'url': 'https://example.com/cat.png', 'detail': 'high'}},
        {'type': 'image_url', 'image_url': {'url': 'https://example.com/dog'}},
        {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==', 'detail': 'low'}},
    ]


async def test_documents_and_audio_load_but_are_refused_when_sent(emulator: GroqEmulator):
    history = load('multimodal')
    unsent = history[2]
    assert isinstance(unsent, ModelRequest) and isinstance(unsent.parts[0], UserPromptPart)
    kinds = [type(item) for item in unsent.parts[0].content]
    assert kinds == [str, DocumentUrl, AudioUrl, BinaryContent]
    agent = Agent(emulator.model(VISION_MODEL))
    with pytest.raises(UserError) as raised:
        await agent.run(message_history=history)
    assert str(raised.value) == (
        'DocumentUrl (https://example.com/report.pdf) in a user prompt cannot be sent to Groq: user prompts take '
        'text, ImageUrl and image BinaryContent (image/png, image/jpeg, image/webp, image/gif). It stays in the '
        'history; remove it from the messages sent (for documents, pass their text in the groq_documents setting).'
    )
    assert emulator.requests == []


@pytest.mark.parametrize('item', [AudioUrl('https://example.com/a.mp3'), VideoUrl('https://example.com/v.mp4')])
async def test_audio_and_video_are_refused_naming_the_part(emulator: GroqEmulator, item: AudioUrl | VideoUrl):
    request = ModelRequest([UserPromptPart(['Listen', item])])
    with pytest.raises(UserError, match=rf'^{type(item).__name__} \({item.url}\) in a user prompt cannot be sent'):
        await Agent(emulator.model(VISION_MODEL)).run(message_history=[request])
    assert emulator.requests == []


def test_image_detail_is_written_where_pydantic_ai_reads_it():
    image = ImageUrl('https://example.com/a.png', 'low', vendor_metadata={'other': 1})
    binary = BinaryContent(b'\x00', 'image/png', 'auto')
    dumped = ModelMessagesTypeAdapter.dump_python([ModelRequest([UserPromptPart([image, binary])])], mode='json')
    image_json, binary_json = dumped[0]['parts'][0]['content']
    assert image_json == {
        'url': 'https://example.com/a.png',
        'kind': 'image-url',
        'vendor_metadata': {'other': 1, 'detail': 'low'},
    }
    assert binary_json == {
        'data': 'AA==',
        'media_type': 'image/png',
        'kind': 'binary',
        'vendor_metadata': {'detail': 'auto'},
    }


def test_our_older_histories_with_a_top_level_detail_still_load():
    older = b'[{"parts":[{"content":[{"url":"u","detail":"high","kind":"image-url"}],"part_kind":"user-prompt"}],"kind":"request"}]'
    (request,) = ModelMessagesTypeAdapter.validate_json(older)
    assert isinstance(request, ModelRequest)
    assert request.parts[0] == UserPromptPart([ImageUrl('u', 'high')], timestamp=request.parts[0].timestamp)


def test_unknown_detail_values_stay_in_vendor_metadata():
    image = ImageUrl('u', vendor_metadata={'detail': 'ultra'})
    assert (image.detail, image.vendor_metadata) == (None, {'detail': 'ultra'})
    assert ImageUrl('u', vendor_metadata={}).vendor_metadata is None


@pytest.mark.parametrize(
    ('outcome', 'content', 'sent'),
    [
        ('success', {'a': 1}, '{"a":1}'),
        ('denied', 'The user said no.', 'The user said no.'),
        ('interrupted', 'Cancelled.', 'Cancelled.'),
        ('failed', {'a': 1}, '{"error":"{\\"a\\":1}"}'),
        ('failed', None, '{"error":""}'),
        ('retried', 'Try again.', '{"error":"Try again."}'),
    ],
)
def test_tool_return_text_by_outcome(outcome: Any, content: Any, sent: str):
    assert ToolReturnPart('t', content, outcome=outcome).model_response_str() == sent


def test_retry_feedback_cause_follows_the_content():
    assert RetryFeedbackPart('No.').retry == {'cause': 'model_retry'}
    errors = RetryFeedbackPart([{'type': 'missing', 'loc': ('a',), 'msg': 'Field required', 'input': {}}])
    assert errors.retry == {'cause': 'validation_error'}


def our_history() -> list[ModelMessage]:
    """A history as this package writes it, with every part kind we have (see ours_history.json)."""
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    errors: list[ErrorDetails] = [{'type': 'missing', 'loc': ('age',), 'msg': 'Field required', 'input': {}}]
    return [
        ModelRequest(
            [
                SystemPromptPart('Be brief.', timestamp=at),
                UserPromptPart(
                    [
                        'Look',
                        ImageUrl('https://example.com/a.png', 'high'),
                        BinaryContent(b'\x89PNG', 'image/png', 'low'),
                    ],
                    timestamp=at,
                ),
            ],
            instructions='Answer in French.',
        ),
        ModelResponse(
            [
                ThinkingPart('Two tools.'),
                TextPart('Je regarde.'),
                ToolCallPart('lookup', '{"q": 1}', 'call_1'),
                ToolCallPart('person', {'name': 'Ada'}, 'call_2'),
                ToolCallPart('stock', {}, 'call_3'),
            ],
            usage=RequestUsage(100, 20, {'reasoning_tokens': 5, 'dram_cached_tokens': 64}, cache_read_tokens=64),
            model_name='openai/gpt-oss-120b',
            timestamp=at,
            finish_reason='tool_call',
            provider_response_id='chatcmpl-1',
            provider_details={'x_groq_id': 'req_1'},
        ),
        ModelRequest(
            [
                ToolReturnPart('lookup', {'answer': 42}, 'call_1', timestamp=at, metadata={'rows': 1}),
                RetryPromptPart(errors, 'person', 'call_2', timestamp=at),
                ToolReturnPart('stock', 'Service down.', 'call_3', timestamp=at, outcome='failed'),
                # A `ToolReturn`'s content: a user message after the tool returns.
                UserPromptPart([BinaryContent(b'\x89PNG', 'image/png')], timestamp=at),
            ]
        ),
        ModelResponse([TextPart('forty-two')], model_name='openai/gpt-oss-120b', timestamp=at, finish_reason='stop'),
        ModelRequest(
            [
                RetryFeedbackPart('Answer in digits.', timestamp=at),
                RetryPromptPart('Wrong format.', tool_call_id='call_4', timestamp=at),
            ]
        ),
        ModelResponse(
            [
                BuiltinToolCallPart('web_search', {'q': 'x'}, 'ws_1'),
                BuiltinToolReturnPart('web_search', {'results': []}, 'ws_1'),
                TextPart('42'),
            ],
            timestamp=at,
        ),
        ModelRequest([UserPromptPart(['Read', DocumentUrl('https://example.com/r.pdf')], timestamp=at)]),
    ]


def test_what_we_write_is_the_committed_file_pydantic_ai_reads():
    # generate.py --check loads this file with pydantic-ai's own adapter.
    committed = json.loads((FIXTURES / 'ours_history.json').read_bytes())
    assert json.loads(ModelMessagesTypeAdapter.dump_json(our_history())) == committed


def test_trace_content_records_loaded_documents_and_retry_feedback():
    request = ModelRequest([UserPromptPart(['Read', DocumentUrl('https://e.com/r.pdf')]), RetryFeedbackPart('No.')])
    assert json.loads(input_messages([request])) == [
        {
            'role': 'user',
            'parts': [
                {'type': 'text', 'content': 'Read'},
                {'type': 'uri', 'modality': 'document', 'uri': 'https://e.com/r.pdf'},
            ],
        },
        {'role': 'user', 'parts': [{'type': 'text', 'content': 'No.\n\nFix the errors and try again.'}]},
    ]
