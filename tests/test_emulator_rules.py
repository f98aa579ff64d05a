"""The emulator rejects what Groq rejects, from the same model-family table the package uses."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq import Agent
from pydantic_ai_groq.exceptions import ModelHTTPError, UserError
from pydantic_ai_groq.messages import ImageUrl
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.models.groq._catalogue import KEPT_FOR_ENTERPRISE, KNOWN_MODELS, SHUT_DOWN
from pydantic_ai_groq.models.groq._profiles import REASONING_EFFORTS, REASONING_FORMATS, check_reasoning_settings
from pydantic_ai_groq.testing import DEFAULT_MODELS, GroqEmulator, ModelCard, Reply, ToolCallReply
from pydantic_ai_groq.testing._rules import rejection

CHAT = '/openai/v1/chat/completions'
USER: list[dict[str, Any]] = [{'role': 'user', 'content': 'hi'}]
TOOL = {'type': 'function', 'function': {'name': 'f', 'parameters': {'type': 'object', 'properties': {}}}}


async def post(emulator: GroqEmulator, **body: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=emulator)
    async with httpx.AsyncClient(transport=transport, base_url='http://groq-emulator') as http:
        return await http.post(CHAT, json={'messages': USER, **body})


async def error(**body: Any) -> tuple[int, dict[str, Any]]:
    response = await post(GroqEmulator([Reply(text='ok')]), **body)
    return response.status_code, response.json()


async def test_reasoning_rejections():
    assert await error(model='llama-3.3-70b-versatile', reasoning_format='parsed') == snapshot(
        (
            400,
            {
                'error': {
                    'message': 'reasoning_format is not supported with this model',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_format',
                }
            },
        )
    )
    assert await error(model='qwen/qwen3.8-27b', reasoning_format='json') == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_format` must be one of `parsed`, `raw` or `hidden`',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_format',
                }
            },
        )
    )
    assert await error(model='qwen/qwen3.8-27b', reasoning_format='raw', tools=[TOOL]) == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_format` `raw` is not supported with JSON mode or tool use',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_format',
                }
            },
        )
    )
    assert await error(
        model='openai/gpt-oss-120b', reasoning_format='raw', response_format={'type': 'json_object'}
    ) == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_format` `raw` is not supported with JSON mode or tool use',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_format',
                }
            },
        )
    )
    assert await error(model='openai/gpt-oss-20b', reasoning_format='hidden', include_reasoning=False) == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`include_reasoning` cannot be used together with `reasoning_format`',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'include_reasoning',
                }
            },
        )
    )
    assert await error(model='qwen/qwen3.6-27b', reasoning_effort='low') == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_effort` must be one of `none` or `default`',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_effort',
                }
            },
        )
    )
    assert await error(model='openai/gpt-oss-120b', reasoning_effort='none') == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_effort` must be one of `low`, `medium` or `high`',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_effort',
                }
            },
        )
    )
    assert await error(model='llama-3.1-8b-instant', reasoning_effort='high') == snapshot(
        (
            400,
            {
                'error': {
                    'message': '`reasoning_effort` is not supported with this model',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'reasoning_effort',
                }
            },
        )
    )


async def test_response_format_rejections():
    schema = {'type': 'json_schema', 'json_schema': {'name': 'x', 'schema': {'type': 'object'}}}
    assert await error(model='llama-3.3-70b-versatile', response_format=schema) == snapshot(
        (
            400,
            {
                'error': {
                    'message': 'This model does not support response format `json_schema`.',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'response_format',
                }
            },
        )
    )
    assert await error(model='openai/gpt-oss-120b', response_format=schema, tools=[TOOL]) == snapshot(
        (
            400,
            {
                'error': {
                    'message': 'response_format `json_schema` cannot be used with tool use',
                    'type': 'invalid_request_error',
                    'code': None,
                    'param': 'response_format',
                }
            },
        )
    )


async def test_message_rejections():
    thought = {'role': 'assistant', 'content': 'ok', 'reasoning': 'thought'}
    image = {'role': 'user', 'content': [{'type': 'image_url', 'image_url': {'url': 'https://x/cat.png'}}]}
    assert await error(model='llama-3.3-70b-versatile', messages=[*USER, thought, *USER]) == snapshot(
        (
            400,
            {
                'error': {
                    'message': "'messages.1' : for 'role:assistant' the following must be satisfied[('messages.1' : property 'reasoning' is unsupported)]",
                    'type': 'invalid_request_error',
                    'code': None,
                }
            },
        )
    )
    assert await error(
        model='openai/gpt-oss-120b',
        messages=[*USER, {'role': 'assistant', 'content': 'ok', 'reasoning_content': 'x'}],
    ) == snapshot(
        (
            400,
            {
                'error': {
                    'message': "'messages.1' : for 'role:assistant' the following must be satisfied[('messages.1' : property 'reasoning_content' is unsupported)]",
                    'type': 'invalid_request_error',
                    'code': None,
                }
            },
        )
    )
    assert await error(model='llama-3.3-70b-versatile', messages=[image]) == snapshot(
        (
            400,
            {
                'error': {
                    'message': "'messages.0' : for 'role:user' the following must be satisfied[('messages.0.content' : value must be a string)]",
                    'type': 'invalid_request_error',
                    'code': None,
                }
            },
        )
    )
    # What the families take passes.
    for body in (
        {'model': 'openai/gpt-oss-120b', 'messages': [*USER, thought, *USER]},
        {'model': 'qwen/qwen3.8-27b', 'messages': [image]},
        {'model': 'openai/gpt-oss-120b', 'reasoning_format': 'parsed', 'reasoning_effort': 'high'},
        {'model': 'qwen/qwen3.8-27b', 'reasoning_format': 'raw'},
    ):
        assert (await post(GroqEmulator([Reply(text='ok')]), **body)).status_code == 200, body


async def test_models_outside_the_table_pass_through():
    emulator = GroqEmulator([Reply(text='ok')] * 2, models=[ModelCard('vendor/new-model', 'Vendor', 1_000, 100)])
    thought = {'role': 'assistant', 'content': 'ok', 'reasoning': 'thought'}
    body = {'model': 'vendor/new-model', 'reasoning_format': 'hidden', 'reasoning_effort': 'max'}
    assert (await post(emulator, **body, messages=[*USER, thought, *USER])).status_code == 200
    response = await post(emulator, model='vendor/new-model', messages=[*USER, {**thought, 'reasoning_content': 'x'}])
    assert response.status_code == 400  # Groq refuses reasoning_content on every model


def _settings() -> list[dict[str, Any]]:
    formats = [None, *REASONING_FORMATS]
    efforts = [None, *REASONING_EFFORTS]
    return [
        {
            key: value
            for key, value in (
                ('groq_reasoning_format', fmt),
                ('groq_reasoning_effort', effort),
                ('groq_include_reasoning', include),
            )
            if value is not None
        }
        for fmt, effort, include in itertools.product(formats, efforts, [None, True])
    ]


@pytest.mark.parametrize('model_name', sorted(KNOWN_MODELS))
@pytest.mark.parametrize('with_tools', [False, True])
def test_one_table_the_package_refuses_what_the_emulator_rejects(model_name: str, with_tools: bool):
    for settings in _settings():
        raw = {key.removeprefix('groq_'): value for key, value in settings.items()}
        tools = {'tools': [TOOL]} if with_tools else {}
        try:
            sent = check_reasoning_settings(model_name, settings, with_tools_or_json=with_tools)
        except UserError:
            # Refused before sending: what the user asked for is what Groq (and the emulator) rejects.
            assert rejection({'model': model_name, 'messages': USER, **tools, **raw}) is not None, settings
        else:
            # Sent: the emulator takes exactly what the package sends.
            assert rejection({'model': model_name, 'messages': USER, **tools, **sent}) is None, settings


async def test_tool_choice_required_and_a_text_answer_fails_as_on_groq():
    emulator = GroqEmulator([Reply(text='maybe'), Reply(text='maybe', reasoning='no tool')])
    response = await post(emulator, model='openai/gpt-oss-120b', tools=[TOOL], tool_choice='required')
    assert (response.status_code, response.json()) == snapshot(
        (
            400,
            {
                'error': {
                    'message': 'Tool choice is required, but model did not call a tool',
                    'type': 'invalid_request_error',
                    'code': 'tool_use_failed',
                    'failed_generation': 'maybe',
                }
            },
        )
    )
    response = await post(emulator, model='openai/gpt-oss-120b', tools=[TOOL], tool_choice='required', stream=True)
    events = response.text.split('\n\n')
    assert response.status_code == 200
    assert events[-2] == snapshot("""\
event: error
data: {"error":{"message":"Tool choice is required, but model did not call a tool","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"","status_code":400}}\
""")
    assert '"content":"maybe"' in events[-3]


async def test_default_policy_honours_tool_choice():
    emulator = GroqEmulator()
    second = {'type': 'function', 'function': {'name': 'g', 'parameters': {'type': 'object', 'properties': {}}}}
    called = [
        {
            'role': 'assistant',
            'tool_calls': [{'id': 'c1', 'type': 'function', 'function': {'name': 'f', 'arguments': '{}'}}],
        },
        {'role': 'tool', 'tool_call_id': 'c1', 'content': 'done'},
    ]

    async def answer(**body: Any) -> dict[str, Any]:
        response = await post(emulator, model='llama-3.3-70b-versatile', **body)
        assert response.status_code == 200, response.text
        return response.json()['choices'][0]['message']

    # Every tool was called: 'auto' answers in text, 'required' calls a tool again, 'none' never calls one.
    assert 'tool_calls' not in await answer(messages=[*USER, *called], tools=[TOOL], tool_choice='auto')
    message = await answer(messages=[*USER, *called], tools=[TOOL], tool_choice='required')
    assert [call['function']['name'] for call in message['tool_calls']] == ['f']
    assert 'tool_calls' not in await answer(tools=[TOOL], tool_choice='none')
    named = {'type': 'function', 'function': {'name': 'g'}}
    message = await answer(tools=[TOOL, second], tool_choice=named)
    assert [call['function']['name'] for call in message['tool_calls']] == ['g']


async def test_a_tool_call_reply_meets_tool_choice_required():
    emulator = GroqEmulator([Reply(tool_calls=[ToolCallReply('f', {})])])
    response = await post(emulator, model='openai/gpt-oss-120b', tools=[TOOL], tool_choice='required')
    assert response.status_code == 200


async def test_key_tiers():
    assert {card.id for card in DEFAULT_MODELS if not card.active} == set(SHUT_DOWN) - KEPT_FOR_ENTERPRISE
    enterprise, developer = GroqEmulator([Reply(text='ok')]), GroqEmulator(tier='developer')
    assert (await post(enterprise, model='llama-3.3-70b-versatile')).status_code == 200
    response = await post(developer, model='llama-3.3-70b-versatile')
    assert (response.status_code, response.json()['error']['code']) == (400, 'model_decommissioned')
    response = await post(enterprise, model='groq/compound')
    assert (response.status_code, response.json()['error']['code']) == (400, 'model_decommissioned')
    response = await post(enterprise, model='qwen/qwen3.9-27b')
    assert (response.status_code, response.json()['error']['code']) == (404, 'model_not_found')


async def test_the_model_recommended_for_images_is_served_and_reads_them():
    model = GroqModel('llama-3.3-70b-versatile', groq_client=GroqEmulator().client())
    with pytest.raises(UserError, match=r'does not read images; models that do: (.+)\.$') as info:
        await Agent(model).run(['what is this?', ImageUrl('https://example.com/cat.png')])
    await model.client.close()
    recommended = info.value.message.rsplit(': ', 1)[1].rstrip('.').split(', ')
    assert recommended == ['qwen/qwen3.8-27b']
    for tier in ('developer', 'enterprise'):
        emulator = GroqEmulator(tier=tier)
        for name in recommended:
            vision = GroqModel(name, groq_client=emulator.client())
            result = await Agent(vision).run(['what is this?', ImageUrl('https://example.com/cat.png')])
            assert result.output == 'success (no tool calls)'
            await vision.client.close()


async def test_package_errors_name_what_the_emulator_rejected():
    emulator = GroqEmulator()
    model = GroqModel('openai/gpt-oss-120b', groq_client=emulator.client())
    # A history field the family rejects, sent by hand through extra_body, comes back as Groq's 400.
    with pytest.raises(ModelHTTPError) as info:
        await Agent(model).run('hi', model_settings={'extra_body': {'reasoning_effort': 'none'}})
    assert info.value.status_code == 400
    assert '`reasoning_effort` must be one of `low`, `medium` or `high`' in str(info.value)
    await model.client.close()
