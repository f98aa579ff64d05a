"""The spans of one agent run: `invoke_agent` around it, `execute_tool` around each tool call.

The `chat` spans come from the run's `InstrumentedModel`. The run span is never made the current
span: the run's events are yielded to the caller, and a context attached across a yield would leak
into the caller's code between events (and could not be detached when the stream is closed from
another task). Its children are given it as their parent explicitly instead.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind

from ..exceptions import ApprovalRequired, CallDeferred
from ..messages import ModelResponse, ToolCallPart, ToolReturn
from ..models import Model
from . import InstrumentationSettings, InstrumentedModel
from ._semconv import (
    Attributes,
    input_messages,
    json_text,
    model_attributes,
    output_messages,
    record_error,
    system_instructions,
)

if TYPE_CHECKING:
    from .._run import AgentRun

__all__ = ('RunTelemetry',)

T = TypeVar('T')
ItemT = TypeVar('ItemT')


class RunTelemetry:
    """Records one run: give its loop `model`, iterate its events through `trace_run`, run tools through `execute_tool`.

    Attributes:
        model: The run's model, wrapped to record a `chat` span per request under the run span.
    """

    def __init__(self, settings: InstrumentationSettings, model: Model, agent_name: str | None) -> None:
        self._settings = settings
        self._agent_name = agent_name
        self._attributes: Attributes = {'gen_ai.operation.name': 'invoke_agent', **model_attributes(model)}
        if agent_name:
            self._attributes['gen_ai.agent.name'] = agent_name
        self.model = InstrumentedModel(model, settings)
        self._context: Context | None = None

    async def trace_run(self, run: AgentRun[Any], events: AsyncGenerator[ItemT]) -> AsyncGenerator[ItemT]:
        """Yield the run's `events` (and nodes, for `agent.iter`) inside the `invoke_agent` span.

        The span ends when they end or are closed.
        """
        name = self._agent_name
        span = self._settings.tracer.start_span(
            f'invoke_agent {name}' if name else 'invoke_agent', kind=SpanKind.INTERNAL, attributes=self._attributes
        )
        self._context = self.model.parent_context = trace.set_span_in_context(span)
        try:
            async for event in events:
                yield event
        except Exception as e:
            record_error(span, e, include_content=self._settings.include_content)
            raise
        finally:
            await events.aclose()  # when the caller closed us early: close the HTTP stream before the span ends
            usage = run.usage
            span.set_attribute('gen_ai.usage.input_tokens', usage.input_tokens)
            span.set_attribute('gen_ai.usage.output_tokens', usage.output_tokens)
            if run.ctx.metadata is not None:
                span.set_attribute('metadata', json_text(run.ctx.metadata))
            if self._settings.include_content and span.is_recording():
                self._record_content(span, run)
            span.end()

    def _record_content(self, span: trace.Span, run: AgentRun[Any]) -> None:
        # The input is the history as the run received it plus its first request; the output its last response.
        first_request = run.messages[: run.new_message_index + 1]
        span.set_attribute('gen_ai.input.messages', input_messages(first_request))
        if instructions := system_instructions(first_request):
            span.set_attribute('gen_ai.system_instructions', instructions)
        responses = [m for m in run.messages[run.new_message_index :] if isinstance(m, ModelResponse)]
        if responses:
            span.set_attribute('gen_ai.output.messages', output_messages(responses[-1]))

    async def execute_tool(self, call: ToolCallPart, description: str, execution: Awaitable[T]) -> T:
        """Await a tool's `execution` (argument validation and call) inside an `execute_tool` span."""
        attributes: Attributes = {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': call.tool_name,
            'gen_ai.tool.call.id': call.tool_call_id,
            'gen_ai.tool.type': 'function',
        }
        if description:
            attributes['gen_ai.tool.description'] = description
        span = self._settings.tracer.start_span(
            f'execute_tool {call.tool_name}', context=self._context, kind=SpanKind.INTERNAL, attributes=attributes
        )
        content = self._settings.include_content and span.is_recording()
        if content:
            span.set_attribute('gen_ai.tool.call.arguments', call.args_as_json_str())
        try:
            # Current while the tool runs (no yield in between), so spans the tool makes nest under it.
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                result = await execution
        except (ApprovalRequired, CallDeferred) as e:  # not a failure: the call waits for a person or elsewhere
            span.set_attribute(
                'pydantic_ai_groq.tool.deferred', 'approval' if isinstance(e, ApprovalRequired) else 'external'
            )
            raise
        except Exception as e:  # ModelRetry and invalid arguments too: each retry is a failed span, then a new one
            record_error(span, e, include_content=self._settings.include_content)
            raise
        else:
            if content:
                # A `ToolReturn`'s user content (images) is not the tool's result: the model gets it as a user message.
                value = result.return_value if isinstance(result, ToolReturn) else result
                span.set_attribute('gen_ai.tool.call.result', json_text(value))
            return result
        finally:
            span.end()
