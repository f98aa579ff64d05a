"""One-shot model requests without the agent loop."""

from __future__ import annotations

import pytest

from pydantic_ai_groq.direct import model_request, model_request_stream, model_request_sync
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import ModelRequest, PartStartEvent, TextPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply

PROMPT = [ModelRequest.user_text_prompt('Hi!')]


async def test_model_request(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='Hello!'))
    response = await model_request(model, PROMPT, model_settings={'temperature': 0})
    assert response.text == 'Hello!'
    assert emulator.requests[0]['temperature'] == 0


async def test_model_request_stream(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='Hello there'))
    async with model_request_stream(model, PROMPT) as stream:
        events = [event async for event in stream]
    assert events[0] == PartStartEvent(0, TextPart('Hello '))
    assert stream.get().text == 'Hello there'


def test_model_request_sync_with_a_model_string(monkeypatch: pytest.MonkeyPatch):
    emulator = GroqEmulator([Reply(text='sync hello')])
    with emulator.serve() as base_url:
        monkeypatch.setenv('GROQ_API_KEY', 'k')
        monkeypatch.setenv('GROQ_BASE_URL', base_url)
        response = model_request_sync('groq:llama-3.3-70b-versatile', PROMPT)
    assert response.text == 'sync hello'


async def test_model_request_sync_inside_a_loop():
    with pytest.raises(UserError, match=r'model_request_sync\(\) cannot be called inside a running event loop'):
        model_request_sync('groq:llama-3.3-70b-versatile', PROMPT)
