"""The models the emulator knows, as listed by `GET /openai/v1/models`: the package's own catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic_ai_groq.models.groq._catalogue import KEPT_FOR_ENTERPRISE, KNOWN_MODELS, SHUT_DOWN

__all__ = ('DEFAULT_MODELS', 'KeyTier', 'ModelCard', 'model_json', 'models_for')

KeyTier = Literal['free', 'developer', 'enterprise']
"""The kind of API key the emulator plays: it decides which shut-down models are still served."""

# Groq reports when each model was added; one fixed date keeps listings deterministic.
_CREATED = 1_733_447_754


@dataclass(frozen=True)
class ModelCard:
    """One entry of Groq's model catalogue.

    Attributes:
        id: The model name used in requests, e.g. `'llama-3.3-70b-versatile'`.
        owned_by: The model's publisher, e.g. `'Meta'`.
        context_window: Maximum prompt plus completion tokens; `None` when Groq reports none.
        max_completion_tokens: Maximum tokens one completion may generate; `None` when Groq reports none.
        active: Inactive models are decommissioned: left out of `GET /openai/v1/models` (Groq lists active
            models only), though `GET /openai/v1/models/{id}` still shows them with `active: false`, and
            rejected by chat requests with Groq's 400 `model_decommissioned`.
        replacement: For the catalogue only, the model Groq recommends instead of a decommissioned one. It is
            never sent: Groq's error body does not name it.
    """

    id: str
    owned_by: str
    context_window: int | None
    max_completion_tokens: int | None
    active: bool = True
    replacement: str | None = None


def models_for(tier: KeyTier = 'enterprise') -> tuple[ModelCard, ...]:
    """The catalogue an API key of this tier sees, built from the package's `KNOWN_MODELS` and deprecations.

    Every model of `KNOWN_MODELS` is served as Groq's docs list it; the models Groq shut down are
    known but inactive (chat requests get Groq's 400 `model_decommissioned`), except that an
    `'enterprise'` key keeps the models whose shutdown applied to free and developer tiers only
    (`KEPT_FOR_ENTERPRISE`, e.g. `llama-3.3-70b-versatile`).

    Args:
        tier: `'free'` and `'developer'` keys see the same models; `'enterprise'` sees more.

    Returns:
        The cards, served models first.
    """
    kept = KEPT_FOR_ENTERPRISE if tier == 'enterprise' else frozenset[str]()
    cards = [
        ModelCard(info.id, info.owned_by, info.context_window, info.max_completion_tokens, active)
        for info, active in ((info, info.active or info.id in kept) for info in KNOWN_MODELS.values())
    ]
    cards += [
        ModelCard(model_id, '', None, None, active=False, replacement=next(iter(replacements), None))
        for model_id, replacements in SHUT_DOWN.items()
        if model_id not in KNOWN_MODELS
    ]
    return tuple(sorted(cards, key=lambda card: not card.active))


DEFAULT_MODELS: tuple[ModelCard, ...] = models_for('enterprise')
"""The emulator's default catalogue: what an enterprise key sees (see `models_for`)."""


def model_json(card: ModelCard) -> dict[str, Any]:
    """Return the JSON object Groq uses for one model."""
    return {
        'id': card.id,
        'object': 'model',
        'created': _CREATED,
        'owned_by': card.owned_by,
        'active': card.active,
        'context_window': card.context_window,
        'public_apps': None,
        'max_completion_tokens': card.max_completion_tokens,
    }
