"""How a DBOS step of a durable run is configured, retried and named, and what may cross into one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic
import pydantic_core
from dbos import DBOS, StepOptions
from dbos._error import DBOSMaxStepRetriesExceeded

from ...exceptions import ModelAPIError, ModelHTTPError, UserError

__all__ = ('StepConfig', 'check_serialisable', 'model_error_is_transient', 'run_step')

T = TypeVar('T')


@dataclass(frozen=True)
class StepConfig:
    """How DBOS retries a failed step (the groq SDK's own retries are off inside steps).

    Attributes:
        max_attempts: Attempts in all, the first included; `1` never retries.
        interval_seconds: The wait before the first retry.
        backoff_rate: Each later wait is the one before times this.
    """

    max_attempts: int = 4
    interval_seconds: float = 1.0
    backoff_rate: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.interval_seconds < 0 or self.backoff_rate < 1:
            raise UserError(
                f'StepConfig needs max_attempts >= 1, interval_seconds >= 0 and backoff_rate >= 1; got {self}.'
            )


def model_error_is_transient(error: BaseException) -> bool:
    """Whether a failed model request may succeed if sent again: 429, 498 and 5xx, lost connections, timeouts.

    Everything else (`UserError`, `UnexpectedModelBehavior`, other 4xx) fails the step at once.
    """
    if isinstance(error, ModelHTTPError):
        return error.retryable
    return isinstance(error, ModelAPIError)


async def run_step(
    name: str,
    func: Callable[[], Coroutine[Any, Any, T]],
    config: StepConfig | None = None,
    should_retry: Callable[[BaseException], bool] | None = None,
) -> T:
    """Run `func` as the DBOS step `name` (checkpointed inside a workflow, a plain call outside one).

    A step whose retries are spent raises its last error, not DBOS's wrapper: the run fails as an
    undurable one would.
    """
    options: StepOptions = {'name': name}
    if config is not None and config.max_attempts > 1:
        options.update(
            retries_allowed=True,
            max_attempts=config.max_attempts,
            interval_seconds=config.interval_seconds,
            backoff_rate=config.backoff_rate,
            should_retry=should_retry,
        )
    try:
        return await DBOS.run_step_async(options, func)
    except DBOSMaxStepRetriesExceeded as e:
        if e.errors:
            raise e.errors[-1] from e
        raise  # pragma: no cover  (DBOS records at least the one attempt it made)


def check_serialisable(value: Any, adapter: pydantic.TypeAdapter[Any], what: str) -> bytes:
    """`value` as JSON through `adapter`, or a `UserError` naming the first field that cannot be serialised."""
    try:
        return adapter.dump_json(value)
    except (pydantic_core.PydanticSerializationError, ValueError, TypeError) as e:
        path = _unserialisable_path(value, what) or what
        raise UserError(
            f'{path} cannot be serialised to JSON ({e}); a durable run stores its deps to rebuild them when it '
            'resumes, so deps must be JSON data: dataclasses, pydantic models, dicts, lists, strings, numbers. '
            'Build clients and connections inside tools instead of passing them as deps.'
        ) from e


def _unserialisable_path(value: Any, path: str) -> str | None:
    """The dotted path to the innermost part of `value` that does not serialise, if one can be found."""
    try:
        pydantic_core.to_json(value)
    except (pydantic_core.PydanticSerializationError, ValueError, TypeError):
        pass
    else:
        return None
    children: list[tuple[str, Any]] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [(f'.{f.name}', getattr(value, f.name)) for f in dataclasses.fields(value)]
    elif isinstance(value, pydantic.BaseModel):
        children = [(f'.{name}', getattr(value, name)) for name in type(value).model_fields]
    elif isinstance(value, dict):
        children = [(f'[{key!r}]', item) for key, item in value.items()]  # pyright: ignore[reportUnknownVariableType]
    elif isinstance(value, list | tuple):
        children = [(f'[{index}]', item) for index, item in enumerate(value)]  # pyright: ignore[reportUnknownVariableType,reportUnknownArgumentType]
    for suffix, child in children:
        found = _unserialisable_path(child, path + suffix)
        if found is not None:
            return found
    return path
