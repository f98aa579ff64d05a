"""The run loop's log lines on `pydantic_ai_groq.agent`: each retry prompt, its reason and count, never content."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel

from pydantic_ai_groq import Agent, ModelRetry, PromptedOutput
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.testing import GroqEmulator, Reply, ToolCallReply

API_KEY = 'gsk_test_0123456789_this_key_must_never_be_logged'
SECRET = 'SECRET-do-not-log'
"""In every prompt, argument, tool message and generation the tests send: no log line may carry it."""

AGENT_LOGGER = 'pydantic_ai_groq.agent'


class City(BaseModel):
    name: str


@pytest.fixture
def emulator() -> GroqEmulator:
    return GroqEmulator(api_key=API_KEY)


@pytest.fixture
async def model(emulator: GroqEmulator) -> AsyncIterator[GroqModel]:
    groq_model = GroqModel('llama-3.3-70b-versatile', groq_client=emulator.client(api_key=API_KEY))
    yield groq_model
    await groq_model.client.close()


def run_loop_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """The run loop's lines; and no line of the package's loggers carries content or the key."""
    ours = [record for record in caplog.records if record.name.startswith('pydantic_ai_groq')]
    for record in ours:
        assert SECRET not in record.getMessage() and API_KEY not in record.getMessage()
    return [(record.levelno, record.getMessage()) for record in ours if record.name == AGENT_LOGGER]


async def test_tool_retries_are_logged_with_the_tool_reason_and_count(
    emulator: GroqEmulator, model: GroqModel, caplog: pytest.LogCaptureFixture
):
    agent = Agent(model, retries=3)

    @agent.tool_plain
    def lookup(city: str) -> str:
        """Find a city."""
        raise ModelRetry(f'{SECRET}: try another spelling')

    emulator.push(
        Reply(tool_calls=[ToolCallReply('lookup', {'city': SECRET})]),
        Reply(tool_calls=[ToolCallReply('lookup', {'city': [SECRET]})]),
        Reply(tool_calls=[ToolCallReply('look_up', {'city': SECRET})]),
        Reply(text='done'),
    )
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        result = await agent.run(f'Find {SECRET}')
    assert result.output == 'done'
    assert run_loop_lines(caplog) == [
        (logging.DEBUG, "Retrying tool 'lookup' (ModelRetry): retry 1 of 3"),
        (logging.DEBUG, "Retrying tool 'lookup' (invalid arguments): retry 2 of 3"),
        (logging.DEBUG, "Retrying tool 'look_up' (unknown tool): retry 1 of 3"),
    ]


@pytest.mark.parametrize('stream', [False, True], ids=['run', 'run_stream'])
async def test_output_retries_are_logged_with_their_reason_and_count(
    emulator: GroqEmulator, model: GroqModel, caplog: pytest.LogCaptureFixture, stream: bool
):
    agent = Agent(model, output_type=City, output_retries=5)

    @agent.output_validator
    def known(city: City) -> City:
        if city.name == SECRET:
            raise ModelRetry(f'{SECRET} is not a city')
        return city

    emulator.push(
        Reply(tool_calls=[ToolCallReply('final_result', {'name': [SECRET]})]),
        Reply(text=SECRET),  # a text reply where the output tool is required: Groq answers `tool_use_failed`
        Reply(tool_calls=[ToolCallReply('final_result', {'name': SECRET})]),
        Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'})]),
    )
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        if stream:
            async with agent.run_stream(f'Name {SECRET}') as result:
                output = await result.get_output()
        else:
            output = (await agent.run(f'Name {SECRET}')).output
    assert output == City(name='Lyon')
    assert run_loop_lines(caplog) == [
        (logging.DEBUG, "Retrying the output of tool 'final_result' (validation failed): retry 1 of 5"),
        (logging.DEBUG, 'Retrying the output (API error tool_use_failed): retry 2 of 5'),
        (
            logging.DEBUG,
            "Retrying the output of tool 'final_result' (ModelRetry from an output validator): retry 3 of 5",
        ),
    ]


async def test_an_empty_response_is_logged_as_retried_and_a_clean_run_logs_nothing(
    emulator: GroqEmulator, model: GroqModel, caplog: pytest.LogCaptureFixture
):
    agent = Agent(model, output_type=City)
    emulator.push(Reply(tool_calls=[ToolCallReply('final_result', {'name': 'Lyon'})]))
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        assert (await agent.run(f'Name {SECRET}')).output == City(name='Lyon')
    assert run_loop_lines(caplog) == []

    agent = Agent(model)
    emulator.push(Reply(text=''), Reply(text='Lyon'))
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        assert (await agent.run(f'Name {SECRET}')).output == 'Lyon'
    assert run_loop_lines(caplog) == [(logging.DEBUG, 'Retrying the output (empty response): retry 1 of 1')]


async def test_json_text_output_failures_are_logged(
    emulator: GroqEmulator, model: GroqModel, caplog: pytest.LogCaptureFixture
):
    agent = Agent(model, output_type=PromptedOutput(City), output_retries=2)
    emulator.push(Reply(text=f'{{"name": ["{SECRET}"]}}'), Reply(text='{"name": "Lyon"}'))
    with caplog.at_level(logging.DEBUG, logger='pydantic_ai_groq'):
        assert (await agent.run(f'Name {SECRET}')).output == City(name='Lyon')
    assert run_loop_lines(caplog) == [(logging.DEBUG, 'Retrying the output (validation failed): retry 1 of 2')]
