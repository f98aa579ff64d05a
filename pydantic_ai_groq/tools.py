"""Tool definitions: what the model is told about a tool it may call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ('ToolDefinition', 'ToolKind')

ToolKind = Literal['function', 'output']
"""`function` tools run on our side; `output` tools end the run with structured output."""


@dataclass(slots=True)
class ToolDefinition:
    """A tool as offered to the model.

    Attributes:
        name: The tool's name.
        parameters_json_schema: JSON schema of its arguments object.
        description: What the tool does (`''` when it has no docstring).
        kind: `function` or `output`.
        strict: Ask for strict schema adherence where the model supports it; `None` leaves it unset.
    """

    name: str
    parameters_json_schema: dict[str, Any] = field(
        default_factory=lambda: {'type': 'object', 'properties': {}, 'additionalProperties': False}
    )
    description: str = ''
    kind: ToolKind = 'function'
    strict: bool | None = None
