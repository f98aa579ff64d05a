"""One model call with a message list, no agent loop: for a plain chat or generate-text call.

```python
from pydantic_ai_groq.direct import model_request_sync
from pydantic_ai_groq.messages import ModelRequest

response = model_request_sync('groq:llama-3.3-70b-versatile', [ModelRequest.user_text_prompt('Hi!')])
print(response.text)
```
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from .messages import ModelMessage, ModelResponse
from .models import Model, ModelRequestParameters, StreamedResponse, infer_model
from .settings import ModelSettings

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .batch import BatchOptions, BatchResults

__all__ = ('model_request', 'model_request_batch', 'model_request_stream', 'model_request_sync')


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


async def model_request_batch(
    model: Model | str,
    requests: Iterable[tuple[str, Sequence[ModelMessage]]],
    *,
    model_request_parameters: ModelRequestParameters | None = None,
    **options: Unpack[BatchOptions],
) -> BatchResults[ModelResponse]:
    """Send one request per `(custom_id, messages)` as Groq batches, at batch prices; wait for the answers.

    The requests are built and the answers read as `model_request` does; they are split into files under
    Groq's limits and sent as one batch per file. Each `BatchItem` of the result has the `ModelResponse` as
    its `output`, or an `error` (`status` `failed`, `expired` or `cancelled`).

    Args:
        model: A `GroqModel`, or `'groq:<model-name>'`.
        requests: `(custom_id, messages)` pairs, read lazily; each custom id unique.
        model_request_parameters: Tools and output mode of every request; none by default.
        **options: `completion_window`, `poll_interval`, `results_path`, `on_expired`, `model_settings`,
            `clock`, ... as for `Agent.run_batch` (`pydantic_ai_groq.batch.BatchOptions`).
    """
    from .batch._runner import run_requests  # here: the batch package loads the groq SDK

    return await run_requests(model, requests, model_request_parameters or ModelRequestParameters(), options)
