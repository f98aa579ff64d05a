"""The model interface: `Model`, `ModelRequestParameters`, `StreamedResponse`, `infer_model`.

A `Model` turns a message history into a `ModelResponse`, streamed or not. It knows the
vendor's wire format and nothing of agents; the agent knows nothing of the wire.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from .._parts_manager import ModelResponsePartsManager
from ..exceptions import UserError
from ..messages import FinishReason, ModelMessage, ModelResponse, ModelResponseStreamEvent
from ..output import OutputObjectDefinition
from ..settings import ModelSettings
from ..tools import ToolDefinition
from ..usage import RequestUsage

if TYPE_CHECKING:
    from ..builtin_tools import AbstractBuiltinTool

__all__ = ('Model', 'ModelRequestParameters', 'OutputMode', 'StreamedResponse', 'WrapperModel', 'infer_model')

OutputMode = Literal['text', 'tool', 'native', 'prompted']
"""How the final output is asked of the model: plain text, an output tool, a JSON schema
response format (`native`), or JSON mode with the schema in the instructions (`prompted`)."""


@dataclass(slots=True)
class ModelRequestParameters:
    """What a request offers the model beyond its messages: tools and the output mode.

    Attributes:
        function_tools: Tools the model may call, run by us.
        builtin_tools: Tools Groq runs server-side.
        output_mode: How the final output is asked for.
        output_tools: Tools whose call ends the run with structured output (`tool` mode).
        output_object: The schema of the output object (`native` and `prompted` modes).
        allow_text_output: Whether a plain text answer may end the turn.
        tool_called: Whether the model has called a tool earlier in the run: a `required` or named
            `tool_choice` setting then gives way to the default, so no setting forces tool calls forever.
    """

    function_tools: Sequence[ToolDefinition] = ()
    builtin_tools: Sequence[AbstractBuiltinTool] = ()
    output_mode: OutputMode = 'text'
    output_tools: Sequence[ToolDefinition] = ()
    output_object: OutputObjectDefinition | None = None
    allow_text_output: bool = True
    tool_called: bool = False

    @property
    def tool_defs(self) -> list[ToolDefinition]:
        """Function tools followed by output tools, as sent to the model."""
        return [*self.function_tools, *self.output_tools]


class Model(ABC):
    """A chat model: sends a message history, returns the model's response."""

    @property
    @abstractmethod
    def model_name(self) -> str:
        """The model's name, e.g. `llama-3.3-70b-versatile`."""

    @property
    @abstractmethod
    def system(self) -> str:
        """The provider, e.g. `groq` (the OpenTelemetry `gen_ai.system`)."""

    @abstractmethod
    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send one request and return the whole response."""

    @abstractmethod
    def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AbstractAsyncContextManager[StreamedResponse]:
        """Send one request and stream the response.

        Use as `async with model.request_stream(...) as stream: async for event in stream: ...`;
        leaving the block closes the HTTP stream.
        """


class WrapperModel(Model):
    """A model that hands its requests to another (tracing, durable steps, ...); override what it adds.

    Its name and provider are the wrapped model's, and by default a request goes to the wrapped model as it is.

    Args:
        wrapped: The model that answers.

    Attributes:
        wrapped: The model that answers.
    """

    def __init__(self, wrapped: Model) -> None:
        self.wrapped = wrapped

    @property
    def model_name(self) -> str:
        """The wrapped model's name."""
        return self.wrapped.model_name

    @property
    def system(self) -> str:
        """The wrapped model's provider."""
        return self.wrapped.system

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """The wrapped model's response."""
        return await self.wrapped.request(messages, model_settings, model_request_parameters)

    def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AbstractAsyncContextManager[StreamedResponse]:
        """The wrapped model's streamed response."""
        return self.wrapped.request_stream(messages, model_settings, model_request_parameters)


class StreamedResponse(ABC):
    """A response arriving as a stream of `PartStartEvent`/`PartDeltaEvent`/`PartEndEvent`s.

    Iterate it once for the events; `get()` returns the response assembled so far at any
    time, also after an error or a cancel, so nothing already received is lost.
    """

    model_name: str
    """The model that answers, as the API reports it."""
    timestamp: datetime
    """When the response was created."""
    finish_reason: FinishReason | None
    """Why the model stopped, once known."""
    provider_response_id: str | None
    """The completion id, once known."""
    provider_details: dict[str, Any]
    """Groq extras (timings, request id, ...), filled as they arrive."""

    def __init__(self, model_name: str, timestamp: datetime) -> None:
        self.model_name = model_name
        self.timestamp = timestamp
        self.finish_reason = None
        self.provider_response_id = None
        self.provider_details = {}
        self._usage = RequestUsage()
        self._parts_manager = ModelResponsePartsManager()
        self._events: AsyncIterator[ModelResponseStreamEvent] | None = None

    def __aiter__(self) -> AsyncIterator[ModelResponseStreamEvent]:
        # One iterator for the stream's life: iterating again continues where it stopped.
        if self._events is None:
            self._events = self._get_event_iterator()
        return self._events

    @abstractmethod
    def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        """Read the wire and yield events, updating the parts manager, usage and metadata."""

    def get(self) -> ModelResponse:
        """The response as received so far."""
        return ModelResponse(
            parts=self._parts_manager.get_parts(),
            usage=self._usage,
            model_name=self.model_name,
            timestamp=self.timestamp,
            finish_reason=self.finish_reason,
            provider_response_id=self.provider_response_id,
            provider_details=dict(self.provider_details) or None,
        )

    def usage(self) -> RequestUsage:
        """Tokens used, once the final chunk has arrived (zero before)."""
        return self._usage


def infer_model(model: Model | str) -> Model:
    """Return `model` itself, or build one from a `'groq:<model-name>'` string.

    Raises:
        UserError: For a string in any other form.
    """
    if isinstance(model, Model):
        return model
    provider, sep, name = model.partition(':')
    if sep and provider == 'groq' and name:
        from .groq import GroqModel

        return GroqModel(name)
    raise UserError(
        f'Unknown model {model!r}: pass a Model instance (e.g. GroqModel("llama-3.3-70b-versatile")) '
        f'or a string "groq:<model-name>" (e.g. "groq:llama-3.3-70b-versatile").'
    )


def check_model_string(model: str) -> None:
    """Refuse a model string that is not `groq:<model-name>` now, without building the model."""
    provider, sep, name = model.partition(':')
    if not (sep and provider == 'groq' and name):
        infer_model(model)  # raises the UserError that lists the accepted forms
