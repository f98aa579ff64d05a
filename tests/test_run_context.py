"""One rule decides which user functions get a `RunContext`: tools, prompts, instructions, output validators."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest
from inline_snapshot import snapshot

import pydantic_ai_groq
from pydantic_ai_groq import Agent, RunContext, Tool, tools
from pydantic_ai_groq._function_schema import function_schema
from pydantic_ai_groq._run_context import takes_run_context
from pydantic_ai_groq.exceptions import UserError
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply


def parameters(function: Any) -> list[inspect.Parameter]:
    return list(inspect.signature(function).parameters.values())


def test_run_context_has_one_home():
    assert tools.RunContext is RunContext is pydantic_ai_groq.RunContext
    assert RunContext.__module__ == 'pydantic_ai_groq._run_context'


def test_the_rule_for_functions_with_fixed_arguments():
    def prompt() -> str:
        return ''

    def prompt_with_ctx(ctx) -> str:
        return ''

    def validator(output: str) -> str:
        return output

    def validator_with_ctx(ctx, output: str) -> str:
        return output

    assert not takes_run_context(parameters(prompt), other_arguments=0)
    assert takes_run_context(parameters(prompt_with_ctx), other_arguments=0)
    assert not takes_run_context(parameters(validator), other_arguments=1)
    assert takes_run_context(parameters(validator_with_ctx), other_arguments=1)


def test_the_rule_for_tools_reads_the_annotation_only():
    def plain(city: str) -> str:
        return city

    def with_ctx(ctx: RunContext[int], city: str) -> str:
        return city

    hints = {'ctx': RunContext[int], 'city': str}
    assert not takes_run_context(parameters(plain), {'city': str})
    assert takes_run_context(parameters(with_ctx), hints)
    # Without hints the annotation is read as written: here a string, as this module defers annotations.
    assert not takes_run_context(parameters(with_ctx))


def test_a_keyword_only_run_context_is_refused_when_the_tool_is_registered():
    # The context is passed positionally, so a keyword-only one would fail only when the model called the tool.
    def late(*, ctx: RunContext[int], city: str) -> str:
        return city

    with pytest.raises(UserError) as exc_info:
        function_schema(late)
    assert str(exc_info.value) == snapshot(
        "Tool function 'late': RunContext can only be the first positional parameter, not 'ctx'"
    )


async def test_every_kind_of_user_function_gets_the_context_by_the_same_rule(emulator: GroqEmulator, model: GroqModel):
    agent = Agent(model, deps_type=str, output_type=int)
    seen: list[str] = []

    @agent.instructions
    def unannotated(ctx) -> str:
        seen.append(f'instructions:{ctx.deps}')
        return 'Count.'

    @agent.system_prompt
    async def no_context() -> str:
        seen.append('system prompt')
        return 'Be exact.'

    @agent.output_validator
    def with_context(ctx, output: int) -> int:
        seen.append(f'validator:{ctx.deps}:{ctx.tool_name}')
        return output + 1

    @agent.output_validator
    async def output_only(output: int) -> int:
        seen.append('validator')
        return output * 10

    def add(ctx: RunContext[str], a: int, b: int) -> int:
        seen.append(f'tool:{ctx.deps}:{ctx.tool_name}')
        return a + b

    agent_with_tool = Agent(model, deps_type=str, output_type=int, tools=[Tool(functools.partial(add, b=1))])
    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'response': 4}, id='a')]),
        Reply(tool_calls=[ToolCallReply('add', {'a': 2}, id='b')]),
        Reply(tool_calls=[ToolCallReply('final_result', {'response': 3}, id='c')]),
    )
    result = await agent.run('go', deps='d')
    assert result.output == 50
    assert seen == snapshot(['instructions:d', 'system prompt', 'validator:d:final_result', 'validator'])
    seen.clear()
    result = await agent_with_tool.run('go', deps='e')
    assert result.output == 3
    assert seen == snapshot(['tool:e:add'])
