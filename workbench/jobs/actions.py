"""The entry points a UI, a notebook or a batch calls (the seed's "server action" layer).

Each one checks ownership and validates its input before anything starts or is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.images import check_image_covers
from workbench.domain.jobs import JobStatus
from workbench.domain.models import Lecture, Take, TakeStatus
from workbench.domain.ownership import check_owner
from workbench.domain.settings import VideoOverrides, resolve_video_settings
from workbench.errors import JobError, NotFoundError, OwnershipError, TakeStateError
from workbench.jobs.events import Event, EventType
from workbench.jobs.runner import JobHandle, JobSpec, Runner
from workbench.jobs.workflows.regenerate_video import KIND
from workbench.store import LectureStore

__all__ = [
    "accept_take",
    "cancel_job",
    "pending_previews",
    "preflight",
    "regenerate_video_segment",
    "reject_take",
    "replace_starting_image",
]


def preflight(
    runner: Runner,
    lecture_id: str,
    asset_id: str,
    overrides: VideoOverrides | Mapping[str, Any] | None = None,
) -> JobSpec:
    """Everything ``regenerate_video_segment`` checks, without starting a job (for dry runs and the UI).

    The settings are validated here, once; the spec carries them checked to the job and the backend.
    """
    store = runner.store
    lecture = store.lecture(lecture_id)
    check_owner(lecture, store.user)
    asset = lecture.asset(asset_id)
    over = VideoOverrides.from_mapping(overrides)
    resolved = resolve_video_settings(over, store.project(lecture.project_id), asset).check()
    backend = runner.registry.get(resolved.settings.model)
    image = lecture.starting_image(asset.starting_image_id)
    if image is not None:  # a slide far too small for the resolution is refused before anything starts
        check_image_covers(image.width, image.height, resolved.settings.resolution)
    warnings = tuple(backend.check(resolved.settings, dict(image.regions) if image else None))
    path_warnings = getattr(backend, "path_warnings", None)  # optional: models that plan on the image
    if image is not None and callable(path_warnings):
        warnings += tuple(path_warnings(resolved.settings, dict(image.regions), (image.width, image.height)))
    return JobSpec(KIND, lecture_id, asset_id, store.user, over, resolved, warnings)


def regenerate_video_segment(
    runner: Runner,
    lecture_id: str,
    asset_id: str,
    overrides: VideoOverrides | Mapping[str, Any] | None = None,
) -> JobHandle:
    """Start regenerating a segment's video; returns the job handle at once.

    Must be called with an event loop running (a notebook cell, a widget callback, ``asyncio.run``).
    """
    return runner.submit(preflight(runner, lecture_id, asset_id, overrides))


def _decidable_take(store: LectureStore, take_id: str) -> tuple[Take, Lecture]:
    take = store.take(take_id)
    lecture = store.lecture(take.lecture_id)
    check_owner(lecture, store.user)
    if take.status is not TakeStatus.PENDING:
        raise TakeStateError(
            f"This preview was already {take.status}; nothing changed. Reload to see the current video."
        )
    return take, lecture


def _commit_take(store: LectureStore, take_id: str) -> tuple[Take, Lecture]:
    """Replace the segment's video with the take, under the same asset id, in one version-checked write."""
    with store.writing():
        take, lecture = _decidable_take(store, take_id)
        asset = lecture.asset(take.asset_id)
        s = take.settings
        committed_asset = replace(
            asset,
            path=take.path,
            movie_directions=s.movie_directions,
            model=s.model,
            duration_s=s.duration_s,
            resolution=s.resolution,
            fps=s.fps,
            seed=s.seed,
            updated_at=next_timestamp(max(asset.updated_at, lecture.updated_at)),
            starting_image_version=take.starting_image_version,
        )
        committed = store.commit_lecture(
            lecture.with_asset(committed_asset), expected_version=lecture.version
        )
        accepted = replace(
            take, status=TakeStatus.ACCEPTED, decided_at=next_timestamp(), decided_by=store.user
        )
        store.update_take(accepted, expect_status=TakeStatus.PENDING)
        mirror_decision_on_job(store, take.job_id, JobStatus.ACCEPTED)
    return accepted, committed


def _reject(store: LectureStore, take_id: str) -> Take:
    with store.writing():
        take, _ = _decidable_take(store, take_id)
        rejected = replace(
            take, status=TakeStatus.REJECTED, decided_at=next_timestamp(), decided_by=store.user
        )
        store.update_take(rejected, expect_status=TakeStatus.PENDING)
        mirror_decision_on_job(store, take.job_id, JobStatus.REJECTED)
    return rejected


def mirror_decision_on_job(store: LectureStore, job_id: str, status: JobStatus) -> None:
    """Mirror a take's decision on its job. Not fsynced to the folder: recovery re-derives it from the take."""
    try:
        job = store.job(job_id)
    except NotFoundError:
        return  # a take imported without a job record
    store.save_job(replace(job, status=status, updated_at=next_timestamp(job.updated_at)), durable=False)


async def accept_take(runner: Runner, take_id: str) -> Lecture:
    """Commit a pending take as the segment's video, then publish ``video-complete``; returns the lecture."""
    # the job's last state first (a batch's waits for company), so "accepted" comes after it in the store
    await runner.written()
    take, committed = await asyncio.to_thread(_commit_take, runner.store, take_id)
    asset = committed.asset(take.asset_id)
    runner.bus.publish(
        Event(
            EventType.VIDEO_COMPLETE,
            take.job_id,
            take.lecture_id,
            take.asset_id,
            "Accepted: the segment now plays the new video.",
            {
                "take_id": take.id,
                "path": asset.path,
                "updated_at": asset.updated_at,
                "version": committed.version,
                **decided_by(runner),
            },
        )
    )
    return committed


async def reject_take(runner: Runner, take_id: str) -> Take:
    """Mark a pending take rejected (its file stays in history); the lecture is not touched."""
    await runner.written()  # as in accept_take: "rejected" follows the job's last recorded state
    take = await asyncio.to_thread(_reject, runner.store, take_id)
    runner.bus.publish(
        Event(
            EventType.VIDEO_REJECTED,
            take.job_id,
            take.lecture_id,
            take.asset_id,
            "Rejected: the committed video is unchanged.",
            {"take_id": take.id, **decided_by(runner)},
        )
    )
    return take


def decided_by(runner: Runner) -> dict[str, str]:
    """Who decided, for sessions in other processes that tell their user what changed under them."""
    by = {"decided_by": runner.store.user}
    if runner.label:
        by["source"] = runner.label
    return by


def cancel_job(runner: Runner, job_id: str) -> bool:
    """Cancel a queued or generating job of this session. False if it already finished generating."""
    handle = runner.handle(job_id)
    if handle.record.user != runner.store.user:
        raise OwnershipError(f"Job {job_id} was started by {handle.record.user!r}; only they can cancel it.")
    if not handle.record.is_active and handle.done():
        raise JobError(f"Job {job_id} is already {handle.status}; there is nothing to cancel.")
    return runner.cancel(job_id)


def pending_previews(store: LectureStore, lecture_id: str, asset_id: str | None = None) -> list[Take]:
    """Takes awaiting review, oldest first: what a restarted kernel re-opens the preview dialog for."""
    return store.take_records(
        store.takes(lecture_id=lecture_id, asset_id=asset_id, status=TakeStatus.PENDING)
    )


def replace_starting_image(store: LectureStore, lecture_id: str, asset_id: str, image: bytes) -> Lecture:
    """Store ``image`` (validated: it must decode, within the pixel limits and large enough for the segment's
    resolution) and make it the segment's starting image.

    The image file is written first and removed again if the lecture commit is refused, so nothing is left
    half-done. The committed video is unchanged: regenerate to use the new image.
    """
    lecture = store.lecture(lecture_id)
    check_owner(lecture, store.user)
    asset = lecture.asset(asset_id)
    resolution = resolve_video_settings(None, store.project(lecture.project_id), asset).settings.resolution
    stored = store.import_starting_image(lecture_id, image, for_resolution=resolution)

    def attach(current: Lecture) -> Lecture:
        asset = replace(current.asset(asset_id), starting_image_id=stored.id)
        return replace(current.with_asset(asset), starting_images=(*current.starting_images, stored))

    try:
        return store.update_lecture(lecture_id, attach, expected_version=lecture.version)
    except BaseException:
        store.media_path(stored.path).unlink(missing_ok=True)
        raise
