"""Durable runs on DBOS (extra `[dbos]`): an agent's runs as DBOS workflows, model requests and tool calls as steps.

DBOS checkpoints to a SQLite file by default (one process) and to Postgres when several processes
share the work. A completed step is never repeated after a crash; the step in flight runs again
(at least once per step). See the "Durable runs" page of the docs.
"""

from __future__ import annotations

from ._agent import DBOSAgent
from ._model import DBOSModel
from ._steps import StepConfig
from ._toolset import DBOSMCPToolset, DBOSToolset

__all__ = ('DBOSAgent', 'DBOSMCPToolset', 'DBOSModel', 'DBOSToolset', 'StepConfig')
