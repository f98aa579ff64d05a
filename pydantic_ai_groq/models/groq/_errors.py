"""Groq's errors as ours: the one place where `groq` SDK and httpx exceptions, and error bodies, are mapped.

Chat requests (`GroqModel`), streamed chunks (`GroqStreamedResponse`) and the model list
(`_catalogue`) all raise through here, so one failure reads the same wherever it happens:
an error status is a `ModelHTTPError` (its `kind` and `retry_after` read from the status and
headers), a timeout or lost connection a `ModelAPIError`, a body that does not decode as its
`Content-Encoding` says an `UnexpectedModelBehavior`, and so is a body or chunk that does not fit
the wire shapes of `_response` (`unreadable` names the field, its value and what was expected).
A generation Groq's own validation rejected (`RECOVERABLE_ERRORS`) becomes a response to retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import groq
import httpx
import pydantic
import pydantic_core

from ...exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, error_object
from ...messages import ModelResponse, ModelResponsePart, TextPart, ToolCallPart
from ._headers import parse_rate_limit_headers
from ._log import logger

__all__ = (
    'RECOVERABLE_ERRORS',
    'RECOVERED_LOG',
    'error_event_body',
    'failed_generation_parts',
    'failed_generation_response',
    'http_error',
    'in_stream_http_error',
    'request_error',
    'stream_read_error',
    'unreadable',
)

RECOVERABLE_ERRORS = frozenset({'tool_use_failed', 'json_validate_failed'})
"""Groq's error codes for a generation its own validation rejected: the model can be asked to retry."""

RECOVERED_LOG = '%s from Groq for %s: the failed generation goes back to the agent to retry'
"""The INFO line for a recovered generation (its code and model; never the generation, which may quote the prompt)."""


def http_error(response: httpx.Response, model_name: str, hint: str | None = None) -> ModelHTTPError:
    """The `ModelHTTPError` for an error response (whose body has been read).

    Args:
        response: The error response.
        model_name: The model the request was for (or what the catalogue request was for).
        hint: What to do about it, when we know.
    """
    try:
        body: object = response.json()
    except ValueError:
        body = response.text or None
    return ModelHTTPError(response.status_code, model_name, body, dict(response.headers), hint=hint)


def request_error(error: groq.APIConnectionError, model_name: str) -> ModelAPIError | UnexpectedModelBehavior:
    """A request the SDK could not complete: a timeout, a lost connection, a body that does not decode.

    Args:
        error: The SDK's `APIConnectionError` (or its subclass `APITimeoutError`).
        model_name: The model the request was for.
    """
    if isinstance(error, groq.APITimeoutError):
        return ModelAPIError(model_name, f'Request to Groq timed out ({error.request.url})', 'timeout')
    if isinstance(error.__cause__, httpx.DecodingError):  # the body arrived, but not as its encoding says
        return UnexpectedModelBehavior(
            f'Groq sent a body that does not decode as its Content-Encoding says: {error.__cause__}'
        )
    return ModelAPIError(model_name, f'Connection to Groq failed ({error.request.url}): {error}')


def stream_read_error(
    error: httpx.HTTPError, model_name: str, response: httpx.Response
) -> ModelAPIError | UnexpectedModelBehavior:
    """What went wrong while reading a streamed answer: a timeout, a broken stream, undecodable bytes.

    Args:
        error: The httpx error raised while reading the stream.
        model_name: The model the request was for.
        response: The streamed response (its `Content-Encoding` is named for undecodable bytes).
    """
    if isinstance(error, httpx.TimeoutException):
        return ModelAPIError(model_name, 'Groq stream timed out while reading', 'timeout')
    if isinstance(error, httpx.DecodingError):
        encoding = response.headers.get('content-encoding', 'none')
        return UnexpectedModelBehavior(
            f'Groq sent a stream that does not decode as its Content-Encoding ({encoding}) says: {error}'
        )
    return ModelAPIError(model_name, f'Groq stream broke off: {error!r}')


def in_stream_http_error(body: object, model_name: str, headers: httpx.Headers) -> ModelHTTPError:
    """An error Groq sent inside a 200 stream, with the status its body names (else 500).

    Args:
        body: The error's body (`{"error": {...}}`), parsed, or its text.
        model_name: The model the request was for.
        headers: The stream's response headers.
    """
    error = error_object(body)
    status = error.get('status_code') if error else None
    if not (type(status) is int and 400 <= status <= 599):
        status = 500
    return ModelHTTPError(status, model_name, body, dict(headers))


def error_event_body(data: bytes) -> object:
    """The data of an `event: error`: its JSON, else its text."""
    try:
        return pydantic_core.from_json(data)
    except ValueError:
        return data.decode(errors='replace')


_EXPECTED = {
    'string_type': 'a string',
    'int_type': 'a whole number',
    'int_from_float': 'a whole number',
    'float_type': 'a number',
    'list_type': 'a list',
    'dict_type': 'an object',
}


def unreadable(what: str, error: pydantic.ValidationError, text: str) -> UnexpectedModelBehavior:
    """A body or chunk that does not fit its wire shape, naming the first field that does not.

    Args:
        what: What was read, e.g. `'stream chunk'`.
        error: The validation error.
        text: The body or chunk as received, kept on the error.
    """
    first = error.errors(include_url=False)[0]
    if first['type'] == 'json_invalid':
        return UnexpectedModelBehavior(f'Groq sent a {what} that is not valid JSON', text)
    loc = first['loc']
    if first['type'] == 'missing':
        problem = f'no {loc[-1]!r} field in {_path(loc[:-1]) or "it"}'
    else:
        value = first['input']
        expected = _EXPECTED.get(first['type'], first['msg'])
        problem = f'{_path(loc) or what} is {type(value).__name__} {_shown(value)}, expected {expected}'
    return UnexpectedModelBehavior(f'Groq sent a {what} this client cannot read ({problem})', text)


def _path(loc: Sequence[int | str]) -> str:
    """A location as `choices[0].delta.content`."""
    return ''.join(f'[{key}]' if isinstance(key, int) else f'.{key}' for key in loc).lstrip('.')


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f'{text[:77]}...'


def failed_generation_response(error: ModelHTTPError) -> ModelResponse:
    """The generation Groq rejected (`tool_use_failed`, `json_validate_failed`), as a response to retry.

    A failed generation that parses as `{"name", "arguments"}` (or a list of them) becomes tool
    calls, anything else its text; `finish_reason` is `'error'` and the error is in
    `provider_details['error']`, so the agent answers with a retry prompt.
    """
    found = error_object(error.body) or {}
    logger.info(RECOVERED_LOG, error.error_code, error.model_name)
    details: dict[str, Any] = {'error': found}
    if rate_limit := parse_rate_limit_headers(error.headers):
        details['rate_limit'] = rate_limit
    return ModelResponse(
        parts=failed_generation_parts(found.get('failed_generation')),
        model_name=error.model_name,
        finish_reason='error',
        provider_details=details,
    )


def failed_generation_parts(generation: object) -> list[ModelResponsePart]:
    """Tool calls when the failed generation is `{"name", "arguments"}` JSON (or a list), else its text."""
    if not isinstance(generation, str) or not generation.strip():
        return []
    try:
        parsed: Any = pydantic_core.from_json(generation)
    except ValueError:
        parsed = None
    calls: list[Any] = parsed if isinstance(parsed, list) else [parsed]  # pyright: ignore[reportUnknownVariableType]
    if all(_is_call(call) for call in calls):
        return [ToolCallPart(call['name'], _arguments_text(call['arguments'])) for call in calls]
    return [TextPart(generation)]


def _is_call(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get('name'), str) and 'arguments' in value  # pyright: ignore[reportUnknownMemberType]


def _arguments_text(arguments: object) -> str:
    return arguments if isinstance(arguments, str) else pydantic_core.to_json(arguments).decode()
