"""Run-loop hardening: captured messages, retry budgets per response, exhausted retries, closed streams."""

from __future__ import annotations

import anyio
import pydantic
import pytest
from pydantic import BaseModel

from pydantic_ai_groq import (
    Agent,
    ModelRequest,
    ModelRetry,
    RetryPromptPart,
    RunContext,
    ToolReturnPart,
    UserError,
    capture_run_messages,
)
from pydantic_ai_groq.exceptions import ModelHTTPError, UnexpectedModelBehavior
from pydantic_ai_groq.messages import ModelResponse, ToolCallPart, UserPromptPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class City(BaseModel):
    name: str
    country: str


def _user_texts(body: dict[str, object]) -> list[str]:
    messages = body['messages']
    assert isinstance(messages, list)
    return [m['content'] for m in messages if m['role'] == 'user']  # pyright: ignore[reportUnknownVariableType]


# --- capture_run_messages ------------------------------------------------------------------------


async def test_capture_does_not_hand_one_run_s_messages_to_the_next(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='noted'), Reply(text='hello B'))
    with capture_run_messages() as messages:
        first = await agent.run('Customer A: my card number is 1234')
        second = await agent.run('Customer B: hello')
    assert _user_texts(emulator.requests[1]) == ['Customer B: hello']
    assert [m.kind for m in second.all_messages()] == ['request', 'response']
    assert messages == first.all_messages()  # the first run of the block


async def test_capture_with_concurrent_runs(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    results: dict[str, str] = {}

    async def run(user: str) -> None:
        results[user] = (await agent.run(f'I am {user}')).output

    with capture_run_messages() as messages:
        async with anyio.create_task_group() as group:
            group.start_soon(run, 'user 1')
            group.start_soon(run, 'user 2')
    assert sorted(_user_texts(body)[0] for body in emulator.requests) == ['I am user 1', 'I am user 2']
    assert all(len(_user_texts(body)) == 1 for body in emulator.requests)
    assert len(messages) == 2
    first_prompt = messages[0].parts[0]
    assert isinstance(first_prompt, UserPromptPart) and first_prompt.content in ('I am user 1', 'I am user 2')


async def test_capture_with_a_sub_agent_in_a_tool(emulator: GroqEmulator, model: GroqModel):
    inner = Agent(model)
    outer = Agent(model)

    @outer.tool_plain
    async def ask_expert(question: str) -> str:
        return (await inner.run(question)).output

    emulator.push(
        Reply(tool_calls=[ToolCallReply('ask_expert', {'question': 'What is 2+2?'}, id='c1')]),
        Reply(text='4'),  # the sub-agent
        Reply(text='The expert says 4.'),
    )
    with capture_run_messages() as messages:
        result = await outer.run('Ask the expert about 2+2.')
    assert result.output == 'The expert says 4.'
    assert [m['role'] for m in emulator.requests[1]['messages']] == ['user']
    assert _user_texts(emulator.requests[1]) == ['What is 2+2?']
    assert messages == result.all_messages()
    call, answer = messages[1], messages[2]
    assert isinstance(call, ModelResponse) and isinstance(call.parts[0], ToolCallPart)
    assert isinstance(answer, ModelRequest) and answer.parts[0] == ToolReturnPart(
        'ask_expert', '4', 'c1', timestamp=answer.parts[0].timestamp
    )


async def test_capture_keeps_the_messages_of_a_failed_stream(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='partial answer here', stream_error={'message': 'boom'}, stream_error_after=3))
    with capture_run_messages() as messages, pytest.raises(ModelHTTPError):
        async with agent.run_stream('go') as result:
            await result.get_output()
    assert [m.kind for m in messages] == ['request', 'response']


# --- one failure per tool per response ----------------------------------------------------------


async def test_parallel_failing_calls_of_one_tool_count_once(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=1)
    seen: list[tuple[int, int]] = []

    @agent.tool
    def check(ctx: RunContext[None], n: int) -> int:
        seen.append((n, ctx.retry))
        if n < 10:
            raise ModelRetry(f'{n} is too small')
        return n

    emulator.push(
        Reply(tool_calls=[ToolCallReply('check', {'n': 1}), ToolCallReply('check', {'n': 2})]),
        Reply(tool_calls=[ToolCallReply('check', {'n': 11})]),
        Reply(text='done'),
    )
    result = await agent.run('go')
    assert result.output == 'done'
    assert sorted(seen) == [(1, 0), (2, 0), (11, 1)]
    retries = [p for p in result.all_messages()[2].parts if isinstance(p, RetryPromptPart)]
    assert len(retries) == 2


async def test_failure_and_success_of_one_tool_in_one_response(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=1)

    @agent.tool_plain
    async def check(n: int) -> int:
        if n < 10:
            raise ModelRetry(f'{n} is too small')
        return n

    # Whatever order the calls finish in, a response with a failure counts one failure.
    emulator.push(
        Reply(tool_calls=[ToolCallReply('check', {'n': 1}), ToolCallReply('check', {'n': 11})]),
        Reply(tool_calls=[ToolCallReply('check', {'n': 12}), ToolCallReply('check', {'n': 2})]),
    )
    with pytest.raises(UnexpectedModelBehavior, match=r"Tool 'check' exceeded its retry limit of 1"):
        await agent.run('go')
    assert len(emulator.requests) == 2


async def test_parallel_failing_output_tool_calls_count_once(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, output_retries=1)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'A'}), ToolCallReply('final_result', {'name': 'B'})]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon', 'country': 'France'})]),
    )
    assert (await agent.run('go')).output == City(name='Lyon', country='France')


async def test_parallel_unknown_tool_calls_count_once(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=1)
    emulator.push(
        Reply(tool_calls=[ToolCallReply('nope', {}), ToolCallReply('nope', {})]),
        Reply(text='done'),
    )
    assert (await agent.run('go')).output == 'done'


# --- exhausted retries --------------------------------------------------------------------------


async def test_exhausted_tool_retries_chain_the_last_model_retry(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=0)

    @agent.tool_plain
    def flaky(n: int) -> int:
        raise ModelRetry(f'no luck with {n}')

    emulator.push(Reply(tool_calls=[ToolCallReply('flaky', {'n': 3})]))
    with pytest.raises(UnexpectedModelBehavior) as caught:
        await agent.run('go')
    assert str(caught.value) == "Tool 'flaky' exceeded its retry limit of 0; the last error was: no luck with 3"
    assert isinstance(caught.value.__cause__, ModelRetry) and caught.value.__cause__.message == 'no luck with 3'


async def test_exhausted_tool_retries_chain_the_validation_error(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, retries=0)

    @agent.tool_plain
    def double(n: int) -> int:
        return 2 * n

    emulator.push(Reply(tool_calls=[ToolCallReply('double', {'n': 'three'})]))
    with pytest.raises(UnexpectedModelBehavior) as caught:
        await agent.run('go')
    assert str(caught.value) == (
        # Locations and error types only (the message reaches spans); the cause has the values.
        "Tool 'double' exceeded its retry limit of 0; the last error was: 1 validation error: n: int_parsing"
    )
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)


async def test_exhausted_output_retries_chain_the_validation_error(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, output_retries=0)
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'})]))
    with pytest.raises(UnexpectedModelBehavior) as caught:
        await agent.run('go')
    assert str(caught.value) == (
        'Exceeded maximum output retries (0); the last problem was: 1 validation error: country: missing'
    )
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)


async def test_exhausted_output_retries_chain_the_validator_s_model_retry(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_retries=0)

    @agent.output_validator
    def check(text: str) -> str:
        raise ModelRetry('too long')

    emulator.push(Reply(text='a long answer'))
    with pytest.raises(UnexpectedModelBehavior) as caught:
        await agent.run('go')
    assert str(caught.value) == 'Exceeded maximum output retries (0); the last problem was: too long'
    assert isinstance(caught.value.__cause__, ModelRetry)


async def test_exhausted_retries_without_an_exception_chain_nothing(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=City, output_retries=0)
    emulator.push(Reply(text='Lyon'))
    with pytest.raises(UnexpectedModelBehavior) as caught:
        await agent.run('go')
    assert str(caught.value) == (
        'Exceeded maximum output retries (0); the last problem was: '
        # The package sends tool_choice 'required' (only the output tool is offered), so Groq, and the
        # emulator, answer a text reply with tool_use_failed.
        'Tool choice is required, but model did not call a tool. You must call a tool: respond by calling one '
        'of the tools (final_result) with valid arguments.'
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# --- get_output after the stream ended ----------------------------------------------------------


async def test_get_output_after_leaving_the_stream_early(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='one two three four'))
    async with agent.run_stream('go') as result:
        async for _ in result.stream_text(delta=True):
            break
    with pytest.raises(UserError, match=r'The run was closed before it finished'):
        await result.get_output()
    assert not result.is_complete
    with pytest.raises(UserError, match=r'still streaming, or was closed before it finished'):
        result.result()


async def test_get_output_after_the_stream_failed(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    emulator.push(Reply(text='partial answer here', stream_error={'message': 'boom'}, stream_error_after=3))
    with pytest.raises(ModelHTTPError) as caught:
        async with agent.run_stream('go') as result:
            async for _ in result.stream_text():
                pass
    with pytest.raises(ModelHTTPError) as again:
        await result.get_output()  # pyright: ignore[reportPossiblyUnboundVariable]
    assert again.value is caught.value
