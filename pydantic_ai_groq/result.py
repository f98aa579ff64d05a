"""What a run gives back: `AgentRunResult`, and `StreamedRunResult` while the final answer streams."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, cast

from ._partial_output import PartialOutput
from ._result_sync import StreamedRunResultSync
from ._run import AgentRun, AgentStreamEvent
from ._text_stream import InterimTextEnd, debouncer
from .exceptions import UserError
from .messages import (
    FunctionToolCallEvent,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelResponse,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
)
from .output import OutputDataT
from .usage import RunUsage

if TYPE_CHECKING:
    from .models import StreamedResponse

__all__ = (
    'AgentEventStream',
    'AgentRunResult',
    'AgentRunResultEvent',
    'InterimTextEnd',
    'StreamedRunResult',
    'StreamedRunResultSync',
)

_NOTHING_YET: Any = object()  # stream_output has yielded nothing so far


class _MessagesMixin:
    _messages: list[ModelMessage]
    _new_message_index: int

    def all_messages(self) -> list[ModelMessage]:
        """The whole history: the `message_history` given plus this run's messages."""
        return list(self._messages)

    def new_messages(self) -> list[ModelMessage]:
        """The messages of this run only."""
        return self._messages[self._new_message_index :]

    def all_messages_json(self) -> bytes:
        """`all_messages()` as JSON (load with `ModelMessagesTypeAdapter.validate_json`)."""
        return ModelMessagesTypeAdapter.dump_json(self.all_messages())

    def new_messages_json(self) -> bytes:
        """`new_messages()` as JSON."""
        return ModelMessagesTypeAdapter.dump_json(self.new_messages())


@dataclass
class AgentRunResult(_MessagesMixin, Generic[OutputDataT]):
    """The result of a finished run.

    Attributes:
        output: The validated output.
        metadata: The run's `metadata=` (as computed at its start), or `None`.
    """

    output: OutputDataT
    _messages: list[ModelMessage] = field(repr=False)
    _new_message_index: int = field(repr=False)
    _usage: RunUsage = field(repr=False)
    metadata: dict[str, Any] | None = None

    def usage(self) -> RunUsage:
        """Requests, tool calls and tokens of the run."""
        return self._usage


@dataclass
class AgentRunResultEvent(Generic[OutputDataT]):
    """The last event of `run_stream_events`: the run's result.

    Attributes:
        result: The finished run.
    """

    result: AgentRunResult[OutputDataT]
    event_kind: Literal['agent_run_result'] = 'agent_run_result'


_CLOSED_EARLY = (
    'The run was closed before it finished (its stream was left or closed early), so it has no output; '
    'read the output inside the `async with` block.'
)


def _output_of(run: AgentRun[Any]) -> Any:
    if run.output is None:
        raise UserError(_CLOSED_EARLY)
    return run.output.value


def finished_result(run: AgentRun[Any]) -> AgentRunResult[Any]:
    """The `AgentRunResult` of a run whose events are exhausted.

    Raises:
        UserError: When the run was closed before it had an output.
    """
    return AgentRunResult(_output_of(run), run.messages, run.new_message_index, run.usage, run.ctx.metadata)


class StreamedRunResult(_MessagesMixin, Generic[OutputDataT]):
    """A run whose final response is being streamed (from `async with agent.run_stream(...) as result`).

    Tool-call steps run as usual; text and structured output stream as they arrive. The
    event source is read once: `stream_text`, `stream_output` and `get_output` continue
    from wherever the previous call stopped. Leaving the `async with` block closes the
    HTTP stream.
    """

    def __init__(self, run: AgentRun[Any], events: AsyncGenerator[AgentStreamEvent]) -> None:
        self._run = run
        self._events = events
        self._messages = run.messages
        self._new_message_index = run.new_message_index
        self._done = False
        self._error: BaseException | None = None

    @property
    def is_complete(self) -> bool:
        """Whether the run has finished and the output is validated."""
        return self._done

    def usage(self) -> RunUsage:
        """Usage so far (complete once the run is)."""
        return self._run.usage

    async def stream_events(self) -> AsyncIterator[AgentStreamEvent]:
        """Every remaining event of the run: part events, tool events, `FinalResultEvent`."""
        try:
            async for event in self._events:
                yield event
        except Exception as e:
            self._error = e  # kept for `get_output()`, which re-raises what ended the run
            raise
        self._done = self._run.output is not None

    async def stream_text(
        self, *, delta: bool = False, debounce_by: float | None = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> AsyncIterator[str]:
        """The text of the responses being streamed, as it arrives.

        A run streams every response: when one turns out not to end the run (a model thinking
        aloud before it calls tools), an `InterimTextEnd` marker (the empty string) follows its
        text, and the next response's text comes after it.

        Args:
            delta: Yield each new piece (`True`) or the text so far (`False`), which starts
                again from each marker (the marker itself is the empty text so far).
            debounce_by: Group the pieces arriving within this many seconds into one yield
                (`None`: a yield per piece). A response's text is always yielded whole before
                its marker and at the end.
            clock: Monotonic clock, in seconds, for `debounce_by`.

        Raises:
            UserError: For structured output, or a negative `debounce_by`.
        """
        if not self._run.output_schema.allow_text or self._run.output_schema.tools:
            raise UserError(
                'stream_text() needs an agent with output_type=str; use stream_output() for structured output.'
            )
        due = debouncer(debounce_by, clock, 'stream_text')
        run, text, step, held = self._run, '', -1, 0  # held: characters of `text` not yielded yet
        async for event in self.stream_events():
            piece = _text_piece(event)
            if piece is None:
                if text and type(event) is PartStartEvent and isinstance(event.part, ToolCallPart):
                    if held:
                        yield text[-held:] if delta else text
                    yield InterimTextEnd(text)
                    text, held = '', 0
                continue
            if run.ctx.run_step != step:
                if text:  # the last response's text was rejected, or followed its tool calls
                    if held:
                        yield text[-held:] if delta else text
                    yield InterimTextEnd(text)
                step, text, held = run.ctx.run_step, '', 0
            text += piece
            held += len(piece)
            if due is None or due():
                yield text[-held:] if delta else text
                held = 0
        if held:
            yield text[-held:] if delta else text

    async def stream_output(
        self, *, interval: float = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> AsyncIterator[OutputDataT]:
        """The output as it arrives: partially validated objects, each valid and growing; then the final output.

        An output shorter than 1 KiB of JSON is validated after every chunk. A longer one is
        validated when its JSON has grown by a quarter since the last validation, or `interval`
        seconds after it, so a stream of N chunks costs time linear in N. A partial is yielded
        when it differs from the previous one. Output validators run on the final output only.
        For `output_type=str` this yields the text so far.

        Args:
            interval: Seconds after which the output received so far is validated again, however
                little it grew (a steady stream of partials from a slow model).
            clock: Monotonic clock, in seconds, for `interval`.

        Raises:
            UserError: When `interval` is negative.
        """
        if not interval >= 0:  # written so NaN fails too
            raise UserError(f'stream_output(interval=...) takes seconds >= 0, got {interval!r}.')
        last: Any = _NOTHING_YET
        if self._run.output_schema.text_function is not None:
            pass  # a TextOutput function runs on the whole text only: the final output is all there is
        elif self._run.output_schema.mode == 'text':
            async for text in self.stream_text(debounce_by=None):
                if type(text) is not InterimTextEnd:
                    last = text
                    yield last
        else:
            # Events pass straight from stream_events to the tracker: a generator in between would
            # cost more per chunk than all the partial validation.
            tracker = _PartialOutputTracker(self._run, interval, clock)
            async for event in self.stream_events():
                if (partial := tracker.feed(event)) is not None:
                    last = partial
                    yield partial
        final = await self.get_output()
        if final != last:
            yield final

    async def stream_responses(
        self, *, debounce_by: float | None = 0.1, clock: Callable[[], float] = time.monotonic
    ) -> AsyncIterator[tuple[ModelResponse, bool]]:
        """Each response of the run as it grows, as `(response, is_last)`.

        Each yield is a new `ModelResponse` with the parts received so far. A response that
        does not end the run (it calls tools) is yielded whole before the next one starts; the
        final response is yielded whole exactly once with `is_last=True`, once the output is
        validated.

        Args:
            debounce_by: Yield at most once per this many seconds while a response grows
                (`None`: after every event of its parts).
            clock: Monotonic clock, in seconds, for `debounce_by`.

        Raises:
            UserError: For a negative `debounce_by`, or when the run was closed before it finished.
            Exception: Whatever ended the run.
        """
        due = debouncer(debounce_by, clock, 'stream_responses')
        run, step, grown = self._run, -1, False  # grown: the response has parts not yielded yet
        async for event in self.stream_events():
            if isinstance(event, (PartStartEvent, PartDeltaEvent, PartEndEvent)):
                if run.ctx.run_step != step:
                    if grown:  # the last response did not end the run: whole, before the next one
                        yield _last_response(run.messages), False
                    step = run.ctx.run_step
                grown = True
                if due is not None and not due():
                    continue
            elif not (grown and isinstance(event, FunctionToolCallEvent)):
                continue  # a response that calls tools is complete when its calls are announced
            yield cast('StreamedResponse', run.streamed).get(), False
            grown = False
        await self.get_output()
        yield _last_response(run.messages), True

    async def get_output(self) -> OutputDataT:
        """Read the run to the end and return the validated output.

        Raises:
            UserError: When the run was closed before it finished (e.g. its `async with` block was left).
            Exception: Whatever ended the run, again when it already failed.
        """
        async for _ in self.stream_events():
            pass
        if self._error is not None:
            raise self._error
        return _output_of(self._run)

    def result(self) -> AgentRunResult[OutputDataT]:
        """The finished run's result.

        Raises:
            UserError: When the run has not finished yet.
        """
        if not self._done:
            raise UserError(
                'The run is still streaming, or was closed before it finished: read it to the end '
                '(e.g. await get_output()) inside the `async with` block first.'
            )
        return finished_result(self._run)


class _PartialOutputTracker:
    """Follows a run's events to the part carrying the output and feeds its JSON to a `PartialOutput`."""

    def __init__(self, run: AgentRun[Any], interval: float, clock: Callable[[], float]) -> None:
        self._run = run
        self._interval = interval
        self._clock = clock
        self._partial: PartialOutput | None = None
        self._target: int | None = None  # index of the part carrying the output in the current response
        self._step = -1

    def feed(self, event: AgentStreamEvent) -> Any:
        """The new partial output that `event` brings, if any, else None."""
        if isinstance(event, PartDeltaEvent):  # the common case first: this runs once per chunk
            if event.index != self._target or self._partial is None:
                return None
            delta = event.delta
            piece = delta.args_delta if isinstance(delta, ToolCallPartDelta) else getattr(delta, 'content_delta', None)
            return self._partial.feed(piece) if piece else None
        if isinstance(event, PartStartEvent):
            return self._start(event)
        return None

    def _start(self, event: PartStartEvent) -> Any:
        schema = self._run.output_schema
        # A new response's parts all start with a PartStartEvent: the place to forget the last one's.
        if self._run.ctx.run_step != self._step:
            self._step, self._partial, self._target = self._run.ctx.run_step, None, None
        if self._target is not None:
            return None
        part = event.part
        if isinstance(part, ToolCallPart) and part.tool_name in schema.tools:
            output, piece = (
                schema.tools[part.tool_name],
                part.args_as_json_str() if isinstance(part.args, dict) else part.args,
            )
        elif isinstance(part, TextPart) and schema.object_output is not None:
            output, piece = schema.object_output, part.content
        else:
            return None
        self._target, self._partial = event.index, PartialOutput(output, self._clock, self._interval)
        return self._partial.feed(piece) if piece else None


def _last_response(messages: list[ModelMessage]) -> ModelResponse:
    return next(message for message in reversed(messages) if isinstance(message, ModelResponse))


def _text_piece(event: AgentStreamEvent) -> str | None:
    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
        return event.part.content
    if isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
        return event.delta.content_delta
    return None


class AgentEventStream(Generic[OutputDataT]):
    """The events of one streamed run; iterate it, and close it (or use `async with`) when leaving early."""

    def __init__(self, agent_run: AgentRun[Any]) -> None:
        self._run = agent_run
        self._iterator = self._events()

    async def _events(self) -> AsyncGenerator[AgentStreamEvent | AgentRunResultEvent[OutputDataT]]:
        events = self._run.events(stream=True)
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()
        yield AgentRunResultEvent(finished_result(self._run))

    def __aiter__(self) -> AsyncIterator[AgentStreamEvent | AgentRunResultEvent[OutputDataT]]:
        return self._iterator

    async def __aenter__(self) -> AgentEventStream[OutputDataT]:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the run and close its HTTP stream."""
        await self._iterator.aclose()
