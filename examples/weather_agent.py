"""An agent with tools and dependencies: the weather in two cities, looked up concurrently.

make demo                      # or: .venv/bin/python examples/weather_agent.py
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from _backend import demo_model

from pydantic_ai_groq import Agent, RunContext
from pydantic_ai_groq.testing import Reply, ToolCallReply


@dataclass
class WeatherService:
    """Stands in for a weather API client the tools share."""

    readings: dict[str, tuple[str, int]] = field(
        default_factory=lambda: {'paris': ('sunny', 22), 'london': ('light rain', 14)}
    )
    lookups: list[str] = field(default_factory=list[str])

    async def current(self, city: str) -> tuple[str, int]:
        self.lookups.append(city)
        await asyncio.sleep(0.05)  # the network round trip of a real API
        return self.readings.get(city.lower(), ('unknown', 0))


OFFLINE_SCRIPT = [
    Reply(
        tool_calls=[
            ToolCallReply('get_weather', {'city': 'Paris'}),
            ToolCallReply('get_weather', {'city': 'London'}),
        ]
    ),
    Reply(text='Paris is sunny at 22°C; London has light rain at 14°C. Paris wins for a picnic.'),
]


async def main() -> None:
    with demo_model(OFFLINE_SCRIPT) as model:
        agent = Agent(
            model,
            deps_type=WeatherService,
            instructions='Answer in one or two sentences. Use the tools for facts.',
        )

        @agent.tool
        async def get_weather(ctx: RunContext[WeatherService], city: str) -> str:
            """Current weather in a city.

            Args:
                city: City name in English, e.g. "Paris".
            """
            sky, celsius = await ctx.deps.current(city)
            return f'{sky}, {celsius}°C'

        service = WeatherService()
        result = await agent.run('Paris or London: where is the better picnic weather right now?', deps=service)
        print(f'Answer: {result.output}')
        print(f'Tools looked up: {", ".join(service.lookups)}')
        usage = result.usage()
        print(f'Usage: {usage.requests} requests, {usage.tool_calls} tool calls, {usage.total_tokens} tokens')
        await model.client.close()


if __name__ == '__main__':
    asyncio.run(main())
