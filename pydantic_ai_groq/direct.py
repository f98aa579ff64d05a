"""One model call with a message list, no agent loop: for a plain chat or generate-text call.

```python
from pydantic_ai_groq.direct import model_request_sync
from pydantic_ai_groq.messages import ModelRequest

response = model_request_sync('groq:llama-3.3-70b-versatile', [ModelRequest.user_text_prompt('Hi!')])
print(response.text)
```
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager

from .messages import ModelMessage, ModelResponse
from .models import Model, ModelRequestParameters, StreamedResponse, infer_model
from .settings import ModelSettings

__all__ = ('model_request', 'model_request_stream', 'model_request_sync')


async def model_request(
    model: Model | str,
    messages: Sequence[ModelMessage],
    *,
    model_settings: ModelSettings | None = None,
    model_request_parameters: ModelRequestParameters | None = None,
) -> ModelResponse:
    """Send one request and return the response.

    Args:
        model: A `Model`, or `'groq:<model-name>'`.
        messages: The conversation to send.
        model_settings: Settings for this request.
        model_request_parameters: Tools and output mode; none by default.
    """
    return await infer_model(model).request(
        messages, model_settings, model_request_parameters or ModelRequestParameters()
    )


def model_request_sync(
    model: Model | str,
    messages: Sequence[ModelMessage],
    *,
    model_settings: ModelSettings | None = None,
    model_request_parameters: ModelRequestParameters | None = None,
) -> ModelResponse:
    """`model_request` for scripts and threads: runs on the process's one sync event loop.

    Raises:
        UserError: When called inside a running event loop (use `await model_request(...)` there).
    """

    async def main() -> ModelResponse:
        return await model_request(
            model, messages, model_settings=model_settings, model_request_parameters=model_request_parameters
        )

    from ._sync import run_sync  # here: only sync callers pay for the event loop thread's imports

    return run_sync(main, 'model_request_sync', 'model_request')


@asynccontextmanager
async def model_request_stream(
    model: Model | str,
    messages: Sequence[ModelMessage],
    *,
    model_settings: ModelSettings | None = None,
    model_request_parameters: ModelRequestParameters | None = None,
) -> AsyncGenerator[StreamedResponse]:
    """Send one streamed request and yield the `StreamedResponse` to iterate.

    Use as `async with model_request_stream(model, messages) as stream: async for event in stream: ...`.
    """
    async with infer_model(model).request_stream(
        messages, model_settings, model_request_parameters or ModelRequestParameters()
    ) as stream:
        yield stream
