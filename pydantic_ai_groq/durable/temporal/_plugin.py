"""Temporal plugins: our messages through the pydantic payload converter, our modules through the sandbox."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

# Imported before any workflow runs: anyio picks its backend module on first use, and importing it inside the
# sandbox fails, which leaves a run whose tools run concurrently (a task group) waiting forever.
import anyio._backends._asyncio  # noqa: F401  # pyright: ignore[reportUnusedImport]

# Imported before any workflow runs: pydantic imports it on the first dataclass it converts, and an import
# after the sandbox's first workflow load is warned about (by older temporalio versions).
import pydantic.dataclasses  # noqa: F401  # pyright: ignore[reportUnusedImport]
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultPayloadConverter
from temporalio.plugin import SimplePlugin
from temporalio.worker import WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from ...exceptions import AgentGroqError, UserError

if TYPE_CHECKING:
    from ._agent import TemporalAgent

__all__ = ('PASSTHROUGH_MODULES', 'AgentPlugin', 'PydanticAIGroqPlugin')

PASSTHROUGH_MODULES = (
    'pydantic_ai_groq',
    'pydantic',
    'pydantic_core',
    'annotated_types',
    'typing_extensions',
    'typing_inspection',
    'httpx',
    'httpcore',
    'anyio',
    'sniffio',
    'groq',
    'docstring_parser',
    'opentelemetry',
)
"""Modules the workflow sandbox takes as they are, not re-imported per workflow run: they are deterministic
where workflow code uses them, and re-importing them (pydantic's schemas, the SDK) would cost every run."""


class PydanticAIGroqPlugin(SimplePlugin):
    """The client plugin for agents run by `TemporalAgent` (workers of the client get it too).

    ```python
    client = await Client.connect('localhost:7233', plugins=[PydanticAIGroqPlugin()])
    worker = Worker(client, task_queue='agents', workflows=[Support], plugins=[AgentPlugin(temporal_agent)])
    ```

    It sets Temporal's pydantic payload converter (messages, responses and tool results cross as our
    dataclasses), lets our modules, pydantic, httpx, anyio and groq through the workflow sandbox, and
    makes the package's errors (`UserError`, `UnexpectedModelBehavior`, `UsageLimitExceeded`, ...)
    fail the workflow instead of retrying its task forever.
    """

    def __init__(self) -> None:
        super().__init__(  # pyright: ignore[reportUnknownMemberType]
            'pydantic_ai_groq.PydanticAIGroqPlugin',
            data_converter=_data_converter,
            workflow_runner=_workflow_runner,
            workflow_failure_exception_types=[AgentGroqError],
        )


class AgentPlugin(SimplePlugin):
    """A worker plugin that registers the activities of `TemporalAgent`s.

    Args:
        *agents: The agents whose workflows the worker runs.
    """

    def __init__(self, *agents: TemporalAgent[Any, Any]) -> None:
        names = ', '.join(agent.name for agent in agents)
        super().__init__(  # pyright: ignore[reportUnknownMemberType]
            f'pydantic_ai_groq.AgentPlugin({names})',
            activities=[activity for agent in agents for activity in agent.temporal_activities],
        )


def _data_converter(converter: DataConverter | None) -> DataConverter:
    if converter is None or converter.payload_converter_class is DefaultPayloadConverter:
        return dataclasses.replace(converter or DataConverter.default, payload_converter_class=PydanticPayloadConverter)
    if issubclass(converter.payload_converter_class, PydanticPayloadConverter):
        return converter
    raise UserError(
        f'The client has payload converter {converter.payload_converter_class.__name__}; agents need '
        "Temporal's PydanticPayloadConverter (or a subclass) for their messages."
    )


def _workflow_runner(runner: WorkflowRunner | None) -> WorkflowRunner:
    if isinstance(runner, SandboxedWorkflowRunner):
        return dataclasses.replace(runner, restrictions=_restrictions(runner.restrictions))
    if runner is not None:
        return runner  # an unsandboxed runner lets everything through
    return SandboxedWorkflowRunner(restrictions=_restrictions(SandboxRestrictions.default))


def _restrictions(restrictions: Any, modules: Sequence[str] = PASSTHROUGH_MODULES) -> Any:
    passthrough: Callable[..., Any] = restrictions.with_passthrough_modules
    return passthrough(*modules)
