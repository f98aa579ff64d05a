"""A fresh process running a workflow whose response has two tool calls: `python _temporal_parallel.py <address>`.

Nothing in this process imports anyio's asyncio backend but our plugin (the emulator is reached in-process,
without httpcore): without the plugin's early import, the tools' task group would import it inside the
workflow sandbox, which refuses it, and the run would never end. Every workflow task error fails the
workflow here, so such a failure shows as an error instead of a hang.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker

from pydantic_ai_groq import Agent
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

BACKEND = 'anyio._backends._asyncio'
IMPORTED_BEFORE_PLUGIN = BACKEND in sys.modules

from pydantic_ai_groq.durable.temporal import AgentPlugin, PydanticAIGroqPlugin, TemporalAgent  # noqa: E402

emulator = GroqEmulator(
    [Reply(tool_calls=[ToolCallReply('first', {}), ToolCallReply('second', {})]), Reply(text='done')]
)
agent = Agent(emulator.model(), name='parallel')


@agent.tool_plain
async def first() -> str:
    return 'one'


@agent.tool_plain
async def second() -> str:
    return 'two'


parallel_agent = TemporalAgent(agent)


@workflow.defn
class ParallelWorkflow:
    @workflow.run
    async def run(self) -> list[str]:
        result = await parallel_agent.run('go')
        returns = [str(getattr(part, 'content', '')) for part in result.all_messages()[2].parts]
        return [*returns, result.output]


async def main(address: str) -> None:
    client = await Client.connect(address, plugins=[PydanticAIGroqPlugin()])
    task_queue = f'parallel-{uuid.uuid4()}'
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ParallelWorkflow],
        plugins=[AgentPlugin(parallel_agent)],
        workflow_failure_exception_types=[Exception],
    )
    async with worker:
        output = await client.execute_workflow(ParallelWorkflow.run, id=task_queue, task_queue=task_queue)
    print(f'backend imported before the plugin: {IMPORTED_BEFORE_PLUGIN}')
    print(' '.join(output))


if __name__ == '__main__':
    asyncio.run(main(sys.argv[1]))
