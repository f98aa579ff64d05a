"""`run_batch`: an agent over many inputs on Groq's Batch API, in rounds, resumable, results streamed to disk."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

import anyio
import anyio.abc

from ..clock import SYSTEM_CLOCK, Clock
from ..exceptions import ModelHTTPError, UnexpectedModelBehavior, UserError
from ..messages import ModelMessage, ModelResponse, UserContent
from ..models import Model, ModelRequestParameters, infer_model
from ..models.groq import GroqModel
from ..settings import ModelSettings
from ..usage import UsageLimits
from ._client import BatchAPIClient, BatchInfo
from ._limits import MAX_FILE_BYTES, MAX_LINES, TERMINAL_STATUSES, window_seconds
from ._results import BatchItem, BatchResults, ResultsFile
from ._rounds import Parked, ParkedModel, Rounds
from ._state import JobState, RecordedBatch, state_path_for
from ._wire import LineError, parse_result_line, response_of

if TYPE_CHECKING:
    from ..agent import Agent

MAX_LIVE_RUNS = 10_000
"""Runs alive at once by default: about 10 KB each while parked (measured), so a job stays near 100 MB."""

__all__ = (
    'MAX_LIVE_RUNS',
    'BatchInput',
    'BatchInputError',
    'BatchOptions',
    'BatchProgress',
    'groq_model_of',
    'run_batch',
    'run_requests',
)

Prompt = str | Sequence[UserContent]
BatchInput = Prompt | tuple[str, Prompt] | tuple[str, Prompt, Any]
"""An input: a prompt, `(custom_id, prompt)` or `(custom_id, prompt, deps)`."""


@dataclass
class BatchProgress:
    """Where a batch job is, for a progress display.

    Attributes:
        round: The current round (1 is the first request of every run).
        lines: Lines of the round's batches.
        lines_done: Lines of the round Groq reports done (completed or failed).
        items_done: Inputs that have ended, in this attempt and earlier ones.
        failures: Inputs that ended failed, expired or cancelled.
        status: The status of the round's batches, e.g. `in_progress`.
    """

    round: int
    lines: int
    lines_done: int
    items_done: int
    failures: int
    status: str


class BatchOptions(TypedDict, total=False):
    """The options of `Agent.run_batch` and `direct.model_request_batch`, all optional."""

    completion_window: str
    """How long Groq may take for each batch: `'24h'` (the default) to `'7d'`."""
    poll_interval: float
    """Seconds between status checks of a round's batches (default 60)."""
    results_path: str | Path | None
    """A JSONL file the results stream into (with the state file next to it, for resuming); `None` (the
    default) keeps them in memory and the job cannot resume."""
    max_rounds: int
    """Model requests a run may make, each a round (default 10): a run that needs more fails with a clear
    error; also how often an expired line is sent at most."""
    on_expired: Literal['resubmit', 'report']
    """A line its batch's window ended before: sent again in the next round (`'resubmit'`, the default),
    or its input ends `expired` (`'report'`)."""
    model_settings: ModelSettings | None
    """Settings of every request, over the agent's and the model's."""
    usage_limits: UsageLimits | None
    """Limits of each run."""
    max_live_runs: int
    """Runs alive at once (default `MAX_LIVE_RUNS`, 10,000): more means fewer rounds for many inputs,
    and about 10 KB of memory each while they wait."""
    max_lines_per_file: int
    """Lines an input file holds at most (Groq's limit, 50,000, by default; lower only)."""
    max_bytes_per_file: int
    """Bytes an input file holds at most (100 MB by default; lower only)."""
    clock: Clock
    """What the polling waits on (a `VirtualClock` in tests)."""
    on_progress: Callable[[BatchProgress], None] | None
    """Called after each status check of a round and at the end, e.g. for a progress bar."""


class BatchInputError(UserError):
    """Groq refused a batch's input file at validation: nothing was run (nor paid for).

    Attributes:
        batch_id: The batch.
        errors: Groq's errors: `code`, `line`, `message`, `param` each.
    """

    def __init__(self, batch_id: str, errors: list[dict[str, Any]]) -> None:
        self.batch_id = batch_id
        self.errors = errors
        shown = '; '.join(
            f'line {error.get("line")}: {error.get("message")} ({error.get("code")})' for error in errors[:5]
        )
        more = f' and {len(errors) - 5} more' if len(errors) > 5 else ''
        super().__init__(f'Groq refused the input file of batch {batch_id}: {shown}{more}')


def groq_model_of(model: Model | str | None) -> GroqModel:
    """The `GroqModel` a batch job runs on.

    Raises:
        UserError: When there is none, or it is another kind of model.
    """
    if model is None:
        raise UserError('No model: pass one to Agent(...) or to run_batch(model=...).')
    resolved = infer_model(model)
    if not isinstance(resolved, GroqModel):
        raise UserError(f"Batch runs need a GroqModel (Groq's Batch API), got {type(resolved).__name__}")
    return resolved


async def run_requests(
    model: Model | str,
    requests: Iterable[tuple[str, Sequence[ModelMessage]]],
    params: ModelRequestParameters,
    options: BatchOptions,
) -> BatchResults[ModelResponse]:
    """One model request per `(custom_id, messages)` on Groq's Batch API; see `direct.model_request_batch`."""
    job = _RequestJob(None, groq_model_of(model), options)
    job.params = params
    return await job.run(requests)


async def run_batch(
    agent: Agent[Any, Any], inputs: Iterable[BatchInput], *, model: Model | str | None, **options: Any
) -> BatchResults[Any]:
    """Run `agent` over `inputs` on Groq's Batch API; see `Agent.run_batch`."""
    job = _Job(agent, groq_model_of(model), BatchOptions(**options))
    return await job.run(inputs)


class _Job:
    def __init__(self, agent: Agent[Any, Any] | None, model: GroqModel, options: BatchOptions) -> None:
        self.agent = agent
        self.model = model
        self.window = options.get('completion_window', '24h')
        try:
            window_seconds(self.window)
        except ValueError as error:
            raise UserError(str(error)) from None
        self.poll_interval = options.get('poll_interval', 60.0)
        self.max_rounds = options.get('max_rounds', 10)
        self.on_expired = options.get('on_expired', 'resubmit')
        self.model_settings = options.get('model_settings')
        self.usage_limits = options.get('usage_limits')
        self.max_live = options.get('max_live_runs', MAX_LIVE_RUNS)
        self.clock = options.get('clock', SYSTEM_CLOCK)
        self.on_progress = options.get('on_progress')
        path = options.get('results_path')
        self.path = None if path is None else Path(path)
        self.api = BatchAPIClient(model)
        self.state = JobState.load(None if self.path is None else state_path_for(self.path), model.model_name)
        self.file = None if self.path is None else ResultsFile(self.path)
        self.results: BatchResults[Any] = BatchResults(self.path)
        self.results.batch_ids = [batch.id for batch in self.state.batches]
        self.rounds = Rounds(
            min(options.get('max_lines_per_file', MAX_LINES), MAX_LINES),
            min(options.get('max_bytes_per_file', MAX_FILE_BYTES), MAX_FILE_BYTES),
        )
        self.round = 0

    async def run(self, inputs: Iterable[Any]) -> BatchResults[Any]:
        done: set[str] = set()
        if self.file is not None:
            done, self.results.counts, self.results.usage = self.file.done()
        self.rounds.recorded = await self._recorded()
        items = _items(inputs, done)
        failure: Exception | None = None
        try:
            async with anyio.create_task_group() as group:
                try:
                    await self._drive(group, items)
                except Exception as error:  # raised as itself, not in a group: the runs are only cancelled
                    failure = error
                    group.cancel_scope.cancel()
        finally:
            self.rounds.close()
            if self.file is not None:
                self.file.close()
        if failure is not None:
            raise failure
        return self.results

    async def _drive(self, group: anyio.abc.TaskGroup, items: Iterator[tuple[str, Any, Any]]) -> None:
        """Start runs as room allows, and send a round each time every live run waits for an answer."""
        while True:
            self._fill(group, items)
            if self.rounds.live == 0:
                break
            await self.rounds.complete()
            if self.rounds.waiting:
                self.round += 1
                await self._run_round()
        self._progress(0, 0, 'done')

    async def _recorded(self) -> dict[str, str]:
        """The lines of the batches an earlier attempt created: custom id -> batch id (the latest wins)."""
        recorded: dict[str, str] = {}
        for batch in self.state.batches:
            async for raw in self.api.lines(batch.input_file_id):
                recorded[json.loads(raw)['custom_id']] = batch.id
        return recorded

    def _fill(self, group: anyio.abc.TaskGroup, items: Iterator[tuple[str, Any, Any]]) -> None:
        while self.rounds.live < self.max_live:
            entry = next(items, None)
            if entry is None:
                return
            self.rounds.started()
            group.start_soon(self._run_item, *entry)

    async def _run_item(self, custom_id: str, prompt: Any, deps: Any) -> None:
        model = ParkedModel(self.model, self.rounds, custom_id, self.max_rounds)
        try:
            item = await self._outcome(custom_id, prompt, deps, model)
        except LineError as error:
            item = BatchItem[Any](custom_id, error.kind, None, _describe(error), model.messages, model.usage)
        except Exception as error:
            item = BatchItem[Any](custom_id, 'failed', None, _describe(error), model.messages, model.usage)
        finally:
            self.rounds.finished()
        self.results.add(item)
        if self.file is not None:
            self.file.append(item)

    async def _outcome(self, custom_id: str, prompt: Prompt, deps: Any, model: ParkedModel) -> BatchItem[Any]:
        """The agent's run of one input, its model requests parked in rounds."""
        assert self.agent is not None
        with self.agent.override(model=model):
            result = await self.agent.run(
                prompt, deps=deps, model_settings=self.model_settings, usage_limits=self.usage_limits
            )
        return BatchItem[Any](custom_id, 'completed', result.output, None, result.all_messages(), result.usage())

    async def _run_round(self) -> None:
        chunks, batches = self.rounds.take()
        for index, chunk in enumerate(chunks, start=1):
            chunk.file.seek(0)
            with chunk.file:
                file_id = await self.api.upload(f'round-{self.round}-part-{index}.jsonl', chunk.file)
            info = await self.api.create(file_id, self.window, {'round': str(self.round)})
            self.state.add(RecordedBatch(info.id, file_id, self.round))
            self.results.batch_ids.append(info.id)
            batches[info.id] = chunk.members
        await self._wait(batches)

    async def _wait(self, batches: dict[str, list[Parked]]) -> None:
        """Poll the round's batches until each ends, and answer its requests as it does."""
        pending = dict(batches)
        lines = sum(len(members) for members in batches.values())
        while pending:
            done_lines, status = 0, 'in_progress'
            for batch_id in list(pending):
                info = await self.api.retrieve(batch_id)
                done_lines += info.completed + info.failed
                status = info.status
                if info.status in TERMINAL_STATUSES:
                    if info.status == 'failed' and info.errors:
                        await self._cancel(pending, but=batch_id)
                        raise BatchInputError(batch_id, info.errors)
                    await self._dispatch(info, pending.pop(batch_id))
            self._progress(lines, done_lines, status)
            if pending:
                await self.clock.sleep(self.poll_interval)

    async def _cancel(self, pending: dict[str, list[Parked]], *, but: str) -> None:
        for batch_id in pending:
            if batch_id != but:
                await self.api.cancel(batch_id)

    async def _dispatch(self, info: BatchInfo, members: list[Parked]) -> None:
        """Answer the batch's requests from its output and error files; the rest by the batch's status."""
        waiting = {parked.custom_id: parked for parked in members}
        expired: dict[str, Parked] = {}
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id is None:
                continue
            async for raw in self.api.lines(file_id):
                line = parse_result_line(raw)
                parked = waiting.pop(line['custom_id'], None)
                if parked is None:
                    continue  # a line of an input that has ended since (an earlier attempt's batch)
                try:
                    response = response_of(line, self.model.model_name, parked.think_tags)
                except LineError:
                    expired[parked.custom_id] = parked
                except (ModelHTTPError, UnexpectedModelBehavior) as error:
                    self._answer(parked, error=error)
                else:
                    self._answer(parked, response)
        for parked in waiting.values():
            if info.status == 'expired':
                expired[parked.custom_id] = parked
            elif info.status == 'cancelled':
                self._answer(parked, error=LineError('cancelled', f'Batch {info.id} was cancelled'))
            else:
                message = f'Batch {info.id} ended {info.status} without a result line for {parked.custom_id}'
                self._answer(parked, error=UnexpectedModelBehavior(message))
        if expired:
            await self._expired(info, expired)

    async def _expired(self, info: BatchInfo, expired: dict[str, Parked]) -> None:
        """Send expired lines again in the next round, or end their runs, as `on_expired` says."""
        if self.on_expired == 'report':
            message = f'Batch {info.id} expired ({self.window} window) before this request ran'
            for parked in expired.values():
                self._answer(parked, error=LineError('expired', message))
            return
        for parked in [parked for parked in expired.values() if parked.sent >= self.max_rounds]:
            message = (
                f'Batch {info.id} expired ({self.window} window) before this request ran, sent {parked.sent} times'
            )
            self._answer(parked, error=LineError('expired', message))
            del expired[parked.custom_id]
        async for raw in self.api.lines(info.input_file_id):
            parked = expired.pop(json.loads(raw)['custom_id'], None)
            if parked is not None:
                parked.sent += 1
                self.rounds.write(raw.encode() + b'\n', parked)

    def _answer(self, parked: Parked, response: Any = None, error: BaseException | None = None) -> None:
        parked.answer(response, error)
        self.rounds.answered(parked)

    def _progress(self, lines: int, done_lines: int, status: str) -> None:
        if self.on_progress is not None:
            counts = self.results.counts
            failures = counts.failed + counts.expired + counts.cancelled
            self.on_progress(BatchProgress(self.round, lines, done_lines, counts.total, failures, status))


def _items(inputs: Iterable[Any], done: set[str]) -> Iterator[tuple[str, Any, Any]]:
    """Each input as `(custom_id, prompt, deps)`, read lazily; inputs already in the results file skipped."""
    seen: set[str] = set()
    for index, entry in enumerate(inputs):
        if isinstance(entry, tuple):
            fields = cast('tuple[Any, ...]', entry)
            custom_id: object = fields[0]
            prompt, deps = fields[1], fields[2] if len(fields) > 2 else None
        else:
            custom_id, prompt, deps = str(index), entry, None
        if not isinstance(custom_id, str) or not custom_id:
            raise UserError(f'Input {index}: a custom_id must be a non-empty string, got {custom_id!r}')
        if custom_id in seen:
            raise UserError(f'Input {index}: the custom_id {custom_id!r} is used by an earlier input')
        seen.add(custom_id)
        if custom_id not in done:
            yield custom_id, prompt, deps


def _describe(error: BaseException) -> str:
    return f'{type(error).__name__}: {error}'


class _RequestJob(_Job):
    """One request per input, no agent: `direct.model_request_batch`."""

    params: ModelRequestParameters

    async def _outcome(self, custom_id: str, prompt: Any, deps: Any, model: ParkedModel) -> BatchItem[Any]:
        messages: Sequence[ModelMessage] = prompt
        response = await model.request(messages, self.model_settings, self.params)
        return BatchItem[Any](custom_id, 'completed', response, None, [*messages, response], model.usage)
