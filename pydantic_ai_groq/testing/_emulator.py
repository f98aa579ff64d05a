"""The Groq HTTP API emulator: an ASGI app answering chat completions from a script or a policy."""

from __future__ import annotations

import contextlib
import hmac
import json
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import anyio
import httpx

from ..clock import SYSTEM_CLOCK, Clock
from ._asgi import (
    Receive,
    Response,
    Send,
    encode_headers,
    error_response,
    json_bytes,
    json_headers,
    lifespan,
    lower_headers,
    method_not_allowed,
    read_body,
    respond,
    send_part,
    unauthorized,
)
from ._batches import BatchAPI
from ._catalogue import KeyTier, ModelCard, model_json, models_for
from ._limits import Counters, RateLimitWindows, Refusal, WindowLimiter
from ._policy import default_policy
from ._remote_mcp import RemoteMCPError, mcp_servers, run_remote_mcp
from ._replies import ErrorReply, Reply
from ._rules import TOOL_CHOICE_REQUIRED_MESSAGE, rejection, tool_choice_unmet
from ._server import serve_asgi
from ._wire import (
    SSE_DONE,
    SSE_MALFORMED,
    Completion,
    completion_json,
    default_error_json,
    error_json,
    estimate_prompt_tokens,
    new_request_id,
    resolve,
    service_tier,
    sse_data,
    sse_error,
    stream_chunks,
)

if TYPE_CHECKING:
    from groq import AsyncGroq

    from pydantic_ai_groq.models.groq import GroqModel

__all__ = ('BASE_URL', 'GroqEmulator', 'Policy')

BASE_URL = 'http://groq-emulator'
"""Base URL of the clients made by `GroqEmulator.client`; the host is never resolved."""

Policy = Callable[[dict[str, Any]], Reply | ErrorReply]
"""Chooses the reply to a chat completions request body."""

_API = '/openai/v1'
_CHAT_PATH = f'{_API}/chat/completions'
_MODELS_PATH = f'{_API}/models'
_UNSUPPORTED_PARAMS = ('logprobs', 'logit_bias', 'top_logprobs')


class GroqEmulator:
    """An in-process stand-in for Groq's OpenAI-compatible HTTP API, as an ASGI app.

    Chat completion requests are answered with the next scripted reply, else with `policy`, else
    with a deterministic default policy that calls each offered tool once, then the output tool,
    then answers. Replies are written in Groq's exact wire format, streamed or not, and can inject
    faults: HTTP errors, delays, cut or corrupted streams and in-stream errors.

    Use `client()` for an `AsyncGroq` wired to the app without sockets, or `serve()` to listen on a
    loopback port.

    Every response carries Groq's `x-ratelimit-*` headers. Without `rate_limits` they count requests
    against 14,400 per day and tokens against 300,000 per minute, and nothing is ever refused; with
    `rate_limits` they report `RateLimitWindows` buckets, which refuse what exceeds them with Groq's 429.

    Attributes:
        requests: The chat completions request bodies received, in order, including rejected ones: the
            last `keep_requests` of them.
        request_headers: The headers of those requests, names lower-cased.
        model_requests: The path of every model-catalogue request (`GET /openai/v1/models[/{id}]`), in order.
        served_count: Chat completions answered with a 200, streamed or not.
        rate_limited_count: Chat completions refused with a 429 by `rate_limits` (scripted `ErrorReply(429)`
            replies are not counted).
    """

    def __init__(
        self,
        script: Iterable[Reply | ErrorReply] = (),
        *,
        policy: Policy | None = None,
        models: Sequence[ModelCard] | None = None,
        tier: KeyTier = 'enterprise',
        api_key: str | None = None,
        rate_limits: RateLimitWindows | None = None,
        keep_requests: int | None = 1_000,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """Create an emulator.

        Args:
            script: Replies used in order, one per chat completions request, before `policy`.
            policy: Chooses the reply once the script is used up; defaults to the built-in policy.
            models: The model catalogue; chat requests for other models get Groq's 404, and for inactive
                models Groq's 400 `model_decommissioned`. Defaults to `models_for(tier)`: the package's own
                catalogue, shut-down models inactive.
            tier: The kind of key emulated when `models` is not given: `'enterprise'` (the default) still
                has the models Groq shut down for free and developer tiers only, such as
                `llama-3.3-70b-versatile`; `'free'` and `'developer'` get `model_decommissioned` for them.
            api_key: When set, requests must carry `Authorization: Bearer <api_key>`.
            rate_limits: When set, chat requests beyond these limits get Groq's 429 with `retry-after`,
                without using a scripted reply or the policy.
            keep_requests: How many of the latest requests `requests` and `request_headers` keep, so a long
                load test does not grow without bound; `None` keeps every one.
            clock: What the rate-limit buckets refill by (a `VirtualClock` to compress time in tests).
        """
        if keep_requests is not None and keep_requests < 0:
            raise ValueError(f'keep_requests must be None or >= 0, got {keep_requests}')
        self.requests: list[dict[str, Any]] = []
        self.request_headers: list[dict[str, str]] = []
        self.model_requests: list[str] = []
        self.served_count = 0
        self.rate_limited_count = 0
        self._script: deque[Reply | ErrorReply] = deque(script)
        self._policy = policy
        self._models = {card.id: card for card in (models_for(tier) if models is None else models)}
        self._api_key = api_key
        self._keep_requests = keep_requests
        self._limits = Counters(clock)
        self._windows = None if rate_limits is None else WindowLimiter(rate_limits, clock)
        # `serve()` runs the app on another thread while tests push replies and read requests.
        self._lock = threading.Lock()
        self.batches = BatchAPI(self, clock)
        """The files and batches endpoints (Groq's Batch API), their timing, faults and request log."""

    def push(self, *replies: Reply | ErrorReply) -> None:
        """Append replies to the script.

        Args:
            *replies: Replies for the next chat completions requests, after those already scripted.
        """
        with self._lock:
            self._script.extend(replies)

    @property
    def pending(self) -> int:
        """Number of scripted replies not yet used."""
        with self._lock:
            return len(self._script)

    def client(
        self, *, api_key: str | None = None, max_retries: int = 0, timeout: float | None = None, **kwargs: Any
    ) -> AsyncGroq:
        """Return an `AsyncGroq` client that talks to this emulator in-process.

        Args:
            api_key: The key to send; defaults to the emulator's `api_key`, else `'emulator-key'`.
            max_retries: Retries of the SDK; none by default so faults reach the caller.
            timeout: The SDK timeout. The in-process transport never times out, use `serve()` for that.
            **kwargs: Other `AsyncGroq` arguments.

        Returns:
            A client to close after use, e.g. with `async with`.
        """
        import groq

        key = api_key if api_key is not None else (self._api_key or 'emulator-key')
        http_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self))
        return groq.AsyncGroq(
            api_key=key,
            base_url=BASE_URL,
            max_retries=max_retries,
            timeout=timeout,
            http_client=http_client,
            **kwargs,
        )

    def model(self, model_name: str = 'llama-3.3-70b-versatile', **kwargs: Any) -> GroqModel:
        """Return a `GroqModel` using a client of this emulator.

        Args:
            model_name: The Groq model name.
            **kwargs: Other `GroqModel` arguments.

        Returns:
            The model.
        """
        from pydantic_ai_groq.models.groq import GroqModel

        return GroqModel(model_name, groq_client=self.client(), **kwargs)

    def serve(self, host: str = '127.0.0.1', port: int = 0) -> contextlib.AbstractContextManager[str]:
        """Serve the emulator over HTTP on a background thread.

        Args:
            host: The address to listen on.
            port: The port; `0` picks a free one.

        Returns:
            A context manager yielding the base URL, e.g. `'http://127.0.0.1:54321'`, and stopping the
            server on exit.
        """
        return serve_asgi(self, host, port)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope.

        Args:
            scope: The ASGI scope; `http` and `lifespan` are supported.
            receive: The ASGI receive callable.
            send: The ASGI send callable.
        """
        if scope['type'] == 'lifespan':
            await lifespan(receive, send)
            return
        if scope['type'] != 'http':
            raise ValueError(f'unsupported ASGI scope type {scope["type"]!r}')
        body = await read_body(receive)
        if body is None:
            return
        headers = {name.decode('latin-1').lower(): value.decode('latin-1') for name, value in scope['headers']}
        method: str = scope['method']
        path: str = scope['path']
        if path == _CHAT_PATH:
            await self._chat(method, headers, body, send)
        elif path == _MODELS_PATH or path.startswith(f'{_MODELS_PATH}/'):
            with self._lock:
                self.model_requests.append(path)
            await respond(send, self._models_response(method, path, headers))
        elif self.batches.handles(path):
            authorized = self._authorized(headers)
            response = await self.batches.handle(method, path, headers, body) if authorized else unauthorized()
            await respond(send, response)
        else:
            message = (
                f'Unknown request URL: {method} {path}. '
                'Please check the URL for typos, or see the docs at https://console.groq.com/docs/'
            )
            await respond(send, error_response(404, error_json(message, code='unknown_url')))

    def _models_response(self, method: str, path: str, headers: Mapping[str, str]) -> Response:
        if method != 'GET':
            return method_not_allowed(method, path, 'GET')
        if not self._authorized(headers):
            return unauthorized()
        if path == _MODELS_PATH:
            # Like Groq, the listing leaves decommissioned models out; they can still be retrieved by name.
            cards = [model_json(card) for card in self._models.values() if card.active]
            payload: dict[str, Any] = {'object': 'list', 'data': cards}
        else:
            model = path[len(_MODELS_PATH) + 1 :]
            card = self._models.get(model)
            if card is None:
                return error_response(404, default_error_json(404, model))
            payload = model_json(card)
        with self._lock:
            rate_headers = self._rate_headers()
        headers = {**json_headers(), **rate_headers, 'x-request-id': new_request_id()}
        return Response(200, json_bytes(payload), headers)

    async def _chat(self, method: str, headers: dict[str, str], raw: bytes, send: Send) -> None:
        if method != 'POST':
            await respond(send, method_not_allowed(method, _CHAT_PATH, 'POST'))
            return
        try:
            parsed: object = json.loads(raw)
        except ValueError:
            parsed = None
        body = cast('dict[str, Any]', parsed) if isinstance(parsed, dict) else None
        if body is not None:
            with self._lock:
                self._record(body, headers)
        if not self._authorized(headers):
            await respond(send, unauthorized())
            return
        if body is None:
            message = 'We could not parse the JSON body of your request. The API expects a JSON object.'
            await respond(send, error_response(400, error_json(message, code='json_invalid')))
            return
        rejection = self._validate(body)
        if rejection is not None:
            await respond(send, rejection)
            return
        refusal = self._admit(body)
        if refusal is not None:
            headers = {**json_headers(), **refusal.headers, 'x-request-id': new_request_id()}
            await respond(send, Response(refusal.status, json_bytes(refusal.body), headers))
            return
        reply = self._next_reply(body)
        if reply.delay > 0:
            await anyio.sleep(reply.delay)
        if isinstance(reply, Reply) and tool_choice_unmet(body, bool(reply.tool_calls)):
            reply = _tool_choice_failure(reply, body.get('stream') is True)
        if isinstance(reply, ErrorReply):
            await respond(send, self._error_reply_response(reply, body))
            return
        if servers := mcp_servers(body):
            try:
                reply = await _with_remote_mcp(reply, servers)
            except RemoteMCPError as error:
                await respond(
                    send, error_response(400, error_json(str(error), code='invalid_request_error', param='tools'))
                )
                return
        completion = resolve(reply, body)
        with self._lock:
            if self._windows is None:
                self._limits.count(tokens=completion.usage.total_tokens)
            else:
                self._windows.charge(completion.usage.total_tokens - (completion.usage.cached_tokens or 0))
            self.served_count += 1
            response_headers = {**self._rate_headers(), 'x-request-id': completion.request_id}
        if body.get('stream') is True:
            response_headers.update({'content-type': 'text/event-stream', 'cache-control': 'no-cache'})
            await _stream(send, completion, reply, {**response_headers, **lower_headers(reply.headers)})
        else:
            response_headers.update(json_headers())
            payload = json_bytes(completion_json(completion))
            await respond(send, Response(200, payload, {**response_headers, **lower_headers(reply.headers)}))

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        """Keep the request (the last `keep_requests` only) and count it; call with the lock held."""
        self.requests.append(body)
        self.request_headers.append(headers)
        if self._keep_requests is not None and len(self.requests) > self._keep_requests:
            del self.requests[0], self.request_headers[0]
        self._limits.count(requests=1)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if self._api_key is None:
            return True
        expected = f'Bearer {self._api_key}'.encode()
        return hmac.compare_digest(headers.get('authorization', '').encode(), expected)

    def _validate(self, body: dict[str, Any]) -> Response | None:
        """Reject what Groq rejects before a model ever sees the request."""
        model = body.get('model')
        if not isinstance(model, str):
            return error_response(
                400, error_json("'model' : property 'model' is missing", code='invalid_request_error')
            )
        if not body.get('messages') or not isinstance(body['messages'], list):
            message = "'messages' : property 'messages' is missing or empty"
            return error_response(400, error_json(message, code='invalid_request_error'))
        card = self._models.get(model)
        if card is None:
            return error_response(404, default_error_json(404, model))
        if not card.active:
            message = (
                f'The model `{model}` has been decommissioned and is no longer supported. '
                'Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model '
                'to use instead.'
            )
            return error_response(400, error_json(message, code='model_decommissioned'))
        if (refused := rejection(body)) is not None:
            return error_response(400, refused)
        n = body.get('n', 1)
        if n != 1:
            bound = 'at least' if isinstance(n, int) and n < 1 else 'at most'
            return error_response(
                400, error_json(f"'n' : number must be {bound} 1", code='invalid_request_error', param='n')
            )
        for param in _UNSUPPORTED_PARAMS:
            value = body.get(param)
            if value is not None and value is not False:
                message = f'`{param}` is not supported by the Groq API'
                return error_response(400, error_json(message, code='unsupported_parameter', param=param))
        return None

    def _admit(self, body: dict[str, Any]) -> Refusal | None:
        """Take the request from the rate-limit windows, or return the response refusing it."""
        if self._windows is None:
            return None
        limit = body.get('max_completion_tokens', body.get('max_tokens'))
        requested = estimate_prompt_tokens(body) + (limit if isinstance(limit, int) and limit > 0 else 0)
        with self._lock:
            refusal = self._windows.admit(str(body['model']), service_tier(body), requested)
            if refusal is not None and refusal.status == 429:
                self.rate_limited_count += 1
        return refusal

    def _rate_headers(self) -> dict[str, str]:
        """The `x-ratelimit-*` headers; call with the lock held."""
        return self._limits.headers() if self._windows is None else self._windows.headers()

    def _next_reply(self, body: dict[str, Any]) -> Reply | ErrorReply:
        with self._lock:
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            return scripted
        if self._policy is not None:
            return self._policy(body)
        return default_policy(body)

    def _error_reply_response(self, reply: ErrorReply, body: dict[str, Any]) -> Response:
        if isinstance(reply.body, str):
            content, content_type = reply.body.encode(), 'text/plain; charset=utf-8'
        else:
            model = body.get('model')
            payload = reply.body if reply.body is not None else default_error_json(reply.status, str(model))
            content, content_type = json_bytes(payload), 'application/json'
        with self._lock:
            rate_headers = self._rate_headers()
        headers = {**rate_headers, 'content-type': content_type, 'x-request-id': new_request_id()}
        return Response(reply.status, content, {**headers, **lower_headers(reply.headers)})


async def _with_remote_mcp(reply: Reply, servers: Sequence[Mapping[str, Any]]) -> Reply:
    """The reply with what Groq ran on the request's remote MCP servers before it."""
    run = await run_remote_mcp(servers)
    return replace(
        reply,
        executed_tools=[*run.executed, *reply.executed_tools],
        mcp_list_tools=[*run.listed, *reply.mcp_list_tools],
    )


def _tool_choice_failure(reply: Reply, stream: bool) -> Reply | ErrorReply:
    """Groq's answer when `tool_choice` demanded a tool call and the model wrote text instead (recorded)."""
    if not stream:
        error = error_json(TOOL_CHOICE_REQUIRED_MESSAGE, code='tool_use_failed', failed_generation=reply.text or '')
        return ErrorReply(400, error, headers=reply.headers)
    # A stream has already started: the text goes out, then an `event: error` instead of the finish chunk.
    error = {
        'message': TOOL_CHOICE_REQUIRED_MESSAGE,
        'type': 'invalid_request_error',
        'code': 'tool_use_failed',
        'failed_generation': '',
        'status_code': 400,
    }
    return replace(reply, stream_error=error, stream_error_after=sys.maxsize)


async def _stream(send: Send, completion: Completion, reply: Reply, headers: Mapping[str, str]) -> None:
    """Send the reply as server-sent events, one ASGI message per event so sockets stream them."""
    chunks = stream_chunks(completion)
    # Faults land before the finish chunk at the latest, so a faulty stream never looks complete.
    last = len(chunks) - 1
    cut_at = _clamp(reply.cut_after, last)
    malformed_at = _clamp(reply.malformed_after, last)
    error_at = _clamp(reply.stream_error_after, last) if reply.stream_error is not None else None
    await send({'type': 'http.response.start', 'status': 200, 'headers': encode_headers(headers)})
    for index, chunk in enumerate(chunks):
        if index and reply.chunk_delay > 0:
            await anyio.sleep(reply.chunk_delay)
        if index == cut_at:
            break
        if index == error_at:
            await send_part(send, sse_error(reply.stream_error or {}))
            break
        if index == malformed_at:
            await send_part(send, SSE_MALFORMED)
        await send_part(send, sse_data(chunk))
    else:
        await send_part(send, SSE_DONE)
    await send({'type': 'http.response.body', 'body': b'', 'more_body': False})


def _clamp(index: int | None, last: int) -> int | None:
    return None if index is None else max(0, min(index, last))
