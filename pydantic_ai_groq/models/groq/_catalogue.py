"""Groq's model catalogue: what the API lists, a built-in copy for offline use, and deprecations.

`ModelCatalogue.fetch(client)` asks `GET /openai/v1/models` (only when the user lists models, or
after Groq answered 404 for a model) and caches the answer per client; `get` falls back to
`KNOWN_MODELS` when the API cannot be reached. `close_names` and `replacement_for` turn that
into helpful errors ("did you mean ...?", "decommissioned, use ..."); `_capacity` reads
context windows and completion limits from it.

Sources (Groq's public documentation pages, read 2026-11-22):

- *Supported Models - GroqDocs* (https://console.groq.com/docs/models), the version listing Qwen 3.8 27B:
  ids, owners, context windows and max completion tokens of `KNOWN_MODELS`. It lists
  `qwen/qwen3.8-27b` with a 131,042-token window, which *Model Deprecation - GroqDocs* calls "the
  same 131K context window" as Qwen 3.6 27B (131,072); 131,072 is used. Speech models show no
  token window there (`None`; the API reports 448 for Whisper).
- *Model Deprecation - GroqDocs* (console.groq.com/docs/deprecations), newest entry
  "September 21, 2026: groq/compound and groq/compound-mini": every shutdown date and recommended
  replacement of `SHUT_DOWN`. Where Groq recommends several models ("openai/gpt-oss-120b or
  qwen/qwen3.6-27b") `replacement_for` tries them in Groq's order. The compound systems were
  shut down with no replacement ("—"). The 2026 shutdowns of `llama-3.1-8b-instant`, `llama-3.3-70b-versatile`,
  `qwen/qwen3.6-27b` "apply to free and developer-tier usage; enterprise customers with a
  committed-spend contract are not affected": those ids stay in `KNOWN_MODELS` with `active=False`,
  and an enterprise key's live catalogue says `active: true`.

Errors of `fetch_models` are mapped as chat errors are, by `_errors`; fetches and their failures are logged (`_log`).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast
from weakref import WeakKeyDictionary

import anyio
import groq
import httpx
import pydantic_core

from ...exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior
from ._errors import http_error, request_error
from ._log import logger

__all__ = (
    'KEPT_FOR_ENTERPRISE',
    'KNOWN_MODELS',
    'MODELS_PATH',
    'SHUT_DOWN',
    'GroqModelInfo',
    'ModelCatalogue',
    'close_names',
    'default_catalogue',
    'fetch_models',
    'replacement_for',
)

MODELS_PATH = '/openai/v1/models'
_LIST_NAME = '(model list)'
"""What `ModelHTTPError.model_name` / `ModelAPIError.model_name` say when the model list failed."""


@dataclass(frozen=True)
class GroqModelInfo:
    """One entry of Groq's model catalogue, as `GET /openai/v1/models` describes it.

    Attributes:
        id: The model id used in requests, e.g. `'openai/gpt-oss-120b'`.
        owned_by: The publisher, e.g. `'OpenAI'`; empty when not reported.
        active: Whether Groq serves the model (to this key, for a live catalogue).
        context_window: Maximum prompt plus completion tokens, when known.
        max_completion_tokens: Maximum tokens one completion may generate, when known.
    """

    id: str
    owned_by: str
    active: bool
    context_window: int | None
    max_completion_tokens: int | None


def _info(
    model_id: str, owned_by: str, context: int | None, completion: int | None, *, active: bool = True
) -> tuple[str, GroqModelInfo]:
    return model_id, GroqModelInfo(model_id, owned_by, active, context, completion)


KNOWN_MODELS: Mapping[str, GroqModelInfo] = MappingProxyType(
    dict(
        (
            # Production models.
            _info('llama-3.1-8b-instant', 'Meta', 131_072, 131_072, active=False),  # enterprise only since 2026-08-16
            _info('llama-3.3-70b-versatile', 'Meta', 131_072, 32_768, active=False),  # enterprise only since 2026-08-16
            _info('openai/gpt-oss-120b', 'OpenAI', 131_072, 65_536),
            _info('openai/gpt-oss-20b', 'OpenAI', 131_072, 65_536),
            _info('whisper-large-v3', 'OpenAI', None, None),
            _info('whisper-large-v3-turbo', 'OpenAI', None, None),
            # Production systems, shut down 2026-09-21.
            _info('groq/compound', 'Groq', 131_072, 8_192, active=False),
            _info('groq/compound-mini', 'Groq', 131_072, 8_192, active=False),
            # Preview models.
            _info('canopylabs/orpheus-arabic-saudi', 'Canopy Labs', 4_000, 50_000),
            _info('canopylabs/orpheus-v1-english', 'Canopy Labs', 4_000, 50_000),
            _info('meta-llama/llama-prompt-guard-2-22m', 'Meta', 512, 512),
            _info('meta-llama/llama-prompt-guard-2-86m', 'Meta', 512, 512),
            _info('minimaxai/minimax-m2.7', 'MiniMax', 196_608, 131_072),  # enterprise plans
            _info('openai/gpt-oss-safeguard-20b', 'OpenAI', 131_072, 65_536),
            _info('qwen/qwen3.6-27b', 'Alibaba Cloud', 131_072, 16_384, active=False),  # shut down 2026-09-14
            _info('qwen/qwen3.8-27b', 'Alibaba Cloud', 131_072, 16_384),
        )
    )
)
"""Groq's models per the docs (see the module docstring): the answer of `ModelCatalogue.get` offline."""

# (deprecated id, shutdown date, recommended replacements in Groq's order), newest first.
_DEPRECATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ('groq/compound', '2026-09-21', ()),
    ('groq/compound-mini', '2026-09-21', ()),
    ('qwen/qwen3.6-27b', '2026-09-14', ('qwen/qwen3.8-27b',)),
    ('llama-3.1-8b-instant', '2026-08-16', ('openai/gpt-oss-20b',)),
    ('llama-3.3-70b-versatile', '2026-08-16', ('openai/gpt-oss-120b', 'qwen/qwen3.6-27b')),
    ('qwen/qwen3-32b', '2026-07-17', ('openai/gpt-oss-120b',)),
    ('meta-llama/llama-4-scout-17b-16e-instruct', '2026-07-17', ('openai/gpt-oss-120b', 'qwen/qwen3.6-27b')),
    ('moonshotai/kimi-k2-instruct-0905', '2026-04-15', ('openai/gpt-oss-120b',)),
    ('meta-llama/llama-4-maverick-17b-128e-instruct', '2026-03-09', ('openai/gpt-oss-120b',)),
    ('meta-llama/llama-guard-4-12b', '2026-03-05', ('openai/gpt-oss-safeguard-20b',)),
    ('playai-tts', '2025-12-31', ('canopylabs/orpheus-v1-english',)),
    ('playai-tts-arabic', '2025-12-31', ('canopylabs/orpheus-arabic-saudi',)),
    ('moonshotai/kimi-k2-instruct', '2025-10-10', ('openai/gpt-oss-120b',)),
    ('gemma2-9b-it', '2025-10-08', ('llama-3.1-8b-instant',)),
    ('deepseek-r1-distill-llama-70b', '2025-10-02', ('llama-3.3-70b-versatile', 'openai/gpt-oss-120b')),
    ('llama3-70b-8192', '2025-08-30', ('llama-3.3-70b-versatile',)),
    ('llama3-8b-8192', '2025-08-30', ('llama-3.1-8b-instant',)),
    ('distil-whisper-large-v3-en', '2025-08-23', ('whisper-large-v3-turbo',)),
    ('mistral-saba-24b', '2025-07-30', ('qwen/qwen3-32b',)),
    ('qwen-qwq-32b', '2025-07-14', ('qwen/qwen3-32b',)),
    ('llama-guard-3-8b', '2025-06-06', ('meta-llama/llama-guard-4-12b',)),
    ('llama-3.2-1b-preview', '2025-04-14', ('llama-3.1-8b-instant',)),
    ('llama-3.2-3b-preview', '2025-04-14', ('llama-3.1-8b-instant',)),
    ('llama-3.2-11b-vision-preview', '2025-04-14', ('meta-llama/llama-4-scout-17b-16e-instruct',)),
    ('llama-3.2-90b-vision-preview', '2025-04-14', ('meta-llama/llama-4-scout-17b-16e-instruct',)),
    ('deepseek-r1-distill-qwen-32b', '2025-04-14', ('qwen-qwq-32b',)),
    ('qwen-2.5-32b', '2025-04-14', ('qwen-qwq-32b', 'meta-llama/llama-4-scout-17b-16e-instruct')),
    ('qwen-2.5-coder-32b', '2025-04-14', ('qwen-qwq-32b', 'openai/gpt-oss-120b')),
    ('llama-3.3-70b-specdec', '2025-04-14', ('meta-llama/llama-4-scout-17b-16e-instruct', 'llama-3.3-70b-versatile')),
    (
        'deepseek-r1-distill-llama-70b-specdec',
        '2025-04-14',
        ('deepseek-r1-distill-llama-70b', 'deepseek-r1-distill-qwen-32b'),
    ),
    ('mixtral-8x7b-32768', '2025-03-20', ('mistral-saba-24b', 'llama-3.3-70b-versatile')),
    ('llama-3.1-70b-versatile', '2025-01-24', ('llama-3.3-70b-versatile',)),
    ('llama-3.1-70b-specdec', '2025-01-24', ('llama-3.3-70b-specdec',)),
    ('llama3-groq-8b-8192-tool-use-preview', '2025-01-06', ('llama-3.3-70b-versatile',)),
    ('llama3-groq-70b-8192-tool-use-preview', '2025-01-06', ('llama-3.3-70b-versatile',)),
    ('gemma-7b-it', '2024-12-18', ('gemma2-9b-it',)),
    ('llama-3.2-90b-text-preview', '2024-11-25', ('llama-3.2-90b-vision-preview', 'llama-3.1-70b-versatile')),
    ('llava-v1.5-7b-4096-preview', '2024-10-28', ('llama-3.2-11b-vision-preview',)),
    ('llama-3.2-11b-text-preview', '2024-10-28', ('llama-3.2-11b-vision-preview', 'llama-3.1-8b-instant')),
)

SHUT_DOWN: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {model: replacements for model, _, replacements in _DEPRECATIONS}
)
"""Shut-down model id -> the replacements Groq recommends, in Groq's order (empty: none named)."""


KEPT_FOR_ENTERPRISE: frozenset[str] = frozenset({'llama-3.1-8b-instant', 'llama-3.3-70b-versatile', 'qwen/qwen3.6-27b'})
"""Shut-down models still served to enterprise keys: their shutdown "applies to free and developer-tier usage"."""


# --- fetching ------------------------------------------------------------------------------


async def _get(
    client: groq.AsyncGroq, path: str, model_name: str, timeout: float | None, max_retries: int | None
) -> httpx.Response:
    options: dict[str, Any] = {}
    if timeout is not None:
        options['timeout'] = timeout
    if max_retries is not None:
        options['max_retries'] = max_retries
    try:
        return await client.get(path, cast_to=httpx.Response, options=cast(Any, options))
    except groq.APIStatusError as e:
        raise http_error(e.response, model_name) from e
    except groq.APIConnectionError as e:
        raise request_error(e, model_name) from e


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return pydantic_core.from_json(response.content)
    except ValueError as e:
        raise UnexpectedModelBehavior(f'Groq sent a {what} that is not JSON', response.text) from e


def _positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _parse_model(item: object) -> GroqModelInfo | None:
    if not isinstance(item, dict):
        return None
    entry = cast(dict[str, Any], item)
    model_id = entry.get('id')
    if not isinstance(model_id, str) or not model_id:
        return None
    owned_by = entry.get('owned_by')
    active = entry.get('active')
    return GroqModelInfo(
        id=model_id,
        owned_by=owned_by if isinstance(owned_by, str) else '',
        active=active if isinstance(active, bool) else True,
        context_window=_positive_int(entry.get('context_window')),
        max_completion_tokens=_positive_int(entry.get('max_completion_tokens')),
    )


async def fetch_models(
    client: groq.AsyncGroq, *, timeout: float | None = None, max_retries: int | None = None
) -> list[GroqModelInfo]:
    """List the models Groq serves to this client's key (`GET /openai/v1/models`).

    Entries without an `id` are skipped; a missing `owned_by` is `''`, a missing `active` is
    `True`, a missing or non-positive `context_window` / `max_completion_tokens` is `None`.

    Args:
        client: The `groq.AsyncGroq` to send with.
        timeout: Seconds for this request, instead of the client's timeout.
        max_retries: Retries for this request, instead of the client's.

    Returns:
        The models, in the order Groq listed them.

    Raises:
        ModelHTTPError: Groq answered with an error status (e.g. 401 for a bad key).
        ModelAPIError: Groq could not be reached, or did not answer in time.
        UnexpectedModelBehavior: The answer is not a model list.
    """
    logger.debug('Fetching the model list from %s', client.base_url)
    try:
        response = await _get(client, MODELS_PATH, _LIST_NAME, timeout, max_retries)
        data = _json(response, 'model list')
        items: object = cast(dict[str, Any], data).get('data') if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise UnexpectedModelBehavior('Groq sent a model list without a "data" list', response.text)
    except (ModelAPIError, ModelHTTPError, UnexpectedModelBehavior) as e:
        logger.info('Fetching the model list from %s failed: %s', client.base_url, e)
        raise
    models = [info for item in cast(list[object], items) if (info := _parse_model(item)) is not None]
    logger.debug('Groq listed %d models', len(models))
    return models


# --- the per-client catalogue ---------------------------------------------------------------


@dataclass
class _Flight:
    """One model-list fetch in progress, shared by everyone who asks for it meanwhile."""

    done: anyio.Event
    models: list[GroqModelInfo] | None = None
    error: BaseException | None = None


class ModelCatalogue:
    """Capabilities per client: what the API listed when it was asked, else `KNOWN_MODELS`.

    Nothing here fetches on its own: `fetch` is called by `list_models`, and `get` after Groq
    answered 404 for a model (to suggest close names). The request path only reads `cached`, so a
    chat request is never preceded by a hidden `GET /openai/v1/models`.

    The API's answer is cached per `groq.AsyncGroq` (weakly: it goes when the client does) and
    replaced by the next `fetch`. Concurrent fetches for one client share a single request in
    flight. When `get` cannot fetch (no connection, a timeout, an error status such as 401, a
    malformed answer) it answers `KNOWN_MODELS` and tries the API again only after `retry_after`
    seconds, so a dead network costs one short request, not one per call.

    Args:
        timeout: Seconds one catalogue request made by `get` may take.
        retry_after: Seconds to answer from `KNOWN_MODELS` after a failed fetch before trying again.
        clock: The monotonic clock (seconds) used for `retry_after`.
    """

    def __init__(
        self, *, timeout: float = 10.0, retry_after: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._timeout = timeout
        self._retry_after = retry_after
        self._clock = clock
        self._fetched: WeakKeyDictionary[groq.AsyncGroq, dict[str, GroqModelInfo]] = WeakKeyDictionary()
        self._failed_at: WeakKeyDictionary[groq.AsyncGroq, float] = WeakKeyDictionary()
        self._in_flight: WeakKeyDictionary[groq.AsyncGroq, _Flight] = WeakKeyDictionary()

    async def fetch(
        self,
        client: groq.AsyncGroq,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        key: groq.AsyncGroq | None = None,
    ) -> list[GroqModelInfo]:
        """Ask the API for the model list now, cache it, and return it.

        Arguments, result and errors are those of `fetch_models`; a fetch already in flight for
        this client is joined instead of sending another request (its caller's `timeout` and
        `max_retries` apply). `key` is the client the answer is cached for, when another client
        sends (a model's per-event-loop copy of its configured client).
        """
        while (flight := self._in_flight.get(client)) is not None:
            await flight.done.wait()
            if flight.models is not None:
                return list(flight.models)
            if flight.error is not None:
                raise flight.error
            # The fetch was cancelled before it answered: start our own.
        flight = _Flight(anyio.Event())
        self._in_flight[client] = flight
        try:
            models = await fetch_models(client, timeout=timeout, max_retries=max_retries)
        except (ModelAPIError, ModelHTTPError, UnexpectedModelBehavior) as e:
            flight.error = e
            raise
        else:
            flight.models = models
            self._fetched[key or client] = {info.id: info for info in models}
            self._failed_at.pop(key or client, None)
            return list(models)
        finally:
            del self._in_flight[client]
            flight.done.set()

    async def get(self, client: groq.AsyncGroq, *, key: groq.AsyncGroq | None = None) -> dict[str, GroqModelInfo]:
        """The catalogue for this client: the API's list (fetched at most once), else `KNOWN_MODELS`.

        Args:
            client: The `groq.AsyncGroq` whose key and base URL to ask with.
            key: The client the answer is cached for, when it is not `client` (see `fetch`).

        Returns:
            Model id -> `GroqModelInfo`; a new dict the caller may change.
        """
        slot = key or client
        if (fetched := self._fetched.get(slot)) is not None:
            return dict(fetched)
        failed_at = self._failed_at.get(slot)
        if failed_at is None or self._clock() - failed_at >= self._retry_after:
            try:
                models = await self.fetch(client, timeout=self._timeout, max_retries=0, key=key)
            except (ModelAPIError, ModelHTTPError, UnexpectedModelBehavior):
                logger.info(
                    'No model list from Groq: using the built-in table (asking again in %gs)', self._retry_after
                )
                self._failed_at[slot] = self._clock()
            else:
                return {info.id: info for info in models}
        return dict(KNOWN_MODELS)

    def cached(self, client: groq.AsyncGroq) -> dict[str, GroqModelInfo] | None:
        """The API's catalogue for this client if it was fetched, without any request.

        Args:
            client: The `groq.AsyncGroq` the catalogue was fetched with.

        Returns:
            Model id -> `GroqModelInfo` (a new dict), or `None` when the API has not answered yet.
        """
        fetched = self._fetched.get(client)
        return None if fetched is None else dict(fetched)


default_catalogue = ModelCatalogue()
"""The catalogue cache shared by the package's models."""


# --- lookups ----------------------------------------------------------------------------------


def _short(model_id: str) -> str:
    return model_id.rsplit('/', 1)[-1]


def close_names(name: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The candidates closest to a (mistyped) model name, best first.

    Like `difflib.get_close_matches`, and also comparing the names without their `org/` prefix,
    so `'gpt-oss-120b'` finds `'openai/gpt-oss-120b'` and `'llama-3.3-70b-versatlie'` finds
    `'llama-3.3-70b-versatile'`. Case is ignored.

    Args:
        name: The name that was not found.
        candidates: The model ids to choose from.
        n: At most this many names are returned.
        cutoff: The lowest similarity (0 to 1) a candidate needs.

    Returns:
        Up to `n` candidates, most similar first (ties in alphabetical order).
    """
    query = name.lower()
    query_short = _short(query)
    matcher = difflib.SequenceMatcher()
    scores: dict[str, float] = {}
    for candidate in candidates:
        lowered = candidate.lower()
        best = 0.0
        for a, b in ((query, lowered), (query_short, _short(lowered))):
            matcher.set_seqs(a, b)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
                best = max(best, matcher.ratio())
        if best >= cutoff:
            scores[candidate] = best
    return sorted(scores, key=lambda candidate: (-scores[candidate], candidate))[:n]


def _first_available(name: str, available: set[str], seen: set[str]) -> str | None:
    for alternative in SHUT_DOWN.get(name, ()):
        if alternative in seen:
            continue
        seen.add(alternative)
        if alternative in available:
            return alternative
        if (found := _first_available(alternative, available, seen)) is not None:
            return found
    return None


def replacement_for(name: str, catalogue: Mapping[str, GroqModelInfo] | None = None) -> str | None:
    """The model to use instead of a shut-down one, per Groq's deprecations page.

    Groq's recommendations are followed in order, and on through later deprecations (e.g.
    `llama3-70b-8192` -> `llama-3.3-70b-versatile` -> `openai/gpt-oss-120b`), to the first model
    the catalogue lists as active. When none is, Groq's first recommendation is returned.

    Args:
        name: The model id.
        catalogue: The models available (e.g. `ModelCatalogue.get`); defaults to `KNOWN_MODELS`.

    Returns:
        The replacement's id, or `None` when the model is not deprecated or has no replacement.
    """
    alternatives = SHUT_DOWN.get(name)
    if not alternatives:
        return None
    models = KNOWN_MODELS if catalogue is None else catalogue
    available = {model_id for model_id, info in models.items() if info.active}
    return _first_available(name, available, {name}) or alternatives[0]
