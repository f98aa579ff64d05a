"""What the command says when something goes wrong: one line, and the traceback with `--verbose`."""

from __future__ import annotations

import traceback
from typing import Any

from ..exceptions import AgentGroqError, ModelAPIError, ModelHTTPError, error_object
from ._output import Terminal

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C


def report(terminal: Terminal, error: AgentGroqError, base_url: str, *, verbose: bool) -> None:
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
