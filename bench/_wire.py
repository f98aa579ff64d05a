"""Canned Groq replies as bytes, shaped like recorded Groq traffic.

Streams are `data: {...}\\n\\n` events: the first chunk's delta is `{"role":"assistant","content":""}`
and carries `x_groq.id`; the last has an empty delta, the `finish_reason`, and usage both in
`x_groq.usage` and in `usage`; then `data: [DONE]`.

Every builder returns a `Canned`: the body plus what a correct reader must get out of it,
so benchmarks can check both contenders before timing them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

__all__ = ('MODEL', 'Canned', 'completion_json', 'text_stream', 'tool_call_stream')

MODEL = 'llama-3.3-70b-versatile'
_ID = 'chatcmpl-5f0b6a57-1c2d-4e8f-9a3b-0d7c6e5f4a21'
_REQUEST_ID = 'req_01jbench0000000000000000000'
_CREATED = 1771438841
_FINGERPRINT = 'fp_c82faf3ca0'
_TOOL_CALL_ID = 'fc_299e8414-9e94-4d9c-bd06-c096f8919768'
_PROMPT_TOKENS = 57

_TEXT = (
    'the quick brown fox jumps over a lazy dog while Groq streams tokens at speed and every '
    'chunk carries one small piece of text , which the client must parse , map and hand on .'
)
_WORDS = _TEXT.split()


@dataclass(frozen=True)
class Canned:
    """A reply body and what reading it must yield.

    Attributes:
        body: The HTTP response body.
        content_type: Its media type.
        text: The assistant text, or `None` when there is none.
        tool_name: The called tool, when the reply is a tool call.
        tool_args: The tool call's arguments (JSON text), when the reply is a tool call.
        tool_call_id: The tool call's id, when the reply is a tool call.
        prompt_tokens: Usage: prompt tokens.
        completion_tokens: Usage: completion tokens.
        finish_reason: Groq's raw finish reason.
        events: Number of SSE `data:` events (0 for a non-streamed reply), `[DONE]` included.
    """

    body: bytes
    content_type: str
    text: str | None
    tool_name: str | None
    tool_args: str | None
    tool_call_id: str | None
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    events: int


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=False)


def _tokens(n: int) -> list[str]:
    """`n` text tokens the way Groq streams them: a word with its leading space."""
    return [(' ' if i else '') + _WORDS[(i * 7) % len(_WORDS)] for i in range(n)]


def _usage(completion_tokens: int) -> dict[str, Any]:
    return {
        'queue_time': 0.005354561,
        'prompt_tokens': _PROMPT_TOKENS,
        'prompt_time': 0.016828877,
        'completion_tokens': completion_tokens,
        'completion_time': 0.379143995,
        'total_tokens': _PROMPT_TOKENS + completion_tokens,
        'total_time': 0.395972872,
    }


def _chunk(delta: dict[str, Any], *, finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        'id': _ID,
        'object': 'chat.completion.chunk',
        'created': _CREATED,
        'model': MODEL,
        'system_fingerprint': _FINGERPRINT,
        'choices': [{'index': 0, 'delta': delta, 'logprobs': None, 'finish_reason': finish_reason}],
        **extra,
    }


def _sse(chunks: list[dict[str, Any]]) -> bytes:
    return ''.join(f'data: {_dumps(chunk)}\n\n' for chunk in chunks).encode() + b'data: [DONE]\n\n'


def _stream(middle: list[dict[str, Any]], finish_reason: str, completion_tokens: int) -> list[dict[str, Any]]:
    usage = _usage(completion_tokens)
    first = _chunk({'role': 'assistant', 'content': ''}, x_groq={'id': _REQUEST_ID})
    last = _chunk({}, finish_reason=finish_reason, x_groq={'id': _REQUEST_ID, 'usage': usage}, usage=usage)
    return [first, *middle, last]


def completion_json(n_tokens: int = 200) -> Canned:
    """A non-streamed chat completion whose answer is `n_tokens` words long."""
    text = ''.join(_tokens(n_tokens))
    body = {
        'id': _ID,
        'object': 'chat.completion',
        'created': _CREATED,
        'model': MODEL,
        'choices': [
            {
                'index': 0,
                'message': {'role': 'assistant', 'content': text},
                'logprobs': None,
                'finish_reason': 'stop',
            }
        ],
        'usage': _usage(n_tokens),
        'usage_breakdown': None,
        'system_fingerprint': _FINGERPRINT,
        'x_groq': {'id': _REQUEST_ID, 'seed': 948025449},
        'service_tier': 'on_demand',
    }
    return Canned(
        body=_dumps(body).encode(),
        content_type='application/json',
        text=text,
        tool_name=None,
        tool_args=None,
        tool_call_id=None,
        prompt_tokens=_PROMPT_TOKENS,
        completion_tokens=n_tokens,
        finish_reason='stop',
        events=0,
    )


def text_stream(n_chunks: int = 2000) -> Canned:
    """A streamed text answer: `n_chunks` chunks in all (role chunk, text chunks, final chunk)."""
    tokens = _tokens(n_chunks - 2)
    chunks = _stream([_chunk({'content': token}) for token in tokens], 'stop', len(tokens))
    return Canned(
        body=_sse(chunks),
        content_type='text/event-stream',
        text=''.join(tokens),
        tool_name=None,
        tool_args=None,
        tool_call_id=None,
        prompt_tokens=_PROMPT_TOKENS,
        completion_tokens=len(tokens),
        finish_reason='stop',
        events=len(chunks) + 1,
    )


def tool_call_stream(n_fragments: int = 200) -> Canned:
    """A streamed tool call whose JSON arguments arrive in `n_fragments` pieces after the name."""
    args = _dumps({'city': 'Mexico City', 'country': 'Mexico', 'notes': ''.join(_tokens(n_fragments * 2))})
    cuts = [len(args) * i // n_fragments for i in range(n_fragments + 1)]
    fragments = [args[a:b] for a, b in itertools.pairwise(cuts)]
    assert len(fragments) == n_fragments and all(fragments), 'arguments too short for that many fragments'
    head = {
        'index': 0,
        'id': _TOOL_CALL_ID,
        'type': 'function',
        'function': {'name': 'final_result', 'arguments': ''},
    }
    middle = [_chunk({'tool_calls': [head]})]
    middle += [_chunk({'tool_calls': [{'index': 0, 'function': {'arguments': f}}]}) for f in fragments]
    chunks = _stream(middle, 'tool_calls', n_fragments + 1)
    return Canned(
        body=_sse(chunks),
        content_type='text/event-stream',
        text=None,
        tool_name='final_result',
        tool_args=args,
        tool_call_id=_TOOL_CALL_ID,
        prompt_tokens=_PROMPT_TOKENS,
        completion_tokens=n_fragments + 1,
        finish_reason='tool_calls',
        events=len(chunks) + 1,
    )
