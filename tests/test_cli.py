"""The `pydantic-ai-groq` command, against the emulator: as a real process (pipes and a pseudo-terminal) and in-process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import io
import json
import os
import re
import runpy
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _cli_helpers import PtyCommand, command_env, run_command
from inline_snapshot import snapshot
from rich.console import Console

from pydantic_ai_groq import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    UserPromptPart,
)
from pydantic_ai_groq.cli import DEFAULT_MODEL, describe_error, main
from pydantic_ai_groq.cli._loop import EventLoop, Interrupted
from pydantic_ai_groq.cli._output import AnswerView, Terminal, rich_console
from pydantic_ai_groq.cli._session import Session
from pydantic_ai_groq.exceptions import ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, UserError
from pydantic_ai_groq.models.groq import GroqModel, GroqModelInfo
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply

STATS = r'openai/gpt-oss-120b · \d+ in / \d+ out · \d+\.\d s'
WORDS = ' '.join(f'word{i}' for i in range(40))  # streamed a word per chunk

Serve = Callable[..., tuple[GroqEmulator, str]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serve emulators on loopback ports (key `good`) for the duration of the test."""
    with contextlib.ExitStack() as stack:

        def start(*script: Reply | ErrorReply, api_key: str | None = 'good') -> tuple[GroqEmulator, str]:
            emulator = GroqEmulator(script, api_key=api_key)
            return emulator, stack.enter_context(emulator.serve())

        yield start


@pytest.fixture
def groq_env(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> Callable[..., GroqEmulator]:
    """Point the in-process command at a served emulator, as `GROQ_API_KEY` and `GROQ_BASE_URL` would."""

    def start(*script: Reply | ErrorReply, key: str = 'good') -> GroqEmulator:
        emulator, url = serve(*script)
        monkeypatch.setenv('GROQ_API_KEY', key)
        monkeypatch.setenv('GROQ_BASE_URL', url)
        return emulator

    return start


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}'


def user_and_assistant(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m['role'], m['content']) for m in body['messages'] if m['role'] in ('user', 'assistant')]


needs_pty = pytest.mark.skipif(sys.platform == 'win32', reason='pseudo-terminals are POSIX')


# --- the real command, in a subprocess --------------------------------------------------------------------------------


def test_a_script_without_a_key_gets_an_error_not_canned_answers():
    result = run_command('What', 'is', 'Groq?')
    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == (
        'Error: GROQ_API_KEY is not set. Set it to ask Groq, or pass --offline for canned answers from the '
        'built-in emulator.\n'
    )


def test_one_shot_offline_process():
    result = run_command('--offline', 'What', 'is', 'Groq?')
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'success (no tool calls)\n'  # plain text: stdout is a pipe; --offline: no mark
    notice, stats = result.stderr.splitlines()
    assert notice.startswith('Offline: answering from the built-in Groq emulator at http://127.0.0.1:')
    assert '\x1b' not in result.stderr
    assert stats.startswith('openai/gpt-oss-120b · ')


def test_list_models_process():
    result = run_command('--list-models', '--offline', env=command_env(GROQ_API_KEY='unused'))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith('Offline: answering from the built-in Groq emulator at http://127.0.0.1:')
    header, *rows = result.stdout.splitlines()
    assert header.split() == ['model', 'owner', 'context', 'window', 'max', 'completion', 'tokens']
    table = {row.split()[0]: row.split()[-2:] for row in rows}
    assert table['minimaxai/minimax-m2.7'] == ['196,608', '131,072']
    assert table['openai/gpt-oss-120b'] == ['131,072', '65,536']


def test_bad_key_process(serve: Serve):
    _, url = serve()
    env = command_env(GROQ_API_KEY='bad', GROQ_BASE_URL=url)
    result = run_command('hi', env=env)
    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == snapshot("""\
Error: Groq rejected the API key (401: Invalid API Key); check GROQ_API_KEY.
""")
    verbose = run_command('--verbose', 'hi', env=env)
    assert verbose.returncode == 1
    assert verbose.stderr.startswith('Traceback (most recent call last):')
    assert 'pydantic_ai_groq.exceptions.ModelHTTPError: status_code: 401' in verbose.stderr
    assert 'bad' not in verbose.stderr.replace('bad_request', '')  # the key is never shown
    assert verbose.stderr.endswith(result.stderr)


def test_rate_limited_process(serve: Serve):
    emulator, url = serve(ErrorReply(429, headers={'retry-after': '3'}))
    result = run_command('--max-retries', '0', 'hi', env=command_env(GROQ_API_KEY='good', GROQ_BASE_URL=url))
    assert result.returncode == 1
    assert result.stderr.count('\n') == 1
    assert result.stderr.startswith('Error: Rate limited by Groq (429: Rate limit reached')
    assert result.stderr.endswith('; try again in 3 s.\n')
    assert len(emulator.requests) == 1


def test_no_network_process():
    url = closed_port_url()
    result = run_command('--max-retries', '0', 'hi', env=command_env(GROQ_API_KEY='good', GROQ_BASE_URL=url))
    assert result.returncode == 1
    assert result.stderr == (
        f'Error: Cannot reach Groq at {url}; check the network connection (and GROQ_BASE_URL if set).\n'
    )


@needs_pty
def test_terminal_without_rich():
    # Without the cli extra the command prints plain text, also on a terminal; importing the package
    # does not load the command.
    code = (
        'import sys\n'
        "sys.modules['rich'] = None\n"
        'import pydantic_ai_groq\n'
        "assert 'pydantic_ai_groq.cli' not in sys.modules\n"
        'from pydantic_ai_groq.cli import main\n'
        "sys.exit(main(['--offline', 'hi']))\n"
    )
    command = PtyCommand(env=command_env(), command=[sys.executable, '-c', code])
    try:
        assert command.wait() == 0
    finally:
        command.close()
    assert '\x1b' not in command.raw
    assert command.output.splitlines()[1:] == ['success (no tool calls)', command.output.splitlines()[-1]]
    assert re.fullmatch(STATS, command.output.splitlines()[-1])


# --- the real command, in a pseudo-terminal -------------------------------------------------------------------------


@needs_pty
def test_terminal_without_a_key_answers_from_the_emulator_and_says_so():
    command = PtyCommand('What is Groq?', env=command_env())
    try:
        command.expect('No GROQ_API_KEY set: answering from the built-in Groq emulator at http://127.0.0.1:')
        command.expect(re.escape('[built-in emulator, no GROQ_API_KEY] success (no tool calls)'))
        command.expect(STATS)
        assert command.wait() == 0
    finally:
        command.close()


@needs_pty
def test_chat_two_turns_in_terminal(serve: Serve):
    emulator, url = serve(Reply(text='# Groq\n\nRuns models **fast**.'), Reply(text='It was Groq.'))
    command = PtyCommand(env=command_env(GROQ_API_KEY='good', GROQ_BASE_URL=url))
    try:
        command.expect('Chatting with openai/gpt-oss-120b: /exit or Ctrl-D quits')
        command.expect('> ')
        command.send('What is Groq?\n')
        answer = command.expect(STATS)
        command.expect('> ')
        command.send('What did I ask about?\n')
        command.expect('It was Groq.')
        command.expect(STATS)
        command.expect('> ')
        command.send('/exit\n')
        assert command.wait() == 0
    finally:
        command.close()
    # rich rendered the Markdown (at least its final frame): the emphasis is bold, its asterisks are gone.
    assert 'Runs models fast.' in command.output[: answer.start()]
    assert '\x1b[1mfast\x1b[0m' in command.raw
    first, second = emulator.requests
    assert user_and_assistant(second) == [
        ('user', 'What is Groq?'),
        ('assistant', '# Groq\n\nRuns models **fast**.'),
        ('user', 'What did I ask about?'),
    ]
    assert first['stream'] is True


@needs_pty
def test_ctrl_c_mid_stream_keeps_partial_answer(serve: Serve):
    emulator, url = serve(Reply(text=WORDS, chunk_delay=0.2), Reply(text='Noted.'))
    command = PtyCommand(env=command_env(GROQ_API_KEY='good', GROQ_BASE_URL=url))
    try:
        command.expect('> ')
        command.send('Count in words.\n')
        command.expect('word1')
        os.kill(command.process.pid, signal.SIGINT)
        command.expect(r'\(interrupted\)')
        command.expect('> ')
        command.send('Go on.\n')
        command.expect('Noted.')
        command.expect(STATS)
        command.expect('> ')
        command.send('\x04')  # Ctrl-D
        assert command.wait() == 0
    finally:
        command.close()
    assert 'Traceback' not in command.output
    first, second = emulator.requests
    (_, question), (_, partial), (_, follow_up) = user_and_assistant(second)
    assert (question, follow_up) == ('Count in words.', 'Go on.')
    assert partial.startswith('word0 word1')
    assert WORDS.startswith(partial)
    assert len(partial) < len(WORDS)
    assert user_and_assistant(first) == [('user', 'Count in words.')]


# --- in-process, for the details (and for coverage) -----------------------------------------------------------------


def test_one_shot(capsys: pytest.CaptureFixture[str]):
    assert main(['--offline', 'hello']) == 0
    out, err = capsys.readouterr()
    assert out == 'success (no tool calls)\n'
    assert err.startswith('Offline: answering from the built-in Groq emulator at http://127.0.0.1:')
    assert 'openai/gpt-oss-120b · ' in err


def test_model_and_instructions(groq_env: Callable[..., GroqEmulator], capsys: pytest.CaptureFixture[str]):
    emulator = groq_env(Reply(text='Hi!'))
    assert main(['--model', 'groq:llama-3.3-70b-versatile', '--instructions', 'Be brief.', 'hello']) == 0
    out, err = capsys.readouterr()
    assert out == 'Hi!\n'
    assert err.startswith('llama-3.3-70b-versatile · ')  # with a key: no emulator notice
    (body,) = emulator.requests
    assert body['model'] == 'llama-3.3-70b-versatile'
    assert body['messages'] == [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'hello'}]
    assert emulator.request_headers[0]['authorization'] == 'Bearer good'


def test_default_model(groq_env: Callable[..., GroqEmulator], capsys: pytest.CaptureFixture[str]):
    emulator = groq_env(Reply(text='No newline at the end', chunk_size=5))
    assert main(['hi']) == 0
    assert capsys.readouterr().out == 'No newline at the end\n'
    assert emulator.requests[0]['model'] == DEFAULT_MODEL == 'openai/gpt-oss-120b'


def test_json(capsys: pytest.CaptureFixture[str]):
    assert main(['--offline', '--json', 'hello']) == 0
    out, _ = capsys.readouterr()
    messages = ModelMessagesTypeAdapter.validate_json(out)
    request, response = messages
    assert isinstance(request, ModelRequest) and isinstance(response, ModelResponse)
    assert request.parts == [UserPromptPart('hello', timestamp=request.parts[0].timestamp)]
    assert response.parts == [TextPart('success (no tool calls)')]
    assert response.model_name == 'openai/gpt-oss-120b'


def test_wrong_arguments(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc_info:
        main(['--json'])
    assert exc_info.value.code == 2
    assert '--json needs a prompt (or --list-models)' in capsys.readouterr().err
    for retries in ['-1', 'two']:
        with pytest.raises(SystemExit) as exc_info:
            main(['--max-retries', retries, 'hi'])
        assert exc_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith('pydantic-ai-groq: error:')]
    assert errors == [
        "pydantic-ai-groq: error: argument --max-retries: expected a whole number, 0 or more, not '-1'",
        "pydantic-ai-groq: error: argument --max-retries: expected a whole number, 0 or more, not 'two'",
    ]


def test_list_models(capsys: pytest.CaptureFixture[str]):
    assert main(['--offline', '--list-models']) == 0
    out, _ = capsys.readouterr()
    assert out == snapshot("""\
model                                owner          context window  max completion tokens
canopylabs/orpheus-arabic-saudi      Canopy Labs             4,000                 50,000
canopylabs/orpheus-v1-english        Canopy Labs             4,000                 50,000
llama-3.1-8b-instant                 Meta                  131,072                131,072
llama-3.3-70b-versatile              Meta                  131,072                 32,768
meta-llama/llama-prompt-guard-2-22m  Meta                      512                    512
meta-llama/llama-prompt-guard-2-86m  Meta                      512                    512
minimaxai/minimax-m2.7               MiniMax               196,608                131,072
openai/gpt-oss-120b                  OpenAI                131,072                 65,536
openai/gpt-oss-20b                   OpenAI                131,072                 65,536
openai/gpt-oss-safeguard-20b         OpenAI                131,072                 65,536
qwen/qwen3.6-27b                     Alibaba Cloud         131,072                 16,384
qwen/qwen3.8-27b                     Alibaba Cloud         131,072                 16,384
whisper-large-v3                     OpenAI                      -                      -
whisper-large-v3-turbo               OpenAI                      -                      -
""")


def test_list_models_json(capsys: pytest.CaptureFixture[str]):
    assert main(['--offline', '--list-models', '--json']) == 0
    models = json.loads(capsys.readouterr().out)
    assert next(model for model in models if model['id'] == 'llama-3.3-70b-versatile') == {
        'id': 'llama-3.3-70b-versatile',
        'owned_by': 'Meta',
        'active': True,
        'context_window': 131072,
        'max_completion_tokens': 32768,
    }


def test_bad_key(groq_env: Callable[..., GroqEmulator], capsys: pytest.CaptureFixture[str]):
    groq_env(key='bad')
    assert main(['hi']) == 1
    assert capsys.readouterr() == ('', 'Error: Groq rejected the API key (401: Invalid API Key); check GROQ_API_KEY.\n')
    assert main(['--list-models', '--verbose']) == 1
    err = capsys.readouterr().err
    assert err.startswith('Traceback (most recent call last):')
    assert err.endswith('Error: Groq rejected the API key (401: Invalid API Key); check GROQ_API_KEY.\n')


def test_rate_limited_after_default_retries(groq_env: Callable[..., GroqEmulator], capsys: pytest.CaptureFixture[str]):
    # The SDK retries a 429 twice, waiting as retry-after-ms says.
    emulator = groq_env(*[ErrorReply(429, headers={'retry-after-ms': '10'})] * 3)
    assert main(['hi']) == 1
    assert len(emulator.requests) == 3
    err = capsys.readouterr().err
    assert err.startswith('Error: Rate limited by Groq (429: ')
    assert err.endswith('; try again in 0.01 s.\n')


def test_unknown_model(groq_env: Callable[..., GroqEmulator], capsys: pytest.CaptureFixture[str]):
    groq_env()
    assert main(['--model', 'openai/gpt-oss-12b', 'hi']) == 1
    assert capsys.readouterr().err == snapshot(
        "Error: Groq answered 404: The model `openai/gpt-oss-12b` does not exist or you do not have access to it. No model 'openai/gpt-oss-12b'; did you mean 'openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'openai/gpt-oss-safeguard-20b'?\n"
    )


def test_no_network(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    url = closed_port_url()
    monkeypatch.setenv('GROQ_API_KEY', 'good')
    monkeypatch.setenv('GROQ_BASE_URL', url)
    assert main(['--max-retries', '0', 'hi']) == 1
    assert capsys.readouterr().err == (
        f'Error: Cannot reach Groq at {url}; check the network connection (and GROQ_BASE_URL if set).\n'
    )


def test_describe_error():
    assert describe_error(ModelHTTPError(429, 'm', 'busy'), 'https://api.groq.com') == snapshot(
        'Rate limited by Groq (429: busy).'
    )
    assert describe_error(ModelHTTPError(500, 'm', {'error': {'message': 'Oops,\n again'}}), '') == snapshot(
        'Groq answered 500: Oops, again'
    )
    assert describe_error(ModelHTTPError(403, 'm', None), '') == snapshot(
        'Groq rejected the API key (403: None); check GROQ_API_KEY.'
    )
    timeout = ModelAPIError('m', 'Request to Groq timed out', 'timeout')
    assert describe_error(timeout, 'https://api.groq.com') == snapshot(
        'Groq at https://api.groq.com did not answer in time; try again.'
    )
    assert describe_error(UserError('No prompt:\n  say something.'), '') == 'No prompt: say something.'
    assert describe_error(UnexpectedModelBehavior('Stream ended early'), '') == 'Stream ended early'


def test_main_module(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(sys, 'argv', ['pydantic-ai-groq', '--offline', 'hi'])
    with pytest.raises(SystemExit) as exc_info:
        runpy.run_module('pydantic_ai_groq', run_name='__main__')
    assert exc_info.value.code == 0
    assert capsys.readouterr().out == 'success (no tool calls)\n'


def test_main_module_imported():
    module = importlib.import_module('pydantic_ai_groq.__main__')  # imported, not run: nothing happens
    assert module.main is main


class _TtyOutput(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_without_a_key_marks_each_answer(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    terminal = _TtyOutput()
    monkeypatch.setattr(sys, 'stdout', terminal)
    assert main(['hi']) == 0
    assert '[built-in emulator, no GROQ_API_KEY] success (no tool calls)' in terminal.getvalue()
    assert capsys.readouterr().err.startswith('No GROQ_API_KEY set: answering from the built-in Groq emulator')


def test_runs_outside_the_main_thread(capsys: pytest.CaptureFixture[str]):
    # No signal handler can be set there; the command works all the same.
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(main(['--offline', 'hi'])))
    thread.start()
    thread.join(60)
    assert codes == [0]
    assert capsys.readouterr().out == 'success (no tool calls)\n'


# --- the chat, in-process ----------------------------------------------------------------------------------------------


class _TtyInput(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_chat(
    groq_env: Callable[..., GroqEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    emulator = groq_env(Reply(text='One.'), Reply(text='Two.'), Reply(text='Three.'))
    monkeypatch.setattr(sys, 'stdin', _TtyInput('first\n\n  \n/clear\nsecond\nthird\n/quit\nnever sent\n'))
    assert main(['--instructions', 'Be brief.']) == 0
    out, err = capsys.readouterr()
    assert out == '> One.\n> > > > Two.\n> Three.\n> '
    assert err.splitlines()[0] == 'Chatting with openai/gpt-oss-120b: /exit or Ctrl-D quits, /clear starts over.'
    assert '(conversation cleared)' in err
    assert [user_and_assistant(body) for body in emulator.requests] == [
        [('user', 'first')],
        [('user', 'second')],
        [('user', 'second'), ('assistant', 'Two.'), ('user', 'third')],
    ]
    assert all(body['messages'][0] == {'role': 'system', 'content': 'Be brief.'} for body in emulator.requests)


def test_chat_ends_at_end_of_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(sys, 'stdin', io.StringIO('hi\n'))
    assert main(['--offline']) == 0
    assert capsys.readouterr().out == '> success (no tool calls)\n> \n'


def test_chat_ctrl_c_at_the_prompt(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def interrupted_input(prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr('builtins.input', interrupted_input)
    assert main(['--offline']) == 130
    assert capsys.readouterr().out == '\n'


def test_chat_carries_on_after_an_error(
    groq_env: Callable[..., GroqEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    emulator = groq_env(ErrorReply(500), Reply(text='Back.'))
    monkeypatch.setattr(sys, 'stdin', io.StringIO('first\nsecond\n'))
    assert main(['--max-retries', '0']) == 0
    out, err = capsys.readouterr()
    assert out == '> > Back.\n> \n'
    assert 'Error: Groq answered 500: ' in err
    # The failed exchange is not part of the conversation.
    assert user_and_assistant(emulator.requests[1]) == [('user', 'second')]


def test_chat_ends_on_a_bad_key(
    groq_env: Callable[..., GroqEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    emulator = groq_env(key='bad')
    monkeypatch.setattr(sys, 'stdin', io.StringIO('first\nsecond\n'))
    assert main(['--verbose']) == 1
    err = capsys.readouterr().err
    assert 'Traceback (most recent call last):' in err
    assert err.endswith('Error: Groq rejected the API key (401: Invalid API Key); check GROQ_API_KEY.\n')
    assert len(emulator.requests) == 1


# --- Ctrl-C, in-process: the command sends itself SIGINT once an answer has started -------------------------------


def interrupt_answers(monkeypatch: pytest.MonkeyPatch, signals: int) -> None:
    """Make the first piece of each answer be followed by `signals` SIGINTs, as if Ctrl-C was pressed."""
    original = Terminal.answer

    class Interrupting:
        def __init__(self, view: AnswerView) -> None:
            self.view = view
            self.sent = False

        def add(self, piece: str) -> None:
            self.view.add(piece)
            if not self.sent:
                self.sent = True
                for _ in range(signals):
                    os.kill(os.getpid(), signal.SIGINT)
                    signal.getsignal(signal.SIGINT)  # the handler runs before the next signal is sent

        def close(self) -> None:
            self.view.close()

    def answer(self: Terminal) -> AnswerView:
        return Interrupting(original(self))

    monkeypatch.setattr(Terminal, 'answer', answer)


def test_ctrl_c_keeps_the_partial_answer(
    groq_env: Callable[..., GroqEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    emulator = groq_env(Reply(text=WORDS, chunk_delay=0.05), Reply(text='Fine.'))
    monkeypatch.setattr(sys, 'stdin', io.StringIO('count\nand then?\n/exit\n'))
    interrupt_answers(monkeypatch, signals=1)
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('> word0')
    assert out.endswith('\n> Fine.\n> ')
    assert '(interrupted)' in err
    (_, question), (_, partial), (_, follow_up) = user_and_assistant(emulator.requests[1])
    assert (question, follow_up) == ('count', 'and then?')
    assert WORDS.startswith(partial) and len(partial) < len(WORDS)


def test_ctrl_c_stops_a_one_shot_answer(
    groq_env: Callable[..., GroqEmulator], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    groq_env(Reply(text=WORDS, chunk_delay=0.05))
    interrupt_answers(monkeypatch, signals=1)
    assert main(['hi']) == 130
    out, err = capsys.readouterr()
    assert out.startswith('word0') and WORDS.startswith(out.strip()) and len(out) < len(WORDS)
    assert err.endswith('(interrupted)\n')


def test_ctrl_c_while_waiting_for_groq(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def press_ctrl_c(body: dict[str, Any]) -> Reply:
        os.kill(os.getpid(), signal.SIGINT)  # once the request has arrived
        return Reply(text='too late', delay=30)

    with GroqEmulator(policy=press_ctrl_c).serve() as url:
        monkeypatch.setenv('GROQ_API_KEY', 'good')
        monkeypatch.setenv('GROQ_BASE_URL', url)
        assert main(['--json', 'hi']) == 130
    assert capsys.readouterr() == ('', '(interrupted)\n')


def test_second_ctrl_c_stops_waiting_at_once():
    loop = EventLoop()

    async def slow_to_stop() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            # The first Ctrl-C was handled; the user presses it again while this cleanup takes its time.
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(3600)

    try:
        with pytest.raises(KeyboardInterrupt):
            loop.run(slow_to_stop())
    finally:
        loop.close()  # cancels the cleanup


def test_ctrl_c_before_the_run_started(capsys: pytest.CaptureFixture[str]):
    class CancelledAtOnce(EventLoop):
        def run(self, coro: Any) -> Any:
            coro.close()
            raise Interrupted

    loop = CancelledAtOnce()
    model = GroqModel('openai/gpt-oss-120b', api_key='unused')
    session = Session(Terminal(sys.stdout, sys.stderr), loop, model, None)
    history: list[ModelMessage] = [ModelRequest.user_text_prompt('earlier')]
    session.history = history
    assert session.ask('hi') is False
    assert session.history is history
    assert capsys.readouterr().err == '(interrupted)\n'
    loop.close()
    asyncio.run(model.client.close())


def test_event_loop_passes_other_cancellations_on():
    loop = EventLoop()

    async def cancel_itself() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)

    async def leave_a_task_behind() -> asyncio.Task[None]:
        return asyncio.ensure_future(asyncio.sleep(3600))

    try:
        with pytest.raises(concurrent.futures.CancelledError):
            loop.run(cancel_itself())
        left = loop.run(leave_a_task_behind())
    finally:
        loop.close()
    assert left.cancelled()


# --- rich on a terminal ------------------------------------------------------------------------------------------------


def test_plain_answer_ends_its_line():
    out = io.StringIO()
    view = Terminal(out, io.StringIO()).answer()
    for piece in ['One\n', '', 'two']:
        view.add(piece)
    view.close()
    view = Terminal(out, io.StringIO()).answer()
    view.add('Three.\n')
    view.close()
    assert out.getvalue() == 'One\ntwo\nThree.\n'


def rich_terminal() -> tuple[Terminal, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system='standard')
    err_console = Console(file=err, force_terminal=True, width=60, color_system='standard')
    return Terminal(out, err, console, err_console), out, err


def test_rich_answer_is_markdown():
    terminal, out, _ = rich_terminal()
    view = terminal.answer()
    for piece in ['# Title\n\n', 'Some **bold**', ' text.']:
        view.add(piece)
    rendered = view._render()  # pyright: ignore[reportAttributeAccessIssue,reportUnknownMemberType,reportUnknownVariableType]
    assert view._render() is rendered  # pyright: ignore[reportAttributeAccessIssue,reportUnknownMemberType]
    view.close()
    text = out.getvalue()
    assert 'Title' in text and 'bold' in text and 'text.' in text
    assert '**' not in text and '# Title' not in text
    assert '\x1b[1m' in text  # bold


def test_rich_empty_answer_leaves_no_spinner():
    terminal, out, _ = rich_terminal()
    view = terminal.answer()
    view.close()
    assert out.getvalue().rstrip().endswith('\x1b[?25h')  # the cursor is back, the spinner is gone
    assert 'thinking' not in out.getvalue().rsplit('\x1b[2K', 1)[-1]


def test_rich_lines_and_table():
    terminal, out, err = rich_terminal()
    terminal.dim('m · 1 in / 2 out · 0.1 s')
    terminal.notice('[not markup]')
    terminal.error('Error: boom')
    lines = err.getvalue()
    # rich 13 and 14.0 also style each line's newline: the escape codes differ, what a terminal shows does not.
    assert re.sub(r'\x1b\[[0-9;]*m', '', lines) == 'm · 1 in / 2 out · 0.1 s\n[not markup]\nError: boom\n'
    assert '\x1b[2mm · 1 in / 2 out · 0.1 s\x1b[0m' in lines
    assert '\x1b[36m[not markup]\x1b[0m' in lines
    assert '\x1b[1;31mError: boom\x1b[0m' in lines
    terminal.models([GroqModelInfo('whisper-large-v3', 'OpenAI', True, None, None)])
    table = out.getvalue()
    assert 'whisper-large-v3' in table and '┃' in table
    assert 'context window' in table


def test_rich_console_only_for_terminals(monkeypatch: pytest.MonkeyPatch):
    assert rich_console(io.StringIO()) is None
    assert isinstance(rich_console(_TtyInput()), Console)
    monkeypatch.setitem(sys.modules, 'rich.console', None)  # as if the cli extra was not installed
    assert rich_console(_TtyInput()) is None
