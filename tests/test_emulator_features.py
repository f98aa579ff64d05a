"""Tests of the emulator's Groq-specific features: executed tools, citations, reasoning formats, rate-limit
windows, decommissioned models, service tiers and flex capacity errors."""

from __future__ import annotations

import asyncio
import json
import math
import threading
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import groq
import httpx
import pytest
from dirty_equals import IsStr
from inline_snapshot import snapshot

from pydantic_ai_groq.messages import ModelRequest
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.rate_limit import GroqRateLimiter
from pydantic_ai_groq.testing import (
    DEFAULT_MODELS,
    ErrorReply,
    ExecutedToolReply,
    GroqEmulator,
    RateLimitWindows,
    Reply,
    ToolCallReply,
    Usage,
    VirtualClock,
)

MODEL = 'llama-3.3-70b-versatile'
CHAT = '/openai/v1/chat/completions'
USER: list[dict[str, Any]] = [{'role': 'user', 'content': 'What is the weather in Paris?'}]
REQUEST_ID = IsStr(regex=r'req_01[0-9a-hjkmnp-tv-z]{24}')

SEARCH = ExecutedToolReply(
    'search',
    {'query': 'weather Paris'},
    output='Title: Paris forecast\nURL: https://weather.example/paris\nContent: Sunny, 21°C',
    search_results={
        'results': [
            {'title': 'Paris forecast', 'url': 'https://weather.example/paris', 'content': 'Sunny, 21°C', 'score': 0.9}
        ]
    },
)
PYTHON = ExecutedToolReply('python', '{"code": "print(21 * 9 / 5 + 32)"}', code_results=[{'text': '69.8'}])
BROWSER = ExecutedToolReply(
    'browser.open',
    {'url': 'https://weather.example/paris'},
    browser_results=[{'title': 'Paris forecast', 'url': 'https://weather.example/paris', 'content': 'Sunny'}],
)
CITATION = {
    'type': 'document_citation',
    'document_citation': {'document_id': 'doc-1', 'start_index': 0, 'end_index': 5},
}


def raw_client(emulator: GroqEmulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator), base_url='http://groq-emulator')


async def post_chat(emulator: GroqEmulator, **body: Any) -> httpx.Response:
    async with raw_client(emulator) as http:
        return await http.post(CHAT, json={'model': MODEL, 'messages': USER, **body})


def stream_deltas(response: httpx.Response) -> list[dict[str, Any]]:
    """The deltas of a well-formed stream, without the finish chunk and `[DONE]`."""
    events = response.text.split('\n\n')
    assert events[-2:] == ['data: [DONE]', '']
    chunks = [json.loads(event.removeprefix('data: ')) for event in events[:-2]]
    return [chunk['choices'][0]['delta'] for chunk in chunks[:-1]]


def rate_headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.startswith(('x-ratelimit', 'retry'))}


def windowed(
    windows: RateLimitWindows, script: list[Reply | ErrorReply] | None = None
) -> tuple[GroqEmulator, VirtualClock]:
    """An emulator whose rate-limit windows run on a clock the test moves."""
    clock = VirtualClock(1000.0)
    return GroqEmulator(script or [], rate_limits=windows, clock=clock), clock


# --- executed tools -----------------------------------------------------------------------------


async def test_executed_tools_non_streamed() -> None:
    emulator = GroqEmulator([Reply(text='Sunny, 69.8°F.', executed_tools=[SEARCH, PYTHON, BROWSER])])
    body = (await post_chat(emulator, model='openai/gpt-oss-120b')).json()
    assert body['choices'][0]['message'] == snapshot(
        {
            'role': 'assistant',
            'content': 'Sunny, 69.8°F.',
            'executed_tools': [
                {
                    'index': 0,
                    'type': 'search',
                    'arguments': '{"query":"weather Paris"}',
                    'output': """\
Title: Paris forecast
URL: https://weather.example/paris
Content: Sunny, 21°C\
""",
                    'search_results': {
                        'results': [
                            {
                                'title': 'Paris forecast',
                                'url': 'https://weather.example/paris',
                                'content': 'Sunny, 21°C',
                                'score': 0.9,
                            }
                        ]
                    },
                },
                {
                    'index': 1,
                    'type': 'python',
                    'arguments': '{"code": "print(21 * 9 / 5 + 32)"}',
                    'code_results': [{'text': '69.8'}],
                },
                {
                    'index': 2,
                    'type': 'browser.open',
                    'arguments': '{"url":"https://weather.example/paris"}',
                    'browser_results': [
                        {'title': 'Paris forecast', 'url': 'https://weather.example/paris', 'content': 'Sunny'}
                    ],
                },
            ],
        }
    )


async def test_executed_tools_through_sdk() -> None:
    emulator = GroqEmulator([Reply(text='Sunny.', reasoning='Search first.', executed_tools=[SEARCH, PYTHON])] * 2)
    async with emulator.client() as client:
        completion = await client.chat.completions.create(model='openai/gpt-oss-120b', messages=USER)
        stream = await client.chat.completions.create(model='openai/gpt-oss-120b', messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]
    tools = completion.choices[0].message.executed_tools or []
    assert [(tool.index, tool.type, tool.output) for tool in tools] == snapshot(
        [
            (
                0,
                'search',
                """\
Title: Paris forecast
URL: https://weather.example/paris
Content: Sunny, 21°C\
""",
            ),
            (1, 'python', None),
        ]
    )
    assert tools[0].search_results is not None and tools[0].search_results.results is not None
    assert tools[0].search_results.results[0].url == 'https://weather.example/paris'
    assert tools[1].code_results is not None and tools[1].code_results[0].text == '69.8'
    # The last delta of each index is the whole entry, as in the non-streamed message.
    streamed = {tool.index: tool for chunk in chunks for tool in chunk.choices[0].delta.executed_tools or []}
    assert [tool.model_dump(exclude_none=True) for tool in streamed.values()] == [
        tool.model_dump(exclude_none=True) for tool in tools
    ]


async def test_executed_tools_stream_shape() -> None:
    emulator = GroqEmulator(
        [
            Reply(
                text='Sunny today.',
                reasoning='Look it up.',
                executed_tools=[SEARCH, ExecutedToolReply('wolfram_alpha', '{"query":"21C in F"}', output='69.8')],
                annotations=[CITATION],
                tool_calls=[ToolCallReply('notify', {'text': 'sunny'}, id='call_1')],
            )
        ]
    )
    deltas = stream_deltas(await post_chat(emulator, model='openai/gpt-oss-120b', stream=True))
    assert deltas == snapshot(
        [
            {'role': 'assistant', 'content': ''},
            {'reasoning': 'Look ', 'channel': 'analysis'},
            {'reasoning': 'it ', 'channel': 'analysis'},
            {'reasoning': 'up.', 'channel': 'analysis'},
            {'executed_tools': [{'index': 0, 'type': 'search', 'arguments': '{"query":"weather Paris"}'}]},
            {
                'executed_tools': [
                    {
                        'index': 0,
                        'type': 'search',
                        'arguments': '{"query":"weather Paris"}',
                        'output': """\
Title: Paris forecast
URL: https://weather.example/paris
Content: Sunny, 21°C\
""",
                        'search_results': {
                            'results': [
                                {
                                    'title': 'Paris forecast',
                                    'url': 'https://weather.example/paris',
                                    'content': 'Sunny, 21°C',
                                    'score': 0.9,
                                }
                            ]
                        },
                    }
                ]
            },
            {'executed_tools': [{'index': 1, 'type': 'wolfram_alpha', 'arguments': '{"query":"21C in F"}'}]},
            {
                'executed_tools': [
                    {'index': 1, 'type': 'wolfram_alpha', 'arguments': '{"query":"21C in F"}', 'output': '69.8'}
                ]
            },
            {'content': 'Sunny '},
            {'content': 'today.'},
            {
                'annotations': [
                    {
                        'type': 'document_citation',
                        'document_citation': {'document_id': 'doc-1', 'start_index': 0, 'end_index': 5},
                    }
                ]
            },
            {
                'tool_calls': [
                    {
                        'index': 0,
                        'id': 'call_1',
                        'type': 'function',
                        'function': {'name': 'notify', 'arguments': '{"text":"sunny"}'},
                    }
                ]
            },
        ]
    )


# --- citations ----------------------------------------------------------------------------------


async def test_scripted_annotations() -> None:
    emulator = GroqEmulator([Reply(text='Paris is sunny.', annotations=[CITATION])] * 2)
    async with emulator.client() as client:
        completion = await client.chat.completions.create(model=MODEL, messages=USER)
        stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]
    annotations = completion.choices[0].message.annotations or []
    assert [annotation.model_dump(exclude_none=True) for annotation in annotations] == [CITATION]
    streamed = [annotation for chunk in chunks for annotation in chunk.choices[0].delta.annotations or []]
    assert [annotation.model_dump(exclude_none=True) for annotation in streamed] == [CITATION]
    plain = (await post_chat(GroqEmulator([Reply(text='x')]))).json()
    assert 'annotations' not in plain['choices'][0]['message']
    assert 'executed_tools' not in plain['choices'][0]['message']


async def test_default_policy_cites_the_first_document() -> None:
    documents = [
        {'id': 'forecast', 'source': {'type': 'text', 'text': 'Paris: sunny, 21°C.'}},
        {'id': 'archive', 'source': {'type': 'json', 'data': {'paris': 'rain'}}},
    ]
    anonymous = [{'source': {'type': 'text', 'text': 'Paris: sunny.'}}]
    emulator = GroqEmulator()
    async with emulator.client() as client:
        cited = await client.chat.completions.create(model=MODEL, messages=USER, documents=documents)
        enabled = await client.chat.completions.create(
            model=MODEL, messages=USER, documents=anonymous, citation_options='enabled'
        )
        disabled = await client.chat.completions.create(
            model=MODEL, messages=USER, documents=documents, citation_options='disabled'
        )
        undocumented = await client.chat.completions.create(model=MODEL, messages=USER)
    message = cited.choices[0].message
    assert message.model_dump(exclude_none=True) == snapshot(
        {
            'content': 'success (no tool calls)',
            'role': 'assistant',
            'annotations': [
                {
                    'type': 'document_citation',
                    'document_citation': {'document_id': 'forecast', 'end_index': 23, 'start_index': 0},
                }
            ],
        }
    )
    assert message.annotations is not None and message.annotations[0].document_citation is not None
    assert message.annotations[0].document_citation.end_index == len(message.content or '')
    annotations = enabled.choices[0].message.annotations or []
    assert [a.document_citation.document_id for a in annotations if a.document_citation] == ['0']
    assert (disabled.choices[0].message.annotations, undocumented.choices[0].message.annotations) == (None, None)


async def test_default_policy_cites_tool_results_answers() -> None:
    messages = [
        *USER,
        {
            'role': 'assistant',
            'tool_calls': [{'id': 'c', 'type': 'function', 'function': {'name': 'f', 'arguments': '{}'}}],
        },
        {'role': 'tool', 'tool_call_id': 'c', 'content': 'sunny'},
    ]
    body = (await post_chat(GroqEmulator(), messages=messages, documents=[{'id': 'd', 'source': {}}])).json()
    message = body['choices'][0]['message']
    assert message['content'] == 'success (tool results: sunny)'
    assert message['annotations'] == [
        {'type': 'document_citation', 'document_citation': {'document_id': 'd', 'start_index': 0, 'end_index': 29}}
    ]


# --- reasoning formats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('request_fields', 'expected'),
    [
        ({}, {'content': 'Sunny.', 'reasoning': 'Check the sky.'}),
        ({'reasoning_format': 'parsed'}, {'content': 'Sunny.', 'reasoning': 'Check the sky.'}),
        ({'include_reasoning': True}, {'content': 'Sunny.', 'reasoning': 'Check the sky.'}),
        ({'reasoning_format': 'raw'}, {'content': '<think>Check the sky.</think>\n\nSunny.'}),
        ({'reasoning_format': 'hidden'}, {'content': 'Sunny.'}),
        ({'include_reasoning': False}, {'content': 'Sunny.'}),
    ],
)
async def test_reasoning_formats_non_streamed(request_fields: dict[str, Any], expected: dict[str, Any]) -> None:
    emulator = GroqEmulator([Reply(text='Sunny.', reasoning='Check the sky.')])
    body = (await post_chat(emulator, model='qwen/qwen3.8-27b', **request_fields)).json()
    assert body['choices'][0]['message'] == {'role': 'assistant', **expected}
    # The model reasoned all the same: the usage still counts it.
    assert body['usage']['completion_tokens_details'] == {'reasoning_tokens': 3}


async def test_raw_reasoning_streams_through_the_content_chunks() -> None:
    emulator = GroqEmulator(
        [
            Reply(text='Sunny.', reasoning='Look up.', chunk_size=5),
            Reply(reasoning='Call it.', tool_calls=[ToolCallReply('f', {}, id='call_1')]),
            Reply(text='Sunny.', reasoning='Look up.'),
        ]
    )
    chunked = stream_deltas(await post_chat(emulator, model='qwen/qwen3.8-27b', reasoning_format='raw', stream=True))
    assert chunked == snapshot(
        [
            {'role': 'assistant', 'content': ''},
            {'content': '<thin'},
            {'content': 'k>Loo'},
            {'content': 'k up.'},
            {'content': '</thi'},
            {'content': 'nk>\n\n'},
            {'content': 'Sunny'},
            {'content': '.'},
        ]
    )
    with_tools = await post_chat(emulator, model='qwen/qwen3.8-27b', reasoning_format='raw')
    assert with_tools.json()['choices'][0]['message'] == snapshot(
        {
            'role': 'assistant',
            'content': """\
<think>Call it.</think>

""",
            'tool_calls': [{'id': 'call_1', 'type': 'function', 'function': {'name': 'f', 'arguments': '{}'}}],
        }
    )
    hidden = stream_deltas(await post_chat(emulator, model='qwen/qwen3.8-27b', include_reasoning=False, stream=True))
    assert hidden == [{'role': 'assistant', 'content': ''}, {'content': 'Sunny.'}]


async def test_reasoning_formats_through_sdk() -> None:
    emulator = GroqEmulator([Reply(text='Sunny.', reasoning='Check the sky.')] * 3)
    async with emulator.client() as client:
        parsed = await client.chat.completions.create(
            model='qwen/qwen3.8-27b', messages=USER, reasoning_format='parsed'
        )
        raw = await client.chat.completions.create(model='qwen/qwen3.8-27b', messages=USER, reasoning_format='raw')
        stream = await client.chat.completions.create(
            model='qwen/qwen3.8-27b', messages=USER, reasoning_format='hidden', stream=True
        )
        chunks = [chunk async for chunk in stream]
    assert (parsed.choices[0].message.content, parsed.choices[0].message.reasoning) == ('Sunny.', 'Check the sky.')
    assert (raw.choices[0].message.content, raw.choices[0].message.reasoning) == (
        '<think>Check the sky.</think>\n\nSunny.',
        None,
    )
    assert all(chunk.choices[0].delta.reasoning is None for chunk in chunks)
    assert ''.join(chunk.choices[0].delta.content or '' for chunk in chunks) == 'Sunny.'


# --- service tier -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('requested', 'reply_tier', 'reported'),
    [
        (None, None, 'on_demand'),
        ('flex', None, 'flex'),
        ('auto', None, 'on_demand'),
        ('performance', None, 'performance'),
        ('on_demand', None, 'on_demand'),
        ('flex', 'on_demand', 'on_demand'),
    ],
)
async def test_service_tier_is_echoed(requested: str | None, reply_tier: str | None, reported: str) -> None:
    emulator = GroqEmulator([Reply(text='ok', service_tier=reply_tier)])
    fields = {} if requested is None else {'service_tier': requested}
    assert (await post_chat(emulator, **fields)).json()['service_tier'] == reported


async def test_service_tier_through_sdk() -> None:
    emulator = GroqEmulator()
    async with emulator.client() as client:
        flex = await client.chat.completions.create(model=MODEL, messages=USER, service_tier='flex')
        auto = await client.chat.completions.create(model=MODEL, messages=USER, service_tier='auto')
    assert (flex.model_dump()['service_tier'], auto.model_dump()['service_tier']) == ('flex', 'on_demand')


# --- flex capacity ------------------------------------------------------------------------------


async def test_flex_capacity_exceeded() -> None:
    emulator = GroqEmulator([ErrorReply(498)])
    async with emulator.client() as client:
        with pytest.raises(groq.APIStatusError) as exc_info:
            await client.chat.completions.create(model=MODEL, messages=USER, service_tier='flex')
    assert exc_info.value.status_code == 498
    assert exc_info.value.body == snapshot(
        {
            'error': {
                'message': 'Flex tier capacity exceeded. The request was not processed, please try again later.',
                'type': 'capacity_exceeded',
                'code': 'capacity_exceeded',
            }
        }
    )


# --- decommissioned models ----------------------------------------------------------------------


async def test_decommissioned_model() -> None:
    card = next(card for card in DEFAULT_MODELS if card.id == 'gemma2-9b-it')
    assert (card.active, card.replacement) == (False, 'llama-3.1-8b-instant')
    emulator = GroqEmulator()
    async with emulator.client() as client:
        with pytest.raises(groq.BadRequestError) as exc_info:
            await client.chat.completions.create(model='gemma2-9b-it', messages=USER)
        listing = await client.models.list()
        retrieved = await client.models.retrieve('gemma2-9b-it')
    assert exc_info.value.body == snapshot(
        {
            'error': {
                'message': 'The model `gemma2-9b-it` has been decommissioned and is no longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.',
                'type': 'invalid_request_error',
                'code': 'model_decommissioned',
            }
        }
    )
    assert 'llama-3.1-8b-instant' not in json.dumps(exc_info.value.body)
    assert [model.id for model in listing.data] == [card.id for card in DEFAULT_MODELS if card.active]
    assert all(model.active for model in listing.data)
    assert retrieved.model_dump() == snapshot(
        {
            'id': 'gemma2-9b-it',
            'created': 1733447754,
            'object': 'model',
            'owned_by': '',
            'active': False,
            'context_window': None,
            'public_apps': None,
            'max_completion_tokens': None,
        }
    )
    assert emulator.served_count == 0


# --- rate-limit windows -------------------------------------------------------------------------


def test_rate_limit_windows_validation() -> None:
    assert RateLimitWindows() == RateLimitWindows(requests=None, tokens=None, window=60.0)
    with pytest.raises(ValueError, match='window must be positive, got 0'):
        RateLimitWindows(requests=1, window=0)
    with pytest.raises(ValueError, match='requests must be at least 1, got 0'):
        RateLimitWindows(requests=0)
    with pytest.raises(ValueError, match='tokens must be at least 1, got -5'):
        RateLimitWindows(tokens=-5)


async def test_request_window_refuses_then_refills() -> None:
    emulator, clock = windowed(RateLimitWindows(requests=2, window=60.0), [Reply(text='one'), Reply(text='two')])
    first = await post_chat(emulator)
    second = await post_chat(emulator, stream=True)
    clock.advance(29.88)
    refused = await post_chat(emulator, service_tier='flex')
    assert (first.status_code, second.status_code, refused.status_code) == (200, 200, 429)
    assert rate_headers(first) == snapshot(
        {
            'x-ratelimit-limit-requests': '2',
            'x-ratelimit-remaining-requests': '1',
            'x-ratelimit-reset-requests': '30s',
            'x-ratelimit-limit-tokens': '300000',
            'x-ratelimit-remaining-tokens': '299993',
            'x-ratelimit-reset-tokens': '10ms',
        }
    )
    assert rate_headers(second)['x-ratelimit-remaining-requests'] == '0'
    assert rate_headers(second)['x-ratelimit-reset-requests'] == '1m0s'
    assert rate_headers(refused) == snapshot(
        {
            'x-ratelimit-limit-requests': '2',
            'x-ratelimit-remaining-requests': '0',
            'x-ratelimit-reset-requests': '30.12s',
            'x-ratelimit-limit-tokens': '300000',
            'x-ratelimit-remaining-tokens': '300000',
            'x-ratelimit-reset-tokens': '0s',
            'retry-after': '1',
        }
    )
    assert refused.headers['content-type'] == 'application/json'
    assert refused.headers['x-request-id'] == REQUEST_ID
    assert refused.json() == snapshot(
        {
            'error': {
                'message': 'Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_emulator` service tier `flex` on requests per minute (RPM): Limit 2, Used 2, Requested 1. Please try again in 120ms. Need more requests? Upgrade to Dev Tier today at https://console.groq.com/settings/billing',
                'type': 'requests',
                'code': 'rate_limit_exceeded',
            }
        }
    )
    # The refused request used neither the script nor the window.
    assert (emulator.pending, emulator.served_count, emulator.rate_limited_count) == (0, 2, 1)
    clock.advance(0.12)
    third = await post_chat(emulator)
    assert (third.status_code, third.json()['choices'][0]['message']['content']) == (200, 'success (no tool calls)')
    assert rate_headers(third)['x-ratelimit-remaining-requests'] == '0'
    assert (emulator.served_count, emulator.rate_limited_count, len(emulator.requests)) == (3, 1, 4)


async def test_token_window() -> None:
    emulator, clock = windowed(
        RateLimitWindows(tokens=100, window=60.0),
        [Reply(text='a', usage=Usage(70, 20, cached_tokens=10)), ErrorReply(500), Reply(text='b')],
    )
    first = await post_chat(emulator)
    # The prompt's 6 words plus the 20 tokens it may generate do not fit in the 20 tokens left.
    refused = await post_chat(emulator, max_completion_tokens=20)
    too_large = await post_chat(emulator, max_tokens=200)
    failed = await post_chat(emulator)
    clock.advance(1.2)
    second = await post_chat(emulator)
    assert [r.status_code for r in (first, refused, too_large, failed, second)] == [200, 429, 413, 500, 200]
    assert rate_headers(first) == snapshot(
        {
            'x-ratelimit-limit-requests': '14400',
            'x-ratelimit-remaining-requests': '14399',
            'x-ratelimit-reset-requests': '10ms',
            'x-ratelimit-limit-tokens': '100',
            'x-ratelimit-remaining-tokens': '20',
            'x-ratelimit-reset-tokens': '48s',
        }
    )
    assert refused.json()['error'] == snapshot(
        {
            'message': 'Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_emulator` service tier `on_demand` on tokens per minute (TPM): Limit 100, Used 80, Requested 26. Please try again in 3.6s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing',
            'type': 'tokens',
            'code': 'rate_limit_exceeded',
        }
    )
    assert refused.headers['retry-after'] == '4'
    assert too_large.json()['error'] == snapshot(
        {
            'message': 'Request too large for model `llama-3.3-70b-versatile` in organization `org_emulator` service tier `on_demand` on tokens per minute (TPM): Limit 100, Requested 206, please reduce your message size and try again. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing',
            'type': 'tokens',
            'code': 'rate_limit_exceeded',
        }
    )
    assert 'retry-after' not in too_large.headers
    assert rate_headers(too_large)['x-ratelimit-remaining-tokens'] == '20'
    # A scripted error is let through the window (and uses a request) but takes no tokens.
    assert rate_headers(failed)['x-ratelimit-remaining-requests'] == '14398'
    assert rate_headers(failed)['x-ratelimit-remaining-tokens'] == '20'
    # 2 tokens came back in 1.2 s; the second reply's estimate (6 + 1) leaves 15.
    assert rate_headers(second)['x-ratelimit-remaining-tokens'] == '15'
    assert (emulator.served_count, emulator.rate_limited_count, emulator.pending) == (2, 1, 0)


async def test_token_debt_waits_for_the_refill() -> None:
    emulator, clock = windowed(RateLimitWindows(requests=10, tokens=50, window=10.0), [Reply(usage=Usage(90, 30))])
    assert (await post_chat(emulator)).status_code == 200
    refused = await post_chat(emulator)
    # 120 tokens taken from 50: the bucket owes 70 and needs 76 more for a 6-token prompt, at 5 per second.
    assert (refused.status_code, refused.headers['retry-after']) == (429, '16')
    assert 'Used 50, Requested 6. Please try again in 15.2s.' in refused.json()['error']['message']
    assert rate_headers(refused)['x-ratelimit-reset-tokens'] == '24s'
    clock.advance(15.2)
    assert (await post_chat(emulator)).status_code == 200
    assert (emulator.served_count, emulator.rate_limited_count) == (2, 1)


async def test_windows_report_on_every_response() -> None:
    emulator, clock = windowed(RateLimitWindows(requests=5, tokens=1000, window=1.0), [ErrorReply(503)])
    async with raw_client(emulator) as http:
        failed = await http.post(CHAT, json={'model': MODEL, 'messages': USER})
        clock.advance(0.5)
        models = await http.get('/openai/v1/models')
    assert rate_headers(failed) == snapshot(
        {
            'x-ratelimit-limit-requests': '5',
            'x-ratelimit-remaining-requests': '4',
            'x-ratelimit-reset-requests': '200ms',
            'x-ratelimit-limit-tokens': '1000',
            'x-ratelimit-remaining-tokens': '1000',
            'x-ratelimit-reset-tokens': '0s',
        }
    )
    assert rate_headers(models)['x-ratelimit-remaining-requests'] == '5'
    assert emulator.served_count == emulator.rate_limited_count == 0


async def test_rate_limited_through_sdk() -> None:
    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=1, window=60.0), clock=VirtualClock())
    async with emulator.client() as client:
        await client.chat.completions.create(model=MODEL, messages=USER)
        with pytest.raises(groq.RateLimitError) as exc_info:
            await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    error = exc_info.value
    assert error.status_code == 429
    assert error.body == {
        'error': {
            'message': IsStr(regex=r'Rate limit reached .* on requests per minute \(RPM\): Limit 1, Used 1, .*'),
            'type': 'requests',
            'code': 'rate_limit_exceeded',
        }
    }
    assert error.response.headers['retry-after'] == '60'
    assert (emulator.served_count, emulator.rate_limited_count) == (1, 1)


async def test_tiny_window_refills_in_compressed_time() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=3, window=0.2), clock=clock)
    async with raw_client(emulator) as http:
        burst = await asyncio.gather(*(http.post(CHAT, json={'model': MODEL, 'messages': USER}) for _ in range(10)))
        statuses = [response.status_code for response in burst]
        # The three the window holds are served; no time passes during the burst, so nothing refills.
        assert (statuses.count(200), statuses.count(429)) == (3, 7)
        assert (emulator.served_count, emulator.rate_limited_count) == (3, 7)
        clock.advance(0.25)
        after = await http.post(CHAT, json={'model': MODEL, 'messages': USER})
    assert after.status_code == 200
    assert after.headers['x-ratelimit-remaining-requests'] == '2'


def test_windows_hold_under_concurrent_load_over_a_socket() -> None:
    emulator = GroqEmulator(rate_limits=RateLimitWindows(requests=5, window=30.0))

    async def load(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url) as http:
            posts = (http.post(CHAT, json={'model': MODEL, 'messages': USER}) for _ in range(20))
            return [response.status_code for response in await asyncio.gather(*posts)]

    with emulator.serve() as url:
        statuses = asyncio.run(load(url))
    assert (statuses.count(200), statuses.count(429)) == (5, 15)
    assert (emulator.served_count, emulator.rate_limited_count) == (5, 15)


async def test_counters_without_windows() -> None:
    emulator = GroqEmulator([Reply(text='a'), ErrorReply(429), Reply(text='b')])
    for _ in range(3):
        await post_chat(emulator)
    assert (emulator.served_count, emulator.rate_limited_count) == (2, 0)


async def test_default_counters_refill_like_groqs() -> None:
    clock = VirtualClock()
    big = Reply(text='a', usage=Usage(99_990, 10))
    emulator = GroqEmulator([big] * 4, clock=clock)
    for _ in range(3):
        response = await post_chat(emulator)
    assert rate_headers(response) == snapshot(
        {
            'x-ratelimit-limit-requests': '14400',
            'x-ratelimit-remaining-requests': '14397',
            'x-ratelimit-reset-requests': '18s',
            'x-ratelimit-limit-tokens': '300000',
            'x-ratelimit-remaining-tokens': '0',
            'x-ratelimit-reset-tokens': '1m0s',
        }
    )
    clock.advance(60)  # a minute later the tokens are back, and the requests (10 a minute refill)
    assert rate_headers(await post_chat(emulator)) == snapshot(
        {
            'x-ratelimit-limit-requests': '14400',
            'x-ratelimit-remaining-requests': '14399',
            'x-ratelimit-reset-requests': '6s',
            'x-ratelimit-limit-tokens': '300000',
            'x-ratelimit-remaining-tokens': '200000',
            'x-ratelimit-reset-tokens': '20s',
        }
    )


async def test_a_limiter_on_the_default_emulator_does_not_stall() -> None:
    clock = VirtualClock()
    emulator = GroqEmulator([Reply(text='a', usage=Usage(99_990, 10))] * 9, clock=clock)
    limiter = GroqRateLimiter(clock=clock)
    model = GroqModel(MODEL, groq_client=emulator.client(), rate_limit=limiter, clock=clock)
    for _ in range(9):
        await model.request([ModelRequest.user_text_prompt('hi')], None, ModelRequestParameters())
    # Each spent minute of tokens (3 requests) pauses until the bucket is full again: 60 s, not ever longer.
    assert clock.slept == [60, 60]


async def test_the_emulator_keeps_the_last_requests_only() -> None:
    emulator = GroqEmulator(keep_requests=3)
    for index in range(5):
        await post_chat(emulator, user=f'u{index}')
    assert [body['user'] for body in emulator.requests] == ['u2', 'u3', 'u4']
    assert len(emulator.request_headers) == 3
    assert emulator.served_count == 5

    everything = GroqEmulator(keep_requests=None)
    default = GroqEmulator()
    async with raw_client(default) as http, raw_client(everything) as http_all:
        for _ in range(1_001):
            await http.post(CHAT, content=b'{"model": "llama-3.3-70b-versatile"}')
        for _ in range(3):
            await http_all.post(CHAT, content=b'{"model": "llama-3.3-70b-versatile"}')
    assert (len(default.requests), len(default.request_headers)) == (1_000, 1_000)
    assert len(everything.requests) == 3
    with pytest.raises(ValueError, match='keep_requests must be None or >= 0'):
        GroqEmulator(keep_requests=-1)


async def test_virtual_clock_wakes_sleepers_in_order_after_the_others_have_run() -> None:
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []
    ticks = 0

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    async def busy() -> None:
        nonlocal ticks
        for _ in range(50):  # work that takes real scheduling rounds, all at virtual time 0
            ticks += 1
            await anyio.lowlevel.checkpoint()
        woke.append(('busy', clock.now()))

    async with anyio.create_task_group() as group:
        group.start_soon(sleeper, 'early', 2.0)
        group.start_soon(sleeper, 'late', 5.0)  # waits for the earlier sleeper to move the time first
        group.start_soon(sleeper, 'middle', 3.0)
        group.start_soon(busy)
    assert woke == [('busy', 0.0), ('early', 2.0), ('middle', 3.0), ('late', 5.0)]
    assert (clock.slept, ticks) == ([2.0, 5.0, 3.0], 50)
    for bad in (-1.0, math.nan):
        with pytest.raises(ValueError, match='non-negative'):
            await clock.sleep(bad)
    clock.advance(1)
    assert clock.now() == 6.0


async def test_virtual_clock_waits_for_work_on_threads() -> None:
    clock = VirtualClock()
    release = threading.Event()
    seen: list[tuple[str, float]] = []

    async def in_thread() -> None:
        await anyio.to_thread.run_sync(release.wait)
        seen.append(('thread', clock.now()))

    async def sleeper() -> None:
        await clock.sleep(5)
        seen.append(('sleeper', clock.now()))

    timer = threading.Timer(0.5, release.set)  # however late the thread ends, the time waits for it
    async with anyio.create_task_group() as group:
        group.start_soon(in_thread)
        group.start_soon(sleeper)
        timer.start()
    assert seen == [('thread', 0.0), ('sleeper', 5.0)]


async def test_emulator_model() -> None:
    emulator = GroqEmulator()
    model = emulator.model('openai/gpt-oss-20b')
    assert model.model_name == 'openai/gpt-oss-20b'
    await model.client.close()
