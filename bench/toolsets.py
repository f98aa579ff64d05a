"""Toolsets against plain tools: the cost of asking three toolsets for their tools every step.

- per step, 3 toolsets and 30 tools: `agent.run` with one tool call and the answer (two steps),
  its 30 tools in three toolsets (a `FunctionToolset`, one `.prefixed('b')`, one `.filtered(...)`),
  against the same agent with the same 30 tools as `tools=[...]`. Both send the same request bodies
  (checked); the ratio is of whole runs, so it is the per-step cost of toolsets diluted by a step's
  other work (building and parsing the request), which is the same on both sides.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pydantic_ai_groq import Agent, Tool
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.toolsets import AbstractToolset, FunctionToolset

from ._harness import Options, Row, Target, check_equal, time_pair

# The round-trip bench's canned replies and transport: the same two steps, measured the same way.
from .agent import ANSWER, MODEL, PROMPT, _client, _in_turn, _RepliesTransport, _weather_replies

__all__ = ('run',)

TOOLSETS_ROW = 'toolsets: per step, 3 toolsets / 30 tools vs 30 plain tools'


async def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f'Sunny, 22C in {city}'


def _numbered(prefix: str, count: int) -> list[Tool[Any]]:
    def make(index: int) -> Callable[..., Any]:
        async def look_up(key: str, limit: int = 10) -> str:
            """Look a key up in one of the reference tables."""
            return f'{index}:{key}:{limit}'

        return look_up

    return [Tool(make(i), name=f'{prefix}tool{i}') for i in range(count)]


def _agents(model: GroqModel) -> tuple[Agent[None, str], Agent[None, str]]:
    weather = Tool(get_weather)
    first, second, third = _numbered('a_', 9), _numbered('', 10), _numbered('c_', 10)
    plain = Agent(model, tools=[weather, *first, *_numbered('b_', 10), *third])
    toolsets: list[AbstractToolset[None]] = [
        FunctionToolset([weather, *first]),
        FunctionToolset(second).prefixed('b'),
        FunctionToolset(third).filtered(lambda ctx, tool_def: not tool_def.name.startswith('x')),
    ]
    return plain, Agent(model, toolsets=toolsets)


async def _per_step(options: Options) -> list[Row]:
    transport = _RepliesTransport(_weather_replies(), _in_turn, record=True)
    model = GroqModel(MODEL, groq_client=_client(transport))
    plain, with_toolsets = _agents(model)

    async def ours() -> str:
        return (await with_toolsets.run(PROMPT)).output

    async def baseline() -> str:
        return (await plain.run(PROMPT)).output

    check_equal('toolsets, ours vs the canned answer', await ours(), ANSWER)
    check_equal('toolsets, plain tools vs the canned answer', await baseline(), ANSWER)
    assert transport.bodies is not None
    bodies = [json.loads(body) for body in transport.bodies]
    check_equal('toolsets, requests sent', bodies[:2], bodies[2:])
    check_equal('toolsets, tools offered', len(bodies[0]['tools']), 30)
    transport.bodies = None
    budget, min_reps = (8, 15) if not options.quick else (1.6, 5)
    result = await time_pair(ours, baseline, budget_s=budget, min_reps=min_reps)
    return [
        Row(
            TOOLSETS_ROW,
            result.ours_ns / 2000,
            result.baseline_ns / 2000,
            'µs',
            Target('ratio', 1.15),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner} runs of two steps each (a call of an '
                'async tool, then the answer); figures are per step; both send the same request bodies (checked)',
                "ours: FunctionToolset(10 tools), FunctionToolset(10).prefixed('b'), FunctionToolset(10).filtered(...)"
                ', asked for their tools before each request; baseline: the same 30 tools as Agent(tools=[...])',
            ],
        )
    ]


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    if options.wants(TOOLSETS_ROW):
        rows.extend(asyncio.run(_per_step(options)))
    return rows
