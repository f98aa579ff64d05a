"""Where the examples send their requests: Groq when GROQ_API_KEY is set, else the built-in emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply

# llama-3.3-70b-versatile, the project's usual example, is shut down for Groq's free and developer tiers.
MODEL_NAME = os.environ.get('GROQ_MODEL', 'openai/gpt-oss-120b')


@contextmanager
def demo_model(offline_script: Sequence[Reply | ErrorReply]) -> Iterator[GroqModel]:
    """A GroqModel on Groq (GROQ_API_KEY set) or on the emulator answering from `offline_script`."""
    if os.environ.get('GROQ_API_KEY'):
        print(f'Talking to Groq ({MODEL_NAME}): GROQ_API_KEY is set.\n')
        yield GroqModel(MODEL_NAME)
        return
    print('No GROQ_API_KEY: talking to the built-in Groq emulator on a loopback port.\n')
    emulator = GroqEmulator(offline_script)
    with emulator.serve() as base_url:
        yield GroqModel(MODEL_NAME, api_key='emulator-key', base_url=base_url)
