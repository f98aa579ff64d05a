"""The `pydantic-ai-groq` command: ask Groq once, or chat with it in the terminal.

```bash
pydantic-ai-groq "What is Groq?"         # one answer, streamed
pydantic-ai-groq                         # a chat that keeps the conversation until /exit or Ctrl-D
pydantic-ai-groq --list-models           # the catalogue, with context windows
pydantic-ai-groq batch in.jsonl -o out.jsonl   # an agent over a file of inputs on Groq's Batch API
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
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..exceptions import AgentGroqError, UserError
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED, describe_error, report
from ._loop import EventLoop, Interrupted
from ._output import Terminal
from ._session import Session, chat

if TYPE_CHECKING:
    from ..models.groq import GroqModel

__all__ = ('DEFAULT_MODEL', 'describe_error', 'main')

DEFAULT_MODEL = 'openai/gpt-oss-120b'
"""The model used without `--model` (Groq's free tier no longer serves `llama-3.3-70b-versatile`)."""

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
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ['batch']:
        from ._batch import batch_main

        return batch_main(arguments[1:])
    parser = _parser()
    args = parser.parse_args(arguments)
    prompt = ' '.join(args.prompt).strip()
    if args.json and not prompt and not args.list_models:
        parser.error('--json needs a prompt (or --list-models)')
    terminal = Terminal.detect(sys.stdout, sys.stderr)
    model_name: str = args.model.removeprefix('groq:')
    base_url = ''
    try:
        with contextlib.ExitStack() as stack:
            api_key, emulator_url = _backend(args.offline, terminal, stack, interactive=sys.stdout.isatty())
            from ..models.groq import GroqModel  # here, not at the top: `--help` need not load the groq SDK

            model = GroqModel(model_name, api_key=api_key, base_url=emulator_url, max_retries=args.max_retries)
            base_url = model.base_url.rstrip('/')
            loop = EventLoop()
            stack.callback(loop.close)
            stack.callback(lambda: loop.run(model.client.close()))
            if args.list_models:
                _list_models(terminal, loop, model, as_json=args.json)
                return 0
            session = Session(terminal, loop, model, args.instructions)
            # Without a key, only a person at a terminal gets here; each answer says where it came from.
            session.mark = _EMULATED_MARK if emulator_url and not args.offline else ''
            if not prompt:
                return chat(session, terminal, base_url, verbose=args.verbose)
            if args.json:
                session.ask_json(prompt)
                return 0
            return 0 if session.ask(prompt) else EXIT_INTERRUPTED
    except (Interrupted, KeyboardInterrupt):
        terminal.dim('(interrupted)')
        return EXIT_INTERRUPTED
    except AgentGroqError as error:
        report(terminal, error, base_url, verbose=args.verbose)
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
    from ..testing import GroqEmulator

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
