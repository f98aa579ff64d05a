"""An MCP tool call round trip over stdio: `MCPServerStdio.call_tool` against the `mcp` package's own client.

Both talk to their own subprocess running `examples/mcp_server.py`, and call the same tool with
the same arguments; ours adds the toolset's bookkeeping and the mapping of the result.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio

from ._harness import Options, Row, Target, check_equal, time_pair

__all__ = ('run',)

NAME = 'MCP stdio tool call round trip'
SERVER = str(Path(__file__).parent.parent / 'examples' / 'mcp_server.py')
ARGS: dict[str, Any] = {'city': 'Paris'}


async def _measure(options: Options) -> Row:
    from mcp import Client, StdioServerParameters

    from pydantic_ai_groq._run_context import RunContext
    from pydantic_ai_groq.mcp import MCPServerStdio
    from pydantic_ai_groq.models.groq import GroqModel
    from pydantic_ai_groq.usage import RunUsage

    model = GroqModel('llama-3.3-70b-versatile', api_key='bench-key')
    ctx = RunContext(deps=None, model=model, usage=RunUsage())
    async with (
        MCPServerStdio(sys.executable, [SERVER], name='bench') as server,
        Client(StdioServerParameters(command=sys.executable, args=[SERVER])) as client,
    ):
        tool = (await server.get_tools(ctx))['population']

        async def ours() -> object:
            return await server.call_tool('population', ARGS, ctx, tool)

        async def raw() -> object:
            return (await client.call_tool('population', ARGS)).structured_content

        check_equal('population', await ours(), await raw())
        budget = 1.0 if options.quick else 6.0
        result = await time_pair(ours, raw, budget_s=budget, min_reps=5 if options.quick else 15)
    await model.client.close()
    return Row(
        NAME,
        result.ours_ns / 1000,
        result.baseline_ns / 1000,
        'µs',
        Target('ratio', 1.1),
        ratio=result.ratio,
        notes=[f'{result.reps} repetitions of {result.inner} calls, each side its own server process'],
    )


def run(options: Options) -> list[Row]:
    if not options.wants(NAME):
        return []
    return [anyio.run(_measure, options)]
