"""Toolsets over a toolset: `prefixed`, `renamed`, `filtered` and `prepared` views of its tools."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from typing_extensions import Self

from .._run_context import AgentDepsT, RunContext
from ..exceptions import UserError
from ..tools import PrepareTools, ToolDefinition, check_tool_name
from ._abstract import AbstractToolset, ToolsetTool

__all__ = ('FilteredToolset', 'PrefixedToolset', 'PreparedToolset', 'RenamedToolset', 'WrapperToolset')


class WrapperToolset(AbstractToolset[AgentDepsT]):
    """A toolset over another: entered with it, labelled by it, calling through it.

    Attributes:
        wrapped: The toolset underneath.
    """

    def __init__(self, wrapped: AbstractToolset[AgentDepsT]) -> None:
        """Wrap a toolset."""
        self.wrapped = wrapped
        # The renamed tool by new name, with the tool it was made from: rebuilt only when that changes.
        self._renames: dict[str, tuple[ToolsetTool[AgentDepsT], ToolsetTool[AgentDepsT]]] = {}
        # The wrapped toolset's last tools and what this wrapper made of them: unchanged tools, same dict.
        self._last: tuple[dict[str, ToolsetTool[AgentDepsT]], dict[str, ToolsetTool[AgentDepsT]]] | None = None

    @property
    def label(self) -> str:
        """The wrapped toolset's label, with this wrapper's name."""
        return f'{type(self).__name__}({self.wrapped.label})'

    async def __aenter__(self) -> Self:
        """Enter the wrapped toolset."""
        await self.wrapped.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Leave the wrapped toolset."""
        return await self.wrapped.__aexit__(exc_type, exc, tb)

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The wrapped toolset's tools, called through this wrapper's `call_tool`."""
        return self._claim(await self.wrapped.get_tools(ctx), lambda name: name)

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call the tool through the wrapped toolset, by the name and as the tool it offered."""
        inner = tool.wrapped or tool
        return await self.wrapped.call_tool(inner.tool_def.name, tool_args, ctx, inner)

    def _claim(
        self, tools: dict[str, ToolsetTool[AgentDepsT]], new_name: Callable[[str], str]
    ) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools as this wrapper offers them (calls come to it), under `new_name(name)`."""
        last = self._last
        if last is not None and last[0] is tools:
            return last[1]
        claimed = {new: self._renamed(tool, new) for new, tool in ((new_name(n), t) for n, t in tools.items())}
        self._last = (tools, claimed)
        return claimed

    def _renamed(self, tool: ToolsetTool[AgentDepsT], name: str) -> ToolsetTool[AgentDepsT]:
        cached = self._renames.get(name)
        if cached is not None and cached[0] is tool:
            return cached[1]
        check_tool_name(name)
        tool_def = dataclasses.replace(tool.tool_def, name=name)
        renamed = dataclasses.replace(tool, toolset=self, tool_def=tool_def, wrapped=tool)
        self._renames[name] = (tool, renamed)
        return renamed


class PrefixedToolset(WrapperToolset[AgentDepsT]):
    """The wrapped toolset's tools, each named `{prefix}_{name}`."""

    def __init__(self, wrapped: AbstractToolset[AgentDepsT], prefix: str) -> None:
        """Prefix a toolset's tool names.

        Raises:
            UserError: The prefix makes an invalid tool name.
        """
        super().__init__(wrapped)
        check_tool_name(f'{prefix}_x', 'Prefix')
        self.prefix = prefix

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The wrapped toolset's tools, prefixed."""
        return self._claim(await self.wrapped.get_tools(ctx), lambda name: f'{self.prefix}_{name}')


class RenamedToolset(WrapperToolset[AgentDepsT]):
    """The wrapped toolset's tools, some under new names."""

    def __init__(self, wrapped: AbstractToolset[AgentDepsT], name_map: Mapping[str, str]) -> None:
        """Rename some of a toolset's tools.

        Args:
            wrapped: The toolset.
            name_map: `{new_name: name_in_the_wrapped_toolset}`.

        Raises:
            UserError: A new name is invalid.
        """
        super().__init__(wrapped)
        for new_name in name_map:
            check_tool_name(new_name)
        self.name_map = dict(name_map)
        self._new_names = {old: new for new, old in name_map.items()}

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The wrapped toolset's tools, renamed where the map says."""
        tools = await self.wrapped.get_tools(ctx)
        renamed: dict[str, ToolsetTool[AgentDepsT]] = {}
        for name, tool in tools.items():
            new_name = self._new_names.get(name)
            if new_name is None:
                renamed[name] = tool
                continue
            if new_name in tools and new_name not in self._new_names:
                raise UserError(
                    f'{self.label}: renaming {name!r} to {new_name!r} clashes with the tool already named {new_name!r}.'
                )
            renamed[new_name] = self._renamed(tool, new_name)
        return renamed


class FilteredToolset(WrapperToolset[AgentDepsT]):
    """The wrapped toolset's tools that a function keeps, decided each step."""

    def __init__(
        self,
        wrapped: AbstractToolset[AgentDepsT],
        filter_func: Callable[[RunContext[AgentDepsT], ToolDefinition], bool],
    ) -> None:
        """Filter a toolset's tools with `filter_func(ctx, tool_def) -> bool`."""
        super().__init__(wrapped)
        self.filter_func = filter_func

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools `filter_func` keeps this step."""
        tools = await self.wrapped.get_tools(ctx)
        kept = {name: tool for name, tool in tools.items() if self.filter_func(ctx, tool.tool_def)}
        # The same tools as last step come back as the same dict, so the run loop can skip rebuilding its request.
        last = self._last
        if last is not None and last[0] is tools and last[1].keys() == kept.keys():
            return last[1]
        self._last = (tools, kept)
        return kept


class PreparedToolset(WrapperToolset[AgentDepsT]):
    """The wrapped toolset's tools with their definitions passed through a function each step."""

    def __init__(self, wrapped: AbstractToolset[AgentDepsT], prepare_func: PrepareTools[AgentDepsT]) -> None:
        """Prepare a toolset's definitions with `prepare_func(ctx, tool_defs) -> tool_defs | None`."""
        super().__init__(wrapped)
        self.prepare_func = prepare_func

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools whose definitions `prepare_func` returned, as it returned them."""
        tools = await self.wrapped.get_tools(ctx)
        return await prepare_tools(self.prepare_func, ctx, tools, self.label)


async def prepare_tools(
    prepare_func: PrepareTools[AgentDepsT],
    ctx: RunContext[AgentDepsT],
    tools: dict[str, ToolsetTool[AgentDepsT]],
    owner: str,
) -> dict[str, ToolsetTool[AgentDepsT]]:
    """Pass the step's tool definitions through `prepare_func`; what it returns is what is offered.

    Args:
        prepare_func: `(ctx, tool_defs) -> tool_defs | None`, sync or async.
        ctx: The run's context for the coming request.
        tools: The step's tools by name.
        owner: Who set `prepare_func`, for errors.

    Raises:
        UserError: `prepare_func` returned a tool that was not offered (it may change or drop tools,
            not add or rename them).
    """
    result = prepare_func(ctx, [tool.tool_def for tool in tools.values()])
    tool_defs = await result if inspect.isawaitable(result) else result
    prepared: dict[str, ToolsetTool[AgentDepsT]] = {}
    for tool_def in tool_defs or ():
        tool = tools.get(tool_def.name)
        if tool is None:
            raise UserError(
                f'{owner}: prepare function returned tool {tool_def.name!r}, which was not offered; '
                'it may change or leave out tools, not add or rename them (use `.renamed()`).'
            )
        prepared[tool_def.name] = tool if tool_def is tool.tool_def else dataclasses.replace(tool, tool_def=tool_def)
    return prepared
