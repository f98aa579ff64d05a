"""Batch runs: 100,000 single-turn inputs through `Agent.run_batch` on the emulator's Batch API.

- memory: the peak resident set (`VmHWM`, else `ru_maxrss`) of a process that runs the whole job (results
  streamed to a file); its resident set after the imports is in the notes. At most `MAX_LIVE_RUNS` runs
  are alive at once, so the peak does not grow with the number of inputs.
- CPU per input: the job's process time per input, against `agent.run` over inputs answered with the
  same replies (the emulator's default policy), each in its own process, sequential requests over a
  loopback socket.

The emulator serves from this process (a thread), so its work is not counted in either child.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio

from ._harness import Options, Row, Target

__all__ = ('run',)

INPUTS = 100_000
QUICK_INPUTS = 10_000
RUN_INPUTS = 2_000
MEMORY = f'batch: peak RSS of a run_batch job, {INPUTS:,} inputs'
FLAT = 'batch: peak RSS, 10x the inputs (flat memory)'
CPU = 'batch: CPU per input, run_batch vs agent.run'
_MIB = 1024 * 1024


def run(options: Options) -> list[Row]:
    """The rows of this suite."""
    if not (options.wants(MEMORY) or options.wants(FLAT) or options.wants(CPU)):
        return []
    from pydantic_ai_groq.testing import BatchTiming, GroqEmulator

    count = QUICK_INPUTS if options.quick else INPUTS
    emulator = GroqEmulator(keep_requests=0)
    emulator.batches.timing = BatchTiming(0, 0, 0)
    with emulator.serve() as url, tempfile.TemporaryDirectory() as directory:
        batch = _child('batch', count, url, directory)
        tenth = _child('batch', count // 10, url, directory + '/tenth')
        single = _child('run', RUN_INPUTS, url, directory)
    notes = [
        f'{count:,} inputs in {batch["wall_s"]:.0f} s; RSS after imports {batch["base_rss"] / _MIB:.0f} MiB, '
        f'peak {batch["peak_rss"] / _MIB:.0f} MiB; agent.run: {RUN_INPUTS:,} sequential runs',
    ]
    per_batch = batch['cpu_s'] / count * 1e6
    per_run = single['cpu_s'] / RUN_INPUTS * 1e6
    return [
        Row(MEMORY.replace(f'{INPUTS:,}', f'{count:,}'), batch['peak_rss'] / _MIB, None, 'MiB', Target('ours', 200)),
        Row(FLAT, batch['peak_rss'] / _MIB, tenth['peak_rss'] / _MIB, 'MiB', Target('ratio', 1.25)),
        Row(CPU, per_batch, per_run, 'µs', Target('ratio', 1.0), notes=notes),
    ]


def _child(mode: str, count: int, url: str, directory: str) -> dict[str, float]:
    command = [sys.executable, '-m', 'bench.batch', mode, str(count), url, directory]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f'bench.batch {mode} failed:\n{done.stderr}')
    return json.loads(done.stdout.splitlines()[-1])


async def _job(mode: str, count: int, url: str, directory: str) -> dict[str, float]:
    from pydantic_ai_groq import Agent
    from pydantic_ai_groq.models.groq import GroqModel

    model = GroqModel('llama-3.1-8b-instant', api_key='bench', base_url=url)
    agent = Agent(model, instructions='Answer in one word.')
    await model.list_models()  # the client's first request (platform lookup, connection): not the job's
    base_rss = _peak_rss()
    cpu, wall = time.process_time(), time.perf_counter()
    inputs = (f'Question number {index}?' for index in range(count))
    Path(directory).mkdir(exist_ok=True)
    if mode == 'batch':
        results = await agent.run_batch(inputs, poll_interval=0.05, results_path=Path(directory) / 'out.jsonl')
        assert results.counts.completed == count, results.counts
    else:
        for prompt in inputs:
            result = await agent.run(prompt)
            assert result.output == 'success (no tool calls)'
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await model.client.close()
    peak = _peak_rss()
    return {'cpu_s': cpu, 'wall_s': wall, 'base_rss': base_rss, 'peak_rss': peak}


def _peak_rss() -> int:
    """This process's peak resident set in bytes: Linux's `VmHWM` (reset by exec, unlike `ru_maxrss`)."""
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)


if __name__ == '__main__':
    print(json.dumps(anyio.run(_job, sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])))
