"""pydantic_ai_groq: a Groq-native async agent framework.

Typed messages, a `GroqModel` on the official `groq` SDK, and the pieces an agent is
built from. `GroqModel` lives in `pydantic_ai_groq.models.groq` and is imported only
when used, so importing this package stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .exceptions import (
    AgentGroqError,
    ModelAPIError,
    ModelHTTPError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UserError,
)
from .messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ImageUrl,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    ToolCallPart,
    ToolCallPartDelta,
    ToolReturnPart,
    UserPromptPart,
)
from .models import Model, ModelRequestParameters, StreamedResponse, infer_model
from .output import OutputObjectDefinition
from .settings import ModelSettings
from .tools import ToolDefinition
from .usage import RequestUsage, RunUsage

if TYPE_CHECKING:
    from .models.groq import GroqModel, GroqModelSettings

__all__ = (
    'AgentGroqError',
    'BinaryContent',
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'GroqModel',
    'GroqModelSettings',
    'ImageUrl',
    'Model',
    'ModelAPIError',
    'ModelHTTPError',
    'ModelMessage',
    'ModelMessagesTypeAdapter',
    'ModelRequest',
    'ModelRequestParameters',
    'ModelResponse',
    'ModelSettings',
    'OutputObjectDefinition',
    'PartDeltaEvent',
    'PartStartEvent',
    'RequestUsage',
    'RetryPromptPart',
    'RunUsage',
    'StreamedResponse',
    'SystemPromptPart',
    'TextPart',
    'TextPartDelta',
    'ThinkingPart',
    'ThinkingPartDelta',
    'ToolCallPart',
    'ToolCallPartDelta',
    'ToolDefinition',
    'ToolReturnPart',
    'UnexpectedModelBehavior',
    'UsageLimitExceeded',
    'UserError',
    'UserPromptPart',
    'infer_model',
)

_LAZY = {'GroqModel', 'GroqModelSettings'}


def __getattr__(name: str) -> Any:
    # The groq SDK (and httpx) take far longer to import than this package; load on first use.
    if name in _LAZY:
        from .models import groq

        return getattr(groq, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
