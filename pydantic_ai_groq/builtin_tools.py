"""Tools that Groq runs server-side (web search, code execution, browser search)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ('AbstractBuiltinTool',)


@dataclass(frozen=True, slots=True)
class AbstractBuiltinTool:
    """Base class of server-side tools; each subclass says what it asks Groq to run.

    Attributes:
        kind: Which server-side tool this is.
    """

    kind: str = 'unknown'
