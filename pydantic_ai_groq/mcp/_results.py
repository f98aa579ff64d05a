"""What an MCP tool call's result becomes: the value handed back to the model.

`structuredContent` wins over the content blocks when the server sends it (it is the tool's
typed output); otherwise text blocks stay text and other blocks are described in words, since a
tool message carries text only. Images are the exception when the run's model has vision: they
go to the model in a user message after the tool messages (a `ToolReturn`), and the tool message
says so where each image was.
"""

from __future__ import annotations

import base64
from typing import Any

from mcp import types

from ..exceptions import ModelRetry
from ..messages import BinaryContent, ToolReturn, UserContent
from ..models import Model
from ..models.groq._profiles import profile_for

__all__ = ('map_call_result', 'takes_images')


def takes_images(model: Model | None) -> bool:
    """Whether images can be sent to `model`: a Groq model whose profile has vision.

    Other providers' models are not known here, so their images are described instead.
    """
    return model is not None and model.system == 'groq' and profile_for(model.model_name).vision


def map_call_result(result: types.CallToolResult, *, images: bool = False, tool_name: str = 'the tool') -> Any:
    """The value a tool call returns to the model.

    Args:
        result: The server's answer to `tools/call`.
        images: Whether the model reads images: image blocks are then sent to it in a user
            message (the result is a `ToolReturn`) instead of being described in words.
        tool_name: The tool called, as the user message introducing the images names it.

    Returns:
        The structured content, else the single block's value, else the list of block values;
        a `ToolReturn` holding that value and the images when images are sent.

    Raises:
        ModelRetry: The server flagged the result as an error (`isError`): the model gets its text.
    """
    if result.is_error:
        message = '\n'.join(str(_block_value(block)) for block in result.content) or 'The tool reported an error.'
        raise ModelRetry(message)
    pictures = [block for block in result.content if isinstance(block, types.ImageContent)] if images else []
    if not pictures:
        if result.structured_content is not None:
            return result.structured_content
        return _single_or_list([_block_value(block) for block in result.content])
    notes = {id(block): _image_note(number, len(pictures)) for number, block in enumerate(pictures, 1)}
    if result.structured_content is not None:
        value: Any = [result.structured_content, *notes.values()]
    else:
        value = _single_or_list([notes.get(id(block)) or _block_value(block) for block in result.content])
    content: list[UserContent] = []
    for number, block in enumerate(pictures, 1):
        content.append(f'Image {number} of {len(pictures)} returned by tool {tool_name!r}:')
        content.append(BinaryContent(base64.b64decode(block.data), block.mime_type))
    return ToolReturn(value, content=content)


def _single_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _image_note(number: int, count: int) -> str:
    return f'[image {number} of {count}: sent in the user message that follows]'


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
