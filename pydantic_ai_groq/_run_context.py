"""`RunContext`, what user functions learn about their run, and the one rule for who receives it.

Tools, system prompts, instructions and output validators may all take a `RunContext` as their
first parameter; `takes_run_context` decides for each of them, and `call_user_function` calls
them with or without it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, get_origin

from typing_extensions import TypeVar

if TYPE_CHECKING:
    from .messages import ModelMessage, UserContent
    from .models import Model
    from .usage import RunUsage

__all__ = ('AgentDepsT', 'RunContext', 'call_user_function', 'is_run_context', 'takes_run_context')

AgentDepsT = TypeVar('AgentDepsT', default=None, contravariant=True)
"""The type of the dependencies an agent hands its tools through `RunContext.deps`."""

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@dataclass
class RunContext(Generic[AgentDepsT]):
    """What a tool (or output validator) gets to know about the run it is called in.

    Attributes:
        deps: The dependencies the run was given.
        model: The model the run uses.
        usage: Usage of the run so far.
        messages: The messages of the run so far.
        prompt: The user prompt the run started with.
        retry: How many times the current tool (or output) has been retried.
        max_retries: How many retries the current tool (or output) is allowed.
        tool_name: The name of the tool being called, if any.
        tool_call_id: The id of the tool call being answered, if any.
        run_step: The number of model requests made so far in the run.
        tool_call_approved: Whether the call being answered was approved by a person (on resume).
        metadata: The run's `metadata=` (a function's dict once the run has started), or `None`.
    """

    deps: AgentDepsT
    model: Model
    usage: RunUsage
    messages: list[ModelMessage] = field(default_factory=list['ModelMessage'])
    prompt: str | Sequence[UserContent] | None = None
    retry: int = 0
    max_retries: int = 0
    tool_name: str | None = None
    tool_call_id: str | None = None
    run_step: int = 0
    tool_call_approved: bool = False
    metadata: dict[str, Any] | None = None

    def with_tool(
        self, tool_name: str, tool_call_id: str | None, retry: int, max_retries: int, *, approved: bool = False
    ) -> RunContext[AgentDepsT]:
        """A copy of this context for one call of a tool.

        Args:
            tool_name: The tool being called.
            tool_call_id: The id of the call.
            retry: How many times the tool has been retried.
            max_retries: How many retries the tool is allowed.
            approved: Whether a person approved the call.

        Returns:
            A new context; this one is left unchanged.
        """
        return dataclasses.replace(
            self,
            tool_name=tool_name,
            tool_call_id=tool_call_id,
            retry=retry,
            max_retries=max_retries,
            tool_call_approved=approved,
        )


def is_run_context(annotation: Any) -> bool:
    """Whether a (resolved) annotation is `RunContext` or `RunContext[DepsT]`."""
    return annotation is RunContext or get_origin(annotation) is RunContext


def takes_run_context(
    parameters: Iterable[inspect.Parameter],
    hints: Mapping[str, Any] | None = None,
    *,
    other_arguments: int | None = None,
) -> bool:
    """Whether a function wants a `RunContext` as its first argument: the one rule for every user function.

    The first positional parameter takes the context when it is annotated `RunContext` (or
    `RunContext[DepsT]`). A function whose other arguments are fixed in number (a prompt takes none,
    an output validator takes the output) needs no annotation: one positional parameter more than
    those is the context. A tool's arguments come from the model by name, so only the annotation tells.

    Args:
        parameters: The function's parameters (those a `functools.partial` binds left out).
        hints: The resolved type hints by parameter name; `None` reads the parameters' annotations as written.
        other_arguments: How many positional arguments the function gets besides the context; `None`
            for a tool, whose arguments are named.

    Returns:
        Whether to pass the context first.
    """
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    if other_arguments is not None and len(positional) > other_arguments:
        return True
    if not positional:
        return False
    first = positional[0]
    return is_run_context(first.annotation if hints is None else hints.get(first.name))


async def call_user_function(function: Callable[..., Any], ctx: RunContext[Any], *args: Any) -> Any:
    """Call a prompt, instructions or validator function, sync or async, with the context first if it wants it.

    Args:
        function: The function.
        ctx: The run's context.
        *args: Its other positional arguments.

    Returns:
        What the function returned (awaited when it is a coroutine function).
    """
    if takes_run_context(inspect.signature(function).parameters.values(), other_arguments=len(args)):
        args = (ctx, *args)
    if inspect.iscoroutinefunction(function):
        return await function(*args)
    return function(*args)
