"""The error an MCP server raises when it cannot answer: it crashed, hung up or timed out."""

from __future__ import annotations

from typing import Literal

from ..exceptions import AgentGroqError

__all__ = ('MCPServerError',)


class MCPServerError(AgentGroqError):
    """An MCP server could not be reached, crashed, or did not answer within its `timeout`.

    Raised out of the run (the model cannot fix a broken server); the run's messages so far are
    kept, as for a model API error.

    Attributes:
        server: How the server is named (e.g. `MCP server 'weather'`).
        kind: `'connection'` when the server could not be started or the connection broke,
            `'timeout'` when a request took longer than the server's `timeout`.
    """

    server: str
    kind: Literal['connection', 'timeout']

    def __init__(self, server: str, message: str, kind: Literal['connection', 'timeout'] = 'connection') -> None:
        self.server = server
        self.kind = kind
        super().__init__(f'{server}: {message}')
