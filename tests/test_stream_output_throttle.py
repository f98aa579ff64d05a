"""`stream_output` of long structured output: validated on growth or on its clock, each partial valid and growing.

The clocks are injected, so what is yielded does not depend on the machine's speed: `_frozen`
never advances (only the growth of the JSON triggers a validation), `_ticking` advances a
second per reading (the timer is always due, so every chunk is validated).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pydantic_ai_groq import Agent, NativeOutput
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


class Item(BaseModel):
    name: str
    qty: int


class Inventory(BaseModel):
    items: list[Item]


class Team(BaseModel):
    name: str
    members: list[Item]


class League(BaseModel):
    teams: list[Team]


class Tally(BaseModel):
    items: list[Item]
    total: int


def _frozen() -> float:
    return 0.0


def _ticking() -> Callable[[], float]:
    return itertools.count().__next__


def _inventory(n: int) -> dict[str, Any]:
    return {'items': [{'name': f'item number {i}', 'qty': 1000 + i} for i in range(n)]}


async def _partials(
    agent: Agent[None, Any], emulator: GroqEmulator, args: dict[str, Any], clock: Callable[[], float], chunk: int = 5
) -> list[Any]:
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', args)], chunk_size=chunk))
    async with agent.run_stream('go') as result:
        return [output async for output in result.stream_output(interval=0.5, clock=clock)]


def _assert_valid_and_growing(partials: list[Inventory], final: Inventory) -> None:
    assert partials[-1] == final
    for before, after in itertools.pairwise(partials):
        assert len(before.items) <= len(after.items)
        assert before != after
    for partial in partials:  # no item cut short, no number cut short: each is the final item itself
        assert partial.items == final.items[: len(partial.items)]


async def test_long_output_is_validated_as_it_grows_not_per_chunk(emulator: GroqEmulator, model: GroqModel):
    args = _inventory(400)  # about 16 KB: 3,300 chunks of 5 characters
    partials = await _partials(Agent(model, output_type=Inventory), emulator, args, _frozen)
    final = Inventory.model_validate(args)
    _assert_valid_and_growing(partials, final)
    # Every item of the first KiB (about 27), then once per quarter's growth up to 16 KiB (1.25 ** 13 > 16),
    # where validating every chunk would show all 400 items one by one.
    first_kib = [p for p in partials if len(p.model_dump_json()) < 1000]
    assert len(first_kib) >= 25
    assert len(partials) - len(first_kib) <= 16


async def test_a_due_clock_validates_every_chunk(emulator: GroqEmulator, model: GroqModel):
    args = _inventory(100)
    partials = await _partials(Agent(model, output_type=Inventory), emulator, args, _ticking())
    final = Inventory.model_validate(args)
    _assert_valid_and_growing(partials, final)
    # Items are shown as they complete: the list of models is cut before its unfinished last item.
    assert [len(p.items) for p in partials] == list(range(101))


async def test_an_unfinished_item_deep_in_the_output_is_left_out(emulator: GroqEmulator, model: GroqModel):
    members = [{'name': f'member {i}', 'qty': i} for i in range(3)]
    args = {'teams': [{'name': 'red', 'members': members}, {'name': 'blue', 'members': members}]}
    partials = await _partials(Agent(model, output_type=League), emulator, args, _ticking(), chunk=3)
    sizes = [[len(team.members) for team in p.teams] for p in partials]
    assert sizes == [[], [0], [1], [2], [3], [3, 0], [3, 1], [3, 2], [3, 3]]
    assert partials[-1] == League.model_validate(args)


async def test_a_required_field_after_a_list_holds_partials_back(emulator: GroqEmulator, model: GroqModel):
    args = {'items': [{'name': 'a', 'qty': 1}, {'name': 'b', 'qty': 2}], 'total': 3}
    partials = await _partials(Agent(model, output_type=Tally), emulator, args, _ticking(), chunk=2)
    assert partials == [Tally.model_validate(args)]


async def test_a_wrong_value_before_the_end_shows_nothing_until_the_retry(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, output_type=Tally)
    bad = {'total': 'three', 'items': [{'name': 'a', 'qty': 1}, {'name': 'b', 'qty': 2}]}
    good = {'items': [{'name': 'a', 'qty': 1}], 'total': 1}
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', bad)], chunk_size=4),
        Reply(tool_calls=[ToolCallReply('final_result', good)], chunk_size=40),
    )
    async with agent.run_stream('go') as result:
        partials = [output async for output in result.stream_output(clock=_ticking())]
    assert partials == [Tally.model_validate(good)]


async def test_text_output_with_leading_blanks_streams_partials(emulator: GroqEmulator):
    agent = Agent(emulator.model('openai/gpt-oss-20b'), output_type=NativeOutput(Item))
    text = '  \n' + json.dumps({'name': 'Lyon', 'qty': 12345})
    emulator.push(Reply(text=text, chunk_size=3))
    async with agent.run_stream('go') as result:
        partials = [output async for output in result.stream_output(clock=_frozen)]
    # The number shows only once complete: `12` would not be a partial `12345`.
    assert partials == [Item(name='Lyon', qty=12345)]


# --- every chunking, every validation schedule ---------------------------------------------------

names = st.text(st.characters(codec='utf-8', exclude_categories=['Cs']), max_size=12)
items = st.lists(st.builds(Item, name=names, qty=st.integers(-(10**6), 10**6)), max_size=12)


async def _streamed_and_whole(inventory: Inventory, chunk_size: int, every_chunk: bool) -> tuple[list[Any], Any]:
    args = inventory.model_dump(mode='json')
    emulator = GroqEmulator(
        [
            Reply(tool_calls=[ToolCallReply('final_result', args)]),
            Reply(tool_calls=[ToolCallReply('final_result', args)], chunk_size=chunk_size),
        ]
    )
    model = emulator.model()
    agent = Agent(model, output_type=Inventory)
    whole = (await agent.run('go')).output
    async with agent.run_stream('go') as result:
        clock = _ticking() if every_chunk else _frozen
        partials = [output async for output in result.stream_output(clock=clock)]
    await model.client.close()
    return partials, whole


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.builds(Inventory, items=items), st.integers(1, 9), st.booleans())
def test_partials_are_valid_growing_and_end_with_the_non_streamed_output(
    inventory: Inventory, chunk_size: int, every_chunk: bool
):
    partials, whole = anyio.run(_streamed_and_whole, inventory, chunk_size, every_chunk)
    assert whole == inventory
    _assert_valid_and_growing(partials, whole)


async def test_a_wrong_item_or_a_wrong_shape_shows_nothing_until_the_retry(emulator: GroqEmulator):
    agent = Agent(emulator.model('openai/gpt-oss-20b'), output_type=NativeOutput(Inventory), output_retries=2)
    wrong_item = json.dumps({'items': [{'name': 'a', 'qty': 'one'}, {'name': 'b', 'qty': 2}]})
    good = {'items': [{'name': 'a', 'qty': 1}]}
    emulator.push(
        Reply(text=wrong_item, chunk_size=3),
        Reply(text='[{"name": "a", "qty": 1}]', chunk_size=3),  # a list where an object belongs
        Reply(text=json.dumps(good), chunk_size=50),
    )
    async with agent.run_stream('go') as result:
        partials = [output async for output in result.stream_output(clock=_ticking())]
    # The first attempt shows its empty list before the wrong item arrives, then nothing until the good one.
    assert partials == [Inventory(items=[]), Inventory.model_validate(good)]
    assert result.usage().requests == 3


async def test_a_negative_interval_is_refused(emulator: GroqEmulator, model: GroqModel):
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'items': []})]))
    async with Agent(model, output_type=Inventory).run_stream('go') as result:
        with pytest.raises(UserError, match=r'interval=\.\.\.\) takes seconds >= 0, got -1'):
            async for _ in result.stream_output(interval=-1):
                pass


async def test_partials_follow_the_first_output_call_of_a_response(emulator: GroqEmulator, model: GroqModel):
    first, second = {'items': [{'name': 'a', 'qty': 1}]}, {'items': [{'name': 'b', 'qty': 2}, {'name': 'c', 'qty': 3}]}
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', first), ToolCallReply('final_result', second)], chunk_size=4)
    )
    async with Agent(model, output_type=Inventory).run_stream('go') as result:
        partials = [output async for output in result.stream_output(clock=_ticking())]
    assert partials == [Inventory(items=[]), Inventory.model_validate(first)]
    assert result.result().output == Inventory.model_validate(first)
