"""Splits `<think>...</think>` reasoning out of content (Groq's `reasoning_format='raw'`).

Works on streamed content too: a tag may be cut anywhere between chunks, so a chunk's tail
that could be the start of a tag is held back until the next chunk tells.
"""

from __future__ import annotations

from typing import Literal

__all__ = ('ThinkTagSplitter', 'split_think_tags')

OPEN_TAG = '<think>'
CLOSE_TAG = '</think>'

Segment = tuple[Literal['text', 'thinking'], str]


def _partial_tag_length(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class ThinkTagSplitter:
    """Feeds content pieces; returns the text and thinking segments they complete."""

    __slots__ = ('_after_close', '_held', '_thinking')

    _after_close: bool
    _held: str
    _thinking: bool

    def __init__(self) -> None:
        self._thinking = False
        self._after_close = False
        self._held = ''

    def feed(self, content: str) -> list[Segment]:
        """Split one more piece of content.

        Returns:
            `('text', ...)` and `('thinking', ...)` segments in order; empty ones are left out.
        """
        text = self._held + content
        self._held = ''
        segments: list[Segment] = []
        while text:
            if self._after_close:
                # The answer follows the closing tag after a blank line: layout, not text.
                text = text.lstrip('\n')
                if not text:
                    break
                self._after_close = False
            tag = CLOSE_TAG if self._thinking else OPEN_TAG
            kind: Literal['text', 'thinking'] = 'thinking' if self._thinking else 'text'
            at = text.find(tag)
            if at == -1:
                keep = _partial_tag_length(text, tag)
                if keep:
                    self._held = text[-keep:]
                    text = text[:-keep]
                if text:
                    segments.append((kind, text))
                break
            if at:
                segments.append((kind, text[:at]))
            text = text[at + len(tag) :]
            self._after_close = self._thinking
            self._thinking = not self._thinking
        return segments

    def flush(self) -> list[Segment]:
        """What is still held back at the end of the content (a tag start that never completed)."""
        held, self._held = self._held, ''
        if not held:
            return []
        return [('thinking' if self._thinking else 'text', held)]


def split_think_tags(content: str) -> list[Segment]:
    """Split a whole content string into text and thinking segments."""
    splitter = ThinkTagSplitter()
    merged: list[Segment] = []
    for kind, text in [*splitter.feed(content), *splitter.flush()]:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged
