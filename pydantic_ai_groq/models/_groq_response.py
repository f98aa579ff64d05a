"""Reading Groq chat completions: a whole JSON body, or server-sent events one chunk at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx
import pydantic_core

from .._think_tags import Segment, ThinkTagSplitter, split_think_tags
from ..exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, error_object
from ..messages import (
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    FinishReason,
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    generate_tool_call_id,
    wire_tool_args,
)
from ..rate_limit import parse_rate_limit_headers
from ..usage import RequestUsage
from . import StreamedResponse

__all__ = ('RECOVERABLE_ERRORS', 'GroqStreamedResponse', 'failed_generation_response', 'process_response')

FINISH_REASONS: dict[str, FinishReason] = {
    'stop': 'stop',
    'length': 'length',
    'tool_calls': 'tool_call',
    'function_call': 'tool_call',
    'content_filter': 'content_filter',
}

RECOVERABLE_ERRORS = frozenset({'tool_use_failed', 'json_validate_failed'})
"""Groq's error codes for a generation its own validation rejected: the model can be asked to retry."""

_TIMINGS = ('queue_time', 'prompt_time', 'completion_time', 'total_time')
_CACHE_COUNTS = ('dram_cached_tokens', 'sram_cached_tokens')
_TOOL_RESULT_FIELDS = ('output', 'search_results', 'code_results', 'browser_results')


def process_response(data: Any, model_name: str, headers: Mapping[str, str]) -> ModelResponse:
    """A non-streamed chat completion as a `ModelResponse`.

    Raises:
        UnexpectedModelBehavior: When the body is not a chat completion.
    """
    try:
        choice = data['choices'][0]
        message = choice['message']
        parts: list[ModelResponsePart] = []
        if reasoning := message.get('reasoning'):
            parts.append(ThinkingPart(reasoning))
        for executed in message.get('executed_tools') or ():
            parts.extend(_executed_tool_parts(executed))
        if content := message.get('content'):
            parts.extend(_content_parts(content))
        for tool_call in message.get('tool_calls') or ():
            function = tool_call['function']
            parts.append(
                ToolCallPart(
                    function['name'],
                    wire_tool_args(function.get('arguments')),
                    tool_call.get('id') or generate_tool_call_id(),
                )
            )
        details = response_details(data, headers)
        x_groq: dict[str, Any] = data.get('x_groq') or {}
        usage = map_usage(data.get('usage'), x_groq.get('usage'), details)
        if annotations := message.get('annotations'):
            details['citations'] = annotations
        raw_finish_reason = choice.get('finish_reason')
        if raw_finish_reason:
            details['finish_reason'] = raw_finish_reason
        return ModelResponse(
            parts=parts,
            usage=usage,
            model_name=data.get('model') or model_name,
            timestamp=timestamp(data.get('created')),
            finish_reason=FINISH_REASONS.get(raw_finish_reason) if raw_finish_reason else None,
            provider_response_id=data.get('id'),
            provider_details=details or None,
        )
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise UnexpectedModelBehavior(
            'Groq sent a chat completion this client cannot read', pydantic_core.to_json(data).decode()
        ) from e


def failed_generation_response(error: ModelHTTPError) -> ModelResponse:
    """The generation Groq rejected (`tool_use_failed`, `json_validate_failed`), as a response to retry.

    A failed generation that parses as `{"name", "arguments"}` (or a list of them) becomes tool
    calls, anything else its text; `finish_reason` is `'error'` and the error is in
    `provider_details['error']`, so the agent answers with a retry prompt.
    """
    found = error_object(error.body) or {}
    details: dict[str, Any] = {'error': found}
    if rate_limit := parse_rate_limit_headers(error.headers):
        details['rate_limit'] = rate_limit
    return ModelResponse(
        parts=failed_generation_parts(found.get('failed_generation')),
        model_name=error.model_name,
        finish_reason='error',
        provider_details=details,
    )


def failed_generation_parts(generation: object) -> list[ModelResponsePart]:
    """Tool calls when the failed generation is `{"name", "arguments"}` JSON (or a list), else its text."""
    if not isinstance(generation, str) or not generation.strip():
        return []
    try:
        parsed: Any = pydantic_core.from_json(generation)
    except ValueError:
        parsed = None
    calls: list[Any] = parsed if isinstance(parsed, list) else [parsed]  # pyright: ignore[reportUnknownVariableType]
    if all(_is_call(call) for call in calls):
        return [ToolCallPart(call['name'], _arguments_text(call['arguments'])) for call in calls]
    return [TextPart(generation)]


def _is_call(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get('name'), str) and 'arguments' in value  # pyright: ignore[reportUnknownMemberType]


def _arguments_text(arguments: object) -> str:
    return arguments if isinstance(arguments, str) else pydantic_core.to_json(arguments).decode()


def _content_parts(content: str) -> list[ModelResponsePart]:
    # `reasoning_format='raw'` puts the reasoning in <think> tags at the start of the content.
    if not content.lstrip().startswith('<'):
        return [TextPart(content)]
    return [ThinkingPart(text) if kind == 'thinking' else TextPart(text) for kind, text in split_think_tags(content)]


def _executed_tool_parts(executed: Mapping[str, Any]) -> list[ModelResponsePart]:
    call = _executed_tool_call(executed)
    result = _executed_tool_result(executed, call.tool_call_id)
    return [call] if result is None else [call, result]


def _executed_tool_call(executed: Mapping[str, Any]) -> BuiltinToolCallPart:
    # Executed tools carry no id; their index is stable within the response.
    return BuiltinToolCallPart(
        executed.get('type') or 'unknown',
        wire_tool_args(executed.get('arguments')),
        f'executed_tool_{executed.get("index", 0)}',
    )


def _executed_tool_result(executed: Mapping[str, Any], tool_call_id: str) -> BuiltinToolReturnPart | None:
    content = {key: executed[key] for key in _TOOL_RESULT_FIELDS if executed.get(key) is not None}
    if not content:
        return None
    return BuiltinToolReturnPart(executed.get('type') or 'unknown', content, tool_call_id)


def timestamp(created: object) -> datetime:
    """Groq's `created` as an aware datetime (now when absent)."""
    if isinstance(created, int | float):
        return datetime.fromtimestamp(created, tz=timezone.utc)
    return datetime.now(tz=timezone.utc)


def response_details(data: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Groq extras: request id, service tier, fingerprint, and the parsed rate-limit headers."""
    details: dict[str, Any] = {}
    x_groq = data.get('x_groq')
    if x_groq and (request_id := x_groq.get('id')):
        details['x_groq_id'] = request_id
    for key in ('service_tier', 'system_fingerprint'):
        if value := data.get(key):
            details[key] = value
    if headers is not None and (rate_limit := parse_rate_limit_headers(headers)):
        details['rate_limit'] = rate_limit
    return details


def map_usage(
    usage: Mapping[str, Any] | None, x_groq_usage: Mapping[str, Any] | None, details: dict[str, Any]
) -> RequestUsage:
    """Token counts into `RequestUsage`; Groq's timings into `details` (provider details)."""
    usage = usage or x_groq_usage
    if not usage:
        return RequestUsage()
    counts: dict[str, int] = {}
    if (completion_details := usage.get('completion_tokens_details')) and (
        reasoning := completion_details.get('reasoning_tokens')
    ) is not None:
        counts['reasoning_tokens'] = reasoning
    prompt_details: Mapping[str, Any] = usage.get('prompt_tokens_details') or {}
    cached = prompt_details.get('cached_tokens')
    for source in (x_groq_usage, usage):
        if source:
            for key in _CACHE_COUNTS:
                if key not in counts and isinstance(value := source.get(key), int):
                    counts[key] = value
    for key in _TIMINGS:
        if (value := usage.get(key)) is not None:
            details[key] = value
    return RequestUsage(
        input_tokens=usage.get('prompt_tokens') or 0,
        output_tokens=usage.get('completion_tokens') or 0,
        details=counts,
        cache_read_tokens=cached if isinstance(cached, int) else 0,
    )


def http_error(response: httpx.Response, model_name: str, hint: str | None = None) -> ModelHTTPError:
    """The `ModelHTTPError` for an error response (whose body has been read)."""
    try:
        body: object = response.json()
    except ValueError:
        body = response.text or None
    return ModelHTTPError(response.status_code, model_name, body, dict(response.headers), hint=hint)


class GroqStreamedResponse(StreamedResponse):
    """A Groq chat completion arriving as server-sent events.

    Iterating reads the HTTP stream, one parse per chunk, and yields part events. An
    `event: error` line raises the mapped `ModelHTTPError`, except Groq's rejection of a
    generation (`tool_use_failed`, `json_validate_failed`), which ends the stream with
    `finish_reason='error'` and the failed generation as parts, for the agent to retry. A
    stream that ends before the response is complete raises `UnexpectedModelBehavior`.
    `get()` always returns everything received.
    """

    def __init__(self, model_name: str, response: httpx.Response) -> None:
        super().__init__(model_name, datetime.now(tz=timezone.utc))
        self._requested_model = model_name
        self._response = response
        self._pending_events: list[ModelResponseStreamEvent] = []  # reused: filled per chunk, drained at once
        self._think_splitter: ThinkTagSplitter | None = None
        self._content_started = False
        self._executed_seen: set[object] = set()
        if rate_limit := parse_rate_limit_headers(response.headers):
            self.provider_details['rate_limit'] = rate_limit

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        # One generator reads bytes, splits events and maps chunks: no layers per chunk.
        events = self._pending_events
        first = True
        done = False
        pending = b''
        event_name: bytes | None = None
        try:
            async for raw in self._response.aiter_bytes():
                lines = (pending + raw).split(b'\n') if pending else raw.split(b'\n')
                pending = lines.pop()
                for line in lines:
                    if not line.startswith(b'data:'):
                        if line.startswith(b'event:'):
                            event_name = line[6:].strip()
                        continue
                    payload = line[5:].strip()
                    if event_name is not None and event_name != b'message':
                        if event_name == b'error':
                            self._stream_error(payload)
                            done = True
                        event_name = None
                    elif payload == b'[DONE]':
                        done = True
                    else:
                        try:
                            chunk = pydantic_core.from_json(payload)
                            if first:
                                first = False
                                self._read_metadata(chunk)
                            self._handle_chunk(chunk)
                        except ValueError as e:
                            raise UnexpectedModelBehavior(
                                'Groq sent a stream chunk that is not valid JSON', payload.decode(errors='replace')
                            ) from e
                        except (KeyError, IndexError, TypeError, AttributeError) as e:
                            raise UnexpectedModelBehavior(
                                'Groq sent a stream chunk this client cannot read', payload.decode(errors='replace')
                            ) from e
                    if events:
                        for event in events:
                            yield event
                        events.clear()
        except httpx.TimeoutException as e:
            raise ModelAPIError(self._requested_model, 'Groq stream timed out while reading', 'timeout') from e
        except httpx.TransportError as e:
            raise ModelAPIError(self._requested_model, f'Groq stream broke off: {e!r}') from e
        if self._think_splitter is not None:
            self._add_content_segments(self._think_splitter.flush())
            for event in events:
                yield event
            events.clear()
        if not done and self.finish_reason is None:
            raise UnexpectedModelBehavior(
                'Groq stream ended before the response was complete (no finish reason, no [DONE])'
            )
        if self._parts_manager.pending_tool_call_count:
            raise UnexpectedModelBehavior('Groq stream ended with a tool call that has no name')

    def _handle_chunk(self, chunk: dict[str, Any]) -> None:
        parts, events = self._parts_manager, self._pending_events
        choices = chunk['choices']
        if choices:
            choice = choices[0]
            delta = choice['delta']
            # Absent or empty fields give no event: one check, in the parts manager.
            event = parts.handle_thinking_delta('reasoning', delta.get('reasoning'))
            if event is not None:
                events.append(event)
            if executed_tools := delta.get('executed_tools'):
                self._handle_executed_tools(executed_tools)
            if content := delta.get('content'):
                self._handle_content(content)
            if tool_calls := delta.get('tool_calls'):
                for tool_call in tool_calls:
                    function: dict[str, Any] = tool_call.get('function') or {}
                    event = parts.handle_tool_call_delta(
                        tool_call.get('index', 0), function.get('name'), function.get('arguments'), tool_call.get('id')
                    )
                    if event is not None:
                        events.append(event)
            if annotations := delta.get('annotations'):
                self.provider_details.setdefault('citations', []).extend(annotations)
            if finish_reason := choice.get('finish_reason'):
                self.finish_reason = FINISH_REASONS.get(finish_reason)
                self.provider_details['finish_reason'] = finish_reason
        # Usage only rides on the last chunk; other chunks skip this branch.
        x_groq = chunk.get('x_groq')
        x_usage = x_groq.get('usage') if x_groq is not None else None
        if x_usage is not None or chunk.get('usage') is not None:
            self._usage = map_usage(chunk.get('usage'), x_usage, self.provider_details)

    def _handle_content(self, content: str) -> None:
        splitter = self._think_splitter
        if not self._content_started and content.strip():
            # Decided by the first non-blank content, as for whole bodies: content that opens
            # with a tag may hold <think> blocks (reasoning_format='raw').
            self._content_started = True
            if content.lstrip().startswith('<'):
                splitter = self._think_splitter = ThinkTagSplitter()
        if splitter is None:
            event = self._parts_manager.handle_text_delta('content', content)
            if event is not None:
                self._pending_events.append(event)
        else:
            self._add_content_segments(splitter.feed(content))

    def _add_content_segments(self, segments: list[Segment]) -> None:
        parts = self._parts_manager
        for kind, text in segments:
            if kind == 'thinking':
                event = parts.handle_thinking_delta('think_tags', text)
            else:
                event = parts.handle_text_delta('content', text)
            assert event is not None  # the splitter never gives empty segments
            self._pending_events.append(event)

    def _handle_executed_tools(self, executed_tools: list[dict[str, Any]]) -> None:
        parts = self._parts_manager
        for executed in executed_tools:
            index = executed.get('index', 0)
            if index not in self._executed_seen:
                self._executed_seen.add(index)
                self._pending_events.append(parts.handle_part(_executed_tool_call(executed)))
            result = _executed_tool_result(executed, f'executed_tool_{index}')
            if result is not None:
                self._pending_events.append(parts.handle_part(result))

    def _read_metadata(self, chunk: dict[str, Any]) -> None:
        self.provider_response_id = chunk.get('id')
        if model := chunk.get('model'):
            self.model_name = model
        if created := chunk.get('created'):
            self.timestamp = timestamp(created)
        self.provider_details.update(response_details(chunk))

    def _stream_error(self, payload: bytes) -> None:
        try:
            body: Any = pydantic_core.from_json(payload)
        except ValueError:
            body = payload.decode(errors='replace')
        error = error_object(body)
        status = error.get('status_code') if error else None
        self.finish_reason = 'error'
        if error and error.get('code') in RECOVERABLE_ERRORS:
            self.provider_details['error'] = error
            generated = failed_generation_parts(error.get('failed_generation'))
            for index, part in enumerate(generated):
                if isinstance(part, ToolCallPart):
                    event = self._parts_manager.handle_tool_call_delta(
                        ('failed_generation', index), part.tool_name, part.args_as_json_str(), part.tool_call_id
                    )
                elif not self._content_started:  # text that was not streamed already
                    assert isinstance(part, TextPart)  # a failed generation is tool calls or one text
                    event = self._parts_manager.handle_text_delta('content', part.content)
                else:
                    event = None
                if event is not None:
                    self._pending_events.append(event)
            return
        raise ModelHTTPError(
            status if isinstance(status, int) else 500, self._requested_model, body, dict(self._response.headers)
        )
