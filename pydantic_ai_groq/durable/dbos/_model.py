"""`DBOSModel`: a model whose requests are DBOS steps, checkpointed as JSON through the messages adapter."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

import anyio
import pydantic
from anyio.streams.memory import MemoryObjectReceiveStream

from ...exceptions import UserError
from ...messages import ModelMessage, ModelResponse, ModelResponseStreamEvent
from ...models import Model, ModelRequestParameters, StreamedResponse, WrapperModel
from ...settings import ModelSettings
from ._steps import StepConfig, model_error_is_transient, run_step

__all__ = ('DBOSModel', 'without_sdk_retries')

_RESPONSE = pydantic.TypeAdapter(ModelResponse)


class DBOSModel(WrapperModel):
    """A model whose every request is one DBOS step: a completed request is never sent again on recovery.

    The step's output is the response as JSON (the messages adapter), so a resumed run reads back the
    very response, usage included, that the first attempt received. A streamed request streams inside
    its step, its events passed to the run as they arrive.

    Args:
        wrapped: The model that sends the requests (its SDK retries should be off: DBOS retries the step).
        step_prefix: Step names start with it (`{step_prefix}.request`); it must stay the same across
            deployments for recovery to match the recorded steps.
        step_config: How DBOS retries a request that failed with 429, 498, 5xx or a lost connection.
    """

    def __init__(self, wrapped: Model, step_prefix: str, step_config: StepConfig | None = None) -> None:
        super().__init__(wrapped)
        self.step_prefix = step_prefix
        self.step_config = step_config or StepConfig()

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send the request as a DBOS step, or read its recorded response back when the workflow resumes."""

        async def step() -> str:
            response = await self.wrapped.request(messages, model_settings, model_request_parameters)
            return _RESPONSE.dump_json(response).decode()

        recorded = await run_step(f'{self.step_prefix}.request', step, self.step_config, model_error_is_transient)
        return _RESPONSE.validate_json(recorded)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[StreamedResponse]:
        """Stream the request inside a DBOS step, its events passed on live as they arrive.

        The run (and its `event_stream_handler`) sees the events while the step streams; once the step
        completed, the response is the recorded one. A workflow resumed past the step streams the
        recorded response back. A request that failed after its first event is not retried (its
        events were seen already).
        """
        # No buffer: the step hands each event over and waits for the run to take it, as a stream would.
        send, receive = anyio.create_memory_object_stream[ModelResponseStreamEvent](0)
        live = LiveStream(self.model_name, receive)

        async def step() -> str:
            async with self.wrapped.request_stream(messages, model_settings, model_request_parameters) as stream:
                live.inner = stream
                async for event in stream:
                    live.started = True
                    with contextlib.suppress(anyio.BrokenResourceError):  # the run stopped reading: record anyway
                        await send.send(event)
                return _RESPONSE.dump_json(stream.get()).decode()

        def retryable(error: BaseException) -> bool:
            return not live.started and model_error_is_transient(error)

        async def run() -> None:
            try:
                recorded = await run_step(f'{self.step_prefix}.request_stream', step, self.step_config, retryable)
                live.finish(_RESPONSE.validate_json(recorded))
            except Exception as e:
                live.fail(e)
            finally:
                send.close()

        # A task of its own (DBOS runs on asyncio; the task copies the workflow's context): the step streams
        # beside the run, which reads the events in the block.
        streaming = asyncio.ensure_future(run())
        try:
            yield live
        finally:
            if not streaming.done():  # the run left the stream early: it does not wait for the step
                streaming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await streaming


class LiveStream(StreamedResponse):
    """The events of a streamed request as its DBOS step receives them, or read back from the step.

    Attributes:
        inner: The wrapped model's stream, once the step opened it.
        started: Whether an event arrived live.
    """

    def __init__(self, model_name: str, events: MemoryObjectReceiveStream[ModelResponseStreamEvent]) -> None:
        super().__init__(model_name, datetime.now(timezone.utc))
        self._live_events = events
        self._done = anyio.Event()
        self._response: ModelResponse | None = None
        self._error: Exception | None = None
        self.inner: StreamedResponse | None = None
        self.started = False

    def finish(self, response: ModelResponse) -> None:
        """The step completed (or was read back) with `response`."""
        self._response = response
        self._done.set()

    def fail(self, error: Exception) -> None:
        """The step failed with `error`."""
        self._error = error
        self._done.set()

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        async with self._live_events:
            async for event in self._live_events:
                yield event
        await self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._response is not None
        if not self.started:  # read back from its step: nothing arrived live
            async for event in CompletedStream(self._response):
                yield event

    def get(self) -> ModelResponse:
        """The recorded response once the step completed; before, what the live stream received so far."""
        if self._response is not None:
            return self._response
        if self.inner is not None:
            return self.inner.get()
        return super().get()


class CompletedStream(StreamedResponse):
    """A response already complete, streamed as one start and one end event per part."""

    def __init__(self, response: ModelResponse) -> None:
        super().__init__(response.model_name or '', response.timestamp)
        self._response = response
        self._usage = response.usage
        self.finish_reason = response.finish_reason
        self.provider_response_id = response.provider_response_id
        self.provider_details = dict(response.provider_details or {})

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        parts = self._response.parts
        for index, part in enumerate(parts):
            yield self._parts_manager.handle_part(part)
            yield self._parts_manager.end_event(index, parts[index + 1] if index + 1 < len(parts) else None)

    def get(self) -> ModelResponse:
        """The recorded response, whole once the stream was read (what arrived so far before)."""
        if self._parts_manager.part_count < len(self._response.parts):
            return super().get()
        return self._response


def without_sdk_retries(model: Model) -> Model:
    """`model` with the groq SDK's retries off, so a failed request is retried by DBOS alone (not retries squared).

    Raises:
        UserError: For a `GroqModel` given a client of its own that retries: that client cannot be copied.
    """
    from ...models.groq import GroqModel
    from ...models.groq._clients import OwnClients

    if not isinstance(model, GroqModel) or model.client.max_retries == 0:
        return model
    if not isinstance(model._clients, OwnClients):  # pyright: ignore[reportPrivateUsage]
        raise UserError(
            f'The GroqModel {model.model_name!r} was given a groq client that retries failed requests '
            f'(max_retries={model.client.max_retries}); inside a durable run DBOS retries them. Build the client '
            'with max_retries=0 (or give GroqModel api_key/base_url, which the durable run copies without retries).'
        )
    twin: Any = GroqModel(
        model.model_name,
        api_key=model.client.api_key,
        base_url=str(model.client.base_url),
        settings=model.settings,
        max_retries=0,
        rate_limit=model.rate_limit,
        clock=model.clock,
    )
    return twin
