"""`GroqModel`: chat completions on Groq through the official `groq` SDK.

The SDK sends: auth, base URL, timeouts, retries (honouring `retry-after`) and status
errors are its job. We read: the SDK would build a typed object per stream chunk with a
generic field walk that costs many times a JSON parse, so we take the raw HTTP response
through the client's documented low-level `post(..., cast_to=httpx.Response)`, split the
server-sent events ourselves, parse each with pydantic-core and feed the parts manager.

One concern a module: the model (`_model`), its settings (`_settings`), sending with retries of
498 and the rate limiter (`_send`), the body (`_request`), the answer (`_response`), the stream
(`_sse`), errors (`_errors`), rate-limit and retry headers (`_headers`), what each model family
takes (`_profiles`), the model catalogue (`_catalogue`), what fits a model (`_capacity`), the
client per event loop (`_clients`), `<think>` splitting (`_think_tags`), the logger (`_log`).
"""

from __future__ import annotations

from ._catalogue import GroqModelInfo
from ._model import GroqModel, list_models, list_models_sync
from ._settings import GroqModelSettings
from ._sse import GroqStreamedResponse

__all__ = (
    'GroqModel',
    'GroqModelInfo',
    'GroqModelSettings',
    'GroqStreamedResponse',
    'list_models',
    'list_models_sync',
)
