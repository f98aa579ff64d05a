"""Groq's errors as ours: the one place where `groq` SDK and httpx exceptions, and error bodies, are mapped.

Chat requests (`GroqModel`), streamed chunks (`GroqStreamedResponse`) and the model list
(`_groq_catalogue`) all raise through here, so one failure reads the same wherever it happens:
an error status is a `ModelHTTPError` (its `kind` and `retry_after` read from the status and
headers), a timeout or lost connection a `ModelAPIError`, a body that does not decode as its
`Content-Encoding` says an `UnexpectedModelBehavior`.
"""

from __future__ import annotations

import groq
import httpx
import pydantic_core

from ..exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, error_object

__all__ = (
    'RECOVERABLE_ERRORS',
    'error_event_body',
    'http_error',
    'in_stream_http_error',
    'request_error',
    'stream_read_error',
)

RECOVERABLE_ERRORS = frozenset({'tool_use_failed', 'json_validate_failed'})
"""Groq's error codes for a generation its own validation rejected: the model can be asked to retry."""


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
