"""Groq's rate-limit and retry headers as numbers: the one place they are parsed.

`parse_rate_limit_headers` reads the `x-ratelimit-*` headers of a response once; the model puts the
result in `provider_details['rate_limit']` and hands the same dict to its `GroqRateLimiter`.
`parse_retry_after` reads `retry-after-ms` / `retry-after` for `ModelHTTPError.retry_after`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from ._log import logger

__all__ = ('parse_duration', 'parse_rate_limit_headers', 'parse_retry_after', 'parse_wait')

_DURATION = re.compile(r'(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$')

_HEADER_FIELDS = {
    'x-ratelimit-limit-requests': 'limit_requests',
    'x-ratelimit-remaining-requests': 'remaining_requests',
    'x-ratelimit-reset-requests': 'reset_requests',
    'x-ratelimit-limit-tokens': 'limit_tokens',
    'x-ratelimit-remaining-tokens': 'remaining_tokens',
    'x-ratelimit-reset-tokens': 'reset_tokens',
}


def parse_duration(text: str) -> float | None:
    """Seconds in one of Groq's reset forms: `2m59.56s`, `7.66s`, `120ms`, `1h2m3s`, or a plain number.

    Returns `None` for anything else, including a negative, infinite or NaN number.
    """
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        match = _DURATION.match(text)
        if not text or match is None:
            return None
        hours, minutes, seconds, millis = (float(g) if g else 0.0 for g in match.groups())
        return hours * 3600 + minutes * 60 + seconds + millis / 1000
    return number if math.isfinite(number) and number >= 0 else None


def parse_wait(header: str, text: str | None, *, scale: float = 1.0) -> float | None:
    """A server-sent wait (`retry-after`, `retry-after-ms`, `x-ratelimit-reset-*`) in seconds, parsed strictly.

    A wait that is not a finite number of seconds, at least 0, is ignored with a warning on the
    `pydantic_ai_groq.models.groq` logger: an `inf`, a NaN or garbage never makes anyone wait, forever or at all.

    Args:
        header: The header's name, for the log line.
        text: The header's value; `None` when absent (no log line).
        scale: Seconds per unit (`0.001` for `retry-after-ms`).
    """
    if text is None:
        return None
    seconds = parse_duration(text)
    if seconds is None:
        logger.warning('Ignoring %s: %r is not a finite wait of 0 seconds or more', header, text)
        return None
    return seconds * scale


def parse_rate_limit_headers(headers: Mapping[str, str]) -> dict[str, float]:
    """The `x-ratelimit-*` headers as numbers: limits and remaining counts, resets in seconds.

    Keys: `limit_requests`, `remaining_requests`, `reset_requests`, `limit_tokens`,
    `remaining_tokens`, `reset_tokens` (those the response carried). Groq's request
    limits are per day, its token limits per minute.
    """
    parsed: dict[str, float] = {}
    for header, key in _HEADER_FIELDS.items():
        value = headers.get(header)
        if value is None:
            continue
        number = parse_wait(header, value) if key.startswith('reset') else _number(value)
        if number is not None:
            parsed[key] = number
    return parsed


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait an error response asks for, in seconds: `retry-after-ms` if readable, else `retry-after`.

    Args:
        headers: The response headers, names lower-cased.
    """
    if (ms := parse_wait('retry-after-ms', headers.get('retry-after-ms'), scale=0.001)) is not None:
        return ms
    return parse_wait('retry-after', headers.get('retry-after'))
