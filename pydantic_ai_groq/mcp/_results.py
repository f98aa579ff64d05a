"""What an MCP tool call's result becomes: the value handed back to the model.

`structuredContent` wins over the content blocks when the server sends it (it is the tool's
typed output); otherwise text blocks stay text and other blocks are described in words, since a
tool message carries text only.
"""

from __future__ import annotations

import base64
from typing import Any

from mcp import types

from ..exceptions import ModelRetry

__all__ = ('map_call_result',)


def map_call_result(result: types.CallToolResult) -> Any:
    """The value a tool call returns to the model.

    Args:
        result: The server's answer to `tools/call`.

    Returns:
        The structured content, else the single block's value, else the list of block values.

    Raises:
        ModelRetry: The server flagged the result as an error (`isError`): the model gets its text.
    """
    if result.is_error:
        message = '\n'.join(str(_block_value(block)) for block in result.content) or 'The tool reported an error.'
        raise ModelRetry(message)
    if result.structured_content is not None:
        return result.structured_content
    values = [_block_value(block) for block in result.content]
    return values[0] if len(values) == 1 else values


def _block_value(block: types.ContentBlock) -> Any:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent | types.AudioContent):
        kind = 'image' if isinstance(block, types.ImageContent) else 'audio'
        size = len(base64.b64decode(block.data))
        return f'[{kind} ({block.mime_type}, {size} bytes), not shown: tool messages carry text only]'
    if isinstance(block, types.ResourceLink):
        return {'resource_link': str(block.uri), 'name': block.name, 'description': block.description}
    resource = block.resource
    if isinstance(resource, types.TextResourceContents):
        return resource.text
    return f'[resource {resource.uri} ({resource.mime_type or "binary"}), not shown: binary content]'
