"""The models the emulator knows, as listed by `GET /openai/v1/models`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ('DEFAULT_MODELS', 'ModelCard', 'model_json')

# Groq reports when each model was added; one fixed date keeps listings deterministic.
_CREATED = 1_733_447_754


@dataclass(frozen=True)
class ModelCard:
    """One entry of Groq's model catalogue.

    Attributes:
        id: The model name used in requests, e.g. `'llama-3.3-70b-versatile'`.
        owned_by: The model's publisher, e.g. `'Meta'`.
        context_window: Maximum prompt plus completion tokens.
        max_completion_tokens: Maximum tokens one completion may generate.
        active: Inactive models are decommissioned: left out of `GET /openai/v1/models` (Groq lists active
            models only), though `GET /openai/v1/models/{id}` still shows them with `active: false`, and
            rejected by chat requests with Groq's 400 `model_decommissioned`.
        replacement: For the catalogue only, the model Groq recommends instead of a decommissioned one. It is
            never sent: Groq's error body does not name it.
    """

    id: str
    owned_by: str
    context_window: int
    max_completion_tokens: int
    active: bool = True
    replacement: str | None = None


DEFAULT_MODELS: tuple[ModelCard, ...] = (
    ModelCard('llama-3.3-70b-versatile', 'Meta', 131_072, 32_768),
    ModelCard('llama-3.1-8b-instant', 'Meta', 131_072, 131_072),
    ModelCard('openai/gpt-oss-120b', 'OpenAI', 131_072, 65_536),
    ModelCard('openai/gpt-oss-20b', 'OpenAI', 131_072, 65_536),
    ModelCard('qwen/qwen3-32b', 'Alibaba Cloud', 131_072, 40_960),
    ModelCard('moonshotai/kimi-k2-instruct-0905', 'Moonshot AI', 262_144, 16_384),
    ModelCard('meta-llama/llama-4-scout-17b-16e-instruct', 'Meta', 131_072, 8_192),
    ModelCard('meta-llama/llama-4-maverick-17b-128e-instruct', 'Meta', 131_072, 8_192),
    ModelCard('groq/compound', 'Groq', 131_072, 8_192),
    ModelCard('groq/compound-mini', 'Groq', 131_072, 8_192),
    ModelCard('gemma2-9b-it', 'Google', 8_192, 8_192, active=False, replacement='llama-3.1-8b-instant'),
)
"""A realistic subset of Groq's production and preview models, and one decommissioned model."""


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
