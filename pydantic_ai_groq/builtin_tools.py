"""Tools that Groq runs server-side: web search, code execution, browser search and more.

Give them to an agent (`Agent(..., builtin_tools=[WebSearchTool()])`) or a request
(`ModelRequestParameters(builtin_tools=[...])`). `GroqModel` maps them to what the chosen
model takes: `compound_custom` / `search_settings` for the compound systems (`groq/compound`,
`groq/compound-mini`), `tools: [{"type": "browser_search"}]` / `{"type": "code_interpreter"}`
for gpt-oss, `tools: [{"type": "mcp", ...}]` for remote MCP servers Groq calls itself
(`MCPServerTool`, beta). A tool the model cannot run is a `UserError` naming the models that can.
What the server ran comes back as `BuiltinToolCallPart` + `BuiltinToolReturnPart`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

__all__ = (
    'AbstractBuiltinTool',
    'BrowserAutomationTool',
    'BrowserSearchTool',
    'CodeExecutionTool',
    'MCPServerTool',
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


@dataclass(frozen=True)
class MCPServerTool(AbstractBuiltinTool):
    """A remote MCP server that Groq itself connects to, lists the tools of and calls (beta).

    Sent as `tools: [{"type": "mcp", "server_label": ..., "server_url": ..., ...}]`; what Groq ran comes back
    as `BuiltinToolCallPart`/`BuiltinToolReturnPart` named `'mcp'` (a call) and `'mcp_list_tools'` (the tools
    Groq found on the server). Your own process never talks to the server.

    Attributes:
        server_label: A label for the server, used to identify it in tool calls.
        server_url: The server's streamable HTTP endpoint, reachable from Groq.
        headers: HTTP headers Groq sends to the server (e.g. `Authorization`).
        allowed_tools: Only these tools of the server are offered to the model; `None`: all of them.
        require_approval: `'never'` (Groq calls the tools without asking) or `'always'`; `None` leaves
            Groq's default.
    """

    kind: ClassVar[str] = 'mcp'
    server_label: str
    server_url: str
    headers: Mapping[str, str] | None = field(default=None, repr=False)
    allowed_tools: Sequence[str] | None = None
    require_approval: Literal['always', 'never'] | None = None

    def wire_json(self) -> dict[str, object]:
        """The `tools` entry Groq takes for this server: only the fields that are set."""
        entry: dict[str, object] = {'type': 'mcp', 'server_label': self.server_label, 'server_url': self.server_url}
        if self.headers is not None:
            entry['headers'] = dict(self.headers)
        if self.allowed_tools is not None:
            entry['allowed_tools'] = list(self.allowed_tools)
        if self.require_approval is not None:
            entry['require_approval'] = self.require_approval
        return entry
