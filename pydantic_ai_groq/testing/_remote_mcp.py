"""Remote MCP as Groq runs it: the emulator connects to the request's MCP servers itself.

A chat request whose `tools` hold `{"type": "mcp", "server_label", "server_url", ...}` entries makes
Groq (here: the emulator) list each server's tools over streamable HTTP, offer the allowed ones to the
model, run the calls the model makes and answer with what ran: the listed tools in the completion's
`mcp_list_tools`, each call as an `executed_tools` entry of type `mcp`. The emulated model calls the
first allowed tool of each server once, with arguments valid for its input schema, unless the server
requires approval. Only loopback servers are reached: there is no other network to reach here.

The `mcp` package is imported only when such a request arrives, so the emulator works without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._json import as_array, as_object, dumps_compact
from ._replies import ExecutedToolReply
from ._schema_values import schema_value

if TYPE_CHECKING:
    from mcp import Client

__all__ = ('LOOPBACK_HOSTS', 'RemoteMCPError', 'RemoteMCPRun', 'mcp_servers', 'run_remote_mcp')

LOOPBACK_HOSTS = frozenset({'127.0.0.1', 'localhost', '::1'})
"""The only hosts the emulator connects to for remote MCP."""

# Seconds without a byte from a loopback server before the request fails (a bound, not a wait).
_TIMEOUT = 30.0


class RemoteMCPError(Exception):
    """A remote MCP server the emulator will not or could not use; the message says which and why."""


@dataclass
class RemoteMCPRun:
    """What Groq did with the request's MCP servers before answering.

    Attributes:
        listed: The `mcp_list_tools` entries, one per server.
        executed: The tool calls Groq ran, as `executed_tools` entries of type `mcp`.
    """

    listed: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    executed: list[ExecutedToolReply] = field(default_factory=list[ExecutedToolReply])


def mcp_servers(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's `tools` entries of type `mcp`."""
    return [dict(as_object(tool)) for tool in as_array(body.get('tools')) if as_object(tool).get('type') == 'mcp']


async def run_remote_mcp(servers: Sequence[Mapping[str, Any]]) -> RemoteMCPRun:
    """List each server's tools and call the first allowed one, as Groq would.

    Raises:
        RemoteMCPError: A server that is not on loopback, lacks a label or URL, or cannot be reached.
    """
    for server in servers:
        _check_server(server)
    run = RemoteMCPRun()
    for server in servers:
        await _use_server(server, run)
    return run


def _check_server(server: Mapping[str, Any]) -> None:
    label, url = server.get('server_label'), server.get('server_url')
    if not isinstance(label, str) or not label or not isinstance(url, str) or not url:
        raise RemoteMCPError("an mcp tool needs a non-empty 'server_label' and 'server_url'")
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or parts.hostname not in LOOPBACK_HOSTS:
        raise RemoteMCPError(
            f'the emulator reaches MCP servers on loopback only ({", ".join(sorted(LOOPBACK_HOSTS))}); '
            f'{label!r} is at {url!r}'
        )


async def _use_server(server: Mapping[str, Any], run: RemoteMCPRun) -> None:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    label, url = str(server['server_label']), str(server['server_url'])
    headers = {str(key): str(value) for key, value in as_object(server.get('headers')).items()}
    # Closed by hand: httpx2 types `__aenter__` with `typing.Self`, which pyright's Python 3.10 does not resolve.
    http_client = httpx2.AsyncClient(headers=headers, timeout=_TIMEOUT)
    # The initialize handshake every MCP server answers; one request's tool list is never reused.
    client = Client(streamable_http_client(url, http_client=http_client), mode='legacy', cache=None)
    try:
        async with client:
            await _list_and_call(client, server, label, run)
    except Exception as error:  # any failure to talk to the server is the request's failure
        raise RemoteMCPError(f'MCP server {label!r} at {url!r} could not be used: {error!r}') from error
    finally:
        await http_client.aclose()


async def _list_and_call(client: Client, server: Mapping[str, Any], label: str, run: RemoteMCPRun) -> None:
    allowed = server.get('allowed_tools')
    tools = [
        tool for tool in (await client.list_tools()).tools if not isinstance(allowed, list) or tool.name in allowed
    ]
    run.listed.append(
        {
            'id': f'mcpl_{len(run.listed)}',
            'type': 'mcp_list_tools',
            'server_label': label,
            'tools': [
                {'name': tool.name, 'description': tool.description, 'input_schema': tool.input_schema}
                for tool in tools
            ],
        }
    )
    # Groq asks before calling a server that requires approval; an emulated model then calls nothing.
    if not tools or server.get('require_approval') == 'always':
        return
    tool = tools[0]
    arguments = schema_value(tool.input_schema)
    result = await client.call_tool(tool.name, arguments)
    output = '\n'.join(getattr(block, 'text', '') for block in result.content) if result.content else ''
    if result.is_error:
        output = f'error: {output}'
    run.executed.append(
        ExecutedToolReply(
            type='mcp', arguments=dumps_compact(arguments), output=output, name=tool.name, server_label=label
        )
    )
