"""The toolset interface: where a run's tools come from, chosen each step, called by name.

Function tools, MCP servers and (later) deferred tools are all toolsets. The run loop asks each
toolset for its tools before every model request (`get_tools`), so tools can appear and disappear
between steps, and calls a tool through the toolset that offered it (`call_tool`), with arguments
already validated by the tool's own validator. Durable engines wrap a toolset's calls, not
individual functions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol

from typing_extensions import Self

from .._run_context import AgentDepsT, RunContext
from ..tools import PrepareTools, ToolDefinition

if TYPE_CHECKING:
    from ._wrappers import FilteredToolset, PrefixedToolset, PreparedToolset, RenamedToolset

__all__ = ('AbstractToolset', 'ArgsValidator', 'ToolsetTool')


class ArgsValidator(Protocol):
    """Validates a tool call's JSON arguments (a pydantic-core `SchemaValidator` fits)."""

    def validate_json(self, input: str | bytes, /) -> Any:
        """The validated arguments, or a `pydantic_core.ValidationError`."""
        ...


@dataclass(frozen=True)
class ToolsetTool(Generic[AgentDepsT]):
    """A tool as one toolset offers it for one step.

    Attributes:
        toolset: The toolset that offered the tool, and that `call_tool` goes to.
        tool_def: The definition sent to the model.
        max_retries: How many failures in a row the model may retry; `None` uses the agent's `retries`.
        args_validator: Validates the model's JSON arguments before `call_tool`.
        sequential: Run this tool's calls alone, never beside other calls of the same response.
        timeout: Seconds a call may take before the model gets a retry prompt; `None` for no limit.
        requires_approval: `True`, or a predicate `(ctx, args) -> bool`: calls wait for a person's approval.
        wrapped: For a tool a wrapper renamed (`prefixed`, `renamed`): the tool as the wrapped toolset offered it.
    """

    toolset: AbstractToolset[AgentDepsT]
    tool_def: ToolDefinition
    max_retries: int | None
    args_validator: ArgsValidator
    sequential: bool = False
    timeout: float | None = None
    wrapped: ToolsetTool[AgentDepsT] | None = None
    requires_approval: bool | Callable[..., Any] = False


class AbstractToolset(ABC, Generic[AgentDepsT]):
    """Where tools come from: asked for its tools each step, and to call them.

    Entering a toolset (`async with toolset:`) starts what it needs (an MCP server's process or
    session); it is entered once however many runs share it, and left when the last one leaves:
    implementations count the entries.
    """

    @property
    def label(self) -> str:
        """How errors name this toolset (e.g. `MCP server 'weather'`)."""
        return type(self).__name__

    async def __aenter__(self) -> Self:
        """Start what the toolset needs; nothing by default."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Stop what `__aenter__` started; nothing by default."""
        return None

    @abstractmethod
    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The tools for this step, by name.

        Args:
            ctx: The run's context for the coming model request.
        """

    @abstractmethod
    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call one tool with validated arguments.

        Args:
            name: The tool's name as this toolset offered it.
            tool_args: The arguments, validated by `tool.args_validator`.
            ctx: The run's context, with the call's `tool_name`, `tool_call_id` and `retry` set.
            tool: The tool as `get_tools` returned it for this step.

        Returns:
            What the tool returned (JSON-serialisable); raise `ModelRetry` to ask the model to retry.
        """

    # --- combinators: each returns a new toolset over this one ------------------------------------

    def prefixed(self, prefix: str) -> PrefixedToolset[AgentDepsT]:
        """This toolset with every tool name prefixed `{prefix}_`, e.g. `weather_forecast`.

        Args:
            prefix: The prefix, without the `_` separator.
        """
        from ._wrappers import PrefixedToolset

        return PrefixedToolset(self, prefix)

    def filtered(
        self, filter_func: Callable[[RunContext[AgentDepsT], ToolDefinition], bool]
    ) -> FilteredToolset[AgentDepsT]:
        """This toolset with, each step, only the tools for which `filter_func(ctx, tool_def)` is true.

        Args:
            filter_func: Decides per step and per tool whether the tool is offered.
        """
        from ._wrappers import FilteredToolset

        return FilteredToolset(self, filter_func)

    def renamed(self, name_map: Mapping[str, str]) -> RenamedToolset[AgentDepsT]:
        """This toolset with some tools renamed.

        Args:
            name_map: `{new_name: name_in_this_toolset}`; tools not named keep their names.
        """
        from ._wrappers import RenamedToolset

        return RenamedToolset(self, name_map)

    def prepared(self, prepare_func: PrepareTools[AgentDepsT]) -> PreparedToolset[AgentDepsT]:
        """This toolset with its step's tool definitions passed through `prepare_func(ctx, tool_defs)`.

        Args:
            prepare_func: Returns the definitions to offer (changed, or some left out; not renamed or
                added), or `None` to offer none this step. Sync or async.
        """
        from ._wrappers import PreparedToolset

        return PreparedToolset(self, prepare_func)
