"""Benchmarks: our cost as ratios against the raw `groq` SDK, measured in the same run.

`python -m bench` (or `make bench`) runs every suite listed in `bench.__main__.SUITES` and
prints one table; `-k TEXT` runs only the benchmarks whose name contains TEXT, `--quick`
makes a noisier smoke run, `--check` exits 1 when a target is missed.

A suite is a module with `run(options: Options) -> list[Row]` (both from `bench._harness`).
Time async contenders with `bench._harness.time_pair` (interleaved, same event loop, medians,
ratio ours/baseline), check they produce the same result with `check_equal` before timing,
and give them a client from `bench._transport.make_client` answering with bytes from
`bench._wire`, so no socket or server adds noise.

This package imports nothing at import time, so the fresh-process probes (`bench.imports`,
`bench._first_request`) can run from it without skewing what they measure.
"""
