"""Groq's remote MCP (beta) through the real SDK on the emulator, which calls a real MCP server on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import groq
import pytest
import uvicorn
from _raw_server import raw_model
from inline_snapshot import snapshot
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from pydantic_ai_groq import Agent
from pydantic_ai_groq.builtin_tools import MCPServerTool
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.messages import (
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ModelRequest,
    ModelResponse,
    TextPart,
)
from pydantic_ai_groq.models import ModelRequestParameters
from pydantic_ai_groq.models.groq._catalogue import KNOWN_MODELS
from pydantic_ai_groq.models.groq._request import build_body
from pydantic_ai_groq.testing import GroqEmulator, Reply

pytestmark = pytest.mark.anyio

_READY_POLLS = 2000  # a bound on readiness polls, each yielding the thread briefly: no fixed sleep


def _mcp_app() -> Any:
    server = MCPServer('docs')

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    def whoami(ctx: Context) -> str:
        """The Authorization header the caller sent."""
        assert ctx.headers is not None
        return ctx.headers.get('authorization', 'anonymous')

    @server.tool()
    def boom() -> str:
        """Always fails."""
        # A ToolError's text reaches the caller; mcp 2.x withholds any other exception's text.
        raise ToolError('no luck')

    return server.streamable_http_app(stateless_http=True, json_response=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def mcp_url() -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(_mcp_app(), host='127.0.0.1', port=port, log_level='warning'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    event = threading.Event()
    for _ in range(_READY_POLLS):
        if server.started or not thread.is_alive():
            break
        event.wait(0.01)
    assert server.started, 'the MCP server did not start'
    yield f'http://127.0.0.1:{port}/mcp'
    server.should_exit = True
    thread.join(timeout=30)


def _mcp_parts(response: ModelResponse) -> list[tuple[str, str, Any]]:
    return [
        (part.part_kind, part.tool_name, part.args_as_dict() if isinstance(part, BuiltinToolCallPart) else part.content)
        for part in response.parts
        if isinstance(part, BuiltinToolCallPart | BuiltinToolReturnPart)
    ]


_TOOLS_LISTED = {
    'server_label': 'docs',
    'tools': [
        {
            'name': 'add',
            'description': 'Add two numbers.',
            'input_schema': {
                'properties': {'a': {'title': 'A', 'type': 'integer'}, 'b': {'title': 'B', 'type': 'integer'}},
                'required': ['a', 'b'],
                'title': 'addArguments',
                'type': 'object',
            },
        }
    ],
}
_EXPECTED_PARTS = [
    ('builtin-tool-call', 'mcp_list_tools', {'server_label': 'docs'}),
    ('builtin-tool-return', 'mcp_list_tools', _TOOLS_LISTED),
    ('builtin-tool-call', 'mcp', {'a': 0, 'b': 0}),
    ('builtin-tool-return', 'mcp', {'output': '0', 'name': 'add', 'server_label': 'docs'}),
]


async def test_request_body_and_parts_of_an_agent_run(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('openai/gpt-oss-120b')
    tool = MCPServerTool(
        'docs', mcp_url, headers={'Authorization': 'Bearer t'}, allowed_tools=['add'], require_approval='never'
    )
    result = await Agent(model, builtin_tools=[tool]).run('add something')
    assert emulator.requests[0]['tools'] == [
        {
            'type': 'mcp',
            'server_label': 'docs',
            'server_url': mcp_url,
            'headers': {'Authorization': 'Bearer t'},
            'allowed_tools': ['add'],
            'require_approval': 'never',
        }
    ]
    response = result.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    assert _mcp_parts(response) == _EXPECTED_PARTS
    assert isinstance(response.parts[-1], TextPart)
    await model.client.close()


async def test_streamed_parts_match_the_non_streamed_ones(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('qwen/qwen3.8-27b')
    agent = Agent(model, builtin_tools=[MCPServerTool('docs', mcp_url, allowed_tools=['add'])])
    async with agent.run_stream('add something') as run:
        assert await run.get_output() == 'success (no tool calls)'
    response = run.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    assert _mcp_parts(response) == _EXPECTED_PARTS
    assert emulator.requests[0]['stream'] is True
    await model.client.close()


async def test_headers_reach_the_server_and_allowed_tools_filter(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('openai/gpt-oss-20b')
    tool = MCPServerTool('docs', mcp_url, headers={'Authorization': 'Bearer secret'}, allowed_tools=['whoami'])
    result = await Agent(model, builtin_tools=[tool]).run('who am I')
    response = result.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    _, listed, call, returned = _mcp_parts(response)
    assert [t['name'] for t in listed[2]['tools']] == ['whoami']
    assert call == ('builtin-tool-call', 'mcp', {})
    assert returned[2]['output'] == 'Bearer secret'
    await model.client.close()


async def test_all_tools_listed_without_allowed_tools_and_no_call_when_approval_is_required(
    emulator: GroqEmulator, mcp_url: str
):
    model = emulator.model('openai/gpt-oss-120b')
    result = await Agent(model, builtin_tools=[MCPServerTool('docs', mcp_url, require_approval='always')]).run('go')
    response = result.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    parts = _mcp_parts(response)
    assert [(kind, name) for kind, name, _ in parts] == [
        ('builtin-tool-call', 'mcp_list_tools'),
        ('builtin-tool-return', 'mcp_list_tools'),
    ]
    assert sorted(t['name'] for t in parts[1][2]['tools']) == ['add', 'boom', 'whoami']
    await model.client.close()


async def test_refused_for_a_family_that_does_not_take_it(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('meta-llama/llama-prompt-guard-2-22m')
    with pytest.raises(UserError) as caught:
        await Agent(model, builtin_tools=[MCPServerTool('docs', mcp_url)]).run('go')
    assert str(caught.value) == snapshot(
        'MCPServerTool (mcp) cannot run on meta-llama/llama-prompt-guard-2-22m (guard family); families that run it: gpt-oss, qwen3, minimax, deepseek-r1, llama-4, llama, kimi; models that run it: minimaxai/minimax-m2.7, openai/gpt-oss-120b, openai/gpt-oss-20b, openai/gpt-oss-safeguard-20b, qwen/qwen3.8-27b, llama-3.1-8b-instant (shut down), llama-3.3-70b-versatile (shut down), qwen/qwen3.6-27b (shut down).'
    )
    assert emulator.requests == []
    await model.client.close()


async def _raw_create(
    emulator: GroqEmulator, model_name: str, server_url: str, server_label: str = 'docs'
) -> groq.BadRequestError:
    client = emulator.client()
    with pytest.raises(groq.BadRequestError) as caught:
        await client.chat.completions.create(
            model=model_name,
            messages=[{'role': 'user', 'content': 'go'}],
            tools=[{'type': 'mcp', 'server_label': server_label, 'server_url': server_url}],  # pyright: ignore[reportArgumentType]
        )
    await client.close()
    return caught.value


async def test_emulator_refuses_mcp_where_groq_does(emulator: GroqEmulator, mcp_url: str):
    error = await _raw_create(emulator, 'meta-llama/llama-prompt-guard-2-22m', mcp_url)
    assert error.body == snapshot(
        {
            'error': {
                'message': 'mcp tools are not supported with this model',
                'type': 'invalid_request_error',
                'code': None,
                'param': 'tools.0.type',
            }
        }
    )


async def test_emulator_reaches_loopback_servers_only(emulator: GroqEmulator):
    error = await _raw_create(emulator, 'openai/gpt-oss-20b', 'https://mcp.example.com/mcp')
    assert error.body == snapshot(
        {
            'error': {
                'message': "the emulator reaches MCP servers on loopback only (127.0.0.1, ::1, localhost); 'docs' is at 'https://mcp.example.com/mcp'",
                'type': 'invalid_request_error',
                'code': 'invalid_request_error',
                'param': 'tools',
            }
        }
    )
    assert error.status_code == 400


async def test_an_unreachable_server_fails_the_request_clearly(emulator: GroqEmulator):
    port = _free_port()  # nothing listens there
    error = await _raw_create(emulator, 'openai/gpt-oss-20b', f'http://127.0.0.1:{port}/mcp')
    assert isinstance(error.body, dict)
    assert error.body['error']['message'].startswith(
        f"MCP server 'docs' at 'http://127.0.0.1:{port}/mcp' could not be used"
    )


async def test_scripted_replies_keep_their_text_beside_the_mcp_run(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('openai/gpt-oss-20b')
    emulator.push(Reply(text='the sum is 0'))
    result = await Agent(model, builtin_tools=[MCPServerTool('docs', mcp_url, allowed_tools=['add'])]).run('go')
    assert result.output == 'the sum is 0'
    assert emulator.requests[0]['tools'] == [
        {'type': 'mcp', 'server_label': 'docs', 'server_url': mcp_url, 'allowed_tools': ['add']}
    ]
    assert [part.part_kind for part in result.all_messages()[-1].parts] == snapshot(
        ['builtin-tool-call', 'builtin-tool-return', 'builtin-tool-call', 'builtin-tool-return', 'text']
    )
    await model.client.close()


async def test_a_server_without_a_label_is_refused(emulator: GroqEmulator, mcp_url: str):
    error = await _raw_create(emulator, 'openai/gpt-oss-20b', mcp_url, server_label='')
    assert isinstance(error.body, dict)
    assert error.body['error']['message'] == "an mcp tool needs a non-empty 'server_label' and 'server_url'"


async def test_a_failing_tool_call_is_reported_in_its_output(emulator: GroqEmulator, mcp_url: str):
    model = emulator.model('openai/gpt-oss-20b')
    result = await Agent(model, builtin_tools=[MCPServerTool('docs', mcp_url, allowed_tools=['boom'])]).run('go')
    response = result.all_messages()[-1]
    assert isinstance(response, ModelResponse)
    *_, returned = _mcp_parts(response)
    assert returned[2]['name'] == 'boom'
    assert returned[2]['output'].startswith('error: ')
    assert 'no luck' in returned[2]['output']
    await model.client.close()


def _chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
    payload = {
        'id': 'chatcmpl-1',
        'object': 'chat.completion.chunk',
        'created': 1756843265,
        'model': 'openai/gpt-oss-20b',
        'choices': [{'index': 0, 'delta': delta, 'finish_reason': finish}],
        **top,
    }
    return f'data: {json.dumps(payload)}\n\n'.encode()


async def test_a_list_repeated_in_later_chunks_is_read_once():
    listed = [{'id': 'mcpl_1', 'type': 'mcp_list_tools', 'server_label': 'docs', 'tools': [{'name': 'add'}]}]
    chunks = [
        _chunk({'role': 'assistant', 'content': ''}, mcp_list_tools=listed),
        _chunk({'content': 'done'}, mcp_list_tools=listed),
        _chunk({}, 'stop'),
        b'data: [DONE]\n\n',
    ]
    model = raw_model(chunks, model_name='openai/gpt-oss-20b')
    async with model.request_stream([ModelRequest.user_text_prompt('go')], None, ModelRequestParameters()) as stream:
        async for _ in stream:
            pass
    await model.client.close()
    assert _mcp_parts(stream.get()) == [
        ('builtin-tool-call', 'mcp_list_tools', {'server_label': 'docs'}),
        ('builtin-tool-return', 'mcp_list_tools', {'server_label': 'docs', 'tools': [{'name': 'add'}]}),
    ]


async def test_the_package_refuses_exactly_where_the_emulator_rejects(emulator: GroqEmulator):
    tool = MCPServerTool('docs', 'https://mcp.example.com/mcp')
    params = ModelRequestParameters(builtin_tools=[tool])
    verdicts: dict[str, bool] = {}
    for model_name in [name for name, info in KNOWN_MODELS.items() if info.active]:
        try:
            build_body(model_name, [ModelRequest.user_text_prompt('go')], {}, params, stream=False)
        except UserError:
            verdicts[model_name] = True
        else:
            verdicts[model_name] = False
        error = await _raw_create(emulator, model_name, tool.server_url)
        assert isinstance(error.body, dict)
        message = error.body['error']['message']
        # Taken: the emulator goes on to the server, which it refuses for not being on loopback.
        expected = 'mcp tools are not supported' if verdicts[model_name] else 'the emulator reaches MCP servers'
        assert message.startswith(expected), model_name
    assert {name for name, refused in verdicts.items() if not refused} == snapshot(
        {
            'minimaxai/minimax-m2.7',
            'openai/gpt-oss-120b',
            'openai/gpt-oss-20b',
            'openai/gpt-oss-safeguard-20b',
            'qwen/qwen3.8-27b',
        }
    )
