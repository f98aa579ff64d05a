"""Building a Groq chat completion request: messages, tools, output format, settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from ..._strict_schema import strict_schema_or_none
from ...builtin_tools import AbstractBuiltinTool, MCPServerTool, WebSearchTool, WolframAlphaTool
from ...exceptions import UserError
from ...messages import (
    BinaryContent,
    BuiltinToolCallPart,
    BuiltinToolReturnPart,
    ImageUrl,
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryFeedbackPart,
    SystemPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
    UserPromptPart,
    generate_tool_call_id,
)
from ...tools import ToolDefinition
from .. import ModelRequestParameters
from ._catalogue import KNOWN_MODELS
from ._profiles import PROFILES, GroqModelProfile, check_reasoning_settings, profile_for

__all__ = ('build_body', 'map_documents', 'map_messages')

# Settings sent as body fields of the same meaning; reasoning settings go through the profile.
_BODY_FIELD_BY_SETTING: dict[str, str] = {
    'max_tokens': 'max_completion_tokens',
    'temperature': 'temperature',
    'top_p': 'top_p',
    'seed': 'seed',
    'presence_penalty': 'presence_penalty',
    'frequency_penalty': 'frequency_penalty',
    'stop_sequences': 'stop',
    'groq_service_tier': 'service_tier',
    'groq_user': 'user',
    'groq_disable_tool_validation': 'disable_tool_validation',
    'groq_citation_options': 'citation_options',
}

# Our server-side tool kinds -> the compound systems' `enabled_tools` identifiers.
_COMPOUND_TOOL_IDS = {
    'web_search': 'web_search',
    'code_execution': 'code_interpreter',
    'visit_website': 'visit_website',
    'browser_automation': 'browser_automation',
    'wolfram_alpha': 'wolfram_alpha',
}
# ... and the `tools` entries that gpt-oss models take.
_TOOL_TYPES = {'browser_search': 'browser_search', 'code_execution': 'code_interpreter'}


def build_body(
    model_name: str,
    messages: Sequence[ModelMessage],
    settings: Mapping[str, Any],
    params: ModelRequestParameters,
    *,
    stream: bool,
) -> dict[str, Any]:
    """The request body: only what the user set or the mapping needs, no `null`s.

    Raises:
        UserError: For settings, tools or output modes the model cannot take.
    """
    profile = profile_for(model_name)
    body: dict[str, Any] = {'model': model_name, 'messages': map_messages(messages, profile, model_name)}
    if stream:
        body['stream'] = True
    tools: list[dict[str, Any]] = []
    tool_defs = params.tool_defs
    if tool_defs:
        tool_choice, tool_defs = _tool_choice(settings.get('tool_choice'), tool_defs, params)
        tools.extend(_map_tool_definition(tool) for tool in tool_defs)
        body['tool_choice'] = tool_choice
        if 'parallel_tool_calls' in settings:
            body['parallel_tool_calls'] = settings['parallel_tool_calls']
    elif settings.get('tool_choice', 'none') not in ('none', 'auto'):
        raise UserError(f'Model setting tool_choice={settings["tool_choice"]!r} needs tools, and none are offered.')
    tools.extend(_builtin_tools(body, params.builtin_tools, model_name, profile))
    if tools:
        body['tools'] = tools
    # Groq rejects a response format next to function tools: then the output is asked for by
    # instructions (prompted) or only validated (native), and retried when it does not fit.
    if not tool_defs:
        if params.output_mode == 'native':
            body['response_format'] = _json_schema_response_format(params, model_name, profile)
        elif params.output_mode == 'prompted':
            body['response_format'] = {'type': 'json_object'}
    with_tools_or_json = bool(tool_defs) or params.output_mode in ('native', 'prompted')
    body.update(check_reasoning_settings(model_name, settings, with_tools_or_json=with_tools_or_json))
    for key, body_field in _BODY_FIELD_BY_SETTING.items():
        if settings.get(key) is not None:  # `None` leaves a setting unset: no `null`s in the body
            body[body_field] = settings[key]
    if documents := settings.get('groq_documents'):
        body['documents'] = map_documents(documents)
    if extra_body := settings.get('extra_body'):
        body.update(extra_body)
    return body


def map_documents(documents: object) -> list[dict[str, Any]]:
    """`groq_documents` as Groq's `documents`: strings become text documents, objects are checked.

    Raises:
        UserError: For anything but a list of strings and Groq document objects, naming the entry.
    """
    # A string is a sequence too, and would become one document per character.
    if isinstance(documents, str | bytes) or not isinstance(documents, Sequence):
        raise UserError(
            f'Model setting groq_documents={documents!r} must be a list of documents (strings or Groq document '
            'objects), e.g. groq_documents=["first text", "second text"].'
        )
    return [_map_document(index, document) for index, document in enumerate(cast(Sequence[object], documents))]


# Groq's API reference: a document is `{"source": {...}, "id": str | null}`, and "only text and JSON sources
# are currently supported": `{"type": "text", "text": str}` or `{"type": "json", "data": object}`.
_DOCUMENT_SOURCE_FIELDS = {'text': ('text', str), 'json': ('data', Mapping)}


def _map_document(index: int, document: object) -> dict[str, Any]:
    if isinstance(document, str):
        return {'source': {'type': 'text', 'text': document}}
    if isinstance(document, Mapping) and _is_document(cast(Mapping[str, Any], document)):
        return dict(cast(Mapping[str, Any], document))
    raise UserError(
        f'Model setting groq_documents[{index}]={document!r} is not a document: use a string, or '
        '{"source": {"type": "text", "text": "..."}} or {"source": {"type": "json", "data": {...}}}, '
        'with an optional string "id".'
    )


def _is_document(document: Mapping[str, Any]) -> bool:
    source: object = document.get('source')
    document_id: object = document.get('id')
    if not isinstance(source, Mapping) or not (document_id is None or isinstance(document_id, str)):
        return False
    source_fields = cast(Mapping[str, Any], source)
    kind: object = source_fields.get('type')
    field = _DOCUMENT_SOURCE_FIELDS.get(kind) if isinstance(kind, str) else None
    return field is not None and isinstance(source_fields.get(field[0]), field[1])


def _map_tool_definition(tool: ToolDefinition) -> dict[str, Any]:
    parameters = tool.parameters_json_schema
    strict = tool.strict
    if strict:
        # Strict mode takes a subset of JSON Schema; the arguments are still validated against the original.
        strict_parameters = strict_schema_or_none(parameters)
        if strict_parameters is None:
            strict = None  # cannot be made strict (e.g. free-form objects): send it as it is
        else:
            parameters = strict_parameters
    function: dict[str, Any] = {'name': tool.name, 'description': tool.description, 'parameters': parameters}
    if strict is not None:
        function['strict'] = strict
    return {'type': 'function', 'function': function}


def _tool_choice(
    setting: object, tool_defs: list[ToolDefinition], params: ModelRequestParameters
) -> tuple[str | dict[str, Any], list[ToolDefinition]]:
    """Groq's `tool_choice` and the tools to send, from the `tool_choice` setting.

    `none` withholds the function tools but keeps the output tools, so the run can still end;
    `required` and tool names force a call only until the model has called a tool in the run.
    """
    default = 'auto' if params.allow_text_output else 'required'
    if setting is None or setting == 'auto':
        return ('auto' if setting else default), tool_defs
    if setting == 'none':
        if params.output_tools:
            return default, list(params.output_tools)
        return 'none', tool_defs
    if setting == 'required':
        return ('required' if not params.tool_called else default), tool_defs
    available = [tool.name for tool in tool_defs]
    if isinstance(setting, list) and setting and all(isinstance(name, str) for name in cast(list[object], setting)):
        names = cast(list[str], setting)
        unknown = [name for name in names if name not in available]
        if unknown:
            raise UserError(
                f'Model setting tool_choice names unknown tool(s) {", ".join(unknown)}; '
                f'available tools: {", ".join(available)}.'
            )
        if params.tool_called:
            return default, tool_defs
        if len(names) == 1:
            return {'type': 'function', 'function': {'name': names[0]}}, tool_defs
        return 'required', [tool for tool in tool_defs if tool.name in names]
    raise UserError(
        f"Model setting tool_choice={setting!r} is not allowed; use 'auto', 'none', 'required' "
        'or a non-empty list of tool names.'
    )


def _json_schema_response_format(
    params: ModelRequestParameters, model_name: str, profile: GroqModelProfile
) -> dict[str, Any]:
    output = params.output_object
    if output is None:
        raise UserError("output_mode='native' needs an output_object (the JSON schema to answer with).")
    if not profile.json_schema:
        raise UserError(
            f'{model_name} ({profile.family} family) does not take a json_schema response format: '
            'use ToolOutput (the default) or PromptedOutput for structured output with it.'
        )
    schema = output.json_schema
    if output.description:
        # Sent once, as `json_schema.description`: the schema's own copy would cost prompt tokens on every request.
        schema = {key: value for key, value in schema.items() if key != 'description'}
    strict = output.strict
    if profile.strict_json_schema and strict is not False:
        strict_schema = strict_schema_or_none(schema)
        if strict_schema is not None:
            schema, strict = strict_schema, True
    elif strict:
        strict = False  # the model does not honour strict mode: best effort, said so on the wire
    json_schema: dict[str, Any] = {'name': output.name or 'final_result', 'schema': schema}
    if output.description:
        json_schema['description'] = output.description
    if strict is not None:
        json_schema['strict'] = strict
    return {'type': 'json_schema', 'json_schema': json_schema}


def models_that_run(kind: str) -> list[str]:
    """Known model ids whose profile runs the server-side tool `kind` (shut-down ones marked so)."""
    return [
        model_id if info.active else f'{model_id} (shut down)'
        for model_id, info in sorted(KNOWN_MODELS.items(), key=lambda item: (not item[1].active, item[0]))
        if kind in profile_for(model_id).builtin_tools
    ]


def families_that_run(kind: str) -> list[str]:
    """The profile families that run the server-side tool `kind`, in table order."""
    return list(dict.fromkeys(profile.family for _, profile in PROFILES if kind in profile.builtin_tools))


def _builtin_tools(
    body: dict[str, Any], tools: Sequence[AbstractBuiltinTool], model_name: str, profile: GroqModelProfile
) -> list[dict[str, Any]]:
    """Map server-side tools onto `body` (compound settings) and return `tools` entries (gpt-oss)."""
    if not tools:
        return []
    for tool in tools:
        if tool.kind not in profile.builtin_tools:
            able = ', '.join(models_that_run(tool.kind)) or 'none known'
            raise UserError(
                f'{type(tool).__name__} ({tool.kind}) cannot run on {model_name} ({profile.family} family); '
                f'families that run it: {", ".join(families_that_run(tool.kind))}; models that run it: {able}.'
            )
    if profile.family != 'compound':
        return [
            tool.wire_json() if isinstance(tool, MCPServerTool) else {'type': _TOOL_TYPES[tool.kind]} for tool in tools
        ]
    compound_tools: dict[str, Any] = {'enabled_tools': [_COMPOUND_TOOL_IDS[tool.kind] for tool in tools]}
    for tool in tools:
        if isinstance(tool, WolframAlphaTool) and tool.api_key:
            compound_tools['wolfram_settings'] = {'authorization': tool.api_key}
        if isinstance(tool, WebSearchTool):
            search = {
                key: value
                for key, value in (
                    ('include_domains', list(tool.include_domains)),
                    ('exclude_domains', list(tool.exclude_domains)),
                    ('country', tool.country),
                )
                if value
            }
            if search:
                body['search_settings'] = search
    body['compound_custom'] = {'tools': compound_tools}
    return []


def map_messages(
    messages: Iterable[ModelMessage], profile: GroqModelProfile | None = None, model_name: str = 'this model'
) -> list[dict[str, Any]]:
    """A history as Groq chat messages.

    The newest request's instructions go in a `system` message after the leading system
    prompts. Thinking is sent back as the model family takes it (see `thinking_round_trip`
    in `_profiles`); server-side tool parts stay in the history only.
    """
    round_trip = profile.thinking_round_trip if profile is not None else 'drop'
    vision_model = None if profile is None or profile.vision else model_name
    wire: list[dict[str, Any]] = []
    instructions: str | None = None
    for message in messages:
        if isinstance(message, ModelRequest):
            instructions = message.instructions
            for part in message.parts:
                wire.append(_map_request_part(part, vision_model))
        else:
            wire.append(_map_response(message, round_trip))
    if instructions:
        leading = 0
        while leading < len(wire) and wire[leading]['role'] == 'system':
            leading += 1
        wire.insert(leading, {'role': 'system', 'content': instructions})
    return wire


def _map_request_part(part: ModelRequestPart, blind_model: str | None) -> dict[str, Any]:
    """One request part as a message; `blind_model` names the model when it cannot read images."""
    if isinstance(part, SystemPromptPart):
        return {'role': 'system', 'content': part.content}
    if isinstance(part, UserPromptPart):
        if isinstance(part.content, str):
            return {'role': 'user', 'content': part.content}
        content = [_map_user_content(item) for item in part.content]
        if blind_model is not None and any(item['type'] == 'image_url' for item in content):
            able = ', '.join(m for m, info in KNOWN_MODELS.items() if info.active and profile_for(m).vision)
            raise UserError(f'{blind_model} does not read images; models that do: {able}.')
        return {'role': 'user', 'content': content}
    if isinstance(part, ToolReturnPart):
        return {'role': 'tool', 'tool_call_id': part.tool_call_id, 'content': part.model_response_str()}
    if isinstance(part, RetryFeedbackPart) or part.tool_name is None:
        return {'role': 'user', 'content': part.model_response()}
    return {'role': 'tool', 'tool_call_id': part.tool_call_id, 'content': part.model_response()}


# User content parts Groq's chat API takes (the groq SDK's `ChatCompletionContentPartParam`, generated
# from Groq's OpenAPI spec): text, image_url, and `document` holding JSON data, not a file or URL.
# So no audio, video or document URLs; document text goes in the `groq_documents` setting.
_USER_CONTENT_ALLOWED = 'text, ImageUrl and image BinaryContent (image/png, image/jpeg, image/webp, image/gif)'


def _map_user_content(item: UserContent) -> dict[str, Any]:
    if isinstance(item, str):
        return {'type': 'text', 'text': item}
    if isinstance(item, ImageUrl):
        url, detail = item.url, item.detail
    elif isinstance(item, BinaryContent):
        if not item.is_image:
            raise UserError(
                f'BinaryContent with media type {item.media_type!r} cannot be sent to Groq: '
                f'user prompts take {_USER_CONTENT_ALLOWED}.'
            )
        url, detail = item.data_uri, item.detail
    else:
        raise UserError(
            f'{type(item).__name__} ({item.url}) in a user prompt cannot be sent to Groq: '
            f'user prompts take {_USER_CONTENT_ALLOWED}. It stays in the history; '
            'remove it from the messages sent (for documents, pass their text in the groq_documents setting).'
        )
    image_url: dict[str, Any] = {'url': url}
    if detail is not None:
        image_url['detail'] = detail
    return {'type': 'image_url', 'image_url': image_url}


def _map_response(message: ModelResponse, round_trip: str) -> dict[str, Any]:
    texts: list[str] = []
    thoughts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            texts.append(part.content)
        elif isinstance(part, ToolCallPart):
            tool_calls.append(
                {
                    'id': part.tool_call_id or generate_tool_call_id(),
                    'type': 'function',
                    'function': {'name': part.tool_name, 'arguments': part.args_as_json_str()},
                }
            )
        elif isinstance(part, ThinkingPart):
            thoughts.append(part.content)
        else:
            # Groq ran these itself; they are not calls the model expects answers to.
            assert isinstance(part, BuiltinToolCallPart | BuiltinToolReturnPart)
    wire: dict[str, Any] = {'role': 'assistant'}
    content = ''.join(texts)
    if thoughts and round_trip == 'think_tags':
        content = f'<think>{"".join(thoughts)}</think>\n\n{content}'
    if content or not tool_calls:
        wire['content'] = content
    if thoughts and round_trip == 'reasoning_field':
        wire['reasoning'] = ''.join(thoughts)
    if tool_calls:
        wire['tool_calls'] = tool_calls
    return wire
