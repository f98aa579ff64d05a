"""`stream_text` across responses (the interim-text marker), debounced with an injected clock, and `stream_responses`.

The clocks are injected, so what is grouped never depends on the machine's speed: `frozen`
never advances (only the first piece of a window is due), `ticking` advances by a fixed
step at each reading (one reading per piece).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from pydantic import BaseModel

from pydantic_ai_groq import Agent, InterimTextEnd, ModelRetry
from pydantic_ai_groq.exceptions import ModelHTTPError, UserError
from pydantic_ai_groq.messages import ModelResponse, ToolCallPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import ErrorReply, GroqEmulator, Reply, ToolCallReply


def frozen() -> float:
    return 0.0


def ticking(step: float) -> Callable[[], float]:
    times = (i * step for i in itertools.count())
    return times.__next__


def _agent_with_lookup(model: GroqModel) -> Agent[None, str]:
    agent = Agent(model)

    @agent.tool_plain
    def lookup() -> str:
        return 'found'

    return agent


def _reject_drafts(agent: Agent[None, str]) -> None:
    @agent.output_validator
    def no_drafts(text: str) -> str:
        if text.startswith('Draft'):
            raise ModelRetry('No drafts.')
        return text


THINK_THEN_ANSWER = (
    Reply(text='Let me check.', tool_calls=[ToolCallReply('lookup', {})]),
    Reply(text='It is found.'),
)


async def test_deltas_mark_the_end_of_text_that_came_before_tool_calls(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        pieces = [piece async for piece in result.stream_text(delta=True, debounce_by=None)]
    assert pieces == ['Let ', 'me ', 'check.', '', 'It ', 'is ', 'found.']
    marker = pieces[3]
    assert isinstance(marker, InterimTextEnd)
    assert marker.text == 'Let me check.'
    assert repr(marker) == "InterimTextEnd(text='Let me check.')"
    assert not any(isinstance(piece, InterimTextEnd) for piece in pieces[:3] + pieces[4:])
    # The answer is what follows the last marker; joining every piece still works.
    assert ''.join(pieces[pieces.index(marker) + 1 :]) == result.result().output == 'It is found.'
    assert ''.join(pieces) == 'Let me check.It is found.'


async def test_accumulated_text_starts_again_at_the_marker(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        texts = [text async for text in result.stream_text(debounce_by=None)]
    assert texts == ['Let ', 'Let me ', 'Let me check.', '', 'It ', 'It is ', 'It is found.']
    assert isinstance(texts[3], InterimTextEnd)
    assert texts[-1] == await result.get_output()


async def test_rejected_text_is_marked_when_the_next_response_starts(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    _reject_drafts(agent)
    emulator.push(Reply(text='Draft answer'), Reply(text='Final answer'))
    async with agent.run_stream('go') as result:
        pieces = [piece async for piece in result.stream_text(delta=True, debounce_by=None)]
    assert pieces == ['Draft ', 'answer', InterimTextEnd('Draft answer'), 'Final ', 'answer']
    assert isinstance(pieces[2], InterimTextEnd)
    assert pieces[2].text == 'Draft answer'
    assert result.result().output == 'Final answer'


async def test_a_tool_call_after_rejected_text_marks_it(emulator: GroqEmulator, model: GroqModel):
    agent = _agent_with_lookup(model)

    _reject_drafts(agent)
    emulator.push(Reply(text='Draft'), Reply(tool_calls=[ToolCallReply('lookup', {})]), Reply(text='Done'))
    async with agent.run_stream('go') as result:
        pieces = [piece async for piece in result.stream_text(delta=True, debounce_by=None)]
    assert pieces == ['Draft', '', 'Done']
    assert isinstance(pieces[1], InterimTextEnd)
    assert pieces[1].text == 'Draft'


async def test_debounced_deltas_flush_before_the_marker_and_at_the_end(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        pieces = [piece async for piece in result.stream_text(delta=True, debounce_by=0.1, clock=frozen)]
    # The first piece of the window is due at once; the rest are held until the marker, then until the end.
    assert pieces == ['Let ', 'me check.', '', 'It is found.']
    assert isinstance(pieces[2], InterimTextEnd)


@pytest.mark.parametrize(
    ('delta', 'expected'),
    [
        (True, ['a ', 'b c d ', 'e f g ', 'h i']),
        (False, ['a ', 'a b c d ', 'a b c d e f g ', 'a b c d e f g h i']),
    ],
)
async def test_debounce_groups_pieces_within_the_window(
    emulator: GroqEmulator, model: GroqModel, delta: bool, expected: list[str]
):
    # One clock reading per piece, 0.04 s apart: with a 0.1 s window, pieces at 0, 0.12, 0.24 are due.
    emulator.push(Reply(text='a b c d e f g h i'))
    async with Agent(model).run_stream('go') as result:
        texts = [text async for text in result.stream_text(delta=delta, debounce_by=0.1, clock=ticking(0.04))]
    assert texts == expected
    assert result.result().output == 'a b c d e f g h i'


async def test_debounce_of_zero_and_none_yield_every_piece(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(text='a b c'), Reply(text='a b c'))
    agent = Agent(model)
    for debounce_by in (0.0, None):
        async with agent.run_stream('go') as result:
            assert [t async for t in result.stream_text(delta=True, debounce_by=debounce_by, clock=frozen)] == [
                'a ',
                'b ',
                'c',
            ]


@pytest.mark.parametrize('debounce_by', [-0.1, float('nan')])
async def test_bad_debounce_is_refused_before_any_request(emulator: GroqEmulator, model: GroqModel, debounce_by: float):
    async with Agent(model).run_stream('go') as result:
        with pytest.raises(UserError, match=r'stream_text\(debounce_by=...\) takes seconds >= 0 or None'):
            async for _ in result.stream_text(debounce_by=debounce_by):
                pass  # pragma: no cover
        with pytest.raises(UserError, match=r'stream_responses\(debounce_by=...\)'):
            async for _ in result.stream_responses(debounce_by=debounce_by):
                pass  # pragma: no cover
    assert emulator.requests == []


async def test_stream_output_of_text_has_no_markers(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        outputs = [output async for output in result.stream_output()]
    assert outputs == ['Let ', 'Let me ', 'Let me check.', 'It ', 'It is ', 'It is found.']
    assert not any(isinstance(output, InterimTextEnd) for output in outputs)


async def test_stream_responses_grow_and_end_once_with_is_last(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        seen = [(response, is_last) async for response, is_last in result.stream_responses(debounce_by=None)]
    assert [is_last for _, is_last in seen].count(True) == 1
    assert seen[-1][1] is True
    final = seen[-1][0]
    assert final == result.all_messages()[-1]
    assert final.text == 'It is found.'
    texts = [(response.text, [type(p).__name__ for p in response.parts]) for response, _ in seen]
    first = result.all_messages()[1]
    assert isinstance(first, ModelResponse)
    # The tool-calling response grows, is yielded whole when its call is announced, then the answer grows.
    assert (first.text, ['TextPart', 'ToolCallPart']) in texts
    assert texts[0] == ('Let ', ['TextPart'])
    assert texts.index((first.text, ['TextPart', 'ToolCallPart'])) < texts.index(('It ', ['TextPart']))
    assert all(isinstance(response, ModelResponse) for response, _ in seen)


async def test_stream_responses_debounced(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)

    _reject_drafts(agent)
    emulator.push(Reply(text='Draft answer'), Reply(text='Final answer'))
    async with agent.run_stream('go') as result:
        seen = [(r.text, is_last) async for r, is_last in result.stream_responses(debounce_by=0.1, clock=frozen)]
    # The first part's start is due; the rejected response is yielded whole when the next starts; then the end.
    assert seen == [('Draft ', False), ('Draft answer', False), ('Final answer', True)]


async def test_stream_responses_debounced_across_a_tool_call(emulator: GroqEmulator, model: GroqModel):
    emulator.push(*THINK_THEN_ANSWER)
    async with _agent_with_lookup(model).run_stream('go') as result:
        seen = [
            (r.text, [type(p).__name__ for p in r.parts], is_last)
            async for r, is_last in result.stream_responses(debounce_by=0.1, clock=frozen)
        ]
    # The held rest of the tool-calling response comes whole as its call is announced, before the tool runs.
    assert seen == [
        ('Let ', ['TextPart'], False),
        ('Let me check.', ['TextPart', 'ToolCallPart'], False),
        ('It is found.', ['TextPart'], True),
    ]


async def test_debounced_rejected_text_is_flushed_before_its_marker(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model)
    _reject_drafts(agent)
    emulator.push(Reply(text='Draft answer'), Reply(text='Final answer'))
    async with agent.run_stream('go') as result:
        pieces = [piece async for piece in result.stream_text(delta=True, clock=frozen)]
    assert pieces == ['Draft ', 'answer', '', 'Final answer']
    assert isinstance(pieces[2], InterimTextEnd)


class City(BaseModel):
    name: str


async def test_stream_responses_of_an_output_tool(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lima'})]))
    async with Agent(model, output_type=City).run_stream('go') as result:
        seen = [(r, is_last) async for r, is_last in result.stream_responses(debounce_by=None)]
    assert [is_last for _, is_last in seen] == [False] * (len(seen) - 1) + [True]
    final = seen[-1][0]
    assert isinstance(final.parts[0], ToolCallPart)
    assert final is not result.all_messages()[-1]  # the output tool's return comes after it
    assert final == result.all_messages()[-2]
    assert result.result().output == City(name='Lima')


async def test_stream_responses_of_a_failed_run_raise(emulator: GroqEmulator, model: GroqModel):
    emulator.push(ErrorReply(400, {'error': {'message': 'bad', 'type': 'invalid_request_error'}}))
    async with Agent(model).run_stream('go') as result:
        with pytest.raises(ModelHTTPError):
            async for _ in result.stream_responses():
                pass  # pragma: no cover
