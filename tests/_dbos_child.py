"""A process running a durable billing agent on DBOS, for the crash tests: it may die at a chosen point.

`python tests/_dbos_child.py CONFIG_JSON` with `db_url`, `base_url`, `side_effects` (a file each
`charge` call appends a line to), `crash` (`none`; `mid_request`: as the second model request's answer
arrives, inside its step; `in_tool`: after the tool's side effect, before its step is recorded;
`after_tool`: after the tool's step is recorded, before the next model request), `mode`
(`start`: run the workflow `workflow_id`, the billing one or, with `workflow: refund`, the refund
one that waits for a person's approval; `recover`: launch DBOS, which resumes it, and wait for it;
`enqueue`: enqueue `count` runs; `work`: run queued runs until `stop_file` exists), and
optionally `executor_id`, `concurrency` (per worker), `crash_at_call` (which `charge` call of this
process dies, 1 by default), `gate_file` (each `charge` waits for it to exist; in `work` mode,
`recover_executor`'s pending runs are recovered once it does).
Prints the result as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

import httpx
from dbos import DBOS, DBOSConfig, SetWorkflowID

from pydantic_ai_groq import Agent, DeferredToolRequests, DeferredToolResults, ModelMessage, ToolReturnPart
from pydantic_ai_groq.durable.dbos import DBOSAgent, StepConfig
from pydantic_ai_groq.models.groq import GroqModel

config: dict[str, Any] = json.loads(sys.argv[1])
crash: str = config.get('crash', 'none')


def die_if(point: str) -> None:
    if crash == point:
        os.kill(os.getpid(), signal.SIGKILL)


charges: list[int] = []


def charge(amount: int) -> str:
    """Charge the customer's card."""
    with open(config['side_effects'], 'a') as f:
        f.write(f'{amount}\n')
    charges.append(amount)
    if len(charges) == config.get('crash_at_call', 1):
        die_if('in_tool')
    gate = config.get('gate_file')
    while gate is not None and not os.path.exists(gate):  # the test holds this run until it opens the gate
        time.sleep(0.02)
    return f'charged {amount}'


def die_before_request_after_tool(messages: list[ModelMessage]) -> list[ModelMessage]:
    # History processors run just before each model request: here, the tool's step is recorded.
    if any(isinstance(part, ToolReturnPart) for m in messages if m.kind == 'request' for part in m.parts):
        die_if('after_tool')
    return messages


answers: list[httpx.URL] = []


async def die_on_second_answer(response: httpx.Response) -> None:
    # The second model request reached the emulator and its answer is arriving: inside its step.
    answers.append(response.url)
    if len(answers) == 2:
        die_if('mid_request')


model = GroqModel('llama-3.3-70b-versatile', api_key='emulator-key', base_url=config['base_url'])
if crash == 'mid_request':
    hooked = httpx.AsyncClient(event_hooks={'response': [die_on_second_answer]})
    model = GroqModel(
        'llama-3.3-70b-versatile',
        api_key='emulator-key',
        base_url=config['base_url'],
        http_client=hooked,
        max_retries=0,
    )
agent = Agent(
    model,
    name='billing',
    tools=[charge],
    history_processors=[die_before_request_after_tool],
)
durable = DBOSAgent(agent, model_step_config=StepConfig(max_attempts=3, interval_seconds=0.01))


@DBOS.workflow(name='billing.handle')
async def handle(ticket: str) -> dict[str, Any]:
    result = await durable.run(ticket)
    usage = result.usage()
    return {
        'output': result.output,
        'requests': usage.requests,
        'tool_calls': usage.tool_calls,
        'input_tokens': usage.input_tokens,
        'output_tokens': usage.output_tokens,
        'pid': os.getpid(),
    }


refunds = Agent(model, name='refunds', output_type=[str, DeferredToolRequests])


@refunds.tool_plain(requires_approval=True)
def refund(order: int) -> str:
    """Refund an order."""
    with open(config['side_effects'], 'a') as f:
        f.write(f'refund {order}\n')
    return f'refunded {order}'


durable_refunds = DBOSAgent(refunds)


@DBOS.workflow(name='billing.refund')
async def refund_flow(ticket: str) -> dict[str, Any]:
    result = await durable_refunds.run(ticket)
    while isinstance(result.output, DeferredToolRequests):
        # Waits for a person's decisions, for days if need be: sent with DBOS.send / DBOSClient.send.
        await DBOS.set_event_async('waiting_for', [call.tool_call_id for call in result.output.approvals])
        decisions = await DBOS.recv_async('approvals', timeout_seconds=config.get('approval_timeout', 3600))
        results = DeferredToolResults(approvals=decisions)
        result = await durable_refunds.run(message_history=result.all_messages(), deferred_tool_results=results)
    return {'output': result.output, 'requests': result.usage().requests, 'pid': os.getpid()}


dbos_config: DBOSConfig = {
    'name': 'billing',
    'system_database_url': config['db_url'],
    'notification_listener_polling_interval_sec': 0.05,
    'scheduler_polling_interval_sec': 0.05,
    'log_level': 'WARNING',
}
if 'executor_id' in config:
    dbos_config['executor_id'] = config['executor_id']
DBOS(config=dbos_config)
DBOS.launch()
queue = DBOS.register_queue('billing-runs', worker_concurrency=config.get('concurrency'), polling_interval_sec=0.05)
mode = config['mode']
if mode == 'start':
    with SetWorkflowID(config['workflow_id']):
        if config.get('workflow') == 'refund':
            handle_ = DBOS.start_workflow(refund_flow, 'Refund order 7')
        else:
            handle_ = DBOS.start_workflow(handle, 'Charge 5 to the card')
    results = [handle_.get_result(polling_interval_sec=0.05)]
elif mode == 'recover':
    results = [DBOS.retrieve_workflow(config['workflow_id']).get_result(polling_interval_sec=0.05)]
elif mode == 'enqueue':
    handles = [queue.enqueue(handle, f'Charge {n}') for n in range(config['count'])]
    print(json.dumps({'workflow_ids': [h.get_workflow_id() for h in handles]}), flush=True)
    results = []
else:  # 'work': run queued workflows until told to stop; recover a dead executor's once the gate opens
    print(json.dumps({'ready': os.getpid()}), flush=True)
    dead = config.get('recover_executor')
    while not os.path.exists(config['stop_file']):
        if dead is not None and os.path.exists(config['gate_file']):
            # Without Conductor, a live worker takes over a dead one's runs: back on their queue, from their
            # last completed step.
            for status in DBOS.list_workflows(status='PENDING', executor_id=dead):
                DBOS.resume_workflow(status.workflow_id, queue_name=status.queue_name)
            dead = None
        time.sleep(0.05)
    results = []
print(json.dumps(results), flush=True)
DBOS.destroy()
