"""The starting-image flow's entry points: the twin of ``actions.py`` for a segment's starting image.

- :func:`regenerate_starting_image` checks ownership, validates the overrides, resolves the image settings
  (editor overrides → project image defaults → the segment's image → built-in defaults, with provenance),
  asks the model what it cannot honour, and submits ``app/regenerate-starting-image``; returns the handle.
- :func:`accept_image_take` replaces the segment's starting image in one version-checked commit *under the same
  starting-image id* (every segment and clip that refers to it keeps resolving), then publishes
  ``image-complete``. The committed video is not touched: it now counts as made from an older image
  (``Lecture.video_is_outdated``) until someone regenerates it; nothing regenerates it by itself.
- :func:`reject_image_take` marks the take rejected; the lecture stays byte for byte as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.image_settings import ImageOverrides, ResolvedImageSettings, resolve_image_settings
from workbench.domain.jobs import JobStatus
from workbench.domain.models import ImageTake, Lecture, Project, StartingImage, TakeStatus
from workbench.domain.ownership import check_owner
from workbench.domain.settings import resolve_video_settings
from workbench.errors import InvalidSettingError, TakeStateError
from workbench.jobs.actions import decided_by, mirror_decision_on_job
from workbench.jobs.events import Event, EventType
from workbench.jobs.runner import JobHandle, JobSpec, Runner
from workbench.jobs.workflows.regenerate_image import KIND, NO_REFERENCE
from workbench.store import LectureStore

__all__ = [
    "accept_image_take",
    "effective_image_settings",
    "pending_image_previews",
    "preflight_image",
    "regenerate_starting_image",
    "reject_image_take",
]


def effective_image_settings(
    project: Project, lecture: Lecture, asset_id: str, overrides: ImageOverrides | Mapping[str, Any] | None
) -> ResolvedImageSettings:
    """The segment's image settings with ``overrides`` on top (not validated: the editor shows them as typed)."""
    asset = lecture.asset(asset_id)
    video = resolve_video_settings(None, project, asset).settings.resolution
    image = lecture.starting_image(asset.starting_image_id)
    return resolve_image_settings(overrides, project, asset, image, video_resolution=video)


def preflight_image(
    runner: Runner,
    lecture_id: str,
    asset_id: str,
    overrides: ImageOverrides | Mapping[str, Any] | None = None,
) -> JobSpec:
    """Everything :func:`regenerate_starting_image` checks, without starting a job (dry runs, the UI, batch).

    The settings are validated here, once; the spec carries them checked to the job and the model.
    """
    store = runner.store
    lecture = store.lecture(lecture_id)
    check_owner(lecture, store.user)
    over = ImageOverrides.from_mapping(overrides)
    resolved = effective_image_settings(store.project(lecture.project_id), lecture, asset_id, over).check()
    backend = runner.registry.image(resolved.settings.model)
    if (
        resolved.settings.reference
        and store.starting_image_file(lecture, lecture.asset(asset_id).starting_image_id) is None
    ):
        raise InvalidSettingError(NO_REFERENCE)
    warnings = tuple(backend.check(resolved.settings))
    return JobSpec(KIND, lecture_id, asset_id, store.user, over, resolved, warnings)


def regenerate_starting_image(
    runner: Runner,
    lecture_id: str,
    asset_id: str,
    overrides: ImageOverrides | Mapping[str, Any] | None = None,
) -> JobHandle:
    """Start regenerating a segment's starting image; returns the job handle at once (``image-preview`` follows).

    Must be called with an event loop running (a notebook cell, a widget callback, ``asyncio.run``).
    """
    return runner.submit(preflight_image(runner, lecture_id, asset_id, overrides))


def _decidable(store: LectureStore, take_id: str) -> tuple[ImageTake, Lecture]:
    take = store.image_take(take_id)
    lecture = store.lecture(take.lecture_id)
    check_owner(lecture, store.user)
    if take.status is not TakeStatus.PENDING:
        raise TakeStateError(
            f"This image preview was already {take.status}; nothing changed. Reload to see the current image."
        )
    return take, lecture


def _commit(store: LectureStore, take_id: str) -> tuple[ImageTake, Lecture, StartingImage]:
    """Make the take the segment's starting image, keeping its id, in one version-checked write."""
    with store.writing():
        take, lecture = _decidable(store, take_id)
        asset = lecture.asset(take.asset_id)
        image_id = asset.starting_image_id or new_id("img")
        current = next((i for i in lecture.starting_images if i.id == image_id), None)
        if current is not None and current.damage is not None:
            raise current.damage.error()  # a damaged entry is never rewritten in a changed form
        s = take.settings
        stamp = next_timestamp(max(lecture.updated_at, current.version if current else ""))
        committed_image = StartingImage(
            id=image_id,
            path=take.path,
            width=take.width,
            height=take.height,
            created_at=current.created_at if current is not None and current.created_at else stamp,
            regions=dict(take.regions),
            updated_at=stamp,
            prompt=s.prompt,
            model=s.model,
            seed=s.seed,
        )
        if current is not None:
            images = tuple(committed_image if i.id == image_id else i for i in lecture.starting_images)
        else:
            images = (*lecture.starting_images, committed_image)
        updated = replace(lecture, starting_images=images)
        if asset.starting_image_id != image_id:
            updated = updated.with_asset(replace(asset, starting_image_id=image_id))
        committed = store.commit_lecture(updated, expected_version=lecture.version)
        accepted = replace(
            take, status=TakeStatus.ACCEPTED, decided_at=next_timestamp(), decided_by=store.user
        )
        store.update_image_take(accepted, expect_status=TakeStatus.PENDING)
        mirror_decision_on_job(store, take.job_id, JobStatus.ACCEPTED)
    return accepted, committed, committed_image


def _reject(store: LectureStore, take_id: str) -> ImageTake:
    with store.writing():
        take, _ = _decidable(store, take_id)
        rejected = replace(
            take, status=TakeStatus.REJECTED, decided_at=next_timestamp(), decided_by=store.user
        )
        store.update_image_take(rejected, expect_status=TakeStatus.PENDING)
        mirror_decision_on_job(store, take.job_id, JobStatus.REJECTED)
    return rejected


async def accept_image_take(runner: Runner, take_id: str) -> Lecture:
    """Commit a pending image take as the segment's starting image, then publish ``image-complete``."""
    await runner.written()  # the job's last state first, so "accepted" follows it (see accept_take)
    take, committed, image = await asyncio.to_thread(_commit, runner.store, take_id)
    sharing = [a.id for a in committed.videos if a.damage is None and a.starting_image_id == image.id]
    runner.bus.publish(
        Event(
            EventType.IMAGE_COMPLETE,
            take.job_id,
            take.lecture_id,
            take.asset_id,
            "Accepted: the segment has its new starting image. Its committed video was made from the old one: "
            "regenerate the video when you are ready.",
            {
                "take_id": take.id,
                "starting_image_id": image.id,
                "path": image.path,
                "updated_at": image.updated_at,
                "version": committed.version,
                "segments": sharing,
                **decided_by(runner),
            },
        )
    )
    return committed


async def reject_image_take(runner: Runner, take_id: str) -> ImageTake:
    """Mark a pending image take rejected (its file stays in history); the lecture is not touched."""
    await runner.written()  # as in accept_image_take
    take = await asyncio.to_thread(_reject, runner.store, take_id)
    runner.bus.publish(
        Event(
            EventType.IMAGE_REJECTED,
            take.job_id,
            take.lecture_id,
            take.asset_id,
            "Rejected: the committed starting image is unchanged.",
            {"take_id": take.id, **decided_by(runner)},
        )
    )
    return take


def pending_image_previews(
    store: LectureStore, lecture_id: str, asset_id: str | None = None
) -> list[ImageTake]:
    """Image takes awaiting review, oldest first (a restarted kernel re-opens the dialog for them)."""
    return store.image_take_records(
        store.image_takes(lecture_id=lecture_id, asset_id=asset_id, status=TakeStatus.PENDING)
    )
