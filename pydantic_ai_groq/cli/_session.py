"""A conversation with the model: one-shot answers, the chat loop, and the history each answer extends."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
import time
from typing import TYPE_CHECKING

from ..exceptions import AgentGroqError, ModelHTTPError
from ._errors import EXIT_ERROR, EXIT_INTERRUPTED, report
from ._loop import EventLoop, Interrupted
from ._output import Terminal

if TYPE_CHECKING:
    from ..agent import Agent
    from ..messages import ModelMessage
    from ..models.groq import GroqModel
    from ..result import StreamedRunResult


@dataclasses.dataclass
class Turn:
    result: StreamedRunResult[str] | None = None


class Session:
    """A conversation: the agent, and the history that each answer extends."""

    def __init__(self, terminal: Terminal, loop: EventLoop, model: GroqModel, instructions: str | None) -> None:
        from ..agent import Agent

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
        turn = Turn()
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

    async def _stream(self, prompt: str, turn: Turn) -> None:
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
        from ..messages import ModelMessagesTypeAdapter

        result = self.loop.run(self.agent.run(prompt, message_history=self.history))
        self.history = result.all_messages()
        self.terminal.write(ModelMessagesTypeAdapter.dump_json(self.history, indent=2).decode() + '\n')


def chat(session: Session, terminal: Terminal, base_url: str, *, verbose: bool) -> int:
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
                report(terminal, error, base_url, verbose=verbose)
                if isinstance(error, ModelHTTPError) and error.kind == 'auth':
                    return EXIT_ERROR  # every later request would fail the same way
