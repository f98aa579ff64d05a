"""pydantic_ai_groq: a Groq-native async agent framework.

Typed messages, a `GroqModel` on the official `groq` SDK, and an `Agent` with tools,
structured output and streaming. What needs only pydantic is imported with the package;
the two names that pull in heavier dependencies load on first use: `GroqModel` and
`GroqModelSettings` (the `groq` SDK), and the instrumentation names (OpenTelemetry).
"""

from __future__ import annotations

import importlib
import typing  # as a module, so that the namespace holds only public names

from ._run import (
    capture_run_messages as capture_run_messages,
)
from .agent import (
    Agent as Agent,
)
from .agent import (
    AgentEventStream as AgentEventStream,
)
from .agent import (
    EndStrategy as EndStrategy,
)
from .exceptions import (
    AgentGroqError as AgentGroqError,
)
from .exceptions import (
    ApprovalRequired as ApprovalRequired,
)
from .exceptions import (
    CallDeferred as CallDeferred,
)
from .exceptions import (
    ModelAPIError as ModelAPIError,
)
from .exceptions import (
    ModelHTTPError as ModelHTTPError,
)
from .exceptions import (
    ModelRetry as ModelRetry,
)
from .exceptions import (
    UnexpectedModelBehavior as UnexpectedModelBehavior,
)
from .exceptions import (
    UsageLimitExceeded as UsageLimitExceeded,
)
from .exceptions import (
    UserError as UserError,
)
from .messages import (
    AudioUrl as AudioUrl,
)
from .messages import (
    BinaryContent as BinaryContent,
)
from .messages import (
    BuiltinToolCallPart as BuiltinToolCallPart,
)
from .messages import (
    BuiltinToolReturnPart as BuiltinToolReturnPart,
)
from .messages import (
    DocumentUrl as DocumentUrl,
)
from .messages import (
    FinalResultEvent as FinalResultEvent,
)
from .messages import (
    FunctionToolCallEvent as FunctionToolCallEvent,
)
from .messages import (
    FunctionToolResultEvent as FunctionToolResultEvent,
)
from .messages import (
    ImageUrl as ImageUrl,
)
from .messages import (
    ModelMessage as ModelMessage,
)
from .messages import (
    ModelMessagesTypeAdapter as ModelMessagesTypeAdapter,
)
from .messages import (
    ModelRequest as ModelRequest,
)
from .messages import (
    ModelResponse as ModelResponse,
)
from .messages import (
    OutputToolCallEvent as OutputToolCallEvent,
)
from .messages import (
    OutputToolResultEvent as OutputToolResultEvent,
)
from .messages import (
    PartDeltaEvent as PartDeltaEvent,
)
from .messages import (
    PartEndEvent as PartEndEvent,
)
from .messages import (
    PartStartEvent as PartStartEvent,
)
from .messages import (
    RetryFeedbackPart as RetryFeedbackPart,
)
from .messages import (
    RetryPromptPart as RetryPromptPart,
)
from .messages import (
    SystemPromptPart as SystemPromptPart,
)
from .messages import (
    TextPart as TextPart,
)
from .messages import (
    TextPartDelta as TextPartDelta,
)
from .messages import (
    ThinkingPart as ThinkingPart,
)
from .messages import (
    ThinkingPartDelta as ThinkingPartDelta,
)
from .messages import (
    ToolCallPart as ToolCallPart,
)
from .messages import (
    ToolCallPartDelta as ToolCallPartDelta,
)
from .messages import (
    ToolReturn as ToolReturn,
)
from .messages import (
    ToolReturnPart as ToolReturnPart,
)
from .messages import (
    UserPromptPart as UserPromptPart,
)
from .messages import (
    VideoUrl as VideoUrl,
)
from .models import (
    Model as Model,
)
from .models import (
    ModelRequestParameters as ModelRequestParameters,
)
from .models import (
    StreamedResponse as StreamedResponse,
)
from .models import (
    infer_model as infer_model,
)
from .models.fallback import (
    FallbackModel as FallbackModel,
)
from .output import (
    NativeOutput as NativeOutput,
)
from .output import (
    OutputObjectDefinition as OutputObjectDefinition,
)
from .output import (
    PromptedOutput as PromptedOutput,
)
from .output import (
    StructuredDict as StructuredDict,
)
from .output import (
    TextOutput as TextOutput,
)
from .output import (
    ToolOutput as ToolOutput,
)
from .result import (
    AgentRunResult as AgentRunResult,
)
from .result import (
    AgentRunResultEvent as AgentRunResultEvent,
)
from .result import (
    InterimTextEnd as InterimTextEnd,
)
from .result import (
    StreamedRunResult as StreamedRunResult,
)
from .result import (
    StreamedRunResultSync as StreamedRunResultSync,
)
from .run import (
    AgentRun as AgentRun,
)
from .run import (
    CallToolsNode as CallToolsNode,
)
from .run import (
    End as End,
)
from .run import (
    ModelRequestNode as ModelRequestNode,
)
from .run import (
    UserPromptNode as UserPromptNode,
)
from .settings import (
    ModelSettings as ModelSettings,
)
from .tools import (
    DeferredToolRequests as DeferredToolRequests,
)
from .tools import (
    DeferredToolResults as DeferredToolResults,
)
from .tools import (
    RunContext as RunContext,
)
from .tools import (
    Tool as Tool,
)
from .tools import (
    ToolApproved as ToolApproved,
)
from .tools import (
    ToolDefinition as ToolDefinition,
)
from .tools import (
    ToolDenied as ToolDenied,
)
from .toolsets import (
    AbstractToolset as AbstractToolset,
)
from .toolsets import (
    FunctionToolset as FunctionToolset,
)
from .usage import (
    RequestUsage as RequestUsage,
)
from .usage import (
    RunUsage as RunUsage,
)
from .usage import (
    UsageLimits as UsageLimits,
)

if typing.TYPE_CHECKING:
    from .instrumentation import (
        InstrumentationSettings as InstrumentationSettings,
    )
    from .instrumentation import (
        InstrumentedModel as InstrumentedModel,
    )
    from .instrumentation import (
        instrument_all as instrument_all,
    )
    from .models.groq import (
        GroqModel as GroqModel,
    )
    from .models.groq import (
        GroqModelSettings as GroqModelSettings,
    )

# The names whose modules import `groq` or OpenTelemetry: loaded by `__getattr__` on first use.
_LAZY: dict[str, str] = {
    'InstrumentationSettings': '.instrumentation',
    'InstrumentedModel': '.instrumentation',
    'instrument_all': '.instrumentation',
    'GroqModel': '.models.groq',
    'GroqModelSettings': '.models.groq',
}

__all__ = (
    'AbstractToolset',
    'Agent',
    'AgentEventStream',
    'AgentGroqError',
    'AgentRun',
    'AgentRunResult',
    'AgentRunResultEvent',
    'ApprovalRequired',
    'AudioUrl',
    'BinaryContent',
    'BuiltinToolCallPart',
    'BuiltinToolReturnPart',
    'CallDeferred',
    'CallToolsNode',
    'DeferredToolRequests',
    'DeferredToolResults',
    'DocumentUrl',
    'End',
    'EndStrategy',
    'FallbackModel',
    'FinalResultEvent',
    'FunctionToolCallEvent',
    'FunctionToolResultEvent',
    'FunctionToolset',
    'GroqModel',
    'GroqModelSettings',
    'ImageUrl',
    'InstrumentationSettings',
    'InstrumentedModel',
    'InterimTextEnd',
    'Model',
    'ModelAPIError',
    'ModelHTTPError',
    'ModelMessage',
    'ModelMessagesTypeAdapter',
    'ModelRequest',
    'ModelRequestNode',
    'ModelRequestParameters',
    'ModelResponse',
    'ModelRetry',
    'ModelSettings',
    'NativeOutput',
    'OutputObjectDefinition',
    'OutputToolCallEvent',
    'OutputToolResultEvent',
    'PartDeltaEvent',
    'PartEndEvent',
    'PartStartEvent',
    'PromptedOutput',
    'RequestUsage',
    'RetryFeedbackPart',
    'RetryPromptPart',
    'RunContext',
    'RunUsage',
    'StreamedResponse',
    'StreamedRunResult',
    'StreamedRunResultSync',
    'StructuredDict',
    'SystemPromptPart',
    'TextOutput',
    'TextPart',
    'TextPartDelta',
    'ThinkingPart',
    'ThinkingPartDelta',
    'Tool',
    'ToolApproved',
    'ToolCallPart',
    'ToolCallPartDelta',
    'ToolDefinition',
    'ToolDenied',
    'ToolOutput',
    'ToolReturn',
    'ToolReturnPart',
    'UnexpectedModelBehavior',
    'UsageLimitExceeded',
    'UsageLimits',
    'UserError',
    'UserPromptNode',
    'UserPromptPart',
    'VideoUrl',
    'capture_run_messages',
    'infer_model',
    'instrument_all',
)


def __getattr__(name: str) -> typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
