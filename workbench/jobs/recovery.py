"""Bring a store back to a consistent state after a crash, before a runner starts new jobs.

- Jobs still ``queued``/``running`` whose runner process is gone are marked ``interrupted`` (with a
  ``job-interrupted`` event so the progress log says so), never left running forever; if the job's take
  was stored, only its unsynced "awaiting review" state was lost, and that is restored instead. A job
  whose hosted provider job was journaled (and whose model can resume) is handed back to the caller to be
  followed again instead.
- An accept that crashed after committing the lecture but before marking its take accepted is completed:
  the lecture is the source of truth, so a pending take whose file is the committed video *is* accepted
  (``decided_by`` is the lecture's owner: only the owner can accept).
- A job still ``awaiting-review`` whose take was decided takes the take's status (that mirror is written
  without a folder fsync, so a power cut may lose it).
- Litter is swept: lease files of dead runners are removed, and in the takes folders, files no take records
  (a crash between rendering and recording) and half-written ``.partial``/``.part`` files are moved to
  ``trash/`` (never deleted: a generated video may have cost money), one log line each. While another
  runner is alive, only files older than ``orphan_grace_s`` go, as that runner may be about to record them.

Only lectures the current user owns are repaired (the store refuses other writes); a damaged lecture or
segment is skipped with a warning, and its repair waits until the file is fixed. :func:`recover_store_async`
runs all of it in a worker thread, so the event loop (a notebook's kernel) never waits on parquet reads and
fsyncs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import ACTIVE_JOB_STATUSES, JobRecord, JobStatus
from workbench.domain.models import TakeStatus
from workbench.errors import CorruptFileError, NotFoundError, WorkbenchError
from workbench.jobs.bus import EventBus
from workbench.jobs.events import Event, EventType
from workbench.jobs.lease import lease_ids, runner_is_alive
from workbench.store import LectureStore

__all__ = ["ORPHAN_GRACE_S", "RecoveryReport", "recover_store", "recover_store_async"]

log = logging.getLogger("workbench.jobs")

INTERRUPTED_MESSAGE = "Interrupted: the kernel or process running this job stopped. Regenerate to try again."
#: While another runner is alive, an unrecorded take file must be this old before it counts as orphaned.
ORPHAN_GRACE_S = 900.0


@dataclass(frozen=True)
class RecoveryReport:
    interrupted: tuple[str, ...] = ()
    completed_accepts: tuple[str, ...] = ()
    #: Orphaned jobs whose provider job can be polled again; the caller resumes them.
    resumable: tuple[JobRecord, ...] = ()
    #: Store-relative paths moved to the trash, and lease files of dead runners removed.
    trashed: tuple[str, ...] = ()
    stale_leases: tuple[str, ...] = ()
    #: Lectures left alone: another user's, or damaged (id → why).
    skipped: tuple[tuple[str, str], ...] = ()


def _takes_of(store: LectureStore, job_ids: set[str]) -> dict[str, str]:
    """The take each of ``job_ids`` stored (video or image), by job id: only those rows are turned into
    Python values, so a store with a long history starts a runner as fast as a new one."""
    found: dict[str, str] = {}
    for frame in (store.takes(), store.image_takes()):
        mine = frame[frame["job_id"].isin(job_ids)]
        found.update(zip(mine["job_id"], mine["take_id"], strict=True))
    return found


def recover_store(
    store: LectureStore,
    bus: EventBus | None = None,
    *,
    resumable: Callable[[JobRecord], bool] | None = None,
    own_runner: str | None = None,
    orphan_grace_s: float = ORPHAN_GRACE_S,
) -> RecoveryReport:
    """Repair what crashes left behind (see the module docstring); ``resumable`` picks jobs to hand back.

    ``own_runner`` is the calling runner's lease id: it does not count as "another runner alive".
    """
    interrupted: list[str] = []
    to_resume: list[JobRecord] = []
    completed: list[str] = []
    skipped: dict[str, str] = {}

    def writable(lecture_id: str) -> bool:
        if lecture_id not in skipped and not store.may_write(lecture_id):
            skipped[lecture_id] = _why_not(store, lecture_id)
            log.warning("Recovery leaves lecture %r alone: %s", lecture_id, skipped[lecture_id])
        return lecture_id not in skipped

    with store.writing():
        stale = _sweep_leases(store.root, own_runner)
        active = store.job_records(store.jobs(status=ACTIVE_JOB_STATUSES))
        takes_by_job = _takes_of(store, {job.id for job in active}) if active else {}
        for job in active:
            if runner_is_alive(store.root, job.runner) or not writable(job.lecture_id):
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
            if not writable(take.lecture_id):
                continue
            try:
                lecture = store.lecture(take.lecture_id)
                asset = lecture.asset(take.asset_id)
            except (NotFoundError, CorruptFileError):  # a removed or damaged segment: nothing to complete
                continue
            if asset.path == take.path:
                store.update_take(
                    replace(
                        take,
                        status=TakeStatus.ACCEPTED,
                        decided_at=next_timestamp(),
                        decided_by=lecture.owner,
                    )
                )
                completed.append(take.id)
        for image_take in store.image_take_records(store.image_takes(status=TakeStatus.PENDING)):
            if not writable(image_take.lecture_id):
                continue
            try:
                lecture = store.lecture(image_take.lecture_id)
            except (NotFoundError, CorruptFileError):
                continue
            if any(i.path == image_take.path and i.damage is None for i in lecture.starting_images):
                store.update_image_take(
                    replace(
                        image_take,
                        status=TakeStatus.ACCEPTED,
                        decided_at=next_timestamp(),
                        decided_by=lecture.owner,
                    )
                )
                completed.append(image_take.id)
        for job in store.job_records(store.jobs(status=[JobStatus.AWAITING_REVIEW])):
            if job.take_id is None or not writable(job.lecture_id):
                continue
            try:
                decided = _take_status(store, job.take_id)
            except NotFoundError:
                continue
            if decided is not TakeStatus.PENDING:
                store.save_job(replace(job, status=JobStatus(str(decided)), updated_at=next_timestamp()))
        others_alive = any(r != own_runner for r in lease_ids(store.root) if runner_is_alive(store.root, r))
        trashed = _sweep_orphans(store, 0.0 if not others_alive else orphan_grace_s, writable)
    return RecoveryReport(
        tuple(interrupted),
        tuple(completed),
        tuple(to_resume),
        tuple(trashed),
        tuple(stale),
        tuple(skipped.items()),
    )


async def recover_store_async(
    store: LectureStore,
    bus: EventBus | None = None,
    *,
    resumable: Callable[[JobRecord], bool] | None = None,
    own_runner: str | None = None,
    orphan_grace_s: float = ORPHAN_GRACE_S,
) -> RecoveryReport:
    """:func:`recover_store` in a worker thread: the event loop stays free while it reads and fsyncs."""
    return await asyncio.to_thread(
        recover_store, store, bus, resumable=resumable, own_runner=own_runner, orphan_grace_s=orphan_grace_s
    )


def _take_status(store: LectureStore, take_id: str) -> TakeStatus:
    """The review state of a video take or an image take."""
    try:
        return store.take(take_id).status
    except NotFoundError:
        return store.image_take(take_id).status


def _why_not(store: LectureStore, lecture_id: str) -> str:
    try:
        store.check_may_write(lecture_id)
    except WorkbenchError as exc:
        return exc.message if exc.detail is None else f"{exc.message} ({exc.detail})"
    return "unknown"


def _sweep_leases(root: Path, own_runner: str | None) -> list[str]:
    """Remove the lease files of runners whose process is gone (``runner_is_alive`` removes a dead one's)."""
    removed = []
    for runner_id in lease_ids(root):
        if runner_id != own_runner and not runner_is_alive(root, runner_id):
            removed.append(runner_id)
            log.info("Removed the lease of runner %s, whose process has ended.", runner_id)
    return removed


def _sweep_orphans(store: LectureStore, grace_s: float, writable: Callable[[str], bool]) -> list[str]:
    """Move unrecorded take files and half-written files of owned lectures to the trash."""
    if store.damaged_table_files("takes") or store.damaged_table_files("image_takes"):
        log.warning(
            "Recovery does not sweep take files while a takes table has damaged files: their records are "
            "unreadable, so their files would look unrecorded."
        )
        return []
    recorded = set(store.takes()["path"]) | set(store.image_takes()["path"])
    cutoff = time.time() - grace_s
    trashed: list[str] = []
    for lecture_id in store.media_lecture_ids():
        files = store.media_files(lecture_id, "takes")
        if not files or not store.has_lecture(lecture_id) or not writable(lecture_id):
            continue
        committed = _committed_paths(store, lecture_id)
        for relative, mtime in files:
            name = relative.rsplit("/", 1)[-1]
            if mtime > cutoff or relative in recorded or relative in committed:
                continue
            reason = (
                "a half-written file left by a process that stopped"
                if name.startswith(".")
                else "a generated file that no take records (its process stopped before recording it)"
            )
            store.move_to_trash(relative, reason=reason)
            trashed.append(relative)
    return trashed


def _committed_paths(store: LectureStore, lecture_id: str) -> set[str]:
    """Paths the lecture's segments and starting images point at, damaged entries' stored paths included (an
    accepted image take stays in the takes folder as the committed starting image)."""
    lecture = store.lecture(lecture_id)
    paths = set()
    for entry in (*lecture.videos, *lecture.starting_images):
        raw = entry.damage.raw.get("path") if entry.damage is not None else entry.path
        if isinstance(raw, str):
            paths.add(raw)
    return paths
