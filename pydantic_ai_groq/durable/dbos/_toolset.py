"""`DBOSToolset`: a toolset whose tool calls are DBOS steps, their returns checkpointed as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic
import pydantic_core

from ..._run_context import AgentDepsT, RunContext
from ...exceptions import ModelRetry, UserError
from ...messages import ToolReturn
from ...tools import ToolDefinition
from ...toolsets import AbstractToolset, ToolsetTool, WrapperToolset
from ._steps import StepConfig, run_step

__all__ = ('DBOSMCPToolset', 'DBOSToolset')


@dataclass
class _ToolOutcome:
    """What one tool call's step records: the return value, a `ToolReturn`, or the `ModelRetry` message."""

    value: Any = None
    tool_return: ToolReturn | None = None
    retry: str | None = None


_OUTCOME = pydantic.TypeAdapter(_ToolOutcome)


class DBOSToolset(WrapperToolset[AgentDepsT]):
    """A toolset whose every tool call is one DBOS step, named `{step_prefix}.tool.{tool_name}`.

    A call that completed is not run again when its workflow resumes: its return (JSON, or the
    `ModelRetry` it raised) is read back from the step. A call in flight when the process died runs
    again (at least once per step). Tools are listed by the wrapped toolset each step, as in a
    plain run.

    Args:
        wrapped: The toolset whose calls become steps.
        step_prefix: Step names start with it; it must stay the same across deployments.
        step_config: How DBOS retries a call that raised; `None` (default) never retries a tool,
            whose side effects only the tool's author knows.
    """

    def __init__(
        self, wrapped: AbstractToolset[AgentDepsT], step_prefix: str, step_config: StepConfig | None = None
    ) -> None:
        super().__init__(wrapped)
        self.step_prefix = step_prefix
        self.step_config = step_config

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[AgentDepsT], tool: ToolsetTool[AgentDepsT]
    ) -> Any:
        """Call the tool as a DBOS step, or read its recorded return back when the workflow resumes."""

        async def step() -> str:
            try:
                returned = await super(DBOSToolset, self).call_tool(name, tool_args, ctx, tool)
            except ModelRetry as e:
                return _OUTCOME.dump_json(_ToolOutcome(retry=e.message)).decode()
            outcome = _ToolOutcome(tool_return=returned) if isinstance(returned, ToolReturn) else _ToolOutcome(returned)
            try:
                return _OUTCOME.dump_json(outcome).decode()
            except (pydantic_core.PydanticSerializationError, ValueError) as e:
                raise UserError(
                    f'Tool {name!r} returned a {type(returned).__name__} that cannot be serialised to JSON ({e}); '
                    'return text, numbers, lists, dicts, pydantic models or dataclasses.'
                ) from e

        outcome = _OUTCOME.validate_json(await run_step(f'{self.step_prefix}.tool.{name}', step, self.step_config))
        if outcome.retry is not None:
            raise ModelRetry(outcome.retry)
        return outcome.tool_return if outcome.tool_return is not None else outcome.value


_TOOL_DEFS = pydantic.TypeAdapter(list[ToolDefinition])
# An MCP tool's arguments are a JSON object the server validates: what MCP servers' own tools use.
_ANY_OBJECT = pydantic.TypeAdapter(dict[str, Any])


class DBOSMCPToolset(WrapperToolset[AgentDepsT]):
    """An MCP server whose tool list is a DBOS step each model request, named `{step_prefix}.get_tools`.

    A resumed run reads the list it offered back from the step, without asking the server (which may
    have changed its tools since); calls go to the server as usual (a `DBOSToolset` around the run's
    tools makes them steps).

    Args:
        wrapped: The MCP server (any toolset whose tools take JSON objects the toolset validates).
        step_prefix: Step names start with it; it must stay the same across deployments.
    """

    def __init__(self, wrapped: AbstractToolset[AgentDepsT], step_prefix: str) -> None:
        super().__init__(wrapped)
        self.step_prefix = step_prefix

    async def get_tools(self, ctx: RunContext[AgentDepsT]) -> dict[str, ToolsetTool[AgentDepsT]]:
        """The server's tools, listed in a DBOS step, or read back from it when the workflow resumes."""
        listed: dict[str, ToolsetTool[AgentDepsT]] = {}

        async def step() -> str:
            listed.update(await self.wrapped.get_tools(ctx))
            return _TOOL_DEFS.dump_json([tool.tool_def for tool in listed.values()]).decode()

        tool_defs = _TOOL_DEFS.validate_json(await run_step(f'{self.step_prefix}.get_tools', step))
        if not listed:  # read back: the same tools, rebuilt as the server offers them
            retries: int | None = getattr(self.wrapped, 'max_retries', None)
            listed = {d.name: ToolsetTool(self.wrapped, d, retries, _ANY_OBJECT) for d in tool_defs}
        return self._claim(listed, lambda name: name)
