"""pydantic_ai_groq: a Groq-native async agent framework.

Typed messages, a `GroqModel` on the official `groq` SDK, and the pieces an agent is
built from. `GroqModel` lives in `pydantic_ai_groq.models.groq` and is imported only
when used, so importing this package stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._run import capture_run_messages
from .agent import Agent, AgentEventStream, EndStrategy
from .exceptions import (
    AgentGroqError,
    ModelAPIError,
    ModelHTTPError,
    ModelRetry,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UserError,
)
from .messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    FinalResultEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
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
from .output import NativeOutput, OutputObjectDefinition, PromptedOutput, ToolOutput
from .result import AgentRunResult, AgentRunResultEvent, StreamedRunResult
from .settings import ModelSettings
from .tools import RunContext, Tool, ToolDefinition
from .usage import RequestUsage, RunUsage, UsageLimits

if TYPE_CHECKING:
    from .models.groq import GroqModel, GroqModelSettings

__all__ = (
    'Agent',
    'AgentEventStream',
    'AgentGroqError',
    'AgentRunResult',
    'AgentRunResultEvent',
    'BinaryContent',
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'EndStrategy',
    'FinalResultEvent',
    'FunctionToolCallEvent',
    'FunctionToolResultEvent',
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
    'ModelRetry',
    'ModelSettings',
    'NativeOutput',
    'OutputObjectDefinition',
    'PartDeltaEvent',
    'PartStartEvent',
    'PromptedOutput',
    'RequestUsage',
    'RetryPromptPart',
    'RunContext',
    'RunUsage',
    'StreamedResponse',
    'StreamedRunResult',
    'SystemPromptPart',
    'TextPart',
    'TextPartDelta',
    'ThinkingPart',
    'ThinkingPartDelta',
    'Tool',
    'ToolCallPart',
    'ToolCallPartDelta',
    'ToolDefinition',
    'ToolOutput',
    'ToolReturnPart',
    'UnexpectedModelBehavior',
    'UsageLimitExceeded',
    'UsageLimits',
    'UserError',
    'UserPromptPart',
    'capture_run_messages',
    'infer_model',
)

_LAZY = {'GroqModel', 'GroqModelSettings'}


def __getattr__(name: str) -> Any:
    # The groq SDK (and httpx) take far longer to import than this package; load on first use.
    if name in _LAZY:
        from .models import groq

        return getattr(groq, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
