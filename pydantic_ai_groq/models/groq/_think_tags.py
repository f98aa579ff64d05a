"""Splits the leading `<think>...</think>` block out of content (Groq's `reasoning_format='raw'`).

Only a block that opens the content (after blank space) is reasoning: a model that emits raw
think tags puts its reasoning there, and a `<think>` later in an answer (an HTML page, a
text about tags) is the answer's own text and stays in it.

Works on streamed content too: a tag may be cut anywhere between chunks, so a chunk's tail
that could be the start of a tag is held back until the next chunk tells.
"""

from __future__ import annotations

from typing import Literal

__all__ = ('ThinkTagSplitter', 'split_think_tags')

OPEN_TAG = '<think>'
CLOSE_TAG = '</think>'

Segment = tuple[Literal['text', 'thinking'], str]

_State = Literal['opening', 'thinking', 'after_close', 'text']


def _partial_tag_length(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class ThinkTagSplitter:
    """Feeds content pieces; returns the text and thinking segments they complete."""

    __slots__ = ('_held', '_state')

    _held: str
    _state: _State

    def __init__(self) -> None:
        self._state = 'opening'  # not yet known whether the content opens with <think>
        self._held = ''

    def feed(self, content: str) -> list[Segment]:
        """Split one more piece of content.

        Returns:
            `('text', ...)` and `('thinking', ...)` segments in order; empty ones are left out.
        """
        if self._state == 'text':
            return [('text', content)] if content else []
        text = self._held + content
        self._held = ''
        if self._state == 'opening':
            start = text.lstrip()
            if OPEN_TAG.startswith(start):  # blank space or a tag begun: not known yet
                self._held = text
                return []
            if not start.startswith(OPEN_TAG):
                self._state = 'text'
                return [('text', text)]
            self._state = 'thinking'
            text = start[len(OPEN_TAG) :]
        segments: list[Segment] = []
        if self._state == 'thinking':
            at = text.find(CLOSE_TAG)
            if at == -1:
                keep = _partial_tag_length(text, CLOSE_TAG)
                if keep:
                    self._held = text[-keep:]
                    text = text[:-keep]
                return [('thinking', text)] if text else []
            if at:
                segments.append(('thinking', text[:at]))
            text = text[at + len(CLOSE_TAG) :]
            self._state = 'after_close'
        # The answer follows the closing tag after a blank line: layout, not text.
        text = text.lstrip('\n')
        if text:
            self._state = 'text'
            segments.append(('text', text))
        return segments

    def flush(self) -> list[Segment]:
        """What is still held back at the end of the content (a tag start that never completed)."""
        held, self._held = self._held, ''
        if not held:
            return []
        return [('thinking' if self._state == 'thinking' else 'text', held)]


def split_think_tags(content: str) -> list[Segment]:
    """Split a whole content string into its leading thinking block (if any) and the text after it."""
    splitter = ThinkTagSplitter()
    merged: list[Segment] = []
    for kind, text in [*splitter.feed(content), *splitter.flush()]:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged
