"""`load_mcp_servers`: the servers of an `mcpServers` JSON file, as editors and desktop apps write it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pydantic

from ..exceptions import UserError
from ._server import MCPServer
from ._transports import MCPServerStdio, MCPServerStreamableHTTP

__all__ = ('load_mcp_servers',)

_VARIABLE = re.compile(r'\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}')


class _StdioEntry(pydantic.BaseModel, extra='forbid'):
    command: str
    args: list[str] = []
    env: dict[str, str] | None = None
    cwd: str | None = None


class _HTTPEntry(pydantic.BaseModel, extra='forbid'):
    url: str
    headers: dict[str, str] | None = None
    type: str | None = None


class _Config(pydantic.BaseModel):
    mcpServers: dict[str, _StdioEntry | _HTTPEntry]


def load_mcp_servers(path: str | Path) -> list[MCPServer]:
    """The servers a config file lists, each named after its key.

    The file is `{"mcpServers": {"name": {"command": ..., "args": [...], "env": {...}, "cwd": ...}}}`
    for stdio servers and `{"name": {"url": ..., "headers": {...}}}` for streamable HTTP ones.
    `${VAR}` and `${VAR:-default}` in the file are replaced from the environment.

    Args:
        path: The JSON file.

    Returns:
        The servers, not started.

    Raises:
        UserError: The file is missing, not JSON, not of that shape, or names an unset variable.
    """
    path = Path(path)
    try:
        text = _expand(path.read_text())
        config = _Config.model_validate_json(text)
    except OSError as e:
        raise UserError(f'Cannot read the MCP config {str(path)!r}: {e}') from e
    except pydantic.ValidationError as e:
        raise UserError(
            f'The MCP config {str(path)!r} is not a valid mcpServers file (each server needs "command" or "url"):\n{e}'
        ) from e
    servers: list[MCPServer] = []
    for name, entry in config.mcpServers.items():
        if isinstance(entry, _StdioEntry):
            servers.append(MCPServerStdio(entry.command, entry.args, env=entry.env, cwd=entry.cwd, name=name))
        else:
            servers.append(MCPServerStreamableHTTP(entry.url, headers=entry.headers, name=name))
    return servers


def _expand(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        default: str | None = match.group(2)
        value = os.environ.get(name, default)
        if value is None:
            raise UserError(f'The MCP config uses ${{{name}}}, which is not set; set it or write ${{{name}:-default}}')
        return value

    return _VARIABLE.sub(replace, text)
