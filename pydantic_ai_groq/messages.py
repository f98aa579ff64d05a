"""The message contract: request and response parts, messages, stream events, history JSON.

A conversation history is a `list[ModelMessage]`, each message a `ModelRequest` (what we
send) or a `ModelResponse` (what the model answered). Every part carries a `part_kind`
and every message a `kind` discriminator, so `ModelMessagesTypeAdapter` can dump a history
to JSON and load it back with nothing lost.

User content (`ImageUrl`, `BinaryContent`, ...) lives in `_user_content` and response parts
(`TextPart`, `ToolCallPart`, ...) in `_response_parts`, a response's stream events in
`_stream_events`; all are imported from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeAlias

import pydantic
import pydantic_core
from pydantic_core import ErrorDetails

from ._response_parts import (
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ModelResponsePart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    generate_tool_call_id,
)
from ._stream_events import (
    ModelResponsePartDelta,
    ModelResponseStreamEvent,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    TextPartDelta,
    ThinkingPartDelta,
    ToolCallPartDelta,
)
from ._unknown_fields import ExtraFields, keeps_unknown_fields, no_extra_fields
from ._user_content import AudioUrl, BinaryContent, DocumentUrl, FileUrl, ImageDetail, ImageUrl, UserContent, VideoUrl
from .usage import RequestUsage

__all__ = (
    'AudioUrl',
    'BinaryContent',
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'DocumentUrl',
    'FileUrl',
    'FinalResultEvent',
    'FinishReason',
    'FunctionToolCallEvent',
    'FunctionToolResultEvent',
    'ImageDetail',
    'ImageUrl',
    'ModelMessage',
    'ModelMessagesTypeAdapter',
    'ModelRequest',
    'ModelRequestPart',
    'ModelResponse',
    'ModelResponsePart',
    'ModelResponsePartDelta',
    'ModelResponseStreamEvent',
    'OutputToolCallEvent',
    'OutputToolResultEvent',
    'PartDeltaEvent',
    'PartEndEvent',
    'PartStartEvent',
    'RetryFeedbackPart',
    'RetryPromptPart',
    'SystemPromptPart',
    'TextPart',
    'TextPartDelta',
    'ThinkingPart',
    'ThinkingPartDelta',
    'ToolCallPart',
    'ToolCallPartDelta',
    'ToolOutcome',
    'ToolReturn',
    'ToolReturnPart',
    'UserContent',
    'UserPromptPart',
    'VideoUrl',
)


def _now_utc() -> datetime:
    return datetime.now(tz=timezone.utc)


FinishReason: TypeAlias = Literal['stop', 'length', 'content_filter', 'tool_call', 'error']
"""Why the model stopped: Groq's finish reasons, normalised."""

# --- request parts -----------------------------------------------------------------------

ToolOutcome: TypeAlias = Literal['success', 'failed', 'denied', 'interrupted', 'retried']
"""How a tool call went (pydantic-ai's `ToolReturnPart.outcome`)."""

# The outcomes pydantic-ai sends to the model as errors; `denied` and `interrupted` are ordinary results.
_ERROR_OUTCOMES = ('failed', 'retried')


@keeps_unknown_fields()
@dataclass(slots=True)
class SystemPromptPart:
    """A system prompt, sent as a `system` message.

    Attributes:
        content: The prompt text.
        timestamp: When the part was created.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['system-prompt'] = 'system-prompt'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


@keeps_unknown_fields()
@dataclass(slots=True)
class UserPromptPart:
    """What the user said: text, or a list of text and images.

    Attributes:
        content: A string, or a sequence of strings, `ImageUrl`s and `BinaryContent`s.
        timestamp: When the part was created.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str | Sequence[UserContent]
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['user-prompt'] = 'user-prompt'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)


@keeps_unknown_fields()
@dataclass(slots=True)
class ToolReturnPart:
    """The result of a function tool call, sent back as a `tool` message.

    Attributes:
        tool_name: The tool that was called.
        content: What it returned; anything JSON-serialisable (strings are sent as they are).
        tool_call_id: The id of the call this answers.
        timestamp: When the part was created.
        outcome: How the call went, as pydantic-ai records it. A `'failed'` or `'retried'`
            return is an error: it is sent as `{"error": <content>}`, as pydantic-ai sends it
            to Groq, which has no error flag on tool messages.
        metadata: Data for the application that is never sent to the model (`ToolReturn.metadata`).
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    tool_name: str
    content: Any
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['tool-return'] = 'tool-return'
    outcome: ToolOutcome = field(default='success', kw_only=True)
    metadata: Any = field(default=None, kw_only=True)
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    def model_response_str(self) -> str:
        """The content as the text sent to the model; an error outcome as `{"error": <content>}`."""
        if self.outcome in _ERROR_OUTCOMES:
            return pydantic_core.to_json({'error': self._error_value()}).decode()
        if isinstance(self.content, str):
            return self.content
        return pydantic_core.to_json(self.content).decode()

    def _error_value(self) -> Any:
        # As pydantic-ai words it: a retry's validation errors stay a JSON array, a failure's data is text.
        if self.content is None:
            return ''
        if self.outcome == 'failed' and not isinstance(self.content, str):
            return pydantic_core.to_json(self.content).decode()
        return self.content


@dataclass(slots=True)
class ToolReturn:
    """What a tool may return to send the model more than a `tool` message: images, for one.

    Groq's `tool` messages carry text only, so `content` goes in a `UserPromptPart` placed in the
    same request after all the tool returns of the response (the `tool` messages stay right after
    the assistant's tool calls, as Groq requires).

    Attributes:
        return_value: What the `tool` message says (the `ToolReturnPart` content): any JSON-serialisable value.
        content: Sent to the model as a user message: text, or a sequence of text, `ImageUrl`s and image
            `BinaryContent`s. Images need a model with vision; `None` sends no user message.
        metadata: Kept on the `ToolReturnPart` for the application; never sent to the model.
    """

    return_value: Any
    content: str | Sequence[UserContent] | None = field(default=None, kw_only=True)
    metadata: Any = field(default=None, kw_only=True)
    kind: Literal['tool-return'] = field(default='tool-return', kw_only=True)


@keeps_unknown_fields()
@dataclass(slots=True)
class RetryPromptPart:
    """Asks the model to try again: a tool call failed validation, or the output was wrong.

    Sent as a `tool` message answering the call when `tool_name` is set, else as a `user` message.

    Attributes:
        content: What was wrong: a message, or pydantic validation error details.
        tool_name: The tool whose call failed, if any.
        tool_call_id: The id of the call this answers.
        timestamp: When the part was created.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str | list[ErrorDetails]
    tool_name: str | None = None
    tool_call_id: str = field(default_factory=generate_tool_call_id)
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['retry-prompt'] = 'retry-prompt'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    def model_response(self) -> str:
        """The retry text sent to the model."""
        if isinstance(self.content, str):
            description = self.content
        else:
            errors = [{'type': e['type'], 'loc': e['loc'], 'msg': e['msg'], 'input': e['input']} for e in self.content]
            count = len(errors)
            json_errors = pydantic_core.to_json(errors, indent=2, fallback=repr).decode()
            description = f'{count} validation error{"" if count == 1 else "s"}:\n```json\n{json_errors}\n```'
        return f'{description}\n\nFix the errors and try again.'


@keeps_unknown_fields()
@dataclass(slots=True)
class RetryFeedbackPart:
    """Asks the model to try again after a response that answered no tool call failed validation.

    pydantic-ai writes this part (`retry-feedback`) for output validator and output validation
    retries; it is sent like a `RetryPromptPart` without a tool name: as a `user` message.

    Attributes:
        content: What was wrong: a message, or pydantic validation error details.
        retry: pydantic-ai's retry record: `cause` (`'model_retry'`, `'validation_error'` or
            `'no_output'`), `attempt` and `max_retries`; by default the cause the content implies.
        timestamp: When the part was created.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    content: str | list[ErrorDetails]
    retry: dict[str, Any] | None = None
    timestamp: datetime = field(default_factory=_now_utc)
    part_kind: Literal['retry-feedback'] = 'retry-feedback'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.retry is None:  # pydantic-ai requires the record; the content says which cause it is
            self.retry = {'cause': 'model_retry' if isinstance(self.content, str) else 'validation_error'}

    def model_response(self) -> str:
        """The retry text sent to the model, worded as a tool-less `RetryPromptPart`'s."""
        return RetryPromptPart(self.content).model_response()


ModelRequestPart: TypeAlias = Annotated[
    SystemPromptPart | UserPromptPart | ToolReturnPart | RetryPromptPart | RetryFeedbackPart,
    pydantic.Discriminator('part_kind'),
]
"""A part of a `ModelRequest`."""


# --- messages ----------------------------------------------------------------------------


@keeps_unknown_fields()
@dataclass(slots=True)
class ModelRequest:
    """A request to the model: the parts we send in one turn.

    Attributes:
        parts: System prompts, user prompts, tool returns and retry prompts.
        instructions: Instructions sent with this request (placed after the leading system
            prompts); only the newest request's instructions are sent.
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    parts: Sequence[ModelRequestPart]
    instructions: str | None = None
    kind: Literal['request'] = 'request'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    @classmethod
    def user_text_prompt(cls, user_prompt: str, *, instructions: str | None = None) -> ModelRequest:
        """A request holding one user prompt."""
        return cls(parts=[UserPromptPart(user_prompt)], instructions=instructions)


@keeps_unknown_fields()
@dataclass(slots=True)
class ModelResponse:
    """What the model answered.

    Attributes:
        parts: Text, tool calls, thinking and server-side tool parts, in the order received.
        usage: Tokens used by this request.
        model_name: The model that answered, as the API reports it.
        timestamp: When the response was created (Groq's `created`).
        finish_reason: Why the model stopped, normalised.
        provider_name: Always `'groq'`.
        provider_response_id: The completion id (`chatcmpl-...`).
        provider_details: Groq extras: timings, request id, service tier, raw finish reason, ...
        extra_fields: Fields of a loaded history we do not use, kept as they came.
    """

    parts: Sequence[ModelResponsePart]
    usage: RequestUsage = field(default_factory=RequestUsage)
    model_name: str | None = None
    timestamp: datetime = field(default_factory=_now_utc)
    finish_reason: FinishReason | None = None
    provider_name: str | None = 'groq'
    provider_response_id: str | None = None
    provider_details: dict[str, Any] | None = None
    kind: Literal['response'] = 'response'
    extra_fields: ExtraFields = field(default_factory=no_extra_fields, repr=False, kw_only=True)

    @property
    def text(self) -> str | None:
        """All text parts joined, or `None` when there are none."""
        texts = [part.content for part in self.parts if isinstance(part, TextPart)]
        return ''.join(texts) if texts else None

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """The function tool calls, in order."""
        return [part for part in self.parts if isinstance(part, ToolCallPart)]

    @property
    def thinking(self) -> str | None:
        """All thinking parts joined, or `None` when there are none."""
        thoughts = [part.content for part in self.parts if isinstance(part, ThinkingPart)]
        return ''.join(thoughts) if thoughts else None


ModelMessage: TypeAlias = Annotated[ModelRequest | ModelResponse, pydantic.Discriminator('kind')]
"""One message of a history."""

ModelMessagesTypeAdapter: pydantic.TypeAdapter[list[ModelMessage]] = pydantic.TypeAdapter(
    list[ModelMessage], config=pydantic.ConfigDict(defer_build=True)
)
"""Dumps a history to JSON (`dump_json`) and loads it back (`validate_json`) with nothing lost."""


# --- agent run events --------------------------------------------------------------------


@dataclass(slots=True)
class FunctionToolCallEvent:
    """The agent is about to run a function tool the model called.

    Attributes:
        part: The tool call.
    """

    part: ToolCallPart
    event_kind: Literal['function_tool_call'] = 'function_tool_call'


@dataclass(slots=True)
class FunctionToolResultEvent:
    """A function tool call finished: its return, or the retry prompt sent back instead.

    Attributes:
        result: What goes back to the model for this call.
    """

    result: ToolReturnPart | RetryPromptPart
    event_kind: Literal['function_tool_result'] = 'function_tool_result'

    @property
    def part(self) -> ToolReturnPart | RetryPromptPart:
        """The same as `result`, under the name pydantic-ai's event uses, so its UI adapters read it unchanged."""
        return self.result


@dataclass(slots=True)
class OutputToolCallEvent:
    """The agent is about to validate the output tool call that carries the final result.

    Attributes:
        part: The output tool call.
    """

    part: ToolCallPart
    event_kind: Literal['output_tool_call'] = 'output_tool_call'


@dataclass(slots=True)
class OutputToolResultEvent:
    """The output tool call was accepted: `part` is the return recorded for it in the history.

    Attributes:
        part: The tool return sent back for the output tool call.
    """

    part: ToolReturnPart
    event_kind: Literal['output_tool_result'] = 'output_tool_result'


@dataclass(slots=True)
class FinalResultEvent:
    """The response being received carries the final result.

    Attributes:
        tool_name: The output tool that carries it, or `None` for a text or JSON answer.
        tool_call_id: That tool call's id.
    """

    tool_name: str | None
    tool_call_id: str | None
    event_kind: Literal['final_result'] = 'final_result'
