"""`GroqModel`: one Groq chat model, sending through the `groq` SDK; and `list_models`."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import groq
import httpx

from ..._sync import run_sync
from ...clock import SYSTEM_CLOCK, Clock
from ...exceptions import ModelHTTPError, UserError
from ...messages import ModelMessage, ModelResponse
from ...rate_limit import GroqRateLimiter
from ...settings import ModelSettings, merge_model_settings
from .. import Model, ModelRequestParameters
from ._capacity import check_capacity, estimate_prompt_tokens
from ._catalogue import GroqModelInfo, close_names, default_catalogue, fetch_models, replacement_for
from ._clients import GivenClient, OwnClients, make_client
from ._errors import RECOVERABLE_ERRORS, failed_generation_response, http_error
from ._request import build_body
from ._response import content_has_think_tags, process_response
from ._send import Sent, Waits, send_chat
from ._settings import GroqModelSettings, check_settings
from ._sse import GroqStreamedResponse

__all__ = ('GroqModel', 'list_models', 'list_models_sync')


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
            check_settings(settings)
        self._model_name = model_name
        self.settings = settings
        self.rate_limit = rate_limit
        self.clock = clock
        self.client = make_client(api_key, base_url, groq_client, http_client, max_retries)
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
            sent = await self._send(client, body, options, tokens, model_settings, stream=False)
        except ModelHTTPError as e:
            if e.error_code in RECOVERABLE_ERRORS:
                return failed_generation_response(e)
            raise
        think_tags = content_has_think_tags(self._model_name, body.get('reasoning_format'))
        return process_response(sent.response.content, self._model_name, sent.rate_limit, think_tags=think_tags)

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
        sent = await self._send(client, body, options, tokens, model_settings, stream=True)
        try:
            think_tags = content_has_think_tags(self._model_name, body.get('reasoning_format'))
            yield GroqStreamedResponse(self._model_name, sent.response, sent.rate_limit, think_tags=think_tags)
        finally:
            await sent.response.aclose()

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
            check_settings(settings)
        body = build_body(self._model_name, messages, settings, params, stream=stream)
        tokens = estimate_prompt_tokens(body['messages'])
        check_capacity(self._model_name, tokens, settings.get('max_tokens'), catalogue)
        options: dict[str, Any] = {}
        if 'timeout' in settings:
            options['timeout'] = settings['timeout']
        if extra_headers := settings.get('extra_headers'):
            options['headers'] = extra_headers
        return body, options, tokens

    def _catalogue(self) -> Mapping[str, GroqModelInfo] | None:
        """The catalogue the user already fetched (`list_models`), if any: the request path never fetches it."""
        return default_catalogue.cached(self.client)

    async def _send(
        self,
        client: groq.AsyncGroq,
        body: dict[str, Any],
        options: dict[str, Any],
        tokens: int,
        model_settings: ModelSettings | None,
        *,
        stream: bool,
    ) -> Sent:
        waits = Waits.of(self.clock, model_settings, self.settings)
        explain = functools.partial(self._explained, client)
        return await send_chat(
            client,
            body,
            options,
            model_name=self._model_name,
            tokens=tokens,
            waits=waits,
            limiter=self.rate_limit,
            explain=explain,
            stream=stream,
        )

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
    client = make_client(api_key, base_url, None, None, None)
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
