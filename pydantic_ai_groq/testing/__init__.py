"""Test helpers: an emulator of Groq's HTTP API, scripted with replies and faults.

```python
from pydantic_ai_groq.testing import GroqEmulator, Reply

emulator = GroqEmulator([Reply(text='Hello!')])
async with emulator.client() as client:
    completion = await client.chat.completions.create(
        model='llama-3.3-70b-versatile', messages=[{'role': 'user', 'content': 'Hi'}]
    )
```
"""

from ._batches import BatchAPI, BatchTiming
from ._catalogue import DEFAULT_MODELS, KeyTier, ModelCard, models_for
from ._clock import VirtualClock
from ._emulator import GroqEmulator
from ._limits import RateLimitWindows
from ._replies import ErrorReply, ExecutedToolReply, Reply, ToolCallReply, Usage

__all__ = (
    'DEFAULT_MODELS',
    'BatchAPI',
    'BatchTiming',
    'ErrorReply',
    'ExecutedToolReply',
    'GroqEmulator',
    'KeyTier',
    'ModelCard',
    'RateLimitWindows',
    'Reply',
    'ToolCallReply',
    'Usage',
    'VirtualClock',
    'models_for',
)
