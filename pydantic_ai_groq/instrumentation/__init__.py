"""OpenTelemetry traces and metrics by the GenAI semantic conventions (only `opentelemetry-api` needed).

```python
from pydantic_ai_groq import Agent
from pydantic_ai_groq.instrumentation import InstrumentationSettings, instrument_all

agent = Agent('groq:llama-3.3-70b-versatile', instrument=True)  # the global tracer and meter providers
instrument_all()  # or: every agent not given `instrument=`
```

A run records an `invoke_agent {agent name}` span, with a `chat {model}` span for each model
request and an `execute_tool {tool name}` span for each tool call below it, and the
`gen_ai.client.token.usage` and `gen_ai.client.operation.duration` histograms. Prompts, outputs and
tool arguments and results are recorded only with `include_content=True`. Off by default: an agent
that is not instrumented creates no spans and does not import OpenTelemetry.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._instrumentation_default import set_default_instrumentation
from ..messages import ModelMessage, ModelResponse
from ..models import Model, ModelRequestParameters, StreamedResponse, WrapperModel
from ..settings import ModelSettings, merge_model_settings
from ._semconv import (
    DURATION_BUCKETS,
    TOKEN_BUCKETS,
    Attributes,
    input_messages,
    model_attributes,
    output_messages,
    record_error,
    rejected_error_type,
    request_attributes,
    response_attributes,
    system_instructions,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram, Meter, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ('InstrumentationSettings', 'InstrumentedModel', 'instrument_all')

_SCOPE = 'pydantic_ai_groq'


@dataclass(kw_only=True)
class InstrumentationSettings:
    """Where an agent's spans and metrics go, and whether they carry message content.

    ```python
    agent = Agent(model, instrument=InstrumentationSettings(tracer_provider=provider, include_content=True))
    ```

    Attributes:
        tracer_provider: Receives the spans; `None` (default) means the global provider
            (`opentelemetry.trace.get_tracer_provider()`), so whatever SDK is configured, Logfire
            included, receives them, even when it is configured after the agent was created.
        meter_provider: Receives the metrics; `None` (default) means the global provider.
        include_content: Record prompts, instructions, responses, tool arguments and tool results
            (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`,
            `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`). Off by default: they may hold
            personal data.
        tracer: The tracer the spans are made with (to add spans of your own in the same scope).
        token_usage: The `gen_ai.client.token.usage` histogram (`{token}`).
        operation_duration: The `gen_ai.client.operation.duration` histogram (seconds).
    """

    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    include_content: bool = False
    tracer: Tracer = field(init=False, repr=False, compare=False)
    token_usage: Histogram = field(init=False, repr=False, compare=False)
    operation_duration: Histogram = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once here, not per run; the global providers hand out proxies that follow a provider set later.
        self.tracer = (self.tracer_provider or trace.get_tracer_provider()).get_tracer(_SCOPE)
        meter: Meter = (self.meter_provider or metrics.get_meter_provider()).get_meter(_SCOPE)
        self.token_usage = _histogram(
            meter, 'gen_ai.client.token.usage', '{token}', 'Number of input and output tokens used.', TOKEN_BUCKETS
        )
        self.operation_duration = _histogram(
            meter, 'gen_ai.client.operation.duration', 's', 'GenAI operation duration.', DURATION_BUCKETS
        )


def _histogram(meter: Meter, name: str, unit: str, description: str, buckets: Sequence[float]) -> Histogram:
    """A histogram with the semantic conventions' bucket boundaries, where the API can take them.

    `explicit_bucket_boundaries_advisory` came in opentelemetry-api 1.30; with 1.27-1.29 the histogram gets
    the SDK's default boundaries (configure a View for others).
    """
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:
        return meter.create_histogram(name, unit=unit, description=description)


def instrument_all(instrument: InstrumentationSettings | bool = True) -> None:
    """Instrument every agent created without `instrument=` (or with `instrument=None`), from its next run on.

    Args:
        instrument: `True` for `InstrumentationSettings()` (the global providers, no content), settings of
            your own, or `False` to stop. Agents given `instrument=True`, settings or `False` keep theirs.
    """
    set_default_instrumentation(InstrumentationSettings() if instrument is True else instrument or None)


class InstrumentedModel(WrapperModel):
    """A `Model` that records a `chat {model}` span and the GenAI client metrics for each request it sends.

    Agents wrap their model in one when they are instrumented; wrap one yourself to trace direct
    requests (`pydantic_ai_groq.direct`, your own loop). A streamed request's span ends when its
    `async with` block is left, with the usage and finish reason received by then.

    Args:
        wrapped: The model that sends the requests.
        instrumentation: Where spans and metrics go; defaults to `InstrumentationSettings()`.

    Attributes:
        wrapped: The model that sends the requests.
        instrumentation: Where spans and metrics go.
        parent_context: The OpenTelemetry context spans start in; `None` (default) means the current
            context when a request starts.
    """

    def __init__(self, wrapped: Model, instrumentation: InstrumentationSettings | None = None) -> None:
        super().__init__(wrapped)
        self.instrumentation = instrumentation or InstrumentationSettings()
        self.parent_context: Context | None = None
        self._span_name = f'chat {wrapped.model_name}'
        self._span_attributes: Attributes = {'gen_ai.operation.name': 'chat', **model_attributes(wrapped)}
        self._metric_attributes = {k: v for k, v in self._span_attributes.items() if k != 'gen_ai.system'}
        # A model's own default settings (`GroqModel.settings`) are sent too: the span shows what the request used.
        default_settings: object = getattr(wrapped, 'settings', None)
        self._default_settings = cast(
            'Mapping[str, Any] | None', default_settings if isinstance(default_settings, Mapping) else None
        )

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send the request through the wrapped model inside a `chat` span."""
        span = self._start_span(messages, model_settings, model_request_parameters)
        start = time.perf_counter()
        response: ModelResponse | None = None
        error: BaseException | None = None
        try:
            # Current while the request is sent, so spans of the HTTP client nest under it.
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                response = await self.wrapped.request(messages, model_settings, model_request_parameters)
            return response
        except BaseException as e:
            error = e
            raise
        finally:
            self._end_span(span, start, response, error)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[StreamedResponse]:
        """Stream the request through the wrapped model; the `chat` span ends when the block is left."""
        span = self._start_span(messages, model_settings, model_request_parameters)
        start = time.perf_counter()
        stream: StreamedResponse | None = None
        error: BaseException | None = None
        try:
            async with AsyncExitStack() as exit_stack:
                # Current only while the request is sent: the block runs the caller's code, where it must not leak.
                with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                    stream = await exit_stack.enter_async_context(
                        self.wrapped.request_stream(messages, model_settings, model_request_parameters)
                    )
                yield stream
        except BaseException as e:
            error = e
            raise
        finally:
            self._end_span(span, start, None if stream is None else stream.get(), error)

    def _start_span(
        self, messages: Sequence[ModelMessage], model_settings: ModelSettings | None, params: ModelRequestParameters
    ) -> Span:
        attributes = dict(self._span_attributes)
        attributes.update(request_attributes(merge_model_settings(self._default_settings, model_settings)))
        if params.output_mode in ('native', 'prompted'):
            attributes['gen_ai.output.type'] = 'json'
        span = self.instrumentation.tracer.start_span(
            self._span_name, context=self.parent_context, kind=SpanKind.CLIENT, attributes=attributes
        )
        # Samplers need no content, and a span that is not recorded is not worth its (possibly large) JSON.
        if self.instrumentation.include_content and span.is_recording():
            span.set_attribute('gen_ai.input.messages', input_messages(messages))
            if instructions := system_instructions(messages):
                span.set_attribute('gen_ai.system_instructions', instructions)
        return span

    def _end_span(self, span: Span, start: float, response: ModelResponse | None, error: BaseException | None) -> None:
        duration = time.perf_counter() - start
        metric_attributes = dict(self._metric_attributes)
        if response is not None:
            if span.is_recording():
                span.set_attributes(response_attributes(response))
                if self.instrumentation.include_content:
                    span.set_attribute('gen_ai.output.messages', output_messages(response))
            if response.model_name:
                metric_attributes['gen_ai.response.model'] = response.model_name
            usage = response.usage
            if usage.input_tokens or usage.output_tokens:
                histogram = self.instrumentation.token_usage
                histogram.record(usage.input_tokens, {**metric_attributes, 'gen_ai.token.type': 'input'})
                histogram.record(usage.output_tokens, {**metric_attributes, 'gen_ai.token.type': 'output'})
            if error is None and response.finish_reason == 'error':
                # Groq rejected the generation (e.g. tool_use_failed); the agent asks the model to retry.
                kind = metric_attributes['error.type'] = rejected_error_type(response)
                span.set_attribute('error.type', kind)
                span.set_status(Status(StatusCode.ERROR, kind))
        # Only exceptions are failures: GeneratorExit or a cancellation just stop the request early.
        if isinstance(error, Exception):
            metric_attributes['error.type'] = record_error(
                span, error, include_content=self.instrumentation.include_content
            )
        span.end()
        self.instrumentation.operation_duration.record(duration, metric_attributes)
