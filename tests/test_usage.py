from __future__ import annotations

from pydantic_ai_groq.usage import RequestUsage, RunUsage


def test_request_usage_adds():
    a = RequestUsage(10, 5, {'reasoning_tokens': 2})
    b = RequestUsage(1, 1, {'reasoning_tokens': 1, 'dram_cached_tokens': 4}, cache_read_tokens=4)
    total = a + b
    assert total == RequestUsage(11, 6, {'reasoning_tokens': 3, 'dram_cached_tokens': 4}, cache_read_tokens=4)
    assert total.total_tokens == 17
    assert a == RequestUsage(10, 5, {'reasoning_tokens': 2})  # operands untouched
    assert a + RequestUsage() == a


def test_run_usage_counts_requests_and_adds():
    run = RunUsage()
    run.incr(RequestUsage(10, 5, {'reasoning_tokens': 2}))
    run.incr(RequestUsage(3, 1, cache_read_tokens=2))
    run.tool_calls += 2
    assert run == RunUsage(2, 2, 13, 6, {'reasoning_tokens': 2}, cache_read_tokens=2)
    assert run.total_tokens == 19

    plus_request = run + RequestUsage(1, 1, {'sram_cached_tokens': 1}, cache_read_tokens=1)
    assert plus_request == RunUsage(3, 2, 14, 7, {'reasoning_tokens': 2, 'sram_cached_tokens': 1}, cache_read_tokens=3)
    assert run.requests == 2  # operands untouched
    assert run.details == {'reasoning_tokens': 2}

    assert run + RunUsage(1, 1, 1, 1, {'reasoning_tokens': 1}, cache_read_tokens=1) == RunUsage(
        3, 3, 14, 7, {'reasoning_tokens': 3}, cache_read_tokens=3
    )
