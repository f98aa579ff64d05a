"""What fits a model: context windows, and a cheap token estimate to refuse prompts that cannot fit.

Read from a catalogue (`ModelCatalogue.cached`) when the user fetched one, else from the built-in
`KNOWN_MODELS`; nothing here sends a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._groq_catalogue import KNOWN_MODELS, GroqModelInfo

__all__ = ('CONTEXT_MARGIN', 'context_window', 'estimate_tokens', 'obviously_exceeds')


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
