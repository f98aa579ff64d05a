"""`GroqModel` against the raw `groq` SDK on the same client, transport and canned bytes.

Ours is `GroqModel.request` / `request_stream`; the baseline is what a user of the SDK alone
writes: `client.chat.completions.create(...)` and reading the typed objects. Both get the same
`AsyncGroq` client, so everything on the way out (request building, headers, httpx) is shared
and the ratio shows what reading the answer costs us against what it costs the SDK.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pydantic_core

from pydantic_ai_groq import ModelRequest, ModelRequestParameters, ModelResponse
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.models.groq._send import CHAT_COMPLETIONS_PATH

from ._harness import BenchmarkError, Options, PairResult, Row, Target, check_equal, time_pair
from ._transport import make_client
from ._wire import MODEL, Canned, completion_json, text_stream, tool_call_stream

__all__ = ('run',)

PROMPT = 'Write a few sentences about a fox and a dog.'

# What both contenders must read out of a reply: text, tool call, usage, raw finish reason.
_Outcome = tuple[str | None, tuple[str, str, str] | None, int, int, str | None]


@dataclass(frozen=True)
class _Contenders:
    ours: Callable[[], Awaitable[_Outcome]]
    baseline: Callable[[], Awaitable[_Outcome]]
    send_only: Callable[[], Awaitable[bytes]]
    """The SDK's send path alone, body read, nothing parsed: what ours cannot go below."""


def _expected(canned: Canned) -> _Outcome:
    tool = None
    if canned.tool_name is not None:
        assert canned.tool_args is not None and canned.tool_call_id is not None
        tool = (canned.tool_name, canned.tool_args, canned.tool_call_id)
    return canned.text, tool, canned.prompt_tokens, canned.completion_tokens, canned.finish_reason


def _ours_outcome(response: ModelResponse) -> _Outcome:
    calls = response.tool_calls
    tool = None
    if calls:
        call = calls[0]
        tool = (call.tool_name, call.args_as_json_str(), call.tool_call_id)
    details = response.provider_details or {}
    return response.text, tool, response.usage.input_tokens, response.usage.output_tokens, details.get('finish_reason')


def _contenders(canned: Canned) -> _Contenders:
    client, _ = make_client(canned)
    model = GroqModel(MODEL, groq_client=client)
    messages = [ModelRequest.user_text_prompt(PROMPT)]
    params = ModelRequestParameters()
    raw_messages: Any = [{'role': 'user', 'content': PROMPT}]
    raw_body: dict[str, Any] = {'model': MODEL, 'messages': raw_messages}
    if canned.events:
        raw_body['stream'] = True

    async def send_only() -> bytes:
        response = await client.post(CHAT_COMPLETIONS_PATH, cast_to=httpx.Response, body=raw_body)
        return await response.aread()

    if not canned.events:

        async def ours() -> _Outcome:
            return _ours_outcome(await model.request(messages, None, params))

        async def baseline() -> _Outcome:
            completion = await client.chat.completions.create(model=MODEL, messages=raw_messages)
            choice = completion.choices[0]
            usage = completion.usage
            assert usage is not None
            return choice.message.content, None, usage.prompt_tokens, usage.completion_tokens, choice.finish_reason

        return _Contenders(ours, baseline, send_only)

    async def ours_stream() -> _Outcome:
        async with model.request_stream(messages, None, params) as stream:
            async for _event in stream:
                pass
        return _ours_outcome(stream.get())

    async def baseline_stream() -> _Outcome:
        stream = await client.chat.completions.create(model=MODEL, messages=raw_messages, stream=True)
        text: list[str] = []
        tool_calls: dict[int, list[Any]] = {}  # index -> [id, name, argument fragments]
        finish_reason = None
        usage = None
        async for chunk in stream:
            if chunk.choices:
                choice = chunk.choices[0]
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                for call in delta.tool_calls or ():
                    entry = tool_calls.setdefault(call.index, ['', '', []])
                    if call.id:
                        entry[0] = call.id
                    if call.function is not None:
                        if call.function.name:
                            entry[1] += call.function.name
                        if call.function.arguments:
                            entry[2].append(call.function.arguments)
                if choice.finish_reason:
                    finish_reason = choice.finish_reason
            if chunk.x_groq is not None and chunk.x_groq.usage is not None:
                usage = chunk.x_groq.usage
        assert usage is not None
        tool = None
        if tool_calls:
            call_id, name, fragments = tool_calls[min(tool_calls)]
            tool = (name, ''.join(fragments), call_id)
        return ''.join(text) or None, tool, usage.prompt_tokens, usage.completion_tokens, finish_reason

    return _Contenders(ours_stream, baseline_stream, send_only)


def _floor_us_per_event(canned: Canned, piece_size: int = 4096) -> float:
    """The least any reader can do per SSE event: split the lines, parse each payload's JSON."""
    body = canned.body
    pieces = [body[i : i + piece_size] for i in range(0, len(body), piece_size)]
    from_json = pydantic_core.from_json

    def read() -> int:
        pending = b''
        count = 0
        for piece in pieces:
            lines = (pending + piece).split(b'\n')
            pending = lines.pop()
            for line in lines:
                if line.startswith(b'data:'):
                    payload = line[5:].strip()
                    if payload != b'[DONE]':
                        from_json(payload)
                    count += 1
        return count

    if read() != canned.events:
        raise BenchmarkError(f'floor reader counted the wrong number of events (expected {canned.events})')
    samples: list[int] = []
    for _ in range(15):
        start = time.perf_counter_ns()
        read()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / canned.events / 1000


async def _measure(canned: Canned, budget_s: float, options: Options) -> tuple[PairResult, PairResult]:
    """Ours against the SDK, then ours against the SDK's bare send path (the floor for ours)."""
    contenders = _contenders(canned)
    expected = _expected(canned)
    # Correctness first: numbers for readers that disagree would mean nothing.
    check_equal('ours vs the canned reply', await contenders.ours(), expected)
    check_equal('baseline vs the canned reply', await contenders.baseline(), expected)
    if await contenders.send_only() != canned.body:
        raise BenchmarkError('the send path did not read back the canned body')
    if options.quick:
        budget_s /= 5
    min_reps = 5 if options.quick else 15
    result = await time_pair(contenders.ours, contenders.baseline, budget_s=budget_s, min_reps=min_reps)
    floor = await time_pair(contenders.ours, contenders.send_only, budget_s=budget_s / 4, min_reps=min_reps)
    return result, floor


def _send_path_note(floor: PairResult, events: int = 0) -> str:
    extra = floor.ours_ns - floor.baseline_ns
    per_event = f', {extra / events / 1000:.2f} µs per SSE event' if events else ''
    return (
        f"the SDK's send path alone (client.post(cast_to=httpx.Response), body read, nothing parsed) takes "
        f'{floor.baseline_ns / 1000:,.0f} µs; ours adds {extra / 1000:,.0f} µs on top{per_event} '
        f'(ratio {floor.ratio:.2f})'
    )


def _stream_rows(name: str, canned: Canned, results: tuple[PairResult, PairResult], target: float) -> list[Row]:
    result, send_path = results
    per_event_ours = result.ours_ns / canned.events / 1000
    per_event_base = result.baseline_ns / canned.events / 1000
    floor = _floor_us_per_event(canned)
    return [
        Row(
            name,
            result.ours_ns / 1e6,
            result.baseline_ns / 1e6,
            'ms',
            Target('ratio', target),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner}; ratio = median of paired ratios',
                _send_path_note(send_path, canned.events),
            ],
        ),
        Row(
            f'  per SSE event ({canned.events} events)',
            per_event_ours,
            per_event_base,
            'µs',
            ratio=result.ratio,
            notes=[
                f'floor (split lines + pydantic_core.from_json, no httpx, no mapping): {floor:.2f} µs/event; '
                f'ours is {per_event_ours / floor:.1f}x the floor, the SDK {per_event_base / floor:.1f}x'
            ],
        ),
    ]


def run(options: Options) -> list[Row]:
    rows: list[Row] = []

    async def main() -> None:
        name = 'request (non-streamed, 200 tokens)'
        if options.wants(name):
            result, send_path = await _measure(completion_json(200), 8, options)
            rows.append(
                Row(
                    name,
                    result.ours_ns / 1000,
                    result.baseline_ns / 1000,
                    'µs',
                    Target('ratio', 0.6),
                    ratio=result.ratio,
                    notes=[
                        f'{result.reps} interleaved repetitions x {result.inner} calls; '
                        'ratio = median of paired ratios',
                        _send_path_note(send_path),
                    ],
                )
            )
        name = 'stream text (2000 chunks)'
        if options.wants(name):
            canned = text_stream(2000)
            rows.extend(_stream_rows(name, canned, await _measure(canned, 12, options), 0.35))
        name = 'stream tool call (200 arg fragments)'
        if options.wants(name):
            canned = tool_call_stream(200)
            rows.extend(_stream_rows(name, canned, await _measure(canned, 8, options), 0.35))

    asyncio.run(main())
    return rows
