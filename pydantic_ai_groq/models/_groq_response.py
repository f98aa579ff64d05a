"""Reading Groq chat completions: a whole JSON body, or server-sent events one chunk at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import Any, cast

import httpx
import pydantic_core

from .._think_tags import Segment, ThinkTagSplitter, split_think_tags
from ..exceptions import ModelHTTPError, UnexpectedModelBehavior, error_object
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
from ._groq_errors import RECOVERABLE_ERRORS, error_event_body, in_stream_http_error, stream_read_error
from ._groq_profiles import profile_for
from ._groq_sse import SSEDecoder

__all__ = (
    'GroqStreamedResponse',
    'content_has_think_tags',
    'failed_generation_response',
    'process_response',
)

FINISH_REASONS: dict[str, FinishReason] = {
    'stop': 'stop',
    'length': 'length',
    'tool_calls': 'tool_call',
    'function_call': 'tool_call',
    'content_filter': 'content_filter',
}

_TIMINGS = ('queue_time', 'prompt_time', 'completion_time', 'total_time')
_CACHE_COUNTS = ('dram_cached_tokens', 'sram_cached_tokens')
_TOOL_RESULT_FIELDS = ('output', 'search_results', 'code_results', 'browser_results')
_NON_STREAM_BODY_SHOWN = 2000  # bytes of a non-event-stream body quoted in the error


def process_response(
    data: Any, model_name: str, headers: Mapping[str, str], *, think_tags: bool = False
) -> ModelResponse:
    """A non-streamed chat completion as a `ModelResponse`.

    `think_tags`: split a leading `<think>` block out of the content (see `content_has_think_tags`).

    Raises:
        UnexpectedModelBehavior: When the body is not a chat completion.
    """
    try:
        choice = data['choices'][0]
        message = choice['message']
        parts: list[ModelResponsePart] = []
        if reasoning := message.get('reasoning'):
            if type(reasoning) is not str:
                raise TypeError(_not_text('message.reasoning', reasoning))
            parts.append(ThinkingPart(reasoning))
        for executed in message.get('executed_tools') or ():
            parts.extend(_executed_tool_parts(executed))
        if content := message.get('content'):
            if type(content) is not str:
                raise TypeError(_not_text('message.content', content))
            parts.extend(_content_parts(content, think_tags))
        for tool_call in message.get('tool_calls') or ():
            function = tool_call['function']
            name, args, call_id = function['name'], function.get('arguments'), tool_call.get('id')
            if not (type(name) is str and _is_text(args) and _is_text(call_id)):
                _refuse_tool_call_texts(name, args, call_id)
            parts.append(ToolCallPart(name, wire_tool_args(args), call_id or generate_tool_call_id()))
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
            f'Groq sent a chat completion this client cannot read ({_problem(e)})',
            pydantic_core.to_json(data).decode(),
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
        counts['reasoning_tokens'] = _token_count('completion_tokens_details.reasoning_tokens', reasoning)
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
        input_tokens=_token_count('prompt_tokens', usage.get('prompt_tokens') or 0),
        output_tokens=_token_count('completion_tokens', usage.get('completion_tokens') or 0),
        details=counts,
        cache_read_tokens=0 if cached is None else _token_count('prompt_tokens_details.cached_tokens', cached),
    )


def _token_count(field: str, value: object) -> int:
    """A token count as sent; anything but a whole number is refused (it would break usage sums later)."""
    if type(value) is not int:
        raise TypeError(f'usage.{field} is {type(value).__name__} {_shown(value)}, expected a whole number')
    return value


class GroqStreamedResponse(StreamedResponse):
    """A Groq chat completion arriving as server-sent events.

    Iterating reads the HTTP stream (decoded by `SSEDecoder`), one parse per chunk, and
    yields part events; `data: [DONE]` ends it. An `event: error`, or a `data: {"error": ...}`
    chunk, raises the mapped `ModelHTTPError`, except Groq's rejection of a
    generation (`tool_use_failed`, `json_validate_failed`), which ends the stream with
    `finish_reason='error'` and the failed generation as parts, for the agent to retry. A
    stream that ends before the response is complete raises `UnexpectedModelBehavior`.
    `get()` always returns everything received.
    """

    def __init__(self, model_name: str, response: httpx.Response, *, think_tags: bool = False) -> None:
        super().__init__(model_name, datetime.now(tz=timezone.utc))
        self._requested_model = model_name
        self._response = response
        self._pending_events: list[ModelResponseStreamEvent] = []  # reused: filled per chunk, drained at once
        self._think_splitter = ThinkTagSplitter() if think_tags else None
        self._content_started = False
        self._executed_seen: set[object] = set()
        if rate_limit := parse_rate_limit_headers(response.headers):
            self.provider_details['rate_limit'] = rate_limit

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        # One generator reads bytes, decodes events and maps chunks: no layers per chunk.
        await self._refuse_non_event_stream()
        events = self._pending_events
        decoder = SSEDecoder()
        first = True
        done = False
        try:
            async for raw in self._response.aiter_bytes():
                for name, data in decoder.feed(raw):
                    if name and name != b'message':
                        if name == b'error':
                            self._stream_error(error_event_body(data))
                            done = True
                    elif data.startswith(b'[DONE]'):
                        done = True  # as the SDK: anything after [DONE] is not part of the answer
                    elif data:
                        try:
                            chunk = pydantic_core.from_json(data)
                        except ValueError as e:
                            raise UnexpectedModelBehavior(
                                'Groq sent a stream chunk that is not valid JSON', data.decode(errors='replace')
                            ) from e
                        try:
                            if first:
                                first = False
                                self._read_metadata(chunk)
                            done = self._handle_chunk(chunk)
                        except (KeyError, IndexError, TypeError, AttributeError) as e:
                            raise UnexpectedModelBehavior(
                                f'Groq sent a stream chunk this client cannot read ({_problem(e)})',
                                data.decode(errors='replace'),
                            ) from e
                    if events:
                        for event in events:
                            yield event
                        events.clear()
                    if done:
                        break
                if done:
                    break
        except (httpx.TimeoutException, httpx.DecodingError, httpx.TransportError) as e:
            raise stream_read_error(e, self._requested_model, self._response) from e
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

    async def _refuse_non_event_stream(self) -> None:
        """A 200 that is not an event stream (a JSON body, an HTML page from a proxy) says what it is."""
        content_type = self._response.headers.get('content-type')
        if content_type is None or content_type.partition(';')[0].strip().lower() == 'text/event-stream':
            return
        try:
            body = (await self._response.aread())[:_NON_STREAM_BODY_SHOWN]
        except httpx.HTTPError:
            body = b''
        text = body.decode(errors='replace')
        try:
            parsed: object = pydantic_core.from_json(body)
        except ValueError:
            parsed = None
        if error_object(parsed) and cast(dict[str, Any], parsed).get('error'):  # as the SDK tells an error body
            raise in_stream_http_error(parsed, self._requested_model, self._response.headers)
        raise UnexpectedModelBehavior(
            f'Groq answered a streamed request with Content-Type {content_type!r}, not text/event-stream', text or None
        )

    def _handle_chunk(self, chunk: dict[str, Any]) -> bool:
        """Map one chunk; returns whether it ended the stream (an error chunk)."""
        if chunk.get('error'):
            # `data: {"error": ...}` without `event: error` is an API error too (the SDK reads it so).
            self._stream_error(chunk)
            return True
        parts, events = self._parts_manager, self._pending_events
        choices = chunk['choices']
        if choices:
            choice = choices[0]
            delta = choice['delta']
            # Absent or empty fields give no event: one check, in the parts manager.
            reasoning = delta.get('reasoning')
            if reasoning is not None and type(reasoning) is not str:
                raise TypeError(_not_text('delta.reasoning', reasoning))
            event = parts.handle_thinking_delta('reasoning', reasoning)
            if event is not None:
                events.append(event)
            if executed_tools := delta.get('executed_tools'):
                self._handle_executed_tools(executed_tools)
            if content := delta.get('content'):
                if type(content) is not str:
                    raise TypeError(_not_text('delta.content', content))
                self._handle_content(content)
            if tool_calls := delta.get('tool_calls'):
                for tool_call in tool_calls:
                    function: dict[str, Any] = tool_call.get('function') or {}
                    name, args, call_id = function.get('name'), function.get('arguments'), tool_call.get('id')
                    if not (_is_text(name) and _is_text(args) and _is_text(call_id)):
                        _refuse_tool_call_texts(name, args, call_id)
                    event = parts.handle_tool_call_delta(tool_call.get('index', 0), name, args, call_id)
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
        return False

    def _handle_content(self, content: str) -> None:
        if not self._content_started and content.strip():
            self._content_started = True
        splitter = self._think_splitter
        if splitter is None:
            event = self._parts_manager.handle_text_delta('content', content)
            assert event is not None  # content is never empty here
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

    def _stream_error(self, body: object) -> None:
        """An error inside the stream: a failed generation ends it with parts to retry, anything else raises."""
        error = error_object(body)
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
        raise in_stream_http_error(body, self._requested_model, self._response.headers)


def _problem(error: Exception) -> str:
    """What was wrong with a chunk, for the error message."""
    if isinstance(error, KeyError):
        return f'no {error} field'
    return str(error) or type(error).__name__


def _not_text(field: str, value: object) -> str:
    return f'{field} is {type(value).__name__} {_shown(value)}, expected a string'


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f'{text[:77]}...'


def _is_text(value: object) -> bool:
    return value is None or type(value) is str


def _refuse_tool_call_texts(name: object, args: object, call_id: object) -> None:
    """Raise for the tool call name, arguments or id that is present but not a string."""
    for field, value in (('name', name), ('arguments', args), ('id', call_id)):
        if value is not None and type(value) is not str:
            raise TypeError(_not_text(f'tool call {field}', value))
    raise TypeError(_not_text('tool call name', name))  # only a missing name is left
