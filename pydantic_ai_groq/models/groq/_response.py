"""Reading Groq chat completions: the wire shapes of a body and a stream chunk, and a whole body.

Bodies and chunks are validated by pydantic-core against lean `TypedDict`s of the fields we map
(one `TypeAdapter` each, built at import), so a value of the wrong type is refused with its field
and value named (`_errors.unreadable`) instead of failing somewhere later. The streamed
answer is read chunk by chunk in `_sse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal, cast

import pydantic
import pydantic_core
from typing_extensions import Required, TypedDict

from ..._response_parts import wire_tool_args
from ...exceptions import UnexpectedModelBehavior
from ...messages import (
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    FinishReason,
    ModelResponse,
    ModelResponsePart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    generate_tool_call_id,
)
from ...usage import RequestUsage
from ._errors import (
    unreadable,
)
from ._profiles import profile_for
from ._think_tags import split_think_tags

__all__ = (
    'CHUNK',
    'FINISH_REASONS',
    'Chunk',
    'ExecutedTool',
    'content_has_think_tags',
    'executed_tool_call',
    'executed_tool_result',
    'map_usage',
    'process_response',
    'response_details',
    'timestamp',
)

FINISH_REASONS: dict[str, FinishReason] = {
    'stop': 'stop',
    'length': 'length',
    'tool_calls': 'tool_call',
    'function_call': 'tool_call',
    'content_filter': 'content_filter',
}

_TIMINGS = ('queue_time', 'prompt_time', 'completion_time', 'total_time')
_CACHE_COUNTS: tuple[Literal['dram_cached_tokens', 'sram_cached_tokens'], ...] = (
    'dram_cached_tokens',
    'sram_cached_tokens',
)
# `name` and `server_label`: what a remote MCP call (type `mcp`) says about the tool it ran.
_TOOL_RESULT_FIELDS = ('output', 'search_results', 'code_results', 'browser_results', 'name', 'server_label')
MCP_LIST_TOOLS = 'mcp_list_tools'
"""The builtin tool name of the tools Groq found on a remote MCP server (`ChatCompletion.mcp_list_tools`)."""


# --- wire shapes -------------------------------------------------------------------------------
# Only the fields we map; Groq omits many (total=False) and sends `null` for others. Strict: a
# count that is a string or a text that is a number is refused, not coerced (validated with
# `strict=True`); extra fields are ignored.


class _Function(TypedDict, total=False):
    name: str | None
    arguments: str | None


class _ToolCallDelta(TypedDict, total=False):
    index: int
    id: str | None
    function: _Function | None


class _NamedFunction(TypedDict, total=False):
    name: Required[str]
    arguments: str | None


class _ToolCall(TypedDict, total=False):
    id: str | None
    function: Required[_NamedFunction]


class ExecutedTool(TypedDict, total=False):
    index: int
    type: str | None
    arguments: str | None
    output: Any
    search_results: Any
    code_results: Any
    browser_results: Any
    name: Any
    server_label: Any


class McpListTools(TypedDict, total=False):
    """One entry of `mcp_list_tools`: the tools Groq found on a remote MCP server."""

    id: str | None
    server_label: str | None
    tools: list[Any] | None


class _MessageFields(TypedDict, total=False):
    reasoning: str | None
    content: str | None
    executed_tools: list[ExecutedTool] | None
    annotations: list[Any] | None


class _Message(_MessageFields, total=False):
    tool_calls: list[_ToolCall] | None


class _Delta(_MessageFields, total=False):
    tool_calls: list[_ToolCallDelta] | None


class _Choice(TypedDict, total=False):
    message: Required[_Message]
    finish_reason: str | None


class _StreamChoice(TypedDict, total=False):
    delta: Required[_Delta]
    finish_reason: str | None


class _Details(TypedDict, total=False):
    reasoning_tokens: int | None
    cached_tokens: int | None


class _Usage(TypedDict, total=False):
    prompt_tokens: int | None
    completion_tokens: int | None
    completion_tokens_details: _Details | None
    prompt_tokens_details: _Details | None
    dram_cached_tokens: int | None
    sram_cached_tokens: int | None
    queue_time: float | None
    prompt_time: float | None
    completion_time: float | None
    total_time: float | None


class _XGroq(TypedDict, total=False):
    id: str | None
    usage: _Usage | None


class _CompletionFields(TypedDict, total=False):
    id: str | None
    model: str | None
    created: int | float | None
    service_tier: str | None
    system_fingerprint: str | None
    usage: _Usage | None
    x_groq: _XGroq | None
    mcp_list_tools: list[McpListTools] | None


class _Completion(_CompletionFields, total=False):
    choices: Required[list[_Choice]]


class Chunk(_CompletionFields, total=False):
    choices: list[_StreamChoice] | None
    error: Any


_COMPLETION = pydantic.TypeAdapter(_Completion)
CHUNK = pydantic.TypeAdapter(Chunk)


def process_response(
    data: bytes, model_name: str, rate_limit: Mapping[str, float], *, think_tags: bool = False
) -> ModelResponse:
    """A non-streamed chat completion as a `ModelResponse`, parsed and validated in one pass.

    Args:
        data: The body's bytes.
        model_name: The model asked for (the body's `model` wins).
        rate_limit: The response's parsed `x-ratelimit-*` headers (`parse_rate_limit_headers`).
        think_tags: Split a leading `<think>` block out of the content (see `content_has_think_tags`).

    Raises:
        UnexpectedModelBehavior: When the body is not a chat completion.
    """
    try:
        body = _COMPLETION.validate_json(data, strict=True)
    except pydantic.ValidationError as e:
        text = data.decode(errors='replace')
        if any(error['type'] == 'json_invalid' for error in e.errors()):
            raise UnexpectedModelBehavior('Groq sent a response body that is not JSON', text) from e
        raise unreadable('chat completion', e, text) from e
    if not body['choices']:
        raise UnexpectedModelBehavior(
            'Groq sent a chat completion this client cannot read (choices is an empty list)',
            pydantic_core.to_json(pydantic_core.from_json(data)).decode(),  # compact; parsed again only here
        )
    choice = body['choices'][0]
    message = choice['message']
    details = response_details(body, rate_limit)
    x_groq = body.get('x_groq') or {}
    usage = map_usage(body.get('usage'), x_groq.get('usage'), details)
    if annotations := message.get('annotations'):
        details['citations'] = annotations
    raw_finish_reason = choice.get('finish_reason')
    if raw_finish_reason:
        details['finish_reason'] = raw_finish_reason
    listed = [
        part
        for index, entry in enumerate(body.get('mcp_list_tools') or ())
        for part in mcp_list_tools_parts(entry, index)
    ]
    return ModelResponse(
        parts=[*listed, *_message_parts(message, think_tags)],
        usage=usage,
        model_name=body.get('model') or model_name,
        timestamp=timestamp(body.get('created')),
        finish_reason=FINISH_REASONS.get(raw_finish_reason) if raw_finish_reason else None,
        provider_response_id=body.get('id'),
        provider_details=details or None,
    )


def _message_parts(message: _Message, think_tags: bool) -> list[ModelResponsePart]:
    parts: list[ModelResponsePart] = []
    if reasoning := message.get('reasoning'):
        parts.append(ThinkingPart(reasoning))
    for executed in message.get('executed_tools') or ():
        parts.extend(_executed_tool_parts(executed))
    if content := message.get('content'):
        parts.extend(_content_parts(content, think_tags))
    for tool_call in message.get('tool_calls') or ():
        function = tool_call['function']
        call_id = tool_call.get('id') or generate_tool_call_id()
        parts.append(ToolCallPart(function['name'], wire_tool_args(function.get('arguments')), call_id))
    return parts


def _content_parts(content: str, think_tags: bool) -> list[ModelResponsePart]:
    if not think_tags:
        return [TextPart(content)]
    return [ThinkingPart(text) if kind == 'thinking' else TextPart(text) for kind, text in split_think_tags(content)]


def content_has_think_tags(model_name: str, reasoning_format: object) -> bool:
    """Whether the content may open with a `<think>` block to split out as thinking.

    So it does with `reasoning_format='raw'`, and with no `reasoning_format` on the families
    whose default is raw (`GroqModelProfile.raw_think_tags`); never on other models, whose
    answers may mention the tag as text.
    """
    if reasoning_format == 'raw':
        return True
    return reasoning_format is None and profile_for(model_name).raw_think_tags


def _executed_tool_parts(executed: ExecutedTool) -> list[ModelResponsePart]:
    call = executed_tool_call(executed)
    result = executed_tool_result(executed, call.tool_call_id)
    return [call] if result is None else [call, result]


def executed_tool_call(executed: ExecutedTool) -> BuiltinToolCallPart:
    # Executed tools carry no id; their index is stable within the response.
    return BuiltinToolCallPart(
        executed.get('type') or 'unknown',
        wire_tool_args(executed.get('arguments')),
        f'executed_tool_{executed.get("index", 0)}',
    )


def executed_tool_result(executed: ExecutedTool, tool_call_id: str) -> BuiltinToolReturnPart | None:
    found = cast(Mapping[str, Any], executed)
    content = {key: found[key] for key in _TOOL_RESULT_FIELDS if found.get(key) is not None}
    if not content:
        return None
    return BuiltinToolReturnPart(executed.get('type') or 'unknown', content, tool_call_id)


def mcp_list_tools_parts(entry: McpListTools, index: int) -> tuple[BuiltinToolCallPart, BuiltinToolReturnPart]:
    """The call and return parts of one `mcp_list_tools` entry: Groq listed a remote MCP server's tools."""
    call_id = entry.get('id') or f'{MCP_LIST_TOOLS}_{index}'
    label = entry.get('server_label')
    content = {'server_label': label, 'tools': entry.get('tools') or []}
    return (
        BuiltinToolCallPart(MCP_LIST_TOOLS, {'server_label': label}, call_id),
        BuiltinToolReturnPart(MCP_LIST_TOOLS, content, call_id),
    )


def timestamp(created: object) -> datetime:
    """Groq's `created` as an aware datetime (now when absent).

    Raises:
        UnexpectedModelBehavior: A number no date can have (NaN, or years out of range).
    """
    if isinstance(created, int | float) and not isinstance(created, bool):
        try:
            return datetime.fromtimestamp(created, tz=timezone.utc)
        except (OverflowError, ValueError, OSError) as e:
            raise UnexpectedModelBehavior(f'Groq sent a `created` timestamp that is not a date: {created!r}') from e
    return datetime.now(tz=timezone.utc)


def response_details(data: _CompletionFields, rate_limit: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Groq extras: request id, service tier, fingerprint, and the rate-limit headers (parsed by the sender)."""
    details: dict[str, Any] = {}
    x_groq = data.get('x_groq')
    if x_groq and (request_id := x_groq.get('id')):
        details['x_groq_id'] = request_id
    if service_tier := data.get('service_tier'):
        details['service_tier'] = service_tier
    if fingerprint := data.get('system_fingerprint'):
        details['system_fingerprint'] = fingerprint
    if rate_limit:
        details['rate_limit'] = dict(rate_limit)
    return details


def map_usage(usage: _Usage | None, x_groq_usage: _Usage | None, details: dict[str, Any]) -> RequestUsage:
    """Token counts into `RequestUsage`; Groq's timings into `details` (provider details)."""
    usage = usage or x_groq_usage
    if not usage:
        return RequestUsage()
    counts: dict[str, int] = {}
    completion_details = usage.get('completion_tokens_details') or {}
    if (reasoning := completion_details.get('reasoning_tokens')) is not None:
        counts['reasoning_tokens'] = reasoning
    for source in (x_groq_usage, usage):
        if source:
            for key in _CACHE_COUNTS:
                if key not in counts and (value := source.get(key)) is not None:
                    counts[key] = value
    found = cast(Mapping[str, Any], usage)
    for key in _TIMINGS:
        if (value := found.get(key)) is not None:
            details[key] = value
    prompt_details = usage.get('prompt_tokens_details') or {}
    return RequestUsage(
        input_tokens=usage.get('prompt_tokens') or 0,
        output_tokens=usage.get('completion_tokens') or 0,
        details=counts,
        cache_read_tokens=prompt_details.get('cached_tokens') or 0,
    )
