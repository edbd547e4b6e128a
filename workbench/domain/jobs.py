"""Job records: the durable state of one regeneration, as the store keeps it.

Review is data, not a suspended coroutine: a job that produced a take waits in ``AWAITING_REVIEW`` until
anyone, in any session, accepts or rejects the take. A job found ``QUEUED``/``RUNNING`` when a store is
reopened after a crash had no live runner and is marked ``INTERRUPTED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["ACTIVE_JOB_STATUSES", "FINAL_JOB_STATUSES", "JobRecord", "JobStatus"]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    AWAITING_REVIEW = "awaiting-review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


ACTIVE_JOB_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
FINAL_JOB_STATUSES = frozenset(
    {JobStatus.ACCEPTED, JobStatus.REJECTED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED}
)


@dataclass(frozen=True)
class JobRecord:
    """One job's latest state. ``settings`` are the effective settings (as a dict) it runs with."""

    id: str
    kind: str
    lecture_id: str
    asset_id: str
    user: str
    status: JobStatus
    created_at: str
    updated_at: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict)
    take_id: str | None = None
    #: What went wrong, in words for a person; ``error_detail`` holds the technical specifics apart (never
    #: joined into one string: a message may itself contain parentheses).
    error: str | None = None
    attempts: int = 0
    provider_job_id: str | None = None
    #: The runner that owns the job while it is active (see ``jobs/lease.py``).
    runner: str | None = None
    error_detail: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES
