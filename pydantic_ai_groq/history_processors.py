"""History processors: functions that choose which messages of a run are sent before each request.

`Agent(history_processors=[...])` runs them in order on a copy of the run's messages before every
model request; what they leave out is still in `result.all_messages()`. A processor must keep every
response's tool calls together with the request answering them (Groq rejects a tool call without its
return, and a return without its call): one that separates them fails the run with a `UserError`
before the request is sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias, cast

from ._run_context import RunContext, call_user_function
from .exceptions import UserError
from .messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    ToolReturnPart,
    UserPromptPart,
)

__all__ = ('HistoryProcessor', 'keep_last_turns')

HistoryProcessor: TypeAlias = Callable[..., list[ModelMessage] | Awaitable[list[ModelMessage]]]
"""`(messages) -> messages` or `(ctx, messages) -> messages`, sync or async."""


def keep_last_turns(n: int) -> Callable[[list[ModelMessage]], list[ModelMessage]]:
    """A history processor that sends the system prompts and the last `n` turns only.

    A turn starts at a request holding a user prompt (and no tool return) and runs up to the next
    such request, so each tool call stays with its return. The first request's system prompt parts
    are put in front of the oldest turn kept.

    Args:
        n: How many turns to keep (>= 1); the current turn is one of them.

    Returns:
        The processor, for `Agent(history_processors=[keep_last_turns(n)])`.

    Raises:
        UserError: When `n` is less than 1.
    """
    if n < 1:
        raise UserError(f'keep_last_turns(n) keeps at least the current turn: n must be >= 1, got {n}.')

    def processor(messages: list[ModelMessage]) -> list[ModelMessage]:
        starts = [i for i, message in enumerate(messages) if _starts_turn(message)]
        if len(starts) <= n:
            return messages
        cut = starts[-n]
        kept = messages[cut:]
        first = messages[0]
        system = [p for p in first.parts if isinstance(p, SystemPromptPart)] if isinstance(first, ModelRequest) else []
        oldest = kept[0]
        if system and isinstance(oldest, ModelRequest):
            kept[0] = dataclasses.replace(oldest, parts=[*system, *oldest.parts])
        return kept

    processor.__qualname__ = processor.__name__ = f'keep_last_turns({n})'
    return processor


def _starts_turn(message: ModelMessage) -> bool:
    if not isinstance(message, ModelRequest):
        return False
    parts = message.parts
    return any(isinstance(p, UserPromptPart) for p in parts) and not any(_answer(p) for p in parts)


async def process_history(
    processors: Sequence[HistoryProcessor], ctx: RunContext[Any], messages: list[ModelMessage]
) -> list[ModelMessage]:
    """The messages to send: `messages` passed through each processor in order, each result checked.

    Args:
        processors: The agent's history processors.
        ctx: The run's context (given to processors that take it).
        messages: The run's messages; not changed (each processor gets a copy).

    Returns:
        The messages to send; the newest request keeps its instructions.

    Raises:
        UserError: When a processor returns no list, an empty list or one that does not end with a
            request, or separates a tool call from its return.
    """
    current = messages
    problems = _pairing_problems(current)
    for processor in processors:
        result: object = await call_user_function(processor, ctx, list(current))
        name = getattr(processor, '__qualname__', repr(processor))
        if (misfit := _misfit(result)) is not None:
            raise UserError(
                f'History processor {name} must return a non-empty list of messages ending with the request '
                f'to send, got {misfit}.'
            )
        processed = cast(list[ModelMessage], result)
        found = _pairing_problems(processed)
        broken = [problem for call_id, problem in found.items() if call_id not in problems]
        if broken:
            raise UserError(
                f'History processor {name} separated a tool call from its return: {broken[0]}. '
                'Keep each response with tool calls together with the request after it (keep_last_turns does).'
            )
        current, problems = processed, found
    newest, sent = messages[-1], current[-1]
    if isinstance(newest, ModelRequest) and isinstance(sent, ModelRequest) and sent.instructions is None:
        current[-1] = dataclasses.replace(sent, instructions=newest.instructions)
    return current


def _misfit(result: object) -> str | None:
    """What is wrong with a processor's result, or `None` when it is a list of messages to send."""
    if not isinstance(result, list):
        return f'a {type(result).__name__}'
    items = cast(list[object], result)
    if not items:
        return 'an empty list'
    if not isinstance(items[-1], ModelRequest):
        return f'a list ending with a {type(items[-1]).__name__}'
    return None


def _pairing_problems(messages: Sequence[ModelMessage]) -> dict[str, str]:
    """Each tool call without its return, and each return without its call, by tool call id."""
    problems: dict[str, str] = {}
    for index, message in enumerate(messages):
        if isinstance(message, ModelRequest):
            before = messages[index - 1] if index else None
            calls = {c.tool_call_id for c in before.tool_calls} if isinstance(before, ModelResponse) else set[str]()
            for call_id, tool_name in filter(None, map(_answer, message.parts)):
                if call_id not in calls:
                    problems[call_id] = (
                        f'the return of tool call {call_id!r} ({tool_name}) does not follow the response that made it'
                    )
            continue
        after = messages[index + 1] if index + 1 < len(messages) else None
        answered = {a[0] for a in map(_answer, after.parts) if a} if isinstance(after, ModelRequest) else set[str]()
        for call in message.tool_calls:
            if call.tool_call_id not in answered:
                problems[call.tool_call_id] = (
                    f'tool call {call.tool_call_id!r} ({call.tool_name}) is not answered by the request after it'
                )
    return problems


def _answer(part: ModelRequestPart) -> tuple[str, str] | None:
    """The tool call id and tool name a part answers (it is sent as a `tool` message), if any."""
    if isinstance(part, ToolReturnPart) or (isinstance(part, RetryPromptPart) and part.tool_name is not None):
        return part.tool_call_id, part.tool_name or ''
    return None
