"""A real MCP server built with the `mcp` package, for the MCP client tests.

Imported, it is an in-process server (`build_server()`); run as a script it serves over stdio
(`python _mcp_server.py`) or streamable HTTP is mounted by the tests with uvicorn (`build_server().streamable_http_app()`).
"""

from __future__ import annotations

import base64
import os
import sys
import warnings

import anyio
from mcp import types
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPDeprecationWarning
from pydantic import BaseModel

PNG = base64.b64encode(b'\x89PNG\r\n\x1a\n' + b'\x00' * 24).decode()
JPEG = base64.b64encode(b'\xff\xd8\xff\xe0' + b'\x00' * 12).decode()


class Weather(BaseModel):
    city: str
    celsius: float


class Answer(BaseModel):
    colour: str


def build_server(name: str = 'test-tools') -> MCPServer:
    """A server with one tool per behaviour the client must handle."""
    server = MCPServer(name)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(structured_output=False)
    def echo(text: str) -> str:
        """Say the text back."""
        return text

    @server.tool()
    def weather(city: str) -> Weather:
        """The weather in a city, as structured content."""
        return Weather(city=city, celsius=21.5)

    @server.tool(structured_output=False)
    def picture() -> list[types.ContentBlock]:
        """A caption and an image."""
        return [
            types.TextContent(type='text', text='A tiny picture'),
            types.ImageContent(type='image', data=PNG, mime_type='image/png'),
        ]

    @server.tool(structured_output=False)
    def chart() -> types.CallToolResult:
        """Structured content and two images (a PNG and a JPEG)."""
        return types.CallToolResult(
            content=[
                types.ImageContent(type='image', data=PNG, mime_type='image/png'),
                types.ImageContent(type='image', data=JPEG, mime_type='image/jpeg'),
            ],
            structured_content={'points': 3},
        )

    @server.tool(structured_output=False)
    def resources() -> list[types.ContentBlock]:
        """An embedded text resource, a binary one and a link."""
        return [
            types.EmbeddedResource(
                type='resource',
                resource=types.TextResourceContents(uri='file:///notes.txt', text='note text', mime_type='text/plain'),
            ),
            types.EmbeddedResource(
                type='resource', resource=types.BlobResourceContents(uri='file:///a.bin', blob='AAAA')
            ),
            types.ResourceLink(type='resource_link', uri='file:///big.csv', name='big.csv', description='A table'),
        ]

    @server.tool()
    def fail(reason: str) -> str:
        """Raise, which the server reports as an isError result."""
        raise ValueError(reason)

    @server.tool(structured_output=False)
    def flagged() -> types.CallToolResult:
        """Return an isError result explicitly."""
        return types.CallToolResult(content=[types.TextContent(type='text', text='quota exhausted')], is_error=True)

    @server.tool(structured_output=False)
    def header(name: str, ctx: Context) -> str:
        """A header of the HTTP request that carried the call."""
        return (ctx.headers or {}).get(name, 'missing')

    @server.tool()
    async def slow() -> str:
        """Never answer."""
        await anyio.sleep_forever()
        return 'never'

    @server.tool()
    def crash() -> str:
        """End the server's process in the middle of the call."""
        os._exit(3)

    @server.tool()
    async def chatty(ctx: Context) -> str:
        """Send a log message (a notification the client does not act on) before answering."""
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', MCPDeprecationWarning)
            await ctx.log('info', 'working on it')
        return 'done'

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Add a tool named `extra` and tell the client the list changed."""
        server.add_tool(lambda: 'extra!', name='extra', description='Added later.')
        await ctx.session.send_tool_list_changed()
        return 'grown'

    @server.tool()
    async def summarise(text: str, ctx: Context) -> str:
        """Ask the client's model to summarise the text (sampling)."""
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', MCPDeprecationWarning)
            result = await ctx.session.create_message(
                [types.SamplingMessage(role='user', content=types.TextContent(type='text', text=text))],
                max_tokens=50,
                system_prompt='Summarise in three words.',
                temperature=0.2,
            )
        assert isinstance(result.content, types.TextContent)
        return f'{result.model}: {result.content.text}'

    @server.tool()
    async def continue_story(ctx: Context) -> str:
        """Ask the client's model to go on with a conversation (sampling, no system prompt)."""
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', MCPDeprecationWarning)
            result = await ctx.session.create_message(
                [
                    types.SamplingMessage(role='user', content=types.TextContent(type='text', text='Once')),
                    types.SamplingMessage(role='assistant', content=[types.TextContent(type='text', text='upon')]),
                    types.SamplingMessage(
                        role='user',
                        content=types.ImageContent(type='image', data=PNG, mime_type='image/png'),
                    ),
                ],
                max_tokens=5,
                stop_sequences=['END'],
            )
        return f'{result.stop_reason}: {result.content.text if isinstance(result.content, types.TextContent) else ""}'

    @server.tool()
    async def favourite_colour(ctx: Context) -> str:
        """Ask the user for their favourite colour (elicitation)."""
        answer = await ctx.elicit('What is your favourite colour?', Answer)
        if answer.action == 'accept':
            return f'You like {answer.data.colour}'
        return f'No colour: {answer.action}'

    return server


if __name__ == '__main__':
    build_server(sys.argv[1] if len(sys.argv) > 1 else 'test-tools').run('stdio')
