"""History processors through GroqModel and the emulator: what is sent is processed, the run keeps all."""

from __future__ import annotations

from typing import Any

import pytest

from pydantic_ai_groq import Agent, RunContext, UserError
from pydantic_ai_groq.history_processors import keep_last_turns
from pydantic_ai_groq.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


def _history(turns: int) -> list[ModelMessage]:
    """`turns` finished turns, each a question, a tool call, its return and an answer."""
    messages: list[ModelMessage] = []
    for k in range(turns):
        prompt: list[Any] = [SystemPromptPart('You are a librarian.')] if k == 0 else []
        messages += [
            ModelRequest([*prompt, UserPromptPart(f'question {k}')]),
            ModelResponse([ToolCallPart('lookup', {'k': k}, f'call-{k}')]),
            ModelRequest([ToolReturnPart('lookup', f'book {k}', f'call-{k}')]),
            ModelResponse([TextPart(f'answer {k}')]),
        ]
    return messages


def _lookup_agent(model: GroqModel, **kwargs: Any) -> Agent[None, str]:
    agent = Agent(model, instructions='Answer briefly.', **kwargs)

    @agent.tool_plain
    def lookup(k: int) -> str:
        """Find a book."""
        return f'book {k}'

    return agent


def _check_pairs(wire: list[dict[str, Any]]) -> None:
    """Every tool message answers a call of the assistant message before it, and every call is answered."""
    open_calls: set[str] = set()
    for message in wire:
        if message['role'] == 'tool':
            open_calls.remove(message['tool_call_id'])
            continue
        assert not open_calls, f'unanswered calls {open_calls} before a {message["role"]} message'
        open_calls = {call['id'] for call in message.get('tool_calls', ())}
    assert not open_calls


async def test_keep_last_turns_trims_200_turns_keeping_pairs(emulator: GroqEmulator, model: GroqModel):
    agent = _lookup_agent(model, history_processors=[keep_last_turns(5)])
    history = _history(200)
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'k': 200}, id='call-200')]), Reply(text='answer 200'))

    result = await agent.run('question 200', message_history=history)

    assert result.output == 'answer 200'
    assert len(emulator.requests) == 2
    for body in emulator.requests:
        wire = body['messages']
        _check_pairs(wire)
        assert wire[0] == {'role': 'system', 'content': 'You are a librarian.'}
        assert wire[1] == {'role': 'system', 'content': 'Answer briefly.'}
        users = [m['content'] for m in wire if m['role'] == 'user']
        assert users == [f'question {k}' for k in range(196, 201)]
    first, second = (body['messages'] for body in emulator.requests)
    assert len(first) == 2 + 4 * 4 + 1
    assert second[-2:] == [
        {
            'role': 'assistant',
            'tool_calls': [
                {'id': 'call-200', 'type': 'function', 'function': {'name': 'lookup', 'arguments': '{"k":200}'}}
            ],
        },
        {'role': 'tool', 'tool_call_id': 'call-200', 'content': 'book 200'},
    ]
    # the run keeps everything: the 200 turns given, and the new turn
    messages = result.all_messages()
    assert messages[: len(history)] == history
    assert len(messages) == len(history) + 4
    assert len(result.new_messages()) == 4


async def test_sync_async_and_context_processors_run_in_order_before_every_request(
    emulator: GroqEmulator, model: GroqModel
):
    seen: list[str] = []

    def drop_answers(messages: list[ModelMessage]) -> list[ModelMessage]:
        seen.append(f'sync {len(messages)}')
        return [m for m in messages if not (isinstance(m, ModelResponse) and not m.tool_calls)]

    async def note_step(ctx: RunContext[str], messages: list[ModelMessage]) -> list[ModelMessage]:
        seen.append(f'async {ctx.deps} step {ctx.run_step} {len(messages)} of {len(ctx.messages)}')
        return messages

    agent = Agent(model, deps_type=str, history_processors=[drop_answers, note_step])

    @agent.tool_plain
    def lookup(k: int) -> str:
        """Find a book."""
        return f'book {k}'

    history = _history(2)
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'k': 2}, id='c2')]), Reply(text='done'))
    result = await agent.run('question 2', message_history=history, deps='d')

    assert result.output == 'done'
    assert seen == ['sync 9', 'async d step 1 7 of 9', 'sync 11', 'async d step 2 9 of 11']
    for body in emulator.requests:
        assert all(m.get('content') not in ('answer 0', 'answer 1') for m in body['messages'])
        _check_pairs(body['messages'])
    assert len(result.all_messages()) == 12


async def test_processor_dropping_a_tool_return_fails_before_the_request(emulator: GroqEmulator, model: GroqModel):
    def drop_returns(messages: list[ModelMessage]) -> list[ModelMessage]:
        return [m for m in messages if not (isinstance(m, ModelRequest) and isinstance(m.parts[0], ToolReturnPart))]

    agent = _lookup_agent(model, history_processors=[drop_returns])
    with pytest.raises(UserError) as error:
        await agent.run('question 0', message_history=_history(1))
    assert str(error.value) == (
        'History processor test_processor_dropping_a_tool_return_fails_before_the_request.<locals>.drop_returns '
        "separated a tool call from its return: tool call 'call-0' (lookup) is not answered by the request after "
        'it. Keep each response with tool calls together with the request after it (keep_last_turns does).'
    )
    assert emulator.requests == []


async def test_processor_dropping_a_tool_call_fails_in_a_later_step(emulator: GroqEmulator, model: GroqModel):
    def drop_calls(messages: list[ModelMessage]) -> list[ModelMessage]:
        return [m for m in messages if not (isinstance(m, ModelResponse) and m.tool_calls)]

    agent = _lookup_agent(model, history_processors=[drop_calls])
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'k': 1}, id='c1')]), Reply(text='never'))
    with pytest.raises(UserError, match=r"the return of tool call 'c1' \(lookup\) does not follow the response"):
        await agent.run('question')
    assert len(emulator.requests) == 1  # the first step was sent; the second was refused before sending


async def test_a_history_unpaired_before_processing_is_not_the_processors_fault(
    emulator: GroqEmulator, model: GroqModel
):
    # A retry prompt answering a call the history does not hold: sent as it was before processors existed.
    history: list[ModelMessage] = [
        ModelRequest([UserPromptPart('q')]),
        ModelResponse([TextPart('a')]),
        ModelRequest([RetryPromptPart('bad', tool_name='lookup', tool_call_id='gone')]),
    ]

    def unchanged(messages: list[ModelMessage]) -> list[ModelMessage]:
        return messages

    agent = _lookup_agent(model, history_processors=[unchanged])
    emulator.push(Reply(text='ok'))
    result = await agent.run(message_history=history)
    assert result.output == 'ok'
    assert emulator.requests[0]['messages'][-1] == {
        'role': 'tool',
        'tool_call_id': 'gone',
        'content': 'bad\n\nFix the errors and try again.',
    }


@pytest.mark.parametrize(
    ('result', 'described'),
    [([], 'an empty list'), (None, 'a NoneType'), ('first', 'a list ending with a ModelResponse')],
)
async def test_processor_must_return_messages_ending_with_a_request(
    emulator: GroqEmulator, model: GroqModel, result: Any, described: str
):
    def processor(messages: list[ModelMessage]) -> Any:
        return messages[:2] if result == 'first' else result

    agent = Agent(model, history_processors=[processor])
    history = [ModelRequest([UserPromptPart('q')]), ModelResponse([TextPart('a')])]
    with pytest.raises(
        UserError, match=f'must return a non-empty list of messages ending with the request to send, got {described}'
    ):
        await agent.run('next', message_history=history if result == 'first' else None)
    assert emulator.requests == []


async def test_instructions_stay_when_a_processor_rebuilds_the_last_request(emulator: GroqEmulator, model: GroqModel):
    def rebuild(messages: list[ModelMessage]) -> list[ModelMessage]:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        return [ModelRequest(list(last.parts))]

    agent = Agent(model, instructions='Be brief.', history_processors=[rebuild])
    emulator.push(Reply(text='hi'))
    result = await agent.run('hello', message_history=_history(3))
    assert emulator.requests[0]['messages'] == [
        {'role': 'system', 'content': 'Be brief.'},
        {'role': 'user', 'content': 'hello'},
    ]
    assert len(result.all_messages()) == 14


async def test_streaming_runs_send_processed_history(emulator: GroqEmulator, model: GroqModel):
    agent = _lookup_agent(model, history_processors=[keep_last_turns(1)])
    emulator.push(Reply(tool_calls=[ToolCallReply('lookup', {'k': 9}, id='c9')]), Reply(text='answer 9'))
    async with agent.run_stream('question 9', message_history=_history(50)) as result:
        assert await result.get_output() == 'answer 9'
    for body in emulator.requests:
        assert body['stream'] is True
        _check_pairs(body['messages'])
        assert [m['content'] for m in body['messages'] if m['role'] == 'user'] == ['question 9']
        assert body['messages'][0] == {'role': 'system', 'content': 'You are a librarian.'}
    assert len(emulator.requests) == 2
    assert len(result.all_messages()) == 50 * 4 + 4


def test_keep_last_turns_needs_a_turn():
    with pytest.raises(UserError, match='n must be >= 1, got 0'):
        keep_last_turns(0)


def test_keep_last_turns_keeps_short_histories_and_names_itself():
    processor = keep_last_turns(3)
    history = _history(2)
    assert processor(history) == history
    assert processor.__qualname__ == 'keep_last_turns(3)'


def test_keep_last_turns_without_system_prompts_and_with_a_prompt_beside_tool_returns():
    history: list[ModelMessage] = [
        ModelRequest([UserPromptPart('question 0')]),
        ModelResponse([ToolCallPart('lookup', {'k': 0}, 'c0')]),
        # a user prompt beside a tool return continues the turn: cutting here would orphan the return
        ModelRequest([ToolReturnPart('lookup', 'book 0', 'c0'), UserPromptPart('and also')]),
        ModelResponse([TextPart('answer 0')]),
        ModelRequest([UserPromptPart('question 1')]),
    ]
    assert keep_last_turns(2)(history) == history
    assert keep_last_turns(1)(history) == history[4:]  # no system prompt to carry
