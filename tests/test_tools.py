from __future__ import annotations as _annotations

import dataclasses
import functools

import pytest
from inline_snapshot import snapshot

from pydantic_ai_groq.exceptions import AgentGroqError, ModelRetry, UserError
from pydantic_ai_groq.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.tools import RunContext, Tool, ToolDefinition
from pydantic_ai_groq.usage import RunUsage


def population(city: str, year: int = 2024) -> int:
    """Population of a city.

    Counts residents, not visitors.

    Args:
        city: City name in English.
        year: The census year.
    """
    return 1


def deps_population(ctx: RunContext[dict[str, int]], city: str) -> int:
    """Population of a city, from the deps.

    Args:
        ctx: The run context.
        city: City name in English.
    """
    return ctx.deps[city]


def test_tool_defaults():
    tool = Tool(population)
    assert tool.function is population
    assert tool.name == 'population'
    assert tool.description == snapshot("""\
Population of a city.

Counts residents, not visitors.\
""")
    assert tool.max_retries is None
    assert tool.takes_ctx is False
    assert tool.strict is None
    assert tool.function_schema.function is population
    assert tool.tool_def == snapshot(
        ToolDefinition(
            name='population',
            parameters_json_schema={
                'type': 'object',
                'properties': {
                    'city': {'type': 'string', 'description': 'City name in English.'},
                    'year': {'default': 2024, 'type': 'integer', 'description': 'The census year.'},
                },
                'required': ['city'],
                'additionalProperties': False,
            },
            description="""\
Population of a city.

Counts residents, not visitors.\
""",
            kind='function',
            strict=None,
        )
    )
    assert repr(tool) == snapshot("Tool(name='population', takes_ctx=False, max_retries=None, strict=None)")


def test_tool_options():
    tool = Tool(
        population,
        name='city-population_2',
        description='How many people live there.',
        max_retries=3,
        strict=True,
    )
    assert tool.name == 'city-population_2'
    assert tool.description == 'How many people live there.'
    assert tool.max_retries == 3
    assert tool.strict is True
    assert tool.tool_def.name == 'city-population_2'
    assert tool.tool_def.description == 'How many people live there.'
    assert tool.tool_def.strict is True
    assert tool.tool_def.kind == 'function'
    assert repr(tool) == snapshot("Tool(name='city-population_2', takes_ctx=False, max_retries=3, strict=True)")


def test_empty_description_wins_over_docstring():
    assert Tool(population, description='').description == ''


def test_no_docstring_gives_empty_description():
    def ping() -> str:
        return 'pong'

    tool = Tool(ping)
    assert tool.description == ''
    assert tool.tool_def == ToolDefinition(name='ping')


def test_tool_with_ctx():
    tool = Tool[dict[str, int]](deps_population)
    assert tool.takes_ctx is True
    assert tool.tool_def.parameters_json_schema == snapshot(
        {
            'type': 'object',
            'properties': {'city': {'type': 'string', 'description': 'City name in English.'}},
            'required': ['city'],
            'additionalProperties': False,
        }
    )
    assert Tool(deps_population, takes_ctx=True).takes_ctx is True


def test_tool_takes_ctx_mismatch():
    with pytest.raises(UserError, match='first parameter must be RunContext'):
        Tool(population, takes_ctx=True)
    with pytest.raises(UserError, match='takes_ctx=False'):
        Tool(deps_population, takes_ctx=False)


def test_tool_docstring_options():
    def forecast(city: str, days: int = 1) -> str:
        """Forecast.

        :param city: The city.
        :param days: Days ahead.
        """
        return city

    assert Tool(forecast, docstring_format='google').tool_def.parameters_json_schema['properties'] == snapshot(
        {'city': {'type': 'string'}, 'days': {'default': 1, 'type': 'integer'}}
    )
    assert Tool(forecast, docstring_format='sphinx').tool_def.parameters_json_schema['properties'] == snapshot(
        {
            'city': {'type': 'string', 'description': 'The city.'},
            'days': {'default': 1, 'type': 'integer', 'description': 'Days ahead.'},
        }
    )
    with pytest.raises(UserError, match="parameter 'city' has no description"):
        Tool(forecast, docstring_format='google', require_parameter_descriptions=True)


def test_tool_names_of_other_callables():
    class CityLookup:
        def __call__(self, city: str) -> str:
            return city

        def lookup(self, city: str) -> str:
            return city

    assert Tool(functools.partial(population, year=2000)).name == 'population'
    assert Tool(CityLookup()).name == 'CityLookup'
    assert Tool(CityLookup().lookup).name == 'lookup'


def test_lambda_needs_a_name():
    with pytest.raises(UserError) as exc_info:
        Tool(lambda city: city)  # pyright: ignore[reportUnknownLambdaType,reportUnknownArgumentType]
    assert str(exc_info.value) == snapshot(
        "Tool name '<lambda>' is invalid: Groq requires tool names to match ^[a-zA-Z0-9_-]{1,64}$ (1 to 64 letters, digits, '_' or '-'); pass `name=` to choose one"
    )
    assert Tool(lambda city: city, name='echo').name == 'echo'  # pyright: ignore[reportUnknownLambdaType,reportUnknownArgumentType]


@pytest.mark.parametrize('name', ['', 'city population', 'population()', 'städte', 'a.b', 'x' * 65])
def test_invalid_tool_names(name: str):
    with pytest.raises(UserError, match=r'is invalid: Groq requires tool names to match \^\[a-zA-Z0-9_-\]\{1,64\}\$'):
        Tool(population, name=name)


@pytest.mark.parametrize('name', ['a', 'A-b_9', 'x' * 64])
def test_valid_tool_names(name: str):
    assert Tool(population, name=name).name == name


def test_invalid_max_retries():
    with pytest.raises(UserError) as exc_info:
        Tool(population, max_retries=-1)
    assert str(exc_info.value) == snapshot("Tool 'population': max_retries must be >= 0 or None, got -1")
    assert Tool(population, max_retries=0).max_retries == 0


def test_tool_function_errors_are_user_errors():
    with pytest.raises(UserError, match='must be callable'):
        Tool(42)  # type: ignore[arg-type]


async def test_tool_call_round_trip():
    tool = Tool(population)
    args = tool.function_schema.validate_json('{"city": "Oslo"}')
    assert await tool.function_schema.call(args, None) == 1


# --- RunContext ----------------------------------------------------------------------------


async def test_run_context_defaults(model: GroqModel):
    usage = RunUsage()
    ctx = RunContext(deps={'Oslo': 700_000}, model=model, usage=usage)
    assert ctx.deps == {'Oslo': 700_000}
    assert ctx.model is model
    assert ctx.usage is usage
    assert ctx.messages == []
    assert ctx.prompt is None
    assert (ctx.retry, ctx.max_retries, ctx.run_step) == (0, 0, 0)
    assert ctx.tool_name is None
    assert ctx.tool_call_id is None
    # Each context gets its own message list.
    assert RunContext(deps=None, model=model, usage=usage).messages is not ctx.messages


async def test_run_context_with_tool(model: GroqModel):
    messages: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(content='Population of Oslo?')])]
    ctx = RunContext[None](
        deps=None, model=model, usage=RunUsage(), messages=messages, prompt='Population of Oslo?', run_step=2
    )
    tool_ctx = ctx.with_tool('population', 'call_1', retry=1, max_retries=3)
    assert tool_ctx is not ctx
    assert (tool_ctx.tool_name, tool_ctx.tool_call_id, tool_ctx.retry, tool_ctx.max_retries) == (
        'population',
        'call_1',
        1,
        3,
    )
    # Everything else is shared with the run's context, which is left unchanged.
    assert tool_ctx.messages is messages
    assert tool_ctx.usage is ctx.usage
    assert (tool_ctx.prompt, tool_ctx.run_step) == ('Population of Oslo?', 2)
    assert (ctx.tool_name, ctx.tool_call_id, ctx.retry, ctx.max_retries) == (None, None, 0, 0)
    assert dataclasses.replace(tool_ctx, tool_name=None, tool_call_id=None, retry=0, max_retries=0) == ctx


async def test_run_context_passed_to_tool(model: GroqModel):
    tool = Tool(deps_population)
    ctx = RunContext(deps={'Oslo': 700_000}, model=model, usage=RunUsage()).with_tool('deps_population', 'c1', 0, 1)
    args = tool.function_schema.validate_python({'city': 'Oslo'})
    assert await tool.function_schema.call(args, ctx) == 700_000


def test_model_retry():
    error = ModelRetry('City not found, try its English name.')
    assert isinstance(error, AgentGroqError)
    assert error.message == 'City not found, try its English name.'
    assert str(error) == 'City not found, try its English name.'
