"""What the emulator should answer: successful replies, tool calls, usage and HTTP faults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ('ErrorReply', 'ExecutedToolReply', 'Reply', 'ToolCallReply', 'Usage')


@dataclass
class ToolCallReply:
    """One function call the emulated model makes.

    Attributes:
        name: Name of the called function.
        arguments: A dict is sent as compact JSON; a string is sent unchanged, so tests can send
            `''`, `'null'` or invalid JSON on purpose.
        id: The tool call id; when `None` a Groq-style id is generated.
    """

    name: str
    arguments: str | dict[str, Any]
    id: str | None = None


@dataclass
class ExecutedToolReply:
    """One tool Groq ran on its side before answering, as compound systems and built-in tools do.

    It is sent in `message.executed_tools` (streamed: `delta.executed_tools`, see `Reply`), never as a
    function call for the client to run.

    Attributes:
        type: The kind of tool, any string: Groq uses `'search'`, `'visit'`, `'python'`, `'browser_search'`,
            `'browser.search'`, `'browser.open'`, `'wolfram_alpha'` and others.
        arguments: A dict is sent as compact JSON; a string is sent unchanged.
        output: The tool's output as text.
        search_results: Sent as `search_results`, e.g. `{'results': [{'title': ..., 'url': ..., 'content': ...,
            'score': ...}]}`.
        code_results: Sent as `code_results`, e.g. `[{'text': '4'}]`.
        browser_results: Sent as `browser_results`, e.g. `[{'title': ..., 'url': ..., 'content': ...}]`.
        name: Sent as `name`: the tool a remote MCP call (`type='mcp'`) ran.
        server_label: Sent as `server_label`: the remote MCP server that ran it.
    """

    type: str
    arguments: str | dict[str, Any]
    output: str | None = None
    search_results: Mapping[str, Any] | None = None
    code_results: Sequence[Mapping[str, Any]] | None = None
    browser_results: Sequence[Mapping[str, Any]] | None = None
    name: str | None = None
    server_label: str | None = None


@dataclass
class Usage:
    """Token usage and timings reported for a reply.

    Attributes:
        prompt_tokens: Tokens in the prompt.
        completion_tokens: Tokens generated, reasoning included.
        reasoning_tokens: Sent as `usage.completion_tokens_details.reasoning_tokens` when set.
        cached_tokens: Sent as `usage.prompt_tokens_details.cached_tokens` when set.
        dram_cached_tokens: Sent as `x_groq.usage.dram_cached_tokens` when set.
        sram_cached_tokens: Sent as `x_groq.usage.sram_cached_tokens` when set.
        queue_time: Seconds the request waited in Groq's queue.
        prompt_time: Seconds spent processing the prompt.
        completion_time: Seconds spent generating.
    """

    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    dram_cached_tokens: int | None = None
    sram_cached_tokens: int | None = None
    queue_time: float = 0.01
    prompt_time: float = 0.002
    completion_time: float = 0.02

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Reply:
    r"""A successful chat completion, sent as one JSON body or as a server-sent-events stream.

    The request decides how `reasoning` is sent, through its `reasoning_format`:

    - `'parsed'` (and when unset): as `message.reasoning`, or as `reasoning` deltas.
    - `'raw'`: inside the content, as `'<think>' + reasoning + '</think>\n\n' + text`, streamed in pieces
      like any content (so with `chunk_size` the tags can be split across chunks).
    - `'hidden'`, or `include_reasoning: false` without a format: not at all. The usage still counts it.

    A stream sends its deltas in this order:

    1. the role: `{'role': 'assistant', 'content': ''}`;
    2. the `reasoning` pieces;
    3. for each executed tool, two deltas with the same `index`: the call
       (`{'executed_tools': [{'index': 0, 'type': 'search', 'arguments': '...'}]}`), then, once it ran, the
       whole entry again with its `output` and results;
    4. the `content` pieces;
    5. the annotations, in one `{'annotations': [...]}` delta;
    6. the `tool_calls`;
    7. the finish chunk, with the usage in `usage` and `x_groq.usage`.

    Attributes:
        text: The message content.
        reasoning: The model's reasoning, sent as the request's `reasoning_format` asks.
        tool_calls: Function calls, sent after the content when streaming.
        executed_tools: Tools Groq ran on its side, sent as `message.executed_tools`.
        mcp_list_tools: The tools Groq found on remote MCP servers, sent as the completion's top-level
            `mcp_list_tools` (streamed: on the first chunk), e.g. `{'id': 'mcpl_1', 'type': 'mcp_list_tools',
            'server_label': 'docs', 'tools': [{'name': 'search', 'input_schema': {...}}]}`.
        annotations: Citations sent as `message.annotations`, e.g. `{'type': 'document_citation',
            'document_citation': {'document_id': 'doc-1', 'start_index': 0, 'end_index': 10}}`.
        finish_reason: Defaults to `'tool_calls'` when there are tool calls, else `'stop'`.
        usage: Defaults to an estimate from the words of the request and of the reply.
        model: Defaults to the model named in the request.
        id: The completion id; defaults to a generated `chatcmpl-<uuid>`.
        created: Unix time of the completion; defaults to now.
        service_tier: Reported service tier; defaults to the request's `service_tier` (`'auto'` reported as
            `'on_demand'`), else `'on_demand'`.
        system_fingerprint: Reported system fingerprint.
        chunk_size: Streaming only: characters per text, reasoning or arguments delta. `None` splits text
            into words (each with the whitespace that follows it) and sends tool arguments in one delta.
        headers: Extra response headers, overriding the emulator's defaults.
        delay: Seconds to wait before sending anything, to let clients time out.
        chunk_delay: Streaming only: seconds to wait between chunks.
        cut_after: Streaming only: end the stream after this many data chunks, without the finish chunk
            and without `[DONE]`.
        malformed_after: Streaming only: after this many data chunks, send one line that is not JSON,
            then carry on normally.
        stream_error: Streaming only: the `error` object of an `event: error` sent after
            `stream_error_after` data chunks, which ends the stream.
        stream_error_after: Streaming only: data chunks sent before `stream_error`.
    """

    text: str | None = None
    reasoning: str | None = None
    tool_calls: Sequence[ToolCallReply] = ()
    executed_tools: Sequence[ExecutedToolReply] = ()
    mcp_list_tools: Sequence[Mapping[str, Any]] = ()
    annotations: Sequence[Mapping[str, Any]] = ()
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None
    id: str | None = None
    created: int | None = None
    service_tier: str | None = None
    system_fingerprint: str = 'fp_emulator'
    chunk_size: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after: int | None = None
    malformed_after: int | None = None
    stream_error: Mapping[str, Any] | None = None
    stream_error_after: int = 0

    def __post_init__(self) -> None:
        # A zero or negative size would make the chunking loop never advance.
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ValueError(f'chunk_size must be at least 1, got {self.chunk_size}')


@dataclass
class ErrorReply:
    """An HTTP error response.

    Attributes:
        status: The HTTP status code.
        body: A mapping is sent as JSON, a string as plain text; `None` sends Groq's usual error body
            for `status`. For `498`, the status of the flex service tier at capacity, that body has
            `code: "capacity_exceeded"`: a fast failure to retry later with jittered backoff.
        headers: Extra response headers, e.g. `{'retry-after': '2'}`.
        delay: Seconds to wait before sending anything.
    """

    status: int
    body: Mapping[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    delay: float = 0.0
