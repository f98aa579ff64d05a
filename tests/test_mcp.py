"""MCP servers as toolsets, against real servers built with the `mcp` package.

Each transport is exercised for real: in process, a stdio subprocess, and streamable HTTP served
by uvicorn on a loopback port. Models are `GroqModel`s on the emulator.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn
from _mcp_server import build_server
from mcp import types
from mcp.server import Server

from pydantic_ai_groq._run_context import RunContext
from pydantic_ai_groq.exceptions import ModelRetry, UserError
from pydantic_ai_groq.mcp import (
    MCPServer,
    MCPServerError,
    MCPServerInProcess,
    MCPServerStdio,
    MCPServerStreamableHTTP,
    load_mcp_servers,
)
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply
from pydantic_ai_groq.toolsets import AbstractToolset
from pydantic_ai_groq.usage import RunUsage

SERVER_SCRIPT = str(Path(__file__).parent / '_mcp_server.py')
pytestmark = pytest.mark.anyio


def run_context(model: GroqModel) -> RunContext[None]:
    return RunContext(deps=None, model=model, usage=RunUsage())


async def call(server: MCPServer, ctx: RunContext[Any], name: str, **args: Any) -> Any:
    tools = await server.get_tools(ctx)
    tool = tools[name]
    assert tool.args_validator.validate_json('{}') == {}
    return await server.call_tool(name, args, ctx, tool)


def stdio_server(**options: Any) -> MCPServerStdio:
    return MCPServerStdio(sys.executable, [SERVER_SCRIPT, 'stdio-tools'], **options)


@pytest.fixture(scope='module')
def http_url() -> Iterator[str]:
    """The test server over streamable HTTP, served by uvicorn on a free loopback port."""
    config = uvicorn.Config(
        build_server('http-tools').streamable_http_app(), host='127.0.0.1', port=0, log_level='error'
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # waits for start-up, however long the machine takes
        thread.join(0.01)
        assert thread.is_alive(), 'uvicorn failed to start'
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f'http://127.0.0.1:{port}/mcp'
    server.should_exit = True
    thread.join()


def test_mcp_servers_are_toolsets():
    assert issubclass(MCPServer, AbstractToolset)
    assert MCPServerInProcess(build_server('x')).label == "MCP server 'x'"
    assert MCPServerStdio('python', ['s.py']).label == "MCP server 'python s.py'"
    assert MCPServerStreamableHTTP('http://h/mcp', name='web').label == "MCP server 'web'"


async def test_in_process_tools_and_results(model: GroqModel):
    server = MCPServerInProcess(build_server())
    ctx = run_context(model)
    async with server:
        tools = await server.get_tools(ctx)
        add = tools['add']
        assert add.toolset is server
        assert add.tool_def.description == 'Add two integers.'
        assert add.tool_def.parameters_json_schema['required'] == ['a', 'b']
        assert add.max_retries is None
        # structuredContent is preferred over the text blocks.
        assert await server.call_tool('add', {'a': 2, 'b': 3}, ctx, add) == {'result': 5}
        assert await server.call_tool('weather', {'city': 'Oslo'}, ctx, tools['weather']) == {
            'city': 'Oslo',
            'celsius': 21.5,
        }
        assert await server.call_tool('echo', {'text': 'hi'}, ctx, tools['echo']) == 'hi'
        assert await server.call_tool('picture', {}, ctx, tools['picture']) == [
            'A tiny picture',
            '[image (image/png, 32 bytes), not shown: tool messages carry text only]',
        ]
        assert await server.call_tool('resources', {}, ctx, tools['resources']) == [
            'note text',
            '[resource file:///a.bin (binary), not shown: binary content]',
            {'resource_link': 'file:///big.csv', 'name': 'big.csv', 'description': 'A table'},
        ]
    assert not server.is_running


async def test_arguments_must_be_an_object(model: GroqModel):
    async with MCPServerInProcess(build_server()) as server:
        tool = (await server.get_tools(run_context(model)))['add']
        assert tool.args_validator.validate_json('{"a": 1}') == {'a': 1}
        with pytest.raises(ValueError, match='Input should be an object'):
            tool.args_validator.validate_json('[1]')


async def test_tool_errors_become_retry_prompts(model: GroqModel):
    ctx = run_context(model)
    async with MCPServerInProcess(build_server()) as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(ModelRetry, match='Error executing tool fail'):
            await server.call_tool('fail', {'reason': 'no'}, ctx, tools['fail'])
        with pytest.raises(ModelRetry, match=r'^quota exhausted$'):
            await server.call_tool('flagged', {}, ctx, tools['flagged'])
        # A call of a tool the server does not have is also the model's to fix.
        with pytest.raises(ModelRetry, match=r'^Unknown tool: nope$'):
            await server.call_tool('nope', {}, ctx, tools['add'])
        # The session survives: the next call works.
        assert await server.call_tool('echo', {'text': 'still here'}, ctx, tools['echo']) == 'still here'


async def test_tool_prefix_keeps_two_servers_apart(model: GroqModel):
    ctx = run_context(model)
    first = MCPServerInProcess(build_server('one'), tool_prefix='one')
    second = MCPServerInProcess(build_server('two'), tool_prefix='two')
    async with first, second:
        first_tools = await first.get_tools(ctx)
        second_tools = await second.get_tools(ctx)
        assert 'one_add' in first_tools and 'two_add' in second_tools
        assert not first_tools.keys() & second_tools.keys()
        assert first_tools['one_add'].tool_def.name == 'one_add'
        assert await first.call_tool('one_echo', {'text': 'x'}, ctx, first_tools['one_echo']) == 'x'
    # Without prefixes the names clash, which a combining toolset must report.
    unprefixed = [MCPServerInProcess(build_server('a')), MCPServerInProcess(build_server('b'))]
    names = [set(await server.get_tools(ctx)) for server in unprefixed]
    assert 'add' in names[0] & names[1]


async def test_tool_names_groq_rejects_are_refused(model: GroqModel):
    server = MCPServerInProcess(build_server(), tool_prefix='has.dot')
    with pytest.raises(UserError, match=r"Tool name of MCP server 'test-tools' 'has\.dot_add' is invalid.*Groq cannot"):
        await server.get_tools(run_context(model))


async def test_tool_list_is_cached_until_the_server_says_it_changed(model: GroqModel):
    mcp_server = build_server()
    listings = 0
    list_tools = mcp_server.list_tools

    async def counting_list_tools() -> list[types.Tool]:
        nonlocal listings
        listings += 1
        return await list_tools()

    mcp_server.list_tools = counting_list_tools  # type: ignore[method-assign]  # counts requests the server receives
    ctx = run_context(model)
    async with MCPServerInProcess(mcp_server) as server:
        tools = await server.get_tools(ctx)
        await server.get_tools(ctx)
        assert listings == 1
        assert 'extra' not in tools
        assert await server.call_tool('grow', {}, ctx, tools['grow']) == {'result': 'grown'}
        tools = await server.get_tools(ctx)
        assert listings == 2
        assert tools['extra'].tool_def.description == 'Added later.'
        assert await server.call_tool('extra', {}, ctx, tools['extra']) == 'extra!'


async def test_tool_lists_in_pages_are_read_to_the_end(model: GroqModel):
    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        page = int(params.cursor) if params and params.cursor else 0
        tools = [types.Tool(name=f'tool_{page}_{i}', input_schema={'type': 'object'}) for i in range(2)]
        return types.ListToolsResult(tools=tools, next_cursor=str(page + 1) if page < 2 else None)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type='text', text=f'called {params.name}')])

    low_level = Server('paged', on_list_tools=list_tools, on_call_tool=call_tool)
    ctx = run_context(model)
    async with MCPServerInProcess(low_level) as server:
        tools = await server.get_tools(ctx)
        assert list(tools) == ['tool_0_0', 'tool_0_1', 'tool_1_0', 'tool_1_1', 'tool_2_0', 'tool_2_1']
        assert tools['tool_2_1'].tool_def.description == ''
        assert await server.call_tool('tool_2_1', {}, ctx, tools['tool_2_1']) == 'called tool_2_1'


async def test_entering_is_reference_counted(model: GroqModel):
    server = MCPServerInProcess(build_server())
    async with server:
        async with server:
            assert server.is_running
        assert server.is_running
        await server.get_tools(run_context(model))
    assert not server.is_running


@pytest.mark.parametrize(
    'make_server', [lambda: MCPServerInProcess(build_server()), stdio_server], ids=['in-process', 'stdio']
)
async def test_the_last_user_to_leave_stops_the_session_whoever_started_it(make_server: Callable[[], MCPServer]):
    # Runs overlap: the first run starts the session, the second run ends after it and stops it.
    # The `mcp` client's task groups must be left by the task that entered them.
    server = make_server()
    first_in, second_in, first_out = anyio.Event(), anyio.Event(), anyio.Event()
    answers: list[object] = []

    async def first() -> None:
        async with server:
            first_in.set()
            await second_in.wait()
            answers.append(await server.direct_call_tool('echo', {'text': 'first'}))
        first_out.set()

    async def second() -> None:
        await first_in.wait()
        async with server:
            second_in.set()
            await first_out.wait()
            answers.append(await server.direct_call_tool('echo', {'text': 'second'}))

    async with anyio.create_task_group() as group:
        group.start_soon(first)
        group.start_soon(second)
    assert answers == ['first', 'second']
    assert not server.is_running


async def test_cancelled_while_starting_stops_what_was_started():
    lifespan_entered = anyio.Event()
    lifespan_left = anyio.Event()

    @asynccontextmanager
    async def stuck(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        lifespan_entered.set()
        try:
            await anyio.sleep_forever()
            yield {}
        finally:
            lifespan_left.set()

    server = MCPServerInProcess(Server('stuck', lifespan=stuck))

    async def enter() -> None:
        async with server:
            raise AssertionError('the server never answers')  # pragma: no cover

    async with anyio.create_task_group() as group:
        group.start_soon(enter)
        await lifespan_entered.wait()
        group.cancel_scope.cancel()
    assert lifespan_left.is_set()
    assert not server.is_running


async def test_without_entering_each_call_starts_and_stops_the_session(model: GroqModel):
    server = MCPServerInProcess(build_server())
    assert await call(server, run_context(model), 'echo', text='alone') == 'alone'
    assert not server.is_running


async def test_stdio_server(model: GroqModel):
    ctx = run_context(model)
    async with stdio_server(env={'EXTRA': '1'}, cwd=Path(__file__).parent) as server:
        tools = await server.get_tools(ctx)
        assert await server.call_tool('add', {'a': 20, 'b': 22}, ctx, tools['add']) == {'result': 42}
        with pytest.raises(ModelRetry, match='quota exhausted'):
            await server.call_tool('flagged', {}, ctx, tools['flagged'])
        assert await server.call_tool('grow', {}, ctx, tools['grow']) == {'result': 'grown'}
        assert 'extra' in await server.get_tools(ctx)
    assert not server.is_running


async def test_stdio_server_killed_mid_call_names_the_server(model: GroqModel):
    ctx = run_context(model)
    async with stdio_server(name='fragile') as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(MCPServerError, match=r"^MCP server 'fragile': failed during the call of tool 'crash'") as e:
            await server.call_tool('crash', {}, ctx, tools['crash'])
        assert e.value.server == "MCP server 'fragile'"
        assert e.value.kind == 'connection'
        # A broken session's tool list is not trusted: listing again fails, naming the server too.
        with pytest.raises(MCPServerError, match=r"^MCP server 'fragile': could not list its tools"):
            await server.get_tools(ctx)
        with pytest.raises(MCPServerError, match=r"^MCP server 'fragile': failed during the call of tool 'echo'"):
            await server.call_tool('echo', {'text': 'x'}, ctx, tools['echo'])


async def test_a_server_past_its_timeout_is_an_error_naming_it(model: GroqModel):
    ctx = run_context(model)
    async with stdio_server(name='sleepy', timeout=0.2) as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(
            MCPServerError, match=r"MCP server 'sleepy': failed during the call of tool 'slow': no answer within 0\.2s"
        ) as e:
            await server.call_tool('slow', {}, ctx, tools['slow'])
        assert e.value.kind == 'timeout'


async def test_a_server_that_cannot_start_is_an_error_naming_it():
    server = MCPServerStdio(sys.executable, ['-c', 'import sys; sys.exit(1)'], name='broken')
    with pytest.raises(MCPServerError, match=r"^MCP server 'broken': could not be started"):
        async with server:
            pass
    assert not server.is_running


async def test_streamable_http_server(http_url: str, model: GroqModel):
    ctx = run_context(model)
    async with MCPServerStreamableHTTP(http_url, headers={'X-Test': 'yes'}, tool_prefix='web') as server:
        tools = await server.get_tools(ctx)
        assert await server.call_tool('web_weather', {'city': 'Rome'}, ctx, tools['web_weather']) == {
            'city': 'Rome',
            'celsius': 21.5,
        }
        with pytest.raises(ModelRetry, match='Error executing tool fail'):
            await server.call_tool('web_fail', {'reason': 'x'}, ctx, tools['web_fail'])
        assert await server.call_tool('web_header', {'name': 'x-test'}, ctx, tools['web_header']) == 'yes'


async def test_streamable_http_server_past_its_timeout(http_url: str, model: GroqModel):
    ctx = run_context(model)
    async with MCPServerStreamableHTTP(http_url, name='web', timeout=0.2) as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(MCPServerError, match=r"^MCP server 'web': failed during the call of tool 'slow'") as e:
            await server.call_tool('slow', {}, ctx, tools['slow'])
        assert e.value.kind == 'timeout'
        # A timeout leaves the session usable.
        assert await server.call_tool('echo', {'text': 'after'}, ctx, tools['echo']) == 'after'


async def test_streamable_http_server_that_is_not_there():
    server = MCPServerStreamableHTTP('http://127.0.0.1:9/mcp', timeout=5)
    with pytest.raises(MCPServerError, match=r"^MCP server 'http://127.0.0.1:9/mcp': could not be started"):
        async with server:
            pass


async def test_sampling_is_answered_by_the_run_model_when_allowed(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='Cats sleep lots'))
    ctx = run_context(model)
    async with MCPServerInProcess(build_server(), allow_sampling=True) as server:
        tools = await server.get_tools(ctx)
        result = await server.call_tool('summarise', {'text': 'Cats sleep a lot.'}, ctx, tools['summarise'])
    assert result == {'result': 'llama-3.3-70b-versatile: Cats sleep lots'}
    request = emulator.requests[0]
    assert request['messages'] == [
        {'role': 'system', 'content': 'Summarise in three words.'},
        {'role': 'user', 'content': 'Cats sleep a lot.'},
    ]
    assert request['max_completion_tokens'] == 50
    assert request['temperature'] == 0.2


async def test_sampling_maps_the_whole_conversation(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a time', finish_reason='length'))
    ctx = run_context(model)
    async with MCPServerInProcess(build_server(), allow_sampling=True) as server:
        tools = await server.get_tools(ctx)
        assert await server.call_tool('continue_story', {}, ctx, tools['continue_story']) == {
            'result': 'maxTokens: a time'
        }
    request = emulator.requests[0]
    assert request['messages'] == [
        {'role': 'user', 'content': 'Once'},
        {'role': 'assistant', 'content': 'upon'},
        {'role': 'user', 'content': '[image content]'},
    ]
    assert request['stop'] == ['END']
    assert 'temperature' not in request


async def test_sampling_before_any_run_has_no_model():
    async with MCPServerInProcess(build_server(), allow_sampling=True) as server:
        with pytest.raises(ModelRetry, match='No model to sample with: set sampling_model'):
            await server.direct_call_tool('summarise', {'text': 't'})


async def test_notifications_other_than_list_changes_leave_the_cache(model: GroqModel):
    ctx = run_context(model)
    async with MCPServerInProcess(build_server()) as server:
        tools = await server.get_tools(ctx)
        assert await server.call_tool('chatty', {}, ctx, tools['chatty']) == {'result': 'done'}
        assert await server.get_tools(ctx) == tools


async def test_sampling_with_its_own_model(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='Short'))
    sampler = emulator.model('openai/gpt-oss-20b')
    ctx = run_context(model)
    async with MCPServerStdio(sys.executable, [SERVER_SCRIPT], allow_sampling=True, sampling_model=sampler) as server:
        tools = await server.get_tools(ctx)
        result = await server.call_tool('summarise', {'text': 'long text'}, ctx, tools['summarise'])
    await sampler.client.close()
    assert result == {'result': 'openai/gpt-oss-20b: Short'}
    assert emulator.requests[0]['model'] == 'openai/gpt-oss-20b'


async def test_sampling_is_refused_unless_allowed(emulator: GroqEmulator, model: GroqModel):
    ctx = run_context(model)
    async with MCPServerInProcess(build_server()) as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(ModelRetry, match=r'^The server refused the call: Sampling not supported$'):
            await server.call_tool('summarise', {'text': 't'}, ctx, tools['summarise'])
    assert emulator.requests == []


async def test_elicitation_is_refused_without_a_handler(model: GroqModel):
    ctx = run_context(model)
    async with MCPServerInProcess(build_server()) as server:
        tools = await server.get_tools(ctx)
        with pytest.raises(ModelRetry, match=r'^The server refused the call: Elicitation not supported$'):
            await server.call_tool('favourite_colour', {}, ctx, tools['favourite_colour'])


async def test_elicitation_goes_to_the_handler(model: GroqModel):
    asked: list[str] = []

    async def handler(params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action='accept', content={'colour': 'teal'})

    ctx = run_context(model)
    async with MCPServerInProcess(build_server(), elicitation_handler=handler) as server:
        tools = await server.get_tools(ctx)
        result = await server.call_tool('favourite_colour', {}, ctx, tools['favourite_colour'])
    assert result == {'result': 'You like teal'}
    assert asked == ['What is your favourite colour?']


def test_load_mcp_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('WEATHER_TOKEN', 'secret')
    monkeypatch.delenv('UNSET_PORT', raising=False)
    config = tmp_path / 'mcp.json'
    config.write_text(
        '{"mcpServers": {'
        '"files": {"command": "npx", "args": ["-y", "server-files", "/tmp"], "env": {"DEBUG": "1"}, "cwd": "/srv"},'
        '"weather": {"url": "http://localhost:${UNSET_PORT:-8000}/mcp", "headers": {"Authorization": "Bearer ${WEATHER_TOKEN}"}}'
        '}}'
    )
    files, weather = load_mcp_servers(config)
    assert isinstance(files, MCPServerStdio)
    assert (files.name, files.command, files.args, files.env, files.cwd) == (
        'files',
        'npx',
        ['-y', 'server-files', '/tmp'],
        {'DEBUG': '1'},
        '/srv',
    )
    assert isinstance(weather, MCPServerStreamableHTTP)
    assert (weather.label, weather.url, weather.headers) == (
        "MCP server 'weather'",
        'http://localhost:8000/mcp',
        {'Authorization': 'Bearer secret'},
    )


def test_load_mcp_servers_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(UserError, match=r"Cannot read the MCP config '.*missing.json'"):
        load_mcp_servers(tmp_path / 'missing.json')
    bad = tmp_path / 'bad.json'
    bad.write_text('{"mcpServers": {"x": {"args": []}}}')
    with pytest.raises(UserError, match='not a valid mcpServers file \\(each server needs "command" or "url"\\)'):
        load_mcp_servers(bad)
    monkeypatch.delenv('NOT_SET_ANYWHERE', raising=False)
    bad.write_text('{"mcpServers": {"x": {"url": "${NOT_SET_ANYWHERE}"}}}')
    with pytest.raises(UserError, match=r'uses \$\{NOT_SET_ANYWHERE\}, which is not set'):
        load_mcp_servers(bad)


async def test_the_example_server(model: GroqModel):
    example = str(Path(__file__).parent.parent / 'examples' / 'mcp_server.py')
    ctx = run_context(model)
    async with MCPServerStdio(sys.executable, [example], name='city-facts') as server:
        tools = await server.get_tools(ctx)
        assert sorted(tools) == ['population', 'shout']
        assert await server.call_tool('population', {'city': 'Paris'}, ctx, tools['population']) == {
            'city': 'Paris',
            'people': 2_102_650,
        }
        with pytest.raises(
            ModelRetry,
            match=r'^Error executing tool population: No data for Atlantis; known cities: london, paris, tokyo$',
        ):
            await server.call_tool('population', {'city': 'Atlantis'}, ctx, tools['population'])
        assert await server.call_tool('shout', {'text': 'hi'}, ctx, tools['shout']) == 'HI'
