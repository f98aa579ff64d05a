"""The three ways to reach an MCP server: a subprocess over stdio, streamable HTTP, or in process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx2
from mcp import StdioServerParameters, stdio_client
from mcp.client.stdio import get_default_environment
from mcp.client.streamable_http import streamable_http_client
from mcp.server import Server
from mcp.server.mcpserver import MCPServer as FastServer

from ._server import MCPServer, ServerTarget

__all__ = ('MCPServerInProcess', 'MCPServerStdio', 'MCPServerStreamableHTTP')


class MCPServerStdio(MCPServer):
    """An MCP server run as a subprocess, spoken to over its stdin and stdout.

    Example:
        `MCPServerStdio('python', ['weather_server.py'], tool_prefix='weather')`

    Attributes:
        command: The program to run.
        args: Its arguments.
        env: Environment variables added to the safe defaults the `mcp` package passes (`PATH`, `HOME`, ...).
        cwd: The working directory; `None` keeps ours.
    """

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        **options: Any,
    ) -> None:
        """Describe the server; it starts on `async with`.

        Args:
            command: The program to run.
            args: Its arguments.
            env: Environment variables for it, beside the defaults.
            cwd: Its working directory.
            **options: `name`, `tool_prefix`, `timeout`, `max_retries`, `allow_sampling`, `sampling_model`,
                `elicitation_handler`, as `MCPServer` takes them.
        """
        super().__init__(**options)
        self.command = command
        self.args = list(args)
        self.env = dict(env) if env is not None else None
        self.cwd = cwd

    def _target(self, stack: AsyncExitStack) -> ServerTarget:
        env = {**get_default_environment(), **(self.env or {})}
        return stdio_client(StdioServerParameters(command=self.command, args=self.args, env=env, cwd=self.cwd))

    def _describe(self) -> str:
        return ' '.join([self.command, *self.args])


class MCPServerStreamableHTTP(MCPServer):
    """An MCP server reached over streamable HTTP at a URL.

    Attributes:
        url: The server's MCP endpoint, e.g. `http://localhost:8000/mcp`.
        headers: Headers sent with every request (e.g. an `Authorization` header).
    """

    def __init__(self, url: str, *, headers: Mapping[str, str] | None = None, **options: Any) -> None:
        """Describe the server; the connection opens on `async with`.

        Args:
            url: The server's MCP endpoint.
            headers: Headers for every request.
            **options: As `MCPServer` takes them.
        """
        super().__init__(**options)
        self.url = url
        self.headers = dict(headers or {})

    def _target(self, stack: AsyncExitStack) -> ServerTarget:
        # The request timeout is the session's; the HTTP client only bounds connecting.
        http_client = httpx2.AsyncClient(headers=self.headers, timeout=httpx2.Timeout(30.0, read=None))
        stack.push_async_callback(http_client.aclose)
        return streamable_http_client(self.url, http_client=http_client)

    def _describe(self) -> str:
        return self.url


class MCPServerInProcess(MCPServer):
    """An MCP server object of the `mcp` package, run in this process: for tests and embedded tools.

    Attributes:
        server: The `mcp.server.mcpserver.MCPServer` (or low-level `Server`) to talk to.
    """

    def __init__(self, server: FastServer | Server[Any], **options: Any) -> None:
        """Wrap the server; its session opens on `async with`.

        Args:
            server: The server object.
            **options: As `MCPServer` takes them.
        """
        super().__init__(**options)
        self.server = server

    def _target(self, stack: AsyncExitStack) -> ServerTarget:
        return self.server

    def _describe(self) -> str:
        return self.server.name
