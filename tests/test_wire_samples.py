"""Recorded Groq traffic (tests/fixtures/wire_samples) replayed through the emulator and the response reader.

For every recorded interaction the recorded request body goes to the emulator, scripted with what
Groq answered (the model's words; status codes and error bodies the emulator decides itself where
it can). The emulator must take every request Groq took, reject what Groq rejected with Groq's
status and body, and its answer must read exactly as Groq's answer reads through `GroqModel`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import groq
import httpx
import pytest

from pydantic_ai_groq.exceptions import ModelHTTPError
from pydantic_ai_groq.messages import ModelRequest, ModelResponse, ToolCallPart
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import DEFAULT_MODELS, ErrorReply, GroqEmulator, ModelCard, Reply, ToolCallReply, Usage

SAMPLES = Path(__file__).parent / 'fixtures' / 'wire_samples'
CHAT = '/openai/v1/chat/completions'
PROMPT = [ModelRequest.user_text_prompt('replayed')]


@dataclass
class Recorded:
    status: int
    headers: dict[str, str]
    body: Any


def _interactions() -> list[tuple[str, int, dict[str, Any], Recorded]]:
    cases: list[tuple[str, int, dict[str, Any], Recorded]] = []
    for path in sorted(SAMPLES.glob('*.json')):
        for index, interaction in enumerate(json.loads(path.read_text())['interactions']):
            response = interaction['response']
            recorded = Recorded(response['status'], response['headers'], response['body'])
            cases.append((path.name, index, interaction['request']['body'], recorded))
    return cases


INTERACTIONS = _interactions()


def test_every_sample_is_replayed():
    assert sorted({name for name, *_ in INTERACTIONS}) == sorted(path.name for path in SAMPLES.glob('*.json'))
    assert len(INTERACTIONS) == 9


def _usage(usage: dict[str, Any]) -> Usage:
    return Usage(
        prompt_tokens=usage['prompt_tokens'],
        completion_tokens=usage['completion_tokens'],
        reasoning_tokens=(usage.get('completion_tokens_details') or {}).get('reasoning_tokens'),
        cached_tokens=(usage.get('prompt_tokens_details') or {}).get('cached_tokens'),
        queue_time=usage['queue_time'],
        prompt_time=usage['prompt_time'],
        completion_time=usage['completion_time'],
    )


def _calls(calls: list[dict[str, Any]]) -> list[ToolCallReply]:
    return [ToolCallReply(call['function']['name'], call['function']['arguments'], id=call['id']) for call in calls]


def _chunks(stream: str) -> list[dict[str, Any]]:
    payloads = [json.loads(line[len('data: ') :]) for line in stream.split('\n') if line.startswith('data: {')]
    return [payload for payload in payloads if 'choices' in payload]


def _script(recorded: Recorded) -> Reply | ErrorReply | None:
    """What the model said in the recording, as an emulator reply; `None` where the emulator decides alone."""
    body = recorded.body
    if isinstance(body, str):  # a stream: gather the deltas back into one reply
        chunks = _chunks(body)
        deltas = [chunk['choices'][0]['delta'] for chunk in chunks]
        final = chunks[-1]
        return Reply(
            text=''.join(delta.get('content') or '' for delta in deltas) or None,
            reasoning=''.join(delta.get('reasoning') or '' for delta in deltas) or None,
            tool_calls=_calls([call for delta in deltas for call in delta.get('tool_calls', [])]),
            usage=_usage(final['usage']) if 'usage' in final else None,
            id=final['id'],
            created=final['created'],
            system_fingerprint=final['system_fingerprint'],
        )
    if recorded.status == 404:
        return None  # the emulator knows its catalogue: it must answer Groq's 404 by itself
    if recorded.status != 200:
        return ErrorReply(recorded.status, body)  # the model's failed generation, as Groq reported it
    message = body['choices'][0]['message']
    return Reply(
        text=message.get('content'),
        reasoning=message.get('reasoning'),
        tool_calls=_calls(message.get('tool_calls', [])),
        finish_reason=body['choices'][0]['finish_reason'],
        usage=_usage(body['usage']),
        id=body['id'],
        created=body['created'],
        service_tier=body['service_tier'],
        system_fingerprint=body['system_fingerprint'],
    )


async def _emulate(request: dict[str, Any], recorded: Recorded) -> Recorded:
    script = _script(recorded)
    # The key at recording time still had the Llama 4 models (shut down since 2026-07-17).
    cards = [*DEFAULT_MODELS, ModelCard('meta-llama/llama-4-scout-17b-16e-instruct', 'Meta', 131_072, 8_192)]
    emulator = GroqEmulator([] if script is None else [script], models=cards)
    transport = httpx.ASGITransport(app=emulator)
    async with httpx.AsyncClient(transport=transport, base_url='http://groq-emulator') as http:
        response = await http.post(CHAT, json=request)
    assert emulator.pending == 0
    body: Any = response.text if request.get('stream') and response.status_code == 200 else response.json()
    return Recorded(response.status_code, dict(response.headers), body)


async def _read(model_name: str, answer: Recorded, stream: bool) -> ModelResponse | tuple[int, object]:
    """What `GroqModel` makes of an answer: the response, or the error it raises."""

    def handler(request: httpx.Request) -> httpx.Response:
        content = answer.body.encode() if isinstance(answer.body, str) else json.dumps(answer.body).encode()
        return httpx.Response(answer.status, content=content, headers={'content-type': answer.headers['content-type']})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = groq.AsyncGroq(api_key='k', base_url='http://groq-replay', max_retries=0, http_client=http)
    model = GroqModel(model_name, groq_client=client)
    try:
        if not stream:
            return await model.request(PROMPT, None, ModelRequestParameters())
        async with model.request_stream(PROMPT, None, ModelRequestParameters()) as streamed:
            async for _ in streamed:
                pass
        return streamed.get()
    except ModelHTTPError as e:
        return e.status_code, e.body
    finally:
        await client.close()


def _comparable(response: ModelResponse | tuple[int, object]) -> Any:
    if not isinstance(response, ModelResponse):
        return response
    # Request ids are the server's own; times are compared to the nanosecond Groq reports.
    details = {
        key: round(value, 9) if isinstance(value, float) else value
        for key, value in (response.provider_details or {}).items()
        if key != 'x_groq_id'
    }
    parts = response.parts
    if response.finish_reason == 'error':  # a failed generation's tool calls get ids of our own
        parts = [replace(part, tool_call_id='') if isinstance(part, ToolCallPart) else part for part in parts]
    return (parts, response.usage, response.finish_reason, response.model_name, details)


@pytest.mark.parametrize(
    ('name', 'index', 'request_body', 'recorded'),
    INTERACTIONS,
    ids=[f'{name}[{index}]' for name, index, *_ in INTERACTIONS],
)
async def test_replay(name: str, index: int, request_body: dict[str, Any], recorded: Recorded):
    emulated = await _emulate(request_body, recorded)
    # Groq's verdict on the request: the emulator takes what Groq took and rejects what Groq rejected.
    assert emulated.status == recorded.status
    if recorded.status != 200:
        assert emulated.body == recorded.body
    if isinstance(recorded.body, str):
        # In-stream errors are the emulator's own (tool_choice required answered with text): same event.
        recorded_errors = [part for part in recorded.body.split('\n\n') if part.startswith('event: error')]
        emulated_errors = [part for part in emulated.body.split('\n\n') if part.startswith('event: error')]
        assert emulated_errors == recorded_errors
    # The reader makes the same response of both.
    stream = bool(request_body.get('stream'))
    from_groq = await _read(request_body['model'], recorded, stream)
    from_emulator = await _read(request_body['model'], emulated, stream)
    assert _comparable(from_emulator) == _comparable(from_groq)
    if isinstance(from_groq, ModelResponse):
        assert from_groq.parts, 'every recorded answer carries something'
