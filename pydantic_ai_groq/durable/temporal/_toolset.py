"""`TemporalToolset`: an agent's toolset whose tool calls (and MCP tool lists) run as activities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import pydantic
import pydantic_core
from temporalio import activity, workflow
from typing_extensions import Self

from ..._run_context import RunContext
from ..._tool_calls import _sendable  # pyright: ignore[reportPrivateUsage]
from ...exceptions import ApprovalRequired, CallDeferred, ModelRetry, UserError
from ...messages import ToolReturn, UserContent
from ...models import Model
from ...tools import ToolDefinition
from ...toolsets import AbstractToolset, FunctionToolset, ToolsetTool
from ...toolsets._wrappers import WrapperToolset
from ...usage import RunUsage
from ._config import ActivityConfig
from ._errors import activity_errors, check_payload_size, heartbeating

__all__ = ('CarriedContext', 'TemporalToolset', 'toolset_activities')

_ANY_ARGS = pydantic_core.SchemaValidator(pydantic_core.core_schema.dict_schema())
"""Arguments of tools listed by an activity: the activity validates them with the tool's own validator."""


@dataclass
class CarriedContext:
    """The `RunContext` fields that cross into tool activities; `messages` and `model` do not."""

    deps: Any
    usage: RunUsage
    prompt: str | None
    run_step: int
    retry: int = 0
    max_retries: int = 0
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_call_approved: bool = False

    @classmethod
    def of(cls, ctx: RunContext[Any]) -> CarriedContext:
        """What crosses of a context."""
        prompt = ctx.prompt if isinstance(ctx.prompt, str) else None
        return cls(
            ctx.deps,
            ctx.usage,
            prompt,
            ctx.run_step,
            ctx.retry,
            ctx.max_retries,
            ctx.tool_name,
            ctx.tool_call_id,
            ctx.tool_call_approved,
        )

    def run_context(self, deps: Any, model: Model) -> RunContext[Any]:
        """The context again, in the activity, with the deps loaded as their type and the worker's model."""
        return RunContext(
            deps,
            model,
            self.usage,
            [],
            self.prompt,
            self.retry,
            self.max_retries,
            self.tool_name,
            self.tool_call_id,
            self.run_step,
            self.tool_call_approved,
        )


@dataclass
class ToolInfo:
    """A tool as an activity listed it: everything of a `ToolsetTool` but its validator and toolset."""

    tool_def: ToolDefinition
    max_retries: int | None
    sequential: bool
    timeout: float | None
    requires_approval: bool = False


@dataclass
class ToolCallInput:
    """One tool call: the tool's name, its arguments as JSON, and the context."""

    name: str
    args_json: str
    ctx: CarriedContext


@dataclass
class ToolCallResult:
    """What a tool call gave: a value (or a `ToolReturn`'s parts), a retry prompt for the model, or a deferral."""

    value: Any = None
    retry: str | None = None
    invalid_args: list[dict[str, Any]] | None = None
    deferred: Literal['approval', 'external'] | None = None
    tool_return: bool = False
    content: str | list[UserContent] | None = None
    metadata: Any = None

    def unpacked(self) -> Any:
        """The value as the run loop expects it from `call_tool` (raising `ModelRetry` for a retry)."""
        if self.retry is not None:
            raise ModelRetry(self.retry)
        if self.invalid_args is not None:
            raise _validation_error(self.invalid_args)
        if self.deferred is not None:
            raise (ApprovalRequired if self.deferred == 'approval' else CallDeferred)(self.metadata)
        if self.tool_return:
            return ToolReturn(self.value, content=self.content, metadata=self.metadata)
        return self.value


class TemporalToolset(WrapperToolset[Any]):
    """One of the agent's toolsets in workflow code: calls go to activities, nothing is entered here.

    Function tools are listed in the workflow (their `prepare` functions must be deterministic);
    other toolsets (MCP servers, ...) are listed by an activity too.
    """

    def __init__(
        self,
        wrapped: AbstractToolset[Any],
        activity_prefix: str,
        config: Callable[[str], ActivityConfig],
        max_payload_bytes: int,
    ) -> None:
        super().__init__(wrapped)
        self._prefix = activity_prefix
        self._config = config
        self._max_payload_bytes = max_payload_bytes
        self._lists_in_workflow = isinstance(wrapped, FunctionToolset)

    async def __aenter__(self) -> Self:
        """Nothing to start in workflow code: each activity enters the toolset on its worker."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Nothing to stop."""
        return None

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        """The step's tools: listed here for function tools, by the `get_tools` activity for others."""
        if self._lists_in_workflow:
            return await super().get_tools(ctx)
        infos: list[ToolInfo] = await workflow.execute_activity(  # pyright: ignore[reportUnknownMemberType]
            f'{self._prefix}__get_tools', CarriedContext.of(ctx), result_type=list[ToolInfo], **self._config('')
        )
        return {
            info.tool_def.name: ToolsetTool(
                self,
                info.tool_def,
                info.max_retries,
                _ANY_ARGS,
                info.sequential,
                info.timeout,
                requires_approval=info.requires_approval,
            )
            for info in infos
        }

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        """Run the call as the `call_tool` activity; its result comes from history on replay."""
        call = ToolCallInput(name, pydantic_core.to_json(tool_args).decode(), CarriedContext.of(ctx))
        check_payload_size(workflow.payload_converter(), call, self._max_payload_bytes, f'The call of tool {name!r}')
        result: ToolCallResult = await workflow.execute_activity(  # pyright: ignore[reportUnknownMemberType]
            f'{self._prefix}__call_tool', call, result_type=ToolCallResult, **self._config(name)
        )
        return result.unpacked()


def toolset_activities(
    prefix: str,
    toolset: AbstractToolset[Any],
    load_context: Callable[[CarriedContext], RunContext[Any]],
    max_payload_bytes: int,
) -> list[Callable[..., Any]]:
    """The activities that list and call the tools of `toolset` on a worker."""

    @activity.defn(name=f'{prefix}__get_tools')
    async def get_tools(carried: CarriedContext) -> list[ToolInfo]:
        with activity_errors():
            async with toolset:
                tools = await heartbeating(toolset.get_tools(load_context(carried)))
            return [_tool_info(toolset, tool) for tool in tools.values()]

    @activity.defn(name=f'{prefix}__call_tool')
    async def call_tool(call: ToolCallInput) -> ToolCallResult:
        with activity_errors():
            ctx = load_context(call.ctx)
            async with toolset:
                result = await heartbeating(_call(toolset, call, ctx))
            check_payload_size(
                activity.payload_converter(), result, max_payload_bytes, f'The result of tool {call.name!r}'
            )
            return result

    return [get_tools, call_tool]


async def _call(toolset: AbstractToolset[Any], call: ToolCallInput, ctx: RunContext[Any]) -> ToolCallResult:
    tool = (await toolset.get_tools(ctx)).get(call.name)
    if tool is None:
        raise UserError(f'Tool {call.name!r} is not offered by {toolset.label} on this worker.')
    try:
        args = tool.args_validator.validate_json(call.args_json)
        value = _sendable(call.name, await toolset.call_tool(call.name, args, ctx, tool))
    except ModelRetry as e:
        return ToolCallResult(retry=e.message)
    except (ApprovalRequired, CallDeferred) as e:
        kind = 'approval' if isinstance(e, ApprovalRequired) else 'external'
        return ToolCallResult(deferred=kind, metadata=e.metadata)
    except pydantic.ValidationError as e:
        errors = e.errors(include_url=False, include_context=False)
        return ToolCallResult(invalid_args=pydantic_core.to_jsonable_python(errors, fallback=str))
    if isinstance(value, ToolReturn):
        content = value.content if value.content is None or isinstance(value.content, str) else list(value.content)
        return ToolCallResult(value.return_value, tool_return=True, content=content, metadata=value.metadata)
    return ToolCallResult(value)


def _tool_info(toolset: AbstractToolset[Any], tool: ToolsetTool[Any]) -> ToolInfo:
    rule = tool.requires_approval
    if not isinstance(rule, bool):
        raise UserError(
            f'Tool {tool.tool_def.name!r} of {toolset.label} has a requires_approval predicate, which cannot cross '
            'from the activity that lists the tools to the workflow: use requires_approval=True, or raise '
            'ApprovalRequired in the tool.'
        )
    return ToolInfo(tool.tool_def, tool.max_retries, tool.sequential, tool.timeout, rule)


def _validation_error(errors: list[dict[str, Any]]) -> pydantic.ValidationError:
    """The worker's validation error again, in workflow code: the run loop sends its errors to the model."""
    details: list[pydantic_core.InitErrorDetails] = [
        {'type': pydantic_core.PydanticCustomError(e['type'], e['msg']), 'loc': tuple(e['loc']), 'input': e['input']}
        for e in errors
    ]
    return pydantic.ValidationError.from_exception_data('tool arguments', details)
