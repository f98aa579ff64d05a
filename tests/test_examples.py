"""The examples run as a newcomer runs them (`make demo`), against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / 'examples'
OFFLINE = 'No GROQ_API_KEY: talking to the built-in Groq emulator on a loopback port.'


def run_example(name: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ('GROQ_API_KEY', 'GROQ_BASE_URL')}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f'{name}.py')], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(OFFLINE)
    return result.stdout


@pytest.mark.parametrize(
    ('name', 'expected'),
    [
        ('weather_agent', ['Tools looked up: Paris, London', 'Usage: 2 requests, 2 tool calls,']),
        (
            'structured_extraction',
            ['Fabrikam Ltd, 2026-03-03:', '3 x ergonomic chair at 240.00 EUR', 'Total: 1330.00 EUR'],
        ),
        (
            'stream_structured',
            [
                "partial: TripPlan(city='Kyoto', days=3, highlights=['Fushimi '])",
                'Final plan: 3 days in Kyoto',
                '  - Nishiki market lunch',
            ],
        ),
        (
            'stream_events',
            [
                '[part 0: tool call get_weather, id call_',
                'args: {"city":"Paris"}',
                "ran get_weather -> 'Sunny, 22°C in Paris'",
                'Answer: It is sunny in Paris today, 22°C: a good day for a walk by the Seine.',
            ],
        ),
        (
            'mcp_agent',
            [
                'Answer: London (8,945,309 people) is about four times as populous as Paris (2,102,650).',
                'Usage: 2 requests, 2 tool calls',
            ],
        ),
    ],
)
def test_example_on_the_emulator(name: str, expected: list[str]):
    out = run_example(name)
    for line in expected:
        assert line in out
