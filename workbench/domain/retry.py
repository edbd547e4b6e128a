"""When to retry a failed generation or call, apart from how the caller waits (strategy vs decision).

Only :class:`TransientBackendError` (rate limits, 5xx, dropped connections) is retried. A missing starting
image, bad settings, moderation or a cancel never are: retrying cannot fix them and may cost money.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from workbench.errors import TransientBackendError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` in all (1 = never retry); exponential backoff with full jitter, capped."""

    max_attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay_for(self, error: BaseException, attempt: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up."""
        if not isinstance(error, TransientBackendError) or attempt >= self.max_attempts:
            return None
        pick = (rng or random).uniform
        if error.retry_after is not None:
            return self.honour_retry_after(error.retry_after, pick)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return pick(ceiling / 2, ceiling)

    def honour_retry_after(self, seconds: float, pick: Callable[[float, float], float]) -> float | None:
        """The wait for a backend that said when to come back (capped at ``max_delay_s``)."""
        return min(max(seconds, 0.0), self.max_delay_s)
