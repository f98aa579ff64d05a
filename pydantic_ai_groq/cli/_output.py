"""What the command writes: Markdown rendered by `rich` on a terminal, plain text anywhere else.

`rich` comes with the optional `cli` extra. It is used only when a stream is a terminal, and
imported then, so piping the command, or running it without the extra, prints plain text.
Answers and tables go to stdout; notices, the dim line after each answer and errors go to
stderr, so `pydantic-ai-groq "question" > answer.md` keeps only the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from ..models.groq import GroqModelInfo

__all__ = ('AnswerView', 'Terminal', 'rich_console')


class AnswerView(Protocol):
    """Shows one answer while it streams in."""

    def add(self, piece: str) -> None:
        """Show the next piece of the answer."""
        ...

    def close(self) -> None:
        """Show the answer as it stands and end its line; called once, also when the stream broke off."""
        ...


def rich_console(file: TextIO) -> Console | None:
    """A `rich` console on `file` when it is a terminal and `rich` is installed, else `None`."""
    if not file.isatty():
        return None
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(file=file)


class Terminal:
    """The command's output streams, each with a `rich` console when that is worth it.

    Args:
        stdout: Where answers and tables go.
        stderr: Where notices, usage lines and errors go.
        console: A `rich` console on `stdout`, or `None` for plain text.
        err_console: A `rich` console on `stderr`, or `None` for plain text.
    """

    def __init__(
        self, stdout: TextIO, stderr: TextIO, console: Console | None = None, err_console: Console | None = None
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.console = console
        self.err_console = err_console

    @classmethod
    def detect(cls, stdout: TextIO, stderr: TextIO) -> Terminal:
        """Use `rich` on whichever of the two streams is a terminal."""
        return cls(stdout, stderr, rich_console(stdout), rich_console(stderr))

    def answer(self) -> AnswerView:
        """Start showing an answer: live Markdown on a terminal, the text as it arrives elsewhere."""
        if self.console is None:
            return _PlainAnswer(self.stdout)
        return _LiveMarkdown(self.console)

    def write(self, text: str) -> None:
        """Write text to stdout as it is (JSON output)."""
        self.stdout.write(text)
        self.stdout.flush()

    def dim(self, text: str) -> None:
        """A line of secondary information on stderr: the usage line, `(interrupted)`."""
        self._err_line(text, 'dim')

    def notice(self, text: str) -> None:
        """A line telling the user something about the session, on stderr."""
        self._err_line(text, 'cyan')

    def error(self, text: str) -> None:
        """A line saying what went wrong, on stderr."""
        self._err_line(text, 'bold red')

    def _err_line(self, text: str, style: str) -> None:
        if self.err_console is None:
            self.stderr.write(text + '\n')
            self.stderr.flush()
        else:
            self.err_console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def models(self, models: Sequence[GroqModelInfo]) -> None:
        """The model catalogue as a table: id, owner, context window, max completion tokens."""
        header = ('model', 'owner', 'context window', 'max completion tokens')
        rows = [
            (info.id, info.owned_by, _tokens(info.context_window), _tokens(info.max_completion_tokens))
            for info in sorted(models, key=lambda info: info.id)
        ]
        if self.console is None:
            w0, w1, w2, w3 = (max(len(row[i]) for row in [header, *rows]) for i in range(4))
            for model_id, owner, context, completion in [header, *rows]:
                self.stdout.write(f'{model_id:<{w0}}  {owner:<{w1}}  {context:>{w2}}  {completion:>{w3}}\n')
            self.stdout.flush()
            return
        from rich.table import Table

        table = Table(header_style='bold')
        table.add_column(header[0], no_wrap=True)
        table.add_column(header[1])
        table.add_column(header[2], justify='right')
        table.add_column(header[3], justify='right')
        for row in rows:
            table.add_row(*row)
        self.console.print(table)


def _tokens(count: int | None) -> str:
    return '-' if count is None else f'{count:,}'


class _PlainAnswer:
    def __init__(self, file: TextIO) -> None:
        self._file = file
        self._ends_line = True

    def add(self, piece: str) -> None:
        self._file.write(piece)
        self._file.flush()
        if piece:
            self._ends_line = piece.endswith('\n')

    def close(self) -> None:
        if not self._ends_line:
            self._file.write('\n')
            self._file.flush()


class _LiveMarkdown:
    """The answer so far, rendered as Markdown by `rich.live.Live`, refreshed a few times a second.

    The Markdown is parsed when `Live` refreshes (on its own thread), not on every piece: parsing the
    whole text once per piece would cost time quadratic in the length of the answer.
    """

    def __init__(self, console: Console) -> None:
        from rich.live import Live
        from rich.markdown import Markdown
        from rich.spinner import Spinner

        self._markdown = Markdown
        self._text = ''
        self._rendered: tuple[str, RenderableType] | None = None
        self._lock = threading.Lock()
        # Shown until the first text arrives, e.g. while a reasoning model thinks.
        self._waiting: RenderableType | None = Spinner('dots', text='thinking', style='dim')
        # 'ellipsis' keeps a long answer within the screen while it streams; `stop()` prints it whole.
        self._live = Live(
            console=console,
            get_renderable=self._render,
            refresh_per_second=10,
            vertical_overflow='ellipsis',
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def add(self, piece: str) -> None:
        self._text += piece

    def close(self) -> None:
        self._waiting = None
        self._live.stop()

    def _render(self) -> RenderableType:
        text = self._text
        if not text:
            return self._waiting or ''
        with self._lock:
            if self._rendered is None or self._rendered[0] != text:
                self._rendered = (text, self._markdown(text))
            return self._rendered[1]
