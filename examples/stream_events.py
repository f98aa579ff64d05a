"""Stream a tool call, run the tool, stream the answer: printing every event as it arrives.

Talks to Groq when GROQ_API_KEY is set, else to the built-in emulator (no key, no network).

    make demo
"""

from __future__ import annotations

import asyncio

from _backend import demo_model

from pydantic_ai_groq import (
    ModelMessage,
    ModelRequest,
    ModelRequestParameters,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolCallPartDelta,
    ToolDefinition,
    ToolReturnPart,
)
from pydantic_ai_groq.testing import Reply, ToolCallReply

WEATHER_TOOL = ToolDefinition(
    'get_weather',
    {
        'type': 'object',
        'properties': {'city': {'type': 'string', 'description': 'City name in English.'}},
        'required': ['city'],
        'additionalProperties': False,
    },
    'Get the current weather for a city.',
)


def get_weather(city: str) -> str:
    return f'Sunny, 22°C in {city}'


OFFLINE_SCRIPT = [
    Reply(tool_calls=[ToolCallReply('get_weather', {'city': 'Paris'})], chunk_size=6, chunk_delay=0.03),
    Reply(text='It is sunny in Paris today, 22°C: a good day for a walk by the Seine.', chunk_delay=0.03),
]


def print_event(event: PartStartEvent | PartDeltaEvent | PartEndEvent) -> None:
    """Print a part's start on a new line, then its deltas as they arrive (its end adds nothing to print)."""
    if isinstance(event, PartEndEvent):
        return
    if isinstance(event, PartStartEvent):
        part = event.part
        if isinstance(part, ToolCallPart):
            print(f'\n[part {event.index}: tool call {part.tool_name}, id {part.tool_call_id}] args: ', end='')
            print(part.args_as_json_str() if isinstance(part.args, dict) else part.args, end='', flush=True)
        elif isinstance(part, TextPart | ThinkingPart):
            print(f'\n[part {event.index}: {part.part_kind}] {part.content}', end='', flush=True)
        return
    delta = event.delta
    if isinstance(delta, ToolCallPartDelta):
        print(delta.args_delta or '', end='', flush=True)
    else:
        print(delta.content_delta, end='', flush=True)


async def main() -> None:
    with demo_model(OFFLINE_SCRIPT) as model:
        messages: list[ModelMessage] = [
            ModelRequest.user_text_prompt('What is the weather in Paris?', instructions='Use the tools you have.')
        ]
        params = ModelRequestParameters(function_tools=[WEATHER_TOOL])
        for step in (1, 2):
            print(f'--- request {step} (streamed)')
            async with model.request_stream(messages, None, params) as stream:
                async for event in stream:
                    print_event(event)
            response = stream.get()
            messages.append(response)
            usage = response.usage
            print(
                f'\n\nfinish_reason={response.finish_reason} tokens in/out={usage.input_tokens}/{usage.output_tokens}'
            )
            calls = [part for part in response.parts if isinstance(part, ToolCallPart)]
            if not calls:
                print(f'\nAnswer: {response.text}')
                break
            returns = [
                ToolReturnPart(call.tool_name, get_weather(**call.args_as_dict()), call.tool_call_id) for call in calls
            ]
            for part in returns:
                print(f'ran {part.tool_name} -> {part.content!r}')
            messages.append(ModelRequest(returns, instructions='Use the tools you have.'))
        await model.client.close()


if __name__ == '__main__':
    asyncio.run(main())
