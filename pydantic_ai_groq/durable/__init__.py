"""Durable runs: agents as DBOS or Temporal workflows (extras [dbos], [temporal])."""
