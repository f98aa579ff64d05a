"""What Groq rejects in a chat request, read from the package's model-family table.

One source of Groq facts: the emulator asks `profile_for` (the table `GroqModel` uses to build
requests) what a model takes, and answers what the table says Groq refuses with Groq's status and
error body. `RULE_EVIDENCE` in `pydantic_ai_groq.models.groq._profiles` cites each rule. Where
Groq's exact wording was never recorded the message says the same thing in Groq's style; the
status, `type` and `param` are what Groq sends (see docs/testing.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_ai_groq.models.groq._profiles import (
    OTHER,
    REASONING_FORMAT_UNSUPPORTED,
    REASONING_FORMATS,
    GroqModelProfile,
    profile_for,
)

from ._json import as_array, as_object
from ._wire import error_json

__all__ = ('TOOL_CHOICE_REQUIRED_MESSAGE', 'rejection', 'tool_choice_unmet')

TOOL_CHOICE_REQUIRED_MESSAGE = 'Tool choice is required, but model did not call a tool'
"""Groq's `tool_use_failed` message when `tool_choice` asked for a tool call and the model wrote text."""


def rejection(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The 400 error body Groq sends for this chat request, or `None` when Groq would take it.

    Args:
        body: The parsed request body; its `model` is one the emulator serves.

    Returns:
        `{"error": {"message", "type", "code", "param"?}}`, or `None`.
    """
    profile = profile_for(str(body.get('model')))
    return (
        _reasoning_rejection(body, profile)
        or _format_rejection(body, profile)
        or _message_rejection(body, profile)
        or _remote_mcp_rejection(body, profile)
    )


def tool_choice_unmet(body: Mapping[str, Any], called_a_tool: bool) -> bool:
    """Whether the request demanded a tool call (`required` or a named function) that the reply lacks."""
    tool_choice = body.get('tool_choice')
    demanded = tool_choice == 'required' or isinstance(tool_choice, dict)
    return demanded and bool(as_array(body.get('tools'))) and not called_a_tool


def _invalid(message: str, param: str | None = None) -> dict[str, Any]:
    extra = {} if param is None else {'param': param}
    return error_json(message, code=None, **extra)


def _ticked(values: list[str]) -> str:
    items = [f'`{value}`' for value in values]
    return items[0] if len(items) == 1 else f'{", ".join(items[:-1])} or {items[-1]}'


def _reasoning_rejection(body: Mapping[str, Any], profile: GroqModelProfile) -> dict[str, Any] | None:
    reasoning_format = body.get('reasoning_format')
    if reasoning_format is not None:
        if not profile.reasoning_formats:
            return _invalid(REASONING_FORMAT_UNSUPPORTED, 'reasoning_format')
        if reasoning_format not in REASONING_FORMATS:
            return _invalid(f'`reasoning_format` must be one of {_ticked(list(REASONING_FORMATS))}', 'reasoning_format')
        if reasoning_format == 'raw' and (as_array(body.get('tools')) or body.get('response_format') is not None):
            return _invalid('`reasoning_format` `raw` is not supported with JSON mode or tool use', 'reasoning_format')
        if body.get('include_reasoning') is not None:
            return _invalid('`include_reasoning` cannot be used together with `reasoning_format`', 'include_reasoning')
    effort = body.get('reasoning_effort')
    if effort is None or profile is OTHER:
        return None
    accepted = [value for value in dict.fromkeys(profile.reasoning_efforts.values()) if value is not None]
    if not accepted:
        return _invalid('`reasoning_effort` is not supported with this model', 'reasoning_effort')
    if effort not in accepted:
        return _invalid(f'`reasoning_effort` must be one of {_ticked(accepted)}', 'reasoning_effort')
    return None


def _format_rejection(body: Mapping[str, Any], profile: GroqModelProfile) -> dict[str, Any] | None:
    response_format = as_object(body.get('response_format'))
    if response_format.get('type') != 'json_schema':
        return None
    if not profile.json_schema:
        return _invalid('This model does not support response format `json_schema`.', 'response_format')
    if as_array(body.get('tools')):
        return _invalid('response_format `json_schema` cannot be used with tool use', 'response_format')
    return None


def _message_rejection(body: Mapping[str, Any], profile: GroqModelProfile) -> dict[str, Any] | None:
    for index, message in enumerate(as_object(item) for item in as_array(body.get('messages'))):
        where = f"'messages.{index}'"
        role = message.get('role')
        if role == 'assistant':
            refused = ['reasoning_content']
            if profile.thinking_round_trip != 'reasoning_field' and profile is not OTHER:
                refused.append('reasoning')
            for field in refused:
                if field in message:
                    return _invalid(
                        f"{where} : for 'role:assistant' the following must be satisfied"
                        f"[({where} : property '{field}' is unsupported)]"
                    )
        elif role == 'user' and not profile.vision and _has_image(message):
            return _invalid(
                f"{where} : for 'role:user' the following must be satisfied"
                f"[('messages.{index}.content' : value must be a string)]"
            )
    return None


def _has_image(message: Mapping[str, Any]) -> bool:
    return any(as_object(part).get('type') == 'image_url' for part in as_array(message.get('content')))


def _remote_mcp_rejection(body: Mapping[str, Any], profile: GroqModelProfile) -> dict[str, Any] | None:
    if 'mcp' in profile.builtin_tools:
        return None
    for index, tool in enumerate(as_array(body.get('tools'))):
        if as_object(tool).get('type') == 'mcp':
            return _invalid('mcp tools are not supported with this model', param=f'tools.{index}.type')
    return None
