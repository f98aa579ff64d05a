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
from ._nodes import AgentNode, CallToolsNode, End, FinalResult, ModelRequestNode, UserPromptNode
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


def _telemetry(
    instrumentation: InstrumentationSettings | None, model: Model, agent_name: str | None
) -> RunTelemetry | None:
    if instrumentation is None:
        return None
    from .instrumentation._run import RunTelemetry  # OpenTelemetry is imported only when instrumenting

    return RunTelemetry(instrumentation, model, agent_name)


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
        metadata: dict[str, Any] | Callable[[RunContext[Any]], dict[str, Any]] | None = None,
        deferred_tool_results: DeferredToolResults | None = None,
    ) -> None:
        self.messages: list[ModelMessage] = _own_messages(message_history)
        self.new_message_index = len(self.messages)
        self.usage = RunUsage()
        self.ctx: RunContext[AgentDepsT] = RunContext(deps, model, self.usage, self.messages, user_prompt)
        self.model = model
        self.output_schema = output_schema
        self.output = None
        self.stream_requests = False
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
        self._metadata = metadata
        # Failures in a row per tool, and output failures: each response counts at most one of each.
        self._tool_failures: dict[str, int] = {}
        self._response_tool_failures = {}
        self._response_tool_successes: set[str] = set()
        self._output_failures = 0
        self._output_failure_step = 0
        self._start_deferred(deferred_tool_results)
        # Where only the instructions carry the output schema, retry prompts repeat it.
        in_instructions = output_schema.instructions_for(function_tools=may_call_tools) is not None
        self._expected_output = output_schema.expected if in_instructions else None
        self.telemetry = _telemetry(instrumentation, model, agent_name)

    # --- the loop -----------------------------------------------------------------------------

    def events(self, *, stream: bool) -> AsyncGenerator[AgentStreamEvent]:
        """Run to the end, yielding events; model stream events only when `stream` is true."""
        self.stream_requests = stream
        return self._traced(self._steps(nodes=False))  # type: ignore[return-value]  (no nodes without `nodes`)

    def steps(self) -> AsyncGenerator[AgentStreamEvent | AgentNode]:
        """Run to the end, yielding the node of each step before it runs, then its events.

        Each request is streamed (and its stream events yielded) when `stream_requests` is true as it is sent.
        """
        return self._traced(self._steps(nodes=True))

    def _traced(self, items: AsyncGenerator[Any]) -> AsyncGenerator[Any]:
        return items if self.telemetry is None else self.telemetry.trace_run(self, items)

    async def _steps(self, nodes: bool) -> AsyncGenerator[AgentStreamEvent | AgentNode]:
        model = self.model if self.telemetry is None else self.telemetry.model
        if nodes:
            yield UserPromptNode(self._user_prompt)
        async with self._toolset:
            resumed: list[ModelRequestPart] = []  # the answers to the calls a resumed history waits on
            async for event in self._resume(resumed):
                yield event
            if self.output is not None:  # an approved call was deferred again
                for item in self._end([], True, nodes):
                    yield item
                return
            request = await self._start(resumed)
            params = self._params
            while True:
                if nodes:
                    yield ModelRequestNode(request)
                sent, params = await self._before_request(params)
                final_announced = False
                if self.stream_requests:
                    async with model.request_stream(sent, self._settings, params) as streamed:
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
                    response = await model.request(sent, self._settings, params)
                self.usage.incr(response.usage)
                self.messages.append(response)
                self._limits.check_tokens(self.usage)
                if nodes:
                    yield CallToolsNode(response)
                parts: list[ModelRequestPart] = []
                async for event in self._handle_response(response, parts):
                    yield event
                if self.output is not None or self._deferred_calls:
                    for item in self._end(parts, final_announced, nodes):
                        yield item
                    return
                if not params.tool_called and response.tool_calls:
                    params = dataclasses.replace(params, tool_called=True)  # a forcing `tool_choice` has been met
                request = ModelRequest(parts, instructions=await self._render(self._instructions))
                self.messages.append(request)

    def _end(
        self, parts: list[ModelRequestPart], final_announced: bool, nodes: bool
    ) -> list[AgentStreamEvent | AgentNode]:
        """The last items of a run that has its output or calls waiting; the last answers stay in the history."""
        if self.output is None:  # calls wait on a person or run elsewhere: no final result event
            deferred = self._end_deferred(parts)
            return [End(FinalResult(deferred, None, None))] if nodes else []
        output = self.output
        if parts:  # every tool call is answered, so the history can be continued as it is
            self.messages.append(ModelRequest(parts))
        items: list[AgentStreamEvent | AgentNode] = []
        if not final_announced:
            items.append(FinalResultEvent(output.tool_name, output.tool_call_id))
        if nodes:
            items.append(End(FinalResult(output.value, output.tool_name, output.tool_call_id)))
        return items

    async def _before_request(
        self, params: ModelRequestParameters
    ) -> tuple[list[ModelMessage], ModelRequestParameters]:
        """Check the limits, count the step, ask for its tools; the messages to send (after history processors)."""
        self._limits.check_before_request(self.usage)
        self.ctx.run_step += 1
        params = await self._step_tools(params)
        sent = self.messages
        if self._history_processors:  # they choose what is sent; the run keeps every message
            sent = await process_history(self._history_processors, self.ctx, self.messages)
        return sent, params

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

    async def _start(self, resumed: list[ModelRequestPart]) -> ModelRequest:
        """Build the first request (or give the one that ends `message_history` the instructions)."""
        self._tools = {}  # none offered yet: the first step asks the toolsets
        metadata = self._metadata
        self.ctx.metadata = metadata(self.ctx) if callable(metadata) else metadata
        instructions = await self._render(self._instructions)
        if self._user_prompt is None and not resumed:
            last = self.messages[-1] if self.messages else None
            if not isinstance(last, ModelRequest):
                raise UserError(
                    'No user prompt: pass a prompt, or a message_history that ends with a request to answer.'
                )
            self.messages[-1] = request = ModelRequest(last.parts, instructions=instructions)
            self.new_message_index -= 1
            return request
        parts: list[ModelRequestPart] = list(resumed)
        if not self.messages:
            for prompt in self._system_prompts:
                parts.append(SystemPromptPart(await self._render_one(prompt)))
        if self._user_prompt is not None:
            parts.append(UserPromptPart(self._user_prompt))
        request = ModelRequest(parts, instructions=instructions)
        self.messages.append(request)
        return request

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
