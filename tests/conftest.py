from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import DEFAULT_MODELS, GroqEmulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        'markers',
        'retired_models: the `emulator` fixture serves every model, shut-down ones included '
        '(to test the mapping of retired systems such as groq/compound)',
    )


@pytest.fixture
def anyio_backend() -> str:
    return 'asyncio'


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> GroqEmulator:
    if request.node.get_closest_marker('retired_models') is not None:
        return GroqEmulator(models=[replace(card, active=True) for card in DEFAULT_MODELS])
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
