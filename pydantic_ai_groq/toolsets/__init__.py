"""Toolsets: where an agent's tools come from (functions, MCP servers), chosen each step."""

from ._abstract import AbstractToolset, ArgsValidator, ToolsetTool
from ._combined import CombinedToolset
from ._function import FunctionToolset
from ._wrappers import FilteredToolset, PrefixedToolset, PreparedToolset, RenamedToolset, WrapperToolset

__all__ = (
    'AbstractToolset',
    'ArgsValidator',
    'CombinedToolset',
    'FilteredToolset',
    'FunctionToolset',
    'PrefixedToolset',
    'PreparedToolset',
    'RenamedToolset',
    'ToolsetTool',
    'WrapperToolset',
)
