"""`WrapperModel`: a model that adds to another's requests, answering with the wrapped model's responses."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_ai_groq import Agent, ModelMessage, ModelResponse
from pydantic_ai_groq.models import ModelRequestParameters, WrapperModel
from pydantic_ai_groq.models.groq import GroqModel
from pydantic_ai_groq.settings import ModelSettings
from pydantic_ai_groq.testing import GroqEmulator, Reply


class CountingModel(WrapperModel):
    """Counts the requests it hands on; streaming is the base class's, untouched."""

    def __init__(self, wrapped: GroqModel) -> None:
        super().__init__(wrapped)
        self.requests = 0

    async def request(
        self,
        messages: Sequence[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        self.requests += 1
        return await super().request(messages, model_settings, model_request_parameters)


async def test_a_wrapper_answers_with_the_wrapped_models_responses(emulator: GroqEmulator, model: GroqModel):
    counting = CountingModel(model)
    assert (counting.model_name, counting.system) == (model.model_name, 'groq')
    agent = Agent(counting)
    emulator.push(Reply(text='Paris.'))
    result = await agent.run('Capital of France?')
    assert result.output == 'Paris.' and counting.requests == 1
    assert result.all_messages()[-1].model_name == model.model_name  # pyright: ignore[reportAttributeAccessIssue]

    emulator.push(Reply(text='Rome.'))
    async with agent.run_stream('Capital of Italy?') as streamed:
        assert await streamed.get_output() == 'Rome.'
    assert counting.requests == 1  # the stream went through the base class to the wrapped model
    assert [body.get('stream') for body in emulator.requests] == [None, True]
