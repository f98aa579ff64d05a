"""Whatever Groq's side sends, only this package's errors reach the caller (docs/errors.md).

Hostile bodies and event streams are served as raw bytes through the real `groq` SDK to a
whole agent run, so a bad value that would only break later (usage sums, parts, retries)
is caught too.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
from typing import Any

import anyio
from _raw_server import raw_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import AgentGroqError
from pydantic_ai_groq.models.groq import GroqModel

_USAGE: dict[str, Any] = {
    'prompt_tokens': 3,
    'completion_tokens': 2,
    'completion_tokens_details': {'reasoning_tokens': 1},
    'prompt_tokens_details': {'cached_tokens': 0},
    'queue_time': 0.1,
}
_TOOL_CALL: dict[str, Any] = {
    'index': 0,
    'id': 'call_1',
    'type': 'function',
    'function': {'name': 'f', 'arguments': '{"x": 1}'},
}
_EXECUTED: dict[str, Any] = {'index': 0, 'type': 'search', 'arguments': '{"q": "x"}', 'output': 'found'}
_MESSAGE: dict[str, Any] = {
    'role': 'assistant',
    'content': '<think>hm</think>Hi',
    'reasoning': 'think',
    'tool_calls': [_TOOL_CALL],
    'executed_tools': [_EXECUTED],
    'annotations': [{'type': 'citation'}],
}
COMPLETION: dict[str, Any] = {
    'id': 'chatcmpl-1',
    'object': 'chat.completion',
    'created': 1756843265,
    'model': 'qwen/qwen3-32b',
    'choices': [{'index': 0, 'message': _MESSAGE, 'finish_reason': 'stop'}],
    'usage': _USAGE,
    'x_groq': {'id': 'req_1', 'usage': _USAGE},
    'service_tier': 'on_demand',
}
CHUNKS: list[dict[str, Any]] = [
    {**COMPLETION, 'choices': [{'index': 0, 'delta': {'role': 'assistant', 'reasoning': 'think'}}]},
    {**COMPLETION, 'choices': [{'index': 0, 'delta': {'content': '<think>hm</think>Hi'}}]},
    {**COMPLETION, 'choices': [{'index': 0, 'delta': {'tool_calls': [_TOOL_CALL], 'executed_tools': [_EXECUTED]}}]},
    {**COMPLETION, 'choices': [{'index': 0, 'delta': {'annotations': [{}]}, 'finish_reason': 'tool_calls'}]},
    {'id': 'chatcmpl-1', 'choices': [], 'x_groq': {'id': 'req_1', 'usage': _USAGE}, 'usage': _USAGE},
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.extend(_paths(item, (*prefix, key)))
    return found


@st.composite
def hostile(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    """`valid` with a few values anywhere in it replaced by any JSON value, or removed."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    value = copy.deepcopy(valid)
    paths = _paths(valid)
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        parent: Any = value
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()):
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            pass  # an earlier replacement took this path away
    return value


def _agent(model: GroqModel) -> Agent[None, str]:
    agent = Agent(model, retries=2)

    @agent.tool_plain
    def f(x: int = 0) -> str:  # pyright: ignore[reportUnusedFunction]
        return str(x)

    return agent


def _only_ours(main: Any) -> None:
    # Any other exception fails the test; ours are expected for most hostile inputs.
    with contextlib.suppress(AgentGroqError):
        anyio.run(main)


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(
    st.one_of(hostile(COMPLETION).map(lambda body: json.dumps(body).encode()), st.binary(max_size=40)),
    st.sampled_from(['application/json', 'text/html', 'text/event-stream']),
)
def test_hostile_bodies_raise_only_our_errors(body: bytes, content_type: str):
    async def main() -> None:
        model = raw_model([body], content_type=content_type, model_name='qwen/qwen3-32b')
        try:
            await _agent(model).run('hi')
        finally:
            await model.client.close()

    _only_ours(main)


_framing = st.sampled_from(['data: ', 'data:', 'event: error\ndata: ', 'event: ping\ndata: ', ': c\ndata: '])


@st.composite
def hostile_streams(draw: st.DrawFn) -> list[bytes]:
    """Mutated chunks in varied framing, line endings, [DONE]s and garbage, cut at random places."""
    parts: list[str] = []
    for valid in draw(st.lists(st.sampled_from(CHUNKS), max_size=6)):
        payload = json.dumps(draw(hostile(valid))) if draw(st.integers(0, 5)) else draw(st.text(max_size=8))
        parts.append(draw(_framing) + payload + '\n\n')
        if draw(st.integers(0, 7)) == 0:
            parts.append(draw(st.sampled_from(['data: [DONE]\n\n', 'event: error\n\n', 'data: {"error": 1}\n\n'])))
    text = ''.join(parts).replace('\n', draw(st.sampled_from(['\n', '\r', '\r\n'])))
    raw = text.encode() + draw(st.binary(max_size=6))
    cuts = sorted({min(point, len(raw)) for point in draw(st.lists(st.integers(0, 2000), max_size=6))})
    return [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]


@_FUZZ
@given(hostile_streams(), st.sampled_from(['text/event-stream', 'application/json']), st.integers(0, 9))
def test_hostile_streams_raise_only_our_errors(chunks: list[bytes], content_type: str, encoding: int):
    headers: list[tuple[str, str]] = []
    if encoding == 0:  # declared gzip: half the time it is not
        headers.append(('content-encoding', 'gzip'))
        if chunks and chunks[0][:1] == b'd':
            chunks = [gzip.compress(b''.join(chunks))]

    async def main() -> None:
        model = raw_model(chunks, content_type=content_type, headers=headers, model_name='qwen/qwen3-32b')
        try:
            async with _agent(model).run_stream_events('hi') as events:
                async for _ in events:
                    pass
        finally:
            await model.client.close()

    _only_ours(main)
