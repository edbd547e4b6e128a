"""LectureSession: the committed lecture plus a researcher's draft edits, kept current by job events.

This is the seed's "lecture store" on the client side (``useAssetGenerationFlow``):

- Drafts hold the editor's overrides per segment; effective settings (with provenance) are derived.
- On accept, the preview's metadata (directions, model, path) is written into the draft *at once*
  (optimistic), but the committed lecture is reloaded only when ``video-complete`` arrives.
- On reject the draft keeps the edited directions and the committed lecture is unchanged.
- The committed player's URL is built only from the committed lecture (``?v=<updated_at>``), so it never
  shows a preview and switches to the new video only after completion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from workbench.domain.models import Lecture, Project, Take, VideoAsset
from workbench.domain.settings import ResolvedSettings, VideoOverrides, resolve_video_settings
from workbench.domain.urls import build_video_asset_url
from workbench.jobs.actions import (
    accept_take,
    cancel_job,
    pending_previews,
    preflight,
    regenerate_video_segment,
    reject_take,
    replace_starting_image,
)
from workbench.jobs.events import Event, EventType
from workbench.jobs.runner import JobHandle, JobSpec, Runner

__all__ = ["LectureSession", "OptimisticPreview"]

ChangeListener = Callable[[str, str | None], None]


@dataclass(frozen=True)
class OptimisticPreview:
    """Preview metadata written into the draft on accept, until ``video-complete`` reloads the lecture."""

    take_id: str
    movie_directions: str
    model: str
    path: str


class LectureSession:
    def __init__(self, runner: Runner, lecture_id: str, *, media_base_url: str | None = None) -> None:
        self.runner = runner
        self.store = runner.store
        self.lecture_id = lecture_id
        self.committed: Lecture = self.store.lecture(lecture_id)
        self.project: Project = self.store.project(self.committed.project_id)
        self.media_base_url = media_base_url or self.store.root.as_uri() + "/"
        self._drafts: dict[str, VideoOverrides] = {}
        self._optimistic: dict[str, OptimisticPreview] = {}
        self._listeners: list[ChangeListener] = []
        self._subscription = runner.bus.subscribe(self._on_event, lecture_id=lecture_id)

    def close(self) -> None:
        self._subscription.close()
        self._listeners.clear()

    # -- change notification (for widgets) -------------------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        """``listener(kind, asset_id)`` after drafts, the committed lecture or jobs change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, kind: str, asset_id: str | None) -> None:
        for listener in list(self._listeners):
            listener(kind, asset_id)

    # -- drafts ----------------------------------------------------------------------------------------------

    def asset(self, asset_id: str) -> VideoAsset:
        return self.committed.asset(asset_id)

    def draft(self, asset_id: str) -> VideoOverrides:
        self.asset(asset_id)
        return self._drafts.get(asset_id, VideoOverrides())

    def edit(self, asset_id: str, **changes: Any) -> ResolvedSettings:
        """Change draft fields (``None`` drops an override); validated before anything is kept."""
        merged = {**self.draft(asset_id).as_dict(), **changes}
        overrides = VideoOverrides.from_mapping({k: v for k, v in merged.items() if v is not None})
        self._drafts[asset_id] = overrides
        self._changed("draft", asset_id)
        return self.effective(asset_id)

    def discard_draft(self, asset_id: str) -> None:
        self._drafts.pop(asset_id, None)
        self._changed("draft", asset_id)

    def effective(self, asset_id: str) -> ResolvedSettings:
        return resolve_video_settings(self.draft(asset_id), self.project, self.asset(asset_id))

    def optimistic(self, asset_id: str) -> OptimisticPreview | None:
        """The accepted preview's metadata while its commit is in flight."""
        return self._optimistic.get(asset_id)

    def draft_view(self, asset_id: str) -> Mapping[str, Any]:
        """What the editor shows: effective directions/model and the video path, optimistic while accepting."""
        resolved = self.effective(asset_id).settings
        pending = self._optimistic.get(asset_id)
        return {
            "movie_directions": resolved.movie_directions,
            "model": resolved.model,
            "path": pending.path if pending else self.asset(asset_id).path,
            "accepting": pending is not None,
        }

    # -- jobs ------------------------------------------------------------------------------------------------

    def check(self, asset_id: str) -> JobSpec:
        """Validate the draft as a regeneration would (settings, model, warnings) without starting it."""
        return preflight(self.runner, self.lecture_id, asset_id, self.draft(asset_id))

    def regenerate(self, asset_id: str) -> JobHandle:
        handle = regenerate_video_segment(self.runner, self.lecture_id, asset_id, self.draft(asset_id))
        self._changed("job", asset_id)
        return handle

    def active_job(self, asset_id: str) -> JobHandle | None:
        return self.runner.active_job_for(self.lecture_id, asset_id)

    def cancel(self, asset_id: str) -> bool:
        handle = self.active_job(asset_id)
        return False if handle is None else cancel_job(self.runner, handle.id)

    async def accept(self, take_id: str) -> Lecture:
        take = self.store.take(take_id)
        self._optimistic[take.asset_id] = OptimisticPreview(
            take.id, take.settings.movie_directions, take.settings.model, take.path
        )
        self._drafts[take.asset_id] = VideoOverrides.from_mapping(
            {**self.draft(take.asset_id).as_dict(), **_settings_overrides(take)}
        )
        self._changed("draft", take.asset_id)
        try:
            return await accept_take(self.runner, take_id)
        except BaseException:
            self._optimistic.pop(take.asset_id, None)
            self._changed("draft", take.asset_id)
            raise

    async def reject(self, take_id: str) -> Take:
        return await reject_take(self.runner, take_id)

    def replace_starting_image(self, asset_id: str, image: bytes) -> Lecture:
        """Store a new starting image for the segment (the committed video stays until a regeneration)."""
        replace_starting_image(self.store, self.lecture_id, asset_id, image)
        self.reload()
        self._changed("committed", asset_id)
        return self.committed

    def pending_previews(self, asset_id: str | None = None) -> list[Take]:
        return pending_previews(self.store, self.lecture_id, asset_id)

    def takes(self, asset_id: str) -> list[Take]:
        return self.store.take_records(self.store.takes(lecture_id=self.lecture_id, asset_id=asset_id))

    def history(self) -> list[Event]:
        """This lecture's journaled events: rebuilds the progress log after a restart."""
        return self.runner.bus.history(lecture_id=self.lecture_id)

    # -- URLs ------------------------------------------------------------------------------------------------

    def committed_url(self, asset_id: str) -> str | None:
        """The committed player's URL (``?v=<updated_at>``), from the committed lecture only."""
        asset = self.asset(asset_id)
        if asset.path is None:
            return None
        return build_video_asset_url(asset, base_url=self.media_base_url, updated_at=asset.updated_at or "0")

    def preview_url(self, take: Take) -> str:
        return build_video_asset_url(take, base_url=self.media_base_url, preview_token=take.preview_token)

    def media_url(self, path: str, *, version: str) -> str:
        """A URL for any store file (e.g. a starting image), cache-keyed by ``version``."""
        return build_video_asset_url(path, base_url=self.media_base_url, updated_at=version)

    # -- events ----------------------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if event.type is EventType.VIDEO_COMPLETE:
            self.reload()
            self._optimistic.pop(event.asset_id, None)
            self._drop_redundant_overrides(event.asset_id)
            self._changed("committed", event.asset_id)
        elif event.type is not EventType.JOB_PROGRESS:
            self._changed("job", event.asset_id)

    def reload(self) -> Lecture:
        self.committed = self.store.lecture(self.lecture_id)
        self.project = self.store.project(self.committed.project_id)
        return self.committed

    def _drop_redundant_overrides(self, asset_id: str) -> None:
        """After a commit, overrides that no longer change the effective value are dropped from the draft."""
        draft = self._drafts.get(asset_id)
        if draft is None:
            return
        kept = draft.as_dict()
        for name in list(kept):
            without = {k: v for k, v in kept.items() if k != name}
            plain = resolve_video_settings(without, self.project, self.asset(asset_id)).settings.to_dict()
            if plain[name] == kept[name]:
                kept = without
        if kept:
            self._drafts[asset_id] = VideoOverrides.from_mapping(kept)
        else:
            self._drafts.pop(asset_id, None)


def _settings_overrides(take: Take) -> dict[str, Any]:
    data = take.settings.to_dict()
    return {f.name: data[f.name] for f in fields(VideoOverrides)}
