"""One error hierarchy for the whole package.

Everything the `groq` SDK raises reaches the user as one of these, with the SDK's
exception chained as `__cause__`. No message or repr ever contains the API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = (
    'AgentGroqError',
    'ApprovalRequired',
    'CallDeferred',
    'ModelAPIError',
    'ModelHTTPError',
    'ModelRetry',
    'UnexpectedModelBehavior',
    'UsageLimitExceeded',
    'UserError',
)

HTTPErrorKind = Literal[
    'bad_request',
    'auth',
    'not_found',
    'request_too_large',
    'unprocessable',
    'rate_limited',
    'capacity',
    'server',
    'other',
]
"""What an HTTP error status means, as `ModelHTTPError.kind` reports it."""

_KIND_BY_STATUS: dict[int, HTTPErrorKind] = {
    400: 'bad_request',
    401: 'auth',
    403: 'auth',
    404: 'not_found',
    413: 'request_too_large',
    422: 'unprocessable',
    429: 'rate_limited',
    498: 'capacity',
}


class AgentGroqError(Exception):
    """Base class of every error this package raises."""

    message: str

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with every attribute, whatever a subclass's __init__ takes: durable engines store errors.
        return (_restore_error, (type(self), self.args, self.__dict__))


def _restore_error(cls: type[AgentGroqError], args: tuple[Any, ...], state: dict[str, Any]) -> AgentGroqError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class UserError(AgentGroqError):
    """The caller used the library wrongly: bad arguments, settings or configuration.

    Raised before any network call whenever the problem can be seen up front.
    """


class UsageLimitExceeded(AgentGroqError):
    """A run went past one of its `UsageLimits`."""


class UnexpectedModelBehavior(AgentGroqError):
    """The model or the API answered in a way that breaks the protocol.

    Attributes:
        body: The offending payload (a chunk, a line, a body), when there is one.
    """

    body: str | None

    def __init__(self, message: str, body: str | None = None) -> None:
        super().__init__(message)
        self.body = body

    def __str__(self) -> str:
        if self.body is None:
            return self.message
        return f'{self.message}, body:\n{self.body}'


class ModelAPIError(AgentGroqError):
    """The model API could not be reached or did not answer in time.

    Attributes:
        model_name: The model the request was for.
        kind: `'connection'` when no connection could be made or it broke, `'timeout'`
            when the request took longer than its timeout.
    """

    model_name: str
    kind: Literal['connection', 'timeout']

    def __init__(self, model_name: str, message: str, kind: Literal['connection', 'timeout'] = 'connection'):
        self.model_name = model_name
        self.kind = kind
        super().__init__(message)


class ModelHTTPError(AgentGroqError):
    """The API answered with an HTTP error status (4xx or 5xx), or sent an error event mid-stream.

    Attributes:
        status_code: The HTTP status code.
        model_name: The model the request was for.
        body: The error body: parsed JSON when it was JSON, else the text.
        headers: The response headers (lower-cased names).
        hint: What to do about it, when we know (e.g. the replacement of a decommissioned model).
    """

    status_code: int
    model_name: str
    body: object | None
    headers: dict[str, str]
    hint: str | None

    def __init__(
        self,
        status_code: int,
        model_name: str,
        body: object | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.model_name = model_name
        self.body = body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.hint = hint
        # Parsed once: a value that is ignored is logged once, not on every read.
        self._retry_after = _parse_retry_after(self.headers)
        message = f'status_code: {status_code}, model_name: {model_name}, body: {body}'
        if (retry_after := self.retry_after) is not None:
            message += f', retry after {retry_after:g}s'
        if hint:
            message += f'. {hint}'
        super().__init__(message)

    @property
    def kind(self) -> HTTPErrorKind:
        """What the status means: `auth` (401/403), `not_found` (404), `rate_limited` (429), ..."""
        if self.status_code >= 500:
            return 'server'
        return _KIND_BY_STATUS.get(self.status_code, 'other')

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait before retrying (`retry-after-ms` or `retry-after`), or `None`.

        Only a finite wait of 0 seconds or more counts: a NaN, negative, infinite or unreadable value
        is `None` (and logged).
        """
        return self._retry_after

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again later may succeed (429, 498 flex capacity, and 5xx)."""
        return self.kind in ('rate_limited', 'capacity', 'server')

    @property
    def error_code(self) -> str | None:
        """Groq's machine-readable `error.code` (e.g. `tool_use_failed`), when the body has one."""
        error = error_object(self.body)
        code = error.get('code') if error else None
        return code if isinstance(code, str) else None


def _parse_retry_after(headers: Mapping[str, str]) -> float | None:
    # Imported on use: the models package imports this module, and Groq's headers are parsed in one place.
    from .models.groq._headers import parse_retry_after

    return parse_retry_after(headers)


def error_object(body: object) -> dict[str, Any] | None:
    """The `error` object of a Groq error body (`{"error": {...}}`), or the body when it is one."""
    if isinstance(body, dict):
        error = body.get('error', body)  # pyright: ignore[reportUnknownMemberType,reportUnknownVariableType]
        if isinstance(error, dict):
            return error  # pyright: ignore[reportUnknownVariableType]
    return None


class ModelRetry(AgentGroqError):
    """Raised by a tool or an output validator to ask the model to try again; the message is sent to the model."""


class ApprovalRequired(Exception):
    """Raised by a tool to stop its call until a person approves it; the run ends with `DeferredToolRequests`.

    Raise it only while `ctx.tool_call_approved` is false: on resume, an approved call runs again
    with `ctx.tool_call_approved=True`.

    Attributes:
        metadata: Data for the application, kept in `DeferredToolRequests.metadata` under the call's id.
    """

    def __init__(self, metadata: dict[str, Any] | None = None) -> None:
        self.metadata = metadata
        super().__init__('The tool call requires approval.')


class CallDeferred(Exception):
    """Raised by a tool whose result comes from elsewhere (another service, a frontend, a person).

    The run ends with `DeferredToolRequests` listing the call in `calls`; the caller resumes with
    `DeferredToolResults(calls={call_id: result})`.

    Attributes:
        metadata: Data for the application, kept in `DeferredToolRequests.metadata` under the call's id.
    """

    def __init__(self, metadata: dict[str, Any] | None = None) -> None:
        self.metadata = metadata
        super().__init__('The tool call is executed elsewhere.')
