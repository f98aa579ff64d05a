"""`GroqModel`: chat completions on Groq through the official `groq` SDK.

The SDK sends: auth, base URL, timeouts, retries (honouring `retry-after`) and status
errors are its job. We read: the SDK would build a typed object per stream chunk with a
generic field walk that costs many times a JSON parse, so we take the raw HTTP response
through the client's documented low-level `post(..., cast_to=httpx.Response)`, split the
server-sent events ourselves, parse each with pydantic-core and feed the parts manager.

Building the body lives in `_groq_request`, reading the answer in `_groq_response`, what
each model family takes in `_groq_profiles`, the model catalogue in `_groq_catalogue`.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args, get_origin, get_type_hints

import anyio
import groq
import httpx
import pydantic_core

from .._sync import run_sync
from ..clock import SYSTEM_CLOCK, Clock
from ..exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, UserError
from ..messages import ModelMessage, ModelResponse
from ..rate_limit import DEFAULT_MAX_WAIT, GroqRateLimiter, parse_rate_limit_headers
from ..settings import ModelSettings, merge_model_settings, validate_model_settings
from . import Model, ModelRequestParameters
from ._groq_capacity import context_window, estimate_tokens, obviously_exceeds
from ._groq_catalogue import (
    KNOWN_MODELS,
    GroqModelInfo,
    close_names,
    default_catalogue,
    fetch_models,
    replacement_for,
)
from ._groq_errors import RECOVERABLE_ERRORS, failed_generation_response, http_error, request_error
from ._groq_request import build_body, map_documents
from ._groq_response import content_has_think_tags, process_response
from ._groq_sse import GroqStreamedResponse
from ._loop_clients import GivenClient, OwnClients, default_http_client

__all__ = (
    'GroqModel',
    'GroqModelInfo',
    'GroqModelSettings',
    'GroqStreamedResponse',
    'list_models',
    'list_models_sync',
)

CHAT_COMPLETIONS_PATH = '/openai/v1/chat/completions'

# Capacity errors (498) are not retried by the SDK; Groq's docs say to retry them with backoff.
_CAPACITY_BACKOFF_SECONDS = 0.5
_CAPACITY_BACKOFF_CAP_SECONDS = 8.0


class GroqModelSettings(ModelSettings, total=False):
    """`ModelSettings` plus Groq's own request fields, prefixed `groq_`."""

    groq_reasoning_format: Literal['parsed', 'raw', 'hidden']
    """How reasoning models return their reasoning: a separate field, `<think>` tags in the text, or not at all."""

    groq_reasoning_effort: Literal['none', 'default', 'low', 'medium', 'high']
    """How much reasoning models think before answering (mapped or refused per model family)."""

    groq_include_reasoning: bool
    """Whether the response includes the reasoning (gpt-oss and other models without `reasoning_format`)."""

    groq_service_tier: Literal['on_demand', 'flex', 'auto', 'performance']
    """Which capacity tier serves the request; the tier that served it is in `provider_details['service_tier']`."""

    groq_user: str
    """An end-user id, for Groq's abuse monitoring."""

    groq_disable_tool_validation: bool
    """Let tool calls through that do not match their schema instead of failing with `tool_use_failed`
    (our own validation still applies and asks the model to retry)."""

    groq_documents: Sequence[str | Mapping[str, Any]]
    """Documents for retrieval-augmented answers: strings, or Groq's `{"id", "source": {...}}` objects."""

    groq_citation_options: Literal['enabled', 'disabled']
    """Whether answers cite the documents; citations land in `provider_details['citations']`."""

    groq_max_retry_wait: float
    """The longest wait, in seconds, that one server-sent `retry-after` (498) or `x-ratelimit-reset-*` and 429
    `retry-after` (pausing the `rate_limit` limiter) may impose; longer waits are cut to it. Default 60, the groq
    SDK's own cap for the retries it makes. Never sent to Groq."""


_ALLOWED_SETTINGS = frozenset(GroqModelSettings.__annotations__) | frozenset(ModelSettings.__annotations__)


def _setting_choices() -> dict[str, tuple[object, ...]]:
    """The allowed values of every `Literal` or `bool` setting, read from `GroqModelSettings` itself."""
    choices: dict[str, tuple[object, ...]] = {}
    for key, hint in get_type_hints(GroqModelSettings).items():
        if get_origin(hint) is Literal:
            choices[key] = get_args(hint)
        elif hint is bool:
            choices[key] = (True, False)
    return choices


_CHOICES = _setting_choices()


def _check_settings(settings: Mapping[str, Any]) -> None:
    validate_model_settings(settings, _ALLOWED_SETTINGS)
    for key, choices in _CHOICES.items():
        if key in settings and settings[key] not in choices:
            allowed = ', '.join(repr(c) for c in choices)
            raise UserError(f'Model setting {key}={settings[key]!r} is not allowed; choose one of {allowed}.')
    # Groq's API reference types `user` as a string.
    if (user := settings.get('groq_user')) is not None and not isinstance(user, str):
        raise UserError(f'Model setting groq_user={user!r} must be a string (an id of your end user).')
    if (documents := settings.get('groq_documents')) is not None:
        map_documents(documents)


def _client(
    api_key: str | None,
    base_url: str | None,
    groq_client: groq.AsyncGroq | None,
    http_client: httpx.AsyncClient | None,
    max_retries: int | None,
) -> groq.AsyncGroq:
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
        return groq_client
    api_key = api_key or os.environ.get('GROQ_API_KEY')
    if not api_key:
        raise UserError(
            'No Groq API key: set the GROQ_API_KEY environment variable, or pass api_key= or groq_client= to GroqModel.'
        )
    base_url = base_url or os.environ.get('GROQ_BASE_URL') or None
    kwargs: dict[str, Any] = {} if max_retries is None else {'max_retries': max_retries}
    if http_client is None:
        http_client = default_http_client()
    return groq.AsyncGroq(api_key=api_key, base_url=base_url, http_client=http_client, **kwargs)


@dataclass(init=False)
class GroqModel(Model):
    """A Groq chat model, e.g. `GroqModel("llama-3.3-70b-versatile")`.

    Args:
        model_name: The Groq model id.
        api_key: The API key; defaults to the `GROQ_API_KEY` environment variable.
        base_url: The API root; defaults to `GROQ_BASE_URL`, then the SDK's default.
        groq_client: A ready `groq.AsyncGroq` to use (then give no key, URL, HTTP client or retries). Its
            connections belong to the first event loop that sends with it: the model refuses it on another.
        http_client: An `httpx.AsyncClient` for the SDK to send with; bound to one event loop like `groq_client`.
        settings: Default settings for every request with this model.
        max_retries: How often the SDK retries connection errors, 408, 409, 429 and 5xx (waiting as
            `retry-after` says; default 2); the same budget covers our retries of 498 (flex capacity).
        rate_limit: A `GroqRateLimiter` (share one per API key) that spaces requests out instead of
            provoking 429s.
        clock: What the retries of 498 wait on and the `timeout` setting's deadline is read from
            (a `VirtualClock` in tests).

    Raises:
        UserError: When no API key can be found, or arguments conflict.
    """

    _model_name: str
    settings: GroqModelSettings | None
    client: groq.AsyncGroq = field(repr=False)
    """The configured client. One the model built from a key and URL is a template: the model sends
    through a copy of it per event loop, closed when that loop shuts down."""
    rate_limit: GroqRateLimiter | None = field(repr=False)
    clock: Clock = field(repr=False)
    _clients: OwnClients | GivenClient = field(repr=False, compare=False)

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
        rate_limit: GroqRateLimiter | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not model_name:
            raise UserError('GroqModel needs a model name, e.g. GroqModel("llama-3.3-70b-versatile").')
        if settings:
            _check_settings(settings)
        self._model_name = model_name
        self.settings = settings
        self.rate_limit = rate_limit
        self.clock = clock
        self.client = _client(api_key, base_url, groq_client, http_client, max_retries)
        own = groq_client is None and http_client is None
        self._clients = OwnClients(self.client) if own else GivenClient(self.client)

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

    @property
    def _chat_url(self) -> str:
        return f'{str(self.client.base_url).rstrip("/")}{CHAT_COMPLETIONS_PATH}'

    async def list_models(self) -> list[GroqModelInfo]:
        """The models this API key can use (`GET /openai/v1/models`).

        The answer is kept for this model's client: later requests check context windows and
        completion limits of models the built-in table does not know against it.
        """
        return await default_catalogue.fetch(await self._clients.get(), key=self.client)

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Send one chat completion request and map the response.

        A generation Groq rejects (`tool_use_failed`, `json_validate_failed`) comes back as a
        response with `finish_reason='error'` and the failed generation as parts, for a retry.
        """
        client = await self._clients.get()
        catalogue = self._catalogue()
        body, options, tokens = self._prepare(
            messages, model_settings, model_request_parameters, catalogue, stream=False
        )
        try:
            response = await self._post(client, body, options, tokens, _Waits.of(self, model_settings), stream=False)
        except ModelHTTPError as e:
            if e.error_code in RECOVERABLE_ERRORS:
                return failed_generation_response(e)
            raise
        try:
            data = pydantic_core.from_json(response.content)
        except ValueError as e:
            raise UnexpectedModelBehavior('Groq sent a response body that is not JSON', response.text) from e
        think_tags = content_has_think_tags(self._model_name, body.get('reasoning_format'))
        return process_response(data, self._model_name, response.headers, think_tags=think_tags)

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
        client = await self._clients.get()
        catalogue = self._catalogue()
        body, options, tokens = self._prepare(
            messages, model_settings, model_request_parameters, catalogue, stream=True
        )
        response = await self._post(client, body, options, tokens, _Waits.of(self, model_settings), stream=True)
        try:
            think_tags = content_has_think_tags(self._model_name, body.get('reasoning_format'))
            yield GroqStreamedResponse(self._model_name, response, think_tags=think_tags)
        finally:
            await response.aclose()

    def _prepare(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        params: ModelRequestParameters,
        catalogue: Mapping[str, GroqModelInfo] | None,
        *,
        stream: bool,
    ) -> tuple[dict[str, Any], dict[str, Any], int]:
        """The body, the SDK request options, and an estimate of the prompt's tokens."""
        settings = merge_model_settings(self.settings, model_settings)
        if model_settings:
            _check_settings(settings)
        body = build_body(self._model_name, messages, settings, params, stream=stream)
        tokens = estimate_tokens(''.join(_message_texts(body['messages'])))
        self._check_capabilities(tokens, settings.get('max_tokens'), catalogue)
        options: dict[str, Any] = {}
        if 'timeout' in settings:
            options['timeout'] = settings['timeout']
        if extra_headers := settings.get('extra_headers'):
            options['headers'] = extra_headers
        return body, options, tokens

    def _catalogue(self) -> Mapping[str, GroqModelInfo] | None:
        """The catalogue the user already fetched (`list_models`), if any: the request path never fetches it."""
        return default_catalogue.cached(self.client)

    def _check_capabilities(
        self, tokens: int, max_tokens: int | None, catalogue: Mapping[str, GroqModelInfo] | None
    ) -> None:
        window = context_window(self._model_name, catalogue)
        if obviously_exceeds(tokens, window):
            raise UserError(
                f'The prompt is about {tokens:,} tokens, far more than the {window:,}-token context window of '
                f'{self._model_name}: shorten the history or use a model with a larger window.'
            )
        info = (catalogue or {}).get(self._model_name) or KNOWN_MODELS.get(self._model_name)
        limit = info.max_completion_tokens if info is not None else None
        if max_tokens is not None and limit is not None and max_tokens > limit:
            raise UserError(
                f'Model setting max_tokens={max_tokens} is more than {self._model_name} can generate; '
                f'allowed: 1..{limit}.'
            )

    async def _post(
        self,
        client: groq.AsyncGroq,
        body: dict[str, Any],
        options: dict[str, Any],
        tokens: int,
        waits: _Waits,
        *,
        stream: bool,
    ) -> httpx.Response:
        limiter = self.rate_limit
        attempt = 0
        while True:
            if limiter is not None:
                try:
                    await limiter.acquire(tokens, deadline=waits.deadline)
                except TimeoutError as e:
                    raise waits.timed_out(self._model_name, f'waiting for the rate limiter: {e}') from e
            try:
                remaining = waits.remaining()
                with anyio.fail_after(remaining) if remaining is not None else contextlib.nullcontext():
                    response = await client.post(
                        CHAT_COMPLETIONS_PATH,
                        cast_to=httpx.Response,
                        body=body,
                        options=cast(Any, waits.sdk_options(options)),
                        stream=stream,
                    )
            except groq.APIStatusError as e:
                error = http_error(e.response, self._model_name)
                if error.kind == 'capacity' and attempt < client.max_retries:
                    attempt += 1
                    wait = _capacity_backoff(attempt, error.retry_after, waits.max_wait)
                    if not waits.allows(wait):
                        raise waits.timed_out(self._model_name, f'a {wait:.3g}s wait before retrying') from error
                    await self.clock.sleep(wait)
                    continue
                if limiter is not None and error.kind == 'rate_limited':
                    limiter.backoff(error.retry_after, max_pause=waits.max_wait)
                raise (await self._explained(client, e.response, error)) from e
            except TimeoutError as e:  # our own deadline: the `timeout` setting, covering our waits too
                raise ModelAPIError(self._model_name, f'Request to Groq timed out ({self._chat_url})', 'timeout') from e
            except groq.APIConnectionError as e:
                raise request_error(e, self._model_name) from e
            if limiter is not None:
                limiter.update(parse_rate_limit_headers(response.headers), max_pause=waits.max_wait)
            return response

    async def _explained(
        self, client: groq.AsyncGroq, response: httpx.Response, error: ModelHTTPError
    ) -> ModelHTTPError:
        """The error with a hint where we can give one: a replacement, close model names, a retry."""
        code = error.error_code
        hint: str | None = None
        if code == 'model_decommissioned':
            replacement = replacement_for(self._model_name, default_catalogue.cached(self.client))
            hint = f'{self._model_name} is decommissioned' + (f'; use {replacement!r} instead' if replacement else '')
        elif code == 'model_not_found' or (error.kind == 'not_found' and code is None):
            catalogue = await default_catalogue.get(client, key=self.client)
            names = close_names(self._model_name, catalogue)
            hint = f'No model {self._model_name!r}' + (
                f'; did you mean {", ".join(map(repr, names))}?' if names else ''
            )
        elif error.kind == 'capacity':
            hint = 'Flex capacity exceeded (498): retryable; retried with backoff up to max_retries'
        if hint is None:
            return error
        return http_error(response, self._model_name, hint=hint if hint.endswith('?') else f'{hint}.')


def _message_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The text of wire messages (content, text parts, tool-call arguments), for token estimates."""
    texts: list[str] = []
    for message in messages:
        content = message.get('content')
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(item['text'] for item in cast(list[dict[str, Any]], content) if item.get('type') == 'text')
        for call in message.get('tool_calls') or ():
            texts.append(call['function']['arguments'])
    return texts


def _capacity_backoff(attempt: int, retry_after: float | None, max_wait: float) -> float:
    if retry_after is not None:
        return min(retry_after, max_wait)
    # Full jitter: concurrent clients that failed together do not retry together.
    return random.uniform(0, min(_CAPACITY_BACKOFF_CAP_SECONDS, _CAPACITY_BACKOFF_SECONDS * 2**attempt, max_wait))


@dataclass(frozen=True)
class _Waits:
    """How long one request may wait for us: its `timeout` as a deadline on the model's clock, and the wait cap."""

    clock: Clock
    deadline: float | None
    max_wait: float

    @classmethod
    def of(cls, model: GroqModel, model_settings: ModelSettings | None) -> _Waits:
        # Read from the two layers directly: this runs on every request, merging them again would cost more.
        layers = [layer for layer in (model_settings, model.settings) if layer]
        timeout: float | None = next((layer['timeout'] for layer in layers if 'timeout' in layer), None)
        max_wait = next((layer['groq_max_retry_wait'] for layer in layers if 'groq_max_retry_wait' in layer), None)
        deadline = None if timeout is None else model.clock.now() + timeout
        return cls(model.clock, deadline, DEFAULT_MAX_WAIT if max_wait is None else max_wait)

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - self.clock.now())

    def sdk_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The SDK's per-attempt timeout is what is left of the request's, after our waits."""
        remaining = self.remaining()
        return options if remaining is None else {**options, 'timeout': remaining}

    def allows(self, seconds: float) -> bool:
        """Whether a wait of `seconds` ends before the deadline."""
        remaining = self.remaining()
        return remaining is None or seconds <= remaining

    def timed_out(self, model_name: str, during: str) -> ModelAPIError:
        message = f'Request to Groq timed out: its timeout would pass during {during}'
        return ModelAPIError(model_name, message, 'timeout')


async def list_models(
    *, api_key: str | None = None, base_url: str | None = None, groq_client: groq.AsyncGroq | None = None
) -> list[GroqModelInfo]:
    """The models an API key can use (`GET /openai/v1/models`), with context windows.

    Args:
        api_key: The API key; defaults to `GROQ_API_KEY`.
        base_url: The API root; defaults to `GROQ_BASE_URL`, then the SDK's default.
        groq_client: A ready `groq.AsyncGroq` instead of a key and URL.
    """
    if groq_client is not None:
        return await default_catalogue.fetch(groq_client)
    client = _client(api_key, base_url, None, None, None)
    try:
        return await fetch_models(client)
    finally:
        await client.close()


def list_models_sync(
    *, api_key: str | None = None, base_url: str | None = None, groq_client: groq.AsyncGroq | None = None
) -> list[GroqModelInfo]:
    """`list_models` for scripts and threads, on the process's one sync event loop (not inside a running one)."""

    async def main() -> list[GroqModelInfo]:
        return await list_models(api_key=api_key, base_url=base_url, groq_client=groq_client)

    return run_sync(main, 'list_models_sync', 'list_models')
