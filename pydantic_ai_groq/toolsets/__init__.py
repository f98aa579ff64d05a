"""Toolsets: where an agent's tools come from (functions, MCP servers), chosen each step."""

from ._abstract import AbstractToolset, ArgsValidator, ToolsetTool

__all__ = ('AbstractToolset', 'ArgsValidator', 'ToolsetTool')
