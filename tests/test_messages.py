from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inline_snapshot import snapshot

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
from pydantic_ai_groq.usage import RequestUsage

text = st.text()  # any unicode, including the empty string and surrogate-free astral characters
json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=12,
)
json_object = st.dictionaries(text, json_value, max_size=4)
timestamps = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
ids = st.text(min_size=1, max_size=20)
detail = st.sampled_from([None, 'auto', 'low', 'high'])
# Fields other writers (pydantic-ai, newer versions) add: kept through a round trip.
extra = st.dictionaries(st.sampled_from(['run_id', 'signature', 'identifier', 'zz_future']), json_value, max_size=2)
vendor_metadata = st.none() | st.dictionaries(st.sampled_from(['detail', 'other']), json_value, max_size=2)

user_content = st.one_of(
    text,
    st.builds(ImageUrl, url=text, detail=detail, vendor_metadata=vendor_metadata, extra_fields=extra),
    st.builds(
        BinaryContent,
        data=st.binary(),
        media_type=st.sampled_from(['image/png', 'image/jpeg']),
        detail=detail,
        vendor_metadata=vendor_metadata,
        extra_fields=extra,
    ),
    st.builds(DocumentUrl, url=text, extra_fields=extra),
    st.builds(AudioUrl, url=text, extra_fields=extra),
    st.builds(VideoUrl, url=text, extra_fields=extra),
)
error_details = st.fixed_dictionaries(
    {
        'type': text,
        'loc': st.tuples(text) | st.tuples(text, st.integers()),
        'msg': text,
        'input': json_value,
    }
)
request_parts = st.one_of(
    st.builds(SystemPromptPart, content=text, timestamp=timestamps, extra_fields=extra),
    st.builds(UserPromptPart, content=text | st.lists(user_content, max_size=3), timestamp=timestamps),
    st.builds(
        ToolReturnPart,
        tool_name=text,
        content=json_value,
        tool_call_id=ids,
        timestamp=timestamps,
        outcome=st.sampled_from(['success', 'failed', 'denied', 'interrupted', 'retried']),
        metadata=json_value,
        extra_fields=extra,
    ),
    st.builds(
        RetryFeedbackPart,
        content=text | st.lists(error_details, max_size=2),
        retry=st.none() | st.fixed_dictionaries({'cause': st.sampled_from(['model_retry', 'no_output'])}),
        timestamp=timestamps,
    ),
    st.builds(
        RetryPromptPart,
        content=text | st.lists(error_details, max_size=2),
        tool_name=st.none() | text,
        tool_call_id=ids,
        timestamp=timestamps,
    ),
)
response_parts = st.one_of(
    st.builds(TextPart, content=text, extra_fields=extra),
    st.builds(ThinkingPart, content=text),
    st.builds(ToolCallPart, tool_name=text, args=text | json_object, tool_call_id=ids),
    st.builds(BuiltinToolCallPart, tool_name=text, args=json_object, tool_call_id=ids),
    st.builds(BuiltinToolReturnPart, tool_name=text, content=json_value, tool_call_id=ids),
)
usages = st.builds(
    RequestUsage,
    input_tokens=st.integers(0, 10**6),
    output_tokens=st.integers(0, 10**6),
    details=st.dictionaries(st.sampled_from(['reasoning_tokens', 'dram_cached_tokens']), st.integers(0, 1000)),
    cache_read_tokens=st.integers(0, 10**6),
    extra_fields=st.dictionaries(st.sampled_from(['cache_write_tokens', 'cost']), st.none() | st.integers(0, 10)),
)
messages = st.one_of(
    st.builds(
        ModelRequest, parts=st.lists(request_parts, max_size=4), instructions=st.none() | text, extra_fields=extra
    ),
    st.builds(
        ModelResponse,
        parts=st.lists(response_parts, max_size=4),
        usage=usages,
        model_name=st.none() | text,
        timestamp=timestamps,
        finish_reason=st.sampled_from([None, 'stop', 'length', 'content_filter', 'tool_call', 'error']),
        provider_response_id=st.none() | ids,
        provider_details=st.none() | json_object,
        extra_fields=extra,
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(messages, max_size=5))
def test_history_json_round_trip(history: list[ModelMessage]):
    dumped = ModelMessagesTypeAdapter.dump_json(history)
    assert ModelMessagesTypeAdapter.validate_json(dumped) == history
    assert json.loads(ModelMessagesTypeAdapter.dump_json(ModelMessagesTypeAdapter.validate_json(dumped))) == json.loads(
        dumped
    )


def test_history_json_shape():
    history: list[ModelMessage] = [
        ModelRequest(
            [
                SystemPromptPart('Be brief.', timestamp=datetime(2026, 1, 2, tzinfo=timezone.utc)),
                UserPromptPart(['Look', BinaryContent(b'\x89PNG', 'image/png')], timestamp=datetime(2026, 1, 2)),
            ],
            instructions='Answer in French.',
        ),
        ModelResponse(
            [TextPart('Voilà'), ToolCallPart('lookup', {'q': ['a', {'b': None}]}, 'call_1')],
            usage=RequestUsage(10, 3, {'reasoning_tokens': 1}),
            model_name='llama-3.3-70b-versatile',
            timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
            finish_reason='tool_call',
            provider_response_id='chatcmpl-1',
        ),
    ]
    assert ModelMessagesTypeAdapter.dump_python(history, mode='json') == snapshot(
        [
            {
                'parts': [
                    {'content': 'Be brief.', 'timestamp': '2026-01-02T00:00:00Z', 'part_kind': 'system-prompt'},
                    {
                        'content': [
                            'Look',
                            {'data': 'iVBORw==', 'media_type': 'image/png', 'kind': 'binary', 'vendor_metadata': None},
                        ],
                        'timestamp': '2026-01-02T00:00:00',
                        'part_kind': 'user-prompt',
                    },
                ],
                'instructions': 'Answer in French.',
                'kind': 'request',
            },
            {
                'parts': [
                    {'content': 'Voilà', 'part_kind': 'text'},
                    {
                        'tool_name': 'lookup',
                        'args': {'q': ['a', {'b': None}]},
                        'tool_call_id': 'call_1',
                        'part_kind': 'tool-call',
                    },
                ],
                'usage': {
                    'input_tokens': 10,
                    'output_tokens': 3,
                    'details': {'reasoning_tokens': 1},
                    'cache_read_tokens': 0,
                },
                'model_name': 'llama-3.3-70b-versatile',
                'timestamp': '2026-01-02T03:04:05Z',
                'finish_reason': 'tool_call',
                'provider_name': 'groq',
                'provider_response_id': 'chatcmpl-1',
                'provider_details': None,
                'kind': 'response',
            },
        ]
    )


def test_response_helpers():
    response = ModelResponse(
        [ThinkingPart('hm'), TextPart('a'), ToolCallPart('t', None, 'c1'), TextPart('b'), ThinkingPart('!')]
    )
    assert response.text == 'ab'
    assert response.thinking == 'hm!'
    assert response.tool_calls == [ToolCallPart('t', None, 'c1')]
    empty = ModelResponse([])
    assert (empty.text, empty.thinking, empty.tool_calls) == (None, None, [])


@pytest.mark.parametrize(
    ('args', 'as_dict', 'as_json'),
    [
        (None, {}, '{}'),
        ('', {}, '{}'),
        ('null', {}, 'null'),
        ('{"a": 1}', {'a': 1}, '{"a": 1}'),
        ({'a': [1, 'é']}, {'a': [1, 'é']}, '{"a":[1,"é"]}'),
    ],
)
def test_tool_call_args(args: Any, as_dict: dict[str, Any], as_json: str):
    part = ToolCallPart('t', args)
    assert part.args_as_dict() == as_dict
    assert part.args_as_json_str() == as_json
    assert BuiltinToolCallPart('t', args).args_as_dict() == as_dict


def test_tool_call_args_not_an_object():
    with pytest.raises(ValueError, match=r"tool call arguments must be a JSON object, got '\[1\]'"):
        ToolCallPart('t', '[1]').args_as_dict()


def test_generated_ids_are_unique():
    assert ToolCallPart('t').tool_call_id != ToolCallPart('t').tool_call_id


def test_retry_prompt_text():
    assert RetryPromptPart('Wrong city.').model_response() == 'Wrong city.\n\nFix the errors and try again.'
    errors = RetryPromptPart(
        [{'type': 'missing', 'loc': ('name',), 'msg': 'Field required', 'input': {'foo': 'bar'}, 'url': 'x'}]
    )
    assert errors.model_response() == snapshot("""\
1 validation error:
```json
[
  {
    "type": "missing",
    "loc": [
      "name"
    ],
    "msg": "Field required",
    "input": {
      "foo": "bar"
    }
  }
]
```

Fix the errors and try again.\
""")


def test_binary_content():
    image = BinaryContent(b'\x00\xff', 'image/png')
    assert image.is_image
    assert image.data_uri == 'data:image/png;base64,AP8='
    assert not BinaryContent(b'', 'application/pdf').is_image


def test_tool_return_text():
    assert ToolReturnPart('t', 'plain').model_response_str() == 'plain'
    assert ToolReturnPart('t', {'b': [1, None]}).model_response_str() == '{"b":[1,null]}'


def test_user_text_prompt():
    request = ModelRequest.user_text_prompt('hi', instructions='be nice')
    assert request.instructions == 'be nice'
    assert isinstance(request.parts[0], UserPromptPart)
    assert request.parts[0].content == 'hi'
