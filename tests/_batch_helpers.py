"""What the batch tests share: a model on an emulator, a three-round agent, a clock another process can use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel

from pydantic_ai_groq import Agent
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator

MODEL = 'llama-3.3-70b-versatile'


class City(BaseModel):
    name: str
    country: str


def three_round_agent(model: GroqModel, calls: list[str] | None = None) -> Agent[None, City]:
    """Three rounds a run on the emulator's default policy: `population`, then `area` (one tool call a
    request), then the output tool."""
    agent = Agent(model, output_type=City, instructions='Be concise.', model_settings={'parallel_tool_calls': False})
    seen = calls if calls is not None else []

    @agent.tool_plain
    async def population(city: str) -> int:
        """Population of a city."""
        seen.append(f'population:{city}')
        return 5

    @agent.tool_plain
    async def area(city: str) -> float:
        """Area of a city in km2."""
        seen.append(f'area:{city}')
        return 1.5

    return agent


@asynccontextmanager
async def emulator_model(emulator: GroqEmulator) -> AsyncIterator[GroqModel]:
    """A `GroqModel` on the emulator, its client closed after."""
    model = emulator.model()
    try:
        yield model
    finally:
        await model.client.close()


def batch_posts(emulator: GroqEmulator) -> int:
    """How many batches were created (`POST /openai/v1/batches`)."""
    return sum(1 for entry in emulator.batches.log if entry == ('POST', '/openai/v1/batches'))


class SteppingClock:
    """The emulator's clock for a job in another process: frozen until `running`, then 1 s a reading."""

    def __init__(self) -> None:
        self.time = 0.0
        self.running = False

    def now(self) -> float:
        if self.running:
            self.time += 1.0
        return self.time

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - the emulator never sleeps on it
        raise NotImplementedError


def batch_polled(emulator: GroqEmulator) -> bool:
    """Whether a batch was created and then polled: the job recorded it in its state file in between."""
    created = False
    for method, path in list(emulator.batches.log):
        created = created or (method, path) == ('POST', '/openai/v1/batches')
        if created and method == 'GET' and path.startswith('/openai/v1/batches/'):
            return True
    return False
