"""`pydantic-ai-groq batch`: an agent over a JSONL file of inputs on Groq's Batch API, resumable.

```bash
pydantic-ai-groq batch inputs.jsonl -m openai/gpt-oss-20b -i "Classify the ticket." --output-schema s.json -o out.jsonl
pydantic-ai-groq batch inputs.jsonl -o out.jsonl --status     # the same command again resumes
pydantic-ai-groq batch inputs.jsonl -o out.jsonl --cancel
```

An input line is a JSON string (the prompt) or an object with `prompt` and, optionally, `custom_id`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio

from ..exceptions import AgentGroqError, UserError
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED, report
from ._output import Terminal

if TYPE_CHECKING:
    from ..batch import BatchProgress
    from ..models.groq import GroqModel

__all__ = ('batch_main',)

_DEFAULT_MODEL = 'openai/gpt-oss-20b'


def batch_main(argv: Sequence[str]) -> int:
    """Run the `batch` subcommand; returns the exit code (0, 1 after an error, 130 after Ctrl-C)."""
    args = _parser().parse_args(argv)
    terminal = Terminal.detect(sys.stdout, sys.stderr)
    inputs, output = Path(args.inputs), Path(args.output)
    try:
        with contextlib.ExitStack() as stack:
            model = _model(args, stack, terminal)
            if args.status:
                anyio.run(_status, model, output, terminal)
            elif args.cancel:
                anyio.run(_cancel, model, output, terminal)
            else:
                anyio.run(_run, args, model, inputs, output, terminal)
            return 0
    except KeyboardInterrupt:
        terminal.dim(f'(interrupted: the batches sent are recorded next to {output}; run the same command to resume)')
        return EXIT_INTERRUPTED
    except AgentGroqError as error:
        report(terminal, error, os.environ.get('GROQ_BASE_URL', 'https://api.groq.com'), verbose=args.verbose)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='pydantic-ai-groq batch',
        description="Run an agent over a JSONL file of inputs on Groq's Batch API (resumable: run it again).",
    )
    parser.add_argument('inputs', help='JSONL: a prompt (JSON string) or {"custom_id": ..., "prompt": ...} a line')
    parser.add_argument('-o', '--output', required=True, help='the results file (JSONL), written as inputs end')
    parser.add_argument('-m', '--model', default=_DEFAULT_MODEL, help=f'the Groq model id (default: {_DEFAULT_MODEL})')
    parser.add_argument('-i', '--instructions', help="the agent's instructions")
    parser.add_argument('--output-schema', metavar='FILE', help='a JSON schema file: the output is a JSON object of it')
    parser.add_argument('--completion-window', default='24h', help='24h to 7d (default: 24h)')
    parser.add_argument('--poll-interval', type=float, default=60.0, help='seconds between status checks (default: 60)')
    parser.add_argument('--max-rounds', type=int, default=10, help='model requests a run may take (default: 10)')
    parser.add_argument('--on-expired', choices=('resubmit', 'report'), default='resubmit', help='expired lines')
    parser.add_argument('--status', action='store_true', help="show the job's batches and counts, and exit")
    parser.add_argument('--cancel', action='store_true', help="cancel the job's batches in flight, and exit")
    parser.add_argument('--offline', action='store_true', help="use the built-in emulator's Batch API (instant)")
    parser.add_argument('-v', '--verbose', action='store_true', help='show the traceback of an error')
    return parser


def _model(args: argparse.Namespace, stack: contextlib.ExitStack, terminal: Terminal) -> GroqModel:
    from ..models.groq import GroqModel  # here, not at the top: `--help` need not load the groq SDK

    model_name: str = args.model.removeprefix('groq:')
    if not args.offline:
        return GroqModel(model_name)
    from ..testing import BatchTiming, GroqEmulator

    emulator = GroqEmulator()
    emulator.batches.timing = BatchTiming(0, 0, 0)
    url = stack.enter_context(emulator.serve())
    terminal.notice(f"Offline: the built-in Groq emulator's Batch API at {url} (canned answers, no network).")
    return GroqModel(model_name, api_key='offline', base_url=url)


def read_inputs(path: Path) -> Generator[tuple[str, str]]:
    """The inputs of a JSONL file, read lazily: `(custom_id, prompt)`; a line without an id gets its number.

    Raises:
        UserError: For a line that is neither a JSON string nor an object with a `prompt` string.
    """
    with path.open() as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                value: Any = json.loads(line)
            except ValueError:
                value = None
            entry = cast('dict[str, Any]', value) if isinstance(value, dict) else {'prompt': value}
            if isinstance(entry.get('prompt'), str):
                yield str(entry.get('custom_id', number)), entry['prompt']
            else:
                raise UserError(
                    f'{path}:{number}: expected a JSON string (the prompt) or an object with a "prompt" string'
                )


def _output_type(schema_path: str | None) -> Any:
    if schema_path is None:
        return str
    from ..output import StructuredDict

    try:
        schema = json.loads(Path(schema_path).read_text())
    except (OSError, ValueError) as error:
        raise UserError(f'--output-schema {schema_path}: cannot read a JSON schema ({error})') from error
    return StructuredDict(schema)


async def _run(args: argparse.Namespace, model: GroqModel, inputs: Path, output: Path, terminal: Terminal) -> None:
    from ..agent import Agent

    if not inputs.exists():
        raise UserError(f'{inputs}: no such file')
    with inputs.open() as file:
        total = sum(1 for line in file if line.strip())
    agent = Agent(model, output_type=_output_type(args.output_schema), instructions=args.instructions)
    with _progress(terminal, total) as on_progress, contextlib.closing(read_inputs(inputs)) as lines:
        results = await agent.run_batch(
            lines,
            completion_window=args.completion_window,
            poll_interval=args.poll_interval,
            results_path=output,
            max_rounds=args.max_rounds,
            on_expired=args.on_expired,
            on_progress=on_progress,
        )
    counts = results.counts
    terminal.write(
        f'{counts.completed} completed, {counts.failed} failed, {counts.expired} expired, '
        f'{counts.cancelled} cancelled; results in {output}\n'
    )
    await model.client.close()


@contextlib.contextmanager
def _progress(terminal: Terminal, total: int) -> Generator[Callable[[BatchProgress], None]]:
    """A progress bar (rich, on a terminal) or a line a change (elsewhere), fed by `on_progress`."""
    console = terminal.err_console
    if console is None:
        last: list[str] = []

        def plain(progress: BatchProgress) -> None:
            line = _describe(progress, total)
            if last != [line]:
                terminal.dim(line)
                last[:] = [line]

        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task('round 1', total=total)

        def update(progress: BatchProgress) -> None:
            bar.update(task, completed=progress.items_done, description=_describe(progress, total))

        yield update


def _describe(progress: BatchProgress, total: int) -> str:
    if progress.status == 'done':
        return f'done after {progress.round} rounds: {progress.items_done}/{total} inputs, {progress.failures} failed'
    return (
        f'round {progress.round}: {progress.lines_done}/{progress.lines} lines {progress.status}; '
        f'{progress.items_done}/{total} inputs done, {progress.failures} failed'
    )


async def _status(model: GroqModel, output: Path, terminal: Terminal) -> None:
    from ..batch import batch_job_status

    status = await batch_job_status(output, model)
    for batch in status.batches:
        terminal.write(f'{batch.id}  {batch.status}  {batch.completed + batch.failed}/{batch.total} lines\n')
    counts = status.counts
    terminal.write(
        f'{len(status.batches)} batches, {len(status.in_flight)} in flight; inputs: {counts.completed} completed, '
        f'{counts.failed} failed, {counts.expired} expired, {counts.cancelled} cancelled\n'
    )
    await model.client.close()


async def _cancel(model: GroqModel, output: Path, terminal: Terminal) -> None:
    from ..batch import cancel_batch_job

    cancelled = await cancel_batch_job(output, model)
    terminal.write(f'cancelled {len(cancelled)} batches' + ''.join(f'\n  {batch_id}' for batch_id in cancelled) + '\n')
    await model.client.close()
