"""Toolsets: where an agent's tools come from (functions, MCP servers), chosen each step."""

from .abstract import AbstractToolset, ArgsValidator, ToolsetTool

__all__ = ('AbstractToolset', 'ArgsValidator', 'ToolsetTool')
