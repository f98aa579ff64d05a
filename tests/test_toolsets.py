"""Toolsets through GroqModel and the emulator: per-step tools, combinators, dispatch, lifecycle, per-tool options."""

from __future__ import annotations

import dataclasses
from types import TracebackType
from typing import Any

import anyio
import pydantic
import pytest
from typing_extensions import Self

from pydantic_ai_groq import (
    Agent,
    ModelRequest,
    RetryPromptPart,
    RunContext,
    Tool,
    ToolReturnPart,
    capture_run_messages,
)
from pydantic_ai_groq.exceptions import ModelRetry, UnexpectedModelBehavior, UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply
from pydantic_ai_groq.tools import ToolDefinition
from pydantic_ai_groq.toolsets import AbstractToolset, CombinedToolset, FunctionToolset, ToolsetTool, WrapperToolset


def offered(request: dict[str, Any]) -> list[str]:
    """The function tool names a request offered, in order."""
    return [tool['function']['name'] for tool in request.get('tools', [])]


def returns(message: Any) -> dict[str, Any]:
    """The tool returns and retry prompts of a request, by tool call id."""
    assert isinstance(message, ModelRequest)
    return {
        part.tool_call_id: part.content for part in message.parts if isinstance(part, ToolReturnPart | RetryPromptPart)
    }


def forecast(city: str) -> str:
    """The weather forecast for a city."""
    return f'sunny in {city}'


def alerts(city: str) -> list[str]:
    """Weather alerts for a city."""
    return [f'wind in {city}']


class CountingToolset(AbstractToolset[Any]):
    """A toolset whose tools live in a dict (like a remote server's), counting how often it is entered."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.events: list[str] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._entries = 0

    @property
    def label(self) -> str:
        return 'CountingToolset(remote)'

    async def __aenter__(self) -> Self:
        if self._entries == 0:
            self.events.append('start')
        self._entries += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._entries -= 1
        if self._entries == 0:
            self.events.append('stop')

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        validator = pydantic.TypeAdapter(dict[str, int])
        return {
            name: ToolsetTool(self, ToolDefinition(name, description=f'remote {name}'), None, validator)
            for name in self.names
        }

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        self.calls.append((name, tool_args))
        return {'tool': name, 'sum': sum(tool_args.values())}


# --- per-step tools and dispatch -------------------------------------------------------------------


async def test_tools_appear_and_disappear_between_steps(emulator: GroqEmulator, model: GroqModel):
    async def after_first_step(ctx: RunContext[None], tool_def: ToolDefinition) -> ToolDefinition | None:
        return dataclasses.replace(tool_def, description='Now available.') if ctx.run_step > 1 else None

    toolset = FunctionToolset([forecast, Tool(alerts, prepare=after_first_step)])
    agent = Agent(model, toolsets=[toolset])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('forecast', {'city': 'Oslo'}, id='c1')]),
        Reply(tool_calls=[ToolCallReply('alerts', {'city': 'Oslo'}, id='c2')]),
        Reply(text='Sunny, windy.'),
    )
    result = await agent.run('Weather in Oslo?')
    assert result.output == 'Sunny, windy.'
    first, second, third = emulator.requests
    assert offered(first) == ['forecast']
    assert offered(second) == offered(third) == ['forecast', 'alerts']
    assert second['tools'][1]['function']['description'] == 'Now available.'
    messages = result.all_messages()
    assert returns(messages[2]) == {'c1': 'sunny in Oslo'}
    assert returns(messages[4]) == {'c2': ['wind in Oslo']}


async def test_custom_toolset_is_called_with_validated_arguments_and_entered_once(
    emulator: GroqEmulator, model: GroqModel
):
    remote = CountingToolset(['add'])
    agent = Agent(model, toolsets=[remote], tools=[forecast])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('add', {'a': 'x'}, id='c1')]),
        Reply(tool_calls=[ToolCallReply('add', {'a': 1, 'b': 2}, id='c2')]),
        Reply(text='3'),
    )
    result = await agent.run('1 + 2?')
    assert result.output == '3'
    assert offered(emulator.requests[0]) == ['forecast', 'add']
    assert remote.calls == [('add', {'a': 1, 'b': 2})]  # the invalid call never reached the toolset
    messages = result.all_messages()
    retry = returns(messages[2])['c1']
    assert isinstance(retry, list) and retry[0]['type'] == 'int_parsing'
    assert returns(messages[4]) == {'c2': {'tool': 'add', 'sum': 3}}
    assert remote.events == ['start', 'stop']


async def test_combinators_rename_filter_and_prepare_and_calls_reach_the_right_function(
    emulator: GroqEmulator, model: GroqModel
):
    weather = FunctionToolset([forecast, alerts])

    def describe_shortly(ctx: RunContext[None], tool_defs: list[ToolDefinition]) -> list[ToolDefinition]:
        return [dataclasses.replace(tool_def, description='Short.') for tool_def in tool_defs]

    agent = Agent(
        model,
        toolsets=[
            weather.prefixed('weather'),
            weather.renamed({'outlook': 'forecast'}).filtered(lambda ctx, tool_def: tool_def.name == 'outlook'),
            CountingToolset(['add', 'sub']).prepared(describe_shortly).filtered(lambda ctx, td: td.name != 'sub'),
        ],
    )
    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('weather_forecast', {'city': 'Rome'}, id='c1'),
                ToolCallReply('outlook', {'city': 'Oslo'}, id='c2'),
                ToolCallReply('weather_alerts', {'city': 'Bern'}, id='c3'),
                ToolCallReply('add', {'a': 4}, id='c4'),
            ]
        ),
        Reply(text='Done.'),
    )
    result = await agent.run('Go.')
    request = emulator.requests[0]
    assert offered(request) == ['weather_forecast', 'weather_alerts', 'outlook', 'add']
    assert request['tools'][3]['function']['description'] == 'Short.'
    assert returns(result.all_messages()[2]) == {
        'c1': 'sunny in Rome',
        'c2': 'sunny in Oslo',
        'c3': ['wind in Bern'],
        'c4': {'tool': 'add', 'sum': 4},
    }


async def test_tool_from_schema_gets_the_arguments_as_keywords(emulator: GroqEmulator, model: GroqModel):
    received: list[dict[str, Any]] = []

    def lookup(ctx: RunContext[str], **kwargs: Any) -> str:
        received.append(kwargs)
        return f'{ctx.deps}: {kwargs["sku"]}'

    schema = {'type': 'object', 'properties': {'sku': {'type': 'string'}}, 'required': ['sku']}
    tool = Tool.from_schema(lookup, name='lookup', description='Find a product.', json_schema=schema, takes_ctx=True)
    agent = Agent(model, deps_type=str, tools=[tool])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('lookup', '["not an object"]', id='c1')]),
        Reply(tool_calls=[ToolCallReply('lookup', {'sku': 'A1'}, id='c2')]),
        Reply(text='Found.'),
    )
    result = await agent.run('Find A1', deps='shop')
    assert emulator.requests[0]['tools'][0]['function'] == {
        'name': 'lookup',
        'description': 'Find a product.',
        'parameters': schema,
    }
    assert received == [{'sku': 'A1'}]
    messages = result.all_messages()
    retry = returns(messages[2])['c1']
    assert isinstance(retry, list) and retry[0]['type'] == 'dict_type'
    assert returns(messages[4]) == {'c2': 'shop: A1'}


# --- per run, override, prepare_tools ----------------------------------------------------------------


async def test_run_toolsets_and_override_replace_or_add_tools(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, tools=[forecast], toolsets=[FunctionToolset([alerts])])
    emulator.push(Reply(text='a'), Reply(text='b'), Reply(text='c'), Reply(text='d'))
    await agent.run('x', toolsets=[CountingToolset(['add'])])
    with agent.override(toolsets=[]):
        await agent.run('x')
    with agent.override(tools=[alerts], toolsets=[CountingToolset(['sub'])]):
        await agent.run('x')
    await agent.run('x')
    assert [offered(request) for request in emulator.requests] == [
        ['forecast', 'alerts', 'add'],
        ['forecast'],
        ['alerts', 'sub'],
        ['forecast', 'alerts'],
    ]


async def test_agent_prepare_tools_changes_and_hides_tools_each_step(emulator: GroqEmulator, model: GroqModel):
    async def only_forecast_first(ctx: RunContext[None], tool_defs: list[ToolDefinition]) -> list[ToolDefinition]:
        if ctx.run_step == 1:
            return [dataclasses.replace(td, strict=True) for td in tool_defs if td.name == 'forecast']
        return tool_defs

    everything = FunctionToolset([forecast, alerts]).filtered(lambda ctx, tool_def: True)
    agent = Agent(model, toolsets=[everything], prepare_tools=only_forecast_first)
    emulator.push(Reply(tool_calls=[ToolCallReply('forecast', {'city': 'Oslo'})]), Reply(text='ok'))
    result = await agent.run('x')
    assert result.output == 'ok'
    first, second = emulator.requests
    assert offered(first) == ['forecast'] and first['tools'][0]['function']['strict'] is True
    assert offered(second) == ['forecast', 'alerts']


async def test_a_name_offered_twice_is_an_error_naming_both_toolsets_before_any_request(
    emulator: GroqEmulator, model: GroqModel
):
    agent = Agent(model, tools=[forecast], toolsets=[CountingToolset(['forecast'])])
    with pytest.raises(UserError, match=r"'forecast' is offered by both FunctionToolset and CountingToolset\(remote\)"):
        await agent.run('x')
    toolsets = [FunctionToolset([forecast]).prefixed('w'), CountingToolset(['forecast']).prefixed('w')]
    with pytest.raises(
        UserError,
        match=r"'w_forecast' is offered by both PrefixedToolset\(FunctionToolset\) and "
        r'PrefixedToolset\(CountingToolset\(remote\)\)',
    ):
        await Agent(model).run('x', toolsets=toolsets)
    assert emulator.requests == []


async def test_a_tool_named_like_the_output_tool_is_refused(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=int, toolsets=[CountingToolset(['final_result'])])
    with pytest.raises(UserError, match=r"'final_result' of CountingToolset\(remote\) is also an output tool"):
        await agent.run('x')
    assert emulator.requests == []


def test_combinator_and_tool_option_errors():
    toolset = FunctionToolset([forecast])
    with pytest.raises(UserError, match="Prefix 'bad prefix_x' is invalid"):
        toolset.prefixed('bad prefix')
    with pytest.raises(UserError, match="Tool name 'no way' is invalid"):
        toolset.renamed({'no way': 'forecast'})
    with pytest.raises(UserError, match="Tool 'forecast': timeout must be a number of seconds > 0 or None, got 0"):
        Tool(forecast, timeout=0)
    with pytest.raises(UserError, match="Tool name 'forecast' is used twice"):
        toolset.add_tool(Tool(forecast))


async def test_combinator_errors_in_a_step(emulator: GroqEmulator, model: GroqModel):
    both = FunctionToolset([forecast, alerts])
    agent = Agent(model)
    with pytest.raises(UserError, match="renaming 'forecast' to 'alerts' clashes with the tool already named 'alerts'"):
        await agent.run('x', toolsets=[both.renamed({'alerts': 'forecast'})])
    invent = both.prepared(lambda ctx, tool_defs: [ToolDefinition('invented')])
    with pytest.raises(UserError, match="returned tool 'invented', which was not offered"):
        await agent.run('x', toolsets=[invent])

    def rename(ctx: RunContext[None], tool_def: ToolDefinition) -> ToolDefinition:
        return dataclasses.replace(tool_def, name='other')

    with pytest.raises(UserError, match=r"Tool 'forecast': prepare renamed it to 'other'; use `.renamed\(\)`"):
        await agent.run('x', toolsets=[FunctionToolset([Tool(forecast, prepare=rename)])])
    assert emulator.requests == []


async def test_prepared_returning_none_offers_no_tools(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, toolsets=[FunctionToolset([forecast]).prepared(lambda ctx, tool_defs: None)])
    emulator.push(Reply(text='ok'))
    await agent.run('x')
    assert offered(emulator.requests[0]) == []


# --- lifecycle ---------------------------------------------------------------------------------------


async def test_concurrent_runs_share_one_entry_and_async_with_agent_enters_once(
    emulator: GroqEmulator, model: GroqModel
):
    remote = CountingToolset(['add'])
    agent = Agent(model, toolsets=[remote])
    emulator.push(Reply(text='a'), Reply(text='b'))
    async with agent:
        assert remote.events == ['start']
        await agent.run('x')
        await agent.run('y')
        assert remote.events == ['start']
    assert remote.events == ['start', 'stop']

    both_in = anyio.Event()
    in_flight: list[str] = []

    async def wait_for_both(name: str) -> str:
        in_flight.append(name)
        if len(in_flight) == 2:
            both_in.set()
        with anyio.fail_after(5):  # both runs must be inside their toolsets together to get past this
            await both_in.wait()
        return name

    remote.events.clear()
    agent = Agent(model, tools=[wait_for_both], toolsets=[remote])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('wait_for_both', {'name': 'a'})]),
        Reply(tool_calls=[ToolCallReply('wait_for_both', {'name': 'b'})]),
        Reply(text='done'),
        Reply(text='done'),
    )
    async with anyio.create_task_group() as group:
        group.start_soon(agent.run, 'a')
        group.start_soon(agent.run, 'b')
    assert remote.events == ['start', 'stop']


async def test_a_combined_toolset_left_early_leaves_what_it_entered():
    class Failing(CountingToolset):
        async def __aenter__(self) -> Self:
            raise RuntimeError('cannot start')

    first = CountingToolset([])
    combined = CombinedToolset([first, Failing([])])
    with pytest.raises(RuntimeError, match='cannot start'):
        await combined.__aenter__()
    assert first.events == ['start', 'stop']
    assert combined.label == 'CombinedToolset(CountingToolset(remote), CountingToolset(remote))'


# --- per-tool options --------------------------------------------------------------------------------


async def test_sequential_tool_runs_its_response_calls_one_at_a_time(emulator: GroqEmulator, model: GroqModel):
    active: list[str] = []
    overlaps: list[list[str]] = []

    async def step(name: str) -> str:
        active.append(name)
        overlaps.append(list(active))
        await anyio.sleep(0)  # give any concurrent call the chance to start
        await anyio.sleep(0)
        active.remove(name)
        return name

    agent = Agent(model, tools=[Tool(step, sequential=True), Tool(step, name='free')])
    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('free', {'name': 'a'}),
                ToolCallReply('step', {'name': 'b'}),
                ToolCallReply('free', {'name': 'c'}),
            ]
        ),
        Reply(text='ok'),
    )
    await agent.run('x')
    assert overlaps == [['a'], ['b'], ['c']]


async def test_a_tool_that_overruns_its_timeout_gets_a_retry_prompt(emulator: GroqEmulator, model: GroqModel):
    never = anyio.Event()
    calls: list[int] = []

    async def slow_lookup(attempt: int) -> str:
        calls.append(attempt)
        if attempt == 1:
            await never.wait()  # never set: only the timeout ends this call
        return 'found'

    agent = Agent(model, tools=[Tool(slow_lookup, timeout=0.01)])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('slow_lookup', {'attempt': 1}, id='c1')]),
        Reply(tool_calls=[ToolCallReply('slow_lookup', {'attempt': 2}, id='c2')]),
        Reply(text='ok'),
    )
    result = await agent.run('x')
    messages = result.all_messages()
    assert returns(messages[2]) == {'c1': 'Timed out after 0.01 seconds; the call was abandoned.'}
    assert returns(messages[4]) == {'c2': 'found'}
    assert calls == [1, 2]


async def test_max_retries_per_tool_and_per_toolset(emulator: GroqEmulator, model: GroqModel):
    never = anyio.Event()

    @dataclasses.dataclass
    class Waiter:
        async def __call__(self) -> str:
            await never.wait()
            return 'never'

    toolset = FunctionToolset[None](max_retries=0)
    toolset.tool_plain(name='hang', timeout=0.01)(Waiter())
    agent = Agent(model, toolsets=[toolset], retries=3)
    emulator.push(Reply(tool_calls=[ToolCallReply('hang', {})]))
    with pytest.raises(
        UnexpectedModelBehavior,
        match=r"Tool 'hang' exceeded its retry limit of 0; the last error was: Timed out after 0.01 seconds",
    ):
        await agent.run('x')

    @toolset.tool(max_retries=1)
    def flaky(ctx: RunContext[None]) -> str:
        raise ModelRetry(f'not yet ({ctx.retry} of {ctx.max_retries})')

    emulator.push(
        Reply(tool_calls=[ToolCallReply('flaky', {}, id='c1')]),
        Reply(tool_calls=[ToolCallReply('flaky', {}, id='c2')]),
    )
    with (
        capture_run_messages() as messages,
        pytest.raises(
            UnexpectedModelBehavior, match=r"Tool 'flaky' exceeded its retry limit of 1; .*not yet \(1 of 1\)"
        ),
    ):
        await agent.run('x', toolsets=[])
    assert returns(messages[2]) == {'c1': 'not yet (0 of 1)'}
    assert len(messages) == 4  # the second failure ends the run


# --- wrappers over wrappers, a custom wrapper, streaming ---------------------------------------------


class LoggingToolset(WrapperToolset[Any]):
    """A user's wrapper: every call passes through it."""

    def __init__(self, wrapped: AbstractToolset[Any]) -> None:
        super().__init__(wrapped)
        self.log: list[str] = []

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        self.log.append(f'{ctx.tool_name} -> {name}({tool_args})')
        return await super().call_tool(name, tool_args, ctx, tool)


async def test_nested_wrappers_map_names_back_through_every_layer_when_streaming(
    emulator: GroqEmulator, model: GroqModel
):
    logged = LoggingToolset(FunctionToolset([forecast, alerts]).renamed({'outlook': 'forecast'}).prefixed('w'))
    agent = Agent(model)
    emulator.push(
        Reply(
            tool_calls=[
                ToolCallReply('w_outlook', {'city': 'Lima'}, id='c1'),
                ToolCallReply('w_alerts', {'city': 'Quito'}, id='c2'),
            ]
        ),
        Reply(text='Sunny.'),
    )
    async with agent.run_stream('x', toolsets=[logged]) as result:
        assert await result.get_output() == 'Sunny.'
    assert offered(emulator.requests[0]) == ['w_outlook', 'w_alerts']
    assert returns(result.all_messages()[2]) == {'c1': 'sunny in Lima', 'c2': ['wind in Quito']}
    assert sorted(logged.log) == ["w_alerts -> w_alerts({'city': 'Quito'})", "w_outlook -> w_outlook({'city': 'Lima'})"]
    assert logged.label == 'LoggingToolset(PrefixedToolset(RenamedToolset(FunctionToolset)))'
    tools = await logged.get_tools(RunContext(None, model, result.usage()))
    assert (
        await CombinedToolset([logged]).call_tool(
            'w_outlook', {'city': 'Oslo'}, RunContext(None, model, result.usage()), tools['w_outlook']
        )
        == 'sunny in Oslo'
    )


async def test_entering_waits_for_another_entry_under_way():
    release = anyio.Event()

    class SlowStart(CountingToolset):
        async def __aenter__(self) -> Self:
            await release.wait()
            return await super().__aenter__()

    slow = SlowStart([])
    combined = CombinedToolset([slow])
    entered: list[str] = []

    async def enter(name: str) -> None:
        await combined.__aenter__()
        entered.append(name)

    async with anyio.create_task_group() as group:
        group.start_soon(enter, 'first')
        group.start_soon(enter, 'second')
        await anyio.wait_all_tasks_blocked()
        assert entered == []  # both wait: the first for the toolset, the second for the first
        release.set()
    assert sorted(entered) == ['first', 'second'] and slow.events == ['start']
    await combined.__aexit__(None, None, None)
    assert slow.events == ['start']
    await combined.__aexit__(None, None, None)
    assert slow.events == ['start', 'stop']


async def test_schema_tool_without_arguments_and_run_sync_style_callers(emulator: GroqEmulator, model: GroqModel):
    def ping(**kwargs: Any) -> str:
        """Check the service."""
        return f'pong {kwargs}'

    tool = Tool.from_schema(ping, name='ping', description=None, json_schema={'type': 'object', 'properties': {}})
    assert tool.description == 'Check the service.'
    assert tool.function_schema.validate_python({'a': 1}) == {'a': 1}
    assert tool.function_schema.validate_json(' ') == {}
    agent = Agent(model)
    emulator.push(Reply(tool_calls=[ToolCallReply('ping', '', id='c1')]), Reply(text='up'))
    events = [event async for event in agent.run_stream_events('x', toolsets=[FunctionToolset([tool])])]
    assert events[-1].result.output == 'up'  # pyright: ignore[reportAttributeAccessIssue]
    assert returns(events[-1].result.all_messages()[2]) == {'c1': 'pong {}'}  # pyright: ignore[reportAttributeAccessIssue]


async def test_wrappers_enter_what_they_wrap(model: GroqModel):
    remote = CountingToolset(['add'])
    entries: list[str] = []

    class Announcing(WrapperToolset[Any]):
        async def __aenter__(self) -> Self:
            entries.append('announcing')
            return await super().__aenter__()

    agent = Agent(model, toolsets=[remote.prefixed('r'), Announcing(FunctionToolset([forecast]))])
    async with agent:
        assert remote.events == ['start'] and entries == ['announcing']
        async with agent:  # counted: nothing entered again
            pass
    assert remote.events == ['start', 'stop'] and entries == ['announcing']
