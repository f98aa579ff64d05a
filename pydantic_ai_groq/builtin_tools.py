"""Tools that Groq runs server-side: web search, code execution, browser search and more.

Give them to an agent (`Agent(..., builtin_tools=[WebSearchTool()])`) or a request
(`ModelRequestParameters(builtin_tools=[...])`). `GroqModel` maps them to what the chosen
model takes: `compound_custom` / `search_settings` for the compound systems (`groq/compound`,
`groq/compound-mini`), `tools: [{"type": "browser_search"}]` / `{"type": "code_interpreter"}`
for gpt-oss. A tool the model cannot run is a `UserError` naming the models that can.
What the server ran comes back as `BuiltinToolCallPart` + `BuiltinToolReturnPart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = (
    'AbstractBuiltinTool',
    'BrowserAutomationTool',
    'BrowserSearchTool',
    'CodeExecutionTool',
    'VisitWebsiteTool',
    'WebSearchTool',
    'WolframAlphaTool',
)


@dataclass(frozen=True)
class AbstractBuiltinTool:
    """Base class of server-side tools."""

    kind: ClassVar[str] = 'unknown'
    """Which server-side tool this is (`web_search`, `code_execution`, ...)."""


@dataclass(frozen=True)
class WebSearchTool(AbstractBuiltinTool):
    """Web search, run by Groq (compound systems).

    Attributes:
        include_domains: Only search these domains (wildcards like `*.edu` allowed).
        exclude_domains: Never search these domains.
        country: Prefer results from this country (compound systems).
    """

    kind: ClassVar[str] = 'web_search'
    include_domains: Sequence[str] = field(default_factory=tuple[str, ...])
    exclude_domains: Sequence[str] = field(default_factory=tuple[str, ...])
    country: str | None = None


@dataclass(frozen=True)
class CodeExecutionTool(AbstractBuiltinTool):
    """Python code execution in a sandbox, run by Groq (compound systems and gpt-oss)."""

    kind: ClassVar[str] = 'code_execution'


@dataclass(frozen=True)
class BrowserSearchTool(AbstractBuiltinTool):
    """Interactive browser search, run by Groq (gpt-oss models)."""

    kind: ClassVar[str] = 'browser_search'


@dataclass(frozen=True)
class VisitWebsiteTool(AbstractBuiltinTool):
    """Fetching and reading a web page, run by Groq (compound systems)."""

    kind: ClassVar[str] = 'visit_website'


@dataclass(frozen=True)
class BrowserAutomationTool(AbstractBuiltinTool):
    """Driving a browser (several pages in parallel), run by Groq (compound systems)."""

    kind: ClassVar[str] = 'browser_automation'


@dataclass(frozen=True)
class WolframAlphaTool(AbstractBuiltinTool):
    """Wolfram Alpha queries, run by Groq with your Wolfram Alpha app id (compound systems).

    Attributes:
        api_key: Your Wolfram Alpha app id (sent as `compound_custom.tools.wolfram_settings.authorization`).
    """

    kind: ClassVar[str] = 'wolfram_alpha'
    api_key: str = field(default='', repr=False)
