"""A Temporal worker process for the crash tests: `python _temporal_worker.py <server address> <task queue>`.

It serves the test workflows until it is killed (the `crash_once` tool kills it from inside an activity).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import _temporal_app as app
from temporalio.client import Client
from temporalio.worker import Worker

from pydantic_ai_groq.durable.temporal import AgentPlugin, PydanticAIGroqPlugin


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address, plugins=[PydanticAIGroqPlugin()])
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[app.SupportWorkflow],
        plugins=[AgentPlugin(app.temporal_agent)],
        # A workflow this worker had cached goes to another worker this soon after this one is gone.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=1),
    )
    print('worker ready', flush=True)
    await worker.run()


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1], sys.argv[2]))
