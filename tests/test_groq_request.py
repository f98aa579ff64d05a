"""What GroqModel puts on the wire: every part kind, tools, output modes and settings."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq import GroqModel, GroqModelSettings
from pydantic_ai_groq.output import OutputObjectDefinition
from pydantic_ai_groq.testing import GroqEmulator, Reply
from pydantic_ai_groq.tools import ToolDefinition

WEATHER = ToolDefinition(
    'get_weather',
    {
        'type': 'object',
        'properties': {'city': {'type': 'string'}},
        'required': ['city'],
        'additionalProperties': False,
    },
    'Get the current weather for a city.',
)
NO_TOOLS = ModelRequestParameters()


async def test_every_part_kind(emulator: GroqEmulator):
    model = emulator.model('qwen/qwen3.8-27b')  # reads images
    emulator.push(Reply(text='ok'))
    history: list[ModelMessage] = [
        ModelRequest(
            [
                SystemPromptPart('Be concise.'),
                SystemPromptPart('Use metric units.'),
                UserPromptPart('Weather in Paris and Rome?'),
            ],
            instructions='old instructions are not sent',
        ),
        ModelResponse(
            [
                ThinkingPart('I should call the tool twice.'),
                TextPart('Checking.'),
                ToolCallPart('get_weather', '{"city":"Paris"}', 'call_1'),
                ToolCallPart('get_weather', {'city': 'Rome'}, 'call_2'),
                BuiltinToolCallPart('web_search', {'q': 'x'}, 'b1'),
                BuiltinToolReturnPart('web_search', {'results': []}, 'b1'),
            ]
        ),
        ModelRequest(
            [
                ToolReturnPart('get_weather', 'Sunny, 22C', 'call_1'),
                ToolReturnPart('get_weather', {'sky': 'rain', 'temp_c': 14}, 'call_2'),
            ]
        ),
        ModelResponse([ToolCallPart('get_weather', '{"town":"Oslo"}', 'call_3')]),
        ModelRequest(
            [
                RetryPromptPart(
                    [{'type': 'missing', 'loc': ('city',), 'msg': 'Field required', 'input': {'town': 'Oslo'}}],
                    tool_name='get_weather',
                    tool_call_id='call_3',
                ),
            ]
        ),
        ModelResponse([TextPart('Paris is sunny.')]),
        ModelRequest(
            [
                RetryPromptPart('Please answer for both cities.'),
                UserPromptPart(
                    [
                        'And this picture?',
                        ImageUrl('https://example.com/sky.png', detail='low'),
                        BinaryContent(b'\x89PNG', 'image/png'),
                    ]
                ),
            ],
            instructions='Answer in English.',
        ),
    ]
    await model.request(history, None, ModelRequestParameters(function_tools=[WEATHER]))
    assert emulator.requests[0]['messages'] == snapshot(
        [
            {'role': 'system', 'content': 'Be concise.'},
            {'role': 'system', 'content': 'Use metric units.'},
            {'role': 'system', 'content': 'Answer in English.'},
            {'role': 'user', 'content': 'Weather in Paris and Rome?'},
            {
                'role': 'assistant',
                'content': 'Checking.',
                'reasoning': 'I should call the tool twice.',
                'tool_calls': [
                    {
                        'id': 'call_1',
                        'type': 'function',
                        'function': {'name': 'get_weather', 'arguments': '{"city":"Paris"}'},
                    },
                    {
                        'id': 'call_2',
                        'type': 'function',
                        'function': {'name': 'get_weather', 'arguments': '{"city":"Rome"}'},
                    },
                ],
            },
            {'role': 'tool', 'tool_call_id': 'call_1', 'content': 'Sunny, 22C'},
            {'role': 'tool', 'tool_call_id': 'call_2', 'content': '{"sky":"rain","temp_c":14}'},
            {
                'role': 'assistant',
                'tool_calls': [
                    {
                        'id': 'call_3',
                        'type': 'function',
                        'function': {'name': 'get_weather', 'arguments': '{"town":"Oslo"}'},
                    }
                ],
            },
            {
                'role': 'tool',
                'tool_call_id': 'call_3',
                'content': """\
1 validation error:
```json
[
  {
    "type": "missing",
    "loc": [
      "city"
    ],
    "msg": "Field required",
    "input": {
      "town": "Oslo"
    }
  }
]
```

Fix the errors and try again.\
""",
            },
            {'role': 'assistant', 'content': 'Paris is sunny.'},
            {
                'role': 'user',
                'content': """\
Please answer for both cities.

Fix the errors and try again.\
""",
            },
            {
                'role': 'user',
                'content': [
                    {'type': 'text', 'text': 'And this picture?'},
                    {'type': 'image_url', 'image_url': {'url': 'https://example.com/sky.png', 'detail': 'low'}},
                    {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,iVBORw=='}},
                ],
            },
        ]
    )


async def test_instructions_without_system_prompts_come_first(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='ok'))
    await model.request([ModelRequest.user_text_prompt('hi', instructions='Be kind.')], None, NO_TOOLS)
    assert emulator.requests[0] == snapshot(
        {
            'model': 'llama-3.3-70b-versatile',
            'messages': [{'role': 'system', 'content': 'Be kind.'}, {'role': 'user', 'content': 'hi'}],
        }
    )


async def test_assistant_message_without_text_or_tools_has_empty_content(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='ok'))
    history: list[ModelMessage] = [
        ModelRequest.user_text_prompt('hi'),
        ModelResponse([ThinkingPart('hm')]),
        ModelRequest.user_text_prompt('well?'),
    ]
    await model.request(history, None, NO_TOOLS)
    assert emulator.requests[0]['messages'][1] == {'role': 'assistant', 'content': ''}


async def test_tools_and_tool_choice(emulator: GroqEmulator, model: GroqModel):
    prompt = [ModelRequest.user_text_prompt('hi')]
    output_tool = ToolDefinition(
        'final_result',
        {'type': 'object', 'properties': {'response': {'type': 'integer'}}, 'required': ['response']},
        'The final response which ends this conversation',
        kind='output',
        strict=True,
    )
    emulator.push(Reply(text='a'), Reply(text='b'), Reply(text='c'))
    await model.request(prompt, {'parallel_tool_calls': False}, ModelRequestParameters(function_tools=[WEATHER]))
    await model.request(
        prompt,
        None,
        ModelRequestParameters(
            function_tools=[WEATHER], output_mode='tool', output_tools=[output_tool], allow_text_output=False
        ),
    )
    await model.request(prompt, {'parallel_tool_calls': True}, NO_TOOLS)
    first, second, third = emulator.requests
    assert first == snapshot(
        {
            'model': 'llama-3.3-70b-versatile',
            'messages': [{'role': 'user', 'content': 'hi'}],
            'tools': [
                {
                    'type': 'function',
                    'function': {
                        'name': 'get_weather',
                        'description': 'Get the current weather for a city.',
                        'parameters': {
                            'type': 'object',
                            'properties': {'city': {'type': 'string'}},
                            'required': ['city'],
                            'additionalProperties': False,
                        },
                    },
                }
            ],
            'tool_choice': 'auto',
            'parallel_tool_calls': False,
        }
    )
    assert second['tool_choice'] == 'required'
    assert [tool['function']['name'] for tool in second['tools']] == ['get_weather', 'final_result']
    assert second['tools'][1]['function']['strict'] is True
    assert 'parallel_tool_calls' not in second
    assert third == snapshot(
        {'model': 'llama-3.3-70b-versatile', 'messages': [{'role': 'user', 'content': 'hi'}]}
    )  # no tools: no tool_choice, no parallel_tool_calls


async def test_native_and_prompted_output(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-safeguard-20b')  # best-effort json_schema
    prompt = [ModelRequest.user_text_prompt('Largest city in Mexico?')]
    schema = {
        'type': 'object',
        'properties': {'city': {'type': 'string'}, 'country': {'type': 'string'}},
        'required': ['city', 'country'],
        'additionalProperties': False,
    }
    emulator.push(Reply(text='{"city":"Mexico City","country":"Mexico"}'), Reply(text='{}'), Reply(text='{}'))
    native = OutputObjectDefinition(schema, name='CityLocation', description='A city and its country.', strict=True)
    await model.request(prompt, None, ModelRequestParameters(output_mode='native', output_object=native))
    await model.request(
        prompt, None, ModelRequestParameters(output_mode='native', output_object=OutputObjectDefinition(schema))
    )
    await model.request(prompt, None, ModelRequestParameters(output_mode='prompted', output_object=native))
    assert [r['response_format'] for r in emulator.requests] == snapshot(
        [
            {
                'type': 'json_schema',
                'json_schema': {
                    'name': 'CityLocation',
                    'schema': {
                        'type': 'object',
                        'properties': {'city': {'type': 'string'}, 'country': {'type': 'string'}},
                        'required': ['city', 'country'],
                        'additionalProperties': False,
                    },
                    'description': 'A city and its country.',
                    'strict': False,
                },
            },
            {
                'type': 'json_schema',
                'json_schema': {
                    'name': 'final_result',
                    'schema': {
                        'type': 'object',
                        'properties': {'city': {'type': 'string'}, 'country': {'type': 'string'}},
                        'required': ['city', 'country'],
                        'additionalProperties': False,
                    },
                },
            },
            {'type': 'json_object'},
        ]
    )


async def test_native_output_needs_a_schema(emulator: GroqEmulator, model: GroqModel):
    with pytest.raises(UserError, match="output_mode='native' needs an output_object"):
        await model.request([ModelRequest.user_text_prompt('x')], None, ModelRequestParameters(output_mode='native'))
    assert emulator.requests == []


async def test_all_settings_mapped(emulator: GroqEmulator):
    model = emulator.model('qwen/qwen3.8-27b', settings={'temperature': 0.5, 'extra_headers': {'x-a': '1'}})
    emulator.push(Reply(text='ok'))
    settings: GroqModelSettings = {
        'max_tokens': 100,
        'temperature': 0.0,
        'top_p': 0.9,
        'seed': 7,
        'presence_penalty': -1.5,
        'frequency_penalty': 2,
        'stop_sequences': ['END', 'STOP'],
        'timeout': 30,
        'extra_headers': {'x-b': '2'},
        'extra_body': {'documents': [{'text': 'doc'}]},
        'groq_reasoning_format': 'parsed',
        'groq_reasoning_effort': 'none',
        'groq_service_tier': 'flex',
        'groq_user': 'user-1',
        'groq_disable_tool_validation': True,
    }
    await model.request([ModelRequest.user_text_prompt('hi')], settings, NO_TOOLS)
    assert emulator.requests[0] == snapshot(
        {
            'model': 'qwen/qwen3.8-27b',
            'messages': [{'role': 'user', 'content': 'hi'}],
            'max_completion_tokens': 100,
            'temperature': 0.0,
            'top_p': 0.9,
            'seed': 7,
            'presence_penalty': -1.5,
            'frequency_penalty': 2,
            'stop': ['END', 'STOP'],
            'reasoning_format': 'parsed',
            'reasoning_effort': 'none',
            'service_tier': 'flex',
            'disable_tool_validation': True,
            'user': 'user-1',
            'documents': [{'text': 'doc'}],
        }
    )
    headers = emulator.request_headers[0]
    assert (headers['x-a'], headers['x-b']) == ('1', '2')
    await model.client.close()


async def test_unset_settings_send_nothing(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='ok'))
    await model.request([ModelRequest.user_text_prompt('hi')], {}, NO_TOOLS)
    assert emulator.requests[0] == {'model': 'llama-3.3-70b-versatile', 'messages': [{'role': 'user', 'content': 'hi'}]}


async def test_non_image_binary_is_rejected_before_sending(emulator: GroqEmulator, model: GroqModel):
    request = ModelRequest([UserPromptPart(['Summarise', BinaryContent(b'%PDF', 'application/pdf')])])
    with pytest.raises(
        UserError, match="media type 'application/pdf' cannot be sent to Groq: user prompts take text, ImageUrl"
    ):
        await model.request([request], None, NO_TOOLS)
    assert emulator.requests == []


async def test_timestamps_do_not_reach_the_wire(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='ok'))
    part = UserPromptPart('hi', timestamp=datetime(2020, 1, 1, tzinfo=timezone.utc))
    await model.request([ModelRequest([part])], None, NO_TOOLS)
    assert emulator.requests[0]['messages'] == [{'role': 'user', 'content': 'hi'}]


async def test_images_need_a_vision_model(emulator: GroqEmulator, model: GroqModel):
    request = ModelRequest([UserPromptPart(['What is this?', ImageUrl('https://example.com/cat.png')])])
    with pytest.raises(UserError, match=r'llama-3.3-70b-versatile does not read images; models that do: qwen/'):
        await model.request([request], None, NO_TOOLS)
    assert emulator.requests == []


async def test_no_response_format_next_to_tools(emulator: GroqEmulator):
    model = emulator.model('openai/gpt-oss-120b')
    schema = {
        'type': 'object',
        'properties': {'a': {'type': 'string'}},
        'required': ['a'],
        'additionalProperties': False,
    }
    emulator.push(Reply(text='{"a": "x"}'), Reply(text='{"a": "x"}'))
    for mode in ('native', 'prompted'):
        params = ModelRequestParameters(
            function_tools=[WEATHER], output_mode=mode, output_object=OutputObjectDefinition(schema)
        )
        await model.request([ModelRequest.user_text_prompt('hi')], None, params)
    assert [('response_format' in body, 'tools' in body) for body in emulator.requests] == [
        (False, True),
        (False, True),
    ]
    await model.client.close()


async def test_max_tokens_past_what_the_model_can_generate(emulator: GroqEmulator, model: GroqModel):
    with pytest.raises(
        UserError, match=r'max_tokens=100000 is more than llama-3.3-70b-versatile can generate; allowed: 1..32768'
    ):
        await model.request([ModelRequest.user_text_prompt('hi')], {'max_tokens': 100_000}, NO_TOOLS)
    assert emulator.requests == []


async def test_unknown_models_send_no_model_list_request():
    from pydantic_ai_groq.testing import ModelCard

    card = ModelCard('vendor/new-model', 'Vendor', 1_000, 100)
    emulator = GroqEmulator([Reply(text='ok'), Reply(text='ok')], models=[card])
    model = GroqModel('vendor/new-model', groq_client=emulator.client())
    await model.request([ModelRequest.user_text_prompt('hi')], None, NO_TOOLS)
    # Only the chat request: no hidden GET /openai/v1/models before it.
    assert emulator.model_requests == []
    assert len(emulator.requests) == 1
    # Limits the built-in table does not know come from the catalogue the user fetched.
    await model.request([ModelRequest.user_text_prompt('hi')], {'max_tokens': 500}, NO_TOOLS)
    assert [info.id for info in await model.list_models()] == ['vendor/new-model']
    assert emulator.model_requests == ['/openai/v1/models']
    with pytest.raises(UserError, match=r'far more than the 1,000-token context window of vendor/new-model'):
        await model.request([ModelRequest.user_text_prompt('word ' * 10_000)], None, NO_TOOLS)
    with pytest.raises(UserError, match=r'max_tokens=500 is more than vendor/new-model can generate; allowed: 1..100'):
        await model.request([ModelRequest.user_text_prompt('hi')], {'max_tokens': 500}, NO_TOOLS)
    assert emulator.model_requests == ['/openai/v1/models']
    await model.client.close()


async def test_concurrent_first_runs_on_an_unknown_model_send_only_chat_requests():
    import anyio

    from pydantic_ai_groq.testing import ModelCard

    emulator = GroqEmulator(models=[ModelCard('vendor/new-model', 'Vendor', 1_000, 100)])
    model = GroqModel('vendor/new-model', groq_client=emulator.client())
    async with anyio.create_task_group() as tg:
        for _ in range(300):
            tg.start_soon(model.request, [ModelRequest.user_text_prompt('hi')], None, NO_TOOLS)
    assert emulator.model_requests == []
    assert emulator.served_count == 300
    await model.client.close()
