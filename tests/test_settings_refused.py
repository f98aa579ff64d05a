"""Settings and names Groq would reject, or that cannot be meant: refused through the real SDK before any request."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import BaseModel

from pydantic_ai_groq import Agent, ToolOutput
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator


class _Unserialisable:
    pass


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({'seed': 'x'}, r"seed='x' must be an integer from -2\*\*63 to 2\*\*63 - 1"),
    ({'seed': 1.5}, r'seed=1.5 must be an integer'),
    ({'seed': math.nan}, r'seed=nan must be an integer'),
    ({'seed': True}, r'seed=True must be an integer'),
    ({'seed': 2**70}, r'seed=1180591620717411303424 must be an integer from -2\*\*63 to 2\*\*63 - 1'),
    ({'seed': -(2**63) - 1}, r'seed=-9223372036854775809 must be an integer'),
    ({'stop_sequences': ['']}, r"stop_sequences=\[''\] must be a list of non-empty strings"),
    ({'stop_sequences': ['END', 3]}, r"stop_sequences=\['END', 3\] must be a list of non-empty strings"),
    ({'stop_sequences': {'END'}}, r"stop_sequences=\{'END'\} must be a list of strings"),
    ({'groq_user': 5}, r'groq_user=5 must be a string'),
    ({'groq_documents': 'abc'}, r"groq_documents='abc' must be a list of documents"),
    ({'groq_documents': b'abc'}, r"groq_documents=b'abc' must be a list of documents"),
    ({'groq_documents': ['ok', 7]}, r'groq_documents\[1\]=7 is not a document: use a string, or'),
    ({'groq_documents': [{'text': 'no source'}]}, r"groq_documents\[0\]=\{'text': 'no source'\} is not a document"),
    (
        {'groq_documents': [{'source': {'type': 'url', 'url': 'https://x'}}]},
        r'groq_documents\[0\]=.* is not a document',
    ),
    ({'groq_documents': [{'source': {'type': 'text', 'text': 1}}]}, r'groq_documents\[0\]=.* is not a document'),
    ({'groq_documents': [{'source': {'type': 'json', 'data': 'x'}}]}, r'groq_documents\[0\]=.* is not a document'),
    ({'groq_documents': [{'source': {'type': 'text', 'text': 'a'}, 'id': 3}]}, r'with an optional string "id"'),
    ({'extra_body': [1]}, r'extra_body=\[1\] must be a dict of JSON fields to merge into the body'),
    ({'extra_body': 'abc'}, r"extra_body='abc' must be a dict"),
    ({'extra_body': {'x': math.nan}}, r"extra_body\['x'\]=nan is not JSON \(Out of range float values"),
    ({'extra_body': {'x': _Unserialisable()}}, r"extra_body\['x'\]=<.*_Unserialisable object .*> is not JSON"),
    ({'extra_body': {1: 'x'}}, r'extra_body has the key 1; body field names must be strings'),
    ({'extra_headers': {'x-trace': 5}}, r"extra_headers has 'x-trace': 5; header names and values must be strings"),
    ({'extra_headers': [('x-trace', 'a')]}, r"extra_headers=\[\('x-trace', 'a'\)\] must be a dict"),
]


@pytest.mark.parametrize(('settings', 'message'), REFUSED)
async def test_settings_refused_before_any_request(
    emulator: GroqEmulator, model: GroqModel, settings: dict[str, Any], message: str
):
    agent = Agent(model)
    with pytest.raises(UserError, match=message):
        await agent.run('hello', model_settings=settings)  # pyright: ignore[reportArgumentType]
    with pytest.raises(UserError, match=message):
        async with agent.run_stream('hello', model_settings=settings) as streamed:  # pyright: ignore[reportArgumentType]
            await streamed.get_output()
    with pytest.raises(UserError, match=message):
        GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(), settings=settings)  # pyright: ignore[reportArgumentType]
    assert emulator.requests == []


async def test_a_wrong_extra_body_replaces_the_models_instead_of_crashing_the_merge(emulator: GroqEmulator):
    model = emulator.model(settings={'extra_body': {'service_tier': 'flex'}, 'extra_headers': {'x-a': 'b'}})
    agent = Agent(model)
    with pytest.raises(UserError, match=r"extra_body='abc' must be a dict"):
        await agent.run('hello', model_settings={'extra_body': 'abc'})  # pyright: ignore[reportArgumentType]
    with pytest.raises(UserError, match=r"extra_headers=\['x'\] must be a dict"):
        await agent.run('hello', model_settings={'extra_headers': ['x']})  # pyright: ignore[reportArgumentType]
    assert emulator.requests == []
    await model.client.close()


async def test_allowed_values_are_sent_as_given(emulator: GroqEmulator, model: GroqModel):
    settings: dict[str, Any] = {
        'seed': -(2**63),
        'stop_sequences': ['END', '\n\n'],
        'groq_user': 'user-42',
        'groq_documents': [
            'plain text',
            {'id': 'doc-2', 'source': {'type': 'json', 'data': {'a': 1}}},
            {'source': {'type': 'text', 'text': 'more'}},
        ],
        'extra_body': {'metadata': {'k': [1, 2.5, None, True]}},
        'extra_headers': {'x-trace': 'abc'},
    }
    await Agent(model).run('hello', model_settings=settings)  # pyright: ignore[reportArgumentType]
    body = emulator.requests[0]
    assert body['seed'] == -(2**63)
    assert body['stop'] == ['END', '\n\n']
    assert body['user'] == 'user-42'
    assert body['documents'] == [
        {'source': {'type': 'text', 'text': 'plain text'}},
        {'id': 'doc-2', 'source': {'type': 'json', 'data': {'a': 1}}},
        {'source': {'type': 'text', 'text': 'more'}},
    ]
    assert body['metadata'] == {'k': [1, 2.5, None, True]}
    assert emulator.request_headers[0]['x-trace'] == 'abc'


async def test_none_leaves_seed_and_extras_unset(emulator: GroqEmulator, model: GroqModel):
    settings: dict[str, Any] = {
        'seed': None,
        'stop_sequences': None,
        'groq_user': None,
        'extra_body': None,
        'extra_headers': None,
        'groq_documents': None,
    }
    result = await Agent(model).run('hello', model_settings=settings)  # pyright: ignore[reportArgumentType]
    assert result.output
    assert sorted(emulator.requests[0]) == ['messages', 'model']


class Answer(BaseModel):
    value: int


class AnswerWithAnExtremelyLongNameThatMakesTheDerivedOutputToolNameLongerThanSixtyFour(BaseModel):
    value: int


@pytest.mark.parametrize(
    ('output_type', 'message'),
    [
        (ToolOutput(Answer, name='bad name!'), r"Output tool name 'bad name!' is invalid: Groq requires tool names to"),
        (ToolOutput(Answer, name='x' * 65), r"Output tool name 'x{65}' is invalid"),
        (
            [Answer, AnswerWithAnExtremelyLongNameThatMakesTheDerivedOutputToolNameLongerThanSixtyFour],
            r"Output tool name 'final_result_AnswerWithAnExtremely\w+' is invalid: .*pass `name=` to choose one",
        ),
    ],
)
async def test_output_tool_names_are_checked_like_function_tool_names(
    emulator: GroqEmulator, model: GroqModel, output_type: Any, message: str
):
    with pytest.raises(UserError, match=message):
        Agent(model, output_type=output_type)
    assert emulator.requests == []


async def test_a_valid_output_tool_name_is_sent(emulator: GroqEmulator, model: GroqModel):
    result = await Agent(model, output_type=ToolOutput(Answer, name='give-answer_2')).run('hello')
    assert result.output == Answer(value=0)
    assert [tool['function']['name'] for tool in emulator.requests[0]['tools']] == ['give-answer_2']
