"""Output specifications: how structured output is asked of the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ('OutputObjectDefinition',)


@dataclass(slots=True)
class OutputObjectDefinition:
    """A JSON schema the model's text answer must follow (native and prompted output).

    Attributes:
        json_schema: The schema.
        name: Its name, sent as `json_schema.name`.
        description: Its description, sent as `json_schema.description`.
        strict: Ask for strict schema adherence where the model supports it.
    """

    json_schema: dict[str, Any]
    name: str | None = None
    description: str | None = None
    strict: bool | None = None
