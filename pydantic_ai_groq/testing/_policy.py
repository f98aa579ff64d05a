"""The emulator's default answer to a chat request when no reply is scripted.

It plays an obliging model so that agent loops finish on their own: call every function tool
once, then the output tool, then answer with structured output or a text summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._json import as_array, as_object, dumps_compact, message_text
from ._replies import Reply, ToolCallReply
from ._schema_values import schema_value

__all__ = ('OUTPUT_TOOL_PREFIX', 'default_policy')

# Tools named like this end the conversation, so they are called last and only once.
OUTPUT_TOOL_PREFIX = 'final_result'


def default_policy(body: Mapping[str, Any]) -> Reply:
    """Answer a chat completions request body deterministically.

    In order: a named `tool_choice` is obeyed; function tools not yet called anywhere in the history
    are all called in parallel (one at a time when `parallel_tool_calls` is false); then the first
    `final_result*` tool is called; then a `json_schema` or `json_object` response format is
    answered with matching JSON; otherwise the text is `'success (no tool calls)'` or lists the
    contents of the tool messages. `tool_choice: "none"` skips the tool steps; `tool_choice:
    "required"` never ends in text: once every tool was called, the first offered tool is called again.

    When the request carries `documents` and its `citation_options` is not `"disabled"`, that text
    answer cites the first document over its whole length with one `document_citation` annotation,
    naming the document by its `id`, else by its index (`"0"`).

    Args:
        body: The parsed JSON request body.

    Returns:
        The reply to send.
    """
    tools = _function_tools(body)
    tool_choice = body.get('tool_choice')
    forced = as_object(as_object(tool_choice).get('function')).get('name')
    if isinstance(forced, str):
        return Reply(tool_calls=[_call(forced, tools.get(forced))])
    messages = [as_object(message) for message in as_array(body.get('messages'))]
    if tool_choice != 'none':
        called = _called_tool_names(messages)
        pending = [name for name in tools if not name.startswith(OUTPUT_TOOL_PREFIX) and name not in called]
        if pending:
            if body.get('parallel_tool_calls') is False:
                pending = pending[:1]
            return Reply(tool_calls=[_call(name, tools[name]) for name in pending])
        output_tool = next((name for name in tools if name.startswith(OUTPUT_TOOL_PREFIX)), None)
        if output_tool is not None:
            return Reply(tool_calls=[_call(output_tool, tools[output_tool])])
        if tool_choice == 'required' and tools:
            # Groq fails a text answer here (tool_use_failed): an obliging model calls a tool again.
            first = next(iter(tools))
            return Reply(tool_calls=[_call(first, tools[first])])
    response_format = as_object(body.get('response_format'))
    if response_format.get('type') == 'json_schema':
        schema = as_object(response_format.get('json_schema')).get('schema', {})
        return Reply(text=dumps_compact(schema_value(as_object(schema))))
    if response_format.get('type') == 'json_object':
        return Reply(text='{}')
    results = [message_text(message.get('content')) for message in messages if message.get('role') == 'tool']
    text = f'success (tool results: {", ".join(results)})' if results else 'success (no tool calls)'
    return Reply(text=text, annotations=_citations(body, text))


def _citations(body: Mapping[str, Any], text: str) -> list[dict[str, Any]]:
    """Cite the first of the request's documents over the whole answer, unless citations are disabled."""
    documents = as_array(body.get('documents'))
    if not documents or body.get('citation_options') == 'disabled':
        return []
    document_id = as_object(documents[0]).get('id')
    citation = {
        'document_id': document_id if isinstance(document_id, str) else '0',
        'start_index': 0,
        'end_index': len(text),
    }
    return [{'type': 'document_citation', 'document_citation': citation}]


def _function_tools(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Map each offered function tool's name to its parameters schema, in the order offered."""
    tools: dict[str, dict[str, Any]] = {}
    for tool in as_array(body.get('tools')):
        function = as_object(as_object(tool).get('function'))
        name = function.get('name')
        if isinstance(name, str):
            tools[name] = as_object(function.get('parameters'))
    return tools


def _called_tool_names(messages: list[dict[str, Any]]) -> set[str]:
    names = (
        as_object(as_object(call).get('function')).get('name')
        for message in messages
        if message.get('role') == 'assistant'
        for call in as_array(message.get('tool_calls'))
    )
    return {name for name in names if isinstance(name, str)}


def _call(name: str, parameters: dict[str, Any] | None) -> ToolCallReply:
    # A tool without parameters (or one `tool_choice` names but `tools` lacks) takes an empty object.
    arguments = schema_value(parameters or {'type': 'object'})
    return ToolCallReply(name=name, arguments=as_object(arguments))
