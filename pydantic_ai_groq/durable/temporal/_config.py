"""How activities are scheduled: timeouts and the retry policy, as `workflow.execute_activity` takes them."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from typing_extensions import TypedDict

__all__ = ('DEFAULT_ACTIVITY_CONFIG', 'ActivityConfig', 'merge_configs')


class ActivityConfig(TypedDict, total=False):
    """Options of `workflow.execute_activity` for the agent's activities (all optional).

    Attributes:
        task_queue: The task queue to run the activity on; the workflow's by default.
        schedule_to_close_timeout: The longest an activity may take, all attempts together.
        schedule_to_start_timeout: The longest an activity may wait for a worker.
        start_to_close_timeout: The longest one attempt may take.
        heartbeat_timeout: An attempt that does not heartbeat for this long is retried on another worker
            (the activities heartbeat on their own while they wait, so a lost worker is noticed this soon).
        retry_policy: How attempts are retried; errors that retrying cannot fix are never retried.
    """

    task_queue: str
    schedule_to_close_timeout: timedelta
    schedule_to_start_timeout: timedelta
    start_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


DEFAULT_ACTIVITY_CONFIG: ActivityConfig = {
    'start_to_close_timeout': timedelta(seconds=60),
    'retry_policy': RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=60)),
}
"""One minute an attempt, five attempts with Temporal's exponential backoff (1 s, 2 s, 4 s, ...)."""


def merge_configs(*configs: ActivityConfig | None) -> ActivityConfig:
    """The configs laid over each other, later ones winning key by key."""
    merged: ActivityConfig = {}
    for config in configs:
        if config:
            merged.update(config)
    return merged
