"""`agent.iter` driven to the end against `agent.run` on the same script: the cost of handing out nodes.

Both run the same agent (one sync tool) on the same two canned replies, through the one run
loop; `iter` adds a node object per step and a call per node. Target: at most 5% slower.
"""

from __future__ import annotations

import asyncio
import json

from pydantic_ai_groq import Agent
from pydantic_ai_groq.models.groq import GroqModel

from ._harness import Options, Row, Target, check_equal, time_pair
from ._wire import MODEL
from .agent import ANSWER, PROMPT, _client, _in_turn, _RepliesTransport, _weather_replies, get_weather

__all__ = ('run',)

ITER = 'agent: iter driven to the end vs agent.run (same script, 2 requests)'


async def _iter_vs_run(options: Options) -> list[Row]:
    transport = _RepliesTransport(_weather_replies(), _in_turn, record=True)
    agent = Agent(GroqModel(MODEL, groq_client=_client(transport)), tools=[get_weather])

    async def by_run() -> str:
        return (await agent.run(PROMPT)).output

    async def by_iter() -> str:
        async with agent.iter(PROMPT) as agent_run:
            async for _ in agent_run:
                pass
        assert agent_run.result is not None
        return agent_run.result.output

    check_equal('iter vs run, iter answer', await by_iter(), ANSWER)
    check_equal('iter vs run, run answer', await by_run(), ANSWER)
    assert transport.bodies is not None
    sent = [json.loads(body) for body in transport.bodies]
    check_equal('iter vs run, requests sent', sent[:2], sent[2:])
    transport.bodies = None
    budget, min_reps = (6, 15) if not options.quick else (1.2, 5)
    result = await time_pair(by_iter, by_run, budget_s=budget, min_reps=min_reps)
    return [
        Row(
            ITER,
            result.ours_ns / 1000,
            result.baseline_ns / 1000,
            'µs',
            Target('ratio', 1.05),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner} runs; ratio = median of paired ratios; '
                'both send the same request bodies (checked as JSON) and return the same text',
                'ours: async with agent.iter(...) as run: async for node in run; baseline: agent.run(...)',
            ],
        )
    ]


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    if options.wants(ITER):
        rows.extend(asyncio.run(_iter_vs_run(options)))
    return rows
