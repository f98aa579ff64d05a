"""The examples run as a newcomer runs them (`make demo`), against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / 'examples'


def test_stream_events_demo_on_the_emulator():
    env = {k: v for k, v in os.environ.items() if k not in ('GROQ_API_KEY', 'GROQ_BASE_URL')}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / 'stream_events.py')], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith('No GROQ_API_KEY: talking to the built-in Groq emulator')
    assert '[part 0: tool call get_weather, id call_' in out
    assert 'args: {"city":"Paris"}' in out
    assert "ran get_weather -> 'Sunny, 22°C in Paris'" in out
    assert 'finish_reason=tool_call' in out
    assert out.rstrip().endswith('Answer: It is sunny in Paris today, 22°C: a good day for a walk by the Seine.')
