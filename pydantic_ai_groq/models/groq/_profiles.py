"""What each Groq model family accepts: the one table the rest of the package asks.

`profile_for(model_name)` returns a `GroqModelProfile`; `check_reasoning_settings` turns the
`groq_reasoning_*` settings into the body fields to send, or fails before any network call.
The emulator (`pydantic_ai_groq.testing`) reads the same table to reject what Groq rejects.

The table refuses only what Groq is known to reject, and says what the model takes instead;
`RULE_EVIDENCE` cites a recording (`tests/fixtures/wire_samples/`), an error Groq returned, or
the docs page for every refusal or rewrite. Where the docs and recorded traffic disagree, the
recording wins: the docs say gpt-oss does not support `reasoning_format`, yet Groq answered
`reasoning_format: parsed` (with `reasoning_effort: high`) on `openai/gpt-oss-120b` with 200 and a
`reasoning` field, so the value is sent.

Sources (Groq's public documentation pages, read in 2026-11; model ids checked against the
`groq` SDK 1.7.0 `CompletionCreateParams.model` literals):

- *Reasoning - GroqDocs* (console.groq.com/docs/reasoning). Reasoning models: `openai/gpt-oss-20b`,
  `openai/gpt-oss-120b`, `openai/gpt-oss-safeguard-20b`, `qwen/qwen3.6-27b`, `qwen/qwen3.8-27b`,
  `minimaxai/minimax-m2.7` (earlier versions of the page: `qwen/qwen3-32b`, and before that
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
Outputs list, so they get JSON mode but no `json_schema`; function tools, `include_reasoning` and
MiniMax / DeepSeek R1 efforts are sent as given, since no rejection of them was ever recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from ...exceptions import UserError

__all__ = (
    'BUILTIN_TOOL_KINDS',
    'OTHER',
    'PROFILES',
    'REASONING_DOCS',
    'REASONING_EFFORTS',
    'REASONING_FORMATS',
    'REASONING_FORMAT_UNSUPPORTED',
    'RULE_EVIDENCE',
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
    {'web_search', 'code_execution', 'browser_search', 'visit_website', 'browser_automation', 'wolfram_alpha', 'mcp'}
)
"""The server-side tool kinds a profile can list (`AbstractBuiltinTool.kind`)."""


REASONING_DOCS = 'https://console.groq.com/docs/reasoning'
"""Groq's *Reasoning* page: formats, efforts, `include_reasoning`, and the `raw` + tools/JSON 400."""

REMOTE_MCP_DOCS = 'https://console.groq.com/docs/mcp'
"""Groq's *Model Context Protocol* page (remote MCP, beta), which lists the models remote MCP runs on."""

REASONING_FORMAT_UNSUPPORTED = 'reasoning_format is not supported with this model'
"""The message of Groq's 400 (`param: reasoning_format`) for a model that does not reason."""

RULE_EVIDENCE: tuple[tuple[str, str], ...] = (
    (
        'reasoning_format on a model that does not reason (llama, llama-4, kimi, guard, compound, audio): refused',
        f'Groq error 400 "{REASONING_FORMAT_UNSUPPORTED}" (param reasoning_format), reported for '
        'llama-3.1-8b-instant and llama-3.3-70b-versatile',
    ),
    (
        "reasoning_format 'parsed', 'raw', 'hidden' on gpt-oss, qwen3, minimax, deepseek-r1: sent as given",
        'recorded: gpt-oss answers in the parsed shape, a message.reasoning field beside the content '
        '(native_json_schema_output.json, tool_use_failed_then_retry.json); Groq answered 200 with a reasoning '
        'field to reasoning_effort high + reasoning_format parsed on openai/gpt-oss-120b in 2026, so the docs '
        'sentence "the reasoning_format parameter is not supported" for gpt-oss is not a refusal',
    ),
    (
        "reasoning_format 'raw' with function tools or JSON output: refused",
        f'{REASONING_DOCS}: "If reasoning is explicitly set to raw with JSON mode or tool use enabled, '
        'we will return a 400 error."',
    ),
    (
        'reasoning_format together with include_reasoning: refused',
        f'{REASONING_DOCS}: include_reasoning "cannot be used together with" reasoning_format',
    ),
    (
        'include_reasoning: sent as given on every model',
        'no recorded rejection',
    ),
    (
        "reasoning_effort on Qwen 3 32B and Qwen 3.6 27B: 'none' or 'default', others refused",
        'Groq error 400 "`reasoning_effort` must be one of `none` or `default`" for qwen/qwen3-32b',
    ),
    (
        "reasoning_effort on gpt-oss: 'low', 'medium', 'high'; 'none' refused; 'default' not sent",
        f'{REASONING_DOCS}: GPT-OSS 20B/120B take low, medium, high (medium is the default)',
    ),
    (
        "reasoning_effort on Qwen 3.8 27B: 'none', 'default', 'low', 'medium', 'high'",
        f'{REASONING_DOCS}',
    ),
    (
        "reasoning_effort 'low', 'medium', 'high' on a model that does not reason: refused; 'none', 'default': "
        'not sent',
        'Groq (UKGovernmentBEIS/inspect_ai#2395): models that do not support reasoning_effort "will simply throw a '
        '400 error"; a model that never reasons already does what none and default ask',
    ),
    (
        'reasoning_effort on minimax, deepseek-r1 and unknown models: sent as given',
        'no recorded rejection',
    ),
    (
        'json_schema response format on llama 3.x, qwen3, minimax, guard, compound, audio: refused',
        'Groq error 400 "This model does not support response format `json_schema`" (llama-3.3-70b-versatile); '
        'https://console.groq.com/docs/structured-outputs lists the models that take it',
    ),
    (
        'json_schema strict: true on best-effort models (llama-4, kimi, gpt-oss-safeguard): sent as strict: false',
        'https://console.groq.com/docs/structured-outputs: strict mode only on openai/gpt-oss-20b and '
        'openai/gpt-oss-120b; recorded strict json_schema on gpt-oss-120b: native_json_schema_output.json',
    ),
    (
        'json_object response format (JSON mode, PromptedOutput): sent on every model (guard, compound and '
        'audio included)',
        'no recorded rejection; https://console.groq.com/docs/structured-outputs names no model without JSON mode',
    ),
    (
        'function tools: sent on every model (guard, compound and audio included)',
        'no recorded rejection; recorded tool calls: tool_call_round_trip.json (llama-4), '
        'tool_use_failed_then_retry.json and stream_reasoning_text_and_tool_use_failed.json (gpt-oss)',
    ),
    (
        'images in a user message on a model without vision: refused',
        "Groq error 400 \"'messages.0' : for 'role:user' the following must be satisfied[('messages.0.content' : "
        'value must be a string)]"',
    ),
    (
        'server-side tools (browser_search, code_execution, compound tools) outside their families: refused',
        'https://console.groq.com/docs/browser-search, https://console.groq.com/docs/code-execution, '
        'https://console.groq.com/docs/compound list the models that run them',
    ),
    (
        'remote MCP servers (MCPServerTool, tools type mcp): sent on the tool-use families (gpt-oss and '
        'gpt-oss-safeguard, qwen3, minimax, deepseek-r1, kimi, llama-4, llama); refused on guard, compound and '
        'audio models, which are not tool-use models',
        f'{REMOTE_MCP_DOCS} (and https://console.groq.com/docs/tool-use/remote-mcp): "Remote MCP is available on '
        'all models that support tool use", listing openai/gpt-oss-20b, openai/gpt-oss-120b, qwen/qwen3-32b, '
        'moonshotai/kimi-k2-instruct-0905, meta-llama/llama-4-maverick-17b-128e-instruct and more; groq SDK 1.7 '
        'ChatCompletion.mcp_list_tools (server_label, tools) is the chat completions answer; no recorded traffic',
    ),
    (
        'earlier thinking on gpt-oss, qwen3, minimax: sent back as the assistant message reasoning field',
        'groq SDK ChatCompletionAssistantMessageParam.reasoning ("supported on models that support reasoning"); '
        'Groq drops gpt-oss reasoning it does not need (vercel/ai#7860)',
    ),
    (
        'earlier thinking on deepseek-r1: sent back as <think> tags in the content',
        "Groq error 400 \"'messages.2' : for 'role:assistant' the following must be satisfied"
        "[('messages.2' : property 'reasoning' is unsupported, did you mean 'role'?)]\" on "
        'deepseek-r1-distill-llama-70b (karthink/gptel#774)',
    ),
    (
        'earlier thinking on models that do not reason: dropped',
        'Groq error 400 "reasoning is not supported with this model" (moonshotai/kimi-k2-instruct, vercel/ai#8057)',
    ),
    (
        'reasoning_content in an assistant message: never sent',
        "Groq error 400 \"'messages.1' : for 'role:assistant' the following must be satisfied[('messages.1' : "
        "property 'reasoning_content' is unsupported)]\" on openai/gpt-oss-120b (agentjido/req_llm#772)",
    ),
)
"""Each rule of the table that refuses or rewrites what the caller asked for, and its evidence:
a recording in the test fixtures (`tests/fixtures/wire_samples/`), an error Groq returned, or Groq's docs."""


def _efforts(**mapping: str | None) -> Mapping[str, str | None]:
    return MappingProxyType(mapping)


_NO_FORMATS: frozenset[str] = frozenset()
_ALL_FORMATS = frozenset(REASONING_FORMATS)
_NO_TOOLS: frozenset[str] = frozenset()
# Groq runs remote MCP on the models that take function tools (its docs list gpt-oss, qwen3, kimi, llama 4, ...).
_REMOTE_MCP = frozenset({'mcp'})
# 'default' means "the model's default": sent where the model names that value, else left out.
# On models that never reason, 'none' already holds, so it is accepted and left out too.
_NOT_REASONING_EFFORTS = _efforts(none=None, default=None)
_GPT_OSS_EFFORTS = _efforts(low='low', medium='medium', high='high', default=None)
_QWEN3_ON_OFF_EFFORTS = _efforts(none='none', default='default')
_QWEN3_FULL_EFFORTS = _efforts(none='none', default='default', low='low', medium='medium', high='high')
_PASS_THROUGH_EFFORTS = _efforts(**{value: value for value in REASONING_EFFORTS})


@dataclass(frozen=True)
class GroqModelProfile:
    """What a family of Groq models accepts; the defaults describe a plain chat model.

    Attributes:
        family: The family label: `'gpt-oss'`, `'qwen3'`, `'minimax'`, `'deepseek-r1'`, `'llama'`,
            `'llama-4'`, `'kimi'`, `'compound'`, `'guard'`, `'audio'` or `'other'`.
        reasoning: Whether the model reasons before answering.
        reasoning_formats: The `reasoning_format` values accepted; empty when the parameter is not.
        reasoning_efforts: `groq_reasoning_effort` setting value -> the value sent (`None`: nothing
            is sent); a value missing here is rejected.
        include_reasoning: Whether Groq's docs list `include_reasoning` for the model (informative: it is
            sent as given everywhere, no rejection was ever recorded).
        json_schema: Whether `response_format` `json_schema` is accepted (best effort).
        strict_json_schema: Whether `json_schema` with `strict: true` is honoured (constrained decoding).
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
    json_schema: bool = False
    strict_json_schema: bool = False
    vision: bool = False
    builtin_tools: frozenset[str] = _NO_TOOLS
    thinking_round_trip: ThinkingRoundTrip = 'drop'
    raw_think_tags: bool = False


# Each entry states only where the family differs from a plain chat model with tools.
_GPT_OSS = GroqModelProfile(
    family='gpt-oss',
    reasoning=True,
    reasoning_formats=_ALL_FORMATS,
    reasoning_efforts=_GPT_OSS_EFFORTS,
    include_reasoning=True,
    json_schema=True,
    strict_json_schema=True,
    builtin_tools=frozenset({'browser_search', 'code_execution', 'mcp'}),
    thinking_round_trip='reasoning_field',
)
_GPT_OSS_SAFEGUARD = replace(_GPT_OSS, strict_json_schema=False, builtin_tools=frozenset({'browser_search', 'mcp'}))
_QWEN3_TEXT = GroqModelProfile(
    family='qwen3',
    reasoning=True,
    reasoning_formats=_ALL_FORMATS,
    reasoning_efforts=_QWEN3_ON_OFF_EFFORTS,
    include_reasoning=True,
    builtin_tools=_REMOTE_MCP,
    thinking_round_trip='reasoning_field',
    raw_think_tags=True,
)
_QWEN3_VISION = replace(_QWEN3_TEXT, vision=True)
_QWEN3_FULL = replace(_QWEN3_VISION, reasoning_efforts=_QWEN3_FULL_EFFORTS)
_MINIMAX = replace(_QWEN3_TEXT, family='minimax', reasoning_efforts=_PASS_THROUGH_EFFORTS, builtin_tools=_REMOTE_MCP)
_DEEPSEEK_R1 = replace(_MINIMAX, family='deepseek-r1', thinking_round_trip='think_tags')
_LLAMA = GroqModelProfile(family='llama', builtin_tools=_REMOTE_MCP)
_LLAMA_4 = GroqModelProfile(family='llama-4', json_schema=True, vision=True, builtin_tools=_REMOTE_MCP)
_KIMI = GroqModelProfile(family='kimi', json_schema=True, builtin_tools=_REMOTE_MCP)
_GUARD = GroqModelProfile(family='guard')
_LLAMA_GUARD_4 = replace(_GUARD, vision=True)
_COMPOUND = GroqModelProfile(
    family='compound',
    builtin_tools=frozenset({'web_search', 'code_execution', 'visit_website', 'browser_automation', 'wolfram_alpha'}),
)
_AUDIO = GroqModelProfile(family='audio')
OTHER = GroqModelProfile(
    family='other',
    reasoning_formats=_ALL_FORMATS,
    reasoning_efforts=_PASS_THROUGH_EFFORTS,
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
    """The reasoning body fields for a request, checked against what Groq is known to reject.

    `groq_reasoning_format`, `groq_reasoning_effort` and `groq_include_reasoning` become
    `reasoning_format`, `reasoning_effort` and `include_reasoning`; other settings are ignored.
    Only what Groq is known to reject is refused (see `RULE_EVIDENCE`); everything else is sent
    as given. `groq_reasoning_effort='default'` is sent where the model names that value (qwen3)
    and left out where Groq documents other values (gpt-oss); `'none'` or `'default'` on a model
    that never reasons is left out too.

    Args:
        model_name: The Groq model id.
        settings: The merged model settings.
        with_tools_or_json: Whether the request offers function tools or asks for JSON output;
            Groq rejects `reasoning_format='raw'` with either.

    Returns:
        The body fields to send, e.g. `{'reasoning_effort': 'low'}`; empty when none is set.

    Raises:
        UserError: A value Groq rejects for this model, or `groq_reasoning_format` together with
            `groq_include_reasoning`; the message names the setting, the value, the model, what
            Groq answers and what the model takes instead.
    """
    profile = profile_for(model_name)
    body: dict[str, Any] = {}
    if (reasoning_format := settings.get('groq_reasoning_format')) is not None:
        _check_reasoning_format(model_name, profile, reasoning_format, with_tools_or_json)
        body['reasoning_format'] = reasoning_format
    if (include_reasoning := settings.get('groq_include_reasoning')) is not None:
        if not isinstance(include_reasoning, bool):
            raise UserError(f'groq_include_reasoning must be True or False, got {include_reasoning!r}.')
        if reasoning_format is not None:
            raise UserError(
                f'groq_reasoning_format={reasoning_format!r} and groq_include_reasoning={include_reasoning!r} '
                f'cannot be used together: Groq rejects the pair ({REASONING_DOCS}). Set only one of them '
                f'for {model_name}.'
            )
        body['include_reasoning'] = include_reasoning
    effort = settings.get('groq_reasoning_effort')
    if effort is not None and (sent := _checked_effort(model_name, profile, effort)) is not None:
        body['reasoning_effort'] = sent
    return body


def _check_reasoning_format(
    model_name: str, profile: GroqModelProfile, reasoning_format: object, with_tools_or_json: bool
) -> None:
    model = f'{model_name} ({profile.family} family)'
    if reasoning_format not in REASONING_FORMATS:
        raise UserError(
            f'groq_reasoning_format={reasoning_format!r} is not accepted by {model}: '
            f'it takes {_quoted(sorted(REASONING_FORMATS))}.'
        )
    if not profile.reasoning_formats:
        raise UserError(
            f'groq_reasoning_format={reasoning_format!r} is not accepted by {model}: Groq answers 400 '
            f'"{REASONING_FORMAT_UNSUPPORTED}"; the model does not reason, leave groq_reasoning_format unset.'
        )
    if reasoning_format == 'raw' and with_tools_or_json:
        raise UserError(
            f"groq_reasoning_format='raw' cannot be used with tools or JSON output on {model_name}: Groq "
            f"rejects it with a 400 ({REASONING_DOCS}); use 'parsed' or 'hidden'."
        )


def _checked_effort(model_name: str, profile: GroqModelProfile, effort: object) -> str | None:
    """The `reasoning_effort` value to send for the setting (`None`: send nothing), or a `UserError`."""
    efforts = profile.reasoning_efforts
    if isinstance(effort, str) and effort in efforts:
        return efforts[effort]
    accepted = f'it takes {_quoted(efforts)}'
    if not profile.reasoning and effort in REASONING_EFFORTS:
        hint = f'Groq answers 400 for reasoning_effort on models that do not reason; {accepted}, and nothing is sent'
    elif profile.reasoning and effort == 'none':
        hint = f'the model cannot stop reasoning; {accepted}, and groq_include_reasoning=False leaves the reasoning out'
    else:
        hint = accepted
    raise UserError(
        f'groq_reasoning_effort={effort!r} is not accepted by {model_name} ({profile.family} family): {hint}.'
    )
