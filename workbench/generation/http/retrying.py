"""How long a hosted backend waits before repeating a call that failed transiently.

Only :class:`~workbench.errors.TransientBackendError` is repeated, and the transport raises it only where
repeating is safe (rate limits, 5xx and dropped connections on idempotent calls, refusals before anything
ran). ``Retry-After`` is honoured in full (plus up to 10% jitter so that many notebooks do not return in
step); otherwise the wait is exponential with full jitter, capped. When the attempts run out the error goes
to the job runner, which may run the whole generation again: that resumes the journaled provider job.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from workbench.errors import TransientBackendError

__all__ = ["CallRetry"]


@dataclass(frozen=True)
class CallRetry:
    """``max_attempts`` per call in all; a ``Retry-After`` longer than ``max_retry_after_s`` is not waited."""

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 300.0

    def delay_for(self, error: BaseException, attempt: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up."""
        if not isinstance(error, TransientBackendError) or attempt >= self.max_attempts:
            return None
        pick = (rng or random).uniform
        if error.retry_after is not None:
            if error.retry_after > self.max_retry_after_s:
                return None
            return max(0.0, error.retry_after) * pick(1.0, 1.1)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return pick(ceiling / 2, ceiling)
