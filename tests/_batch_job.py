"""A batch job in its own process, for the tests that stop it and run it again: `python tests/_batch_job.py URL OUT N`.

Three rounds a run (two tools, one call a request, then the output tool), polling every 10 ms of real time:
the emulator's clock, not this process, decides when a batch is done.
"""

from __future__ import annotations

import sys

import anyio
from pydantic import BaseModel

from pydantic_ai_groq import Agent
from pydantic_ai_groq.models.groq import GroqModel


class City(BaseModel):
    name: str
    country: str


async def main(base_url: str, results_path: str, count: int) -> None:
    model = GroqModel('llama-3.3-70b-versatile', api_key='emulator-key', base_url=base_url)
    agent = Agent(model, output_type=City, model_settings={'parallel_tool_calls': False})

    @agent.tool_plain
    async def population(city: str) -> int:
        """Population of a city."""
        return 5

    @agent.tool_plain
    async def area(city: str) -> float:
        """Area of a city in km2."""
        return 1.5

    results = await agent.run_batch(
        [f'City {index}?' for index in range(count)], results_path=results_path, poll_interval=0.01
    )
    print('counts', results.counts, flush=True)


if __name__ == '__main__':
    anyio.run(main, sys.argv[1], sys.argv[2], int(sys.argv[3]))
