"""Token usage of one request (`RequestUsage`) and of a whole run (`RunUsage`)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ('RequestUsage', 'RunUsage')


def _add_details(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    if not b:
        return dict(a)
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged.get(key, 0) + value
    return merged


@dataclass
class RequestUsage:
    """Tokens used by one model request.

    Attributes:
        input_tokens: Prompt tokens.
        output_tokens: Completion tokens (reasoning tokens included).
        details: Extra counts by name, e.g. `reasoning_tokens`, `cached_tokens`,
            `dram_cached_tokens`, `sram_cached_tokens`.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    details: dict[str, int] = field(default_factory=dict[str, int])

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: RequestUsage) -> RequestUsage:
        return RequestUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            details=_add_details(self.details, other.details),
        )


@dataclass
class RunUsage:
    """Usage summed over a run: requests, tool calls and tokens.

    Attributes:
        requests: Model requests made.
        tool_calls: Function tool calls executed.
        input_tokens: Prompt tokens over all requests.
        output_tokens: Completion tokens over all requests.
        details: Extra counts by name, summed.
    """

    requests: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    details: dict[str, int] = field(default_factory=dict[str, int])

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def incr(self, usage: RequestUsage) -> None:
        """Count one more request and add its tokens, in place."""
        self.requests += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        if usage.details:
            self.details = _add_details(self.details, usage.details)

    def __add__(self, other: RunUsage | RequestUsage) -> RunUsage:
        if isinstance(other, RequestUsage):
            result = RunUsage(self.requests, self.tool_calls, self.input_tokens, self.output_tokens, self.details)
            result.incr(other)
            return result
        return RunUsage(
            requests=self.requests + other.requests,
            tool_calls=self.tool_calls + other.tool_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            details=_add_details(self.details, other.details),
        )
