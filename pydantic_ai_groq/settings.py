"""Model settings (`ModelSettings`) and their validation before anything is sent."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Literal, TypedDict, cast

from .exceptions import UserError

__all__ = ('ModelSettings', 'merge_model_settings', 'validate_model_settings')


class ModelSettings(TypedDict, total=False):
    """Settings for a model request; every key is optional.

    Later layers override earlier ones key by key: model defaults, then agent, then run.
    """

    max_tokens: int
    """Upper bound on generated tokens (sent as Groq's `max_completion_tokens`)."""

    temperature: float
    """Sampling temperature, 0 to 2."""

    top_p: float
    """Nucleus sampling mass, 0 to 1."""

    timeout: float
    """Request timeout in seconds, greater than 0."""

    seed: int
    """Seed for best-effort deterministic sampling, a 64-bit signed integer."""

    presence_penalty: float
    """Penalty for tokens already present, -2 to 2."""

    frequency_penalty: float
    """Penalty proportional to token frequency, -2 to 2."""

    stop_sequences: list[str]
    """Up to 4 non-empty sequences at which generation stops."""

    parallel_tool_calls: bool
    """Whether the model may call several tools in one response (sent only with tools)."""

    tool_choice: Literal['auto', 'none', 'required'] | list[str]
    """Which tools the model may call: `auto`, `none` (no function tools; an agent's output tools stay
    callable), `required`, or a list of tool names (one name forces that tool; several send only those
    tools, with `required`). In a run, `required` and names hold until the model has called a tool."""

    extra_headers: dict[str, str]
    """Extra HTTP headers for the request, names and values strings."""

    extra_body: dict[str, Any]
    """Extra JSON fields merged into the request body (JSON values only: no NaN or infinity)."""


MAX_STOP_SEQUENCES = 4

# Groq's API reference types `seed` as an integer, and the OpenAI-compatible API it implements bounds it to
# the signed 64-bit range (openai/openai-openapi: seed minimum -2**63, maximum 2**63 - 1): a larger integer
# cannot be a seed the server reads as given.
_SEED_RANGE = (-(2**63), 2**63 - 1)

# Parameters of the OpenAI-style API that Groq answers with a 400; caught here first.
_REJECTED_BY_GROQ: dict[str, str] = {
    'n': 'Groq generates exactly one choice; only n=1 is allowed',
    'logprobs': 'Groq does not return log probabilities',
    'top_logprobs': 'Groq does not return log probabilities',
    'logit_bias': 'Groq does not support logit_bias',
}

# (low, high, low inclusive, high inclusive) for each numeric setting.
_RANGES: dict[str, tuple[float, float, bool, bool]] = {
    'temperature': (0.0, 2.0, True, True),
    'top_p': (0.0, 1.0, True, True),
    'presence_penalty': (-2.0, 2.0, True, True),
    'frequency_penalty': (-2.0, 2.0, True, True),
    'max_tokens': (1, math.inf, True, True),
    'timeout': (0.0, math.inf, False, True),
    'groq_max_retry_wait': (0.0, math.inf, True, False),
}


def merge_model_settings(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge settings layers; later layers win key by key (`extra_headers`/`extra_body` merge too)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if not layer:
            continue
        for key, value in layer.items():
            # Contents merge only when both are dicts; anything else replaces, to be refused by validation.
            if key in ('extra_headers', 'extra_body') and isinstance(merged.get(key), dict) and isinstance(value, dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def _describe_range(low: float, high: float, low_inclusive: bool, high_inclusive: bool) -> str:
    if high == math.inf:
        return f'{">=" if low_inclusive else ">"} {low:g}'
    return f'{low:g}..{high:g}'


def _check_rejected(source: str, settings: Mapping[str, Any]) -> None:
    for key, why in _REJECTED_BY_GROQ.items():
        if key not in settings:
            continue
        value = settings[key]
        if key == 'n' and value == 1:
            continue
        raise UserError(f'{source}{key}={value!r} is not supported: {why}.')


def validate_model_settings(settings: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Check settings before any request is sent.

    Args:
        settings: The merged settings.
        allowed: The setting names this model accepts.

    Raises:
        UserError: Naming the setting, the value given and what is allowed.
    """
    _check_rejected('model setting ', settings)
    extra_body = settings.get('extra_body')
    if isinstance(extra_body, Mapping):
        _check_rejected('extra_body ', extra_body)  # pyright: ignore[reportUnknownArgumentType]
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise UserError(
            f'Unknown model setting(s) {", ".join(unknown)}; allowed settings are: {", ".join(sorted(allowed))}.'
        )
    _check_ranges(settings)
    # `None` leaves these unset (Groq's reference allows `seed` and `stop` to be null).
    if (seed := settings.get('seed')) is not None:
        _check_seed(seed)
    if (stop := settings.get('stop_sequences')) is not None:
        _check_stop_sequences(stop)
    if (extra_headers := settings.get('extra_headers')) is not None:
        _check_extra_headers(extra_headers)
    if (extra_body := settings.get('extra_body')) is not None:
        _check_extra_body(extra_body)


def _check_ranges(settings: Mapping[str, Any]) -> None:
    for key, (low, high, low_inclusive, high_inclusive) in _RANGES.items():
        if key not in settings:
            continue
        value = settings[key]
        allowed_range = _describe_range(low, high, low_inclusive, high_inclusive)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f'Model setting {key}={value!r} must be a number in {allowed_range}.')
        if key == 'max_tokens' and not isinstance(value, int):
            raise UserError(f'Model setting max_tokens={value!r} must be an integer >= 1.')
        too_low = value < low if low_inclusive else value <= low
        too_high = value > high if high_inclusive else value >= high
        if too_low or too_high or math.isnan(value):
            raise UserError(f'Model setting {key}={value!r} is out of range; allowed: {allowed_range}.')


def _check_seed(seed: object) -> None:
    low, high = _SEED_RANGE
    if isinstance(seed, bool) or not isinstance(seed, int) or not low <= seed <= high:
        raise UserError(f'Model setting seed={seed!r} must be an integer from -2**63 to 2**63 - 1.')


def _check_stop_sequences(stop: object) -> None:
    if isinstance(stop, str) or not isinstance(stop, list | tuple):
        raise UserError(f'Model setting stop_sequences={stop!r} must be a list of strings.')
    sequences = cast('list[object] | tuple[object, ...]', stop)
    # An empty stop sequence would match at every position: it cannot be meant.
    if not all(isinstance(s, str) and s for s in sequences):
        raise UserError(f'Model setting stop_sequences={stop!r} must be a list of non-empty strings.')
    if len(sequences) > MAX_STOP_SEQUENCES:
        raise UserError(
            f'Model setting stop_sequences has {len(sequences)} entries; Groq allows at most {MAX_STOP_SEQUENCES}.'
        )


def _check_extra_headers(headers: object) -> None:
    if not isinstance(headers, Mapping):
        raise UserError(f'Model setting extra_headers={headers!r} must be a dict of header names to string values.')
    for name, value in cast('Mapping[object, object]', headers).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise UserError(
                f'Model setting extra_headers has {name!r}: {value!r}; header names and values must be strings.'
            )


def _check_extra_body(body: object) -> None:
    if not isinstance(body, Mapping):
        raise UserError(f'Model setting extra_body={body!r} must be a dict of JSON fields to merge into the body.')
    for key, value in cast('Mapping[object, object]', body).items():
        if not isinstance(key, str):
            raise UserError(f'Model setting extra_body has the key {key!r}; body field names must be strings.')
        try:
            # As the SDK serialises the body: strict JSON, so NaN and infinity are refused too.
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as e:
            raise UserError(
                f'Model setting extra_body[{key!r}]={value!r} is not JSON ({e}); '
                'use dicts, lists, strings, finite numbers, booleans and None.'
            ) from e
