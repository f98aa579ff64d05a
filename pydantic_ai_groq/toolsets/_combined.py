"""`CombinedToolset`: several toolsets as one, entered once however many runs share it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

import anyio
from typing_extensions import Self

from .._run_context import AgentDepsT, RunContext
from ..exceptions import UserError
from ._abstract import AbstractToolset, ToolsetTool

__all__ = ('CombinedToolset',)


class CombinedToolset(AbstractToolset[AgentDepsT]):
    """The tools of several toolsets; a name offered by two of them is an error naming both.

    Entering it enters every toolset it combines, once: concurrent runs (and `async with agent:`)
    share that entry, which is left when the last of them leaves.

    Attributes:
        toolsets: The combined toolsets, in order.
    """

    def __init__(self, toolsets: Sequence[AbstractToolset[AgentDepsT]]) -> None:
        """Combine toolsets.

        Args:
            toolsets: The toolsets; their tools are offered in this order.
        """
        self.toolsets = list(toolsets)
        self._entered = 0
        self._exit_stack: AsyncExitStack | None = None
        self._lock: anyio.Lock | None = None

    @property
    def label(self) -> str:
        """`CombinedToolset` and the labels of what it combines."""
        return f'CombinedToolset({", ".join(toolset.label for toolset in self.toolsets)})'

    async def __aenter__(self) -> Self:
        """Enter every combined toolset, unless already entered; counts the entries."""
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            if self._entered == 0:
                async with AsyncExitStack() as stack:
                    for toolset in self.toolsets:
                        await stack.enter_async_context(toolset)
                    self._exit_stack = stack.pop_all()
            self._entered += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Leave the combined toolsets when the last entry leaves."""
        assert self._lock is not None, 'left before entered'
        async with self._lock:
            self._entered -= 1
            if self._entered == 0 and self._exit_stack is not None:
                stack, self._exit_stack = self._exit_stack, None
                await stack.aclose()
        return None

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools of every combined toolset.

        Raises:
            UserError: Two toolsets offer the same name (naming both toolsets).
        """
        if len(self.toolsets) == 1:
            return await self.toolsets[0].get_tools(ctx)
        tools: dict[str, ToolsetTool[AgentDepsT]] = {}
        for toolset in self.toolsets:
            offered = await toolset.get_tools(ctx)
            for name, tool in offered.items():
                if name in tools:
                    raise UserError(
                        f'Tool name {name!r} is offered by both {tools[name].toolset.label} and '
                        f'{tool.toolset.label}; tool names must be unique: rename one with `.renamed()` '
                        'or `.prefixed()`.'
                    )
                tools[name] = tool
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call the tool through the toolset that offered it."""
        return await tool.toolset.call_tool(name, tool_args, ctx, tool)
