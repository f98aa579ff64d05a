"""Streams read as the SSE spec and the SDK read them, and what Groq can send that breaks them.

Every stream here is served as raw bytes through the real `groq` SDK (see `_raw_server`).
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest
from _raw_server import raw_model

from pydantic_ai_groq import TextPart, ThinkingPart, ToolCallPart
from pydantic_ai_groq.exceptions import ModelHTTPError, UnexpectedModelBehavior
from pydantic_ai_groq.messages import ModelRequest, ModelResponse
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()


def chunk(content: str | None = None, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta['content'] = content
    return {
        'id': 'chatcmpl-1',
        'object': 'chat.completion.chunk',
        'created': 1756843265,
        'model': 'llama-3.3-70b-versatile',
        'choices': [{'index': 0, 'delta': delta, 'finish_reason': finish}],
    }


def data(payload: object) -> bytes:
    return f'data: {json.dumps(payload)}\n\n'.encode()


DONE = b'data: [DONE]\n\n'
HELLO_WORLD = [data(chunk('Hello')), data(chunk(' world')), data(chunk(finish='stop')), DONE]


async def read(model: GroqModel, settings: Any = None) -> ModelResponse:
    try:
        async with model.request_stream(PROMPT, settings, PARAMS) as stream:
            async for _ in stream:
                pass
        return stream.get()
    finally:
        await model.client.close()


async def test_event_without_data_names_nothing_after_it():
    # Was 'Hello': the `ping` name stuck to the next event, which was then skipped.
    ping = b'event: ping\n\n'
    assert (await read(raw_model([ping, *HELLO_WORLD]))).text == 'Hello world'
    assert (await read(raw_model([HELLO_WORLD[0], ping, *HELLO_WORLD[1:]]))).text == 'Hello world'


async def test_error_event_without_data_is_not_an_error():
    # Was a ModelHTTPError 500 made of the next, normal chunk.
    response = await read(raw_model([b'event: error\n\n', *HELLO_WORLD]))
    assert response.text == 'Hello world'
    assert response.finish_reason == 'stop'


async def test_nothing_after_done_is_read():
    response = await read(raw_model([data(chunk('Hello')), DONE, data(chunk(' world')), data(chunk(finish='stop'))]))
    assert response.text == 'Hello'
    assert response.finish_reason is None


@pytest.mark.parametrize('ending', [b'\r', b'\r\n'])
async def test_cr_and_crlf_line_endings(ending: bytes):
    body = b''.join(HELLO_WORLD).replace(b'\n', ending)
    # Cut after every CR too: a CRLF split between two reads is still one line ending.
    pieces = [piece + b'\r' for piece in body.split(b'\r')[:-1]] + [body.split(b'\r')[-1]]
    assert (await read(raw_model(pieces))).text == 'Hello world'


async def test_a_payload_over_two_data_lines_is_one_chunk():
    # The spec joins data lines with a newline, which JSON reads as white space.
    split = json.dumps(chunk('Hello world'), indent=1).replace('\n', '\ndata: ')
    body = [f'data: {split}\n\n'.encode(), data(chunk(finish='stop')), DONE]
    assert (await read(raw_model(body))).text == 'Hello world'


async def test_a_byte_order_mark_before_the_first_line():
    assert (await read(raw_model([b'\xef\xbb\xbf' + HELLO_WORLD[0], *HELLO_WORLD[1:]]))).text == 'Hello world'


@pytest.mark.parametrize(
    ('content_type', 'body'),
    [('application/json', b'{"id": "chatcmpl-1", "choices": []}'), ('text/html', b'<html>Bad gateway</html>')],
)
async def test_a_200_that_is_not_an_event_stream_says_so(content_type: str, body: bytes):
    with pytest.raises(UnexpectedModelBehavior, match=f"Content-Type '{content_type}', not text/event-stream") as e:
        await read(raw_model([body], content_type=content_type))
    assert e.value.body == body.decode()


async def test_a_200_json_error_on_a_streamed_request_is_the_api_error():
    body = json.dumps({'error': {'message': 'Overloaded', 'type': 'server_error', 'status_code': 503}}).encode()
    with pytest.raises(ModelHTTPError) as e:
        await read(raw_model([body], content_type='application/json'))
    assert e.value.status_code == 503


async def test_a_line_over_the_cap_is_refused():
    # 17 MiB of one line in 1 MiB reads: refused once past 16 MiB, not held to the end.
    piece = b'x' * (1 << 20)
    with pytest.raises(UnexpectedModelBehavior, match=r'stream line of more than 16,777,216 bytes'):
        await read(raw_model([b'data: "', *[piece] * 17, b'"\n\n']))


# --- errors in data lines -----------------------------------------------------------------------------


async def test_error_data_without_error_event_is_the_api_error():
    # Was UnexpectedModelBehavior ('cannot read'): the SDK's own reader maps these as API errors.
    error = {'message': 'Service unavailable', 'type': 'internal_server_error', 'status_code': 503}
    model = raw_model([data(chunk('Hello')), data({'error': error})])
    with pytest.raises(ModelHTTPError) as e:
        await read(model)
    assert e.value.status_code == 503
    assert e.value.body == {'error': error}


async def test_error_data_without_status_is_a_500():
    with pytest.raises(ModelHTTPError) as e:
        await read(raw_model([data({'error': {'message': 'boom', 'status_code': True}})]))
    assert e.value.status_code == 500


async def test_failed_generation_in_error_data_is_a_response_to_retry():
    error = {'code': 'tool_use_failed', 'failed_generation': '{"name": "f", "arguments": {"x": 1}}'}
    response = await read(raw_model([data({'error': error}), DONE]))
    assert response.finish_reason == 'error'
    assert [(part.tool_name, part.args) for part in response.parts if isinstance(part, ToolCallPart)] == [
        ('f', '{"x":1}')
    ]


# --- every error is ours ------------------------------------------------------------------------------


async def test_gzip_declared_but_not_gzip():
    # Was httpx.DecodingError, raw.
    model = raw_model(HELLO_WORLD, headers=[('content-encoding', 'gzip')])
    with pytest.raises(UnexpectedModelBehavior, match=r'does not decode as its Content-Encoding \(gzip\)'):
        await read(model)


async def test_gzip_that_is_gzip_is_read():
    model = raw_model([gzip.compress(b''.join(HELLO_WORLD))], headers=[('content-encoding', 'gzip')])
    assert (await read(model)).text == 'Hello world'


@pytest.mark.parametrize('created', [1e300, 10**20, -(10**18)])
async def test_created_out_of_range(created: float):
    # Was OverflowError / ValueError / OSError.
    first = chunk('Hello') | {'created': created}
    with pytest.raises(
        UnexpectedModelBehavior, match=re.escape(f'`created` timestamp that is not a date: {created!r}')
    ):
        await read(raw_model([data(first), *HELLO_WORLD[1:]]))
    body = {**first, 'object': 'chat.completion', 'choices': [{'index': 0, 'message': {'content': 'x'}}]}
    model = raw_model([json.dumps(body).encode()], content_type='application/json')
    with pytest.raises(UnexpectedModelBehavior, match='`created` timestamp'):
        await model.request(PROMPT, None, PARAMS)


async def test_usage_counts_that_are_not_numbers():
    # Was a TypeError later, where usage is added up.
    last = chunk(finish='stop') | {'usage': {'prompt_tokens': '5', 'completion_tokens': 2}}
    with pytest.raises(UnexpectedModelBehavior, match=r"usage.prompt_tokens is str '5', expected a whole number"):
        await read(raw_model([*HELLO_WORLD[:2], data(last), DONE]))
    body = {'choices': [{'message': {'content': 'x'}}], 'usage': {'prompt_tokens': 1, 'completion_tokens': 2.5}}
    model = raw_model([json.dumps(body).encode()], content_type='application/json')
    with pytest.raises(UnexpectedModelBehavior, match=r'usage\.completion_tokens is float 2\.5'):
        await model.request(PROMPT, None, PARAMS)


_BAD_DELTAS: list[tuple[dict[str, Any], str]] = [
    ({'reasoning': 7}, 'delta.reasoning is int 7, expected a string'),
    ({'content': ['a']}, r"delta.content is list \['a'\], expected a string"),
    ({'tool_calls': [{'index': 0, 'function': {'name': 3}}]}, r'tool_calls\[0\]\.function\.name is int 3'),
    ({'tool_calls': [{'index': 0, 'function': {'name': 'f', 'arguments': {}}}]}, r'function\.arguments is dict \{\}'),
]


@pytest.mark.parametrize(('delta', 'message'), _BAD_DELTAS)
async def test_delta_fields_that_are_not_text(delta: dict[str, Any], message: str):
    with pytest.raises(UnexpectedModelBehavior, match=message):
        await read(raw_model([data(chunk(**delta)), *HELLO_WORLD]))


_BAD_CHUNKS: list[tuple[object, str]] = [
    # Each was taken as it came: a number as the model name, a list as the request id, a dict's
    # keys as citations, a number as a built-in tool's arguments.
    (chunk('Hello') | {'model': 5}, r'\(model is int 5, expected a string\)'),
    (chunk('Hello') | {'x_groq': {'id': ['r']}}, r"x_groq\.id is list \['r'\], expected a string"),
    (chunk(annotations={'a': 1}), r"choices\[0\]\.delta\.annotations is dict \{'a': 1\}, expected a list"),
    (chunk(executed_tools=[{'index': 0, 'arguments': 7}]), r'executed_tools\[0\]\.arguments is int 7'),
    (chunk(finish='stop') | {'usage': {'prompt_tokens': True}}, r'usage\.prompt_tokens is bool True'),
    (5, r'\(stream chunk is int 5, expected an object\)'),
    ({'id': 'chatcmpl-1'}, r"\(no 'choices' field\)"),
    (chunk(tool_calls=[{'function': {'name': 'f'}, 'index': 'first'}]), r"index is str 'first', expected a whole"),
]


@pytest.mark.parametrize(('payload', 'message'), _BAD_CHUNKS)
async def test_chunk_fields_of_the_wrong_type_are_named(payload: object, message: str):
    with pytest.raises(UnexpectedModelBehavior, match=message) as exc_info:
        await read(raw_model([data(payload), *HELLO_WORLD]))
    assert exc_info.value.body == json.dumps(payload)


async def test_completion_fields_of_the_wrong_type_are_named():
    # Was a response whose model_name was the number 7.
    body = {'model': 7, 'choices': [{'message': {'content': 'x'}, 'finish_reason': 'stop'}]}
    model = raw_model([json.dumps(body).encode()], content_type='application/json')
    with pytest.raises(UnexpectedModelBehavior, match=r'chat completion this client cannot read \(model is int 7'):
        await model.request(PROMPT, None, PARAMS)
    await model.client.close()


@pytest.mark.parametrize(
    ('message', 'error'),
    [
        ({'reasoning': 7, 'content': 'x'}, 'message.reasoning is int 7'),
        ({'content': {'a': 1}}, 'message.content is dict'),
        ({'tool_calls': [{'id': 'c', 'function': {'arguments': '{}'}}]}, "no 'name' field"),
        ({'tool_calls': [{'id': 'c', 'function': {'name': None}}]}, r'function\.name is NoneType None'),
        ({'tool_calls': [{'id': 5, 'function': {'name': 'f'}}]}, r'tool_calls\[0\]\.id is int 5, expected a string'),
    ],
)
async def test_message_fields_that_are_not_text(message: dict[str, Any], error: str):
    body = {'choices': [{'message': message, 'finish_reason': 'stop'}]}
    model = raw_model([json.dumps(body).encode()], content_type='application/json')
    with pytest.raises(UnexpectedModelBehavior, match=error):
        await model.request(PROMPT, None, PARAMS)
    await model.client.close()


# --- <think> blocks only where they belong ------------------------------------------------------------

HTML = '<p>Models write <think>notes</think> first.</p>'


async def test_html_from_llama_keeps_its_think_tags():
    # Was ThinkingPart('notes') and the text around it: content opening with '<' was split on any model.
    assert (await read(raw_model([data(chunk(HTML)), *HELLO_WORLD[2:]]))).parts == [TextPart(HTML)]
    body = {'choices': [{'message': {'content': HTML}, 'finish_reason': 'stop'}]}
    model = raw_model([json.dumps(body).encode()], content_type='application/json')
    assert (await model.request(PROMPT, None, PARAMS)).parts == [TextPart(HTML)]


@pytest.mark.parametrize(
    ('model_name', 'settings', 'split'),
    [
        ('qwen/qwen3-32b', None, True),  # raw by default
        ('qwen/qwen3-32b', {'groq_reasoning_format': 'raw'}, True),
        ('qwen/qwen3-32b', {'groq_reasoning_format': 'parsed'}, False),
        ('deepseek-r1-distill-llama-70b', None, True),
        ('some/new-model', {'groq_reasoning_format': 'raw'}, True),
        ('some/new-model', None, False),
        ('openai/gpt-oss-20b', None, False),
    ],
)
async def test_think_blocks_are_split_where_the_profile_and_settings_say(model_name: str, settings: Any, split: bool):
    content = '<think>Greet.</think>\n\nHi <think>there</think>'
    expected = [ThinkingPart('Greet.'), TextPart('Hi <think>there</think>')] if split else [TextPart(content)]
    pieces = [data(chunk(content[i : i + 5])) for i in range(0, len(content), 5)]
    streamed = await read(raw_model([*pieces, *HELLO_WORLD[2:]], model_name=model_name), settings)
    assert streamed.parts == expected
    body = {'choices': [{'message': {'content': content}, 'finish_reason': 'stop'}]}
    model = raw_model([json.dumps(body).encode()], content_type='application/json', model_name=model_name)
    assert (await model.request(PROMPT, settings, PARAMS)).parts == expected


async def test_gzip_declared_but_not_gzip_in_a_whole_body():
    # Was ModelAPIError 'Connection to Groq failed': the SDK wraps the decoding error as a connection error.
    body = json.dumps({'choices': [{'message': {'content': 'x'}, 'finish_reason': 'stop'}]}).encode()
    model = raw_model([body], content_type='application/json', headers=[('content-encoding', 'gzip')])
    with pytest.raises(UnexpectedModelBehavior, match='does not decode as its Content-Encoding says'):
        await model.request(PROMPT, None, PARAMS)
    await model.client.close()


async def test_a_tag_start_at_the_end_of_the_content_is_text():
    response = await read(raw_model([data(chunk('  <thi')), *HELLO_WORLD[2:]], model_name='qwen/qwen3-32b'))
    assert response.parts == [TextPart('  <thi')]


async def test_a_non_event_stream_body_that_does_not_decode():
    model = raw_model([b'{"a": 1}'], content_type='application/json', headers=[('content-encoding', 'gzip')])
    with pytest.raises(UnexpectedModelBehavior, match="Content-Type 'application/json'") as e:
        await read(model)
    assert e.value.body is None


async def test_a_tag_start_held_to_the_end_ends_the_part_before_it():
    # The held '</th' starts a new thinking part after the tool call: the tool call's part ends first.
    call = {'index': 0, 'id': 'call_1', 'type': 'function', 'function': {'name': 'f', 'arguments': '{}'}}
    pieces = [data(chunk('<think>Plan.</th')), data(chunk(tool_calls=[call])), data(chunk(finish='tool_calls')), DONE]
    model = raw_model(pieces, model_name='qwen/qwen3-32b')
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        kinds = [(event.event_kind, event.index) async for event in stream]
    await model.client.close()
    assert kinds == [
        ('part_start', 0),
        ('part_end', 0),
        ('part_start', 1),
        ('part_end', 1),
        ('part_start', 2),
        ('part_end', 2),
    ]
    assert stream.get().parts == [ThinkingPart('Plan.'), ToolCallPart('f', '{}', 'call_1'), ThinkingPart('</th')]
