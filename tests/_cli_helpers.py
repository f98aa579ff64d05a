"""Running the real `pydantic-ai-groq` command in a subprocess or a pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

COMMAND = [sys.executable, '-m', 'pydantic_ai_groq']
# Generous: a loaded 2-core machine may take seconds to start an interpreter and import the SDK.
TIMEOUT = 60.0

# CSI sequences (colours, cursor moves, bracketed paste), OSC sequences, lone escapes, and carriage returns.
_CONTROL = re.compile(r'\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?|\r')


def clean(text: str) -> str:
    """The text without terminal control sequences, as a reader would see it (roughly)."""
    return _CONTROL.sub('', text)


def command_env(**variables: str | None) -> dict[str, str]:
    """The test process's environment without Groq settings, plus `variables` (`None` removes one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('GROQ_')}
    env.pop('NO_COLOR', None)
    env['PYTHONUNBUFFERED'] = '1'
    env['COLUMNS'] = '100'
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_command(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command to the end with pipes (so not a terminal: plain text)."""
    return subprocess.run(
        [*COMMAND, *args],
        env=dict(env if env is not None else command_env()),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


class PtyCommand:
    """The command with stdin, stdout and stderr on a pseudo-terminal, driven like a user would."""

    def __init__(self, *args: str, env: Mapping[str, str], command: Sequence[str] = COMMAND) -> None:
        import fcntl
        import pty
        import struct
        import termios

        master, slave = pty.openpty()
        # rows, columns: rich lays the Markdown out for this width.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 100, 0, 0))
        self.process = subprocess.Popen(
            [*command, *args], stdin=slave, stdout=slave, stderr=slave, env=dict(env), start_new_session=True
        )
        os.close(slave)
        self._master = master
        self._raw = b''
        self._seen = 0  # how much of the cleaned output `expect` has consumed

    @property
    def raw(self) -> str:
        """Everything the command wrote so far, control sequences included."""
        return self._raw.decode('utf-8', errors='replace')

    @property
    def output(self) -> str:
        """Everything the command wrote so far, without control sequences."""
        return clean(self.raw)

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """Wait for `pattern` (a regex) to appear after what earlier calls matched; return the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.output, self._seen)
            if match is not None:
                self._seen = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(remaining):
                raise AssertionError(f'{pattern!r} not found in output:\n{self.output[self._seen :]!r}')

    def _read(self, timeout: float) -> bool:
        """Read what is available; `False` at the end of the output."""
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: the command exited and closed the terminal
            return False
        self._raw += data
        return bool(data)

    def send(self, text: str) -> None:
        """Type `text` (add `\\n` to press Enter)."""
        os.write(self._master, text.encode())

    def wait(self, timeout: float = TIMEOUT) -> int:
        """Read the rest of the output and return the exit code."""
        deadline = time.monotonic() + timeout
        while self._read(max(deadline - time.monotonic(), 0.01)) and time.monotonic() < deadline:
            pass
        return self.process.wait(timeout=max(deadline - time.monotonic(), 1))

    def close(self) -> None:
        """Kill the command if it still runs, and release the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self._master)
