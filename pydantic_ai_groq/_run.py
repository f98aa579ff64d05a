"""The run loop: request, read the response, run tools or validate output, repeat.

One driver serves `run`, `run_stream` and `run_stream_events`: `AgentRun.events()` yields
the run's events (model stream events only when streaming) and leaves the output, the
messages and the usage on the `AgentRun`. Its steps for tool calls are in `_tool_calls`, for
output in `_output_steps`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._deferred import DeferredSteps
from ._output import OutputSchema
from ._run_context import AgentDepsT, RunContext, call_user_function
from ._tool_calls import EndStrategy, ToolEvent
from .exceptions import UnexpectedModelBehavior, UserError
from .history_processors import HistoryProcessor, process_history
from .messages import (
    FinalResultEvent,
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    ModelResponsePart,
    ModelResponseStreamEvent,
    PartStartEvent,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    UserContent,
    UserPromptPart,
)
from .models import Model, ModelRequestParameters, StreamedResponse
from .settings import ModelSettings
from .tools import DeferredToolResults
from .toolsets import AbstractToolset
from .usage import RunUsage, UsageLimits

if TYPE_CHECKING:
    from .instrumentation import InstrumentationSettings
    from .instrumentation._run import RunTelemetry

__all__ = ('AgentRun', 'AgentStreamEvent', 'EndStrategy', 'OutputValidator', 'SystemPromptFunc', 'capture_run_messages')

AgentStreamEvent = ModelResponseStreamEvent | ToolEvent | FinalResultEvent
"""An event of a run, before its final `AgentRunResultEvent`."""

SystemPromptFunc = Callable[..., str | Awaitable[str]]
"""A function (sync or async, optionally taking `RunContext`) returning a prompt or instructions."""

OutputValidator = Callable[..., Any]
"""A function (sync or async, optionally taking `RunContext` first) that checks or fixes the output."""

EMPTY_RESPONSE = 'Responses without text or tool calls are not permitted; answer or call a tool.'


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


def _own_messages(message_history: Sequence[ModelMessage] | None) -> list[ModelMessage]:
    """A new run's message list: the one a `capture_run_messages()` block observes, for its first run only."""
    capture = _capture.get()
    messages: list[ModelMessage] = []
    if capture is not None and not capture.taken:
        capture.taken = True
        messages = capture.messages
    messages.extend(message_history or ())
    return messages


class AgentRun(DeferredSteps[AgentDepsT]):
    """The state of one run and the loop that advances it."""

    def __init__(
        self,
        *,
        model: Model,
        deps: AgentDepsT,
        user_prompt: str | Sequence[UserContent] | None,
        message_history: Sequence[ModelMessage] | None,
        output_schema: OutputSchema,
        toolset: AbstractToolset[Any],
        may_call_tools: bool,
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
        history_processors: Sequence[HistoryProcessor] = (),
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> None:
        self.messages: list[ModelMessage] = _own_messages(message_history)
        self.new_message_index = len(self.messages)
        self.usage = RunUsage()
        self.ctx: RunContext[AgentDepsT] = RunContext(deps, model, self.usage, self.messages, user_prompt)
        self.model = model
        self.output_schema = output_schema
        self.output = None
        self.streamed: StreamedResponse | None = None  # the response streaming now, or last streamed
        self._user_prompt = user_prompt
        self._toolset = toolset
        self._settings = model_settings
        self._limits = usage_limits
        self._params = params
        self._end_strategy = end_strategy
        self._default_retries = default_retries
        self._output_retries = output_retries
        self._output_validators = output_validators
        self._instructions = instructions
        self._system_prompts = system_prompts
        self._history_processors = history_processors
        # Failures in a row per tool, and output failures: each response counts at most one of each.
        self._tool_failures: dict[str, int] = {}
        self._response_tool_failures = {}
        self._response_tool_successes: set[str] = set()
        self._deferred_results = deferred_tool_results
        self._approved_ids: set[str] = set()
        self._deferred_calls = []
        self._output_failures = 0
        self._output_failure_step = 0
        # Where only the instructions carry the output schema, retry prompts repeat it.
        in_instructions = output_schema.instructions_for(function_tools=may_call_tools) is not None
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
        async with self._toolset:
            resumed: list[ModelRequestPart] = []  # the answers to the calls a resumed history waits on
            async for event in self._resume(resumed):
                yield event
            if self.output is not None:
                return  # an approved call was deferred again
            await self._start(resumed)
            settings, params = self._settings, self._params
            while True:
                self._limits.check_before_request(self.usage)
                self.ctx.run_step += 1
                params = await self._step_tools(params)
                final_announced = False
                sent = self.messages
                if self._history_processors:  # they choose what is sent; the run keeps every message
                    sent = await process_history(self._history_processors, self.ctx, self.messages)
                if stream:
                    async with model.request_stream(sent, settings, params) as streamed:
                        self.streamed = streamed
                        try:
                            async for event in streamed:
                                yield event
                                if not final_announced and type(event) is PartStartEvent:
                                    final = self._final_result_event(event.part)
                                    if final is not None:
                                        final_announced = True
                                        yield final
                        except BaseException:
                            # What arrived before the failure stays in the history.
                            partial = streamed.get()
                            if partial.parts:
                                self.messages.append(partial)
                            raise
                        response = streamed.get()
                else:
                    response = await model.request(sent, settings, params)
                self.usage.incr(response.usage)
                self.messages.append(response)
                self._limits.check_tokens(self.usage)
                parts: list[ModelRequestPart] = []
                async for event in self._handle_response(response, parts):
                    yield event
                if self._deferred_calls and self.output is None:
                    self._end_deferred(parts)
                    return
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

    def _final_result_event(self, part: ModelResponsePart) -> FinalResultEvent | None:
        """The `FinalResultEvent` for a part that starts the output (as pydantic-ai: text or an output tool call)."""
        schema = self.output_schema
        if isinstance(part, ToolCallPart):
            return FinalResultEvent(part.tool_name, part.tool_call_id) if part.tool_name in schema.tools else None
        if isinstance(part, TextPart) and (schema.allow_text or schema.mode in ('native', 'prompted')):
            return FinalResultEvent(None, None)
        return None

    async def _step_tools(self, params: ModelRequestParameters) -> ModelRequestParameters:
        """Ask the toolsets for this step's tools; the request offers exactly those."""
        tools = await self._toolset.get_tools(self.ctx)
        if tools is self._tools:
            return params  # the same fixed tools as the last step
        for name, tool in tools.items():
            if name in self.output_schema.tools:
                raise UserError(
                    f'Tool name {name!r} of {tool.toolset.label} is also an output tool; tool names must be unique.'
                )
            if tool.requires_approval is not False and not self.output_schema.allow_deferred:
                raise UserError(
                    f'Tool {name!r} requires approval, so a run may end with DeferredToolRequests, which the output '
                    'type cannot hold: declare it, e.g. output_type=[str, DeferredToolRequests].'
                )
        self._tools = tools
        return dataclasses.replace(params, function_tools=[tool.tool_def for tool in tools.values()])

    async def _start(self, resumed: list[ModelRequestPart]) -> None:
        self._tools = {}  # none offered yet: the first step asks the toolsets
        instructions = await self._render(self._instructions)
        if self._user_prompt is None and not resumed:
            last = self.messages[-1] if self.messages else None
            if not isinstance(last, ModelRequest):
                raise UserError(
                    'No user prompt: pass a prompt, or a message_history that ends with a request to answer.'
                )
            self.messages[-1] = ModelRequest(last.parts, instructions=instructions)
            self.new_message_index -= 1
            return
        parts: list[ModelRequestPart] = list(resumed)
        if not self.messages:
            for prompt in self._system_prompts:
                parts.append(SystemPromptPart(await self._render_one(prompt)))
        if self._user_prompt is not None:
            parts.append(UserPromptPart(self._user_prompt))
        self.messages.append(ModelRequest(parts, instructions=instructions))

    async def _render(self, items: Sequence[str | SystemPromptFunc]) -> str | None:
        texts = [await self._render_one(item) for item in items]
        joined = '\n\n'.join(text for text in texts if text)
        return joined or None

    async def _render_one(self, item: str | SystemPromptFunc) -> str:
        if isinstance(item, str):
            return item
        result = await call_user_function(item, self.ctx)
        return result

    # --- one response -------------------------------------------------------------------------

    async def _handle_response(
        self, response: ModelResponse, parts: list[ModelRequestPart]
    ) -> AsyncIterator[ToolEvent]:
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
