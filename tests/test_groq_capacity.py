"""What fits a model: context windows from a catalogue or the built-in table, and the token estimate."""

from __future__ import annotations

from pydantic_ai_groq.models.groq._capacity import CONTEXT_MARGIN, context_window, estimate_tokens, obviously_exceeds
from pydantic_ai_groq.models.groq._catalogue import GroqModelInfo


def test_context_window():
    live = {'openai/gpt-oss-120b': GroqModelInfo('openai/gpt-oss-120b', 'OpenAI', True, 100_000, None)}
    assert context_window('openai/gpt-oss-120b', live) == 100_000  # what the API says wins
    assert context_window('openai/gpt-oss-120b') == 131_072
    assert context_window('minimaxai/minimax-m2.7', live) == 196_608  # not in the live list: built-in table
    assert context_window('whisper-large-v3') is None
    assert context_window('no-such-model', live) is None


def test_estimate_tokens():
    assert estimate_tokens('') == 0
    assert estimate_tokens('abc') == 1
    assert estimate_tokens('abcd') == 1
    assert estimate_tokens('abcde') == 2
    assert estimate_tokens('The quick brown fox jumps over the lazy dog.') == 11
    # Runs of whitespace count as one character: indentation does not inflate the estimate.
    assert estimate_tokens('def f():\n        return 1\n') == estimate_tokens('def f(): return 1 ')


def test_obviously_exceeds():
    assert CONTEXT_MARGIN == 1.5
    assert not obviously_exceeds(150_000, 131_072)  # over the window, but within the estimate's error
    assert not obviously_exceeds(196_608, 131_072)  # exactly 1.5x
    assert obviously_exceeds(196_609, 131_072)
    assert not obviously_exceeds(10**9, None)
    assert obviously_exceeds(estimate_tokens('x' * 4 * 800), 512)
