from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def emulator() -> GroqEmulator:
    return GroqEmulator()


@pytest.fixture
async def model(emulator: GroqEmulator) -> AsyncIterator[GroqModel]:
    groq_model = emulator.model()
    yield groq_model
    await groq_model.client.close()


@pytest.fixture(autouse=True)
def _no_groq_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never talk to the real Groq, whatever the developer's shell holds.
    monkeypatch.delenv('GROQ_API_KEY', raising=False)
    monkeypatch.delenv('GROQ_BASE_URL', raising=False)
