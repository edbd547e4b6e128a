"""Bring a store back to a consistent state after a crash, before a runner starts new jobs.

- Jobs still ``queued``/``running`` whose runner process is gone are marked ``interrupted`` (with a
  ``job-interrupted`` event so the progress log says so), never left running forever; if the job's take
  was stored, only its unsynced "awaiting review" state was lost, and that is restored instead. A job
  whose hosted provider job was journaled (and whose model can resume) is handed back to the caller to be
  followed again instead.
- An accept that crashed after committing the lecture but before marking its take accepted is completed:
  the lecture is the source of truth, so a pending take whose file is the committed video *is* accepted.
- A job still ``awaiting-review`` whose take was decided takes the take's status (that mirror is written
  without a folder fsync, so a power cut may lose it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import ACTIVE_JOB_STATUSES, JobRecord, JobStatus
from workbench.domain.models import TakeStatus
from workbench.errors import NotFoundError
from workbench.jobs.bus import EventBus
from workbench.jobs.events import Event, EventType
from workbench.jobs.lease import runner_is_alive
from workbench.store import LectureStore

__all__ = ["RecoveryReport", "recover_store"]

INTERRUPTED_MESSAGE = "Interrupted: the kernel or process running this job stopped. Regenerate to try again."


@dataclass(frozen=True)
class RecoveryReport:
    interrupted: tuple[str, ...] = ()
    completed_accepts: tuple[str, ...] = ()
    #: Orphaned jobs whose provider job can be polled again; the caller resumes them.
    resumable: tuple[JobRecord, ...] = ()


def recover_store(
    store: LectureStore,
    bus: EventBus | None = None,
    *,
    resumable: Callable[[JobRecord], bool] | None = None,
) -> RecoveryReport:
    """Repair what crashes left behind (see the module docstring); ``resumable`` picks jobs to hand back."""
    interrupted: list[str] = []
    to_resume: list[JobRecord] = []
    completed: list[str] = []
    with store.writing():
        takes_by_job = {row["job_id"]: row["take_id"] for row in store.takes().to_dict("records")}
        for job in store.job_records(store.jobs(status=ACTIVE_JOB_STATUSES)):
            if runner_is_alive(store.root, job.runner):
                continue
            take_id = takes_by_job.get(job.id)
            if take_id is not None:  # its take was stored: only the (unsynced) awaiting-review state was lost
                store.save_job(
                    replace(
                        job, status=JobStatus.AWAITING_REVIEW, take_id=take_id, updated_at=next_timestamp()
                    )
                )
                continue
            if resumable is not None and resumable(job):  # its provider job may still be running: follow it
                to_resume.append(job)
                continue
            store.save_job(
                replace(
                    job, status=JobStatus.INTERRUPTED, error=INTERRUPTED_MESSAGE, updated_at=next_timestamp()
                )
            )
            interrupted.append(job.id)
            if bus is not None:
                bus.publish(
                    Event(
                        EventType.JOB_INTERRUPTED, job.id, job.lecture_id, job.asset_id, INTERRUPTED_MESSAGE
                    )
                )
        for take in store.take_records(store.takes(status=TakeStatus.PENDING)):
            try:
                asset = store.lecture(take.lecture_id).asset(take.asset_id)
            except NotFoundError:
                continue
            if asset.path == take.path:
                store.update_take(replace(take, status=TakeStatus.ACCEPTED, decided_at=next_timestamp()))
                completed.append(take.id)
        for job in store.job_records(store.jobs(status=[JobStatus.AWAITING_REVIEW])):
            if job.take_id is None:
                continue
            try:
                decided = store.take(job.take_id).status
            except NotFoundError:
                continue
            if decided is not TakeStatus.PENDING:
                store.save_job(replace(job, status=JobStatus(str(decided)), updated_at=next_timestamp()))
    return RecoveryReport(tuple(interrupted), tuple(completed), tuple(to_resume))
