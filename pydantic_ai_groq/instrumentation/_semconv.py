"""Our models, messages, responses and errors in the terms of the OpenTelemetry GenAI semantic conventions.

The names follow the conventions' GenAI registry (status: development): client spans
(`docs/gen-ai/gen-ai-spans.md`), agent and tool spans (`gen-ai-agent-spans.md`), metrics
(`gen-ai-metrics.md`) and the JSON schemas of `gen_ai.input.messages`, `gen_ai.output.messages` and
`gen_ai.system_instructions` (`gen-ai-input-messages.json`, ...), in open-telemetry/semantic-conventions
and its successor open-telemetry/semantic-conventions-genai. What Groq reports beyond them goes under
`groq.`.
"""

from __future__ import annotations

import base64
import functools
import traceback
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import pydantic
import pydantic_core
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from .._function_schema import describe_validation_errors
from ..exceptions import ModelAPIError, ModelHTTPError
from ..messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryFeedbackPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
    UserPromptPart,
)
from ..models import Model

__all__ = (
    'DURATION_BUCKETS',
    'TOKEN_BUCKETS',
    'Attributes',
    'error_type',
    'input_messages',
    'json_text',
    'model_attributes',
    'output_messages',
    'record_error',
    'rejected_error_type',
    'request_attributes',
    'response_attributes',
    'system_instructions',
)

Attributes = dict[str, AttributeValue]

# The bucket boundaries the conventions give for the two client histograms.
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

# Only these settings are recorded: the others (extra_headers above all) may carry credentials.
_REQUEST_SETTINGS = {
    'max_tokens': 'gen_ai.request.max_tokens',
    'temperature': 'gen_ai.request.temperature',
    'top_p': 'gen_ai.request.top_p',
    'seed': 'gen_ai.request.seed',
    'presence_penalty': 'gen_ai.request.presence_penalty',
    'frequency_penalty': 'gen_ai.request.frequency_penalty',
    'stop_sequences': 'gen_ai.request.stop_sequences',
}

# Groq's provider details that describe the request; citations and errors are content, and the
# rate-limit headroom describes the API key rather than the request (`GroqRateLimiter` reads it).
_GROQ_DETAILS = {
    'queue_time': 'groq.queue_time',
    'prompt_time': 'groq.prompt_time',
    'completion_time': 'groq.completion_time',
    'total_time': 'groq.total_time',
    'x_groq_id': 'groq.request_id',
    'service_tier': 'groq.service_tier',
    'system_fingerprint': 'groq.system_fingerprint',
}


# --- attributes ------------------------------------------------------------------------------


def model_attributes(model: Model) -> Attributes:
    """Provider, requested model and server of a model, as every span and metric of its requests carries them."""
    attributes: Attributes = {
        'gen_ai.provider.name': model.system,
        # The name before `gen_ai.provider.name` (conventions up to v1.36), still the key of many backends.
        'gen_ai.system': model.system,
        'gen_ai.request.model': model.model_name,
    }
    base_url = getattr(model, 'base_url', None)
    if isinstance(base_url, str):
        attributes.update(_server_attributes(base_url))
    return attributes


@functools.lru_cache(maxsize=64)
def _server_attributes(base_url: str) -> Attributes:
    # Host and port only: a URL's user info could hold a credential.
    url = urlsplit(base_url)
    if not url.hostname:
        return {}
    port = url.port or (443 if url.scheme == 'https' else 80)
    return {'server.address': url.hostname, 'server.port': port}


def request_attributes(settings: Mapping[str, Any]) -> Attributes:
    """`gen_ai.request.*` for the sampling settings of a request."""
    return {name: settings[key] for key, name in _REQUEST_SETTINGS.items() if settings.get(key) is not None}


def response_attributes(response: ModelResponse) -> Attributes:
    """`gen_ai.response.*`, `gen_ai.usage.*` and the `groq.*` extras of a (possibly partial) response."""
    attributes: Attributes = {}
    if response.model_name:
        attributes['gen_ai.response.model'] = response.model_name
    if response.provider_response_id:
        attributes['gen_ai.response.id'] = response.provider_response_id
    if response.finish_reason:
        attributes['gen_ai.response.finish_reasons'] = (response.finish_reason,)
    usage = response.usage
    # No counts at all means none arrived (a stream closed early), not a request of zero tokens.
    if usage.input_tokens or usage.output_tokens:
        attributes['gen_ai.usage.input_tokens'] = usage.input_tokens
        attributes['gen_ai.usage.output_tokens'] = usage.output_tokens
    for key, value in usage.details.items():
        attributes[f'groq.usage.{key}'] = value
    if usage.cache_read_tokens:
        attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cache_read_tokens
    details = response.provider_details or {}
    for key, name in _GROQ_DETAILS.items():
        if (value := details.get(key)) is not None:
            attributes[name] = value
    return attributes


# --- errors ----------------------------------------------------------------------------------


def error_type(error: BaseException) -> str:
    """`error.type`: the HTTP status of an API error, `timeout`/`connection`, else the exception's class name."""
    if isinstance(error, ModelHTTPError):
        return str(error.status_code)
    if isinstance(error, ModelAPIError):
        return error.kind
    return type(error).__qualname__


def rejected_error_type(response: ModelResponse) -> str:
    """`error.type` of a generation Groq rejected (`finish_reason='error'`): its error code, e.g. `tool_use_failed`."""
    error: object = (response.provider_details or {}).get('error')
    code = error.get('code') if isinstance(error, dict) else None  # pyright: ignore[reportUnknownMemberType,reportUnknownVariableType]
    return code if isinstance(code, str) else '_OTHER'


def record_error(span: Span, error: Exception, *, include_content: bool) -> str:
    """Mark the span failed by `error` (status, `error.type`, an `exception` event); returns the error type.

    The event holds the exception's type, message and traceback: the package's messages never hold
    the API key, and headers and the client are never recorded. Without `include_content`, validation
    errors (here or chained) are described by location and type only: pydantic's messages quote the
    input, e.g. a tool's arguments.
    """
    kind = error_type(error)
    span.set_attribute('error.type', kind)
    if include_content:
        message = str(error)
        span.record_exception(error, escaped=True)
    else:
        message = _message_without_input(error)
        stacktrace = _stacktrace_without_input(error)
        span.record_exception(error, {'exception.message': message, 'exception.stacktrace': stacktrace}, escaped=True)
    span.set_status(Status(StatusCode.ERROR, f'{type(error).__name__}: {message}'))
    return kind


def _message_without_input(error: BaseException) -> str:
    if isinstance(error, pydantic.ValidationError):
        errors = error.errors(include_url=False, include_context=False, include_input=False)
        return describe_validation_errors(errors, error.title)
    return str(error)


def _stacktrace_without_input(error: BaseException) -> str:
    """The traceback as Python prints it, chained exceptions first, with `_message_without_input` messages."""
    blocks: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = ''.join(traceback.format_tb(current.__traceback__))
        last_line = f'{type(current).__qualname__}: {_message_without_input(current)}'
        blocks.append(f'Traceback (most recent call last):\n{frames}{last_line}\n')
        if current.__cause__ is not None:
            blocks.append('\nThe above exception was the direct cause of the following exception:\n\n')
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            blocks.append('\nDuring handling of the above exception, another exception occurred:\n\n')
            current = current.__context__
        else:
            current = None
    return ''.join(reversed(blocks))


# --- content (recorded only with include_content) --------------------------------------------


def json_text(value: object) -> str:
    """`value` as JSON text; strings stay as they are (a tool result that is text is not quoted)."""
    if isinstance(value, str):
        return value
    return pydantic_core.to_json(value, fallback=str).decode()


def input_messages(messages: Sequence[ModelMessage]) -> str:
    """`gen_ai.input.messages`: the history as sent, one message per wire message, as JSON."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ModelResponse):
            wire.append(_response_message(message))
            continue
        for part in message.parts:
            if isinstance(part, SystemPromptPart):
                wire.append({'role': 'system', 'parts': [_text(part.content)]})
            elif isinstance(part, UserPromptPart):
                wire.append({'role': 'user', 'parts': _user_parts(part.content)})
            elif isinstance(part, ToolReturnPart):
                wire.append({'role': 'tool', 'parts': [_tool_response(part.tool_call_id, part.content)]})
            elif isinstance(part, RetryFeedbackPart) or part.tool_name is None:
                wire.append({'role': 'user', 'parts': [_text(part.model_response())]})
            else:
                wire.append({'role': 'tool', 'parts': [_tool_response(part.tool_call_id, part.model_response())]})
    return json_text(wire)


def output_messages(response: ModelResponse) -> str:
    """`gen_ai.output.messages`: the response as one assistant message, as JSON."""
    message = _response_message(response)
    if response.finish_reason:
        message['finish_reason'] = response.finish_reason
    return json_text([message])


def system_instructions(messages: Sequence[ModelMessage]) -> str | None:
    """`gen_ai.system_instructions`: the newest request's instructions (the ones sent), as JSON; `None` if none."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            return json_text([_text(message.instructions)]) if message.instructions else None
    return None


def _text(content: str) -> dict[str, Any]:
    return {'type': 'text', 'content': content}


def _tool_response(tool_call_id: str, response: Any) -> dict[str, Any]:
    return {'type': 'tool_call_response', 'id': tool_call_id, 'response': response}


def _user_parts(content: str | Sequence[UserContent]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [_text(content)]
    parts: list[dict[str, Any]] = []
    for item in content:
        if isinstance(item, str):
            parts.append(_text(item))
        elif isinstance(item, ImageUrl):
            media_type, base64_marker, data = item.url.removeprefix('data:').partition(';base64,')
            if item.url.startswith('data:') and base64_marker:
                parts.append({'type': 'blob', 'modality': 'image', 'mime_type': media_type, 'content': data})
            else:
                parts.append({'type': 'uri', 'modality': 'image', 'uri': item.url})
        elif isinstance(item, BinaryContent):
            parts.append(_blob(item))
        else:  # documents, audio and video a loaded history may hold
            parts.append({'type': 'uri', 'modality': item.kind.removesuffix('-url'), 'uri': item.url})
    return parts


def _blob(item: BinaryContent) -> dict[str, Any]:
    return {
        'type': 'blob',
        'modality': item.media_type.partition('/')[0],
        'mime_type': item.media_type,
        'content': base64.b64encode(item.data).decode(),
    }


def _response_message(response: ModelResponse) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for part in response.parts:
        if isinstance(part, TextPart):
            parts.append(_text(part.content))
        elif isinstance(part, ThinkingPart):
            parts.append({'type': 'reasoning', 'content': part.content})
        elif isinstance(part, ToolCallPart):
            call = {'type': 'tool_call', 'id': part.tool_call_id, 'name': part.tool_name, 'arguments': _args(part)}
            parts.append(call)
        elif isinstance(part, BuiltinToolCallPart):
            call = {'type': part.tool_name, 'arguments': part.args}
            parts.append(
                {'type': 'server_tool_call', 'id': part.tool_call_id, 'name': part.tool_name, 'server_tool_call': call}
            )
        else:
            assert isinstance(part, BuiltinToolReturnPart)
            result = {'type': part.tool_name, 'content': part.content}
            parts.append(
                {'type': 'server_tool_call_response', 'id': part.tool_call_id, 'server_tool_call_response': result}
            )
    return {'role': 'assistant', 'parts': parts}


def _args(part: ToolCallPart) -> Any:
    # The conventions want an object; arguments that are not one are kept as the model sent them.
    try:
        return part.args_as_dict()
    except ValueError:
        return part.args
