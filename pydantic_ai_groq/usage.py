"""Token usage of one request (`RequestUsage`) and of a whole run (`RunUsage`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import pydantic

from ._unknown_fields import keeps_unknown_fields, no_extra_fields
from .exceptions import UsageLimitExceeded

__all__ = ('RequestUsage', 'RunUsage', 'UsageLimits')


def _add_details(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    if not b:
        return dict(a)
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged.get(key, 0) + value
    return merged


def _summed_tokens(a: RequestUsage | RunUsage, b: RequestUsage | RunUsage) -> dict[str, Any]:
    """The token counts every usage has, summed, as keyword arguments for a new usage."""
    return {
        'input_tokens': a.input_tokens + b.input_tokens,
        'output_tokens': a.output_tokens + b.output_tokens,
        'details': _add_details(a.details, b.details),
        'cache_read_tokens': a.cache_read_tokens + b.cache_read_tokens,
    }


@keeps_unknown_fields()
@dataclass
class RequestUsage:
    """Tokens used by one model request.

    Attributes:
        input_tokens: Prompt tokens (cached ones included).
        output_tokens: Completion tokens (reasoning tokens included).
        details: Extra counts by name, e.g. `reasoning_tokens`, `dram_cached_tokens`,
            `sram_cached_tokens`.
        cache_read_tokens: Prompt tokens served from Groq's prompt cache
            (`prompt_tokens_details.cached_tokens`), where pydantic-ai keeps them.
        extra_fields: Counts of a loaded history we do not use (e.g. pydantic-ai's audio
            counts), kept as they came; a sum of usages does not carry them.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    details: dict[str, int] = field(default_factory=dict[str, int])
    cache_read_tokens: int = 0
    extra_fields: Annotated[dict[str, Any], pydantic.Field(exclude=True)] = field(
        default_factory=no_extra_fields, repr=False, kw_only=True
    )

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: RequestUsage) -> RequestUsage:
        return RequestUsage(**_summed_tokens(self, other))


@dataclass
class RunUsage:
    """Usage summed over a run: requests, tool calls and tokens.

    Attributes:
        requests: Model requests made.
        tool_calls: Function tool calls executed.
        input_tokens: Prompt tokens over all requests.
        output_tokens: Completion tokens over all requests.
        details: Extra counts by name, summed.
        cache_read_tokens: Prompt tokens served from Groq's prompt cache, over all requests.
    """

    requests: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    details: dict[str, int] = field(default_factory=dict[str, int])
    cache_read_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def incr(self, usage: RequestUsage) -> None:
        """Count one more request and add its tokens, in place."""
        self.requests += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_read_tokens += usage.cache_read_tokens
        if usage.details:
            self.details = _add_details(self.details, usage.details)

    def __add__(self, other: RunUsage | RequestUsage) -> RunUsage:
        if isinstance(other, RequestUsage):
            result = RunUsage(self.requests, self.tool_calls, self.input_tokens, self.output_tokens, self.details)
            result.cache_read_tokens = self.cache_read_tokens
            result.incr(other)
            return result
        return RunUsage(
            requests=self.requests + other.requests,
            tool_calls=self.tool_calls + other.tool_calls,
            **_summed_tokens(self, other),
        )


@dataclass
class UsageLimits:
    """Limits on a run's usage; exceeding one raises `UsageLimitExceeded` naming the limit and the figure.

    Attributes:
        request_limit: Most model requests in a run (checked before each request).
        tool_calls_limit: Most function tool calls executed in a run (checked before running them).
        input_tokens_limit: Most input tokens over the run (checked after each response).
        output_tokens_limit: Most output tokens over the run (checked after each response).
        total_tokens_limit: Most input plus output tokens over the run (checked after each response).
    """

    request_limit: int | None = 50
    tool_calls_limit: int | None = None
    input_tokens_limit: int | None = None
    output_tokens_limit: int | None = None
    total_tokens_limit: int | None = None

    def check_before_request(self, usage: RunUsage) -> None:
        """Raise if one more request would go past `request_limit`, or tokens are already past theirs."""
        if self.request_limit is not None and usage.requests + 1 > self.request_limit:
            raise UsageLimitExceeded(
                f'The next request would exceed the request_limit of {self.request_limit} '
                f'(requests made: {usage.requests})'
            )
        self.check_tokens(usage)

    def check_tokens(self, usage: RunUsage) -> None:
        """Raise if the tokens used so far are past a token limit."""
        for name, limit, used in (
            ('input_tokens_limit', self.input_tokens_limit, usage.input_tokens),
            ('output_tokens_limit', self.output_tokens_limit, usage.output_tokens),
            ('total_tokens_limit', self.total_tokens_limit, usage.total_tokens),
        ):
            if limit is not None and used > limit:
                raise UsageLimitExceeded(f'Exceeded the {name} of {limit} ({name.removesuffix("_limit")}={used})')

    def check_before_tool_calls(self, usage: RunUsage, count: int) -> None:
        """Raise if running `count` more tool calls would go past `tool_calls_limit`."""
        if self.tool_calls_limit is not None and usage.tool_calls + count > self.tool_calls_limit:
            raise UsageLimitExceeded(
                f'The next {count} tool call(s) would exceed the tool_calls_limit of {self.tool_calls_limit} '
                f'(tool_calls={usage.tool_calls})'
            )
