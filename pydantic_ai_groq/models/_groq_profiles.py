"""What each Groq model family accepts: the one table the rest of the package asks.

`profile_for(model_name)` returns a `GroqModelProfile`; `check_reasoning_settings` turns the
`groq_reasoning_*` settings into the body fields to send, or fails before any network call.

Sources (Groq's documentation, as stored copies read in 2026-11; model ids checked against the
`groq` SDK 1.7.0 `CompletionCreateParams.model` literals):

- *Reasoning - GroqDocs* (console.groq.com/docs/reasoning). Reasoning models: `openai/gpt-oss-20b`,
  `openai/gpt-oss-120b`, `openai/gpt-oss-safeguard-20b`, `qwen/qwen3.6-27b`, `qwen/qwen3.8-27b`,
  `minimaxai/minimax-m2.7` (earlier copies: `qwen/qwen3-32b`, and before that
  `deepseek-r1-distill-llama-70b` / `deepseek-r1-distill-qwen-32b`).
  `reasoning_format` is `parsed` (a separate `message.reasoning` field), `raw` (`<think>` tags in the
  content) or `hidden`; "With openai/gpt-oss-20b and openai/gpt-oss-120b, the reasoning_format
  parameter is not supported". "If reasoning is explicitly set to raw with JSON mode or tool use
  enabled, we will return a 400 error." `include_reasoning` (true: the `reasoning` field, the default;
  false: left out) "cannot be used together with reasoning_format". `reasoning_effort`: Qwen 3 32B
  and Qwen 3.6 27B take `none` (no reasoning) and `default`; Qwen 3.8 27B takes `none`, `default`,
  `low`, `medium`, `high`; GPT-OSS 20B/120B take `low`, `medium`, `high` (the SDK docstring:
  "'medium' is the default value") and nothing else - there is no off switch for gpt-oss.
- *Structured Outputs - GroqDocs*: `strict: true` (constrained decoding) only on
  `openai/gpt-oss-20b` and `openai/gpt-oss-120b`; best-effort `json_schema` also on
  `openai/gpt-oss-safeguard-20b`, `moonshotai/kimi-k2-instruct-0905`, the Llama 4 models; "for all
  other models, you can use JSON Object Mode". Streaming and tool use are not supported together
  with Structured Outputs.
- *Browser Search - GroqDocs*: `browser_search` on gpt-oss-20b, gpt-oss-120b, gpt-oss-safeguard-20b.
  *Code Execution - GroqDocs*: `code_interpreter` on gpt-oss-20b, gpt-oss-120b and the compound
  systems. Compound *Built-In Tools*, *Browser Automation*, *Wolfram-Alpha Integration*:
  `groq/compound` and `groq/compound-mini` run `web_search`, `visit_website`, `code_interpreter`,
  `browser_automation`, `wolfram_alpha` (enabled with `compound_custom.tools.enabled_tools`).
- *Supported Models - GroqDocs*: image input (a "max file size" of 20 MB) on the Llama 4 models,
  Qwen 3.6 27B / 3.8 27B ("a 27B multimodal model", *Model Deprecation - GroqDocs*) and Llama Guard 4.

Sending earlier thinking back (`thinking_round_trip`): the SDK's `ChatCompletionAssistantMessageParam`
has `reasoning` - "the reasoning output by the assistant if reasoning_format was set to 'parsed'.
This field is supported on models that support reasoning". Groq validates assistant messages
strictly: `reasoning_content` is always a 400 ("property 'reasoning_content' is unsupported",
agentjido/req_llm#772, 2026-06), and `reasoning` is a 400 on models that do not reason ("reasoning is
not supported with this model", vercel/ai#8057 for Kimi K2) and was one on the DeepSeek R1 distills
(karthink/gptel#774). Groq drops gpt-oss chain of thought that ended in a final answer itself and
wants the reasoning of tool-call turns passed back (vercel/ai#7860). Hence:

- `'reasoning_field'` for gpt-oss, Qwen 3.x and MiniMax: the thinking goes in the assistant
  message's `reasoning` field and the model's own template decides what it keeps.
- `'think_tags'` for the DeepSeek R1 distills (decommissioned): `<think>...</think>` before the
  content, the way `reasoning_format='raw'` returned it.
- `'drop'` for everything else, unknown models included: a `reasoning` field would be a 400.

Unknown models get the `'other'` profile. It adds nothing of its own (no `strict`, no server-side
tools, no thinking sent back) and blocks nothing the caller asked for explicitly: reasoning
settings pass through unchanged and Groq answers 400 when the model does not take them, because
this table cannot know models released after it.

Judgement calls where the docs are silent: Qwen 3.x and MiniMax M2.7 are not on the Structured
Outputs list, so they get JSON mode but no `json_schema`; MiniMax M2.7 (an agentic coding model,
enterprise only) is assumed to take tools and JSON mode; the compound systems take neither function
tools nor a response format; `include_reasoning` is taken by the reasoning models the *Reasoning*
page lists with it (not by the DeepSeek R1 distills, documented before the parameter existed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from ..exceptions import UserError

__all__ = (
    'BUILTIN_TOOL_KINDS',
    'OTHER',
    'PROFILES',
    'REASONING_EFFORTS',
    'REASONING_FORMATS',
    'GroqModelProfile',
    'ThinkingRoundTrip',
    'check_reasoning_settings',
    'profile_for',
)

ThinkingRoundTrip = Literal['drop', 'reasoning_field', 'think_tags']
"""How thinking from earlier turns is sent back in assistant messages."""

REASONING_FORMATS: tuple[str, ...] = ('parsed', 'raw', 'hidden')
"""Every `reasoning_format` value Groq knows."""

REASONING_EFFORTS: tuple[str, ...] = ('none', 'default', 'low', 'medium', 'high')
"""Every `groq_reasoning_effort` setting value."""

BUILTIN_TOOL_KINDS: frozenset[str] = frozenset(
    {'web_search', 'code_execution', 'browser_search', 'visit_website', 'browser_automation', 'wolfram_alpha'}
)
"""The server-side tool kinds a profile can list (`AbstractBuiltinTool.kind`)."""


def _efforts(**mapping: str | None) -> Mapping[str, str | None]:
    return MappingProxyType(mapping)


_NO_FORMATS: frozenset[str] = frozenset()
_ALL_FORMATS = frozenset(REASONING_FORMATS)
_NO_TOOLS: frozenset[str] = frozenset()
# 'default' means "the model's default": sent where the model names that value, else left out.
# On models that never reason, 'none' already holds, so it is accepted and left out too.
_NOT_REASONING_EFFORTS = _efforts(none=None, default=None)
_GPT_OSS_EFFORTS = _efforts(low='low', medium='medium', high='high', default=None)
_QWEN3_ON_OFF_EFFORTS = _efforts(none='none', default='default')
_QWEN3_FULL_EFFORTS = _efforts(none='none', default='default', low='low', medium='medium', high='high')


@dataclass(frozen=True)
class GroqModelProfile:
    """What a family of Groq models accepts; the defaults describe a plain chat model with tools.

    Attributes:
        family: The family label: `'gpt-oss'`, `'qwen3'`, `'minimax'`, `'deepseek-r1'`, `'llama'`,
            `'llama-4'`, `'kimi'`, `'compound'`, `'guard'`, `'audio'` or `'other'`.
        reasoning: Whether the model reasons before answering.
        reasoning_formats: The `reasoning_format` values accepted; empty when the parameter is not.
        reasoning_efforts: `groq_reasoning_effort` setting value -> the value sent (`None`: nothing
            is sent); a value missing here is rejected.
        include_reasoning: Whether `include_reasoning` is accepted.
        tools: Whether function tools are accepted.
        json_schema: Whether `response_format` `json_schema` is accepted (best effort).
        strict_json_schema: Whether `json_schema` with `strict: true` is honoured (constrained decoding).
        json_object: Whether `response_format` `json_object` (JSON mode) is accepted.
        vision: Whether user messages may contain images.
        builtin_tools: The server-side tool kinds the model runs (see `BUILTIN_TOOL_KINDS`).
        thinking_round_trip: How earlier turns' thinking is sent back: `'reasoning_field'` (the
            assistant message's `reasoning`), `'think_tags'` (`<think>...</think>` before the
            content) or `'drop'` (not sent).
        raw_think_tags: Whether the content opens with a `<think>` block when `reasoning_format`
            is unset (Groq's default is `raw` on these models, without tools or JSON output).
    """

    family: str
    reasoning: bool = False
    reasoning_formats: frozenset[str] = _NO_FORMATS
    reasoning_efforts: Mapping[str, str | None] = field(default_factory=lambda: _NOT_REASONING_EFFORTS)
    include_reasoning: bool = False
    tools: bool = True
    json_schema: bool = False
    strict_json_schema: bool = False
    json_object: bool = True
    vision: bool = False
    builtin_tools: frozenset[str] = _NO_TOOLS
    thinking_round_trip: ThinkingRoundTrip = 'drop'
    raw_think_tags: bool = False


# Each entry states only where the family differs from a plain chat model with tools.
_GPT_OSS = GroqModelProfile(
    family='gpt-oss',
    reasoning=True,
    reasoning_efforts=_GPT_OSS_EFFORTS,
    include_reasoning=True,
    json_schema=True,
    strict_json_schema=True,
    builtin_tools=frozenset({'browser_search', 'code_execution'}),
    thinking_round_trip='reasoning_field',
)
_GPT_OSS_SAFEGUARD = replace(_GPT_OSS, strict_json_schema=False, builtin_tools=frozenset({'browser_search'}))
_QWEN3_TEXT = GroqModelProfile(
    family='qwen3',
    reasoning=True,
    reasoning_formats=_ALL_FORMATS,
    reasoning_efforts=_QWEN3_ON_OFF_EFFORTS,
    include_reasoning=True,
    thinking_round_trip='reasoning_field',
    raw_think_tags=True,
)
_QWEN3_VISION = replace(_QWEN3_TEXT, vision=True)
_QWEN3_FULL = replace(_QWEN3_VISION, reasoning_efforts=_QWEN3_FULL_EFFORTS)
_MINIMAX = replace(_QWEN3_TEXT, family='minimax', reasoning_efforts=_efforts(default=None))
_DEEPSEEK_R1 = replace(_MINIMAX, family='deepseek-r1', include_reasoning=False, thinking_round_trip='think_tags')
_LLAMA = GroqModelProfile(family='llama')
_LLAMA_4 = GroqModelProfile(family='llama-4', json_schema=True, vision=True)
_KIMI = GroqModelProfile(family='kimi', json_schema=True)
_GUARD = GroqModelProfile(family='guard', tools=False, json_object=False)
_LLAMA_GUARD_4 = replace(_GUARD, vision=True)
_COMPOUND = GroqModelProfile(
    family='compound',
    tools=False,
    json_object=False,
    builtin_tools=frozenset({'web_search', 'code_execution', 'visit_website', 'browser_automation', 'wolfram_alpha'}),
)
_AUDIO = GroqModelProfile(family='audio', tools=False, json_object=False)
OTHER = GroqModelProfile(
    family='other',
    reasoning_formats=_ALL_FORMATS,
    reasoning_efforts=_efforts(**{value: value for value in REASONING_EFFORTS}),
    include_reasoning=True,
    json_schema=True,
    vision=True,
)
"""The profile of models this table does not know: passes the caller's choices through, adds nothing."""


def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(prefix, re.IGNORECASE)


PROFILES: tuple[tuple[re.Pattern[str], GroqModelProfile], ...] = (
    # openai/gpt-oss-safeguard-20b: reasoning like gpt-oss, best-effort json_schema, browser search only.
    (_pattern(r'openai/gpt-oss-safeguard'), _GPT_OSS_SAFEGUARD),
    # openai/gpt-oss-20b, openai/gpt-oss-120b: no reasoning_format, effort low/medium/high, strict json_schema,
    # browser_search + code_interpreter.
    (_pattern(r'openai/gpt-oss-'), _GPT_OSS),
    # qwen/qwen3.8-27b: effort none/default/low/medium/high, images.
    (_pattern(r'qwen/qwen3\.8-'), _QWEN3_FULL),
    # qwen/qwen3.6-27b: effort none/default, images.
    (_pattern(r'qwen/qwen3\.6-'), _QWEN3_VISION),
    # qwen/qwen3-32b (and any other qwen3): effort none/default, text only.
    (_pattern(r'qwen/qwen3'), _QWEN3_TEXT),
    # minimaxai/minimax-m2.7: reasoning_format, no effort control.
    (_pattern(r'minimaxai/minimax-'), _MINIMAX),
    # deepseek-r1-distill-llama-70b, deepseek-r1-distill-qwen-32b (decommissioned): reasoning_format only.
    (_pattern(r'deepseek-r1'), _DEEPSEEK_R1),
    # meta-llama/llama-4-scout-17b-16e-instruct, -maverick-17b-128e-instruct: images, best-effort json_schema.
    (_pattern(r'meta-llama/llama-4-'), _LLAMA_4),
    # meta-llama/llama-guard-4-12b: a moderation classifier that reads images.
    (_pattern(r'meta-llama/llama-guard-4'), _LLAMA_GUARD_4),
    # meta-llama/llama-prompt-guard-2-22m/86m, llama-guard-3-8b: classifiers (512-token window), no tools.
    (_pattern(r'(?:meta-llama/)?llama-(?:prompt-)?guard'), _GUARD),
    # llama-3.3-70b-versatile, llama-3.1-8b-instant, llama3-70b-8192, ...: tools and JSON mode.
    (_pattern(r'llama-?3'), _LLAMA),
    # moonshotai/kimi-k2-instruct(-0905): tools, best-effort json_schema.
    (_pattern(r'moonshotai/kimi-'), _KIMI),
    # groq/compound, groq/compound-mini (compound-beta*): server-side tools only.
    (_pattern(r'(?:groq/)?compound'), _COMPOUND),
    # Speech models: whisper-large-v3(-turbo), canopylabs/orpheus-*, playai-tts*: not chat models.
    (_pattern(r'(?:distil-)?whisper-|canopylabs/orpheus-|playai-tts'), _AUDIO),
)
"""The table: the first pattern that matches the start of the model id gives the profile."""


@lru_cache(maxsize=256)
def profile_for(model_name: str) -> GroqModelProfile:
    """The profile of a Groq model: the first `PROFILES` pattern matching the id, else `OTHER`.

    Args:
        model_name: The Groq model id, e.g. `'openai/gpt-oss-120b'`.

    Returns:
        The model's `GroqModelProfile`.
    """
    for pattern, profile in PROFILES:
        if pattern.match(model_name):
            return profile
    return OTHER


def _quoted(values: Iterable[str]) -> str:
    items = [repr(value) for value in values]
    return items[0] if len(items) == 1 else f'{", ".join(items[:-1])} or {items[-1]}'


def check_reasoning_settings(
    model_name: str, settings: Mapping[str, Any], *, with_tools_or_json: bool = False
) -> dict[str, Any]:
    """The reasoning body fields for a request, checked against what the model accepts.

    `groq_reasoning_format`, `groq_reasoning_effort` and `groq_include_reasoning` become
    `reasoning_format`, `reasoning_effort` and `include_reasoning`; other settings are ignored.
    `groq_reasoning_effort='default'` is sent where the model names that value (qwen3) and left
    out elsewhere (it is what the model does anyway); `'none'` on a model that never reasons is
    left out too. Qwen 3 32B / 3.6 27B reject `'low'`, `'medium'` and `'high'` rather than mapping
    them to `'default'`, which would reason more than asked.

    Args:
        model_name: The Groq model id.
        settings: The merged model settings.
        with_tools_or_json: Whether the request offers function tools or asks for JSON output;
            Groq rejects `reasoning_format='raw'` with either.

    Returns:
        The body fields to send, e.g. `{'reasoning_effort': 'low'}`; empty when none is set.

    Raises:
        UserError: A value the model does not accept, or `groq_reasoning_format` together with
            `groq_include_reasoning` (Groq rejects the pair); the message names the setting, the
            value, the model and what the model accepts.
    """
    profile = profile_for(model_name)
    model = f'{model_name} ({profile.family} family)'
    body: dict[str, Any] = {}

    if (reasoning_format := settings.get('groq_reasoning_format')) is not None:
        if reasoning_format not in profile.reasoning_formats:
            if profile.reasoning_formats:
                hint = f'it takes {_quoted(sorted(profile.reasoning_formats))}'
            elif profile.include_reasoning:
                hint = (
                    'it does not take reasoning_format; use groq_include_reasoning instead '
                    '(True: the reasoning in a separate field, False: no reasoning)'
                )
            else:
                hint = 'the model does not reason, leave groq_reasoning_format unset'
            raise UserError(f'groq_reasoning_format={reasoning_format!r} is not accepted by {model}: {hint}.')
        if reasoning_format == 'raw' and with_tools_or_json:
            raise UserError(
                f"groq_reasoning_format='raw' cannot be used with tools or JSON output on {model_name}: Groq "
                "rejects it (the <think> text would break the tool call or JSON); use 'parsed' or 'hidden'."
            )
        body['reasoning_format'] = reasoning_format

    if (include_reasoning := settings.get('groq_include_reasoning')) is not None:
        if not isinstance(include_reasoning, bool):
            raise UserError(f'groq_include_reasoning must be True or False, got {include_reasoning!r}.')
        if not profile.include_reasoning:
            if profile.reasoning:
                hint = f'use groq_reasoning_format instead ({_quoted(sorted(profile.reasoning_formats))})'
            else:
                hint = 'the model does not reason, leave groq_include_reasoning unset'
            raise UserError(f'groq_include_reasoning={include_reasoning!r} is not accepted by {model}: {hint}.')
        if reasoning_format is not None:
            raise UserError(
                f'groq_reasoning_format={reasoning_format!r} and groq_include_reasoning={include_reasoning!r} '
                f'cannot be used together: Groq rejects the pair. Set only one of them for {model_name}.'
            )
        body['include_reasoning'] = include_reasoning

    if (effort := settings.get('groq_reasoning_effort')) is not None:
        efforts = profile.reasoning_efforts
        if effort not in efforts:
            accepted = f'it takes {_quoted(efforts)}'
            if not profile.reasoning and effort in REASONING_EFFORTS:
                hint = f'the model does not reason; {accepted}, and nothing is sent'
            elif profile.reasoning and effort == 'none':
                hint = f'the model cannot stop reasoning; {accepted}'
                if profile.include_reasoning:
                    hint += ', and groq_include_reasoning=False leaves the reasoning out of the response'
            else:
                hint = accepted
            raise UserError(f'groq_reasoning_effort={effort!r} is not accepted by {model}: {hint}.')
        if (sent := efforts[effort]) is not None:
            body['reasoning_effort'] = sent

    return body
