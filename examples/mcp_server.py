"""A small MCP server (built with the `mcp` package) that the MCP example starts over stdio.

Run on its own it waits for an MCP client on stdin: `python examples/mcp_server.py`.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

server = MCPServer('city-facts')

POPULATIONS = {'paris': 2_102_650, 'london': 8_945_309, 'tokyo': 14_187_176}


class Population(BaseModel):
    city: str
    people: int


@server.tool()
def population(city: str) -> Population:
    """The number of people living in a city.

    Args:
        city: The city's name in English.
    """
    people = POPULATIONS.get(city.lower())
    if people is None:
        # A ToolError's message reaches the model (other exceptions are reported without it).
        raise ToolError(f'No data for {city}; known cities: {", ".join(sorted(POPULATIONS))}')
    return Population(city=city, people=people)


@server.tool(structured_output=False)
def shout(text: str) -> str:
    """The text in capitals."""
    return text.upper()


if __name__ == '__main__':
    server.run('stdio')
