"""`FunctionToolset`: Python functions as a toolset (what `Agent(tools=...)` and `@agent.tool` build)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, TypeVar, cast, overload

from typing_extensions import ParamSpec

from .._run_context import AgentDepsT, RunContext
from ..exceptions import UserError
from ..tools import Tool, ToolDefinition
from ._abstract import AbstractToolset, ToolsetTool

__all__ = ('FunctionToolset',)

_Params = ParamSpec('_Params')
_Return = TypeVar('_Return')
_PlainFunc = TypeVar('_PlainFunc', bound=Callable[..., Any])


class FunctionToolset(AbstractToolset[AgentDepsT]):
    """Python functions the model may call, as one toolset.

    ```python
    toolset = FunctionToolset([get_weather])

    @toolset.tool_plain
    def get_time(city: str) -> str: ...
    ```

    Attributes:
        tools: The tools by name.
        max_retries: The retries of tools that set none; `None` uses the agent's `retries`.
    """

    def __init__(
        self,
        tools: Sequence[Tool[AgentDepsT] | Callable[..., Any]] = (),
        *,
        max_retries: int | None = None,
    ) -> None:
        """Gather functions or `Tool`s into a toolset.

        Args:
            tools: Functions (read as `Tool(function)`) or `Tool`s.
            max_retries: The retries of tools that set none; `None` uses the agent's `retries`.

        Raises:
            UserError: Two tools share a name.
        """
        self.tools: dict[str, Tool[AgentDepsT]] = {}
        self.max_retries = max_retries
        # Tools without `prepare` are the same every step: built once, handed out as they are.
        self._fixed: dict[str, ToolsetTool[AgentDepsT]] = {}
        self._has_prepare = False
        for tool in tools:
            self.add_tool(cast('Tool[AgentDepsT]', tool) if isinstance(tool, Tool) else Tool(tool))

    def add_tool(self, tool: Tool[AgentDepsT]) -> None:
        """Add a tool.

        Raises:
            UserError: The toolset already has a tool of that name.
        """
        if tool.name in self.tools:
            raise UserError(f'Tool name {tool.name!r} is used twice; tool names must be unique.')
        self.tools[tool.name] = tool
        if tool.prepare is None:
            # A new dict, not changed in place: toolsets over this one know it by identity as unchanged.
            self._fixed = {**self._fixed, tool.name: self._toolset_tool(tool, tool.tool_def)}
        else:
            self._has_prepare = True

    @overload
    def tool(
        self, function: Callable[Concatenate[RunContext[AgentDepsT], _Params], _Return], /
    ) -> Callable[Concatenate[RunContext[AgentDepsT], _Params], _Return]: ...

    @overload
    def tool(self, /, **options: Any) -> Callable[[_PlainFunc], _PlainFunc]: ...

    def tool(self, function: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Register a function taking `RunContext` first: `@toolset.tool` or `@toolset.tool(name=..., ...)`.

        Options are `Tool`'s keyword arguments (`name`, `description`, `max_retries`, `prepare`,
        `sequential`, `timeout`, ...).
        """
        return self._decorator(function, True, options)

    @overload
    def tool_plain(self, function: _PlainFunc, /) -> _PlainFunc: ...

    @overload
    def tool_plain(self, /, **options: Any) -> Callable[[_PlainFunc], _PlainFunc]: ...

    def tool_plain(self, function: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        """Register a function without `RunContext`: `@toolset.tool_plain` or `@toolset.tool_plain(...)`."""
        return self._decorator(function, False, options)

    def _decorator(self, function: Callable[..., Any] | None, takes_ctx: bool, options: dict[str, Any]) -> Any:
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_tool(Tool(func, takes_ctx=takes_ctx, **options))
            return func

        return register(function) if function is not None else register

    def _toolset_tool(self, tool: Tool[AgentDepsT], tool_def: ToolDefinition) -> ToolsetTool[AgentDepsT]:
        return ToolsetTool(
            toolset=self,
            tool_def=tool_def,
            max_retries=self.max_retries if tool.max_retries is None else tool.max_retries,
            args_validator=tool.function_schema,
            sequential=tool.sequential,
            timeout=tool.timeout,
            requires_approval=tool.requires_approval,
        )

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools for this step: each `Tool`'s `prepare` may change or hide it."""
        if not self._has_prepare:
            return self._fixed
        tools: dict[str, ToolsetTool[AgentDepsT]] = {}
        for name, tool in self.tools.items():
            if tool.prepare is None:
                tools[name] = self._fixed[name]
                continue
            prepared = tool.prepare(ctx, tool.tool_def)
            tool_def = await prepared if inspect.isawaitable(prepared) else prepared
            if tool_def is None:
                continue
            if tool_def.name != name:
                raise UserError(f'Tool {name!r}: prepare renamed it to {tool_def.name!r}; use `.renamed()` instead.')
            tools[name] = self._toolset_tool(tool, tool_def)
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call the function with validated arguments (sync functions in a worker thread)."""
        return await self.tools[name].function_schema.call(tool_args, ctx)
