"""`Agent` runs against the hand-written raw-SDK code that does the same job, on the same canned bytes.

- tool round trip: `agent.run` with one plain sync tool, two non-streamed replies (a tool call,
  then the answer), against the loop people write with the SDK alone (create, read
  `message.tool_calls`, `json.loads`, call the function, append two messages, create again).
- streamed text: `run_stream` + `stream_text(delta=True)` against `create(stream=True)` and
  concatenating `chunk.choices[0].delta.content`.
- `stream_output`: the time per chunk of partially validated structured output, at 1,000 and
  4,000 chunks and for a list of 1,000 and 4,000 items (linear means the per-chunk time does not
  grow with the stream); and streaming a 40 KB object against `get_output` on the same stream.
- memory: 1,000 tool round trips in flight together in one task group, `tracemalloc` peak.

Both contenders share the client, the transport and the bytes; each check runs before timing.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import re
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio
import groq
import httpx
import pydantic

from pydantic_ai_groq import Agent, Tool
from pydantic_ai_groq.models.groq import GroqModel

from ._harness import BenchmarkError, Options, PairResult, Row, Target, check_equal, time_pair
from ._transport import CannedTransport, make_client
from ._wire import MODEL, Canned, text_stream

__all__ = ('run',)

PROMPT = 'What is the weather in Paris?'
ANSWER = 'The weather in Paris is sunny with a temperature of 22C.'
TOOL_CALL_ID = '48f5r72yf'
CONCURRENT_RUNS = 1000

# Row names: all start with 'agent:', so `-k agent:` picks this suite's rows and nothing else.
ROUND_TRIP = 'agent: tool round trip (2 requests, sync tool)'
STREAM_TEXT = 'agent: run_stream + stream_text(delta) (2000 chunks)'
STREAM_OUTPUT = 'agent: stream_output per chunk, 4000 vs 1000 chunks'
STREAM_OUTPUT_LIST = 'agent: stream_output per chunk, list of 4000 vs 1000 items'
STREAM_OUTPUT_VS_GET = 'agent: stream_output vs get_output, 40 KB object'
MEMORY = f'agent: memory per run, {CONCURRENT_RUNS} tool round trips in flight'

_ID = 'chatcmpl-1c4c9457-f822-4c0f-8ab2-11731f132736'
_REQUEST_ID = 'req_01kg5pv0kwfw490qzzv1h4y0ef'
_CREATED = 1769718252
_FINGERPRINT = 'fp_f08cd12a81'
_OUTPUT_CALL_ID = 'fc_299e8414-9e94-4d9c-bd06-c096f8919768'
_TEXT = (
    'the quick brown fox jumps over a lazy dog while Groq streams tokens at speed and every '
    'chunk carries one small piece of text , which the client must parse , map and hand on .'
)
_WORDS = _TEXT.split(' ')


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f'Sunny, 22C in {city}'


# The `tools` a user of the SDK alone writes by hand; checked below to equal what the agent sends.
RAW_TOOLS: Any = [
    {
        'type': 'function',
        'function': {
            'name': 'get_weather',
            'description': 'Get the current weather for a city.',
            'parameters': {
                'type': 'object',
                'properties': {'city': {'type': 'string'}},
                'required': ['city'],
                'additionalProperties': False,
            },
        },
    }
]


class Article(pydantic.BaseModel):
    # The long field last, in the schema and so in the model's JSON: partial validation needs every
    # required field present, so a summary streamed before the tags would show nothing until the end.
    title: str
    tags: list[str]
    summary: str


class Item(pydantic.BaseModel):
    name: str
    qty: int


class Inventory(pydantic.BaseModel):
    items: list[Item]


class Section(pydantic.BaseModel):
    heading: str
    body: str


class Report(pydantic.BaseModel):
    title: str
    sections: list[Section]


# --- canned replies -------------------------------------------------------------------------------


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=False)


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        'queue_time': 0.074632146,
        'prompt_tokens': prompt_tokens,
        'prompt_time': 0.021367561,
        'completion_tokens': completion_tokens,
        'completion_time': 0.066902777,
        'total_tokens': prompt_tokens + completion_tokens,
        'total_time': 0.088270338,
    }


def _completion(message: dict[str, Any], finish_reason: str, prompt_tokens: int, completion_tokens: int) -> Canned:
    """A non-streamed chat completion shaped like `tool_call_round_trip.json`."""
    body = {
        'id': _ID,
        'object': 'chat.completion',
        'created': _CREATED,
        'model': MODEL,
        'choices': [{'index': 0, 'message': message, 'logprobs': None, 'finish_reason': finish_reason}],
        'usage': _usage(prompt_tokens, completion_tokens),
        'usage_breakdown': None,
        'system_fingerprint': _FINGERPRINT,
        'x_groq': {'id': _REQUEST_ID, 'seed': 948025449},
        'service_tier': 'on_demand',
    }
    call = (message.get('tool_calls') or [None])[0]
    return Canned(
        body=_dumps(body).encode(),
        content_type='application/json',
        text=message.get('content'),
        tool_name=call and call['function']['name'],
        tool_args=call and call['function']['arguments'],
        tool_call_id=call and call['id'],
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        finish_reason=finish_reason,
        events=0,
    )


def _weather_replies() -> tuple[Canned, Canned]:
    """The tool call `get_weather({"city":"Paris"})`, then the answer."""
    call = {
        'id': TOOL_CALL_ID,
        'type': 'function',
        'function': {'name': 'get_weather', 'arguments': '{"city":"Paris"}'},
    }
    first = _completion({'role': 'assistant', 'tool_calls': [call]}, 'tool_calls', 717, 29)
    second = _completion({'role': 'assistant', 'content': ANSWER}, 'stop', 774, 15)
    return first, second


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


def _output_stream(args: str, n_fragments: int) -> Canned:
    """A streamed `final_result` tool call whose arguments `args` arrive in `n_fragments` pieces (as in `_wire`)."""
    cuts = [len(args) * i // n_fragments for i in range(n_fragments + 1)]
    fragments = [args[a:b] for a, b in itertools.pairwise(cuts)]
    assert len(fragments) == n_fragments and all(fragments), 'arguments too short for that many fragments'
    head = {
        'index': 0,
        'id': _OUTPUT_CALL_ID,
        'type': 'function',
        'function': {'name': 'final_result', 'arguments': ''},
    }
    usage = _usage(57, n_fragments + 1)
    chunks = [
        _chunk({'role': 'assistant', 'content': ''}, x_groq={'id': _REQUEST_ID}),
        _chunk({'tool_calls': [head]}),
        *(_chunk({'tool_calls': [{'index': 0, 'function': {'arguments': f}}]}) for f in fragments),
        _chunk({}, finish_reason='tool_calls', x_groq={'id': _REQUEST_ID, 'usage': usage}, usage=usage),
    ]
    body = ''.join(f'data: {_dumps(chunk)}\n\n' for chunk in chunks).encode() + b'data: [DONE]\n\n'
    return Canned(
        body=body,
        content_type='text/event-stream',
        text=None,
        tool_name='final_result',
        tool_args=args,
        tool_call_id=_OUTPUT_CALL_ID,
        prompt_tokens=57,
        completion_tokens=n_fragments + 1,
        finish_reason='tool_calls',
        events=len(chunks) + 1,
    )


def _article_args(n_chunks: int) -> str:
    """An `Article` whose summary holds one word per chunk: the document grows with the stream."""
    summary = ' '.join(_WORDS[(i * 7) % len(_WORDS)] for i in range(n_chunks))
    return _dumps({'title': 'Foxes, dogs and fast tokens', 'tags': ['fox', 'dog', 'groq'], 'summary': summary})


def _inventory_args(n_items: int) -> str:
    """An `Inventory` of `n_items` small items: the list grows with the stream."""
    items = [{'name': f'{_WORDS[i % len(_WORDS)]} {i}', 'qty': i % 10} for i in range(n_items)]
    return _dumps({'items': items})


def _report_args(size: int) -> str:
    """A `Report` of about `size` characters: sections of a heading and a paragraph or so of body."""
    sections: list[dict[str, str]] = []
    report: dict[str, Any] = {'title': 'Foxes, dogs and fast tokens', 'sections': sections}
    while len(_dumps(report)) < size:
        n = len(sections)
        body = ' '.join(_WORDS[(n * 7 + i) % len(_WORDS)] for i in range(60))
        sections.append({'heading': f'Part {n}', 'body': body})
    return _dumps(report)


# --- transport ------------------------------------------------------------------------------------


_TOOL_MESSAGE = re.compile(rb'"role"\s*:\s*"tool"')


def _in_turn(body: bytes, n: int) -> int:
    """The n-th request gets reply n (mod 2): a run's first request the tool call, its second the answer."""
    return n % 2


def _by_role(body: bytes, n: int) -> int:
    """The answer to a request carrying a `tool` message, else the tool call: right however runs interleave."""
    return 1 if _TOOL_MESSAGE.search(body) else 0


class _RepliesTransport(httpx.AsyncBaseTransport):
    """Answers each request with one of several canned replies, as `choose(request_body, n)` picks.

    Attributes:
        requests: How many requests it answered.
        bodies: The request bodies, when recording (`record=True`).
    """

    def __init__(self, replies: Sequence[Canned], choose: Callable[[bytes, int], int], record: bool = False) -> None:
        self._replies = [CannedTransport(canned) for canned in replies]
        self._choose = choose
        self.requests = 0
        self.bodies: list[bytes] | None = [] if record else None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        index = self._choose(body, self.requests)
        self.requests += 1
        if self.bodies is not None:
            self.bodies.append(body)
        return await self._replies[index].handle_async_request(request)


def _client(transport: httpx.AsyncBaseTransport) -> groq.AsyncGroq:
    return groq.AsyncGroq(
        api_key='bench',
        base_url='http://bench.local',
        http_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
    )


# --- the contenders -------------------------------------------------------------------------------


def _raw_loop(
    client: groq.AsyncGroq, tool: Callable[..., Awaitable[str]] | None = None
) -> Callable[[], Awaitable[str]]:
    """The tool loop written by hand with the SDK; `tool` replaces the sync `get_weather` when given."""

    async def raw() -> str:
        messages: Any = [{'role': 'user', 'content': PROMPT}]
        completion = await client.chat.completions.create(
            model=MODEL, messages=messages, tools=RAW_TOOLS, tool_choice='auto'
        )
        message = completion.choices[0].message
        while message.tool_calls:
            messages.append(
                {
                    'role': 'assistant',
                    'tool_calls': [
                        {
                            'id': call.id,
                            'type': 'function',
                            'function': {'name': call.function.name, 'arguments': call.function.arguments},
                        }
                        for call in message.tool_calls
                    ],
                }
            )
            for call in message.tool_calls:
                args = json.loads(call.function.arguments)
                result = await tool(**args) if tool is not None else get_weather(**args)
                messages.append({'role': 'tool', 'tool_call_id': call.id, 'content': result})
            completion = await client.chat.completions.create(
                model=MODEL, messages=messages, tools=RAW_TOOLS, tool_choice='auto'
            )
            message = completion.choices[0].message
        assert message.content is not None
        return message.content

    return raw


def _agent_run(agent: Agent[None, Any]) -> Callable[[], Awaitable[str]]:
    async def ours() -> str:
        return (await agent.run(PROMPT)).output

    return ours


async def _round_trip(options: Options) -> list[Row]:
    transport = _RepliesTransport(_weather_replies(), _in_turn, record=True)
    client = _client(transport)
    model = GroqModel(MODEL, groq_client=client)
    agent = Agent(model, tools=[get_weather])
    ours = _agent_run(agent)
    raw = _raw_loop(client)

    check_equal('round trip, ours vs the canned answer', await ours(), ANSWER)
    check_equal('round trip, baseline vs the canned answer', await raw(), ANSWER)
    assert transport.bodies is not None
    ours_sent = [json.loads(body) for body in transport.bodies[:2]]
    raw_sent = [json.loads(body) for body in transport.bodies[2:]]
    check_equal('round trip, requests sent', ours_sent, raw_sent)
    if 'Sunny, 22C in Paris' not in json.dumps(ours_sent[1]):
        raise BenchmarkError('the tool result is missing from the second request')
    transport.bodies = None

    async def get_weather_async(city: str) -> str:
        """Get the current weather for a city."""
        return f'Sunny, 22C in {city}'

    ours_async = _agent_run(Agent(model, tools=[Tool(get_weather_async, name='get_weather')]))
    check_equal('round trip, ours (async tool) vs the canned answer', await ours_async(), ANSWER)

    budget, min_reps = (8, 15) if not options.quick else (1.6, 5)
    result = await time_pair(ours, raw, budget_s=budget, min_reps=min_reps)
    async_tool = await time_pair(ours_async, raw, budget_s=budget / 4, min_reps=min_reps)
    if transport.requests % 2:
        raise BenchmarkError('a run made an odd number of requests: the replies got out of turn')
    return [
        Row(
            ROUND_TRIP,
            result.ours_ns / 1000,
            result.baseline_ns / 1000,
            'µs',
            Target('ratio', 0.65),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner} runs; ratio = median of paired ratios; '
                'both send the same two request bodies (checked as JSON) and return the same text',
                'baseline: create(tools=...), message.tool_calls, json.loads, get_weather(**args) called inline, '
                'append the assistant and tool messages, create again, message.content',
                f'ours runs a sync tool in a worker thread (anyio.to_thread.run_sync); with the same tool as '
                f'`async def` ours takes {async_tool.ours_ns / 1000:,.0f} µs against '
                f'{async_tool.baseline_ns / 1000:,.0f} µs (ratio {async_tool.ratio:.2f}): the thread hop costs about '
                f'{(result.ours_ns - async_tool.ours_ns) / 1000:,.0f} µs',
            ],
        )
    ]


async def _stream_text(options: Options) -> list[Row]:
    canned = text_stream(2000)
    client, _ = make_client(canned)
    agent = Agent(GroqModel(MODEL, groq_client=client))

    async def ours() -> str:
        pieces: list[str] = []
        async with agent.run_stream(PROMPT) as result:
            async for piece in result.stream_text(delta=True):
                pieces.append(piece)
        return ''.join(pieces)

    async def raw() -> str:
        pieces: list[str] = []
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{'role': 'user', 'content': PROMPT}], stream=True
        )
        async for chunk in stream:
            if chunk.choices and (content := chunk.choices[0].delta.content):
                pieces.append(content)
        return ''.join(pieces)

    check_equal('stream text, ours vs the canned text', await ours(), canned.text)
    check_equal('stream text, baseline vs the canned text', await raw(), canned.text)
    budget, min_reps = (10, 15) if not options.quick else (2, 5)
    result = await time_pair(ours, raw, budget_s=budget, min_reps=min_reps)
    return [
        Row(
            STREAM_TEXT,
            result.ours_ns / 1e6,
            result.baseline_ns / 1e6,
            'ms',
            Target('ratio', 0.5),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner}; ratio = median of paired ratios; '
                f'per SSE event ({canned.events}): ours {result.ours_ns / canned.events / 1000:.2f} µs, '
                f'the SDK {result.baseline_ns / canned.events / 1000:.2f} µs',
            ],
        )
    ]


# --- stream_output --------------------------------------------------------------------------------


def _output_contender(output_type: type[pydantic.BaseModel], canned: Canned) -> Callable[[], Awaitable[Any]]:
    client, _ = make_client(canned)
    agent = Agent(GroqModel(MODEL, groq_client=client), output_type=output_type)

    async def ours() -> tuple[int, Any]:
        count = 0
        last: Any = None
        async with agent.run_stream(PROMPT) as result:
            async for partial in result.stream_output():
                count += 1
                last = partial
        return count, last

    return ours


async def _stream_output_pair(
    output_type: type[pydantic.BaseModel],
    canned: tuple[Canned, Canned],
    least_partials: tuple[int, int],
    budget_s: float,
    min_reps: int,
) -> tuple[PairResult, int]:
    """Times `stream_output` on the larger stream `canned[1]` (as 'ours') against the smaller `canned[0]`.

    Checked first: the last output equals the whole document validated, and at least
    `least_partials` outputs came before it (on the small stream, on the large one).
    """
    contenders: list[Callable[[], Awaitable[Any]]] = []
    counts: list[int] = []
    for canned_stream, least in reversed(tuple(zip(canned, least_partials, strict=True))):
        contender = _output_contender(output_type, canned_stream)
        count, last = await contender()
        assert canned_stream.tool_args is not None
        expected = output_type.model_validate_json(canned_stream.tool_args)
        check_equal(f'stream_output ({canned_stream.events} events), last output', last, expected)
        if count < least:
            raise BenchmarkError(f'stream_output yielded only {count} outputs for {canned_stream.events} events')
        counts.append(count)
        contenders.append(contender)
    result = await time_pair(contenders[0], contenders[1], budget_s=budget_s, min_reps=min_reps, min_sample_ns=0)
    return result, counts[0]


def _per_chunk_row(
    name: str, result: PairResult, small: Canned, large: Canned, target: Target | None, notes: list[str]
) -> Row:
    """Per SSE event on the large stream (ours) and the small one (baseline).

    The ratio is the median paired ratio of whole runs times the ratio of their events.
    """
    marginal = (result.ours_ns - result.baseline_ns) / (large.events - small.events) / 1000
    runs = (
        f'whole runs {result.baseline_ns / 1e6:.1f} ms (small) / {result.ours_ns / 1e6:.1f} ms (large), '
        f'{result.reps} interleaved repetitions; ratio = median of paired run ratios x {small.events}/{large.events}; '
        f"each event past the small stream's count costs {marginal:.2f} µs (the fixed cost of a run left out)"
    )
    return Row(
        name,
        result.ours_ns / large.events / 1000,
        result.baseline_ns / small.events / 1000,
        'µs',
        target,
        ratio=result.ratio * small.events / large.events,
        notes=[*notes, runs],
    )


async def _stream_output_growth(options: Options) -> list[Row]:
    quick = options.quick
    rows: list[Row] = []
    if options.wants(STREAM_OUTPUT):
        canned = (_output_stream(_article_args(1000), 1000), _output_stream(_article_args(4000), 4000))
        result, count = await _stream_output_pair(Article, canned, (100, 100), 1.5 if quick else 6, 5 if quick else 15)
        small, large = canned
        assert small.tool_args is not None and large.tool_args is not None
        notes = [
            f'output_type=Article(title, tags, summary), the summary sent last and growing a word per chunk '
            f'({len(small.tool_args):,} / {len(large.tool_args):,} characters of arguments); ours = µs per SSE event '
            f'at 4000 chunks ({large.events} events), baseline = the same at 1000 ({small.events}); '
            f'{count} partial outputs at 4000',
        ]
        rows.append(_per_chunk_row(STREAM_OUTPUT, result, small, large, Target('ratio', 1.2), notes))
    if options.wants(STREAM_OUTPUT_LIST):
        lists = (_inventory_args(1000), _inventory_args(4000))
        canned = (_output_stream(lists[0], len(lists[0]) // 4), _output_stream(lists[1], len(lists[1]) // 4))
        result, count = await _stream_output_pair(Inventory, canned, (40, 40), 1.5 if quick else 6, 3 if quick else 8)
        small, large = canned
        notes = [
            f'output_type=Inventory(items: list[Item(name, qty)]) of 1000 / 4000 items ({len(lists[0]):,} / '
            f'{len(lists[1]):,} characters of arguments, 4 a chunk); ours = µs per SSE event at 4000 items '
            f'({large.events} events), baseline = the same at 1000 ({small.events}); {count} partial outputs at 4000',
        ]
        rows.append(_per_chunk_row(STREAM_OUTPUT_LIST, result, small, large, Target('ratio', 1.2), notes))
    return rows


async def _stream_output_vs_get_output(options: Options) -> list[Row]:
    args = _report_args(40_000)
    canned = _output_stream(args, len(args) // 4)
    client, _ = make_client(canned)
    agent = Agent(GroqModel(MODEL, groq_client=client), output_type=Report)
    streamed = _output_contender(Report, canned)

    async def whole() -> Report:
        async with agent.run_stream(PROMPT) as result:
            return await result.get_output()

    expected = Report.model_validate_json(args)
    count, last = await streamed()
    check_equal('stream_output (40 KB), last output', last, expected)
    check_equal('get_output (40 KB)', await whole(), expected)
    if count < 40:
        raise BenchmarkError(f'stream_output yielded only {count} outputs for {canned.events} events')
    quick = options.quick
    budget_s, min_reps = (1.5, 5) if quick else (6, 15)
    result = await time_pair(streamed, whole, budget_s=budget_s, min_reps=min_reps, min_sample_ns=0)
    return [
        Row(
            STREAM_OUTPUT_VS_GET,
            result.ours_ns / 1e6,
            result.baseline_ns / 1e6,
            'ms',
            Target('ratio', 1.3),
            ratio=result.ratio,
            notes=[
                f'output_type=Report(title, sections: list[Section(heading, body)]), {len(args):,} characters of '
                f'arguments in {canned.events} SSE events (4 characters a chunk); ours = run_stream + stream_output '
                f'({count} outputs), baseline = run_stream + get_output on the same bytes; {result.reps} interleaved '
                'repetitions; ratio = median of paired ratios',
            ],
        )
    ]


# --- memory ---------------------------------------------------------------------------------------


class _Gate:
    """Holds every tool call until `expected` of them have started, so all runs are alive at once."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.started = 0
        self.event = anyio.Event()

    async def wait(self) -> None:
        self.started += 1
        if self.started == self.expected:
            self.event.set()
        await self.event.wait()


async def _peak_per_run(one_run: Callable[[], Awaitable[str]], gates: list[_Gate], n: int) -> float:
    """KiB per run of the `tracemalloc` peak (above the baseline) of `n` runs held in flight together."""
    gates[0] = _Gate(1)
    check_equal('memory, warm-up run', await one_run(), ANSWER)
    gates[0] = _Gate(n)
    done: list[int] = [0]

    async def run_one() -> None:
        if await one_run() == ANSWER:
            done[0] += 1

    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        async with anyio.create_task_group() as group:
            for _ in range(n):
                group.start_soon(run_one)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if gates[0].started != n or done[0] != n:
        raise BenchmarkError(f'{gates[0].started} tool calls started and {done[0]} runs finished of {n}')
    return (peak - base) / n / 1024


async def _memory(options: Options) -> list[Row]:
    n = CONCURRENT_RUNS
    gates = [_Gate(1)]

    async def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        await gates[0].wait()
        return f'Sunny, 22C in {city}'

    ours_transport = _RepliesTransport(_weather_replies(), _by_role)
    agent = Agent(GroqModel(MODEL, groq_client=_client(ours_transport)), tools=[get_weather])
    raw_transport = _RepliesTransport(_weather_replies(), _by_role)
    raw = _raw_loop(_client(raw_transport), get_weather)
    ours_kib = await _peak_per_run(_agent_run(agent), gates, n)
    raw_kib = await _peak_per_run(raw, gates, n)
    return [
        Row(
            MEMORY,
            ours_kib,
            raw_kib,
            'KiB',
            Target('ours', 40),
            notes=[
                f'{n} agent.run tasks in one task group; the async tool waits until all {n} tool calls have '
                'started, so every run is alive at once; tracemalloc peak minus the baseline (taken after building '
                'the agent and a warm-up run), divided by the runs',
                'baseline: the hand-written raw-SDK loop with the same async tool (context, no target)',
            ],
        )
    ]


def run(options: Options) -> list[Row]:
    rows: list[Row] = []

    async def main() -> None:
        if options.wants(ROUND_TRIP):
            rows.extend(await _round_trip(options))
        if options.wants(STREAM_TEXT):
            rows.extend(await _stream_text(options))
        rows.extend(await _stream_output_growth(options))
        if options.wants(STREAM_OUTPUT_VS_GET):
            rows.extend(await _stream_output_vs_get_output(options))
        if options.wants(MEMORY):
            rows.extend(await _memory(options))

    asyncio.run(main())
    return rows
