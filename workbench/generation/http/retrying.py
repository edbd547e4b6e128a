"""How long a hosted backend waits before repeating a call that failed transiently.

Only :class:`~workbench.errors.TransientBackendError` is repeated, and the transport raises it only where
repeating is safe (rate limits, 5xx and dropped connections on idempotent calls, refusals before anything
ran). ``Retry-After`` is honoured in full (plus up to 10% jitter so that many notebooks do not return in
step); otherwise the wait is exponential with full jitter, capped. When the attempts run out the error goes
to the job runner, which may run the whole generation again: that resumes the journaled provider job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.domain.retry import RetryPolicy

__all__ = ["CallRetry"]


@dataclass(frozen=True)
class CallRetry(RetryPolicy):
    """``max_attempts`` per call in all; a ``Retry-After`` longer than ``max_retry_after_s`` is not waited."""

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 300.0

    def honour_retry_after(self, seconds: float, pick: Callable[[float, float], float]) -> float | None:
        if seconds > self.max_retry_after_s:
            return None
        return max(0.0, seconds) * pick(1.0, 1.1)
