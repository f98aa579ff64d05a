"""Deferred tool calls: ending a run at calls that wait, and resuming it with `DeferredToolResults`.

A run stops when a tool call needs a person's approval or is executed elsewhere: every other call of
the response is answered, the answers are kept in a last `ModelRequest`, and the output is
`DeferredToolRequests`. The waiting state is the history itself: the last response's calls that have
no answer. `DeferredSteps` is the part of `AgentRun` that ends a run there and resumes one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ._output_steps import _Output  # pyright: ignore[reportPrivateUsage]
from ._run_context import AgentDepsT
from ._tool_calls import DeferredCall, ToolCallSteps, ToolEvent, _sendable, _ToolAnswer  # pyright: ignore[reportPrivateUsage]
from .exceptions import ModelRetry, UserError
from .messages import (
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryPromptPart,
    ToolCallPart,
    ToolReturn,
    ToolReturnPart,
    UserPromptPart,
)
from .tools import DeferredToolRequests, DeferredToolResults, ToolApproved, ToolDenied
from .toolsets import AbstractToolset

__all__ = ('DeferredSteps', 'waiting_calls')


def waiting_calls(messages: Sequence[ModelMessage]) -> tuple[list[ToolCallPart], ModelRequest | None]:
    """The last response's function tool calls that have no answer, and the request answering the others.

    Returns:
        The waiting calls in the response's order (empty when nothing waits), and the `ModelRequest`
        after that response, if the history ends with one.
    """
    for index in range(len(messages) - 1, max(len(messages) - 3, -1), -1):
        response = messages[index]
        if not isinstance(response, ModelResponse):
            continue
        after = messages[index + 1] if index + 1 < len(messages) else None
        assert after is None or isinstance(after, ModelRequest)
        answered = {
            part.tool_call_id
            for part in (after.parts if after else ())
            if isinstance(part, ToolReturnPart | RetryPromptPart)
        }
        return [call for call in response.tool_calls if call.tool_call_id not in answered], after
    return [], None


def check_results(waiting: list[ToolCallPart], results: DeferredToolResults, tool_kinds: dict[str, bool]) -> None:
    """Refuse a resume that does not decide exactly the waiting calls, each in the right way.

    Args:
        waiting: The calls the history waits on.
        results: What the caller gives.
        tool_kinds: By tool name, whether the tool is declared `requires_approval=True`.

    Raises:
        UserError: Naming the call ids at fault and the ids that wait.
    """
    ids = [call.tool_call_id for call in waiting]
    listed = ', '.join(repr(i) for i in ids) or 'none'
    if not ids:
        raise UserError(
            'deferred_tool_results were given, but the message history has no tool calls waiting '
            '(its last response has no unanswered tool call); pass the history of a run that ended with '
            'DeferredToolRequests.'
        )
    both = results.approvals.keys() & results.calls.keys()
    if both:
        raise UserError(f'Tool call ids {sorted(both)} are both in approvals and in calls; give each one decision.')
    unknown = [i for i in (*results.approvals, *results.calls) if i not in ids]
    if unknown:
        raise UserError(
            f'deferred_tool_results names tool call ids that are not waiting: {unknown}; waiting: {listed}.'
        )
    missing = [i for i in ids if i not in results.approvals and i not in results.calls]
    if missing:
        raise UserError(f'Tool calls {missing} are waiting without a decision; give each waiting call ({listed}) one.')
    for call in waiting:
        if call.tool_call_id in results.calls and tool_kinds.get(call.tool_name, False):
            raise UserError(
                f'Tool call {call.tool_call_id!r} of {call.tool_name!r} requires approval: decide it in '
                '`approvals` (True, False, ToolApproved or ToolDenied), not with a result in `calls`.'
            )


def external_answer(call: ToolCallPart, result: Any) -> tuple[ModelRequestPart, UserPromptPart | None]:
    """The answer to a call executed elsewhere: its result, a `ToolReturn`, or a retry prompt for a `ModelRetry`."""
    if isinstance(result, ModelRetry):
        return RetryPromptPart(result.message, call.tool_name, call.tool_call_id), None
    value = _sendable(call.tool_name, result)
    if not isinstance(value, ToolReturn):
        return ToolReturnPart(call.tool_name, value, call.tool_call_id), None
    part = ToolReturnPart(call.tool_name, value.return_value, call.tool_call_id, metadata=value.metadata)
    return part, None if value.content is None else UserPromptPart(value.content)


def _in_call_order(parts: list[ModelRequestPart], response: ModelMessage) -> list[ModelRequestPart]:
    """The answers in the order of the response's calls (as Groq wants them), then the user parts."""
    assert isinstance(response, ModelResponse)
    order = {call.tool_call_id: index for index, call in enumerate(response.tool_calls)}
    answers = [
        part for part in parts if isinstance(part, ToolReturnPart | RetryPromptPart) and part.tool_call_id in order
    ]
    others = [part for part in parts if not any(part is answer for answer in answers)]
    return sorted(answers, key=lambda part: order[part.tool_call_id]) + others


class DeferredSteps(ToolCallSteps[AgentDepsT]):
    """Ends a run at deferred calls, and answers a resumed history's waiting calls; `AgentRun` sets the state."""

    messages: list[ModelMessage]
    new_message_index: int
    _deferred_results: DeferredToolResults | None
    _toolset: AbstractToolset[Any]

    def _start_deferred(self, results: DeferredToolResults | None) -> None:
        self._deferred_results = results
        self._approved_ids: set[str] = set()
        self._deferred_calls = []

    def _end_deferred(self, parts: list[ModelRequestPart]) -> DeferredToolRequests:
        """Make the run's output the calls that wait, keeping the other calls' answers in the history."""
        requests = DeferredToolRequests()
        for deferred in self._deferred_calls:
            (requests.approvals if deferred.kind == 'approval' else requests.calls).append(deferred.call)
            if deferred.metadata is not None:
                requests.metadata[deferred.call.tool_call_id] = deferred.metadata
        if parts:
            self.messages.append(ModelRequest(parts))
        self.output = _Output(requests, None, None)
        return requests

    async def _resume(self, resumed: list[ModelRequestPart]) -> AsyncIterator[ToolEvent]:
        """Answer the calls a resumed history waits on, into `resumed` (before any request).

        A call that waits again (an approved tool raising `CallDeferred`) ends the run at once.
        """
        waiting, after = waiting_calls(self.messages)
        results = self._deferred_results
        if results is None:
            if waiting:
                ids = [call.tool_call_id for call in waiting]
                raise UserError(
                    f'The message history ends with tool calls waiting for results ({ids}); '
                    'resume with deferred_tool_results=DeferredToolResults(approvals=..., calls=...).'
                )
            return
        self._tools = await self._toolset.get_tools(self.ctx)
        kinds = {name: tool.requires_approval is True for name, tool in self._tools.items()}
        check_results(waiting, results, kinds)
        if after is not None:  # the answers the stopped run kept: sent again with the new ones
            self.messages.pop()
            self.new_message_index -= 1
            resumed.extend(after.parts)
        async for event in self._answer_waiting(waiting, results, resumed):
            yield event
        resumed[:] = _in_call_order(resumed, self.messages[-1])
        if self._deferred_calls:
            self._end_deferred(resumed)

    async def _answer_waiting(
        self, waiting: list[ToolCallPart], results: DeferredToolResults, resumed: list[ModelRequestPart]
    ) -> AsyncIterator[ToolEvent]:
        answers: dict[str, ModelRequestPart] = {}
        user_parts: list[UserPromptPart] = []
        to_run: list[ToolCallPart] = []
        for call in waiting:
            decision = results.approvals.get(call.tool_call_id)
            if call.tool_call_id in results.calls:
                answers[call.tool_call_id], user_part = external_answer(call, results.calls[call.tool_call_id])
                user_parts.extend([user_part] if user_part else [])
            elif decision is False or isinstance(decision, ToolDenied):
                message = decision.message if isinstance(decision, ToolDenied) else ToolDenied().message
                answers[call.tool_call_id] = ToolReturnPart(
                    call.tool_name, message, call.tool_call_id, outcome='denied'
                )
            else:
                override = decision.override_args if isinstance(decision, ToolApproved) else None
                to_run.append(call if override is None else dataclasses.replace(call, args=override))
                self._approved_ids.add(call.tool_call_id)
        for call in to_run:
            yield FunctionToolCallEvent(call)
        for call, answer in zip(to_run, await self._run_approved(to_run), strict=True):
            if isinstance(answer, DeferredCall):
                self._defer(answer, False)
                continue
            answers[call.tool_call_id] = answer[0]
            user_parts.extend([answer[1]] if answer[1] else [])
            yield FunctionToolResultEvent(answer[0])
        self._count_tool_failures()
        resumed.extend(answers[call.tool_call_id] for call in waiting if call.tool_call_id in answers)
        resumed.extend(user_parts)

    async def _run_approved(self, calls: list[ToolCallPart]) -> list[_ToolAnswer | DeferredCall]:
        """Run the approved calls like a response's calls (unknown tools get a retry prompt)."""
        known = [call for call in calls if call.tool_name in self._tools]
        if known:
            self._limits.check_before_tool_calls(self.usage, len(known))
        ran = iter(await self._run_tools(known) if known else [])
        answers: list[_ToolAnswer | DeferredCall] = []
        for call in calls:
            if call.tool_name in self._tools:
                answers.append(next(ran))
            else:
                answers.append(
                    (self._tool_failed(call, self._unknown_tool_message(call.tool_name), self._default_retries), None)
                )
        return answers
