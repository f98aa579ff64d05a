"""A durable run on DBOS (SQLite) against a plain `agent.run`: what checkpointing each step costs.

Both run the same agent (one sync tool) against the same in-process emulator: a tool call, then
the answer, so three steps (two model requests, one tool call). The durable run adds the workflow's
records and one SQLite commit per step.

Two rows: the SQLite file in memory-backed storage (`/dev/shm`), which measures the CPU cost of
DBOS and of our step wrappers (the target: it is what the code decides), and the file on disk,
where each commit waits for the disk's fsync (context: it moves with the disk and its load, from
about 4 to 23 ms a step on the 2-core machine these figures come from).
"""

from __future__ import annotations

import os
import tempfile

import anyio

from pydantic_ai_groq import Agent
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator

from ._harness import Options, Row, Target, check_equal, time_pair

__all__ = ('run',)

NAME = 'durable: DBOS/SQLite run vs agent.run (2 requests + 1 tool call)'
IN_MEMORY = f'{NAME}, file in /dev/shm'
ON_DISK = f'{NAME}, file on disk'
STEPS = 3


def charge(amount: int) -> str:
    """Charge the customer's card."""
    return f'charged {amount}'


async def _measure(options: Options, db_dir: str, name: str, target: Target | None) -> Row:
    from dbos import DBOS

    from pydantic_ai_groq.durable.dbos import DBOSAgent

    emulator = GroqEmulator()  # the default policy: call `charge` once, then answer
    model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client())
    agent = Agent(model, name='bench', tools=[charge])
    durable = DBOSAgent(agent)
    DBOS(config={'name': 'bench', 'system_database_url': f'sqlite:///{db_dir}/bench.sqlite', 'log_level': 'WARNING'})
    DBOS.launch()
    try:

        async def ours() -> object:
            return (await durable.run('Charge 5')).output

        async def plain() -> object:
            return (await agent.run('Charge 5')).output

        check_equal('output', await ours(), await plain())
        budget = 1.0 if options.quick else 8.0
        result = await time_pair(ours, plain, budget_s=budget, min_reps=5 if options.quick else 15)
    finally:
        DBOS.destroy()
        await model.client.close()
    per_step_ms = (result.ours_ns - result.baseline_ns) / STEPS / 1e6
    return Row(
        name,
        result.ours_ns / 1e6,
        result.baseline_ns / 1e6,
        'ms',
        target,
        ratio=result.ratio,
        notes=[
            f'{per_step_ms:.2f} ms per step ({STEPS} steps) on top of the run; '
            f'{result.reps} repetitions of {result.inner} runs'
        ],
    )


def run(options: Options) -> list[Row]:
    rows: list[Row] = []
    memory = '/dev/shm' if os.path.isdir('/dev/shm') else None
    # DBOS's cost per step is fixed (thread hand-offs and SQLite commits, about 3 ms here) against a run
    # that has no network at all (the emulator answers in process in about 0.6 ms): measured 2.7 to 5.9
    # on the 2-core machine under load, so 12 holds with margin. Against Groq's own latency (100 ms and
    # more a request) the same cost is a few percent.
    for name, parent, target in ((IN_MEMORY, memory, Target('ratio', 12.0)), (ON_DISK, None, None)):
        if options.wants(name):
            with tempfile.TemporaryDirectory(dir=parent) as db_dir:
                rows.append(anyio.run(_measure, options, db_dir, name, target))
    return rows
