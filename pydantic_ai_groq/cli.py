"""The `pydantic-ai-groq` command: ask Groq once, or chat with it in the terminal.

```bash
pydantic-ai-groq "What is Groq?"         # one answer, streamed
pydantic-ai-groq                         # a chat that keeps the conversation until /exit or Ctrl-D
pydantic-ai-groq --list-models           # the catalogue, with context windows
```

With `--offline` it serves the built-in emulator on a loopback port and talks to that; so it does
without `GROQ_API_KEY` in a terminal, marking each answer as the emulator's. A script that forgot its
key (stdout not a terminal) gets an error instead of canned answers.

Only the command imports this module; `import pydantic_ai_groq` does not.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._cli_loop import EventLoop, Interrupted
from ._cli_output import Terminal
from .exceptions import AgentGroqError, ModelAPIError, ModelHTTPError, UserError, error_object

if TYPE_CHECKING:
    from .agent import Agent
    from .messages import ModelMessage
    from .models.groq import GroqModel
    from .result import StreamedRunResult

__all__ = ('DEFAULT_MODEL', 'describe_error', 'main')

DEFAULT_MODEL = 'openai/gpt-oss-120b'
"""The model used without `--model` (Groq's free tier no longer serves `llama-3.3-70b-versatile`)."""

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C

_OFFLINE_KEY = 'offline'  # the emulator accepts any key, GroqModel insists on one
_EMULATED_MARK = '[built-in emulator, no GROQ_API_KEY] '


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: The arguments, without the program name; defaults to `sys.argv[1:]`.

    Returns:
        The exit code: 0 when done, 1 after an error, 130 when Ctrl-C stopped a one-shot answer
        or the chat.

    Raises:
        SystemExit: For wrong arguments (code 2) and `--help` (code 0), from `argparse`.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    prompt = ' '.join(args.prompt).strip()
    if args.json and not prompt and not args.list_models:
        parser.error('--json needs a prompt (or --list-models)')
    terminal = Terminal.detect(sys.stdout, sys.stderr)
    model_name: str = args.model.removeprefix('groq:')
    base_url = ''
    try:
        with contextlib.ExitStack() as stack:
            api_key, emulator_url = _backend(args.offline, terminal, stack, interactive=sys.stdout.isatty())
            from .models.groq import GroqModel  # here, not at the top: `--help` need not load the groq SDK

            model = GroqModel(model_name, api_key=api_key, base_url=emulator_url, max_retries=args.max_retries)
            base_url = model.base_url.rstrip('/')
            loop = EventLoop()
            stack.callback(loop.close)
            stack.callback(lambda: loop.run(model.client.close()))
            if args.list_models:
                _list_models(terminal, loop, model, as_json=args.json)
                return 0
            session = _Session(terminal, loop, model, args.instructions)
            # Without a key, only a person at a terminal gets here; each answer says where it came from.
            session.mark = _EMULATED_MARK if emulator_url and not args.offline else ''
            if not prompt:
                return _chat(session, terminal, base_url, verbose=args.verbose)
            if args.json:
                session.ask_json(prompt)
                return 0
            return 0 if session.ask(prompt) else EXIT_INTERRUPTED
    except (Interrupted, KeyboardInterrupt):
        terminal.dim('(interrupted)')
        return EXIT_INTERRUPTED
    except AgentGroqError as error:
        _report(terminal, error, base_url, verbose=args.verbose)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='pydantic-ai-groq',
        description=(
            'Ask a Groq model a question, or chat with it when no question is given. '
            'With --offline (or without GROQ_API_KEY, in a terminal) the answers come from the built-in Groq emulator.'
        ),
        epilog='In the chat: /exit or Ctrl-D quits, /clear forgets the conversation, Ctrl-C stops an answer.',
    )
    parser.add_argument('prompt', nargs='*', help='the question; without one, start an interactive chat')
    parser.add_argument('-m', '--model', default=DEFAULT_MODEL, help=f'the Groq model id (default: {DEFAULT_MODEL})')
    parser.add_argument('-i', '--instructions', help='instructions sent as the system message with every request')
    parser.add_argument('--list-models', action='store_true', help='list the models, with context windows, and exit')
    parser.add_argument('--json', action='store_true', help='print the messages of the run as JSON instead of the text')
    parser.add_argument('--offline', action='store_true', help='answer from the built-in emulator, even with a key')
    parser.add_argument(
        '--max-retries',
        type=_retries,
        default=None,
        metavar='N',
        help='retries of connection errors, 429 and 5xx (waiting as Groq asks; default: 2)',
    )
    parser.add_argument('-v', '--verbose', action='store_true', help='show the traceback of an error')
    return parser


def _retries(value: str) -> int:
    count = int(value) if value.isdigit() else -1
    if count < 0:
        raise argparse.ArgumentTypeError(f'expected a whole number, 0 or more, not {value!r}')
    return count


def _backend(
    offline: bool, terminal: Terminal, stack: contextlib.ExitStack, *, interactive: bool
) -> tuple[str | None, str | None]:
    """The API key and base URL to use: `None`s for Groq per the environment, or a served emulator's.

    Raises:
        UserError: Without a key and without `--offline` when stdout is not a terminal: a script that
            forgot its key must fail, not get canned answers and exit 0.
    """
    if not offline and os.environ.get('GROQ_API_KEY'):
        return None, None
    if not offline and not interactive:
        raise UserError(
            'GROQ_API_KEY is not set. Set it to ask Groq, or pass --offline for canned answers from the '
            'built-in emulator.'
        )
    from .testing import GroqEmulator

    url = stack.enter_context(GroqEmulator().serve())
    reason = 'Offline' if offline else 'No GROQ_API_KEY set'
    terminal.notice(f'{reason}: answering from the built-in Groq emulator at {url} (canned answers, no network).')
    return _OFFLINE_KEY, url


def _list_models(terminal: Terminal, loop: EventLoop, model: GroqModel, *, as_json: bool) -> None:
    models = loop.run(model.list_models())
    if as_json:
        terminal.write(json.dumps([dataclasses.asdict(info) for info in models], indent=2) + '\n')
    else:
        terminal.models(models)


@dataclasses.dataclass
class _Turn:
    result: StreamedRunResult[str] | None = None


class _Session:
    """A conversation: the agent, and the history that each answer extends."""

    def __init__(self, terminal: Terminal, loop: EventLoop, model: GroqModel, instructions: str | None) -> None:
        from .agent import Agent

        self.terminal = terminal
        self.loop = loop
        self.model_name = model.model_name
        self.agent: Agent[None, str] = Agent(model, instructions=instructions)
        self.history: list[ModelMessage] = []
        self.mark = ''
        """Written before each answer: says when the answers are the emulator's."""

    def ask(self, prompt: str) -> bool:
        """Stream the answer to `prompt` and add the exchange to the history.

        Returns:
            `False` when Ctrl-C stopped the answer; what had arrived is kept in the history.
        """
        turn = _Turn()
        started = time.perf_counter()
        try:
            self.loop.run(self._stream(prompt, turn))
        except Interrupted:
            # The agent keeps the prompt and the partial response in its messages; there is no result
            # only when Ctrl-C came before the run started.
            if turn.result is not None:
                self.history = turn.result.all_messages()
            self.terminal.dim('(interrupted)')
            return False
        assert turn.result is not None  # `_stream` sets it before its first await
        self.history = turn.result.all_messages()
        usage = turn.result.usage()
        elapsed = time.perf_counter() - started
        self.terminal.dim(
            f'{self.model_name} · {usage.input_tokens:,} in / {usage.output_tokens:,} out · {elapsed:.1f} s'
        )
        return True

    async def _stream(self, prompt: str, turn: _Turn) -> None:
        async with self.agent.run_stream(prompt, message_history=self.history) as result:
            turn.result = result
            view = self.terminal.answer()
            if self.mark:
                view.add(self.mark)
            try:
                async for piece in result.stream_text(delta=True):
                    view.add(piece)
            finally:
                view.close()

    def ask_json(self, prompt: str) -> None:
        """Run `prompt` to the end and print the run's messages as JSON."""
        from .messages import ModelMessagesTypeAdapter

        result = self.loop.run(self.agent.run(prompt, message_history=self.history))
        self.history = result.all_messages()
        self.terminal.write(ModelMessagesTypeAdapter.dump_json(self.history, indent=2).decode() + '\n')


def _chat(session: _Session, terminal: Terminal, base_url: str, *, verbose: bool) -> int:
    if sys.stdin.isatty():
        # Importing readline gives `input()` line editing and recall of earlier lines.
        with contextlib.suppress(ImportError):
            importlib.import_module('readline')
    terminal.notice(f'Chatting with {session.model_name}: /exit or Ctrl-D quits, /clear starts over.')
    while True:
        try:
            line = input('> ')
        except EOFError:
            terminal.write('\n')
            return 0
        except KeyboardInterrupt:
            terminal.write('\n')
            return EXIT_INTERRUPTED
        prompt = line.strip()
        if prompt in ('/exit', '/quit'):
            return 0
        if prompt == '/clear':
            session.history = []
            terminal.dim('(conversation cleared)')
        elif prompt:
            try:
                session.ask(prompt)
            except AgentGroqError as error:
                _report(terminal, error, base_url, verbose=verbose)
                if isinstance(error, ModelHTTPError) and error.kind == 'auth':
                    return EXIT_ERROR  # every later request would fail the same way


def _report(terminal: Terminal, error: AgentGroqError, base_url: str, *, verbose: bool) -> None:
    if verbose:
        terminal.stderr.write(''.join(traceback.format_exception(type(error), error, error.__traceback__)))
    terminal.error(f'Error: {describe_error(error, base_url)}')


def describe_error(error: AgentGroqError, base_url: str) -> str:
    """Say in one line what went wrong and, where it helps, what to do.

    Args:
        error: The error.
        base_url: The API root the command talked to.

    Returns:
        One line, without the API key (no error of this package contains it).
    """
    if isinstance(error, ModelHTTPError):
        detail = _error_detail(error.body)
        if error.kind == 'auth':
            return f'Groq rejected the API key ({error.status_code}: {detail}); check GROQ_API_KEY.'
        if error.kind == 'rate_limited':
            wait = f'; try again in {error.retry_after:g} s' if error.retry_after is not None else ''
            return f'Rate limited by Groq (429: {detail}){wait}.'
        text = f'Groq answered {error.status_code}: {detail}'
        return f'{text} {error.hint}' if error.hint else text
    if isinstance(error, ModelAPIError):
        if error.kind == 'timeout':
            return f'Groq at {base_url} did not answer in time; try again.'
        return f'Cannot reach Groq at {base_url}; check the network connection (and GROQ_BASE_URL if set).'
    return ' '.join(str(error).split())


def _error_detail(body: object) -> str:
    error = error_object(body)
    message: Any = error.get('message') if error else None
    text = message if isinstance(message, str) else str(body)
    return ' '.join(text.split())
