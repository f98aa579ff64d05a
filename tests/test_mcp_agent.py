"""MCP servers in agent runs: tools on the wire, retries, lifecycles, crashes, name clashes, sampling, images."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _mcp_server import JPEG, PNG, build_server

from pydantic_ai_groq import Agent, ModelMessagesTypeAdapter, capture_run_messages
from pydantic_ai_groq.exceptions import UnexpectedModelBehavior, UserError
from pydantic_ai_groq.mcp import MCPServerError, MCPServerInProcess, MCPServerStdio
from pydantic_ai_groq.messages import ModelResponse, ToolReturnPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

SERVER_SCRIPT = str(Path(__file__).parent / '_mcp_server.py')


async def test_agent_calls_an_mcp_tool(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(tool_calls=[ToolCallReply('calc_add', {'a': 2, 'b': 3})]), Reply(text='5'))
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server(), tool_prefix='calc')])
    result = await agent.run('2+3?')
    assert result.output == '5'
    tools = [t['function']['name'] for t in emulator.requests[0]['tools']]
    assert 'calc_add' in tools
    returns = [p for m in result.all_messages() for p in getattr(m, 'parts', []) if isinstance(p, ToolReturnPart)]
    assert returns[0].content == {'result': 5}
    assert emulator.requests[1]['messages'][-1] == {
        'role': 'tool',
        'tool_call_id': returns[0].tool_call_id,
        'content': '{"result":5}',
    }


async def test_is_error_becomes_a_retry_prompt_then_gives_up(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*[Reply(tool_calls=[ToolCallReply('flagged', {})])] * 3)
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server(), max_retries=1)])
    with pytest.raises(
        UnexpectedModelBehavior,
        match="Tool 'flagged' exceeded its retry limit of 1; the last error was: quota exhausted",
    ):
        await agent.run('go')


async def test_async_with_agent_starts_stdio_servers_once(emulator: GroqEmulator, model: GroqModel):
    server = MCPServerStdio(sys.executable, [SERVER_SCRIPT])
    agent = Agent(model, toolsets=[server])
    emulator.push(Reply(text='a'), Reply(text='b'))
    async with agent:
        assert server.is_running
        await agent.run('one')
        await agent.run('two')
        assert server.is_running
    assert not server.is_running


async def test_a_run_outside_async_with_starts_and_stops_the_server(emulator: GroqEmulator, model: GroqModel):
    server = MCPServerStdio(sys.executable, [SERVER_SCRIPT])
    emulator.push(Reply(tool_calls=[ToolCallReply('echo', {'text': 'x'})]), Reply(text='done'))
    await Agent(model, toolsets=[server]).run('go')
    assert not server.is_running


async def test_a_tool_added_mid_run_is_offered_from_the_next_step(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        Reply(tool_calls=[ToolCallReply('grow', {})]), Reply(tool_calls=[ToolCallReply('extra', {})]), Reply(text='ok')
    )
    await Agent(model, toolsets=[MCPServerInProcess(build_server())]).run('go')
    names = [[t['function']['name'] for t in r['tools']] for r in emulator.requests]
    assert 'extra' not in names[0] and 'extra' in names[1]


async def test_a_server_killed_mid_call_keeps_the_history(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(tool_calls=[ToolCallReply('crash', {})]))
    agent = Agent(model, toolsets=[MCPServerStdio(sys.executable, [SERVER_SCRIPT], name='fragile')])
    with capture_run_messages() as messages, pytest.raises(MCPServerError, match=r"^MCP server 'fragile'"):
        await agent.run('go')
    assert isinstance(messages[-1], ModelResponse)  # the response with the crash call is kept


async def test_two_servers_with_clashing_names_are_refused(model: GroqModel):
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server('a')), MCPServerInProcess(build_server('b'))])
    with pytest.raises(UserError) as raised:
        await agent.run('go')
    assert str(raised.value) == (
        "Tool name 'add' is offered by both MCP server 'a' and MCP server 'b'; tool names must be unique: "
        'rename one with `.renamed()` or `.prefixed()`.'
    )


async def test_sampling_uses_the_run_model(emulator: GroqEmulator, model: GroqModel):
    emulator.push(
        Reply(tool_calls=[ToolCallReply('summarise', {'text': 'long'})]), Reply(text='short'), Reply(text='final')
    )
    await Agent(model, toolsets=[MCPServerInProcess(build_server(), allow_sampling=True)]).run('go')
    assert emulator.requests[1]['messages'][0] == {'role': 'system', 'content': 'Summarise in three words.'}


# --- images in tool results ------------------------------------------------------------------

PICTURE_NOTE = '[image 1 of 1: sent in the user message that follows]'


async def test_images_go_to_a_vision_model_as_a_user_message(emulator: GroqEmulator):
    model = emulator.model('qwen/qwen3.8-27b')
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server(), tool_prefix='pics')])
    emulator.push(Reply(tool_calls=[ToolCallReply('pics_picture', {}), ToolCallReply('pics_add', {'a': 1, 'b': 2})]))
    emulator.push(Reply(text='A black square.'))
    result = await agent.run('What is in the picture?')
    assert result.output == 'A black square.'
    sent = emulator.requests[1]['messages']
    picture_id, add_id = (call['id'] for call in sent[-4]['tool_calls'])
    assert sent[-3:] == [
        {
            'role': 'tool',
            'tool_call_id': picture_id,
            'content': json.dumps(['A tiny picture', PICTURE_NOTE], separators=(',', ':')),
        },
        {'role': 'tool', 'tool_call_id': add_id, 'content': '{"result":3}'},
        {
            'role': 'user',
            'content': [
                {'type': 'text', 'text': "Image 1 of 1 returned by tool 'pics_picture':"},
                {'type': 'image_url', 'image_url': {'url': f'data:image/png;base64,{PNG}'}},
            ],
        },
    ]
    history = result.all_messages()
    assert ModelMessagesTypeAdapter.validate_json(ModelMessagesTypeAdapter.dump_json(history)) == history
    await model.client.close()


async def test_structured_content_and_several_images(emulator: GroqEmulator):
    model = emulator.model('qwen/qwen3.8-27b')
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server())])
    emulator.push(Reply(tool_calls=[ToolCallReply('chart', {})]), Reply(text='Three points.'))
    await agent.run('Describe the chart')
    tool, user = emulator.requests[1]['messages'][-2:]
    assert json.loads(tool['content']) == [
        {'points': 3},
        '[image 1 of 2: sent in the user message that follows]',
        '[image 2 of 2: sent in the user message that follows]',
    ]
    assert user['content'] == [
        {'type': 'text', 'text': "Image 1 of 2 returned by tool 'chart':"},
        {'type': 'image_url', 'image_url': {'url': f'data:image/png;base64,{PNG}'}},
        {'type': 'text', 'text': "Image 2 of 2 returned by tool 'chart':"},
        {'type': 'image_url', 'image_url': {'url': f'data:image/jpeg;base64,{JPEG}'}},
    ]
    await model.client.close()


class _OtherProviderModel(GroqModel):
    """A model this package does not know as Groq's: whether it reads images is unknown."""

    @property
    def system(self) -> str:
        return 'other'


@pytest.mark.parametrize('kind', ['no vision', 'other provider'])
async def test_images_are_described_to_other_models(emulator: GroqEmulator, model: GroqModel, kind: str):
    if kind == 'other provider':
        model = _OtherProviderModel('qwen/qwen3.8-27b', groq_client=model.client)
    agent = Agent(model, toolsets=[MCPServerInProcess(build_server())])
    emulator.push(Reply(tool_calls=[ToolCallReply('picture', {})]), Reply(text='I cannot see it.'))
    result = await agent.run('What is in the picture?')
    assert result.output == 'I cannot see it.'
    last = emulator.requests[1]['messages'][-1]
    assert last['role'] == 'tool'
    assert json.loads(last['content']) == [
        'A tiny picture',
        '[image (image/png, 32 bytes), not shown: tool messages carry text only]',
    ]
    assert all(m['role'] != 'user' for m in emulator.requests[1]['messages'][1:])
