"""Streaming structured output: a growing, validated object on every chunk.

make demo                      # or: .venv/bin/python examples/stream_structured.py
"""

from __future__ import annotations

import asyncio

from _backend import demo_model
from pydantic import BaseModel

from pydantic_ai_groq import Agent
from pydantic_ai_groq.testing import Reply, ToolCallReply


class TripPlan(BaseModel):
    """A short trip plan."""

    city: str
    days: int
    highlights: list[str] = []


OFFLINE_SCRIPT = [
    Reply(
        tool_calls=[
            ToolCallReply(
                'final_result',
                {
                    'city': 'Kyoto',
                    'days': 3,
                    'highlights': ['Fushimi Inari at dawn', 'Arashiyama bamboo grove', 'Nishiki market lunch'],
                },
            )
        ],
        chunk_size=12,
        chunk_delay=0.02,
    )
]


async def main() -> None:
    with demo_model(OFFLINE_SCRIPT) as model:
        agent = Agent(model, output_type=TripPlan, instructions='Plan a short trip. Keep highlights brief.')
        async with agent.run_stream('Three days in Kyoto: what should I not miss?') as result:
            async for plan in result.stream_output():
                print(f'partial: {plan!r}')
        final = await result.get_output()
        print(f'\nFinal plan: {final.days} days in {final.city}')
        for highlight in final.highlights:
            print(f'  - {highlight}')
        await model.client.close()


if __name__ == '__main__':
    asyncio.run(main())
