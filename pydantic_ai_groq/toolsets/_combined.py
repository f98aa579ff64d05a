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
        self.toolsets: tuple[AbstractToolset[AgentDepsT], ...] = tuple(toolsets)
        # Nothing to start (function tools only): entering is only counting, the run loop's common case.
        self._passive = all(self._is_passive(toolset) for toolset in self.toolsets)
        self._entered = 0
        self._exit_stack: AsyncExitStack | None = None
        self._changing: anyio.Event | None = None  # set while the toolsets are being entered or left
        self._last: tuple[list[dict[str, ToolsetTool[AgentDepsT]]], dict[str, ToolsetTool[AgentDepsT]]] | None = None

    @property
    def label(self) -> str:
        """`CombinedToolset` and the labels of what it combines."""
        return f'CombinedToolset({", ".join(toolset.label for toolset in self.toolsets)})'

    async def __aenter__(self) -> Self:
        """Enter every combined toolset, unless already entered; counts the entries."""
        if self._passive:
            self._entered += 1
            return self
        while self._changing is not None:  # another task is entering or leaving the toolsets: wait for it
            await self._changing.wait()
        if self._entered:
            self._entered += 1
            return self
        self._changing = changing = anyio.Event()
        try:
            async with AsyncExitStack() as stack:
                for toolset in self.toolsets:
                    await stack.enter_async_context(toolset)
                self._exit_stack = stack.pop_all()
            self._entered = 1
        finally:
            self._changing = None
            changing.set()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Leave the combined toolsets when the last entry leaves."""
        self._entered -= 1
        if self._entered or self._exit_stack is None:  # still used, or passive
            return None
        stack, self._exit_stack = self._exit_stack, None
        self._changing = changing = anyio.Event()
        try:
            await stack.aclose()
        finally:
            self._changing = None
            changing.set()
        return None

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools of every combined toolset.

        Raises:
            UserError: Two toolsets offer the same name (naming both toolsets).
        """
        if len(self.toolsets) == 1:
            return await self.toolsets[0].get_tools(ctx)
        offers = [await toolset.get_tools(ctx) for toolset in self.toolsets]
        # Toolsets whose tools did not change return the same dicts: merged once, handed out as they are.
        last = self._last
        if last is not None and all(offer is before for offer, before in zip(offers, last[0], strict=True)):
            return last[1]
        tools: dict[str, ToolsetTool[AgentDepsT]] = {}
        for offered in offers:
            for name, tool in offered.items():
                if name in tools:
                    raise UserError(
                        f'Tool name {name!r} is offered by both {tools[name].toolset.label} and '
                        f'{tool.toolset.label}; tool names must be unique: rename one with `.renamed()` '
                        'or `.prefixed()`.'
                    )
                tools[name] = tool
        self._last = (offers, tools)
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call the tool through the toolset that offered it."""
        return await tool.toolset.call_tool(name, tool_args, ctx, tool)

    @staticmethod
    def _is_passive(toolset: AbstractToolset[Any]) -> bool:
        """Whether entering the toolset does nothing: `AbstractToolset`'s own enter and exit, all the way down."""
        from ._wrappers import WrapperToolset

        kind = type(toolset)
        if isinstance(toolset, CombinedToolset):
            return toolset._passive
        if isinstance(toolset, WrapperToolset) and kind.__aenter__ is WrapperToolset.__aenter__:
            return kind.__aexit__ is WrapperToolset.__aexit__ and CombinedToolset._is_passive(toolset.wrapped)
        return kind.__aenter__ is AbstractToolset.__aenter__ and kind.__aexit__ is AbstractToolset.__aexit__
