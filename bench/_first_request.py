"""Fresh-process probe: `python -m bench._first_request {ours|ours-primed|sdk} {plain|stream}`.

Imports the contender, builds it on the in-process transport, snapshots `sys.modules`, times
one request, then 20 more; prints JSON: the first request's time, the median of the next 20,
and the modules the first request imported. Run by `bench.imports`; keep it light, as every
import here before the snapshot is charged to no one.
"""

from __future__ import annotations

import importlib
import sys
import time

NEXT = 20


def main(contender: str, kind: str) -> None:
    # The import under test comes first; everything else the probe needs after it.
    if contender in ('ours', 'ours-primed'):
        importlib.import_module('pydantic_ai_groq.models.groq')
    elif contender == 'sdk':
        importlib.import_module('groq')
    else:
        raise SystemExit(f'unknown contender {contender!r}: ours, ours-primed or sdk')
    if kind not in ('plain', 'stream'):
        raise SystemExit(f'unknown kind {kind!r}: plain or stream')

    import asyncio
    import json
    import statistics
    from typing import Any

    from ._transport import make_client
    from ._wire import MODEL, completion_json, text_stream

    stream = kind == 'stream'
    canned = text_stream(50) if stream else completion_json(200)
    client, _ = make_client(canned)

    if contender == 'ours-primed':
        # Diagnostic only: do the SDK's one-time platform probe (a worker thread on the first
        # request) up front, through its private attribute, to see what remains ours.
        from groq._base_client import get_platform

        client._platform = get_platform()  # pyright: ignore[reportPrivateUsage]

    if contender != 'sdk':
        from pydantic_ai_groq import ModelRequest, ModelRequestParameters
        from pydantic_ai_groq.models.groq import GroqModel

        model = GroqModel(MODEL, groq_client=client)
        messages = [ModelRequest.user_text_prompt('Hello')]
        params = ModelRequestParameters()

        async def once() -> object:
            if not stream:
                return (await model.request(messages, None, params)).text
            async with model.request_stream(messages, None, params) as response:
                async for _ in response:
                    pass
            return response.get().text

    else:
        raw_messages: Any = [{'role': 'user', 'content': 'Hello'}]

        async def once() -> object:
            if not stream:
                completion = await client.chat.completions.create(model=MODEL, messages=raw_messages)
                return completion.choices[0].message.content
            chunks = await client.chat.completions.create(model=MODEL, messages=raw_messages, stream=True)
            text = [chunk.choices[0].delta.content async for chunk in chunks if chunk.choices]
            return ''.join(t for t in text if t)

    async def probe() -> dict[str, Any]:
        before = set(sys.modules)
        start = time.perf_counter_ns()
        text = await once()
        first = time.perf_counter_ns() - start
        new_modules = sorted(set(sys.modules) - before)
        if text != canned.text:
            raise SystemExit(f'{contender} read {text!r}, expected {canned.text!r}')
        samples: list[int] = []
        for _ in range(NEXT):
            start = time.perf_counter_ns()
            await once()
            samples.append(time.perf_counter_ns() - start)
        return {
            'first_ms': first / 1e6,
            'next_median_ms': statistics.median(samples) / 1e6,
            'new_modules': new_modules,
        }

    print(json.dumps(asyncio.run(probe())))


if __name__ == '__main__':
    main(*sys.argv[1:3])
