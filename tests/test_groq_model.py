"""Constructing GroqModel, settings validation, and the streamed == non-streamed property."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pydantic_ai_groq import GroqModel as LazyGroqModel
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import ModelRequest, ModelResponse
from pydantic_ai_groq.models import ModelRequestParameters, infer_model
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply, Usage

PROMPT = [ModelRequest.user_text_prompt('hello')]
PARAMS = ModelRequestParameters()
SECRET = 'gsk_secret_key_do_not_show'


def test_missing_key_names_the_variable():
    with pytest.raises(UserError, match='set the GROQ_API_KEY environment variable'):
        GroqModel('llama-3.3-70b-versatile')


def test_empty_model_name():
    with pytest.raises(UserError, match='needs a model name'):
        GroqModel('', api_key='k')


async def test_key_and_base_url_from_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('GROQ_API_KEY', SECRET)
    monkeypatch.setenv('GROQ_BASE_URL', 'http://groq.internal:8080')
    model = GroqModel('llama-3.3-70b-versatile')
    assert model.client.api_key == SECRET
    assert model.base_url == 'http://groq.internal:8080'
    assert model.model_name == 'llama-3.3-70b-versatile'
    assert model.system == 'groq'
    assert SECRET not in repr(model)
    assert repr(model) == "GroqModel(_model_name='llama-3.3-70b-versatile', settings=None)"
    await model.client.close()


async def test_explicit_arguments():
    emulator = GroqEmulator([Reply(text='via http_client')])
    http_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator))
    model = GroqModel(
        'llama-3.3-70b-versatile',
        api_key=SECRET,
        base_url='http://emulated',
        http_client=http_client,
        max_retries=5,
        settings={'temperature': 0.1},
    )
    assert model.client.max_retries == 5
    response = await model.request(PROMPT, None, PARAMS)
    assert response.text == 'via http_client'
    assert emulator.requests[0]['temperature'] == 0.1
    assert emulator.request_headers[0]['authorization'] == f'Bearer {SECRET}'
    await http_client.aclose()


@pytest.mark.parametrize(
    'kwargs',
    [{'api_key': 'k'}, {'base_url': 'http://x'}, {'http_client': None}, {'max_retries': 1}],
)
async def test_client_plus_other_arguments_conflict(emulator: GroqEmulator, kwargs: dict[str, Any]):
    if 'http_client' in kwargs:
        kwargs['http_client'] = httpx.AsyncClient()
    client = emulator.client()
    with pytest.raises(UserError, match=rf'GroqModel got groq_client and {next(iter(kwargs))}'):
        GroqModel('m', groq_client=client, **kwargs)
    if 'http_client' in kwargs:
        await kwargs['http_client'].aclose()
    await client.close()


def test_lazy_export_and_infer_model(monkeypatch: pytest.MonkeyPatch):
    assert LazyGroqModel is GroqModel
    monkeypatch.setenv('GROQ_API_KEY', 'k')
    model = infer_model('groq:llama-3.1-8b-instant')
    assert isinstance(model, GroqModel)
    assert model.model_name == 'llama-3.1-8b-instant'
    assert infer_model(model) is model
    for bad in ('llama-3.1-8b-instant', 'openai:gpt-4o', 'groq:'):
        with pytest.raises(UserError, match=r'or a string "groq:<model-name>"'):
            infer_model(bad)
    import pydantic_ai_groq

    with pytest.raises(AttributeError, match='has no attribute'):
        pydantic_ai_groq.NotAThing  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue]


@pytest.mark.parametrize(
    ('settings', 'message'),
    [
        ({'temperature': 2.5}, r'temperature=2.5 is out of range; allowed: 0..2'),
        ({'temperature': -0.1}, r'temperature=-0.1 is out of range; allowed: 0..2'),
        ({'temperature': float('nan')}, r'temperature=nan is out of range'),
        ({'temperature': 'hot'}, r"temperature='hot' must be a number in 0..2"),
        ({'temperature': True}, r'temperature=True must be a number in 0..2'),
        ({'top_p': 1.01}, r'top_p=1.01 is out of range; allowed: 0..1'),
        ({'presence_penalty': -3}, r'presence_penalty=-3 is out of range; allowed: -2..2'),
        ({'frequency_penalty': 2.1}, r'frequency_penalty=2.1 is out of range; allowed: -2..2'),
        ({'max_tokens': 0}, r'max_tokens=0 is out of range; allowed: >= 1'),
        ({'max_tokens': 1.5}, r'max_tokens=1.5 must be an integer >= 1'),
        ({'timeout': 0}, r'timeout=0 is out of range; allowed: > 0'),
        ({'stop_sequences': ['a', 'b', 'c', 'd', 'e']}, r'stop_sequences has 5 entries; Groq allows at most 4'),
        ({'stop_sequences': 'END'}, r"stop_sequences='END' must be a list of strings"),
        ({'n': 2}, r'model setting n=2 is not supported: Groq generates exactly one choice; only n=1 is allowed'),
        ({'logprobs': True}, r'logprobs=True is not supported: Groq does not return log probabilities'),
        ({'top_logprobs': 3}, r'top_logprobs=3 is not supported'),
        ({'logit_bias': {'1': 2}}, r'logit_bias=\{.*\} is not supported: Groq does not support logit_bias'),
        ({'extra_body': {'n': 3}}, r'extra_body n=3 is not supported'),
        ({'extra_body': {'logprobs': True}}, r'extra_body logprobs=True is not supported'),
        ({'temprature': 1}, r'Unknown model setting\(s\) temprature; allowed settings are: extra_body, '),
        ({'groq_reasoning_effort': 'max'}, r"groq_reasoning_effort='max' is not allowed; choose one of 'none', "),
        ({'groq_service_tier': 'gold'}, r"groq_service_tier='gold' is not allowed"),
        ({'parallel_tool_calls': 'yes'}, r"parallel_tool_calls='yes' is not allowed; choose one of True, False"),
    ],
)
async def test_settings_rejected_before_any_request(
    emulator: GroqEmulator, model: GroqModel, settings: dict[str, Any], message: str
):
    with pytest.raises(UserError, match=message):
        await model.request(PROMPT, settings, PARAMS)  # pyright: ignore[reportArgumentType]
    with pytest.raises(UserError, match=message):
        async with model.request_stream(PROMPT, settings, PARAMS):  # pyright: ignore[reportArgumentType]
            pass  # pragma: no cover
    with pytest.raises(UserError, match=message):
        GroqModel('m', groq_client=emulator.client(), settings=settings)  # pyright: ignore[reportArgumentType]
    assert emulator.requests == []


async def test_n_equal_one_is_fine(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='ok'))
    await model.request(PROMPT, {'extra_body': {'n': 1}}, PARAMS)
    assert emulator.requests[0]['n'] == 1


# --- streamed == non-streamed, for every chunking ----------------------------------------------

words = st.text(st.characters(codec='utf-8', exclude_categories=['Cs']), min_size=1, max_size=40)
json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | words
tool_args = st.dictionaries(
    st.text(min_size=1, max_size=8), json_scalars | st.lists(json_scalars, max_size=3), max_size=3
)
tool_calls = st.lists(
    st.builds(ToolCallReply, name=st.from_regex(r'[a-z_]{1,12}', fullmatch=True), arguments=tool_args),
    max_size=3,
)
replies = st.builds(
    Reply,
    text=st.none() | words,
    reasoning=st.none() | words,
    tool_calls=tool_calls,
    usage=st.builds(
        Usage,
        prompt_tokens=st.integers(1, 10_000),
        completion_tokens=st.integers(1, 10_000),
        reasoning_tokens=st.none() | st.integers(0, 100),
        cached_tokens=st.none() | st.integers(0, 100),
    ),
    finish_reason=st.sampled_from([None, 'stop', 'length', 'tool_calls']),
)


async def _both_ways(reply: Reply, chunk_size: int | None) -> tuple[ModelResponse, ModelResponse]:
    # Fixed ids: the emulator would generate different ones for the two replies.
    calls = [ToolCallReply(c.name, c.arguments, f'call_{i}') for i, c in enumerate(reply.tool_calls)]
    reply = Reply(**{**reply.__dict__, 'tool_calls': calls, 'id': 'chatcmpl-same', 'created': 1771438841})
    streamed_reply = Reply(**{**reply.__dict__, 'chunk_size': chunk_size})
    emulator = GroqEmulator([reply, streamed_reply])
    model = emulator.model()
    whole = await model.request(PROMPT, None, PARAMS)
    async with model.request_stream(PROMPT, None, PARAMS) as stream:
        async for _ in stream:
            pass
    await model.client.close()
    return whole, stream.get()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies, st.none() | st.integers(1, 50))
def test_streamed_assembles_to_the_non_streamed_response(reply: Reply, chunk_size: int | None):
    whole, streamed = anyio.run(_both_ways, reply, chunk_size)
    assert streamed.parts == whole.parts
    assert streamed.usage == whole.usage
    assert streamed.finish_reason == whole.finish_reason
    assert streamed.model_name == whole.model_name
