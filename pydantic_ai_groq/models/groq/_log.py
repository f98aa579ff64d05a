"""The logger of `GroqModel`, its retries and its model catalogue (docs/observability.md lists what it says).

Lines name models, statuses, error codes and waits; never the API key, a prompt or a generation.
"""

from __future__ import annotations

import logging

__all__ = ('logger',)

logger = logging.getLogger('pydantic_ai_groq.models.groq')
