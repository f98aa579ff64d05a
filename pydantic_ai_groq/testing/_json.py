"""Helpers for reading untyped JSON request bodies and writing compact JSON."""

from __future__ import annotations

import json
from typing import Any, cast

__all__ = ('as_array', 'as_object', 'dumps_compact', 'message_text', 'word_count')


def as_object(value: object) -> dict[str, Any]:
    """Return `value` if it is a JSON object, else an empty dict.

    Request bodies come from the network, so every nested value has to be checked before use.
    """
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def as_array(value: object) -> list[Any]:
    """Return `value` if it is a JSON array, else an empty list."""
    return cast('list[Any]', value) if isinstance(value, list) else []


def dumps_compact(value: object) -> str:
    """Serialise like Groq does: no spaces after separators, non-ASCII kept as is."""
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)


def message_text(content: object) -> str:
    """Return the text of a chat message `content`, which is a string or a list of content parts."""
    if isinstance(content, str):
        return content
    texts = (as_object(part).get('text') for part in as_array(content))
    return ' '.join(text for text in texts if isinstance(text, str))


def word_count(text: str | None) -> int:
    """Count whitespace-separated words, the emulator's stand-in for tokens."""
    return len(text.split()) if text else 0
