"""What type checkers infer from the public API: checked by pyright (strict) and mypy in `make lint`, never run.

Each `assert_type` must hold for both checkers. A line that must be an error carries the ignore comment
of each checker that must reject it: `# type: ignore[code]` for mypy, `# pyright: ignore[rule]` for
pyright (which is set to disregard `# type: ignore`). Both checkers report an ignore comment that is not
needed (mypy's `warn_unused_ignores`, pyright's `reportUnnecessaryTypeIgnoreComment`), so an expected
error that goes away fails the check as surely as an unexpected one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel
from typing_extensions import TypedDict, assert_type

from pydantic_ai_groq import (
    Agent,
    AgentRun,
    AgentRunResult,
    AgentRunResultEvent,
    End,
    NativeOutput,
    PromptedOutput,
    RunContext,
    StreamedRunResult,
    StreamedRunResultSync,
    StructuredDict,
    TextOutput,
    Tool,
    ToolOutput,
)
from pydantic_ai_groq.direct import model_request, model_request_stream, model_request_sync
from pydantic_ai_groq.history_processors import keep_last_turns
from pydantic_ai_groq.messages import ModelMessage, ModelRequest, ModelResponse
from pydantic_ai_groq.models import StreamedResponse
from pydantic_ai_groq.toolsets import FunctionToolset

MODEL = 'groq:llama-3.3-70b-versatile'


class City(BaseModel):
    name: str


class Weather(TypedDict):
    celsius: float


@dataclass
class Deps:
    api_key: str


def output_types() -> None:
    assert_type(Agent(MODEL), Agent[None, str])
    assert_type(Agent(MODEL, output_type=str), Agent[None, str])
    assert_type(Agent(MODEL, output_type=City), Agent[None, City])
    assert_type(Agent(MODEL, output_type=Weather), Agent[None, Weather])
    assert_type(Agent(MODEL, output_type=list[int]), Agent[None, list[int]])
    assert_type(Agent(MODEL, output_type=ToolOutput(City)), Agent[None, City])
    assert_type(Agent(MODEL, output_type=ToolOutput(City, name='city')), Agent[None, City])
    assert_type(Agent(MODEL, output_type=NativeOutput(City)), Agent[None, City])
    assert_type(Agent(MODEL, output_type=PromptedOutput(City)), Agent[None, City])
    assert_type(Agent(MODEL, output_type=City, deps_type=Deps), Agent[Deps, City])
    assert_type(Agent[Deps, City](MODEL, output_type=City, deps_type=Deps), Agent[Deps, City])


def _word_count(text: str) -> int:
    return len(text.split())


async def _tagged(ctx: RunContext[Deps], text: str) -> str:
    return text


def text_and_dict_output_types() -> None:
    assert_type(Agent(MODEL, output_type=TextOutput(_word_count)), Agent[None, int])
    assert_type(Agent(MODEL, output_type=TextOutput(_tagged), deps_type=Deps), Agent[Deps, str])
    city_dict = StructuredDict({'type': 'object'}, name='City')
    assert_type(city_dict, type[dict[str, Any]])
    assert_type(Agent(MODEL, output_type=city_dict), Agent[None, dict[str, Any]])
    assert_type(Agent(MODEL, output_type=NativeOutput(city_dict)), Agent[None, dict[str, Any]])


def union_output_types() -> None:
    assert_type(Agent(MODEL, output_type=City | int), Agent[None, City | int])
    assert_type(Agent(MODEL, output_type=Union[City, int]), Agent[None, City | int])  # noqa: UP007
    assert_type(Agent(MODEL, output_type=City | None), Agent[None, City | None])
    assert_type(Agent(MODEL, output_type=Literal['yes', 'no']), Agent[None, Literal['yes', 'no']])
    assert_type(Agent(MODEL, output_type=ToolOutput(Literal['yes', 'no'])), Agent[None, Literal['yes', 'no']])
    assert_type(Agent(MODEL, output_type=NativeOutput(City | int)), Agent[None, City | int])
    assert_type(Agent(MODEL, output_type=PromptedOutput(City | int)), Agent[None, City | int])


def list_output_types() -> None:
    # mypy joins the classes in a list literal to `type` and loses them: with mypy, annotate the variable.
    assert_type(Agent(MODEL, output_type=[City, int]), Agent[None, City | int])  # type: ignore[list-item, assert-type]
    assert_type(Agent(MODEL, output_type=[City, str]), Agent[None, City | str])  # type: ignore[list-item, assert-type]
    assert_type(Agent(MODEL, output_type=NativeOutput([City, int])), Agent[None, City | int])  # type: ignore[list-item, assert-type]
    assert_type(Agent(MODEL, output_type=[ToolOutput(City), ToolOutput(int)]), Agent[None, City | int])  # type: ignore[assert-type]
    annotated: Agent[None, City | int] = Agent(MODEL, output_type=[City, int])
    assert_type(annotated.run_sync('q').output, City | int)
    narrower: Agent[None, City] = Agent(MODEL, output_type=[City, int])  # type: ignore[list-item]  # pyright: ignore[reportAssignmentType]
    del narrower


def wrong_output_types() -> None:
    Agent(MODEL, output_type=42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    Agent(MODEL, output_type=[City, 42])  # type: ignore[list-item]  # pyright: ignore[reportCallIssue, reportArgumentType]
    Agent[None, City](MODEL, output_type=int)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
    bad: Agent[None, int] = Agent(MODEL, output_type=City)  # type: ignore[arg-type]  # pyright: ignore[reportAssignmentType]
    del bad


async def run_results(agent: Agent[Deps, City], deps: Deps) -> None:
    result = await agent.run('Largest city in Mexico?', deps=deps)
    assert_type(result, AgentRunResult[City])
    assert_type(result.output, City)
    assert_type(agent.run_sync('q', deps=deps).output, City)
    async with agent.run_stream('q', deps=deps) as streamed:
        assert_type(streamed, StreamedRunResult[City])
        async for partial in streamed.stream_output():
            assert_type(partial, City)
        async for text in streamed.stream_text():
            assert_type(text, str)
        assert_type(await streamed.get_output(), City)
        assert_type(streamed.result().output, City)
    with agent.run_stream_sync('q', deps=deps) as streamed_sync:
        assert_type(streamed_sync, StreamedRunResultSync[City])
        for partial in streamed_sync.stream_output():
            assert_type(partial, City)
        for response, is_last in streamed_sync.stream_responses():
            assert_type(response, ModelResponse)
            assert_type(is_last, bool)
        assert_type(streamed_sync.get_output(), City)
    async with agent.run_stream_events('q', deps=deps) as events:
        async for event in events:
            if isinstance(event, AgentRunResultEvent):
                assert_type(event.result.output, City)
    text_result = await Agent(MODEL).run('q')
    assert_type(text_result.output, str)


async def wrong_deps(agent: Agent[Deps, City]) -> None:
    await agent.run('q', deps=42)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    agent.run_sync('q', deps='key')  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    with agent.override(deps=Deps('test')):
        pass
    with agent.override(deps=42):  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        pass


def tools_with_deps() -> None:
    agent = Agent(MODEL, deps_type=Deps, output_type=City)
    assert_type(agent, Agent[Deps, City])

    @agent.tool
    def api_key(ctx: RunContext[Deps], suffix: str) -> str:
        assert_type(ctx.deps, Deps)
        return ctx.deps.api_key + suffix

    @agent.tool(name='key_length', retries=2)
    async def key_length(ctx: RunContext[Deps]) -> int:
        return len(ctx.deps.api_key)

    @agent.tool_plain
    def add(a: int, b: int) -> int:
        return a + b

    @agent.tool_plain(description='Multiplies.')
    def mul(a: int, b: int) -> int:
        return a * b

    @agent.tool  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    def wrong_deps(ctx: RunContext[int]) -> int:
        return ctx.deps

    @agent.tool(name='also_wrong')  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    def also_wrong(ctx: RunContext[str]) -> str:
        return ctx.deps

    @agent.tool  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    def no_context(a: int) -> int:
        return a

    assert_type(add(1, 2), int)
    assert_type(mul(1, 2), int)
    del api_key, key_length, wrong_deps, also_wrong, no_context


def output_validators() -> None:
    agent = Agent(MODEL, deps_type=Deps, output_type=City)

    @agent.output_validator
    async def known_city(ctx: RunContext[Deps], city: City) -> City:
        assert_type(ctx.deps, Deps)
        return city

    @agent.output_validator
    def capitalised(city: City) -> City:
        return City(name=city.name.title())

    @agent.output_validator  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType, reportUntypedFunctionDecorator]
    def wrong_output(number: int) -> int:
        return number

    @agent.output_validator  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType, reportUntypedFunctionDecorator]
    def wrong_deps(ctx: RunContext[int], city: City) -> City:
        return city

    del known_city, capitalised, wrong_output, wrong_deps


def tools_without_deps() -> None:
    agent = Agent(MODEL)

    @agent.tool
    def city(ctx: RunContext[None], name: str) -> str:
        assert_type(ctx.deps, None)
        return name

    @agent.tool  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    def needs_deps(ctx: RunContext[Deps]) -> str:
        return ctx.deps.api_key

    del city, needs_deps


def tools_as_arguments() -> None:
    def lookup(ctx: RunContext[Deps], name: str) -> str:
        return ctx.deps.api_key + name

    def plain(name: str) -> str:
        return name

    assert_type(Agent(MODEL, deps_type=Deps, tools=[lookup, plain]), Agent[Deps, str])
    assert_type(Agent(MODEL, deps_type=Deps, tools=[Tool(plain)]), Agent[Deps, str])
    assert_type(Agent(MODEL, deps_type=Deps, tools=[Tool(lookup), Tool(plain)]), Agent[Deps, str])
    # A `Tool` of a plain function is a `Tool[object]`: it serves an agent with any deps.
    assert_type(Tool(plain), Tool[object])
    no_deps: Agent[None, str] = Agent(MODEL, tools=[Tool(plain)])
    assert_type(no_deps, Agent[None, str])
    assert_type(Agent(MODEL, tools=[plain]), Agent[None, str])
    assert_type(Tool(lookup), Tool[Deps])

    def wrong(ctx: RunContext[int]) -> int:
        return ctx.deps

    Agent(MODEL, deps_type=Deps, tools=[Tool(wrong)])  # type: ignore[misc]  # pyright: ignore[reportArgumentType]


async def direct_requests() -> None:
    messages = [ModelRequest.user_text_prompt('Hi!')]
    assert_type(await model_request(MODEL, messages), ModelResponse)
    assert_type(model_request_sync(MODEL, messages), ModelResponse)
    async with model_request_stream(MODEL, messages) as stream:
        assert_type(stream, StreamedResponse)
        assert_type(stream.get(), ModelResponse)


def toolsets_with_deps() -> None:
    def lookup(ctx: RunContext[Deps], key: str) -> str:
        return ctx.deps.api_key + key

    toolset = FunctionToolset([Tool(lookup)])
    assert_type(toolset, FunctionToolset[Deps])
    agent = Agent(MODEL, deps_type=Deps, toolsets=[toolset, toolset.prefixed('x')])
    assert_type(agent, Agent[Deps, str])
    with agent.override(toolsets=[toolset.filtered(lambda ctx, tool_def: tool_def.name != 'x')]):
        pass


def function_toolset_decorators() -> None:
    toolset = FunctionToolset[Deps]()

    @toolset.tool
    def key(ctx: RunContext[Deps], suffix: str) -> str:
        return ctx.deps.api_key + suffix

    @toolset.tool_plain(timeout=5)
    def double(n: int) -> int:
        return 2 * n

    @toolset.tool  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    def wrong_deps(ctx: RunContext[int]) -> int:
        return ctx.deps

    assert_type(double(2), int)
    del key, wrong_deps


def history_processors() -> None:
    def keep_requests(messages: list[ModelMessage]) -> list[ModelMessage]:
        return [m for m in messages if isinstance(m, ModelRequest)]

    async def with_deps(ctx: RunContext[Deps], messages: list[ModelMessage]) -> list[ModelMessage]:
        return messages[-int(ctx.deps.api_key) :]

    agent = Agent(MODEL, deps_type=Deps, history_processors=[keep_last_turns(3), keep_requests, with_deps])
    assert_type(agent, Agent[Deps, str])
    assert_type(keep_last_turns(2)([]), list[ModelMessage])


async def per_run_output_types(agent: Agent[Deps, City], deps: Deps) -> None:
    assert_type((await agent.run('q', deps=deps)).output, City)
    assert_type((await agent.run('q', deps=deps, output_type=int)).output, int)
    assert_type((await agent.run('q', output_type=City | int)).output, City | int)
    assert_type((await agent.run('q', output_type=ToolOutput(Weather))).output, Weather)
    assert_type((await agent.run('q', output_type=NativeOutput(int))).output, int)
    assert_type((await agent.run('q', output_type=TextOutput(_word_count))).output, int)
    assert_type((await agent.run('q', output_type=[ToolOutput(City), ToolOutput(int)])).output, City | int)  # type: ignore[assert-type]
    assert_type(agent.run_sync('q', output_type=str).output, str)
    async with agent.run_stream('q', output_type=int) as streamed:
        assert_type(streamed, StreamedRunResult[int])
    async with agent.run_stream_events('q', output_type=int) as events:
        async for event in events:
            if isinstance(event, AgentRunResultEvent):
                assert_type(event.result.output, int)
    async with agent.iter('q', deps=deps) as run:
        assert_type(run, AgentRun[Deps, City])
        if run.result is not None:
            assert_type(run.result.output, City)
    async with agent.iter('q', output_type=int) as int_run:
        assert_type(int_run, AgentRun[Deps, int])
        node = int_run.next_node
        if isinstance(node, End):
            assert_type(node.data.output, Any)
    await agent.run('q', output_type=42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    await agent.run('q', metadata={'tenant': 'acme'}, instructions=['Be brief.', lambda: 'Be kind.'])
    await agent.run('q', metadata=lambda ctx: {'step': ctx.run_step})
    with agent.override(instructions='Be brief.', model_settings={'temperature': 0.0}):
        pass
