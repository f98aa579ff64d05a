"""What fits a model: a cheap token estimate, context windows and completion limits, checked before sending.

Read from a catalogue (`ModelCatalogue.cached`) when the user fetched one, else from the built-in
`KNOWN_MODELS`; nothing here sends a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from ...exceptions import UserError
from ._catalogue import KNOWN_MODELS, GroqModelInfo

__all__ = (
    'CONTEXT_MARGIN',
    'check_capacity',
    'context_window',
    'estimate_prompt_tokens',
    'estimate_tokens',
    'obviously_exceeds',
)


def context_window(name: str, catalogue: Mapping[str, GroqModelInfo] | None = None) -> int | None:
    """A model's context window in tokens: from the catalogue, else from `KNOWN_MODELS`.

    Args:
        name: The model id.
        catalogue: The catalogue to ask first (e.g. `ModelCatalogue.get`).

    Returns:
        The window, or `None` when the model or its window is unknown.
    """
    info = (catalogue or {}).get(name) or KNOWN_MODELS.get(name)
    return None if info is None else info.context_window


_WHITESPACE_RUN = re.compile(r'\s{2,}')

CONTEXT_MARGIN = 1.5
"""How far `estimate_tokens` must exceed a window before `obviously_exceeds` says so."""


def estimate_tokens(text: str) -> int:
    """A cheap token estimate: one token per 4 characters, runs of whitespace counted as one.

    Four characters a token is the usual average for English prose and code with the Llama 3,
    gpt-oss and Qwen tokenizers; collapsing whitespace runs keeps indentation from inflating the
    count (tokenizers merge such runs). The estimate can be off either way - it undercounts text
    in non-Latin scripts (often one token per character or more) and overcounts runs of repeated
    punctuation - so only use it with `CONTEXT_MARGIN` (see `obviously_exceeds`) to catch prompts
    that cannot possibly fit, never to trim prompts.

    Args:
        text: The text.

    Returns:
        The estimated number of tokens (rounded up).
    """
    return -(-len(_WHITESPACE_RUN.sub(' ', text)) // 4)


def obviously_exceeds(estimated_tokens: int, window: int | None) -> bool:
    """Whether an estimate is so far past a context window that the request cannot fit.

    True only when the estimate is more than `CONTEXT_MARGIN` (1.5) times the window, which
    leaves room for the estimate's error: a prompt this check rejects would be rejected by Groq.

    Args:
        estimated_tokens: The estimate, e.g. the sum of `estimate_tokens` over the messages.
        window: The model's context window; `None` (unknown) never exceeds.

    Returns:
        Whether to fail before sending.
    """
    return window is not None and estimated_tokens > window * CONTEXT_MARGIN


def estimate_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """`estimate_tokens` of a body's wire messages: their content, text parts and tool-call arguments."""
    return estimate_tokens(''.join(_message_texts(messages)))


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


def check_capacity(
    model_name: str, tokens: int, max_tokens: int | None, catalogue: Mapping[str, GroqModelInfo] | None
) -> None:
    """Refuse, before sending, a prompt far past the model's context window or a `max_tokens` past its limit.

    Args:
        model_name: The model id.
        tokens: The prompt's estimate (`estimate_prompt_tokens`).
        max_tokens: The `max_tokens` setting, if set.
        catalogue: The catalogue the user fetched, if any (else `KNOWN_MODELS` is asked).

    Raises:
        UserError: Naming the estimate and the window, or the setting and the allowed range.
    """
    window = context_window(model_name, catalogue)
    if obviously_exceeds(tokens, window):
        raise UserError(
            f'The prompt is about {tokens:,} tokens, far more than the {window:,}-token context window of '
            f'{model_name}: shorten the history or use a model with a larger window.'
        )
    info = (catalogue or {}).get(model_name) or KNOWN_MODELS.get(model_name)
    limit = info.max_completion_tokens if info is not None else None
    if max_tokens is not None and limit is not None and max_tokens > limit:
        raise UserError(
            f'Model setting max_tokens={max_tokens} is more than {model_name} can generate; allowed: 1..{limit}.'
        )
