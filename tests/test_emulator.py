"""Tests of the Groq HTTP API emulator, driven through the real `groq` SDK and through raw HTTP."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import groq
import httpx
import pytest
from dirty_equals import IsStr
from inline_snapshot import snapshot

from pydantic_ai_groq.testing import (
    DEFAULT_MODELS,
    ErrorReply,
    GroqEmulator,
    ModelCard,
    Reply,
    ToolCallReply,
    Usage,
    VirtualClock,
)
from pydantic_ai_groq.testing._limits import go_duration
from pydantic_ai_groq.testing._schema_values import schema_value
from pydantic_ai_groq.testing._server import base_url, serve_asgi

MODEL = 'llama-3.3-70b-versatile'
CHAT = '/openai/v1/chat/completions'
USER: list[dict[str, Any]] = [{'role': 'user', 'content': 'What is the weather in Paris?'}]
REQUEST_ID = IsStr(regex=r'req_01[0-9a-hjkmnp-tv-z]{24}')
COMPLETION_ID = IsStr(regex=r'chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}')
TOOL_CALL_ID = IsStr(regex=r'call_[0-9a-f]{24}')

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Any]


def function_tool(name: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    function: dict[str, Any] = {'name': name, 'description': f'The {name} tool.'}
    if parameters is not None:
        function['parameters'] = parameters
    return {'type': 'function', 'function': function}


WEATHER = function_tool(
    'get_weather',
    {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city'], 'additionalProperties': False},
)
CLOCK = function_tool('get_time', {'type': 'object', 'properties': {'zone': {'enum': ['UTC', 'CET']}}})
FINAL = function_tool(
    'final_result',
    {'type': 'object', 'properties': {'response': {'type': 'string', 'enum': ['yes', 'no']}}, 'required': ['response']},
)


def raw_client(emulator: GroqEmulator, **headers: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=emulator)
    return httpx.AsyncClient(transport=transport, base_url='http://groq-emulator', headers=headers)


async def post_chat(emulator: GroqEmulator, **body: Any) -> httpx.Response:
    async with raw_client(emulator) as http:
        return await http.post(CHAT, json={'model': MODEL, 'messages': USER, **body})


def sse_payloads(text: str) -> list[Any]:
    """Decode a Groq event stream, keeping `[DONE]` and non-JSON lines as strings."""
    events = text.split('\n\n')
    assert events[-1] == ''
    payloads: list[Any] = []
    for event in events[:-1]:
        data = event.removeprefix('data: ')
        try:
            payloads.append(json.loads(data))
        except ValueError:
            payloads.append(event)
    return payloads


def deltas(payloads: list[Any]) -> list[Any]:
    return [payload['choices'][0]['delta'] if isinstance(payload, dict) else payload for payload in payloads]


async def call_app(app: App, scope: dict[str, Any], incoming: list[Message]) -> list[Message]:
    """Run an ASGI app directly, recording what it sends."""
    sent: list[Message] = []
    queue = iter(incoming)

    async def receive() -> Message:
        return next(queue)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def http_scope(method: str, path: str) -> dict[str, Any]:
    return {'type': 'http', 'method': method, 'path': path, 'headers': [(b'content-type', b'application/json')]}


# --- public API ---------------------------------------------------------------------------------


def test_public_api() -> None:
    import pydantic_ai_groq.testing as testing

    assert sorted(testing.__all__) == snapshot(
        [
            'BatchAPI',
            'BatchTiming',
            'DEFAULT_MODELS',
            'ErrorReply',
            'ExecutedToolReply',
            'GroqEmulator',
            'KeyTier',
            'ModelCard',
            'RateLimitWindows',
            'Reply',
            'ToolCallReply',
            'Usage',
            'VirtualClock',
            'models_for',
        ]
    )
    assert [card.id for card in DEFAULT_MODELS] == snapshot(
        [
            'llama-3.1-8b-instant',
            'llama-3.3-70b-versatile',
            'openai/gpt-oss-120b',
            'openai/gpt-oss-20b',
            'whisper-large-v3',
            'whisper-large-v3-turbo',
            'canopylabs/orpheus-arabic-saudi',
            'canopylabs/orpheus-v1-english',
            'meta-llama/llama-prompt-guard-2-22m',
            'meta-llama/llama-prompt-guard-2-86m',
            'minimaxai/minimax-m2.7',
            'openai/gpt-oss-safeguard-20b',
            'qwen/qwen3.6-27b',
            'qwen/qwen3.8-27b',
            'groq/compound',
            'groq/compound-mini',
            'qwen/qwen3-32b',
            'meta-llama/llama-4-scout-17b-16e-instruct',
            'moonshotai/kimi-k2-instruct-0905',
            'meta-llama/llama-4-maverick-17b-128e-instruct',
            'meta-llama/llama-guard-4-12b',
            'playai-tts',
            'playai-tts-arabic',
            'moonshotai/kimi-k2-instruct',
            'gemma2-9b-it',
            'deepseek-r1-distill-llama-70b',
            'llama3-70b-8192',
            'llama3-8b-8192',
            'distil-whisper-large-v3-en',
            'mistral-saba-24b',
            'qwen-qwq-32b',
            'llama-guard-3-8b',
            'llama-3.2-1b-preview',
            'llama-3.2-3b-preview',
            'llama-3.2-11b-vision-preview',
            'llama-3.2-90b-vision-preview',
            'deepseek-r1-distill-qwen-32b',
            'qwen-2.5-32b',
            'qwen-2.5-coder-32b',
            'llama-3.3-70b-specdec',
            'deepseek-r1-distill-llama-70b-specdec',
            'mixtral-8x7b-32768',
            'llama-3.1-70b-versatile',
            'llama-3.1-70b-specdec',
            'llama3-groq-8b-8192-tool-use-preview',
            'llama3-groq-70b-8192-tool-use-preview',
            'gemma-7b-it',
            'llama-3.2-90b-text-preview',
            'llava-v1.5-7b-4096-preview',
            'llama-3.2-11b-text-preview',
        ]
    )


def test_reply_rejects_empty_chunks() -> None:
    with pytest.raises(ValueError, match='chunk_size must be at least 1'):
        Reply(text='x', chunk_size=0)


# --- routes -------------------------------------------------------------------------------------


async def test_list_and_retrieve_models_with_sdk() -> None:
    emulator = GroqEmulator(models=[*DEFAULT_MODELS[:3], ModelCard('old/model', 'Nobody', 4096, 1024, active=False)])
    async with emulator.client() as client:
        listing = await client.models.list()
        model = await client.models.retrieve('openai/gpt-oss-120b')
        with pytest.raises(groq.NotFoundError) as exc_info:
            await client.models.retrieve('no/such-model')
    assert [card.id for card in listing.data] == snapshot(
        ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile', 'openai/gpt-oss-120b']
    )
    assert model.model_dump() == snapshot(
        {
            'id': 'openai/gpt-oss-120b',
            'created': 1733447754,
            'object': 'model',
            'owned_by': 'OpenAI',
            'active': True,
            'context_window': 131072,
            'public_apps': None,
            'max_completion_tokens': 65536,
        }
    )
    assert exc_info.value.body == snapshot(
        {
            'error': {
                'message': 'The model `no/such-model` does not exist or you do not have access to it.',
                'type': 'invalid_request_error',
                'code': 'model_not_found',
            }
        }
    )


async def test_models_wire_format() -> None:
    async with raw_client(GroqEmulator(models=DEFAULT_MODELS[:1])) as http:
        response = await http.get('/openai/v1/models')
    assert response.status_code == 200
    assert response.headers['content-type'] == 'application/json'
    assert response.headers['x-ratelimit-limit-requests'] == '14400'
    assert response.headers['x-request-id'] == REQUEST_ID
    assert response.json() == snapshot(
        {
            'object': 'list',
            'data': [
                {
                    'id': 'llama-3.1-8b-instant',
                    'object': 'model',
                    'created': 1733447754,
                    'owned_by': 'Meta',
                    'active': True,
                    'context_window': 131072,
                    'public_apps': None,
                    'max_completion_tokens': 131072,
                }
            ],
        }
    )


async def test_unknown_route_and_wrong_method() -> None:
    async with raw_client(GroqEmulator()) as http:
        unknown = await http.post('/openai/v1/embeddings', json={})
        get_chat = await http.get(CHAT)
        post_models = await http.post('/openai/v1/models', json={})
    assert unknown.status_code == 404
    error = unknown.json()['error']
    assert error['message'].startswith('Unknown request URL: POST /openai/v1/embeddings. Please check the URL')
    assert (error['type'], error['code']) == ('invalid_request_error', 'unknown_url')
    assert unknown.headers['x-request-id'] == REQUEST_ID
    assert (get_chat.status_code, get_chat.headers['allow']) == (405, 'POST')
    assert get_chat.json() == snapshot(
        {
            'error': {
                'message': 'GET is not allowed on /openai/v1/chat/completions',
                'type': 'invalid_request_error',
                'code': 'method_not_allowed',
            }
        }
    )
    assert (post_models.status_code, post_models.headers['allow']) == (405, 'GET')


async def test_malformed_json_body() -> None:
    emulator = GroqEmulator()
    async with raw_client(emulator) as http:
        broken = await http.post(CHAT, content=b'{"model": ', headers={'content-type': 'application/json'})
        array = await http.post(CHAT, json=[1, 2])
    assert broken.status_code == array.status_code == 400
    assert broken.json() == snapshot(
        {
            'error': {
                'message': 'We could not parse the JSON body of your request. The API expects a JSON object.',
                'type': 'invalid_request_error',
                'code': 'json_invalid',
            }
        }
    )
    assert emulator.requests == []


async def test_asgi_details() -> None:
    emulator = GroqEmulator([Reply(text='ok')])
    lifespan = await call_app(
        emulator, {'type': 'lifespan'}, [{'type': 'lifespan.startup'}, {'type': 'lifespan.shutdown'}]
    )
    assert lifespan == [{'type': 'lifespan.startup.complete'}, {'type': 'lifespan.shutdown.complete'}]
    with pytest.raises(ValueError, match="unsupported ASGI scope type 'websocket'"):
        await call_app(emulator, {'type': 'websocket'}, [])
    # A client that leaves before sending its body gets nothing back.
    assert await call_app(emulator, http_scope('POST', CHAT), [{'type': 'http.disconnect'}]) == []
    # Bodies may arrive in several parts.
    body = json.dumps({'model': MODEL, 'messages': USER}).encode()
    parts = [
        {'type': 'http.request', 'body': body[:10], 'more_body': True},
        {'type': 'http.request', 'body': body[10:], 'more_body': False},
    ]
    sent = await call_app(emulator, http_scope('POST', CHAT), parts)
    assert sent[0]['status'] == 200
    assert json.loads(sent[1]['body'])['choices'][0]['message'] == {'role': 'assistant', 'content': 'ok'}


# --- request validation -------------------------------------------------------------------------


async def test_authentication() -> None:
    emulator = GroqEmulator([Reply(text='welcome')], api_key='sk-secret-123')
    async with emulator.client(api_key='wrong') as client:
        with pytest.raises(groq.AuthenticationError) as exc_info:
            await client.chat.completions.create(model=MODEL, messages=USER)
        with pytest.raises(groq.AuthenticationError):
            await client.models.list()
    assert exc_info.value.body == snapshot(
        {'error': {'message': 'Invalid API Key', 'type': 'invalid_request_error', 'code': 'invalid_api_key'}}
    )
    assert 'sk-secret-123' not in exc_info.value.response.text
    assert 'wrong' not in exc_info.value.response.text
    # The emulator's own clients default to its key.
    async with emulator.client() as client:
        completion = await client.chat.completions.create(model=MODEL, messages=USER)
    assert completion.choices[0].message.content == 'welcome'
    # Rejected requests are recorded too, with their headers.
    assert len(emulator.requests) == 2
    assert [headers['authorization'] for headers in emulator.request_headers] == [
        'Bearer wrong',
        'Bearer sk-secret-123',
    ]


async def test_unknown_model_is_404_like_groq() -> None:
    emulator = GroqEmulator([Reply(text='unused')])
    async with emulator.client() as client:
        with pytest.raises(groq.NotFoundError) as exc_info:
            await client.chat.completions.create(
                model='llama-3.3-70b-versatlie',
                messages=[{'role': 'user', 'content': 'hello'}],
                n=1,
                stream=False,
            )
    assert exc_info.value.response.json() == snapshot(
        {
            'error': {
                'message': 'The model `llama-3.3-70b-versatlie` does not exist or you do not have access to it.',
                'type': 'invalid_request_error',
                'code': 'model_not_found',
            }
        }
    )
    # Validation happens before the script is consulted.
    assert emulator.pending == 1
    assert emulator.requests == [
        {
            'messages': [{'role': 'user', 'content': 'hello'}],
            'model': 'llama-3.3-70b-versatlie',
            'n': 1,
            'stream': False,
        }
    ]


@pytest.mark.parametrize(
    ('body', 'message'),
    [
        ({'model': None}, "'model' : property 'model' is missing"),
        ({'messages': []}, "'messages' : property 'messages' is missing or empty"),
        ({'messages': 'hi'}, "'messages' : property 'messages' is missing or empty"),
        ({'model': 'old/model'}, 'has been decommissioned'),
        ({'n': 2}, "'n' : number must be at most 1"),
        ({'n': 0}, "'n' : number must be at least 1"),
        ({'n': '2'}, "'n' : number must be at most 1"),
        ({'logprobs': True}, '`logprobs` is not supported by the Groq API'),
        ({'logit_bias': {}}, '`logit_bias` is not supported by the Groq API'),
        ({'top_logprobs': 0}, '`top_logprobs` is not supported by the Groq API'),
    ],
)
async def test_rejected_requests(body: dict[str, Any], message: str) -> None:
    emulator = GroqEmulator(models=[*DEFAULT_MODELS, ModelCard('old/model', 'Nobody', 4096, 1024, active=False)])
    response = await post_chat(emulator, **body)
    assert response.status_code == 400
    error = response.json()['error']
    assert message in error['message']
    assert error['type'] == 'invalid_request_error'


async def test_rejected_parameter_codes() -> None:
    assert (await post_chat(GroqEmulator(), n=3)).json() == snapshot(
        {
            'error': {
                'message': "'n' : number must be at most 1",
                'type': 'invalid_request_error',
                'code': 'invalid_request_error',
                'param': 'n',
            }
        }
    )
    assert (await post_chat(GroqEmulator(), logprobs=True)).json() == snapshot(
        {
            'error': {
                'message': '`logprobs` is not supported by the Groq API',
                'type': 'invalid_request_error',
                'code': 'unsupported_parameter',
                'param': 'logprobs',
            }
        }
    )
    accepted = await post_chat(GroqEmulator(), n=1, logprobs=False, logit_bias=None)
    assert accepted.status_code == 200


# --- replies on the wire ------------------------------------------------------------------------


async def test_non_streamed_wire_format() -> None:
    emulator = GroqEmulator(
        [
            Reply(
                text='{"city":"Mexico City","country":"Mexico"}',
                reasoning='The user asks for the largest city.',
                usage=Usage(178, 94, reasoning_tokens=60, cached_tokens=128),
                id='chatcmpl-92437948-262c-49fe-87d1-774e54201105',
                created=1756843265,
                system_fingerprint='fp_213abb2467',
            )
        ]
    )
    response = await post_chat(emulator, model='openai/gpt-oss-120b', n=1, stream=False)
    assert response.status_code == 200
    assert response.headers['content-type'] == 'application/json'
    body = response.json()
    assert response.headers['x-request-id'] == body['x_groq']['id']
    assert body == snapshot(
        {
            'id': 'chatcmpl-92437948-262c-49fe-87d1-774e54201105',
            'object': 'chat.completion',
            'created': 1756843265,
            'model': 'openai/gpt-oss-120b',
            'choices': [
                {
                    'index': 0,
                    'message': {
                        'role': 'assistant',
                        'content': '{"city":"Mexico City","country":"Mexico"}',
                        'reasoning': 'The user asks for the largest city.',
                    },
                    'logprobs': None,
                    'finish_reason': 'stop',
                }
            ],
            'usage': {
                'queue_time': 0.01,
                'prompt_tokens': 178,
                'prompt_time': 0.002,
                'completion_tokens': 94,
                'completion_time': 0.02,
                'total_tokens': 272,
                'total_time': 0.022,
                'completion_tokens_details': {'reasoning_tokens': 60},
                'prompt_tokens_details': {'cached_tokens': 128},
            },
            'usage_breakdown': None,
            'system_fingerprint': 'fp_213abb2467',
            'x_groq': {'id': REQUEST_ID},
            'service_tier': 'on_demand',
        }
    )


async def test_non_streamed_tool_calls_and_groq_cache_usage() -> None:
    emulator = GroqEmulator(
        [
            Reply(
                tool_calls=[
                    ToolCallReply('get_weather', {'city': 'Paris'}, id='48f5r72yf'),
                    ToolCallReply('f', 'null'),
                ],
                usage=Usage(10, 5, dram_cached_tokens=7, sram_cached_tokens=0),
                model='openai/gpt-oss-20b',
                service_tier='flex',
            )
        ]
    )
    body = (await post_chat(emulator)).json()
    assert body['id'] == COMPLETION_ID
    assert abs(body['created'] - time.time()) < 5
    assert (body['model'], body['service_tier']) == ('openai/gpt-oss-20b', 'flex')
    assert body['choices'] == snapshot(
        [
            {
                'index': 0,
                'message': {
                    'role': 'assistant',
                    'tool_calls': [
                        {
                            'id': '48f5r72yf',
                            'type': 'function',
                            'function': {'name': 'get_weather', 'arguments': '{"city":"Paris"}'},
                        },
                        {'id': TOOL_CALL_ID, 'type': 'function', 'function': {'name': 'f', 'arguments': 'null'}},
                    ],
                },
                'logprobs': None,
                'finish_reason': 'tool_calls',
            }
        ]
    )
    assert body['x_groq'] == snapshot(
        {
            'id': REQUEST_ID,
            'usage': {
                'queue_time': 0.01,
                'prompt_tokens': 10,
                'prompt_time': 0.002,
                'completion_tokens': 5,
                'completion_time': 0.02,
                'total_tokens': 15,
                'total_time': 0.022,
                'dram_cached_tokens': 7,
                'sram_cached_tokens': 0,
            },
        }
    )


async def test_empty_reply_and_explicit_finish_reason() -> None:
    emulator = GroqEmulator([Reply(), Reply(text='cut', finish_reason='length')])
    async with emulator.client() as client:
        empty = await client.chat.completions.create(model=MODEL, messages=USER)
        cut = await client.chat.completions.create(model=MODEL, messages=USER)
    assert (empty.choices[0].message.content, empty.choices[0].finish_reason) == ('', 'stop')
    assert (cut.choices[0].message.content, cut.choices[0].finish_reason) == ('cut', 'length')


async def test_estimated_usage() -> None:
    emulator = GroqEmulator(
        [
            Reply(
                text='one two three',
                reasoning='thinking hard here',
                tool_calls=[ToolCallReply('f', 'x' * 40)],
            ),
            Reply(text=''),
        ]
    )
    messages = [
        {'role': 'system', 'content': 'Be brief.'},
        {'role': 'user', 'content': [{'type': 'text', 'text': 'four words right here'}, {'type': 'image_url'}]},
        {'role': 'assistant', 'content': None, 'tool_calls': []},
    ]
    first = (await post_chat(emulator, model='qwen/qwen3.8-27b', messages=messages, tools=[WEATHER])).json()
    assert first['usage'] == snapshot(
        {
            'queue_time': 0.01,
            'prompt_tokens': 59,
            'prompt_time': 0.002,
            'completion_tokens': 16,
            'completion_time': 0.02,
            'total_tokens': 75,
            'total_time': 0.022,
            'completion_tokens_details': {'reasoning_tokens': 3},
        }
    )
    # 6 words of prompt plus a quarter of the tools' JSON; 3 + 3 words plus a quarter of 40 characters.
    assert first['usage']['prompt_tokens'] == 6 + len(json.dumps([WEATHER], separators=(',', ':'))) // 4
    second = (await post_chat(emulator, messages=[{'role': 'user', 'content': ''}])).json()
    assert (second['usage']['prompt_tokens'], second['usage']['completion_tokens']) == (1, 1)
    assert 'completion_tokens_details' not in second['usage']


async def test_stream_wire_format() -> None:
    emulator = GroqEmulator(
        [
            Reply(
                text='Hi there',
                reasoning='Think.',
                tool_calls=[
                    ToolCallReply('get_weather', {'city': 'Paris'}, id='call_1'),
                    ToolCallReply('final_result', '', id='call_2'),
                ],
                chunk_size=6,
                usage=Usage(10, 5, reasoning_tokens=1, sram_cached_tokens=3),
                id='chatcmpl-fixed',
                created=1771438841,
                headers={'X-Extra': 'yes', 'Cache-Control': 'no-store'},
            )
        ]
    )
    response = await post_chat(emulator, stream=True)
    assert response.status_code == 200
    assert response.headers['content-type'] == 'text/event-stream'
    assert (response.headers['x-extra'], response.headers['cache-control']) == ('yes', 'no-store')
    payloads = sse_payloads(response.text)
    assert payloads[-1] == 'data: [DONE]'
    chunks = payloads[:-1]
    assert deltas(chunks) == snapshot(
        [
            {'role': 'assistant', 'content': ''},
            {'reasoning': 'Think.', 'channel': 'analysis'},
            {'content': 'Hi the'},
            {'content': 're'},
            {
                'tool_calls': [
                    {
                        'index': 0,
                        'id': 'call_1',
                        'type': 'function',
                        'function': {'name': 'get_weather', 'arguments': '{"city'},
                    }
                ]
            },
            {'tool_calls': [{'index': 0, 'function': {'arguments': '":"Par'}}]},
            {'tool_calls': [{'index': 0, 'function': {'arguments': 'is"}'}}]},
            {
                'tool_calls': [
                    {
                        'index': 1,
                        'id': 'call_2',
                        'type': 'function',
                        'function': {'name': 'final_result', 'arguments': ''},
                    }
                ]
            },
            {},
        ]
    )
    assert chunks[0] == snapshot(
        {
            'id': 'chatcmpl-fixed',
            'object': 'chat.completion.chunk',
            'created': 1771438841,
            'model': 'llama-3.3-70b-versatile',
            'system_fingerprint': 'fp_emulator',
            'choices': [
                {'index': 0, 'delta': {'role': 'assistant', 'content': ''}, 'logprobs': None, 'finish_reason': None}
            ],
            'x_groq': {'id': REQUEST_ID},
        }
    )
    assert all('x_groq' not in chunk and 'usage' not in chunk for chunk in chunks[1:-1])
    assert all(chunk['choices'][0]['finish_reason'] is None for chunk in chunks[:-1])
    assert chunks[-1] == snapshot(
        {
            'id': 'chatcmpl-fixed',
            'object': 'chat.completion.chunk',
            'created': 1771438841,
            'model': 'llama-3.3-70b-versatile',
            'system_fingerprint': 'fp_emulator',
            'choices': [{'index': 0, 'delta': {}, 'logprobs': None, 'finish_reason': 'tool_calls'}],
            'x_groq': {
                'id': REQUEST_ID,
                'usage': {
                    'queue_time': 0.01,
                    'prompt_tokens': 10,
                    'prompt_time': 0.002,
                    'completion_tokens': 5,
                    'completion_time': 0.02,
                    'total_tokens': 15,
                    'total_time': 0.022,
                    'completion_tokens_details': {'reasoning_tokens': 1},
                    'sram_cached_tokens': 3,
                },
            },
            'usage': {
                'queue_time': 0.01,
                'prompt_tokens': 10,
                'prompt_time': 0.002,
                'completion_tokens': 5,
                'completion_time': 0.02,
                'total_tokens': 15,
                'total_time': 0.022,
                'completion_tokens_details': {'reasoning_tokens': 1},
            },
        }
    )
    assert chunks[0]['x_groq']['id'] == chunks[-1]['x_groq']['id'] == response.headers['x-request-id']


async def test_stream_default_pieces() -> None:
    emulator = GroqEmulator(
        [
            Reply(text='  Hello,  big\nworld ', reasoning='one two', tool_calls=[ToolCallReply('f', {'a': [1, 2]})]),
            Reply(text='   '),
        ]
    )
    first = sse_payloads((await post_chat(emulator, stream=True)).text)
    assert deltas(first)[1:-2] == snapshot(
        [
            {'reasoning': 'one ', 'channel': 'analysis'},
            {'reasoning': 'two', 'channel': 'analysis'},
            {'content': '  Hello,  '},
            {'content': 'big\n'},
            {'content': 'world '},
            {
                'tool_calls': [
                    {
                        'index': 0,
                        'id': TOOL_CALL_ID,
                        'type': 'function',
                        'function': {'name': 'f', 'arguments': '{"a":[1,2]}'},
                    }
                ]
            },
        ]
    )
    whitespace = sse_payloads((await post_chat(emulator, stream=True)).text)
    assert deltas(whitespace)[1:-2] == [{'content': '   '}]


async def test_each_event_is_its_own_asgi_message() -> None:
    emulator = GroqEmulator([Reply(text='a b c')])
    body = json.dumps({'model': MODEL, 'messages': USER, 'stream': True}).encode()
    sent = await call_app(emulator, http_scope('POST', CHAT), [{'type': 'http.request', 'body': body}])
    start, *parts, end = sent
    assert start['type'] == 'http.response.start'
    assert [part['more_body'] for part in parts] == [True] * 6
    assert all(part['body'].startswith(b'data: ') and part['body'].count(b'\n\n') == 1 for part in parts)
    assert parts[-1]['body'] == b'data: [DONE]\n\n'
    assert end == {'type': 'http.response.body', 'body': b'', 'more_body': False}


async def test_stream_with_sdk() -> None:
    emulator = GroqEmulator(
        [Reply(text='The answer is 42.', reasoning='Let me think.', tool_calls=[ToolCallReply('f', {'x': 1})])]
    )
    async with emulator.client() as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]
    text = ''.join(chunk.choices[0].delta.content or '' for chunk in chunks)
    reasoning = ''.join(chunk.choices[0].delta.reasoning or '' for chunk in chunks)
    tool_calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert (text, reasoning) == ('The answer is 42.', 'Let me think.')
    assert [(call.function.name, call.function.arguments) for call in tool_calls if call.function] == [('f', '{"x":1}')]
    assert chunks[-1].choices[0].finish_reason == 'tool_calls'
    assert chunks[-1].x_groq is not None and chunks[-1].x_groq.usage is not None
    # 4 words of text, 3 of reasoning and a quarter of 7 characters of arguments.
    assert chunks[-1].x_groq.usage.completion_tokens == 8
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens_details is not None
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens == 3


# --- script and policies ------------------------------------------------------------------------


async def test_script_order_push_and_pending() -> None:
    emulator = GroqEmulator([Reply(text='one'), ErrorReply(500)])
    assert emulator.pending == 2
    emulator.push(Reply(text='three'), Reply(text='four'))
    assert emulator.pending == 4
    async with emulator.client() as client:
        first = await client.chat.completions.create(model=MODEL, messages=USER)
        with pytest.raises(groq.InternalServerError):
            await client.chat.completions.create(model=MODEL, messages=USER)
        assert emulator.pending == 2
        rest = [await client.chat.completions.create(model=MODEL, messages=USER) for _ in range(3)]
    assert [first.choices[0].message.content] + [c.choices[0].message.content for c in rest] == [
        'one',
        'three',
        'four',
        'success (no tool calls)',
    ]
    assert emulator.pending == 0
    assert len(emulator.requests) == 5


async def test_custom_policy_after_script() -> None:
    seen: list[dict[str, Any]] = []

    def shout(body: dict[str, Any]) -> Reply | ErrorReply:
        seen.append(body)
        content = body['messages'][-1]['content']
        return Reply(text=content.upper()) if content else ErrorReply(429)

    emulator = GroqEmulator([Reply(text='scripted')], policy=shout)
    async with emulator.client() as client:
        replies = [
            await client.chat.completions.create(model=MODEL, messages=[{'role': 'user', 'content': text}])
            for text in ('first', 'second')
        ]
        with pytest.raises(groq.RateLimitError):
            await client.chat.completions.create(model=MODEL, messages=[{'role': 'user', 'content': ''}])
    assert [reply.choices[0].message.content for reply in replies] == ['scripted', 'SECOND']
    assert seen == emulator.requests[1:]


async def test_default_policy_agent_loop() -> None:
    emulator = GroqEmulator()
    tools = [WEATHER, CLOCK, FINAL]
    async with emulator.client() as client:
        # (1) every function tool not called yet, in parallel, with schema-valid arguments.
        first = await client.chat.completions.create(model=MODEL, messages=USER, tools=tools)
        message = first.choices[0].message
        assert first.choices[0].finish_reason == 'tool_calls'
        assert message.tool_calls is not None
        assert [(call.function.name, call.function.arguments) for call in message.tool_calls] == snapshot(
            [('get_weather', '{"city":"a"}'), ('get_time', '{"zone":"UTC"}')]
        )
        history: list[Any] = [
            *USER,
            message.model_dump(exclude_none=True),
            *(
                {'role': 'tool', 'tool_call_id': call.id, 'content': result}
                for call, result in zip(message.tool_calls, ['Sunny', '12:00'], strict=True)
            ),
        ]
        # (2) then the output tool.
        second = await client.chat.completions.create(model=MODEL, messages=history, tools=tools)
        assert second.choices[0].message.tool_calls is not None
        assert [(c.function.name, c.function.arguments) for c in second.choices[0].message.tool_calls] == snapshot(
            [('final_result', '{"response":"yes"}')]
        )
        # (4) without an output tool, text summarising the tool results.
        third = await client.chat.completions.create(model=MODEL, messages=history, tools=tools[:2])
    assert third.choices[0].message.content == 'success (tool results: Sunny, 12:00)'
    assert third.choices[0].finish_reason == 'stop'


async def test_default_policy_tool_choice() -> None:
    emulator = GroqEmulator()
    called = [
        *USER,
        {
            'role': 'assistant',
            'tool_calls': [{'id': 'x', 'type': 'function', 'function': {'name': 'get_weather', 'arguments': '{}'}}],
        },
    ]
    async with emulator.client() as client:
        forced = await client.chat.completions.create(
            model=MODEL,
            messages=called,
            tools=[WEATHER, CLOCK],
            tool_choice={'type': 'function', 'function': {'name': 'get_weather'}},
        )
        unknown = await client.chat.completions.create(
            model=MODEL,
            messages=USER,
            tool_choice={'type': 'function', 'function': {'name': 'mystery'}},
        )
        none = await client.chat.completions.create(
            model=MODEL,
            messages=USER,
            tools=[WEATHER, FINAL],
            tool_choice='none',
        )
        sequential = await client.chat.completions.create(
            model=MODEL,
            messages=USER,
            tools=[WEATHER, CLOCK, function_tool('no_parameters')],
            parallel_tool_calls=False,
        )
        remaining = await client.chat.completions.create(
            model=MODEL,
            messages=called,
            tools=[WEATHER, CLOCK, function_tool('no_parameters')],
        )

    def calls(completion: Any) -> list[tuple[str, str]]:
        return [(c.function.name, c.function.arguments) for c in completion.choices[0].message.tool_calls]

    assert calls(forced) == [('get_weather', '{"city":"a"}')]
    assert calls(unknown) == [('mystery', '{}')]
    assert none.choices[0].message.content == 'success (no tool calls)'
    assert calls(sequential) == [('get_weather', '{"city":"a"}')]
    assert calls(remaining) == [('get_time', '{"zone":"UTC"}'), ('no_parameters', '{}')]


NESTED_SCHEMA: dict[str, Any] = {
    '$defs': {
        'Address': {
            'type': 'object',
            'properties': {
                'street': {'type': 'string', 'minLength': 3},
                'zip': {'type': 'string', 'pattern': r'^\d{5}$', 'maxLength': 5},
                'country': {'enum': ['FR', 'DE']},
            },
            'required': ['street', 'country'],
        },
        'Kind': {'type': 'string', 'enum': ['person', 'company']},
    },
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'kind': {'$ref': '#/$defs/Kind'},
        'age': {'anyOf': [{'type': 'null'}, {'type': 'integer', 'minimum': 18, 'maximum': 130}]},
        'score': {'type': 'number', 'exclusiveMinimum': 0, 'maximum': 1},
        'home': {'anyOf': [{'$ref': '#/$defs/Address'}, {'type': 'null'}], 'description': 'Where they live.'},
        'tags': {'type': 'array', 'items': {'type': 'string', 'format': 'email'}, 'minItems': 2},
        'born': {'type': 'string', 'format': 'date'},
        'active': {'type': 'boolean'},
        'nickname': {'type': ['string', 'null'], 'default': None},
        'extra': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
    },
    'required': ['name', 'kind', 'home'],
    'additionalProperties': False,
}


async def test_default_policy_ignores_built_in_tools() -> None:
    # Groq's server-side tools (e.g. browser search on gpt-oss) are not functions the client runs.
    response = await post_chat(GroqEmulator(), model='openai/gpt-oss-120b', tools=[{'type': 'browser_search'}])
    assert response.json()['choices'][0]['message'] == {'role': 'assistant', 'content': 'success (no tool calls)'}


async def test_default_policy_structured_output() -> None:
    emulator = GroqEmulator()
    json_schema = {'name': 'Person', 'schema': NESTED_SCHEMA, 'strict': True}
    async with emulator.client() as client:
        structured = await client.chat.completions.create(
            model='openai/gpt-oss-120b',
            messages=USER,
            response_format={'type': 'json_schema', 'json_schema': json_schema},
        )
        # (3) also applies once every function tool has been called.
        after_tools = await client.chat.completions.create(
            model=MODEL,
            messages=[
                *USER,
                {
                    'role': 'assistant',
                    'tool_calls': [
                        {'id': '1', 'type': 'function', 'function': {'name': 'get_weather', 'arguments': '{}'}}
                    ],
                },
                {'role': 'tool', 'tool_call_id': '1', 'content': 'Sunny'},
            ],
            tools=[WEATHER],
            response_format={'type': 'json_object'},
        )
    content = structured.choices[0].message.content
    assert content is not None
    assert json.loads(content) == snapshot(
        {
            'name': 'a',
            'kind': 'person',
            'age': 18,
            'score': 1.0,
            'home': {'street': 'aaa', 'zip': 'a', 'country': 'FR'},
            'tags': ['user@example.com', 'user@example.com'],
            'born': '2024-01-01',
            'active': True,
            'nickname': None,
            'extra': {'key': 0},
        }
    )
    assert after_tools.choices[0].message.content == '{}'


# --- JSON schema values -------------------------------------------------------------------------


def test_schema_value_nested() -> None:
    value = schema_value(NESTED_SCHEMA)
    # Hand-check the constraints the snapshot above relies on.
    assert set(value) == set(NESTED_SCHEMA['properties'])
    assert 18 <= value['age'] <= 130
    assert 0 < value['score'] <= 1
    assert len(value['home']['street']) >= 3 and len(value['home']['zip']) <= 5
    assert len(value['tags']) >= 2
    assert value['kind'] in ('person', 'company')


@pytest.mark.parametrize(
    ('schema', 'expected'),
    [
        ({}, 'a'),
        (True, 'a'),
        ({'const': 7, 'type': 'string'}, 7),
        ({'enum': [3, 4]}, 3),
        ({'type': 'integer', 'default': 5}, 5),
        ({'oneOf': [{'type': 'boolean'}, {'type': 'integer'}]}, True),
        ({'anyOf': [{'type': 'null'}]}, None),
        ({'type': ['null', 'integer']}, 0),
        ({'type': ['null']}, None),
        ({'type': []}, 'a'),
        ({'required': ['x']}, {'x': 'a'}),
        ({'additionalProperties': False, 'required': ['y'], 'properties': {}}, {'y': 'a'}),
        ({'additionalProperties': {'type': 'boolean'}, 'required': ['z']}, {'z': True}),
        ({'items': {'type': 'null'}}, [None]),
        ({'type': 'array', 'maxItems': 0}, []),
        ({'type': 'array', 'minItems': 3, 'items': {'const': 1}}, [1, 1, 1]),
        ({'prefixItems': [{'type': 'integer'}, {'type': 'boolean'}], 'items': False, 'minItems': 5}, [0, True]),
        ({'prefixItems': [{'type': 'integer'}], 'minItems': 2}, [0, 'a']),
        ({'type': 'string', 'format': 'date-time'}, '2024-01-01T00:00:00Z'),
        ({'type': 'string', 'format': 'time'}, '00:00:00'),
        ({'type': 'string', 'format': 'uri'}, 'https://example.com/'),
        ({'type': 'string', 'format': 'uuid'}, '00000000-0000-4000-8000-000000000000'),
        ({'type': 'string', 'format': 'ipv4', 'minLength': 2}, 'aa'),
        ({'type': 'string', 'format': 'email', 'maxLength': 4}, 'user'),
        ({'type': 'string', 'maxLength': 0}, ''),
        ({'type': 'null'}, None),
        ({'type': 'integer'}, 0),
        ({'type': 'integer', 'minimum': 1.5}, 2),
        ({'type': 'integer', 'exclusiveMinimum': 5}, 6),
        ({'type': 'integer', 'minimum': 3, 'exclusiveMinimum': 1}, 3),
        ({'type': 'integer', 'minimum': 1, 'exclusiveMinimum': 3}, 4),
        ({'type': 'integer', 'maximum': -3.5}, -4),
        ({'type': 'integer', 'exclusiveMaximum': 0}, -1),
        ({'type': 'integer', 'minimum': True}, 0),
        ({'minimum': 2.5}, 2.5),
        ({'type': 'number'}, 0.0),
        ({'type': 'number', 'minimum': -1, 'maximum': 10}, 0.0),
        ({'type': 'number', 'exclusiveMinimum': 0}, 1.0),
        ({'type': 'number', 'maximum': -1}, -1.0),
        ({'type': 'number', 'exclusiveMaximum': 0}, -1.0),
        ({'type': 'number', 'exclusiveMinimum': 0, 'exclusiveMaximum': 1}, 0.5),
        ({'type': 'number', 'exclusiveMinimum': 0, 'maximum': 0.5}, 0.5),
        ({'type': 'number', 'minimum': -2, 'exclusiveMaximum': -1}, -2.0),
        (
            {'allOf': [{'properties': {'a': {'type': 'integer'}}, 'required': ['a']}, {'required': ['a', 'b']}]},
            {'a': 0, 'b': 'a'},
        ),
        ({'$ref': '#/definitions/A~1B', 'definitions': {'A/B': {'type': 'integer'}}}, 0),
        ({'$ref': '#/$defs/N', 'minimum': 4, '$defs': {'N': {'type': 'integer'}}}, 4),
    ],
)
def test_schema_value_keywords(schema: Any, expected: Any) -> None:
    value = schema_value(schema)
    assert value == expected
    assert type(value) is type(expected)


def test_schema_value_recursive_schemas_terminate() -> None:
    tree = {
        '$defs': {
            'Node': {
                'type': 'object',
                'properties': {
                    'label': {'type': 'string'},
                    'children': {'type': 'array', 'items': {'$ref': '#/$defs/Node'}},
                    'parent': {'anyOf': [{'$ref': '#/$defs/Node'}, {'type': 'null'}]},
                    'next': {'type': ['object', 'null'], 'properties': {'x': {'type': 'integer'}}},
                },
                'required': ['label', 'parent'],
            }
        },
        '$ref': '#/$defs/Node',
    }
    value = schema_value(tree)
    depth = 0
    node = value
    while node is not None:
        depth += 1
        assert node['label'] == 'a'
        node = node['parent']
    assert depth == snapshot(4)
    assert value['next'] == {'x': 0}
    linked = {
        '$defs': {
            'L': {'type': ['object', 'null'], 'properties': {'next': {'$ref': '#/$defs/L'}}, 'required': ['next']}
        },
        '$ref': '#/$defs/L',
    }
    assert schema_value(linked) == snapshot({'next': {'next': {'next': {'next': {'next': {'next': None}}}}}})


@pytest.mark.parametrize(
    ('schema', 'message'),
    [
        (False, 'the `false` schema admits no value'),
        ({'properties': {'a': False}}, 'the `false` schema admits no value'),
        ({'$ref': 'https://example.com/schema.json'}, 'only local `\\$ref`s are supported'),
        ({'$ref': '#/$defs/Missing'}, "dangling `\\$ref` '#/\\$defs/Missing'"),
        ({'$ref': '#/$defs/A', '$defs': {'A': {'$ref': '#/$defs/A'}}}, '`\\$ref` cycle in schema'),
        ({'type': 'file'}, "unsupported schema type 'file'"),
        (
            {
                '$defs': {'L': {'type': 'object', 'properties': {'next': {'$ref': '#/$defs/L'}}, 'required': ['next']}},
                '$ref': '#/$defs/L',
            },
            'only admits infinitely nested values',
        ),
    ],
)
def test_schema_value_errors(schema: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schema_value(schema)


# --- faults -------------------------------------------------------------------------------------


async def test_error_reply_default_bodies() -> None:
    statuses = [400, 401, 403, 404, 413, 422, 429, 498, 500, 502, 503, 418, 599]
    emulator = GroqEmulator([ErrorReply(status) for status in statuses])
    bodies: dict[int, Any] = {}
    async with raw_client(emulator) as http:
        for status in statuses:
            response = await http.post(CHAT, json={'model': MODEL, 'messages': USER})
            assert response.status_code == status
            assert response.headers['content-type'] == 'application/json'
            assert response.headers['x-request-id'] == REQUEST_ID
            assert 'x-ratelimit-remaining-requests' in response.headers
            bodies[status] = response.json()['error']
    assert bodies == snapshot(
        {
            400: {
                'message': 'The request could not be processed.',
                'type': 'invalid_request_error',
                'code': 'bad_request',
            },
            401: {'message': 'Invalid API Key', 'type': 'invalid_request_error', 'code': 'invalid_api_key'},
            403: {
                'message': 'Access denied. Please check your network settings.',
                'type': 'permission_error',
                'code': 'permission_denied',
            },
            404: {
                'message': 'The model `llama-3.3-70b-versatile` does not exist or you do not have access to it.',
                'type': 'invalid_request_error',
                'code': 'model_not_found',
            },
            413: {'message': 'Request Entity Too Large', 'type': 'invalid_request_error', 'code': 'request_too_large'},
            422: {'message': 'Unprocessable Entity', 'type': 'invalid_request_error', 'code': 'unprocessable_entity'},
            429: {
                'message': IsStr(
                    regex=r'Rate limit reached for model `llama-3.3-70b-versatile` .* try again in 2s\..*'
                ),
                'type': 'tokens',
                'code': 'rate_limit_exceeded',
            },
            498: {
                'message': IsStr(regex=r'Flex tier capacity exceeded\. .*'),
                'type': 'capacity_exceeded',
                'code': 'capacity_exceeded',
            },
            500: {'message': 'Internal Server Error', 'type': 'internal_server_error', 'code': 'internal_server_error'},
            502: {'message': 'Bad Gateway', 'type': 'api_error', 'code': 'bad_gateway'},
            503: {'message': 'Service Unavailable', 'type': 'internal_server_error', 'code': 'service_unavailable'},
            418: {'message': "I'm a Teapot", 'type': 'api_error', 'code': "i'm_a_teapot"},
            599: {'message': 'Unknown Error', 'type': 'api_error', 'code': 'unknown_error'},
        }
    )


async def test_error_replies_through_sdk() -> None:
    tool_use_failed = {
        'error': {
            'message': 'Tool call validation failed: parameters for tool get_weather did not match schema',
            'type': 'invalid_request_error',
            'code': 'tool_use_failed',
            'failed_generation': '{"name": "get_weather", "arguments": {"foo": "bar"}}',
        }
    }
    emulator = GroqEmulator(
        [
            ErrorReply(429, headers={'retry-after': '2', 'X-RateLimit-Remaining-Tokens': '0'}),
            ErrorReply(400, body=tool_use_failed),
            ErrorReply(503, body='upstream connect error'),
            ErrorReply(498),
        ]
    )
    async with emulator.client() as client:
        with pytest.raises(groq.RateLimitError) as rate_limited:
            await client.chat.completions.create(model=MODEL, messages=USER)
        with pytest.raises(groq.BadRequestError) as bad_request:
            await client.chat.completions.create(model=MODEL, messages=USER, tools=[WEATHER])
        with pytest.raises(groq.InternalServerError) as unavailable:
            await client.chat.completions.create(model=MODEL, messages=USER)
        with pytest.raises(groq.APIStatusError) as flex:
            await client.chat.completions.create(model=MODEL, messages=USER)
    headers = rate_limited.value.response.headers
    assert (headers['retry-after'], headers['x-ratelimit-remaining-tokens']) == ('2', '0')
    assert bad_request.value.body == tool_use_failed
    assert unavailable.value.response.text == 'upstream connect error'
    assert unavailable.value.response.headers['content-type'] == 'text/plain; charset=utf-8'
    assert flex.value.status_code == 498


async def test_delay() -> None:
    emulator = GroqEmulator([Reply(text='late', delay=0.05), ErrorReply(500, delay=0.05)])
    async with raw_client(emulator) as http:
        started = time.perf_counter()
        late = await http.post(CHAT, json={'model': MODEL, 'messages': USER})
        failed = await http.post(CHAT, json={'model': MODEL, 'messages': USER})
    assert time.perf_counter() - started >= 0.1
    assert (late.status_code, failed.status_code) == (200, 500)


async def test_delay_makes_a_real_client_time_out() -> None:
    emulator = GroqEmulator([Reply(text='too late', delay=2), Reply(text='on time')])
    with emulator.serve() as url:
        async with groq.AsyncGroq(base_url=url, api_key='k', max_retries=0, timeout=0.2) as client:
            started = time.perf_counter()
            with pytest.raises(groq.APITimeoutError):
                await client.chat.completions.create(model=MODEL, messages=USER)
            assert time.perf_counter() - started < 1
            completion = await client.chat.completions.create(model=MODEL, messages=USER)
    assert completion.choices[0].message.content == 'on time'


async def test_chunk_delay() -> None:
    emulator = GroqEmulator([Reply(text='a b c', chunk_delay=0.02)])
    started = time.perf_counter()
    response = await post_chat(emulator, stream=True)
    # Five chunks (start, three words, finish) with a pause between each; [DONE] follows at once.
    assert time.perf_counter() - started >= 0.08
    assert len(sse_payloads(response.text)) == 6


async def test_cut_after() -> None:
    emulator = GroqEmulator(
        [Reply(text='one two three', cut_after=2), Reply(text='one two', cut_after=99), Reply(text='x', cut_after=2)]
    )
    cut = sse_payloads((await post_chat(emulator, stream=True)).text)
    assert deltas(cut) == [{'role': 'assistant', 'content': ''}, {'content': 'one '}]
    clamped = sse_payloads((await post_chat(emulator, stream=True)).text)
    # Never the finish chunk, never [DONE].
    assert deltas(clamped) == [{'role': 'assistant', 'content': ''}, {'content': 'one '}, {'content': 'two'}]
    async with emulator.client() as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]
    assert [chunk.choices[0].finish_reason for chunk in chunks] == [None, None]


async def test_malformed_after() -> None:
    emulator = GroqEmulator([Reply(text='one two', malformed_after=1), Reply(text='x', malformed_after=1)])
    payloads = sse_payloads((await post_chat(emulator, stream=True)).text)
    assert deltas(payloads) == [
        {'role': 'assistant', 'content': ''},
        'data: {not json',
        {'content': 'one '},
        {'content': 'two'},
        {},
        'data: [DONE]',
    ]
    received: list[Any] = []
    async with emulator.client() as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        with pytest.raises(json.JSONDecodeError):
            async for chunk in stream:
                received.append(chunk)
    assert len(received) == 1


async def test_stream_error() -> None:
    error = {
        'message': 'Tool choice is required, but model did not call a tool',
        'type': 'invalid_request_error',
        'code': 'tool_use_failed',
        'failed_generation': '',
        'status_code': 400,
    }
    emulator = GroqEmulator(
        [
            Reply(text='maybe', reasoning='The user says', stream_error=error, stream_error_after=3),
            Reply(text='maybe', stream_error=error, stream_error_after=50),
        ]
    )
    response = await post_chat(emulator, stream=True)
    events = response.text.split('\n\n')
    assert events[3:] == ['event: error\ndata: ' + json.dumps({'error': error}, separators=(',', ':')), '']
    assert deltas(sse_payloads('\n\n'.join(events[:3]) + '\n\n')) == [
        {'role': 'assistant', 'content': ''},
        {'reasoning': 'The ', 'channel': 'analysis'},
        {'reasoning': 'user ', 'channel': 'analysis'},
    ]
    received: list[Any] = []
    async with emulator.client() as client:
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        with pytest.raises(groq.APIError) as exc_info:
            async for chunk in stream:
                received.append(chunk)
    # Clamped to just before the finish chunk.
    assert [chunk.choices[0].delta.content for chunk in received] == ['', 'maybe']
    assert exc_info.value.message == 'Tool choice is required, but model did not call a tool'
    assert exc_info.value.body == error


async def test_stream_faults_are_ignored_without_streaming() -> None:
    fault = Reply(text='whole', cut_after=0, malformed_after=0, stream_error={'message': 'boom'}, chunk_delay=5)
    response = await post_chat(GroqEmulator([fault]))
    assert response.json()['choices'][0]['message']['content'] == 'whole'


async def test_rate_limit_headers_count_down() -> None:
    emulator = GroqEmulator(
        [
            Reply(text='a', usage=Usage(100, 20)),
            Reply(text='b', usage=Usage(50, 30), headers={'x-ratelimit-limit-tokens': '1'}),
        ],
        clock=VirtualClock(),
    )
    first = await post_chat(emulator)
    second = await post_chat(emulator, stream=True)
    limits = {name: value for name, value in first.headers.items() if name.startswith('x-ratelimit')}
    assert limits == snapshot(
        {
            'x-ratelimit-limit-requests': '14400',
            'x-ratelimit-remaining-requests': '14399',
            'x-ratelimit-reset-requests': '6s',
            'x-ratelimit-limit-tokens': '300000',
            'x-ratelimit-remaining-tokens': '299880',
            'x-ratelimit-reset-tokens': '30ms',
        }
    )
    assert second.headers['x-ratelimit-remaining-requests'] == '14398'
    assert second.headers['x-ratelimit-remaining-tokens'] == '299800'
    assert second.headers['x-ratelimit-limit-tokens'] == '1'
    assert second.headers['x-request-id'] == REQUEST_ID
    durations = [go_duration(seconds, quantum=0.01) for seconds in (179.56, 7.66, 3600, 0.12, 0)]
    assert durations == ['2m59.56s', '7.66s', '1h0m0s', '120ms', '0s']


# --- serving over a socket ----------------------------------------------------------------------


async def test_serve_with_sdk_streams_and_reuses_the_connection() -> None:
    emulator = GroqEmulator([Reply(text='plain answer'), Reply(text='streamed answer', reasoning='hmm')])
    peers: list[Any] = []

    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        peers.append(scope['client'])
        await emulator(scope, receive, send)

    with serve_asgi(app) as url:
        assert url.startswith('http://127.0.0.1:')
        async with groq.AsyncGroq(base_url=url, api_key='k', max_retries=0) as client:
            plain = await client.chat.completions.create(model=MODEL, messages=USER)
            stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
            chunks = [chunk async for chunk in stream]
            model = await client.models.retrieve('qwen/qwen3.8-27b')
    assert plain.choices[0].message.content == 'plain answer'
    assert ''.join(chunk.choices[0].delta.content or '' for chunk in chunks) == 'streamed answer'
    assert model.owned_by == 'Alibaba Cloud'
    assert len(peers) == 3 and len(set(peers)) == 1


async def test_serve_streams_incrementally() -> None:
    emulator = GroqEmulator([Reply(text='a b c d', chunk_delay=0.05)])
    with emulator.serve() as url:
        async with httpx.AsyncClient(base_url=url) as http:
            body = {'model': MODEL, 'messages': USER, 'stream': True}
            async with http.stream('POST', CHAT, json=body) as response:
                assert response.headers['transfer-encoding'] == 'chunked'
                arrivals = [time.perf_counter() async for line in response.aiter_lines() if line]
    # Six chunks with five pauses between them: a buffering server would deliver them all at once.
    assert len(arrivals) == 7
    assert arrivals[-1] - arrivals[0] >= 0.2


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix('http://').rsplit(':', 1)
    return host, int(port)


def read_response(stream: Any) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Read one HTTP/1.1 response from a socket file, with a content-length or chunked body."""
    status = stream.readline().rstrip(b'\r\n')
    headers: dict[bytes, bytes] = {}
    while (line := stream.readline().rstrip(b'\r\n')) != b'':
        name, _, value = line.partition(b': ')
        headers[name.lower()] = value
    if b'content-length' in headers:
        return status, headers, stream.read(int(headers[b'content-length']))
    body = b''
    while (size := int(stream.readline(), 16)) != 0:
        body += stream.read(size)
        stream.readline()
    stream.readline()
    return status, headers, body


def request_bytes(method: str, path: str, body: bytes = b'', version: str = 'HTTP/1.1', extra: str = '') -> bytes:
    head = f'{method} {path} {version}\r\nhost: x\r\ncontent-length: {len(body)}\r\n{extra}\r\n'
    return head.encode() + body


def test_serve_keep_alive_and_connection_close() -> None:
    emulator = GroqEmulator([Reply(text='first'), Reply(text='second', chunk_size=3)])
    chat = json.dumps({'model': MODEL, 'messages': USER}).encode()
    streamed = json.dumps({'model': MODEL, 'messages': USER, 'stream': True}).encode()
    with emulator.serve() as url, socket.create_connection(address(url)) as sock:
        stream = sock.makefile('rb')
        sock.sendall(request_bytes('POST', CHAT, chat))
        status, headers, body = read_response(stream)
        assert (status, headers[b'content-length']) == (b'HTTP/1.1 200 OK', str(len(body)).encode())
        assert json.loads(body)['choices'][0]['message']['content'] == 'first'
        sock.sendall(request_bytes('POST', CHAT, streamed))
        status, headers, body = read_response(stream)
        assert (status, headers[b'transfer-encoding']) == (b'HTTP/1.1 200 OK', b'chunked')
        assert body.endswith(b'data: [DONE]\n\n') and b'"content":"sec"' in body
        sock.sendall(request_bytes('GET', '/openai/v1/models?x=1', extra='Connection: close\r\n'))
        status, headers, body = read_response(stream)
        assert (status, headers[b'connection']) == (b'HTTP/1.1 200 OK', b'close')
        assert stream.read() == b''
        stream.close()


def raw_exchange(url: str, data: bytes) -> bytes:
    with socket.create_connection(address(url)) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b''
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def test_serve_rejects_bad_requests(caplog: pytest.LogCaptureFixture) -> None:
    emulator = GroqEmulator()
    with emulator.serve() as url:
        assert raw_exchange(url, b'NONSENSE\r\n\r\n').startswith(b'HTTP/1.1 400 Bad Request\r\n')
        chunked = b'POST /openai/v1/chat/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'
        assert raw_exchange(url, chunked).startswith(b'HTTP/1.1 400 Bad Request\r\n')
        negative = b'POST /openai/v1/chat/completions HTTP/1.1\r\ncontent-length: -1\r\n\r\n'
        assert raw_exchange(url, negative).startswith(b'HTTP/1.1 400 Bad Request\r\n')
        # Headers past the stream limit: the connection is dropped.
        assert raw_exchange(url, b'GET / HTTP/1.1\r\nx: ' + b'a' * 70_000 + b'\r\n\r\n') == b''
        # HTTP/1.0 closes after one exchange, and unknown statuses get an empty reason.
        emulator.push(ErrorReply(498))
        old = raw_exchange(
            url, request_bytes('POST', CHAT, json.dumps({'model': MODEL, 'messages': USER}).encode(), 'HTTP/1.0')
        )
        assert old.startswith(b'HTTP/1.1 498 \r\n') and b'connection: close\r\n' in old
        # A client hanging up mid-body or mid-head gets nothing, and the server logs nothing.
        assert raw_exchange(url, b'POST / HTTP/1.1\r\ncontent-length: 100\r\n\r\n{"model"') == b''
        assert raw_exchange(url, b'GET / HTTP/1.1\r\n') == b''
    assert caplog.records == []


def test_serve_reports_bind_errors_and_ipv6_urls() -> None:
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        with pytest.raises(OSError), GroqEmulator().serve(port=taken.getsockname()[1]):
            pass  # pragma: no cover
    assert base_url('::1', 8080) == 'http://[::1]:8080'
    assert base_url('127.0.0.1', 8080) == 'http://127.0.0.1:8080'


def test_serve_survives_broken_apps(caplog: pytest.LogCaptureFixture) -> None:
    async def crash(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope['path'] == '/half':
            await send({'type': 'http.response.start', 'status': 200, 'headers': []})
            await send({'type': 'http.response.body', 'body': b'partial', 'more_body': True})
            return
        raise RuntimeError('app bug')

    peers: list[Any] = []

    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        peers.append(scope['client'])
        await crash(scope, receive, send)

    with serve_asgi(app) as url, httpx.Client(base_url=url) as http, caplog.at_level(logging.ERROR):
        response = http.get('/boom')
        assert (response.status_code, response.text) == (500, 'Internal Server Error')
        with pytest.raises(httpx.RemoteProtocolError):
            http.get('/half')
        assert http.get('/boom').status_code == 500
    assert 'the ASGI app failed on GET /boom' in caplog.text
    # The complete 500 keeps the connection; the half-sent response closes it.
    assert peers[0] == peers[1] != peers[2]


def test_serve_survives_clients_that_hang_up() -> None:
    outcome: list[BaseException] = []
    hung_up = threading.Event()

    async def chatty(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())['type'] == 'http.request'
        assert (await receive())['type'] == 'http.disconnect'
        await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-length', b'999')]})
        try:
            for _ in range(200):
                await send({'type': 'http.response.body', 'body': b'x' * 1024, 'more_body': True})
                await anyio.sleep(0.005)
        except BaseException as exc:
            outcome.append(exc)
            hung_up.set()
            raise

    with serve_asgi(chatty) as url:
        with socket.create_connection(address(url)) as sock:
            sock.sendall(request_bytes('GET', '/'))
            assert sock.recv(10) == b'HTTP/1.1 2'
        assert hung_up.wait(5)
    assert isinstance(outcome[0], ConnectionError)
