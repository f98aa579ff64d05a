"""A batch job in its own process, for the tests that stop it and run it again: `python tests/_batch_job.py URL OUT N`.

Three rounds a run (two tools, one call a request, then the output tool), polling every 10 ms of real time:
the emulator's clock, not this process, decides when a batch is done.
"""

from __future__ import annotations

import sys

import anyio
from _batch_helpers import MODEL, three_round_agent

from pydantic_ai_groq.models.groq import GroqModel


async def main(base_url: str, results_path: str, count: int) -> None:
    model = GroqModel(MODEL, api_key='emulator-key', base_url=base_url)
    agent = three_round_agent(model)
    results = await agent.run_batch(
        [f'City {index}?' for index in range(count)], results_path=results_path, poll_interval=0.01
    )
    print('counts', results.counts, flush=True)


if __name__ == '__main__':
    anyio.run(main, sys.argv[1], sys.argv[2], int(sys.argv[3]))
