"""`GroqModel`: chat completions on Groq through the official `groq` SDK.

The SDK sends: auth, base URL, timeouts, retries (honouring `retry-after`) and status
errors are its job. We read: the SDK would build a typed object per stream chunk with a
generic field walk that costs many times a JSON parse, so we take the raw HTTP response
through the client's documented low-level `post(..., cast_to=httpx.Response)`, split the
server-sent events ourselves, parse each with pydantic-core and feed the parts manager.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, NoReturn, cast

import groq
import httpx
import pydantic_core

from .._json_schema import is_strict_compatible
from .._parts_manager import wire_tool_args
from ..exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, UserError, error_object
from ..messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    FinishReason,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
    generate_tool_call_id,
)
from ..settings import ModelSettings, merge_model_settings, validate_model_settings
from ..tools import ToolDefinition
from ..usage import RequestUsage
from . import Model, ModelRequestParameters, StreamedResponse

__all__ = ('GroqModel', 'GroqModelSettings', 'GroqStreamedResponse')

CHAT_COMPLETIONS_PATH = '/openai/v1/chat/completions'


class GroqModelSettings(ModelSettings, total=False):
    """`ModelSettings` plus Groq's own request fields, prefixed `groq_`."""

    groq_reasoning_format: Literal['parsed', 'raw', 'hidden']
    """How reasoning models return their reasoning: a separate field, `<think>` tags in the text, or not at all."""

    groq_reasoning_effort: Literal['none', 'default', 'low', 'medium', 'high']
    """How much reasoning models think before answering."""

    groq_include_reasoning: bool
    """Whether the response includes the reasoning (models that do not take `reasoning_format`)."""

    groq_service_tier: Literal['on_demand', 'flex', 'auto', 'performance']
    """Which capacity tier serves the request."""

    groq_user: str
    """An end-user id, for Groq's abuse monitoring."""


# One place that says which setting becomes which body field, and what it may hold.
_BODY_FIELD_BY_SETTING: dict[str, str] = {
    'max_tokens': 'max_completion_tokens',
    'temperature': 'temperature',
    'top_p': 'top_p',
    'seed': 'seed',
    'presence_penalty': 'presence_penalty',
    'frequency_penalty': 'frequency_penalty',
    'stop_sequences': 'stop',
    'groq_reasoning_format': 'reasoning_format',
    'groq_reasoning_effort': 'reasoning_effort',
    'groq_include_reasoning': 'include_reasoning',
    'groq_service_tier': 'service_tier',
    'groq_user': 'user',
}
_ALLOWED_SETTINGS = frozenset(GroqModelSettings.__annotations__) | frozenset(ModelSettings.__annotations__)
_CHOICES: dict[str, tuple[object, ...]] = {
    'groq_reasoning_format': ('parsed', 'raw', 'hidden'),
    'groq_reasoning_effort': ('none', 'default', 'low', 'medium', 'high'),
    'groq_service_tier': ('on_demand', 'flex', 'auto', 'performance'),
    'groq_include_reasoning': (True, False),
    'parallel_tool_calls': (True, False),
}

_FINISH_REASONS: dict[str, FinishReason] = {
    'stop': 'stop',
    'length': 'length',
    'tool_calls': 'tool_call',
    'function_call': 'tool_call',
    'content_filter': 'content_filter',
}


def _check_settings(settings: Mapping[str, Any]) -> None:
    validate_model_settings(settings, _ALLOWED_SETTINGS)
    for key, choices in _CHOICES.items():
        if key in settings and settings[key] not in choices:
            allowed = ', '.join(repr(c) for c in choices)
            raise UserError(f'Model setting {key}={settings[key]!r} is not allowed; choose one of {allowed}.')


@dataclass(init=False)
class GroqModel(Model):
    """A Groq chat model, e.g. `GroqModel("llama-3.3-70b-versatile")`.

    Args:
        model_name: The Groq model id.
        api_key: The API key; defaults to the `GROQ_API_KEY` environment variable.
        base_url: The API root; defaults to `GROQ_BASE_URL`, then the SDK's default.
        groq_client: A ready `groq.AsyncGroq` to use (then give no key, URL or HTTP client).
        http_client: An `httpx.AsyncClient` for the SDK to send with.
        settings: Default settings for every request with this model.
        max_retries: How often the SDK retries connection errors, 408, 409, 429 and 5xx
            (it waits as `retry-after` says).

    Raises:
        UserError: When no API key can be found, or arguments conflict.
    """

    _model_name: str
    settings: GroqModelSettings | None
    client: groq.AsyncGroq = field(repr=False)

    def __init__(
        self,
        model_name: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        groq_client: groq.AsyncGroq | None = None,
        http_client: httpx.AsyncClient | None = None,
        settings: GroqModelSettings | None = None,
        max_retries: int | None = None,
    ) -> None:
        if not model_name:
            raise UserError('GroqModel needs a model name, e.g. GroqModel("llama-3.3-70b-versatile").')
        if settings:
            _check_settings(settings)
        self._model_name = model_name
        self.settings = settings
        if groq_client is not None:
            conflicting = [
                name
                for name, value in (
                    ('api_key', api_key),
                    ('base_url', base_url),
                    ('http_client', http_client),
                    ('max_retries', max_retries),
                )
                if value is not None
            ]
            if conflicting:
                raise UserError(
                    f'GroqModel got groq_client and {", ".join(conflicting)}: configure the client itself, '
                    'or pass api_key/base_url/http_client/max_retries without groq_client.'
                )
            self.client = groq_client
            return
        api_key = api_key or os.environ.get('GROQ_API_KEY')
        if not api_key:
            raise UserError(
                'No Groq API key: set the GROQ_API_KEY environment variable, or pass api_key= or groq_client= '
                'to GroqModel.'
            )
        base_url = base_url or os.environ.get('GROQ_BASE_URL') or None
        kwargs: dict[str, Any] = {}
        if max_retries is not None:
            kwargs['max_retries'] = max_retries
        self.client = groq.AsyncGroq(api_key=api_key, base_url=base_url, http_client=http_client, **kwargs)

    @property
    def model_name(self) -> str:
        """The Groq model id."""
        return self._model_name

    @property
    def system(self) -> str:
        """Always `groq`."""
        return 'groq'

    @property
    def base_url(self) -> str:
        """The API root the client sends to."""
        return str(self.client.base_url)

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send one chat completion request and map the response."""
        body, options = self._prepare(messages, model_settings, model_request_parameters, stream=False)
        response = await self._post(body, options, stream=False)
        try:
            data = pydantic_core.from_json(response.content)
        except ValueError as e:
            raise UnexpectedModelBehavior('Groq sent a response body that is not JSON', response.text) from e
        return self._process_response(data)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> AsyncGenerator[GroqStreamedResponse]:
        """Send one streamed chat completion request; yields the `GroqStreamedResponse`.

        The HTTP stream is closed when the block is left, whether the stream was read to
        the end or not.
        """
        body, options = self._prepare(messages, model_settings, model_request_parameters, stream=True)
        response = await self._post(body, options, stream=True)
        try:
            yield GroqStreamedResponse(self._model_name, response)
        finally:
            await response.aclose()

    # --- building the request ------------------------------------------------------------

    def _prepare(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        params: ModelRequestParameters,
        *,
        stream: bool,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        settings = merge_model_settings(self.settings, model_settings)
        if model_settings:
            _check_settings(settings)
        if params.builtin_tools:
            kinds = ', '.join(sorted({tool.kind for tool in params.builtin_tools}))
            raise UserError(f'Server-side tools ({kinds}) are not supported by this version of GroqModel.')
        body: dict[str, Any] = {'model': self._model_name, 'messages': map_messages(messages)}
        if stream:
            body['stream'] = True
        tool_defs = params.tool_defs
        if tool_defs:
            tool_choice, tool_defs = _tool_choice(settings.get('tool_choice'), tool_defs, params.allow_text_output)
            body['tools'] = [_map_tool_definition(tool) for tool in tool_defs]
            body['tool_choice'] = tool_choice
            if 'parallel_tool_calls' in settings:
                body['parallel_tool_calls'] = settings['parallel_tool_calls']
        elif settings.get('tool_choice', 'none') not in ('none', 'auto'):
            raise UserError(f'Model setting tool_choice={settings["tool_choice"]!r} needs tools, and none are offered.')
        if params.output_mode == 'native':
            body['response_format'] = _json_schema_response_format(params, self._model_name)
        elif params.output_mode == 'prompted':
            body['response_format'] = {'type': 'json_object'}
        for key, body_field in _BODY_FIELD_BY_SETTING.items():
            if key in settings:
                body[body_field] = settings[key]
        if extra_body := settings.get('extra_body'):
            body.update(extra_body)
        options: dict[str, Any] = {}
        if 'timeout' in settings:
            options['timeout'] = settings['timeout']
        if extra_headers := settings.get('extra_headers'):
            options['headers'] = extra_headers
        return body, options

    async def _post(self, body: dict[str, Any], options: dict[str, Any], *, stream: bool) -> httpx.Response:
        try:
            return await self.client.post(
                CHAT_COMPLETIONS_PATH,
                cast_to=httpx.Response,
                body=body,
                options=cast(Any, options),
                stream=stream,
            )
        except groq.APIStatusError as e:
            raise http_error(e.response, self._model_name) from e
        except groq.APITimeoutError as e:
            raise ModelAPIError(self._model_name, f'Request to Groq timed out ({e.request.url})', 'timeout') from e
        except groq.APIConnectionError as e:
            raise ModelAPIError(self._model_name, f'Connection to Groq failed ({e.request.url}): {e}') from e

    # --- reading the response ------------------------------------------------------------

    def _process_response(self, data: Any) -> ModelResponse:
        try:
            choice = data['choices'][0]
            message = choice['message']
            parts: list[ModelResponsePart] = []
            if reasoning := message.get('reasoning'):
                parts.append(ThinkingPart(reasoning))
            if content := message.get('content'):
                parts.append(TextPart(content))
            for tool_call in message.get('tool_calls') or ():
                function = tool_call['function']
                parts.append(
                    ToolCallPart(
                        function['name'],
                        wire_tool_args(function.get('arguments')),
                        tool_call.get('id') or generate_tool_call_id(),
                    )
                )
            details = _response_details(data)
            x_groq: dict[str, Any] = data.get('x_groq') or {}
            usage = _map_usage(data.get('usage'), x_groq.get('usage'), details)
            raw_finish_reason = choice.get('finish_reason')
            if raw_finish_reason:
                details['finish_reason'] = raw_finish_reason
            created = data.get('created')
            return ModelResponse(
                parts=parts,
                usage=usage,
                model_name=data.get('model') or self._model_name,
                timestamp=_timestamp(created),
                finish_reason=_FINISH_REASONS.get(raw_finish_reason) if raw_finish_reason else None,
                provider_response_id=data.get('id'),
                provider_details=details or None,
            )
        except (KeyError, IndexError, TypeError, AttributeError) as e:
            raise UnexpectedModelBehavior(
                'Groq sent a chat completion this client cannot read', pydantic_core.to_json(data).decode()
            ) from e


class GroqStreamedResponse(StreamedResponse):
    """A Groq chat completion arriving as server-sent events.

    Iterating reads the HTTP stream, one parse per chunk, and yields part events. An
    `event: error` line raises the mapped `ModelHTTPError`; a stream that ends before
    the response is complete raises `UnexpectedModelBehavior`. In both cases `get()`
    still returns everything received before.
    """

    def __init__(self, model_name: str, response: httpx.Response) -> None:
        super().__init__(model_name, datetime.now(tz=timezone.utc))
        self._requested_model = model_name
        self._response = response

    async def _get_event_iterator(self) -> AsyncIterator[ModelResponseStreamEvent]:
        # One generator reads bytes, splits events and maps chunks: no layers per chunk.
        parts = self._parts_manager
        details = self.provider_details
        first = True
        done = False
        pending = b''
        event_name: bytes | None = None
        try:
            async for raw in self._response.aiter_bytes():
                lines = (pending + raw).split(b'\n') if pending else raw.split(b'\n')
                pending = lines.pop()
                for line in lines:
                    if not line.startswith(b'data:'):
                        if line.startswith(b'event:'):
                            event_name = line[6:].strip()
                        continue
                    payload = line[5:].strip()
                    if event_name is not None and event_name != b'message':
                        if event_name == b'error':
                            self._raise_stream_error(payload)
                        event_name = None
                        continue
                    if payload == b'[DONE]':
                        done = True
                        continue
                    try:
                        chunk = pydantic_core.from_json(payload)
                        if first:
                            first = False
                            self._read_metadata(chunk)
                        choices = chunk['choices']
                        if choices:
                            choice = choices[0]
                            delta = choice['delta']
                            # Absent or empty fields give no event: one check, in the parts manager.
                            event = parts.handle_thinking_delta('reasoning', delta.get('reasoning'))
                            if event is not None:
                                yield event
                            event = parts.handle_text_delta('content', delta.get('content'))
                            if event is not None:
                                yield event
                            if tool_calls := delta.get('tool_calls'):
                                for tool_call in tool_calls:
                                    function: dict[str, Any] = tool_call.get('function') or {}
                                    event = parts.handle_tool_call_delta(
                                        tool_call.get('index', 0),
                                        function.get('name'),
                                        function.get('arguments'),
                                        tool_call.get('id'),
                                    )
                                    if event is not None:
                                        yield event
                            if finish_reason := choice.get('finish_reason'):
                                self.finish_reason = _FINISH_REASONS.get(finish_reason)
                                details['finish_reason'] = finish_reason
                        # Usage only rides on the last chunk; other chunks skip this branch.
                        x_groq = chunk.get('x_groq')
                        x_usage = x_groq.get('usage') if x_groq is not None else None
                        if x_usage is not None or chunk.get('usage') is not None:
                            self._usage = _map_usage(chunk.get('usage'), x_usage, details)
                    except ValueError as e:
                        raise UnexpectedModelBehavior(
                            'Groq sent a stream chunk that is not valid JSON',
                            payload.decode(errors='replace'),
                        ) from e
                    except (KeyError, IndexError, TypeError, AttributeError) as e:
                        raise UnexpectedModelBehavior(
                            'Groq sent a stream chunk this client cannot read',
                            payload.decode(errors='replace'),
                        ) from e
        except httpx.TimeoutException as e:
            raise ModelAPIError(self._requested_model, 'Groq stream timed out while reading', 'timeout') from e
        except httpx.TransportError as e:
            raise ModelAPIError(self._requested_model, f'Groq stream broke off: {e!r}') from e
        if not done and self.finish_reason is None:
            raise UnexpectedModelBehavior(
                'Groq stream ended before the response was complete (no finish reason, no [DONE])'
            )
        if parts.pending_tool_call_count:
            raise UnexpectedModelBehavior('Groq stream ended with a tool call that has no name')

    def _read_metadata(self, chunk: dict[str, Any]) -> None:
        self.provider_response_id = chunk.get('id')
        if model := chunk.get('model'):
            self.model_name = model
        if created := chunk.get('created'):
            self.timestamp = _timestamp(created)
        self.provider_details.update(_response_details(chunk))

    def _raise_stream_error(self, payload: bytes) -> NoReturn:
        try:
            body: Any = pydantic_core.from_json(payload)
        except ValueError:
            body = payload.decode(errors='replace')
        error = error_object(body)
        status = error.get('status_code') if error else None
        self.finish_reason = 'error'
        raise ModelHTTPError(
            status if isinstance(status, int) else 500,
            self._requested_model,
            body,
            dict(self._response.headers),
        )


# --- shared mapping helpers ----------------------------------------------------------------


def http_error(response: httpx.Response, model_name: str) -> ModelHTTPError:
    """The `ModelHTTPError` for an error response (whose body has been read)."""
    try:
        body: object = response.json()
    except ValueError:
        body = response.text or None
    return ModelHTTPError(response.status_code, model_name, body, dict(response.headers))


def _timestamp(created: object) -> datetime:
    if isinstance(created, int | float):
        return datetime.fromtimestamp(created, tz=timezone.utc)
    return datetime.now(tz=timezone.utc)


def _response_details(data: Mapping[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    x_groq = data.get('x_groq')
    if x_groq and (request_id := x_groq.get('id')):
        details['x_groq_id'] = request_id
    for key in ('service_tier', 'system_fingerprint'):
        if value := data.get(key):
            details[key] = value
    return details


_TIMINGS = ('queue_time', 'prompt_time', 'completion_time', 'total_time')
_CACHE_COUNTS = ('dram_cached_tokens', 'sram_cached_tokens')


def _map_usage(
    usage: Mapping[str, Any] | None, x_groq_usage: Mapping[str, Any] | None, details: dict[str, Any]
) -> RequestUsage:
    """Token counts into `RequestUsage`; Groq's timings into `details` (provider details)."""
    usage = usage or x_groq_usage
    if not usage:
        return RequestUsage()
    counts: dict[str, int] = {}
    if (completion_details := usage.get('completion_tokens_details')) and (
        reasoning := completion_details.get('reasoning_tokens')
    ) is not None:
        counts['reasoning_tokens'] = reasoning
    if (prompt_details := usage.get('prompt_tokens_details')) and (
        cached := prompt_details.get('cached_tokens')
    ) is not None:
        counts['cached_tokens'] = cached
    for source in (x_groq_usage, usage):
        if source:
            for key in _CACHE_COUNTS:
                if key not in counts and isinstance(value := source.get(key), int):
                    counts[key] = value
    for key in _TIMINGS:
        if (value := usage.get(key)) is not None:
            details[key] = value
    return RequestUsage(
        input_tokens=usage.get('prompt_tokens') or 0,
        output_tokens=usage.get('completion_tokens') or 0,
        details=counts,
    )


def _map_tool_definition(tool: ToolDefinition) -> dict[str, Any]:
    function: dict[str, Any] = {
        'name': tool.name,
        'description': tool.description,
        'parameters': tool.parameters_json_schema,
    }
    if tool.strict is not None:
        function['strict'] = tool.strict
    return {'type': 'function', 'function': function}


def _tool_choice(
    setting: object, tool_defs: list[ToolDefinition], allow_text_output: bool
) -> tuple[str | dict[str, Any], list[ToolDefinition]]:
    """Groq's `tool_choice` and the tools to send, from the `tool_choice` setting."""
    if setting is None:
        return ('auto' if allow_text_output else 'required'), tool_defs
    if setting in ('auto', 'none', 'required'):
        return cast(str, setting), tool_defs
    available = [tool.name for tool in tool_defs]
    if isinstance(setting, list) and setting and all(isinstance(name, str) for name in cast(list[object], setting)):
        names = cast(list[str], setting)
        unknown = [name for name in names if name not in available]
        if unknown:
            raise UserError(
                f'Model setting tool_choice names unknown tool(s) {", ".join(unknown)}; '
                f'available tools: {", ".join(available)}.'
            )
        if len(names) == 1:
            return {'type': 'function', 'function': {'name': names[0]}}, tool_defs
        return 'required', [tool for tool in tool_defs if tool.name in names]
    raise UserError(
        f"Model setting tool_choice={setting!r} is not allowed; use 'auto', 'none', 'required' "
        'or a non-empty list of tool names.'
    )


def _supports_strict_json_schema(model_name: str) -> bool:
    # Groq honours strict json_schema only on these models; elsewhere `strict` is best effort.
    return model_name.startswith('openai/gpt-oss')


def _json_schema_response_format(params: ModelRequestParameters, model_name: str) -> dict[str, Any]:
    output = params.output_object
    if output is None:
        raise UserError("output_mode='native' needs an output_object (the JSON schema to answer with).")
    json_schema: dict[str, Any] = {'name': output.name or 'final_result', 'schema': output.json_schema}
    if output.description:
        json_schema['description'] = output.description
    strict = output.strict
    if strict is None and _supports_strict_json_schema(model_name) and is_strict_compatible(output.json_schema):
        strict = True
    if strict is not None:
        json_schema['strict'] = strict
    return {'type': 'json_schema', 'json_schema': json_schema}


def map_messages(messages: Iterable[ModelMessage]) -> list[dict[str, Any]]:
    """A history as Groq chat messages.

    The newest request's instructions go in a `system` message after the leading system
    prompts. Thinking and server-side tool parts are kept in history but not sent back.
    """
    wire: list[dict[str, Any]] = []
    instructions: str | None = None
    for message in messages:
        if isinstance(message, ModelRequest):
            instructions = message.instructions
            for part in message.parts:
                wire.append(_map_request_part(part))
        else:
            wire.append(_map_response(message))
    if instructions:
        leading = 0
        while leading < len(wire) and wire[leading]['role'] == 'system':
            leading += 1
        wire.insert(leading, {'role': 'system', 'content': instructions})
    return wire


def _map_request_part(
    part: SystemPromptPart | UserPromptPart | ToolReturnPart | RetryPromptPart,
) -> dict[str, Any]:
    if isinstance(part, SystemPromptPart):
        return {'role': 'system', 'content': part.content}
    if isinstance(part, UserPromptPart):
        if isinstance(part.content, str):
            return {'role': 'user', 'content': part.content}
        return {'role': 'user', 'content': [_map_user_content(item) for item in part.content]}
    if isinstance(part, ToolReturnPart):
        return {'role': 'tool', 'tool_call_id': part.tool_call_id, 'content': part.model_response_str()}
    if part.tool_name is None:
        return {'role': 'user', 'content': part.model_response()}
    return {'role': 'tool', 'tool_call_id': part.tool_call_id, 'content': part.model_response()}


def _map_user_content(item: str | ImageUrl | BinaryContent) -> dict[str, Any]:
    if isinstance(item, str):
        return {'type': 'text', 'text': item}
    if isinstance(item, ImageUrl):
        url, detail = item.url, item.detail
    else:
        if not item.is_image:
            raise UserError(
                f'BinaryContent with media type {item.media_type!r} cannot be sent to Groq: '
                'only images (image/png, image/jpeg, image/webp, image/gif) are supported in user prompts.'
            )
        url, detail = item.data_uri, item.detail
    image_url: dict[str, Any] = {'url': url}
    if detail is not None:
        image_url['detail'] = detail
    return {'type': 'image_url', 'image_url': image_url}


def _map_response(message: ModelResponse) -> dict[str, Any]:
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            texts.append(part.content)
        elif isinstance(part, ToolCallPart):
            tool_calls.append(
                {
                    'id': part.tool_call_id or generate_tool_call_id(),
                    'type': 'function',
                    'function': {'name': part.tool_name, 'arguments': part.args_as_json_str()},
                }
            )
        else:
            # Thinking and server-side tool parts stay in history only; see docs/messages.md.
            assert isinstance(part, ThinkingPart | BuiltinToolCallPart | BuiltinToolReturnPart)
    wire: dict[str, Any] = {'role': 'assistant'}
    if texts or not tool_calls:
        wire['content'] = ''.join(texts)
    if tool_calls:
        wire['tool_calls'] = tool_calls
    return wire
