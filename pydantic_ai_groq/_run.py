"""The run loop: request, read the response, run tools or validate output, repeat.

One driver serves `run`, `run_stream` and `run_stream_events`: `AgentRun.events()` yields
the run's events (model stream events only when streaming) and leaves the output, the
messages and the usage on the `AgentRun`.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal

import anyio
import pydantic
import pydantic_core
from pydantic_core import ErrorDetails

from ._function_schema import describe_validation_errors
from .exceptions import ModelRetry, UnexpectedModelBehavior, UserError
from .messages import (
    FinalResultEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    ModelResponseStreamEvent,
    PartStartEvent,
    RetryPromptPart,
    SystemPromptPart,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
    UserPromptPart,
)
from .models import Model, ModelRequestParameters
from .output import ObjectOutput, OutputSchema, strip_markdown_fence
from .settings import ModelSettings
from .tools import AgentDepsT, RunContext, Tool
from .usage import RunUsage, UsageLimits

if TYPE_CHECKING:
    from ._function_schema import FunctionSchema
    from .instrumentation import InstrumentationSettings
    from .instrumentation._run import RunTelemetry

__all__ = ('AgentRun', 'AgentStreamEvent', 'EndStrategy', 'OutputValidator', 'SystemPromptFunc', 'capture_run_messages')

EndStrategy = Literal['early', 'exhaustive']
"""`early`: once the output tool is called, other tools in that response are not run; `exhaustive`: run them all."""

AgentStreamEvent = ModelResponseStreamEvent | FunctionToolCallEvent | FunctionToolResultEvent | FinalResultEvent
"""An event of a run, before its final `AgentRunResultEvent`."""

SystemPromptFunc = Callable[..., str | Awaitable[str]]
"""A function (sync or async, optionally taking `RunContext`) returning a prompt or instructions."""

OutputValidator = Callable[..., Any]
"""A function (sync or async, optionally taking `RunContext` first) that checks or fixes the output."""

NOT_EXECUTED = 'Tool not executed - a final result was already processed.'
FINAL_RESULT_PROCESSED = 'Final result processed.'
OUTPUT_TOOL_NOT_USED = 'Output tool not used - a final result was already processed.'
EMPTY_RESPONSE = 'Responses without text or tool calls are not permitted; answer or call a tool.'

# Named after the public module: the run loop is the agent's, whichever private module holds it.
_logger = logging.getLogger('pydantic_ai_groq.agent')


@dataclass
class _Capture:
    messages: list[ModelMessage]
    taken: bool = False


_capture: ContextVar[_Capture | None] = ContextVar('_capture', default=None)


class capture_run_messages:
    """Keep the messages of the first run started inside the block, even when it fails.

    ```python
    with capture_run_messages() as messages:
        try:
            await agent.run('...')
        except UnexpectedModelBehavior:
            print(messages)  # everything sent and received up to the failure
    ```

    Capturing only observes: every run keeps its own history. Later runs in the block, runs
    started concurrently after the first, and sub-agents called from its tools are not recorded
    (open another block around them to see theirs).
    """

    def __init__(self) -> None:
        self._messages: list[ModelMessage] = []
        self._token: Any = None

    def __enter__(self) -> list[ModelMessage]:
        # One holder shared by every task started in the block, so only one run can take it.
        self._token = _capture.set(_Capture(self._messages))
        return self._messages

    def __exit__(self, *args: object) -> None:
        _capture.reset(self._token)


def takes_run_context(function: Callable[..., Any], other_arguments: int = 0) -> bool:
    """Whether a prompt, instructions or validator function wants `RunContext` before its other arguments.

    Told by the count of positional parameters, so functions need no annotations.
    """
    positional = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return len(positional) > other_arguments


async def _call(function: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(function):
        return await function(*args)
    return function(*args)


@dataclass
class _Output:
    value: Any
    tool_name: str | None
    tool_call_id: str | None


@dataclass
class _ToolFailure:
    """A tool's last failure in the response being answered."""

    retry: RetryPromptPart
    max_retries: int
    cause: ModelRetry | pydantic.ValidationError | None


def _problem(error: ModelRetry | pydantic.ValidationError | str | list[ErrorDetails]) -> str:
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


def _problem_for_model(error: pydantic.ValidationError) -> str:
    """What was wrong with the output, in pydantic's words, for a retry prompt (content, not telemetry)."""
    errors = error.errors(include_url=False)
    return '; '.join(f'{".".join(map(str, e["loc"]))}: {e["msg"]}' if e['loc'] else e['msg'] for e in errors)


class AgentRun(Generic[AgentDepsT]):
    """The state of one run and the loop that advances it."""

    def __init__(
        self,
        *,
        model: Model,
        deps: AgentDepsT,
        user_prompt: str | Sequence[UserContent] | None,
        message_history: Sequence[ModelMessage] | None,
        output_schema: OutputSchema,
        tools: dict[str, Tool[Any]],
        model_settings: ModelSettings | None,
        usage_limits: UsageLimits,
        params: ModelRequestParameters,
        end_strategy: EndStrategy,
        default_retries: int,
        output_retries: int,
        output_validators: Sequence[OutputValidator],
        instructions: Sequence[str | SystemPromptFunc],
        system_prompts: Sequence[str | SystemPromptFunc],
        instrumentation: InstrumentationSettings | None = None,
        agent_name: str | None = None,
    ) -> None:
        capture = _capture.get()
        if capture is not None and not capture.taken:
            capture.taken = True
            self.messages: list[ModelMessage] = capture.messages  # the run's own list, observed by the block
        else:
            self.messages = []
        self.messages.extend(message_history or ())
        self.new_message_index = len(self.messages)
        self.usage = RunUsage()
        self.ctx: RunContext[AgentDepsT] = RunContext(deps, model, self.usage, self.messages, user_prompt)
        self.model = model
        self.output_schema = output_schema
        self.output: _Output | None = None
        self._user_prompt = user_prompt
        self._tools = tools
        self._settings = model_settings
        self._limits = usage_limits
        self._params = params
        self._end_strategy = end_strategy
        self._default_retries = default_retries
        self._output_retries = output_retries
        self._output_validators = output_validators
        self._instructions = instructions
        self._system_prompts = system_prompts
        # Failures in a row per tool, and output failures: each response counts at most one of each.
        self._tool_failures: dict[str, int] = {}
        self._response_tool_failures: dict[str, _ToolFailure] = {}
        self._response_tool_successes: set[str] = set()
        self._output_failures = 0
        self._output_failure_step = 0
        # Where only the instructions carry the output schema, retry prompts repeat it.
        in_instructions = output_schema.instructions_for(function_tools=bool(tools)) is not None
        self._expected_output = output_schema.expected if in_instructions else None
        self.telemetry: RunTelemetry | None = None
        if instrumentation is not None:
            from .instrumentation._run import RunTelemetry  # OpenTelemetry is imported only when instrumenting

            self.telemetry = RunTelemetry(instrumentation, model, agent_name)

    # --- the loop -----------------------------------------------------------------------------

    def events(self, *, stream: bool) -> AsyncGenerator[AgentStreamEvent]:
        """Run to the end, yielding events; model stream events only when `stream` is true."""
        if self.telemetry is None:
            return self._events(self.model, stream)
        return self.telemetry.trace_run(self, self._events(self.telemetry.model, stream))

    async def _events(self, model: Model, stream: bool) -> AsyncGenerator[AgentStreamEvent]:
        await self._start()
        settings, params = self._settings, self._params
        while True:
            self._limits.check_before_request(self.usage)
            self.ctx.run_step += 1
            final_announced = False
            if stream:
                async with model.request_stream(self.messages, settings, params) as streamed:
                    try:
                        async for event in streamed:
                            if (
                                not final_announced
                                and isinstance(event, PartStartEvent)
                                and isinstance(event.part, ToolCallPart)
                                and event.part.tool_name in self.output_schema.tools
                            ):
                                # The output tool is being called: this response should carry the result.
                                final_announced = True
                                yield FinalResultEvent(event.part.tool_name, event.part.tool_call_id)
                            yield event
                    except BaseException:
                        # What arrived before the failure stays in the history.
                        partial = streamed.get()
                        if partial.parts:
                            self.messages.append(partial)
                        raise
                    response = streamed.get()
            else:
                response = await model.request(self.messages, settings, params)
            self.usage.incr(response.usage)
            self.messages.append(response)
            self._limits.check_tokens(self.usage)
            parts: list[ModelRequestPart] = []
            async for event in self._handle_response(response, parts):
                yield event
            if not params.tool_called and response.tool_calls:
                params = dataclasses.replace(params, tool_called=True)  # a forcing `tool_choice` has been met
            if self.output is not None:
                if parts:
                    # Every tool call is answered, so the history can be continued as it is.
                    self.messages.append(ModelRequest(parts))
                if not final_announced:
                    yield FinalResultEvent(self.output.tool_name, self.output.tool_call_id)
                return
            self.messages.append(ModelRequest(parts, instructions=await self._render(self._instructions)))

    async def _start(self) -> None:
        instructions = await self._render(self._instructions)
        if self._user_prompt is None:
            last = self.messages[-1] if self.messages else None
            if not isinstance(last, ModelRequest):
                raise UserError(
                    'No user prompt: pass a prompt, or a message_history that ends with a request to answer.'
                )
            self.messages[-1] = ModelRequest(last.parts, instructions=instructions)
            self.new_message_index -= 1
            return
        parts: list[ModelRequestPart] = []
        if not self.messages:
            for prompt in self._system_prompts:
                parts.append(SystemPromptPart(await self._render_one(prompt)))
        parts.append(UserPromptPart(self._user_prompt))
        self.messages.append(ModelRequest(parts, instructions=instructions))

    async def _render(self, items: Sequence[str | SystemPromptFunc]) -> str | None:
        texts = [await self._render_one(item) for item in items]
        joined = '\n\n'.join(text for text in texts if text)
        return joined or None

    async def _render_one(self, item: str | SystemPromptFunc) -> str:
        if isinstance(item, str):
            return item
        result = await (_call(item, self.ctx) if takes_run_context(item) else _call(item))
        return result

    # --- one response -------------------------------------------------------------------------

    async def _handle_response(
        self, response: ModelResponse, parts: list[ModelRequestPart]
    ) -> AsyncIterator[FunctionToolCallEvent | FunctionToolResultEvent]:
        if response.finish_reason == 'length':
            limit = (self._settings or {}).get('max_tokens')
            raise UnexpectedModelBehavior(
                'The model output was cut off: the response reached the token limit (finish_reason=length'
                f'{f", max_tokens={limit}" if limit else ""}). Raise max_tokens or ask for a shorter answer.'
            )
        calls = response.tool_calls
        if calls:
            async for event in self._handle_tool_calls(calls, parts):
                yield event
            return
        if response.finish_reason == 'error':
            error: dict[str, Any] = (response.provider_details or {}).get('error') or {}
            reason = f'API error {error.get("code") or "unknown"}'  # Groq's code, never its message or the generation
            self._output_failed(RetryPromptPart(self._rejected_message(response)), parts, reason=reason)
            return
        text = response.text
        if text:
            await self._handle_text(text, parts)
            return
        self._output_failed(RetryPromptPart(EMPTY_RESPONSE), parts, reason='empty response')

    def _rejected_message(self, response: ModelResponse) -> str:
        """The retry prompt for a generation the API rejected (e.g. Groq's `tool_use_failed`)."""
        error: dict[str, Any] = (response.provider_details or {}).get('error') or {}
        reason = str(error.get('message') or 'The response was rejected').rstrip('.')
        schema = self.output_schema
        if schema.mode == 'tool' and not schema.allow_text:
            names = ', '.join(schema.tools)
            return (
                f'{reason}. You must call a tool: respond by calling one of the tools ({names}) with valid arguments.'
            )
        if schema.mode in ('native', 'prompted'):
            return f'{reason}. {self._expected_output or "Answer with JSON that matches the requested schema."}'
        return f'{reason}. Call tools with arguments that match their schemas, or answer in plain text.'

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
                if takes_run_context(validator, other_arguments=1):
                    value = await _call(validator, self._output_context(tool_name, tool_call_id, output), value)
                else:
                    value = await _call(validator, value)
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
            problem = _problem(retry.content if cause is None else cause)
            raise UnexpectedModelBehavior(
                f'Exceeded maximum output retries ({limit}); the last problem was: {problem}'
            ) from cause
        if cause is not None:
            reason = 'ModelRetry from an output validator' if isinstance(cause, ModelRetry) else 'validation failed'
        tool = f' of tool {retry.tool_name!r}' if retry.tool_name else ''
        _logger.debug('Retrying the output%s (%s): retry %d of %d', tool, reason, self._output_failures, limit)
        parts.append(retry)

    async def _handle_tool_calls(
        self, calls: list[ToolCallPart], parts: list[ModelRequestPart]
    ) -> AsyncIterator[FunctionToolCallEvent | FunctionToolResultEvent]:
        self._response_tool_failures.clear()
        self._response_tool_successes.clear()
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
            try:
                value = output.validate_json(call.args_as_json_str())
            except pydantic.ValidationError as e:
                retry = RetryPromptPart(e.errors(include_url=False), call.tool_name, call.tool_call_id)
                self._output_failed(retry, retry_parts, output, e)
            else:
                final = await self._finish(value, call.tool_name, call.tool_call_id, retry_parts, output)
            answers[index] = (
                ToolReturnPart(call.tool_name, FINAL_RESULT_PROCESSED, call.tool_call_id) if final else retry_parts[0]
            )
        to_run: list[int] = []
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
            for index, result in zip(to_run, results, strict=True):
                answers[index] = result
                yield FunctionToolResultEvent(result)
        self._count_tool_failures()
        parts.extend(answer for answer in answers if answer is not None)

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
                problem = _problem(failure.retry.content if failure.cause is None else failure.cause)
                raise UnexpectedModelBehavior(
                    f'Tool {name!r} exceeded its retry limit of {failure.max_retries}; the last error was: {problem}'
                ) from failure.cause
            cause = failure.cause
            kind = 'ModelRetry' if isinstance(cause, ModelRetry) else 'invalid arguments' if cause else 'unknown tool'
            _logger.debug('Retrying tool %r (%s): retry %d of %d', name, kind, failures, failure.max_retries)

    async def _run_tools(self, calls: list[ToolCallPart]) -> list[ToolReturnPart | RetryPromptPart]:
        if len(calls) == 1:
            return [await self._run_tool(calls[0])]
        results: list[ToolReturnPart | RetryPromptPart | BaseException | None] = [None] * len(calls)

        async def run_one(index: int) -> None:
            try:
                results[index] = await self._run_tool(calls[index])
            except Exception as e:  # re-raised below, in call order, without a task-group wrapper
                results[index] = e

        async with anyio.create_task_group() as group:
            for index in range(len(calls)):
                group.start_soon(run_one, index)
        returns: list[ToolReturnPart | RetryPromptPart] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            assert result is not None
            returns.append(result)
        return returns

    async def _run_tool(self, call: ToolCallPart) -> ToolReturnPart | RetryPromptPart:
        tool = self._tools[call.tool_name]
        schema = tool.function_schema
        max_retries = self._default_retries if tool.max_retries is None else tool.max_retries
        ctx = self.ctx.with_tool(
            call.tool_name, call.tool_call_id, self._tool_failures.get(call.tool_name, 0), max_retries
        )
        try:
            execution = self._execute_tool(call, schema, ctx)
            if self.telemetry is None:
                result = await execution
            else:
                result = await self.telemetry.execute_tool(call, tool.tool_def.description, execution)
        except pydantic.ValidationError as e:
            return self._tool_failed(call, e.errors(include_url=False), max_retries, e)
        except ModelRetry as e:
            return self._tool_failed(call, e.message, max_retries, e)
        self._response_tool_successes.add(call.tool_name)
        return ToolReturnPart(call.tool_name, result, call.tool_call_id)

    async def _execute_tool(self, call: ToolCallPart, schema: FunctionSchema, ctx: RunContext[Any]) -> Any:
        if isinstance(call.args, dict):
            args = schema.validate_python(call.args)
        else:
            args = schema.validate_json(call.args or '{}')
        self.usage.tool_calls += 1
        # Converted here, inside the tool's span: a value that cannot be sent fails the tool call.
        return _jsonable(call.tool_name, await schema.call(args, ctx))


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
