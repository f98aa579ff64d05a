"""`agent.iter`: a run stepped node by node on the one run loop, and event stream handlers."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import pytest
from pydantic import BaseModel

from pydantic_ai_groq import Agent, ModelMessagesTypeAdapter, ModelRequest, RunContext
from pydantic_ai_groq.exceptions import ModelRetry, UserError
from pydantic_ai_groq.messages import FinalResultEvent, FunctionToolCallEvent, PartDeltaEvent, PartStartEvent
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.run import AgentStreamEvent, CallToolsNode, End, ModelRequestNode, UserPromptNode
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    name: str
    population: int


def _city_agent(model: GroqModel, **kwargs: Any) -> Agent[None, City]:
    agent = Agent(model, output_type=City, instructions='Use the tools.', **kwargs)

    @agent.tool_plain
    def population(city: str) -> int:
        """Population of a city."""
        if city != 'Paris':
            raise ModelRetry('Only Paris is known.')
        return 2_100_000

    return agent


def _push_script(emulator: GroqEmulator) -> None:
    """A tool retried (ModelRetry), a tool with invalid arguments, then an invalid and a valid output call."""
    emulator.push(
        Reply(tool_calls=[ToolCallReply('population', {'city': 'Lyon'}, id='c1')]),
        Reply(text='Trying again.', tool_calls=[ToolCallReply('population', {'town': 'Paris'}, id='c2')]),
        Reply(tool_calls=[ToolCallReply('population', {'city': 'Paris'}, id='c3')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris'}, id='c4')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Paris', 'population': 2100000}, id='c5')]),
    )


_DIFFERS_PER_RUN = ('timestamp', 'provider_response_id', 'provider_details')


def _comparable(messages: list[Any]) -> list[Any]:
    """The history as JSON, without what differs between two runs of one script (times, response ids)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _DIFFERS_PER_RUN}  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, list):
            return [strip(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
        return value

    return strip(ModelMessagesTypeAdapter.dump_python(messages, mode='json'))


async def test_a_run_stepped_by_hand_has_the_history_of_agent_run(emulator: GroqEmulator, model: GroqModel):
    agent = _city_agent(model, retries=3)
    _push_script(emulator)
    expected = await agent.run('Population of Paris?')

    _push_script(emulator)
    kinds: list[str] = []
    async with agent.iter('Population of Paris?') as run:
        assert run.result is None
        node = run.next_node
        while not isinstance(node, End):
            kinds.append(type(node).__name__)
            node = await run.next(node)
        assert run.result is not None
        assert node.data.output == City(name='Paris', population=2_100_000)
        assert node.data.tool_name == 'final_result'
        assert node.data.tool_call_id == 'c5'
    assert kinds == ['UserPromptNode'] + ['ModelRequestNode', 'CallToolsNode'] * 5
    assert run.result.output == expected.output
    assert _comparable(run.all_messages()) == _comparable(expected.all_messages())
    assert run.usage() == expected.usage()
    assert run.result.usage() == expected.usage()


async def test_nodes_follow_the_steps_agent_run_takes(emulator: GroqEmulator, model: GroqModel):
    """Each ModelRequestNode carries the request the loop then sends; each CallToolsNode the response it got."""
    agent = _city_agent(model, retries=3)
    _push_script(emulator)
    async with agent.iter('Population of Paris?') as run:
        nodes = [node async for node in run]
    messages = run.all_messages()
    steps = [node for node in nodes if isinstance(node, ModelRequestNode | CallToolsNode)]
    # The history is the nodes' messages, in the order the nodes came: request, response, request, ...
    carried = [node.request if isinstance(node, ModelRequestNode) else node.model_response for node in steps]
    assert carried == messages[: len(carried)]
    assert isinstance(nodes[0], UserPromptNode) and nodes[0].user_prompt == 'Population of Paris?'
    assert isinstance(nodes[-1], End)
    assert len(emulator.requests) == 5
    # Each request went out as its node showed it: the wire messages after the last assistant
    # message answer the node's request parts, call by call.
    requests = [node.request for node in steps if isinstance(node, ModelRequestNode)]
    for request, body in zip(requests[1:], emulator.requests[1:], strict=True):
        last_assistant = max(i for i, message in enumerate(body['messages']) if message['role'] == 'assistant')
        sent_ids = [message.get('tool_call_id') for message in body['messages'][last_assistant + 1 :]]
        assert sent_ids == [getattr(part, 'tool_call_id', None) for part in request.parts]
    assert emulator.requests[0]['messages'][-1] == {'role': 'user', 'content': 'Population of Paris?'}
    assert run.ctx.run_step == 5


async def test_next_node_before_anything_runs(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='Hi.'))
    async with agent.iter('Hello') as run:
        first = run.next_node
        assert Agent.is_user_prompt_node(first) and not Agent.is_model_request_node(first)
        assert emulator.requests == []  # nothing is sent before the caller asks
        second = await run.next(first)
        assert isinstance(second, ModelRequestNode)
        assert isinstance(second.request, ModelRequest)
        with pytest.raises(UserError, match='next node'):
            await run.next(first)
        third = await run.next(second)
        assert Agent.is_call_tools_node(third) and third.model_response.text == 'Hi.'
        end = await run.next(third)
        assert Agent.is_end_node(end) and end.data.output == 'Hi.'
        with pytest.raises(UserError, match='has ended'):
            await run.next(end)
        assert [node async for node in run] == []
    assert run.result is not None and run.result.output == 'Hi.'
    assert len(run.new_messages()) == 2


async def test_leaving_iter_early_ends_the_run(emulator: GroqEmulator, model: GroqModel):
    agent = _city_agent(model, retries=3)
    _push_script(emulator)
    async with agent.iter('Population of Paris?') as run:
        async for node in run:
            if isinstance(node, CallToolsNode):
                break
    assert run.result is None
    assert len(emulator.requests) == 1


async def test_node_stream_yields_the_node_events(emulator: GroqEmulator, model: GroqModel):
    agent = _city_agent(model, retries=3)
    _push_script(emulator)
    request_events: list[AgentStreamEvent] = []
    tool_events: list[AgentStreamEvent] = []
    async with agent.iter('Population of Paris?') as run:
        async for node in run:
            if isinstance(node, ModelRequestNode):
                async with node.stream(run.ctx) as events:
                    request_events.extend([event async for event in events])
                with pytest.raises(UserError, match='streams once'):
                    async with node.stream(run.ctx):
                        pass  # pragma: no cover
            elif isinstance(node, CallToolsNode):
                async with node.stream(run.ctx) as events:
                    async for event in events:
                        tool_events.append(event)
                        break  # the rest runs when the block ends
    assert run.result is not None and run.result.output.population == 2_100_000
    assert any(isinstance(event, PartDeltaEvent) for event in request_events)
    assert any(isinstance(event, PartStartEvent) for event in request_events)
    assert sum(isinstance(event, FinalResultEvent) for event in request_events) == 2  # both output calls
    assert len(tool_events) == 5 and isinstance(tool_events[0], FunctionToolCallEvent)  # one read per step
    assert len(emulator.requests) == 5 and all(body.get('stream') for body in emulator.requests)


async def test_event_stream_handler_sees_agent_run_events(emulator: GroqEmulator, model: GroqModel):
    seen: list[tuple[int, str]] = []

    async def handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for event in events:
            seen.append((ctx.run_step, type(event).__name__))

    agent = _city_agent(model, retries=3, event_stream_handler=handler)
    _push_script(emulator)
    result = await agent.run('Population of Paris?')
    assert result.output.population == 2_100_000
    kinds = [kind for _, kind in seen]
    assert 'PartDeltaEvent' in kinds  # the requests were streamed for it
    assert kinds.count('FunctionToolCallEvent') == 3  # the function tool calls c1, c2, c3
    assert kinds.count('FinalResultEvent') == 2  # as each output tool call starts
    assert [step for step, _ in seen] == sorted(step for step, _ in seen)
    assert all(body.get('stream') for body in emulator.requests)


async def test_a_run_handler_replaces_the_agent_handler(emulator: GroqEmulator, model: GroqModel):
    calls: list[str] = []

    async def agent_handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        calls.append('agent')  # pragma: no cover

    async def lazy_handler(ctx: RunContext[None], events: AsyncIterable[AgentStreamEvent]) -> None:
        calls.append('run')  # reads nothing: the run goes on all the same

    agent = Agent(model, event_stream_handler=agent_handler)
    emulator.push(Reply(text='Hi.'))
    result = await agent.run('Hello', event_stream_handler=lazy_handler)
    assert result.output == 'Hi.'
    assert calls == ['run', 'run']  # one model request, one call-tools step
