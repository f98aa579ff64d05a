"""`DBOSToolset`: a toolset whose tool calls are DBOS steps, their returns checkpointed as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic
import pydantic_core

from ..._run_context import AgentDepsT, RunContext
from ...exceptions import ModelRetry, UserError
from ...messages import ToolReturn
from ...toolsets import AbstractToolset, ToolsetTool, WrapperToolset
from ._steps import StepConfig, run_step

__all__ = ('DBOSToolset',)


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
