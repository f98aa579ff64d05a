"""A streamed chat completion: server-sent events decoded, each chunk validated and mapped to part events.

`GroqStreamedResponse` reads the HTTP stream through `SSEDecoder`, validates each chunk against
the wire shape of `_response` and feeds the parts manager. `SSEDecoder` reads events as the
WHATWG HTML spec's "event stream interpretation" reads them.

The `groq` SDK's own reader (`groq._streaming.SSEDecoder`) follows the same spec; the test
suite checks that, for random event streams cut at random places, this decoder yields the
events that one yields. What the spec asks and a naive line splitter misses:

- lines end with LF, CR or CRLF (a CRLF may be cut between two network chunks);
- an event is dispatched at a blank line, and only if it has a `data` field; the blank line
  clears the event name either way (`event: ping` without data names nothing after it);
- several `data` lines in one event are joined with a newline;
- a UTF-8 byte order mark before the first line is dropped;
- a line starting with `:` is a comment; `id` and `retry` do not matter to a chat completion;
- an event that the end of the stream cuts off before its blank line is not dispatched.

The one thing the spec leaves open, a line's length, is capped at `MAX_LINE_BYTES`: a longer
line is an error rather than memory without bound. Lines are assembled from a list of pieces,
so one long line costs time linear in its length.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import Any, cast

import httpx
import pydantic
import pydantic_core

from ...exceptions import UnexpectedModelBehavior, error_object
from ...messages import ModelResponseStreamEvent, PartStartEvent, TextPart, ToolCallPart
from .. import StreamedResponse
from ._errors import (
    RECOVERABLE_ERRORS,
    RECOVERED_LOG,
    error_event_body,
    failed_generation_parts,
    in_stream_http_error,
    stream_read_error,
    unreadable,
)
from ._headers import parse_rate_limit_headers
from ._log import logger
from ._response import (
    CHUNK,
    FINISH_REASONS,
    Chunk,
    ExecutedTool,
    McpListTools,
    executed_tool_call,
    executed_tool_result,
    map_usage,
    mcp_list_tools_parts,
    response_details,
    timestamp,
)
from ._think_tags import Segment, ThinkTagSplitter

__all__ = ('MAX_LINE_BYTES', 'GroqStreamedResponse', 'SSEDecoder', 'ServerSentEvent')

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest line accepted (16 MiB): far above any chunk Groq sends, even a whole tool call."""

_BOM = b'\xef\xbb\xbf'
_NON_STREAM_BODY_SHOWN = 2000  # bytes of a non-event-stream body quoted in the error

ServerSentEvent = tuple[bytes, bytes]
"""An event as `(name, data)`: `name` is `b''` when the event named none (a plain message)."""


class SSEDecoder:
    """Turns the bytes of an event stream, in chunks cut anywhere, into `(name, data)` events."""

    __slots__ = ('_after_cr', '_data', '_event', '_head', '_max_line', '_partial', '_partial_size', '_started')

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        """Start at the beginning of a stream.

        Args:
            max_line: The longest line accepted, in bytes.
        """
        self._max_line = max_line
        self._started = False  # past the place where a byte order mark may stand
        self._head = b''  # the first bytes, while they may still be a byte order mark
        self._after_cr = False  # the last chunk ended with CR: a LF next ends the same line
        self._partial: list[bytes] = []  # pieces of the line not yet ended
        self._partial_size = 0
        self._event = b''
        self._data: list[bytes] | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Read one more chunk of the stream.

        Returns:
            The events the chunk completed, in order.

        Raises:
            UnexpectedModelBehavior: A line longer than the cap.
        """
        if not self._started:
            chunk = self._strip_bom(chunk)
        if self._after_cr and chunk:
            self._after_cr = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if b'\r' in chunk:
            self._after_cr = chunk[-1:] == b'\r'
            chunk = chunk.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
        if b'\n' not in chunk:
            if chunk:
                self._hold(chunk)
            return []
        lines = chunk.split(b'\n')
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = b''.join(self._partial)
            if len(lines[0]) > self._max_line:
                self._line_too_long(len(lines[0]))
        tail = lines.pop()
        self._partial = [tail] if tail else []
        self._partial_size = len(tail)
        if len(chunk) > self._max_line:
            self._check_lengths([*lines, tail])
        return self._events(lines)

    def _events(self, lines: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data, event = self._data, self._event
        for line in lines:
            if not line:  # a blank line ends the event
                if data is not None:
                    events.append((event, b'\n'.join(data)))
                    data = None
                event = b''
            elif line.startswith(b'data:'):  # the usual line first
                value = line[6:] if line.startswith(b' ', 5) else line[5:]
                if data is None:
                    data = [value]
                else:
                    data.append(value)
            else:
                colon = line.find(b':')
                if colon < 0:
                    field, value = line, b''
                else:
                    field = line[:colon]
                    value = line[colon + 2 :] if line.startswith(b' ', colon + 1) else line[colon + 1 :]
                if field == b'event':
                    event = value
                elif field == b'data':  # `data` without a colon: an empty data line
                    data = [value] if data is None else [*data, value]
                # `id`, `retry`, comments (an empty field name) and unknown fields change nothing here
        self._data, self._event = data, event
        return events

    def _hold(self, piece: bytes) -> None:
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._partial_size > self._max_line:
            self._line_too_long(self._partial_size)

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = self._head + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head
            return b''
        self._started = True
        self._head = b''
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _check_lengths(self, lines: list[bytes]) -> None:
        for line in lines:
            if len(line) > self._max_line:
                self._line_too_long(len(line))

    def _line_too_long(self, size: int) -> None:
        raise UnexpectedModelBehavior(
            f'Groq sent a stream line of more than {self._max_line:,} bytes (at least {size:,}); '
            'lines that long are refused rather than held in memory'
        )


class GroqStreamedResponse(StreamedResponse):
    """A Groq chat completion arriving as server-sent events.

    Iterating reads the HTTP stream (decoded by `SSEDecoder`), one parse per chunk, and
    yields part events; `data: [DONE]` ends it. An `event: error`, or a `data: {"error": ...}`
    chunk, raises the mapped `ModelHTTPError`, except Groq's rejection of a
    generation (`tool_use_failed`, `json_validate_failed`), which ends the stream with
    `finish_reason='error'` and the failed generation as parts, for the agent to retry. A
    stream that ends before the response is complete raises `UnexpectedModelBehavior`.
    `get()` always returns everything received.

    Args:
        model_name: The model asked for.
        response: The streamed HTTP response.
        rate_limit: Its parsed `x-ratelimit-*` headers, when the sender has them (else they are parsed here).
        think_tags: Split a leading `<think>` block out of the content (see `content_has_think_tags`).
    """

    def __init__(
        self,
        model_name: str,
        response: httpx.Response,
        rate_limit: Mapping[str, float] | None = None,
        *,
        think_tags: bool = False,
    ) -> None:
        super().__init__(model_name, datetime.now(tz=timezone.utc))
        self._requested_model = model_name
        self._response = response
        self._pending_events: list[ModelResponseStreamEvent] = []  # reused: filled per chunk, drained at once
        self._think_splitter = ThinkTagSplitter() if think_tags else None
        self._content_started = False
        self._executed_seen: set[object] = set()
        if rate_limit is None:
            rate_limit = parse_rate_limit_headers(response.headers)
        if rate_limit:
            self.provider_details['rate_limit'] = dict(rate_limit)

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
                        done = self._read_chunk(data, first)
                        first = False
                    if events:
                        for event in events:
                            if type(event) is PartStartEvent and event.index:
                                # A new part starts: the one before it is complete.
                                yield self._parts_manager.end_event(event.index - 1, event.part)
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
                if type(event) is PartStartEvent and event.index:
                    yield self._parts_manager.end_event(event.index - 1, event.part)
                yield event
            events.clear()
        if not done and self.finish_reason is None:
            raise UnexpectedModelBehavior(
                'Groq stream ended before the response was complete (no finish reason, no [DONE])'
            )
        if self._parts_manager.pending_tool_call_count:
            raise UnexpectedModelBehavior('Groq stream ended with a tool call that has no name')
        if count := self._parts_manager.part_count:
            yield self._parts_manager.end_event(count - 1)

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

    def _read_chunk(self, data: bytes, first: bool) -> bool:
        """Validate and map one chunk; returns whether it ended the stream (an error chunk)."""
        try:
            chunk = CHUNK.validate_json(data, strict=True)
        except pydantic.ValidationError as e:
            raise unreadable('stream chunk', e, data.decode(errors='replace')) from e
        if first:
            self._read_metadata(chunk)
        if chunk.get('error'):
            # `data: {"error": ...}` without `event: error` is an API error too (the SDK reads it so).
            self._stream_error(pydantic_core.from_json(data))  # the body as sent, not only the fields we read
            return True
        if 'choices' not in chunk:
            raise UnexpectedModelBehavior(
                "Groq sent a stream chunk this client cannot read (no 'choices' field)", data.decode(errors='replace')
            )
        self._handle_chunk(chunk)
        return False

    def _handle_chunk(self, chunk: Chunk) -> None:
        parts, events = self._parts_manager, self._pending_events
        if choices := chunk.get('choices'):
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
                    function = tool_call.get('function') or {}
                    name, args, call_id = function.get('name'), function.get('arguments'), tool_call.get('id')
                    event = parts.handle_tool_call_delta(tool_call.get('index', 0), name, args, call_id)
                    if event is not None:
                        events.append(event)
            if annotations := delta.get('annotations'):
                self.provider_details.setdefault('citations', []).extend(annotations)
            if finish_reason := choice.get('finish_reason'):
                self.finish_reason = FINISH_REASONS.get(finish_reason)
                self.provider_details['finish_reason'] = finish_reason
        if listed := chunk.get('mcp_list_tools'):
            self._handle_mcp_list_tools(listed)
        # Usage only rides on the last chunk; other chunks skip this branch.
        x_groq = chunk.get('x_groq')
        x_usage = x_groq.get('usage') if x_groq is not None else None
        if x_usage is not None or chunk.get('usage') is not None:
            self._usage = map_usage(chunk.get('usage'), x_usage, self.provider_details)

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

    def _handle_executed_tools(self, executed_tools: list[ExecutedTool]) -> None:
        parts = self._parts_manager
        for executed in executed_tools:
            index = executed.get('index', 0)
            if index not in self._executed_seen:
                self._executed_seen.add(index)
                self._pending_events.append(parts.handle_part(executed_tool_call(executed)))
            result = executed_tool_result(executed, f'executed_tool_{index}')
            if result is not None:
                self._pending_events.append(parts.handle_part(result))

    def _handle_mcp_list_tools(self, listed: list[McpListTools]) -> None:
        for index, entry in enumerate(listed):
            call, result = mcp_list_tools_parts(entry, index)
            if call.tool_call_id not in self._executed_seen:  # a chunk may repeat the list
                self._executed_seen.add(call.tool_call_id)
                self._pending_events += [self._parts_manager.handle_part(call), self._parts_manager.handle_part(result)]

    def _read_metadata(self, chunk: Chunk) -> None:
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
            logger.info(RECOVERED_LOG, error['code'], self._requested_model)
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
