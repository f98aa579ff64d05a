"""Answering a response's tool calls: output tools, function tools run concurrently, and failure counting.

`ToolCallSteps` is the part of `AgentRun` that handles a response with tool calls; the run loop
is in `_run`, output validation and output retries in `_output_steps`.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import anyio
import pydantic
import pydantic_core
from pydantic_core import ErrorDetails

from ._output_steps import OutputSteps, describe_problem, run_logger
from ._run_context import AgentDepsT, RunContext
from .exceptions import ApprovalRequired, CallDeferred, ModelRetry, UnexpectedModelBehavior, UserError
from .messages import (
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelRequestPart,
    OutputToolCallEvent,
    OutputToolResultEvent,
    RetryPromptPart,
    ToolCallPart,
    ToolReturn,
    ToolReturnPart,
    UserPromptPart,
)

if TYPE_CHECKING:
    from .instrumentation._run import RunTelemetry
    from .toolsets import ToolsetTool
    from .usage import RunUsage, UsageLimits

__all__ = ('DeferredCall', 'EndStrategy', 'ToolCallSteps')

EndStrategy = Literal['early', 'exhaustive']
"""`early`: once the output tool is called, other tools in that response are not run; `exhaustive`: run them all."""

NOT_EXECUTED = 'Tool not executed - a final result was already processed.'
FINAL_RESULT_PROCESSED = 'Final result processed.'
OUTPUT_TOOL_NOT_USED = 'Output tool not used - a final result was already processed.'

ToolEvent = FunctionToolCallEvent | FunctionToolResultEvent | OutputToolCallEvent | OutputToolResultEvent
"""The events of answering a response's tool calls."""

_ToolAnswer = tuple[ToolReturnPart | RetryPromptPart, UserPromptPart | None]
"""What goes back for one call: its `tool` message part, and the user content of a `ToolReturn`, if any."""


@dataclass
class DeferredCall:
    """A call the run does not answer now: it waits for approval or for a result from elsewhere."""

    call: ToolCallPart
    kind: Literal['approval', 'external']
    metadata: dict[str, Any] | None = None


@dataclass
class _ToolFailure:
    """A tool's last failure in the response being answered."""

    retry: RetryPromptPart
    max_retries: int
    cause: ModelRetry | pydantic.ValidationError | None


class ToolCallSteps(OutputSteps[AgentDepsT]):
    """Handles the tool calls of one response; `AgentRun` sets the state it uses."""

    usage: RunUsage
    telemetry: RunTelemetry | None
    _tools: dict[str, ToolsetTool[Any]]  # this step's function tools, from the run's toolsets
    _limits: UsageLimits
    _end_strategy: EndStrategy
    _default_retries: int
    # Failures in a row per tool: each response counts at most one per tool.
    _tool_failures: dict[str, int]
    _response_tool_failures: dict[str, _ToolFailure]
    _response_tool_successes: set[str]
    # Calls a person approved (on resume), and the calls of this run that wait.
    _approved_ids: set[str]
    _deferred_calls: list[DeferredCall]

    async def _handle_tool_calls(
        self, calls: list[ToolCallPart], parts: list[ModelRequestPart]
    ) -> AsyncIterator[ToolEvent]:
        self._response_tool_failures.clear()
        self._response_tool_successes.clear()
        self._deferred_calls.clear()
        answers: list[ModelRequestPart | None] = [None] * len(calls)
        final = False
        for index, call in enumerate(calls):
            output = self.output_schema.tools.get(call.tool_name)
            if output is None:
                continue
            if final:
                answers[index] = ToolReturnPart(call.tool_name, OUTPUT_TOOL_NOT_USED, call.tool_call_id)
                continue
            retry_parts: list[ModelRequestPart] = []
            yield OutputToolCallEvent(call)
            try:
                value = output.validate_json(call.args_as_json_str())
            except pydantic.ValidationError as e:
                retry = RetryPromptPart(e.errors(include_url=False), call.tool_name, call.tool_call_id)
                self._output_failed(retry, retry_parts, output, e)
            else:
                final = await self._finish(value, call.tool_name, call.tool_call_id, retry_parts, output)
            answers[index] = returned = (
                ToolReturnPart(call.tool_name, FINAL_RESULT_PROCESSED, call.tool_call_id) if final else retry_parts[0]
            )
            if isinstance(returned, ToolReturnPart):
                yield OutputToolResultEvent(returned)
        to_run: list[int] = []
        user_parts: list[UserPromptPart] = []
        for index, call in enumerate(calls):
            if answers[index] is not None:
                continue
            if final and self._end_strategy == 'early':
                answers[index] = ToolReturnPart(call.tool_name, NOT_EXECUTED, call.tool_call_id)
            elif call.tool_name in self._tools:
                to_run.append(index)
            else:
                answers[index] = self._tool_failed(
                    call, self._unknown_tool_message(call.tool_name), self._default_retries
                )
        if to_run:
            self._limits.check_before_tool_calls(self.usage, len(to_run))
            for index in to_run:
                yield FunctionToolCallEvent(calls[index])
            results = await self._run_tools([calls[index] for index in to_run])
            for index, answer in zip(to_run, results, strict=True):
                if isinstance(answer, DeferredCall):
                    answers[index] = self._defer(answer, final)
                    continue
                answers[index] = result = answer[0]
                user_part = answer[1]
                if user_part is not None:
                    user_parts.append(user_part)
                yield FunctionToolResultEvent(result)
        self._count_tool_failures()
        parts.extend(answer for answer in answers if answer is not None)
        # After every tool message: Groq wants the `tool` messages right after the assistant's tool calls.
        parts.extend(user_parts)

    def _defer(self, deferred: DeferredCall, final: bool) -> ToolReturnPart | None:
        """Keep a call waiting on a person or elsewhere; "not executed" when the output already ended the run."""
        if final:  # the output tool ended the run (exhaustive): no resume will answer the call
            return ToolReturnPart(deferred.call.tool_name, NOT_EXECUTED, deferred.call.tool_call_id)
        if not self.output_schema.allow_deferred:
            what = 'requires approval' if deferred.kind == 'approval' else 'was deferred (CallDeferred)'
            raise UserError(
                f'Tool call {deferred.call.tool_name!r} {what}, but the output type cannot hold '
                'DeferredToolRequests: declare it, e.g. output_type=[str, DeferredToolRequests].'
            )
        self._deferred_calls.append(deferred)
        return None

    def _unknown_tool_message(self, name: str) -> str:
        available = [*self._tools, *self.output_schema.tools]
        listed = ', '.join(repr(n) for n in available) if available else 'none'
        return f'Unknown tool name: {name!r}. Available tools: {listed}'

    def _tool_failed(
        self,
        call: ToolCallPart,
        error: str | list[ErrorDetails],
        max_retries: int,
        cause: ModelRetry | pydantic.ValidationError | None = None,
    ) -> RetryPromptPart:
        """The retry prompt for a failed call; the failure is counted once the whole response is answered."""
        retry = RetryPromptPart(error, call.tool_name, call.tool_call_id)
        self._response_tool_failures[call.tool_name] = _ToolFailure(retry, max_retries, cause)
        return retry

    def _count_tool_failures(self) -> None:
        """Count one failure per tool that failed in this response, whatever its number of failed calls.

        A tool whose calls all succeeded starts its count over. Calls finish in any order, so the
        counting waits for the whole response.
        """
        for name in self._response_tool_successes - self._response_tool_failures.keys():
            self._tool_failures.pop(name, None)
        for name, failure in self._response_tool_failures.items():
            failures = self._tool_failures.get(name, 0) + 1
            self._tool_failures[name] = failures
            if failures > failure.max_retries:
                problem = describe_problem(failure.retry.content if failure.cause is None else failure.cause)
                raise UnexpectedModelBehavior(
                    f'Tool {name!r} exceeded its retry limit of {failure.max_retries}; the last error was: {problem}'
                ) from failure.cause
            cause = failure.cause
            kind = 'ModelRetry' if isinstance(cause, ModelRetry) else 'invalid arguments' if cause else 'unknown tool'
            run_logger.debug('Retrying tool %r (%s): retry %d of %d', name, kind, failures, failure.max_retries)

    async def _run_tools(self, calls: list[ToolCallPart]) -> list[_ToolAnswer | DeferredCall]:
        if len(calls) == 1:
            return [await self._run_tool(calls[0])]
        if any(self._tools[call.tool_name].sequential for call in calls):
            # A tool that must not run beside others: the response's calls run one after another, in order.
            return [await self._run_tool(call) for call in calls]
        results: list[_ToolAnswer | DeferredCall | BaseException | None] = [None] * len(calls)

        async def run_one(index: int) -> None:
            try:
                results[index] = await self._run_tool(calls[index])
            except Exception as e:  # re-raised below, in call order, without a task-group wrapper
                results[index] = e

        async with anyio.create_task_group() as group:
            for index in range(len(calls)):
                group.start_soon(run_one, index)
        returns: list[_ToolAnswer | DeferredCall] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            assert result is not None
            returns.append(result)
        return returns

    async def _run_tool(self, call: ToolCallPart) -> _ToolAnswer | DeferredCall:
        tool = self._tools[call.tool_name]
        max_retries = self._default_retries if tool.max_retries is None else tool.max_retries
        ctx = self.ctx.with_tool(
            call.tool_name,
            call.tool_call_id,
            self._tool_failures.get(call.tool_name, 0),
            max_retries,
            approved=call.tool_call_id in self._approved_ids,
        )
        try:
            execution = self._execute_tool(call, tool, ctx)
            if self.telemetry is None:
                result = await execution
            else:
                result = await self.telemetry.execute_tool(call, tool.tool_def.description, execution)
        except pydantic.ValidationError as e:
            return self._tool_failed(call, e.errors(include_url=False), max_retries, e), None
        except ModelRetry as e:
            return self._tool_failed(call, e.message, max_retries, e), None
        except (ApprovalRequired, CallDeferred) as e:
            return DeferredCall(call, 'approval' if isinstance(e, ApprovalRequired) else 'external', e.metadata)
        self._response_tool_successes.add(call.tool_name)
        if not isinstance(result, ToolReturn):
            return ToolReturnPart(call.tool_name, result, call.tool_call_id), None
        part = ToolReturnPart(call.tool_name, result.return_value, call.tool_call_id, metadata=result.metadata)
        return part, None if result.content is None else UserPromptPart(result.content)

    async def _execute_tool(self, call: ToolCallPart, tool: ToolsetTool[Any], ctx: RunContext[Any]) -> Any:
        args = tool.args_validator.validate_json(call.args_as_json_str())
        if not ctx.tool_call_approved and await _needs_approval(tool, ctx, args):
            raise ApprovalRequired
        self.usage.tool_calls += 1
        if tool.timeout is None:
            # Converted here, inside the tool's span: a value that cannot be sent fails the tool call.
            return _sendable(call.tool_name, await tool.toolset.call_tool(call.tool_name, args, ctx, tool))
        with anyio.move_on_after(tool.timeout):
            return _sendable(call.tool_name, await tool.toolset.call_tool(call.tool_name, args, ctx, tool))
        raise ModelRetry(f'Timed out after {tool.timeout:g} seconds; the call was abandoned.')


async def _needs_approval(tool: ToolsetTool[Any], ctx: RunContext[Any], args: dict[str, Any]) -> bool:
    """Whether a call must wait for a person: `requires_approval=True`, or its predicate says so for these args."""
    rule = tool.requires_approval
    if not callable(rule):
        return rule
    decision = rule(ctx, args)
    return bool(await decision if inspect.isawaitable(decision) else decision)


def _sendable(tool_name: str, value: Any) -> Any:
    """What a tool returned, ready to send: JSON data, or a `ToolReturn` whose return value is JSON data."""
    if not isinstance(value, ToolReturn):
        return _jsonable(tool_name, value)
    content = value.content
    if content is not None and not isinstance(content, str | list | tuple):
        raise UserError(
            f'Tool {tool_name!r} returned a ToolReturn whose content is a {type(content).__name__}; '
            'content is text or a list of text, ImageUrl and BinaryContent items.'
        )
    return ToolReturn(_jsonable(tool_name, value.return_value), content=content, metadata=value.metadata)


def _jsonable(tool_name: str, value: Any) -> Any:
    """What a tool returned, as the JSON data sent to the model (text stays text).

    Raises:
        UserError: The value cannot be sent (not JSON-serialisable, non-UTF-8 bytes, lone surrogates,
            a cycle): the tool's code must change, so no retry prompt could help the model.
    """
    try:
        if isinstance(value, str):
            if not value.isascii():
                value.encode()  # lone surrogates cannot be encoded to be sent
            return value
        # Serialised once as it will be sent, so everything that cannot be sent fails here.
        return pydantic_core.from_json(pydantic_core.to_json(value))
    except (ValueError, RecursionError) as e:  # PydanticSerializationError and UnicodeError are ValueErrors
        raise UserError(
            f'Tool {tool_name!r} returned a {type(value).__name__} that cannot be serialised to JSON '
            f'({e}); return text (decode or base64-encode bytes), numbers, lists, dicts, pydantic models, '
            'dataclasses or other JSON-serialisable values, without cycles.'
        ) from e
