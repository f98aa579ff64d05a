"""MCP servers as toolsets: their tools offered to the model, called through the `mcp` package.

Needs the `mcp` extra: `pip install 'pydantic-ai-groq[mcp]'`.
"""

from ._config import load_mcp_servers
from ._errors import MCPServerError
from ._sampling import ElicitationHandler
from ._server import MCPServer
from ._transports import MCPServerInProcess, MCPServerStdio, MCPServerStreamableHTTP

__all__ = (
    'ElicitationHandler',
    'MCPServer',
    'MCPServerError',
    'MCPServerInProcess',
    'MCPServerStdio',
    'MCPServerStreamableHTTP',
    'load_mcp_servers',
)
