"""An agent using the tools of an MCP server started over stdio (examples/mcp_server.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from _backend import demo_model

from pydantic_ai_groq import Agent
from pydantic_ai_groq.mcp import MCPServerStdio
from pydantic_ai_groq.testing import Reply, ToolCallReply

SERVER = str(Path(__file__).parent / 'mcp_server.py')
OFFLINE_SCRIPT = [
    Reply(
        tool_calls=[
            ToolCallReply('facts_population', {'city': 'Paris'}),
            ToolCallReply('facts_population', {'city': 'London'}),
        ]
    ),
    Reply(text='London (8,945,309 people) is about four times as populous as Paris (2,102,650).'),
]


async def main() -> None:
    server = MCPServerStdio(sys.executable, [SERVER], tool_prefix='facts', name='city-facts')
    with demo_model(OFFLINE_SCRIPT) as model:
        agent = Agent(model, toolsets=[server], instructions='Use the tools for numbers.')
        async with agent:  # starts the server once for every run inside
            result = await agent.run('Which has more people, Paris or London?')
        print('Answer:', result.output)
        print(f'Usage: {result.usage().requests} requests, {result.usage().tool_calls} tool calls')


if __name__ == '__main__':
    asyncio.run(main())
