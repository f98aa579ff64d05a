"""OpenTelemetry spans and metrics: the exported span tree, its attributes, the metrics, content and secrets."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import opentelemetry.metrics._internal as metrics_internal
import opentelemetry.trace as trace_api
import pytest
from dirty_equals import IsInt, IsPositiveFloat, IsStr
from inline_snapshot import snapshot
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from pydantic_ai_groq import (
    Agent,
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ImageUrl,
    InstrumentationSettings,
    InstrumentedModel,
    Model,
    ModelRequest,
    ModelRequestParameters,
    ModelResponse,
    ModelRetry,
    ModelSettings,
    PromptedOutput,
    RetryPromptPart,
    StreamedResponse,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    UnexpectedModelBehavior,
    UserPromptPart,
    instrument_all,
)
from pydantic_ai_groq.direct import model_request
from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError
from pydantic_ai_groq.instrumentation._semconv import (
    error_type,
    input_messages,
    model_attributes,
    output_messages,
    rejected_error_type,
    system_instructions,
)
from pydantic_ai_groq.messages import ModelMessage, ModelResponseStreamEvent
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply, Usage

API_KEY = 'gsk_test_0123456789_this_key_must_never_reach_telemetry'


@dataclass
class Telemetry:
    """An SDK tracer and meter provider with in-memory exporters, handed to agents through settings."""

    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def settings(self, *, include_content: bool = False) -> InstrumentationSettings:
        return InstrumentationSettings(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, include_content=include_content
        )

    def spans(self) -> list[ReadableSpan]:
        return sorted(self.exporter.get_finished_spans(), key=lambda span: span.start_time or 0)

    def tree(self, *keys: str) -> list[dict[str, Any]]:
        """The finished spans in start order: name, kind, parent (its index), status, attributes (all, or `keys`), events."""
        spans = self.spans()
        index = {span.context.span_id: n for n, span in enumerate(spans) if span.context}
        tree: list[dict[str, Any]] = []
        for span in spans:
            attributes = dict(span.attributes or {})
            node: dict[str, Any] = {
                'name': span.name,
                'kind': span.kind.name,
                'parent': index.get(span.parent.span_id) if span.parent else None,
                'attributes': {k: attributes[k] for k in keys if k in attributes} if keys else attributes,
            }
            if span.status.status_code is not StatusCode.UNSET:
                node['status'] = span.status.status_code.name
                node['status_description'] = span.status.description
            if span.events:
                node['events'] = [{'name': event.name, **dict(event.attributes or {})} for event in span.events]
            tree.append(node)
        return tree

    def trace_ids(self) -> set[int]:
        return {span.context.trace_id for span in self.spans() if span.context}

    def histograms(self) -> dict[str, list[dict[str, Any]]]:
        data = self.reader.get_metrics_data()
        result: dict[str, list[dict[str, Any]]] = {}
        for resource_metrics in data.resource_metrics if data else ():
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    points: list[dict[str, Any]] = []
                    for point in metric.data.data_points:
                        assert isinstance(point, HistogramDataPoint)
                        points.append(
                            {'attributes': dict(point.attributes or {}), 'count': point.count, 'sum': point.sum}
                        )
                    result[f'{metric.name} [{metric.unit}]'] = points
        return result


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(exporter, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


@pytest.fixture(autouse=True)
def _no_global_instrumentation() -> Iterator[None]:
    yield
    instrument_all(False)


def weather_agent(model: Model, settings: InstrumentationSettings | bool | None, **kwargs: Any) -> Agent[None, str]:
    agent = Agent(model, name='weather', instructions='Answer in one sentence.', instrument=settings, **kwargs)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f'Sunny in {city}'

    return agent


def two_tool_calls() -> list[Reply]:
    return [
        Reply(
            tool_calls=[
                ToolCallReply('get_weather', {'city': 'Paris'}, id='call_paris'),
                ToolCallReply('get_weather', {'city': 'London'}, id='call_london'),
            ],
            usage=Usage(prompt_tokens=60, completion_tokens=20, reasoning_tokens=4, cached_tokens=32, queue_time=0.03),
        ),
        Reply(text='Sunny in both.', usage=Usage(prompt_tokens=90, completion_tokens=5)),
    ]


# --- the span tree ---------------------------------------------------------------------------


async def test_run_with_two_tool_calls(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(*two_tool_calls())
    agent = weather_agent(model, telemetry.settings())
    result = await agent.run('Weather in Paris and London?', model_settings={'temperature': 0.2, 'max_tokens': 300})
    assert result.output == 'Sunny in both.'
    assert telemetry.tree() == snapshot(
        [
            {
                'name': 'invoke_agent weather',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {
                    'gen_ai.operation.name': 'invoke_agent',
                    'gen_ai.provider.name': 'groq',
                    'gen_ai.system': 'groq',
                    'gen_ai.request.model': 'llama-3.3-70b-versatile',
                    'server.address': 'groq-emulator',
                    'server.port': 80,
                    'gen_ai.agent.name': 'weather',
                    'gen_ai.usage.input_tokens': 150,
                    'gen_ai.usage.output_tokens': 25,
                },
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.operation.name': 'chat',
                    'gen_ai.provider.name': 'groq',
                    'gen_ai.system': 'groq',
                    'gen_ai.request.model': 'llama-3.3-70b-versatile',
                    'server.address': 'groq-emulator',
                    'server.port': 80,
                    'gen_ai.request.max_tokens': 300,
                    'gen_ai.request.temperature': 0.2,
                    'gen_ai.response.model': 'llama-3.3-70b-versatile',
                    'gen_ai.response.id': IsStr(regex=r'chatcmpl-[0-9a-f-]{36}'),
                    'gen_ai.response.finish_reasons': ('tool_call',),
                    'gen_ai.usage.input_tokens': 60,
                    'gen_ai.usage.output_tokens': 20,
                    'groq.usage.reasoning_tokens': 4,
                    'gen_ai.usage.cache_read.input_tokens': 32,
                    'groq.queue_time': 0.03,
                    'groq.prompt_time': 0.002,
                    'groq.completion_time': 0.02,
                    'groq.total_time': 0.022,
                    'groq.request_id': IsStr(regex=r'req_01\w{24}'),
                    'groq.service_tier': 'on_demand',
                    'groq.system_fingerprint': 'fp_emulator',
                },
            },
            {
                'name': 'execute_tool get_weather',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {
                    'gen_ai.operation.name': 'execute_tool',
                    'gen_ai.tool.name': 'get_weather',
                    'gen_ai.tool.call.id': 'call_paris',
                    'gen_ai.tool.type': 'function',
                    'gen_ai.tool.description': 'The weather in a city.',
                },
            },
            {
                'name': 'execute_tool get_weather',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {
                    'gen_ai.operation.name': 'execute_tool',
                    'gen_ai.tool.name': 'get_weather',
                    'gen_ai.tool.call.id': 'call_london',
                    'gen_ai.tool.type': 'function',
                    'gen_ai.tool.description': 'The weather in a city.',
                },
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.operation.name': 'chat',
                    'gen_ai.provider.name': 'groq',
                    'gen_ai.system': 'groq',
                    'gen_ai.request.model': 'llama-3.3-70b-versatile',
                    'server.address': 'groq-emulator',
                    'server.port': 80,
                    'gen_ai.request.max_tokens': 300,
                    'gen_ai.request.temperature': 0.2,
                    'gen_ai.response.model': 'llama-3.3-70b-versatile',
                    'gen_ai.response.id': IsStr(regex=r'chatcmpl-[0-9a-f-]{36}'),
                    'gen_ai.response.finish_reasons': ('stop',),
                    'gen_ai.usage.input_tokens': 90,
                    'gen_ai.usage.output_tokens': 5,
                    'groq.queue_time': 0.01,
                    'groq.prompt_time': 0.002,
                    'groq.completion_time': 0.02,
                    'groq.total_time': 0.022,
                    'groq.request_id': IsStr(regex=r'req_01\w{24}'),
                    'groq.service_tier': 'on_demand',
                    'groq.system_fingerprint': 'fp_emulator',
                },
            },
        ]
    )
    assert len(telemetry.trace_ids()) == 1
    spans = telemetry.spans()
    run_span, last_chat = spans[0], spans[-1]
    assert run_span.end_time and last_chat.end_time and last_chat.end_time <= run_span.end_time
    assert not any(
        key.startswith(('gen_ai.input', 'gen_ai.output', 'gen_ai.system_', 'gen_ai.tool.call.a'))
        for span in spans
        for key in span.attributes or {}
    )


async def test_content_is_recorded_only_when_asked(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(*two_tool_calls())
    agent = weather_agent(model, telemetry.settings(include_content=True))
    await agent.run('Weather in Paris and London?')
    content = (
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.system_instructions',
        'gen_ai.tool.call.arguments',
        'gen_ai.tool.call.result',
    )
    assert telemetry.tree(*content) == snapshot(
        [
            {
                'name': 'invoke_agent weather',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {
                    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris and London?"}]}]',
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Sunny in both."}],"finish_reason":"stop"}]',
                    'gen_ai.system_instructions': '[{"type":"text","content":"Answer in one sentence."}]',
                },
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris and London?"}]}]',
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"tool_call","id":"call_paris","name":"get_weather","arguments":{"city":"Paris"}},{"type":"tool_call","id":"call_london","name":"get_weather","arguments":{"city":"London"}}],"finish_reason":"tool_call"}]',
                    'gen_ai.system_instructions': '[{"type":"text","content":"Answer in one sentence."}]',
                },
            },
            {
                'name': 'execute_tool get_weather',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {
                    'gen_ai.tool.call.arguments': '{"city":"Paris"}',
                    'gen_ai.tool.call.result': 'Sunny in Paris',
                },
            },
            {
                'name': 'execute_tool get_weather',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {
                    'gen_ai.tool.call.arguments': '{"city":"London"}',
                    'gen_ai.tool.call.result': 'Sunny in London',
                },
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris and London?"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"call_paris","name":"get_weather","arguments":{"city":"Paris"}},{"type":"tool_call","id":"call_london","name":"get_weather","arguments":{"city":"London"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_paris","response":"Sunny in Paris"}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_london","response":"Sunny in London"}]}]',
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Sunny in both."}],"finish_reason":"stop"}]',
                    'gen_ai.system_instructions': '[{"type":"text","content":"Answer in one sentence."}]',
                },
            },
        ]
    )


async def test_streamed_run(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(
        Reply(tool_calls=[ToolCallReply('get_weather', {'city': 'Paris'}, id='call_paris')]),
        Reply(text='It is sunny in Paris.', usage=Usage(prompt_tokens=80, completion_tokens=6)),
    )
    agent = weather_agent(model, telemetry.settings(include_content=True))
    async with agent.run_stream('Weather in Paris?') as result:
        pieces = [piece async for piece in result.stream_text(delta=True)]
        # The run has ended with the stream: every span is exported before the block is left.
        assert [span.name for span in telemetry.spans()] == [
            'invoke_agent weather',
            'chat llama-3.3-70b-versatile',
            'execute_tool get_weather',
            'chat llama-3.3-70b-versatile',
        ]
    assert ''.join(pieces) == 'It is sunny in Paris.'
    keys = (
        'gen_ai.response.finish_reasons',
        'gen_ai.usage.input_tokens',
        'gen_ai.usage.output_tokens',
        'gen_ai.output.messages',
    )
    assert telemetry.tree(*keys) == snapshot(
        [
            {
                'name': 'invoke_agent weather',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {
                    'gen_ai.usage.input_tokens': IsInt(gt=80),
                    'gen_ai.usage.output_tokens': IsInt(gt=6),
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"It is sunny in Paris."}],"finish_reason":"stop"}]',
                },
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.response.finish_reasons': ('tool_call',),
                    'gen_ai.usage.input_tokens': IsInt(gt=0),
                    'gen_ai.usage.output_tokens': IsInt(gt=0),
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"tool_call","id":"call_paris","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_call"}]',
                },
            },
            {'name': 'execute_tool get_weather', 'kind': 'INTERNAL', 'parent': 0, 'attributes': {}},
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.response.finish_reasons': ('stop',),
                    'gen_ai.usage.input_tokens': 80,
                    'gen_ai.usage.output_tokens': 6,
                    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"It is sunny in Paris."}],"finish_reason":"stop"}]',
                },
            },
        ]
    )


async def test_stream_closed_early_ends_its_spans(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(Reply(text='one two three four five six'))
    agent = Agent(model, instrument=telemetry.settings())
    async with agent.run_stream('Count') as result:
        async for text in result.stream_text(debounce_by=None):
            if text.startswith('one two'):
                break
        assert telemetry.spans() == []  # still streaming
    # Leaving the block closed the stream: both spans ended, without an error and without usage (none arrived).
    assert telemetry.tree('gen_ai.response.finish_reasons', 'gen_ai.usage.input_tokens', 'error.type') == snapshot(
        [
            {
                'name': 'invoke_agent',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {'gen_ai.usage.input_tokens': 0},
            },
            {'name': 'chat llama-3.3-70b-versatile', 'kind': 'CLIENT', 'parent': 0, 'attributes': {}},
        ]
    )

    telemetry.exporter.clear()
    emulator.push(Reply(text='one two three'))
    events = agent.run_stream_events('Count')
    async for _ in events:
        break
    await events.aclose()
    assert [(span.name, span.status.status_code) for span in telemetry.spans()] == [
        ('invoke_agent', StatusCode.UNSET),
        ('chat llama-3.3-70b-versatile', StatusCode.UNSET),
    ]


async def test_failed_request(emulator: GroqEmulator, telemetry: Telemetry):
    emulator.push(ErrorReply(500))
    model = emulator.model()  # the emulator's client makes no retries (max_retries=0)
    agent = Agent(model, name='failing', instrument=telemetry.settings(include_content=True))
    with pytest.raises(ModelHTTPError):
        await agent.run('Hello')
    await model.client.close()
    assert telemetry.tree('error.type', 'gen_ai.output.messages') == snapshot(
        [
            {
                'name': 'invoke_agent failing',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {'error.type': '500'},
                'status': 'ERROR',
                'status_description': IsStr(
                    regex=r'ModelHTTPError: status_code: 500, model_name: llama-3.3-70b-versatile, .*'
                ),
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'pydantic_ai_groq.exceptions.ModelHTTPError',
                        'exception.message': IsStr(
                            regex=r'status_code: 500, model_name: llama-3.3-70b-versatile, body: .*'
                        ),
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'error.type': '500'},
                'status': 'ERROR',
                'status_description': IsStr(
                    regex=r'ModelHTTPError: status_code: 500, model_name: llama-3.3-70b-versatile, .*'
                ),
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'pydantic_ai_groq.exceptions.ModelHTTPError',
                        'exception.message': IsStr(
                            regex=r'status_code: 500, model_name: llama-3.3-70b-versatile, body: .*'
                        ),
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
        ]
    )
    assert telemetry.histograms() == snapshot(
        {
            'gen_ai.client.operation.duration [s]': [
                {
                    'attributes': {
                        'gen_ai.operation.name': 'chat',
                        'gen_ai.provider.name': 'groq',
                        'gen_ai.request.model': 'llama-3.3-70b-versatile',
                        'server.address': 'groq-emulator',
                        'server.port': 80,
                        'error.type': '500',
                    },
                    'count': 1,
                    'sum': IsPositiveFloat(),
                }
            ]
        }
    )


async def test_failed_streamed_request(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(ErrorReply(429, headers={'retry-after': '0'}))
    agent = Agent(model, instrument=telemetry.settings())
    with pytest.raises(ModelHTTPError):
        async with agent.run_stream('Hello') as result:
            await result.get_output()
    assert [(span.name, dict(span.attributes or {}).get('error.type')) for span in telemetry.spans()] == [
        ('invoke_agent', '429'),
        ('chat llama-3.3-70b-versatile', '429'),
    ]

    telemetry.exporter.clear()
    emulator.push(Reply(text='one two three', cut_after=2))  # the stream stops without finishing
    with pytest.raises(UnexpectedModelBehavior):
        async with agent.run_stream('Hello') as result:
            await result.get_output()
    chat = telemetry.spans()[1]
    assert dict(chat.attributes or {}) == snapshot(
        {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'groq',
            'gen_ai.system': 'groq',
            'gen_ai.request.model': 'llama-3.3-70b-versatile',
            'server.address': 'groq-emulator',
            'server.port': 80,
            'gen_ai.response.model': 'llama-3.3-70b-versatile',
            'gen_ai.response.id': IsStr(regex=r'chatcmpl-[0-9a-f-]{36}'),
            'groq.request_id': IsStr(regex=r'req_01\w{24}'),
            'groq.system_fingerprint': 'fp_emulator',
            'error.type': 'UnexpectedModelBehavior',
        }
    )


async def test_retried_tool(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    agent = Agent(model, name='booker', instrument=telemetry.settings())
    attempts: list[int] = []

    @agent.tool_plain
    def book(day: str) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ModelRetry('That day is full, pick another one.')
        return f'Booked on {day}'

    emulator.push(
        Reply(tool_calls=[ToolCallReply('book', {'day': 'Monday'}, id='call_1')]),
        Reply(tool_calls=[ToolCallReply('book', {'day': 'Tuesday'}, id='call_2')]),
        Reply(text='Booked on Tuesday.'),
    )
    assert (await agent.run('Book me in')).output == 'Booked on Tuesday.'
    assert telemetry.tree('gen_ai.tool.call.id', 'error.type', 'gen_ai.response.finish_reasons') == snapshot(
        [
            {'name': 'invoke_agent booker', 'kind': 'INTERNAL', 'parent': None, 'attributes': {}},
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'gen_ai.response.finish_reasons': ('tool_call',)},
            },
            {
                'name': 'execute_tool book',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {'gen_ai.tool.call.id': 'call_1', 'error.type': 'ModelRetry'},
                'status': 'ERROR',
                'status_description': 'ModelRetry: That day is full, pick another one.',
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'pydantic_ai_groq.exceptions.ModelRetry',
                        'exception.message': 'That day is full, pick another one.',
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'gen_ai.response.finish_reasons': ('tool_call',)},
            },
            {
                'name': 'execute_tool book',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {'gen_ai.tool.call.id': 'call_2'},
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'gen_ai.response.finish_reasons': ('stop',)},
            },
        ]
    )


async def test_invalid_arguments_and_failing_tools(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    agent = Agent(model, instrument=telemetry.settings(include_content=True))

    @agent.tool_plain
    def divide(a: int, b: int) -> float:
        return a / b

    emulator.push(
        Reply(tool_calls=[ToolCallReply('divide', {'a': 'one', 'b': 2}, id='call_bad')]),
        Reply(tool_calls=[ToolCallReply('divide', {'a': 1, 'b': 0}, id='call_zero')]),
    )
    with pytest.raises(ZeroDivisionError):
        await agent.run('1/0?')
    assert telemetry.tree('error.type', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result') == snapshot(
        [
            {
                'name': 'invoke_agent',
                'kind': 'INTERNAL',
                'parent': None,
                'attributes': {'error.type': 'ZeroDivisionError'},
                'status': 'ERROR',
                'status_description': 'ZeroDivisionError: division by zero',
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'ZeroDivisionError',
                        'exception.message': 'division by zero',
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
            {'name': 'chat llama-3.3-70b-versatile', 'kind': 'CLIENT', 'parent': 0, 'attributes': {}},
            {
                'name': 'execute_tool divide',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {'gen_ai.tool.call.arguments': '{"a":"one","b":2}', 'error.type': 'ValidationError'},
                'status': 'ERROR',
                'status_description': IsStr(regex=r'(?s)ValidationError: 1 validation error for divide.*'),
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'pydantic_core._pydantic_core.ValidationError',
                        'exception.message': IsStr(),
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
            {'name': 'chat llama-3.3-70b-versatile', 'kind': 'CLIENT', 'parent': 0, 'attributes': {}},
            {
                'name': 'execute_tool divide',
                'kind': 'INTERNAL',
                'parent': 0,
                'attributes': {'gen_ai.tool.call.arguments': '{"a":1,"b":0}', 'error.type': 'ZeroDivisionError'},
                'status': 'ERROR',
                'status_description': 'ZeroDivisionError: division by zero',
                'events': [
                    {
                        'name': 'exception',
                        'exception.type': 'ZeroDivisionError',
                        'exception.message': 'division by zero',
                        'exception.stacktrace': IsStr(regex=r'(?s)Traceback \(most recent call last\):.*'),
                        'exception.escaped': 'True',
                    }
                ],
            },
        ]
    )


async def test_rejected_generation(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    error = {
        'error': {
            'message': 'Failed to call a function. Please adjust your prompt.',
            'type': 'invalid_request_error',
            'code': 'tool_use_failed',
            'failed_generation': 'not a tool call',
        }
    }
    emulator.push(ErrorReply(400, body=error), Reply(text='Fine.'))
    agent = Agent(model, instrument=telemetry.settings())
    assert (await agent.run('Hi')).output == 'Fine.'
    assert telemetry.tree('error.type', 'gen_ai.response.finish_reasons') == snapshot(
        [
            {'name': 'invoke_agent', 'kind': 'INTERNAL', 'parent': None, 'attributes': {}},
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'gen_ai.response.finish_reasons': ('error',), 'error.type': 'tool_use_failed'},
                'status': 'ERROR',
                'status_description': 'tool_use_failed',
            },
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {'gen_ai.response.finish_reasons': ('stop',)},
            },
        ]
    )
    durations = telemetry.histograms()['gen_ai.client.operation.duration [s]']
    assert [point['attributes'].get('error.type') for point in durations] == ['tool_use_failed', None]


async def test_request_settings_and_output_type(emulator: GroqEmulator, telemetry: Telemetry):
    class City(BaseModel):
        name: str

    model = emulator.model(settings={'seed': 7, 'top_p': 0.9, 'temperature': 1.0})
    settings: ModelSettings = {
        'temperature': 0.5,
        'presence_penalty': 0.1,
        'frequency_penalty': 0.2,
        'stop_sequences': ['END'],
        'extra_headers': {'x-trace': 'never recorded'},
    }
    agent = Agent(model, output_type=PromptedOutput(City), model_settings=settings, instrument=telemetry.settings())
    emulator.push(Reply(text='{"name": "Paris"}'))
    await agent.run('Capital of France?')
    await model.client.close()
    chat = dict(telemetry.spans()[1].attributes or {})
    assert {
        key: value for key, value in chat.items() if key.startswith(('gen_ai.request.', 'gen_ai.output'))
    } == snapshot(
        {
            'gen_ai.request.model': 'llama-3.3-70b-versatile',
            'gen_ai.request.temperature': 0.5,
            'gen_ai.request.top_p': 0.9,
            'gen_ai.request.seed': 7,
            'gen_ai.request.presence_penalty': 0.1,
            'gen_ai.request.frequency_penalty': 0.2,
            'gen_ai.request.stop_sequences': ('END',),
            'gen_ai.output.type': 'json',
        }
    )


async def test_spans_nest_under_the_callers_span_and_tools_spans_under_theirs(
    emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry
):
    tracer = telemetry.tracer_provider.get_tracer('test')
    agent = Agent(model, instrument=telemetry.settings())

    @agent.tool_plain
    def lookup() -> str:
        with tracer.start_as_current_span('inside the tool'):
            return 'found'

    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {})]), Reply(text='Found it.'))
    with tracer.start_as_current_span('request handler'):
        await agent.run('Find it')
        # The run span was never made current, so nothing leaks into the caller's context.
        current = trace_api.get_current_span()
        assert isinstance(current, ReadableSpan) and current.name == 'request handler'
    assert [(node['name'], node['parent']) for node in telemetry.tree()] == snapshot(
        [
            ('request handler', None),
            ('invoke_agent', 0),
            ('chat llama-3.3-70b-versatile', 1),
            ('execute_tool lookup', 1),
            ('inside the tool', 3),
            ('chat llama-3.3-70b-versatile', 1),
        ]
    )


# --- metrics ---------------------------------------------------------------------------------


async def test_metrics(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    emulator.push(*two_tool_calls())
    await weather_agent(model, telemetry.settings()).run('Weather in Paris and London?')
    assert telemetry.histograms() == snapshot(
        {
            'gen_ai.client.token.usage [{token}]': [
                {
                    'attributes': {
                        'gen_ai.operation.name': 'chat',
                        'gen_ai.provider.name': 'groq',
                        'gen_ai.request.model': 'llama-3.3-70b-versatile',
                        'server.address': 'groq-emulator',
                        'server.port': 80,
                        'gen_ai.response.model': 'llama-3.3-70b-versatile',
                        'gen_ai.token.type': 'input',
                    },
                    'count': 2,
                    'sum': 150,
                },
                {
                    'attributes': {
                        'gen_ai.operation.name': 'chat',
                        'gen_ai.provider.name': 'groq',
                        'gen_ai.request.model': 'llama-3.3-70b-versatile',
                        'server.address': 'groq-emulator',
                        'server.port': 80,
                        'gen_ai.response.model': 'llama-3.3-70b-versatile',
                        'gen_ai.token.type': 'output',
                    },
                    'count': 2,
                    'sum': 25,
                },
            ],
            'gen_ai.client.operation.duration [s]': [
                {
                    'attributes': {
                        'gen_ai.operation.name': 'chat',
                        'gen_ai.provider.name': 'groq',
                        'gen_ai.request.model': 'llama-3.3-70b-versatile',
                        'server.address': 'groq-emulator',
                        'server.port': 80,
                        'gen_ai.response.model': 'llama-3.3-70b-versatile',
                    },
                    'count': 2,
                    'sum': IsPositiveFloat(),
                }
            ],
        }
    )
    data = telemetry.reader.get_metrics_data()
    assert data is not None
    boundaries = {
        metric.name: tuple(point.explicit_bounds)
        for metric in data.resource_metrics[0].scope_metrics[0].metrics
        for point in metric.data.data_points
        if isinstance(point, HistogramDataPoint)
    }
    if 'explicit_bucket_boundaries_advisory' not in inspect.signature(Meter.create_histogram).parameters:
        # opentelemetry-api 1.27-1.29 takes no bucket advice: the SDK's default boundaries apply.
        default = (
            0.0,
            5.0,
            10.0,
            25.0,
            50.0,
            75.0,
            100.0,
            250.0,
            500.0,
            750.0,
            1000.0,
            2500.0,
            5000.0,
            7500.0,
            10000.0,
        )
        assert boundaries == {'gen_ai.client.token.usage': default, 'gen_ai.client.operation.duration': default}
        return
    assert boundaries == snapshot(
        {
            'gen_ai.client.token.usage': (
                1.0,
                4.0,
                16.0,
                64.0,
                256.0,
                1024.0,
                4096.0,
                16384.0,
                65536.0,
                262144.0,
                1048576.0,
                4194304.0,
                16777216.0,
                67108864.0,
            ),
            'gen_ai.client.operation.duration': (
                0.01,
                0.02,
                0.04,
                0.08,
                0.16,
                0.32,
                0.64,
                1.28,
                2.56,
                5.12,
                10.24,
                20.48,
                40.96,
                81.92,
            ),
        }
    )


# --- switching it on and off -----------------------------------------------------------------


async def test_instrument_all_and_the_global_providers(
    emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
):
    # The global providers, as an SDK's (or Logfire's) configuration sets them; monkeypatch restores them.
    monkeypatch.setattr(trace_api, '_TRACER_PROVIDER', telemetry.tracer_provider)
    monkeypatch.setattr(metrics_internal, '_METER_PROVIDER', telemetry.meter_provider)
    plain = Agent(model)
    opted_out = Agent(model, instrument=False)
    own = Agent(model, instrument=True)

    await plain.run('not instrumented yet')
    await opted_out.run('never instrumented')
    assert telemetry.spans() == []

    await own.run('instrumented by itself')
    assert len(telemetry.spans()) == 2

    telemetry.exporter.clear()
    instrument_all()
    await plain.run('instrumented by default')
    await opted_out.run('still not instrumented')
    assert [span.name for span in telemetry.spans()] == ['invoke_agent', 'chat llama-3.3-70b-versatile']
    assert 'gen_ai.client.token.usage [{token}]' in telemetry.histograms()

    telemetry.exporter.clear()
    instrument_all(telemetry.settings(include_content=True))
    await plain.run('with content')
    assert 'gen_ai.input.messages' in (telemetry.spans()[0].attributes or {})

    telemetry.exporter.clear()
    instrument_all(False)
    await plain.run('off again')
    assert telemetry.spans() == []


async def test_off_means_no_tracer_at_all(emulator: GroqEmulator, model: GroqModel, monkeypatch: pytest.MonkeyPatch):
    import pydantic_ai_groq.instrumentation._run as instrumentation_run

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError('instrumentation was used by an agent that is not instrumented')

    monkeypatch.setattr(instrumentation_run, 'RunTelemetry', forbidden)
    monkeypatch.setattr(trace_api, 'get_tracer_provider', forbidden)
    agent = Agent(model)

    @agent.tool_plain
    def lookup() -> str:
        return 'found'

    assert (await agent.run('Find it')).output
    async with agent.run_stream('Find it') as result:
        assert await result.get_output()


def test_an_agent_that_is_not_instrumented_does_not_import_opentelemetry():
    code = """
import asyncio, sys
from pydantic_ai_groq import Agent
from pydantic_ai_groq.testing import GroqEmulator

async def main():
    agent = Agent(GroqEmulator().model())
    agent.tool_plain(lambda: 'found', name='lookup')
    await agent.run('Find it')
    async with agent.run_stream('Find it') as result:
        await result.get_output()

asyncio.run(main())
print(sorted(name for name in sys.modules if name.startswith('opentelemetry')))
"""
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == '[]'


# --- secrets ---------------------------------------------------------------------------------


async def test_the_api_key_is_never_recorded(telemetry: Telemetry):
    settings = telemetry.settings(include_content=True)
    emulator = GroqEmulator(api_key=API_KEY)
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(api_key=API_KEY))
    agent = weather_agent(model, settings, model_settings={'extra_headers': {'x-echo': API_KEY}})
    attempts: list[int] = []

    @agent.tool_plain
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ModelRetry('try again')
        return 'ok'

    emulator.push(*two_tool_calls())
    await agent.run('Weather?')
    emulator.push(Reply(tool_calls=[ToolCallReply('flaky', {})]), Reply(tool_calls=[ToolCallReply('flaky', {})]))
    await agent.run('Flaky?')
    emulator.push(Reply(tool_calls=[ToolCallReply('get_weather', {'city': 'Rome'})]), Reply(text='Sunny.'))
    async with agent.run_stream('Streamed?') as result:
        await result.get_output()
    emulator.push(ErrorReply(500))
    with pytest.raises(ModelHTTPError):
        await agent.run('Failing?')
    await model.client.close()

    wrong_key = GroqModel(
        'llama-3.3-70b-versatile', groq_client=GroqEmulator(api_key='another-key').client(api_key=API_KEY)
    )
    with pytest.raises(ModelHTTPError) as unauthorized:
        await weather_agent(wrong_key, settings).run('Unauthorized?')
    assert unauthorized.value.status_code == 401
    await wrong_key.client.close()

    spans = telemetry.spans()
    assert len(spans) > 15 and any(span.events for span in spans)
    exported = [span.to_json() for span in spans]
    data = telemetry.reader.get_metrics_data()
    assert data is not None
    exported.append(data.to_json())
    assert 'Weather?' in ''.join(exported)  # content was recorded, so the scan below means something
    for text in exported:
        assert API_KEY not in text


# --- InstrumentedModel on its own ------------------------------------------------------------


class EchoModel(Model):
    """A model without a base URL, name or usage in its responses: the edges of what a `Model` reports."""

    def __init__(self, base_url: str | None = None) -> None:
        if base_url is not None:
            self.base_url = base_url

    @property
    def model_name(self) -> str:
        return 'echo'

    @property
    def system(self) -> str:
        return 'test'

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        return ModelResponse(parts=[TextPart('echo')])

    def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AbstractAsyncContextManager[StreamedResponse]:
        @asynccontextmanager
        async def stream() -> AsyncGenerator[StreamedResponse]:
            yield EchoStream('echo', datetime.now(tz=timezone.utc))

        return stream()


class EchoStream(StreamedResponse):
    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        return
        yield


async def test_instrumented_model_on_its_own(emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry):
    tracer = telemetry.tracer_provider.get_tracer('test')
    instrumented = InstrumentedModel(model, telemetry.settings())
    assert (instrumented.model_name, instrumented.system) == ('llama-3.3-70b-versatile', 'groq')
    emulator.push(Reply(text='Hi!'))
    with tracer.start_as_current_span('mine'):
        response = await model_request(instrumented, [ModelRequest.user_text_prompt('Hello')])
    assert response.text == 'Hi!'

    echo = InstrumentedModel(EchoModel(), telemetry.settings())
    await echo.request([ModelRequest.user_text_prompt('Hello')], None, ModelRequestParameters())
    async with echo.request_stream([], None, ModelRequestParameters()) as stream:
        assert [event async for event in stream] == []
    assert telemetry.tree(
        'gen_ai.provider.name',
        'gen_ai.request.model',
        'gen_ai.response.model',
        'server.address',
        'gen_ai.usage.input_tokens',
    ) == snapshot(
        [
            {'name': 'mine', 'kind': 'INTERNAL', 'parent': None, 'attributes': {}},
            {
                'name': 'chat llama-3.3-70b-versatile',
                'kind': 'CLIENT',
                'parent': 0,
                'attributes': {
                    'gen_ai.provider.name': 'groq',
                    'gen_ai.request.model': 'llama-3.3-70b-versatile',
                    'gen_ai.response.model': 'llama-3.3-70b-versatile',
                    'server.address': 'groq-emulator',
                    'gen_ai.usage.input_tokens': IsInt(gt=0),
                },
            },
            {
                'name': 'chat echo',
                'kind': 'CLIENT',
                'parent': None,
                'attributes': {'gen_ai.provider.name': 'test', 'gen_ai.request.model': 'echo'},
            },
            {
                'name': 'chat echo',
                'kind': 'CLIENT',
                'parent': None,
                'attributes': {
                    'gen_ai.provider.name': 'test',
                    'gen_ai.request.model': 'echo',
                    'gen_ai.response.model': 'echo',
                },
            },
        ]
    )
    assert InstrumentedModel(EchoModel()).instrumentation.include_content is False  # the global providers by default


def test_server_address_and_port():
    assert model_attributes(EchoModel('https://api.groq.com/openai/v1')) == snapshot(
        {
            'gen_ai.provider.name': 'test',
            'gen_ai.system': 'test',
            'gen_ai.request.model': 'echo',
            'server.address': 'api.groq.com',
            'server.port': 443,
        }
    )
    assert model_attributes(EchoModel('http://user:secret@localhost:8080/v1'))['server.port'] == 8080
    assert 'server.address' not in model_attributes(EchoModel('unix:/tmp/groq.sock'))


def test_error_types():
    assert error_type(ModelHTTPError(503, 'm')) == '503'
    assert error_type(ModelAPIError('m', 'timed out', 'timeout')) == 'timeout'
    assert error_type(ModelAPIError('m', 'refused')) == 'connection'
    assert error_type(ValueError('x')) == 'ValueError'
    assert rejected_error_type(
        ModelResponse(parts=[], provider_details={'error': {'code': 'json_validate_failed'}})
    ) == ('json_validate_failed')
    assert rejected_error_type(ModelResponse(parts=[], provider_details={'error': 'no code'})) == '_OTHER'
    assert rejected_error_type(ModelResponse(parts=[])) == '_OTHER'


def test_messages_as_the_conventions_json():
    history: list[ModelMessage] = [
        ModelRequest(
            [
                SystemPromptPart('You are terse.'),
                UserPromptPart(
                    [
                        'What is in these?',
                        ImageUrl('https://example.com/cat.png'),
                        ImageUrl('data:image/png;base64,iVBORw0KGgo='),
                        BinaryContent(b'GIF89a', media_type='image/gif'),
                    ]
                ),
            ]
        ),
        ModelResponse(
            [
                ThinkingPart('Two images.'),
                BuiltinToolCallPart('search', '{"q":"cat"}', 'executed_tool_0'),
                BuiltinToolReturnPart('search', {'output': 'a cat'}, 'executed_tool_0'),
                ToolCallPart('describe', 'not json', 'call_1'),
            ]
        ),
        ModelRequest(
            [
                RetryPromptPart('Arguments must be JSON.', 'describe', 'call_1'),
                RetryPromptPart('Answer in text.', tool_call_id='retry_1'),
            ]
        ),
    ]
    assert input_messages(history) == snapshot(
        '[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},{"role":"user","parts":[{"type":"text","content":"What is in these?"},{"type":"uri","modality":"image","uri":"https://example.com/cat.png"},{"type":"blob","modality":"image","mime_type":"image/png","content":"iVBORw0KGgo="},{"type":"blob","modality":"image","mime_type":"image/gif","content":"R0lGODlh"}]},{"role":"assistant","parts":[{"type":"reasoning","content":"Two images."},{"type":"server_tool_call","id":"executed_tool_0","name":"search","server_tool_call":{"type":"search","arguments":"{\\"q\\":\\"cat\\"}"}},{"type":"server_tool_call_response","id":"executed_tool_0","server_tool_call_response":{"type":"search","content":{"output":"a cat"}}},{"type":"tool_call","id":"call_1","name":"describe","arguments":"not json"}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"Arguments must be JSON.\\n\\nFix the errors and try again."}]},{"role":"user","parts":[{"type":"text","content":"Answer in text.\\n\\nFix the errors and try again."}]}]'
    )
    assert output_messages(ModelResponse([TextPart('partial')])) == snapshot(
        '[{"role":"assistant","parts":[{"type":"text","content":"partial"}]}]'
    )
    assert system_instructions(history) is None
    assert system_instructions([ModelResponse([TextPart('no request')])]) is None


async def test_spans_sampled_out_still_count_in_metrics(emulator: GroqEmulator, model: GroqModel):
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(sampler=ALWAYS_OFF)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    telemetry = Telemetry(exporter, reader, tracer_provider, MeterProvider(metric_readers=[reader]))
    emulator.push(*two_tool_calls())
    await weather_agent(model, telemetry.settings(include_content=True)).run('Weather in Paris and London?')
    assert telemetry.spans() == []
    assert [point['sum'] for point in telemetry.histograms()['gen_ai.client.token.usage [{token}]']] == [150, 25]


def test_histograms_on_an_api_without_bucket_advice():
    # opentelemetry-api 1.27-1.29: `create_histogram` has no `explicit_bucket_boundaries_advisory`.
    from opentelemetry.metrics import Histogram, NoOpMeter, NoOpMeterProvider

    made: list[str] = []

    class OldApiMeter(NoOpMeter):
        def create_histogram(self, name: str, unit: str = '', description: str = '') -> Histogram:  # type: ignore[override]
            made.append(name)
            return super().create_histogram(name, unit, description)

    class OldApiMeterProvider(NoOpMeterProvider):
        def get_meter(self, name: str, *args: Any, **kwargs: Any) -> NoOpMeter:
            return OldApiMeter(name)

    settings = InstrumentationSettings(meter_provider=OldApiMeterProvider())
    assert made == ['gen_ai.client.token.usage', 'gen_ai.client.operation.duration']
    settings.token_usage.record(3)


# --- tool arguments stay out of error events without content ----------------------------------


def _span_texts(telemetry: Telemetry) -> str:
    """Every attribute, event attribute and status description of the finished spans, as one text."""
    texts: list[str] = []
    for span in telemetry.spans():
        texts.extend(str(value) for value in (span.attributes or {}).values())
        texts.append(span.status.description or '')
        for event in span.events:
            texts.extend(str(value) for value in (event.attributes or {}).values())
    return '\n'.join(texts)


@pytest.mark.parametrize('include_content', [False, True], ids=['without_content', 'with_content'])
async def test_invalid_tool_arguments_reach_error_events_only_with_content(
    emulator: GroqEmulator, model: GroqModel, telemetry: Telemetry, include_content: bool
):
    agent = Agent(model, instrument=telemetry.settings(include_content=include_content), retries=1)

    @agent.tool_plain
    def book(city: str, nights: int) -> str:
        return f'{city} for {nights}'

    bad_arguments = {'city': ['Ms. Jane Private'], 'nights': 'private-nights-value'}
    emulator.push(
        Reply(tool_calls=[ToolCallReply('book', bad_arguments, id='call_1')]),
        Reply(tool_calls=[ToolCallReply('book', bad_arguments, id='call_2')]),
    )
    with pytest.raises(UnexpectedModelBehavior) as raised:
        await agent.run('Book it.')
    # The error itself says what was wrong without the values; the chained ValidationError has them.
    assert str(raised.value) == (
        "Tool 'book' exceeded its retry limit of 1; the last error was: 2 validation errors: "
        'city: string_type; nights: int_parsing'
    )
    assert 'Ms. Jane Private' in str(raised.value.__cause__)
    texts = _span_texts(telemetry)
    assert ('Ms. Jane Private' in texts) is include_content
    assert ('private-nights-value' in texts) is include_content
    tool_spans = [span for span in telemetry.spans() if span.name == 'execute_tool book']
    assert len(tool_spans) == 2
    event = dict(tool_spans[1].events[0].attributes or {})
    if include_content:
        assert str(event['exception.message']).startswith('2 validation errors for book\ncity\n  Input should be')
        return
    assert event['exception.message'] == '2 validation errors for book: city: string_type; nights: int_parsing'
    assert tool_spans[1].status.description == (
        'ValidationError: 2 validation errors for book: city: string_type; nights: int_parsing'
    )
    assert str(event['exception.stacktrace']).endswith(
        'ValidationError: 2 validation errors for book: city: string_type; nights: int_parsing\n'
    )
    run_span = next(span for span in telemetry.spans() if span.name == 'invoke_agent')
    run_event = dict(run_span.events[0].attributes or {})
    stacktrace = str(run_event['exception.stacktrace'])
    # Python's own layout: the ValidationError (the cause) first, then the error the run raised.
    assert stacktrace.index('ValidationError: 2 validation errors for book') < stacktrace.index(
        'The above exception was the direct cause of the following exception:'
    )
    assert stacktrace.endswith(f'UnexpectedModelBehavior: {raised.value}\n')
