"""`GroqModelSettings`: Groq's request fields on top of `ModelSettings`, and their checks before sending."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args, get_origin, get_type_hints

from ...exceptions import UserError
from ...settings import ModelSettings, validate_model_settings
from ._request import map_documents

__all__ = ('GroqModelSettings', 'check_settings')


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


def check_settings(settings: Mapping[str, Any]) -> None:
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
