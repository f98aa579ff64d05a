"""`FallbackModel`: the next model answers when one fails with an error worth falling back on.

`FallbackModel(GroqModel('openai/gpt-oss-120b'), GroqModel('openai/gpt-oss-20b'))` sends each request
to the first model, and to the next one when it fails with capacity (498), a server error (5xx), a rate
limit left after the SDK's retries (429), or a model that is decommissioned or not found. A streamed
request falls back only before its first event reaches the caller: after that the caller has seen part
of an answer, and the error propagates.

Each fallback is logged at INFO on `pydantic_ai_groq.models.fallback` (model names and the error's kind,
never content) and, when OpenTelemetry is in use, recorded on the current span (the `chat` span of an
instrumented agent): a `groq.fallback` event per failed model and `groq.fallback.attempts`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from ..exceptions import AgentGroqError, ModelAPIError, ModelHTTPError, UserError
from ..messages import ModelMessage, ModelResponse, ModelResponseStreamEvent
from ..settings import ModelSettings
from ..usage import RequestUsage
from . import Model, ModelRequestParameters, StreamedResponse, infer_model

if TYPE_CHECKING:
    from opentelemetry.util.types import AttributeValue

__all__ = ('FallbackError', 'FallbackModel', 'FallbackOn', 'default_fallback_on')

logger = logging.getLogger(__name__)

FallbackOn = tuple[type[Exception], ...] | Callable[[Exception], bool]
"""Which errors move on to the next model: exception types, or a predicate on the exception."""


def default_fallback_on(error: Exception) -> bool:
    """Whether another model may answer where this one failed: the default of `FallbackModel`.

    True for a `ModelHTTPError` of kind `capacity` (498), `server` (5xx), `rate_limited` (429, once the
    SDK's own retries are used up) or `not_found` (404), and for a 400 `model_decommissioned`. Every
    other error (a bad request, a bad key, a timeout, a tool's error) would fail on the next model too,
    or is not the model's fault, and propagates at once.
    """
    if not isinstance(error, ModelHTTPError):
        return False
    return error.kind in ('capacity', 'server', 'rate_limited', 'not_found') or (
        error.error_code == 'model_decommissioned'
    )


class FallbackError(AgentGroqError):
    """Every model of a `FallbackModel` failed.

    Attributes:
        errors: Each model's error, in the order the models were tried; the last is also `__cause__`.
    """

    errors: list[Exception]

    def __init__(self, errors: Sequence[Exception]) -> None:
        self.errors = list(errors)
        lines = '\n'.join(f'  {_describe(error)}: {error}' for error in self.errors)
        super().__init__(f'All {len(self.errors)} models failed:\n{lines}')


class FallbackModel(Model):
    """A model that tries its models in turn until one answers.

    Args:
        default_model: The model tried first: a `Model` or `'groq:<model-name>'`.
        *fallback_models: The models tried next, in order.
        fallback_on: Which errors move on to the next model: a tuple of exception types, or a callable
            taking the exception and returning whether to fall back. Defaults to `default_fallback_on`.

    The response's `model_name` is that of the model that answered.
    """

    def __init__(
        self,
        default_model: Model | str,
        *fallback_models: Model | str,
        fallback_on: FallbackOn = default_fallback_on,
    ) -> None:
        self.models: list[Model] = [infer_model(m) for m in (default_model, *fallback_models)]
        if isinstance(fallback_on, tuple):
            types: tuple[type[Exception], ...] = fallback_on  # pyright: ignore[reportUnknownVariableType]

            def falls_back(error: Exception) -> bool:
                return isinstance(error, types)

            self._fallback_on: Callable[[Exception], bool] = falls_back
        elif callable(fallback_on):
            self._fallback_on = fallback_on
        else:
            raise UserError(
                f'fallback_on must be a tuple of exception types or a callable (exception) -> bool, got {fallback_on!r}'
            )

    @property
    def model_name(self) -> str:
        """`fallback:` and the models' names, e.g. `fallback:openai/gpt-oss-120b,openai/gpt-oss-20b`."""
        return 'fallback:' + ','.join(model.model_name for model in self.models)

    @property
    def system(self) -> str:
        """The first model's provider."""
        return self.models[0].system

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send the request to each model in turn until one answers.

        Raises:
            FallbackError: When every model failed with an error worth falling back on.
        """
        errors: list[Exception] = []
        for index, model in enumerate(self.models):
            try:
                return await model.request(messages, model_settings, model_request_parameters)
            except Exception as error:
                self._fall_back(index, error, errors)
        raise FallbackError(errors) from errors[-1]

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[StreamedResponse]:
        """Stream from each model in turn until one sends its first event; later errors propagate.

        Raises:
            FallbackError: When every model failed, before its first event, with an error worth falling back on.
        """
        errors: list[Exception] = []
        for index, model in enumerate(self.models):
            async with AsyncExitStack() as exit_stack:
                try:
                    stream = await exit_stack.enter_async_context(
                        model.request_stream(messages, model_settings, model_request_parameters)
                    )
                    events = aiter(stream)
                    first = await anext(events, None)
                except Exception as error:
                    failure = error  # handled once the failed stream is closed
                else:
                    yield _StartedStream(stream, events, first)
                    return
            self._fall_back(index, failure, errors)
        raise FallbackError(errors) from errors[-1]

    def _fall_back(self, index: int, error: Exception, errors: list[Exception]) -> None:
        """Re-raise `error` unless it is worth falling back on; else record it (and that the next model is tried)."""
        if not self._fallback_on(error):
            raise error
        errors.append(error)
        failed = self.models[index].model_name
        following = self.models[index + 1].model_name if index + 1 < len(self.models) else None
        logger.info(
            'model %s failed with %s; %s',
            failed,
            _describe(error),
            f'falling back to {following}' if following else 'no model left to fall back to',
        )
        _record_on_span(failed, _describe(error), following, len(errors))


class _StartedStream(StreamedResponse):
    """A stream whose first event was read already (to know the model answers): it yields it first."""

    def __init__(
        self,
        stream: StreamedResponse,
        events: AsyncIterator[ModelResponseStreamEvent],
        first: ModelResponseStreamEvent | None,
    ) -> None:
        super().__init__(stream.model_name, stream.timestamp)
        self._stream = stream
        self._rest = events
        self._first = first
        self._copy_metadata()

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        try:
            if self._first is not None:
                yield self._first
                async for event in self._rest:
                    self._copy_metadata()
                    yield event
        finally:
            self._copy_metadata()

    def _copy_metadata(self) -> None:
        self.model_name = self._stream.model_name
        self.timestamp = self._stream.timestamp
        self.finish_reason = self._stream.finish_reason
        self.provider_response_id = self._stream.provider_response_id
        self.provider_details = self._stream.provider_details

    def get(self) -> ModelResponse:
        """The response as received so far, from the model that answers."""
        return self._stream.get()

    def usage(self) -> RequestUsage:
        """Tokens used by the model that answers."""
        return self._stream.usage()


def _describe(error: Exception) -> str:
    """What kind of failure an error is, without its content: e.g. `498 capacity` or `ModelAPIError timeout`."""
    if isinstance(error, ModelHTTPError):
        code = error.error_code
        return f'{error.status_code} {error.kind}' + (f' ({code})' if code else '')
    if isinstance(error, ModelAPIError):
        return f'ModelAPIError {error.kind}'
    return type(error).__name__


def _record_on_span(failed: str, error_type: str, following: str | None, attempts: int) -> None:
    """Add the fallback to the current OpenTelemetry span, when OpenTelemetry is in use at all.

    The package imports OpenTelemetry only to instrument: if nothing imported it, there is no span.
    """
    if 'opentelemetry.trace' not in sys.modules:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    if not span.is_recording():
        return
    attributes: dict[str, AttributeValue] = {'gen_ai.request.model': failed, 'error.type': error_type}
    if following:
        attributes['groq.fallback.next_model'] = following
    span.add_event('groq.fallback', attributes)
    span.set_attribute('groq.fallback.attempts', attempts)
