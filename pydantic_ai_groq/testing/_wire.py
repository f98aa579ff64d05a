"""Groq's wire format: completion bodies, stream chunks, server-sent events and error bodies."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ._json import as_array, as_object, dumps_compact, message_text, word_count
from ._replies import ExecutedToolReply, Reply, ToolCallReply, Usage

__all__ = (
    'SSE_DONE',
    'SSE_MALFORMED',
    'Completion',
    'WireToolCall',
    'completion_json',
    'default_error_json',
    'error_json',
    'estimate_prompt_tokens',
    'estimate_usage',
    'new_request_id',
    'resolve',
    'service_tier',
    'sse_data',
    'sse_error',
    'stream_chunks',
)

SSE_DONE = b'data: [DONE]\n\n'
SSE_MALFORMED = b'data: {not json\n\n'

# Groq request ids are ULIDs: 26 characters of Crockford's base32, lower-cased.
_ULID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
_WORD_PIECE = re.compile(r'\s*\S+\s*')
_PHRASES = {status.value: status.phrase for status in HTTPStatus}

# status -> (message, type, code); `{model}` is filled with the requested model.
_DEFAULT_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ('The request could not be processed.', 'invalid_request_error', 'bad_request'),
    401: ('Invalid API Key', 'invalid_request_error', 'invalid_api_key'),
    403: ('Access denied. Please check your network settings.', 'permission_error', 'permission_denied'),
    404: (
        'The model `{model}` does not exist or you do not have access to it.',
        'invalid_request_error',
        'model_not_found',
    ),
    413: ('Request Entity Too Large', 'invalid_request_error', 'request_too_large'),
    422: ('Unprocessable Entity', 'invalid_request_error', 'unprocessable_entity'),
    429: (
        'Rate limit reached for model `{model}` in organization `org_emulator` service tier `on_demand` '
        'on tokens per minute (TPM): Limit 300000, Used 299500, Requested 1200. Please try again in 2s. '
        'Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing',
        'tokens',
        'rate_limit_exceeded',
    ),
    # Groq's custom status for the flex service tier at capacity: it fails fast, to be retried later.
    498: (
        'Flex tier capacity exceeded. The request was not processed, please try again later.',
        'capacity_exceeded',
        'capacity_exceeded',
    ),
    500: ('Internal Server Error', 'internal_server_error', 'internal_server_error'),
    502: ('Bad Gateway', 'api_error', 'bad_gateway'),
    503: ('Service Unavailable', 'internal_server_error', 'service_unavailable'),
}


@dataclass(frozen=True)
class WireToolCall:
    """A tool call with its id chosen and its arguments serialised."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Completion:
    """A `Reply` with every default filled in, ready to be written as one body or as stream chunks."""

    id: str
    created: int
    model: str
    system_fingerprint: str
    service_tier: str
    request_id: str
    text: str | None
    reasoning: str | None
    tool_calls: tuple[WireToolCall, ...]
    executed_tools: tuple[dict[str, Any], ...]
    mcp_list_tools: tuple[dict[str, Any], ...]
    annotations: tuple[dict[str, Any], ...]
    finish_reason: str
    usage: Usage
    chunk_size: int | None


def new_request_id() -> str:
    """Return a Groq-style request id, as sent in `x_groq.id` and `x-request-id`."""
    # The first two characters of a current ULID timestamp are always `01`.
    return 'req_01' + ''.join(secrets.choice(_ULID_ALPHABET) for _ in range(24))


def resolve(reply: Reply, request: Mapping[str, Any]) -> Completion:
    """Fill in the defaults of `reply` for the chat completions request body `request`.

    The request's `reasoning_format` and `include_reasoning` decide where the reasoning goes; the usage
    is estimated from the reply as the model wrote it, so reasoning tokens count even when hidden.
    """
    tool_calls = tuple(_wire_tool_call(call) for call in reply.tool_calls)
    model = request.get('model')
    text, reasoning = _format_reasoning(reply.text, reply.reasoning, request)
    return Completion(
        id=reply.id or f'chatcmpl-{uuid.uuid4()}',
        created=int(time.time()) if reply.created is None else reply.created,
        model=reply.model or (model if isinstance(model, str) else ''),
        system_fingerprint=reply.system_fingerprint,
        service_tier=reply.service_tier or service_tier(request),
        request_id=new_request_id(),
        text=text,
        reasoning=reasoning,
        tool_calls=tool_calls,
        executed_tools=tuple(_executed_tool_json(index, tool) for index, tool in enumerate(reply.executed_tools)),
        mcp_list_tools=tuple(dict(entry) for entry in reply.mcp_list_tools),
        annotations=tuple(dict(annotation) for annotation in reply.annotations),
        finish_reason=reply.finish_reason or ('tool_calls' if tool_calls else 'stop'),
        usage=reply.usage or estimate_usage(request, reply.text, reply.reasoning, tool_calls),
        chunk_size=reply.chunk_size,
    )


def service_tier(request: Mapping[str, Any]) -> str:
    """Return the service tier Groq reports for `request`: the one asked for, with `auto` as `on_demand`."""
    tier = request.get('service_tier')
    return tier if isinstance(tier, str) and tier != 'auto' else 'on_demand'


def estimate_prompt_tokens(request: Mapping[str, Any]) -> int:
    """Estimate the prompt tokens of a request: one per word of the messages, one per four characters of tools."""
    prompt_words = sum(
        word_count(message_text(as_object(message).get('content'))) for message in as_array(request.get('messages'))
    )
    tools = request.get('tools')
    tool_tokens = len(dumps_compact(tools)) // 4 if tools else 0
    return max(1, prompt_words + tool_tokens)


def estimate_usage(
    request: Mapping[str, Any], text: str | None, reasoning: str | None, tool_calls: Sequence[WireToolCall]
) -> Usage:
    """Estimate token usage: one token per word, and one per four characters of JSON."""
    argument_tokens = sum(len(call.arguments) for call in tool_calls) // 4
    reasoning_words = word_count(reasoning)
    return Usage(
        prompt_tokens=estimate_prompt_tokens(request),
        completion_tokens=max(1, word_count(text) + reasoning_words + argument_tokens),
        reasoning_tokens=None if reasoning is None else reasoning_words,
    )


def completion_json(completion: Completion) -> dict[str, Any]:
    """Return the non-streamed `chat.completion` body."""
    message: dict[str, Any] = {'role': 'assistant'}
    # Groq leaves `content` out of pure tool-call messages.
    if completion.text is not None or not completion.tool_calls:
        message['content'] = completion.text or ''
    if completion.reasoning is not None:
        message['reasoning'] = completion.reasoning
    if completion.executed_tools:
        message['executed_tools'] = list(completion.executed_tools)
    if completion.annotations:
        message['annotations'] = list(completion.annotations)
    if completion.tool_calls:
        message['tool_calls'] = [
            {'id': call.id, 'type': 'function', 'function': {'name': call.name, 'arguments': call.arguments}}
            for call in completion.tool_calls
        ]
    x_groq: dict[str, Any] = {'id': completion.request_id}
    if _x_groq_cache(completion.usage):
        x_groq['usage'] = _x_groq_usage(completion.usage)
    listed = {'mcp_list_tools': list(completion.mcp_list_tools)} if completion.mcp_list_tools else {}
    return {
        **listed,
        'id': completion.id,
        'object': 'chat.completion',
        'created': completion.created,
        'model': completion.model,
        'choices': [{'index': 0, 'message': message, 'logprobs': None, 'finish_reason': completion.finish_reason}],
        'usage': _usage_json(completion.usage),
        'usage_breakdown': None,
        'system_fingerprint': completion.system_fingerprint,
        'x_groq': x_groq,
        'service_tier': completion.service_tier,
    }


def stream_chunks(completion: Completion) -> list[dict[str, Any]]:
    """Return the `chat.completion.chunk` payloads of a stream, the finish chunk last.

    Deltas come in this order: the role, the reasoning, the executed tools (each as its call, then as the
    whole entry with the same `index` once it has run), the content, the annotations in one delta, and the
    tool calls.
    """
    size = completion.chunk_size
    deltas: list[dict[str, Any]] = [{'role': 'assistant', 'content': ''}]
    deltas += [{'reasoning': piece, 'channel': 'analysis'} for piece in _pieces(completion.reasoning, size)]
    for tool in completion.executed_tools:
        call = {key: tool[key] for key in ('index', 'type', 'arguments')}
        deltas += [{'executed_tools': [call]}, {'executed_tools': [tool]}]
    deltas += [{'content': piece} for piece in _pieces(completion.text, size)]
    if completion.annotations:
        deltas.append({'annotations': list(completion.annotations)})
    for index, call in enumerate(completion.tool_calls):
        # Unlike text, arguments are sent whole unless a chunk size asks for fragments.
        first, *rest = (_pieces(call.arguments, size) if size else []) or [call.arguments]
        function = {'name': call.name, 'arguments': first}
        deltas.append({'tool_calls': [{'index': index, 'id': call.id, 'type': 'function', 'function': function}]})
        deltas += [{'tool_calls': [{'index': index, 'function': {'arguments': piece}}]} for piece in rest]
    chunks = [_chunk(completion, delta, None) for delta in deltas]
    chunks[0]['x_groq'] = {'id': completion.request_id}
    if completion.mcp_list_tools:
        # Where a stream carries it is not recorded; the first chunk is where Groq puts what precedes the answer.
        chunks[0]['mcp_list_tools'] = list(completion.mcp_list_tools)
    final = _chunk(completion, {}, completion.finish_reason)
    final['x_groq'] = {'id': completion.request_id, 'usage': _x_groq_usage(completion.usage)}
    final['usage'] = _usage_json(completion.usage)
    chunks.append(final)
    return chunks


def sse_data(payload: Mapping[str, Any]) -> bytes:
    """Encode one server-sent event carrying `payload` as JSON."""
    return f'data: {dumps_compact(payload)}\n\n'.encode()


def sse_error(error: Mapping[str, Any]) -> bytes:
    """Encode the `event: error` Groq sends when a stream fails midway."""
    return f'event: error\ndata: {dumps_compact({"error": error})}\n\n'.encode()


def error_json(
    message: str, *, code: str | None, error_type: str = 'invalid_request_error', **extra: Any
) -> dict[str, Any]:
    """Return a Groq error body: `{"error": {"message", "type", "code", ...}}`."""
    return {'error': {'message': message, 'type': error_type, 'code': code, **extra}}


def default_error_json(status: int, model: str) -> dict[str, Any]:
    """Return the error body Groq typically sends with `status` for a request for `model`."""
    phrase = _PHRASES.get(status, 'Unknown Error')
    message, error_type, code = _DEFAULT_ERRORS.get(status, (phrase, 'api_error', phrase.lower().replace(' ', '_')))
    return error_json(message.format(model=model), code=code, error_type=error_type)


def _format_reasoning(
    text: str | None, reasoning: str | None, request: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """Apply the request's `reasoning_format` (else `include_reasoning`): return the content and reasoning to send."""
    if reasoning is None:
        return text, None
    reasoning_format = request.get('reasoning_format')
    if reasoning_format == 'raw':
        return f'<think>{reasoning}</think>\n\n{text or ""}', None
    if reasoning_format == 'hidden' or (reasoning_format is None and request.get('include_reasoning') is False):
        return text, None
    return text, reasoning


def _executed_tool_json(index: int, tool: ExecutedToolReply) -> dict[str, Any]:
    arguments = tool.arguments if isinstance(tool.arguments, str) else dumps_compact(tool.arguments)
    entry: dict[str, Any] = {'index': index, 'type': tool.type, 'arguments': arguments}
    if tool.output is not None:
        entry['output'] = tool.output
    if tool.search_results is not None:
        entry['search_results'] = dict(tool.search_results)
    if tool.code_results is not None:
        entry['code_results'] = [dict(result) for result in tool.code_results]
    if tool.browser_results is not None:
        entry['browser_results'] = [dict(result) for result in tool.browser_results]
    for key, value in (('name', tool.name), ('server_label', tool.server_label)):
        if value is not None:
            entry[key] = value
    return entry


def _wire_tool_call(call: ToolCallReply) -> WireToolCall:
    arguments = call.arguments if isinstance(call.arguments, str) else dumps_compact(call.arguments)
    return WireToolCall(id=call.id or f'call_{secrets.token_hex(12)}', name=call.name, arguments=arguments)


def _pieces(text: str | None, size: int | None) -> list[str]:
    """Split text into stream deltas: `size` characters each, or one word with its trailing whitespace."""
    if not text:
        return []
    if size is not None:
        return [text[start : start + size] for start in range(0, len(text), size)]
    # Leading whitespace joins the first word; whitespace-only text stays one piece.
    return _WORD_PIECE.findall(text) or [text]


def _chunk(completion: Completion, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        'id': completion.id,
        'object': 'chat.completion.chunk',
        'created': completion.created,
        'model': completion.model,
        'system_fingerprint': completion.system_fingerprint,
        'choices': [{'index': 0, 'delta': delta, 'logprobs': None, 'finish_reason': finish_reason}],
    }


def _usage_json(usage: Usage) -> dict[str, Any]:
    result: dict[str, Any] = {
        'queue_time': usage.queue_time,
        'prompt_tokens': usage.prompt_tokens,
        'prompt_time': usage.prompt_time,
        'completion_tokens': usage.completion_tokens,
        'completion_time': usage.completion_time,
        'total_tokens': usage.total_tokens,
        'total_time': usage.prompt_time + usage.completion_time,
    }
    if usage.reasoning_tokens is not None:
        result['completion_tokens_details'] = {'reasoning_tokens': usage.reasoning_tokens}
    if usage.cached_tokens is not None:
        result['prompt_tokens_details'] = {'cached_tokens': usage.cached_tokens}
    return result


def _x_groq_cache(usage: Usage) -> dict[str, int]:
    """Groq's on-chip cache counters, which only appear under `x_groq.usage`."""
    counters = {'dram_cached_tokens': usage.dram_cached_tokens, 'sram_cached_tokens': usage.sram_cached_tokens}
    return {name: value for name, value in counters.items() if value is not None}


def _x_groq_usage(usage: Usage) -> dict[str, Any]:
    return {**_usage_json(usage), **_x_groq_cache(usage)}
