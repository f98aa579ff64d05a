"""Agents as Temporal workflows: the loop is workflow code, model requests and tool calls are activities.

```python
temporal_agent = TemporalAgent(Agent(GroqModel('openai/gpt-oss-120b'), name='support', tools=[refund]))

@workflow.defn
class Support:
    @workflow.run
    async def run(self, ticket: str) -> str:
        return (await temporal_agent.run(ticket)).output

client = await Client.connect('localhost:7233', plugins=[PydanticAIGroqPlugin()])
worker = Worker(client, task_queue='support', workflows=[Support], plugins=[AgentPlugin(temporal_agent)])
```

Needs the `temporal` extra (`pip install 'pydantic-ai-groq[temporal]'`).
"""

from ._agent import TemporalAgent
from ._config import DEFAULT_ACTIVITY_CONFIG, ActivityConfig
from ._errors import DEFAULT_MAX_PAYLOAD_BYTES
from ._plugin import AgentPlugin, PydanticAIGroqPlugin

__all__ = (
    'DEFAULT_ACTIVITY_CONFIG',
    'DEFAULT_MAX_PAYLOAD_BYTES',
    'ActivityConfig',
    'AgentPlugin',
    'PydanticAIGroqPlugin',
    'TemporalAgent',
)
