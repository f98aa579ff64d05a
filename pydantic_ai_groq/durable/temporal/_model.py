"""`TemporalModel`: a model whose requests run as a Temporal activity, and that activity."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from temporalio import activity, workflow

from ...builtin_tools import AbstractBuiltinTool
from ...exceptions import UserError
from ...messages import ModelMessage, ModelResponse, ModelResponseStreamEvent
from ...models import Model, ModelRequestParameters, OutputMode, StreamedResponse, WrapperModel
from ...output import OutputObjectDefinition
from ...settings import ModelSettings
from ...tools import RunContext, ToolDefinition
from ...usage import RunUsage
from ._config import ActivityConfig
from ._errors import activity_errors, check_payload_size, heartbeating
from ._toolset import CarriedContext

if TYPE_CHECKING:
    from ...run import EventStreamHandler

__all__ = ('RUN_STATE', 'ModelRequestInput', 'RunState', 'TemporalModel', 'model_activity', 'without_sdk_retries')


@dataclass
class RunState:
    """What the model activity's event stream handler learns of the run in workflow code: deps, prompt, steps."""

    deps: Any
    prompt: str | None
    usage: RunUsage = field(default_factory=RunUsage)
    run_step: int = 0

    def next_step(self) -> CarriedContext:
        """The context of the coming request: the requests' usage so far, the step's number."""
        self.run_step += 1
        usage = RunUsage(**{f: getattr(self.usage, f) for f in ('requests', 'input_tokens', 'output_tokens')})
        return CarriedContext(self.deps, usage, self.prompt, self.run_step)


RUN_STATE: ContextVar[RunState | None] = ContextVar('RUN_STATE', default=None)
"""The run `TemporalAgent.run` is in, in workflow code (each workflow runs in its own task and context)."""


@dataclass
class ModelRequestInput:
    """What crosses into the model activity: the messages to send, the settings and the request's parameters.

    The built-in tools are not sent: they are the agent's, and the activity takes them from its own agent.
    """

    messages: list[ModelMessage]
    model_settings: dict[str, Any] | None
    function_tools: list[ToolDefinition]
    output_mode: OutputMode
    output_tools: list[ToolDefinition]
    output_object: OutputObjectDefinition | None
    allow_text_output: bool
    tool_called: bool
    ctx: CarriedContext | None = None

    @classmethod
    def of(
        cls, messages: Sequence[ModelMessage], settings: ModelSettings | None, params: ModelRequestParameters
    ) -> ModelRequestInput:
        """The input for one request, as the run loop made it."""
        return cls(
            list(messages),
            dict(settings) if settings else None,
            list(params.function_tools),
            params.output_mode,
            list(params.output_tools),
            params.output_object,
            params.allow_text_output,
            params.tool_called,
        )

    def parameters(self, builtin_tools: Sequence[AbstractBuiltinTool]) -> ModelRequestParameters:
        """The request's parameters again, with the agent's built-in tools."""
        return ModelRequestParameters(
            function_tools=self.function_tools,
            builtin_tools=builtin_tools,
            output_mode=self.output_mode,
            output_tools=self.output_tools,
            output_object=self.output_object,
            allow_text_output=self.allow_text_output,
            tool_called=self.tool_called,
        )


class TemporalModel(WrapperModel):
    """Stands in for the agent's model in workflow code: each request is an activity on a worker."""

    def __init__(
        self, wrapped: Model, activity_name: str, config: ActivityConfig, max_payload_bytes: int, *, streams: bool
    ) -> None:
        super().__init__(wrapped)
        self._activity_name = activity_name
        self._config = config
        self._max_payload_bytes = max_payload_bytes
        self._streams = streams

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Run the request as the model activity and return its response (from history on replay)."""
        request = ModelRequestInput.of(messages, model_settings, model_request_parameters)
        state = RUN_STATE.get() if self._streams else None
        if state is not None:  # the activity streams the request to the event stream handler
            request.ctx = state.next_step()
        check_payload_size(workflow.payload_converter(), request, self._max_payload_bytes, 'The model request')
        response: ModelResponse = await workflow.execute_activity(  # pyright: ignore[reportUnknownMemberType]
            self._activity_name, request, result_type=ModelResponse, **self._config
        )
        if state is not None:
            state.usage.incr(response.usage)
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[StreamedResponse]:
        """Not in a workflow: an activity returns the whole response."""
        raise UserError(
            'Streaming is not available inside a Temporal workflow: use `await temporal_agent.run(...)`; '
            'the model request runs as an activity and the workflow gets the whole response.'
        )
        yield  # pragma: no cover


def without_sdk_retries(model: Model) -> Model:
    """The model the activity sends with: a `GroqModel` gets a client with the SDK's retries off.

    Temporal retries the activity by its retry policy; retries inside it too would multiply.
    """
    from ...models.groq import GroqModel

    if not isinstance(model, GroqModel) or model.client.max_retries == 0:
        return model
    return GroqModel(
        model.model_name,
        groq_client=model.client.with_options(max_retries=0),
        settings=model.settings,
        rate_limit=model.rate_limit,
        clock=model.clock,
    )


@dataclass(frozen=True)
class ModelActivity:
    """What the model activity needs on the worker.

    Attributes:
        name: The activity's name.
        get_model: The worker's model (SDK retries off).
        builtin_tools: The agent's built-in tools.
        max_payload_bytes: The largest response to hand Temporal.
        handler: The event stream handler, called in the activity with the request's events.
        load_context: The handler's `RunContext` from the carried one.
    """

    name: str
    get_model: Callable[[], Model]
    builtin_tools: Sequence[AbstractBuiltinTool]
    max_payload_bytes: int
    handler: EventStreamHandler | None
    load_context: Callable[[CarriedContext], RunContext[Any]]


def model_activity(spec: ModelActivity) -> Callable[..., Any]:
    """The activity that sends one model request with the worker's model (streamed to the handler, if any)."""

    @activity.defn(name=spec.name)
    async def request_model(request: ModelRequestInput) -> ModelResponse:
        with activity_errors():
            params = request.parameters(spec.builtin_tools)
            settings: Any = request.model_settings
            model = spec.get_model()
            if spec.handler is None or request.ctx is None:
                response = await heartbeating(model.request(request.messages, settings, params))
            else:
                ctx = spec.load_context(request.ctx)
                response = await heartbeating(_streamed(model, request, params, spec.handler, ctx))
            check_payload_size(activity.payload_converter(), response, spec.max_payload_bytes, 'The model response')
            return response

    return request_model


async def _streamed(
    model: Model,
    request: ModelRequestInput,
    params: ModelRequestParameters,
    handler: EventStreamHandler,
    ctx: RunContext[Any],
) -> ModelResponse:
    """Stream the request to the handler as the events arrive; the response once the stream is read to the end."""
    settings: Any = request.model_settings
    async with model.request_stream(request.messages, settings, params) as streamed:
        events: AsyncIterator[ModelResponseStreamEvent] = aiter(streamed)
        await handler(ctx, events)
        async for _ in events:  # what the handler left unread
            pass
        return streamed.get()
