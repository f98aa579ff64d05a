"""Output during a run: validating a text answer or an output tool's arguments, the output validators, retries.

`OutputSteps` is the part of `AgentRun` that decides whether a response gives the run its output,
and counts output failures against the retry limit.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

import pydantic
from pydantic_core import ErrorDetails

from ._function_schema import describe_validation_errors
from ._output import ObjectOutput, OutputSchema, strip_markdown_fence
from ._run_context import AgentDepsT, RunContext, call_user_function
from .exceptions import ModelRetry, UnexpectedModelBehavior
from .messages import ModelRequestPart, RetryPromptPart

# Named after the public module: the run loop is the agent's, whichever private modules hold it.
run_logger = logging.getLogger('pydantic_ai_groq.agent')

__all__ = ('OutputSteps', 'describe_problem')


@dataclass
class _Output:
    value: Any
    tool_name: str | None
    tool_call_id: str | None


def _problem_for_model(error: pydantic.ValidationError) -> str:
    """What was wrong with the output, in pydantic's words, for a retry prompt (content, not telemetry)."""
    errors = error.errors(include_url=False)
    return '; '.join(f'{".".join(map(str, e["loc"]))}: {e["msg"]}' if e['loc'] else e['msg'] for e in errors)


def describe_problem(error: ModelRetry | pydantic.ValidationError | str | list[ErrorDetails]) -> str:
    """What went wrong, told to the user (a retry prompt's text speaks to the model)."""
    if isinstance(error, ModelRetry):
        return error.message
    if isinstance(error, pydantic.ValidationError):
        error = error.errors(include_url=False)
    if isinstance(error, str):
        return error
    # Locations and error types only: this message reaches spans, and the values may be private (the
    # chained ValidationError has them).
    return describe_validation_errors(error)


class OutputSteps(Generic[AgentDepsT]):
    """Turns an answer into the run's output or a retry prompt; `AgentRun` sets the state it uses."""

    ctx: RunContext[AgentDepsT]
    output_schema: OutputSchema
    output: _Output | None
    _output_validators: Sequence[Callable[..., Any]]
    _output_retries: int
    # Output failures: each response counts at most one.
    _output_failures: int
    _output_failure_step: int
    # Where only the instructions carry the output schema, retry prompts repeat it.
    _expected_output: str | None

    async def _handle_text(self, text: str, parts: list[ModelRequestPart]) -> None:
        schema = self.output_schema
        if schema.object_output is not None:
            output = schema.object_output
            try:
                value = output.validate_json(strip_markdown_fence(text))
            except pydantic.ValidationError as e:
                self._output_failed(self._json_text_retry(e), parts, output, e)
                return
            await self._finish(value, None, None, parts, output)
        elif schema.text_function is not None:
            try:
                value = await call_user_function(schema.text_function, self._output_context(None, None, None), text)
            except ModelRetry as e:
                self._output_failed(RetryPromptPart(e.message), parts, None, e)
                return
            await self._finish(value, None, None, parts, None)
        elif schema.allow_text:
            await self._finish(text, None, None, parts, None)
        else:
            names = ', '.join(schema.tools)
            message = f'Plain text responses are not permitted, please include your response in a tool call ({names}).'
            self._output_failed(RetryPromptPart(message), parts)

    def _json_text_retry(self, error: pydantic.ValidationError) -> RetryPromptPart:
        """The retry prompt for JSON output text that does not validate (repeating the schema where needed)."""
        if self._expected_output is None:
            return RetryPromptPart(error.errors(include_url=False))
        return RetryPromptPart(
            f'Your answer is not the output asked for: {_problem_for_model(error)}. {self._expected_output}'
        )

    async def _finish(
        self,
        value: Any,
        tool_name: str | None,
        tool_call_id: str | None,
        parts: list[ModelRequestPart],
        output: ObjectOutput | None,
    ) -> bool:
        """Run the output validators; set the output, or add a retry prompt. Returns whether it is final."""
        try:
            for validator in self._output_validators:
                value = await call_user_function(
                    validator, self._output_context(tool_name, tool_call_id, output), value
                )
        except ModelRetry as e:
            retry = RetryPromptPart(e.message, tool_name, tool_call_id) if tool_call_id else RetryPromptPart(e.message)
            self._output_failed(retry, parts, output, e)
            return False
        self.output = _Output(value, tool_name, tool_call_id)
        return True

    def _output_limit(self, output: ObjectOutput | None) -> int:
        if output is not None and output.max_retries is not None:
            return output.max_retries
        return self._output_retries

    def _output_context(
        self, tool_name: str | None, tool_call_id: str | None, output: ObjectOutput | None
    ) -> RunContext[AgentDepsT]:
        """The context an output validator sees: `retry` counts the responses whose output failed before."""
        retry = self._output_failures - (self._output_failure_step == self.ctx.run_step)
        return dataclasses.replace(
            self.ctx,
            retry=retry,
            max_retries=self._output_limit(output),
            tool_name=tool_name,
            tool_call_id=tool_call_id,
        )

    def _output_failed(
        self,
        retry: RetryPromptPart,
        parts: list[ModelRequestPart],
        output: ObjectOutput | None = None,
        cause: ModelRetry | pydantic.ValidationError | None = None,
        reason: str = 'no valid output',
    ) -> None:
        limit = self._output_limit(output)
        if self._output_failure_step != self.ctx.run_step:
            self._output_failure_step = self.ctx.run_step
            self._output_failures += 1
        if self._output_failures > limit:
            problem = describe_problem(retry.content if cause is None else cause)
            raise UnexpectedModelBehavior(
                f'Exceeded maximum output retries ({limit}); the last problem was: {problem}'
            ) from cause
        if cause is not None:
            reason = 'ModelRetry from an output validator' if isinstance(cause, ModelRetry) else 'validation failed'
        tool = f' of tool {retry.tool_name!r}' if retry.tool_name else ''
        run_logger.debug('Retrying the output%s (%s): retry %d of %d', tool, reason, self._output_failures, limit)
        parts.append(retry)
