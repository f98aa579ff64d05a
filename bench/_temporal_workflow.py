"""The Temporal bench's agent and workflow (a module of its own: the workflow sandbox re-imports it per run)."""

from __future__ import annotations

from temporalio import workflow

from pydantic_ai_groq import Agent
from pydantic_ai_groq.durable.temporal import TemporalAgent
from pydantic_ai_groq.models.groq import GroqModel

from .agent import MODEL, _by_role, _client, _RepliesTransport, _weather_replies

# Both contenders send through this in-process transport: the tool call, then the answer.
transport = _RepliesTransport(_weather_replies(), _by_role)


async def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f'Sunny, 22C in {city}'


agent = Agent(GroqModel(MODEL, groq_client=_client(transport)), name='bench', tools=[get_weather])
temporal_agent = TemporalAgent(agent)


@workflow.defn
class WeatherWorkflow:
    """One run of the weather agent."""

    @workflow.run
    async def run(self, prompt: str) -> str:
        return (await temporal_agent.run(prompt)).output
