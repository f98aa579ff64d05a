"""Requests a server sends the client: sampling answered by a Groq model, elicitation by a handler.

Sampling is opt-in (`allow_sampling=True`): a server that asks for completions spends the
user's tokens. Elicitation asks a human for input; with no handler it is refused, since an
agent run has nobody to ask.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mcp import types
from mcp.client.session import ClientRequestContext, ElicitationFnT

from ..messages import ModelMessage, ModelRequest, ModelResponse, SystemPromptPart, TextPart, UserPromptPart
from ..models import Model, ModelRequestParameters
from ..settings import ModelSettings

__all__ = ('ElicitationHandler', 'answer_sampling', 'elicitation_callback')

ElicitationHandler = Callable[[types.ElicitRequestParams], Awaitable[types.ElicitResult]]
"""Answers a server's `elicitation/create` request: accept (with content), decline or cancel."""


async def answer_sampling(model: Model, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
    """Answer `sampling/createMessage` with one request to `model`.

    Args:
        model: The model that answers.
        params: The server's request: messages, system prompt, token limit, temperature, stop sequences.

    Returns:
        The model's text as the sampling result.
    """
    messages: list[ModelMessage] = []
    if params.system_prompt:
        messages.append(ModelRequest([SystemPromptPart(params.system_prompt)]))
    for message in params.messages:
        text = _sampling_text(message.content)
        if message.role == 'user':
            messages.append(ModelRequest([UserPromptPart(text)]))
        else:
            messages.append(ModelResponse([TextPart(text)]))
    settings: ModelSettings = {'max_tokens': params.max_tokens}
    if params.temperature is not None:
        settings['temperature'] = params.temperature
    if params.stop_sequences:
        settings['stop_sequences'] = params.stop_sequences
    response = await model.request(messages, settings, ModelRequestParameters())
    return types.CreateMessageResult(
        role='assistant',
        content=types.TextContent(type='text', text=response.text or ''),
        model=response.model_name or model.model_name,
        stop_reason='maxTokens' if response.finish_reason == 'length' else 'endTurn',
    )


def _sampling_text(content: types.SamplingMessageContentBlock | list[types.SamplingMessageContentBlock]) -> str:
    blocks = content if isinstance(content, list) else [content]
    texts = [block.text if isinstance(block, types.TextContent) else f'[{block.type} content]' for block in blocks]
    return '\n'.join(texts)


def elicitation_callback(handler: ElicitationHandler) -> ElicitationFnT:
    """The `mcp` client callback that hands elicitation requests to `handler`."""

    async def callback(
        context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        return await handler(params)

    return callback
