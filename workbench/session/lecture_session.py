"""LectureSession: the committed lecture, a researcher's drafts and the lecture's jobs, kept true (see the
package docstring for the rules it keeps)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import pandas as pd

from workbench.domain.clock import next_timestamp
from workbench.domain.drafts import SETTING_WORDS, FieldConflict, SegmentDraft
from workbench.domain.ids import new_id
from workbench.domain.image_settings import ImageOverrides, ResolvedImageSettings
from workbench.domain.metrics import MeasuredTake, TakeMetrics, measured_takes
from workbench.domain.models import ImageTake, Lecture, Project, Take, TakeStatus, VideoAsset
from workbench.domain.segments import SegmentSummary, damaged_summary, summarize_segment
from workbench.domain.settings import ResolvedSettings, VideoOverrides, resolve_video_settings
from workbench.domain.urls import build_video_asset_url
from workbench.domain.variants import variants_for
from workbench.errors import NotFoundError, StoreError, WorkbenchError
from workbench.jobs.actions import (
    accept_take,
    cancel_job,
    pending_previews,
    regenerate_video_segment,
    reject_take,
    replace_starting_image,
)
from workbench.jobs.events import IMAGE_EVENTS, TERMINAL_EVENTS, Event, EventType
from workbench.jobs.image_actions import (
    accept_image_take,
    effective_image_settings,
    pending_image_previews,
    regenerate_starting_image,
    reject_image_take,
)
from workbench.jobs.lease import runner_is_alive
from workbench.jobs.metrics import SampleKeeper, committed_video_measurement
from workbench.jobs.runner import JobHandle, Runner
from workbench.jobs.variants import PlannedVariant, VariantRun, plan_variants, reject_others, run_variants
from workbench.session.draft_saver import DraftSaver
from workbench.session.wording import changed_fields, describe_changes, segment_label, who_did

__all__ = [
    "DRAFT_SAVE_DELAY_S",
    "EXPLAIN_WAIT_S",
    "WATCH_INTERVAL_S",
    "LectureSession",
    "OptimisticPreview",
    "SessionChange",
]

log = logging.getLogger("workbench.session")

#: How often a session polls its store for what other processes changed (seconds).
WATCH_INTERVAL_S = 0.5
#: How long after an edit its draft is written to the store (edits meanwhile share the write).
DRAFT_SAVE_DELAY_S = 0.3
#: A commit seen in the lecture file waits this long for the journaled event that says who made it.
EXPLAIN_WAIT_S = 1.0

_RUN_EVENTS = frozenset({EventType.JOB_QUEUED, EventType.JOB_STARTED, EventType.JOB_RETRYING})
_TAKE_EVENTS = (
    frozenset({EventType.VIDEO_PREVIEW, EventType.VIDEO_COMPLETE, EventType.VIDEO_REJECTED}) | IMAGE_EVENTS
)
_COMMIT_EVENTS = frozenset({EventType.VIDEO_COMPLETE, EventType.IMAGE_COMPLETE})


@dataclass(frozen=True)
class SessionChange:
    """What changed: ``kind`` is ``draft``, ``committed``, ``job``, ``takes``, ``project`` or ``problem``.

    ``asset_ids`` empty means every segment. ``message`` says in words what happened when the change came
    from elsewhere (another process) or went wrong; ``external`` marks changes made by other processes.
    """

    kind: str
    asset_ids: frozenset[str] = frozenset()
    message: str | None = None
    external: bool = False


@dataclass(frozen=True)
class OptimisticPreview:
    """Preview metadata written into the draft on accept, until ``video-complete`` reloads the lecture."""

    take_id: str
    movie_directions: str
    model: str
    path: str


ChangeListener = Callable[[SessionChange], None]
EventListener = Callable[[Event, bool], None]


class LectureSession:
    def __init__(
        self,
        runner: Runner,
        lecture_id: str,
        *,
        media_base_url: str | None = None,
        watch_interval_s: float | None = WATCH_INTERVAL_S,
        draft_save_delay_s: float = DRAFT_SAVE_DELAY_S,
    ) -> None:
        self.runner = runner
        self.store = runner.store
        self.lecture_id = lecture_id
        self.committed: Lecture = self.store.lecture(lecture_id)
        self.project: Project = self.store.project(self.committed.project_id)
        self.media_base_url = media_base_url or self.store.root.as_uri() + "/"
        self.watch_interval_s = watch_interval_s
        #: Things to tell the user that happened while opening (e.g. unreadable drafts), in words.
        self.problems: list[str] = []
        self._closed = False
        self._listeners: list[ChangeListener] = []
        self._event_listeners: list[EventListener] = []
        self._optimistic: dict[str, OptimisticPreview] = {}
        #: Decodes committed videos' samples ahead, for the next take's measurement.
        self.samples = SampleKeeper(self.store)
        #: Image takes being accepted (asset id → take id), until ``image-complete`` reloads the lecture.
        self._accepting_image: dict[str, str] = {}
        self._variant_runs: dict[str, VariantRun] = {}
        # metrics of committed videos no take made, by (path, updated_at): measured once, when first compared
        self._committed_metrics: dict[tuple[str, str], TakeMetrics | None] = {}
        self._measuring_committed: dict[tuple[str, str], asyncio.Future[TakeMetrics | None]] = {}
        # drafts, saved to the store a moment after each edit
        drafts = self.store.drafts()
        try:
            self._drafts: dict[str, SegmentDraft] = drafts.load(lecture_id)
        except StoreError as exc:
            self._drafts = {}
            self.problems.append(exc.message)
        self._saver = DraftSaver(
            drafts, lecture_id, self._drafts.get, delay_s=draft_save_delay_s, on_error=self._problem
        )
        # freshness: journal ids already applied, jobs of other processes, commits waiting for their event
        self._seen_events: set[str] = set()
        self._busy_elsewhere: dict[str, str] = {}
        self._job_sources: dict[str, str] = {}
        self._unexplained: dict[str, tuple[float, frozenset[str]]] = {}
        self._last_problem: str | None = None
        self._watcher = self.store.watch(lecture_id)
        self._watch_task: asyncio.Task[None] | None = None
        # derived per segment
        self._image_ok: dict[str, bool] = {}
        self._pending: Counter[str] = Counter()
        self._take_counts: Counter[str] = Counter()
        self._summaries: dict[str, SegmentSummary] = {}
        self._assets: dict[str, VideoAsset] = {}
        self._count_takes()
        self._find_busy_elsewhere()
        self._rebuild_summaries()
        self._subscription = runner.bus.subscribe(self._on_bus_event, lecture_id=lecture_id)
        if watch_interval_s:
            self.start_watching()

    def close(self) -> None:
        """Stop watching and listening; unsaved drafts are written first."""
        if self._closed:
            return
        self._closed = True
        self._subscription.close()
        if self._watch_task is not None:
            self._watch_task.cancel()
        with contextlib.suppress(WorkbenchError, OSError):
            self._saver.close()
        self._listeners.clear()
        self._event_listeners.clear()

    # -- listening (for widgets) -----------------------------------------------------------------------------

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """``listener(change)`` after drafts, the committed lecture, takes or jobs change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def on_change(self, listener: Callable[[str, str | None], None]) -> Callable[[], None]:
        """``listener(kind, asset_id)`` per changed segment (``None``: all of them); returns an unsubscribe."""

        def each(change: SessionChange) -> None:
            for asset_id in sorted(change.asset_ids) or [None]:
                listener(change.kind, asset_id)

        return self.subscribe(each)

    def on_event(self, listener: EventListener) -> Callable[[], None]:
        """``listener(event, external)`` for every event of this lecture, from this process or another one."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener) if listener in self._event_listeners else None

    def _changed(
        self, kind: str, asset_ids: Iterable[str] = (), *, message: str | None = None, external: bool = False
    ) -> None:
        change = SessionChange(kind, frozenset(asset_ids), message, external)
        for listener in list(self._listeners):
            listener(change)

    # -- segments --------------------------------------------------------------------------------------------

    def asset(self, asset_id: str) -> VideoAsset:
        asset = self._assets.get(asset_id)
        if asset is None or asset.damage is not None:
            return self.committed.asset(asset_id)  # raises NotFoundError / DamagedEntryError in words
        return asset

    def segments(self) -> list[SegmentSummary]:
        """Every segment's summary, in lecture order (kept current; cheap to call)."""
        return list(self._summaries.values())

    def summaries(self, asset_ids: Iterable[str]) -> list[SegmentSummary]:
        """The summaries of those of ``asset_ids`` that are segments of the lecture (others are skipped)."""
        return [self._summaries[a] for a in asset_ids if a in self._summaries]

    def segment(self, asset_id: str) -> SegmentSummary:
        self.asset(asset_id)
        return self._summaries[asset_id]

    def segments_frame(self) -> pd.DataFrame:
        """The segment summaries as a DataFrame, for a quick look or your own analysis."""
        columns = [f.name for f in fields(SegmentSummary)]
        return pd.DataFrame(
            [[getattr(s, c) for c in columns] for s in self._summaries.values()], columns=columns
        )

    def thumbnail_url(self, asset_id: str) -> str | None:
        return self._summaries[asset_id].thumbnail_url if asset_id in self._summaries else None

    def recheck_starting_image(self, asset_id: str) -> bool:
        """Look at the segment's image file again (someone may have removed it); True if that changed anything."""
        asset = self.asset(asset_id)
        if asset.starting_image_id is not None:
            self._image_ok.pop(asset.starting_image_id, None)
        return self._resummarize([asset_id])

    def _image_exists(self, asset: VideoAsset) -> bool:
        image_id = asset.starting_image_id
        if image_id is None:
            return False
        known = self._image_ok.get(image_id)
        if known is None:
            try:
                known = self.store.starting_image_file(self.committed, image_id) is not None
            except WorkbenchError:
                known = False
            self._image_ok[image_id] = known
        return known

    def _summarize(self, asset: VideoAsset, order: int) -> SegmentSummary:
        if asset.damage is not None:  # listed as damaged; selecting it says what is wrong
            return damaged_summary(asset, order)
        thumb = None
        if self._image_exists(asset):
            image = self.committed.starting_image(asset.starting_image_id)
            assert image is not None
            thumb = self.media_url(image.path, version=image.version)
        draft = self._drafts.get(asset.id)
        return summarize_segment(
            asset,
            order,
            self.project,
            thumbnail_url=thumb,
            busy=self.busy(asset.id),
            pending_previews=self._pending[asset.id],
            takes=self._take_counts[asset.id],
            has_draft=draft is not None and not draft.is_empty(),
            conflict=bool(draft and draft.conflicts(asset)),
            video_outdated=thumb is not None and self.committed.video_is_outdated(asset.id),
        )

    def _rebuild_summaries(self) -> None:
        self._assets = {a.id: a for a in self.committed.videos}
        self._summaries = {a.id: self._summarize(a, i) for i, a in enumerate(self.committed.videos)}

    def _resummarize(self, asset_ids: Iterable[str]) -> bool:
        """Re-derive some segments' summaries; True if any of them changed."""
        changed = False
        for asset_id in asset_ids:
            old = self._summaries.get(asset_id)
            asset = self._assets.get(asset_id)
            if old is None or asset is None:
                continue
            new = self._summarize(asset, old.order)
            if new != old:
                self._summaries[asset_id] = new
                changed = True
        return changed

    def _count_takes(self, asset_id: str | None = None) -> None:
        """Count takes (all, and pending) of one segment, or of every segment when ``asset_id`` is None."""
        pending = str(TakeStatus.PENDING)
        videos = self.store.takes(lecture_id=self.lecture_id, asset_id=asset_id)
        images = self.store.image_takes(lecture_id=self.lecture_id, asset_id=asset_id)
        if asset_id is None:
            self._take_counts = Counter(videos["asset_id"]) + Counter(images["asset_id"])
            self._pending = Counter(videos.loc[videos["status"] == pending, "asset_id"]) + Counter(
                images.loc[images["status"] == pending, "asset_id"]
            )
        else:
            self._take_counts[asset_id] = len(videos) + len(images)
            self._pending[asset_id] = int(
                (videos["status"] == pending).sum() + (images["status"] == pending).sum()
            )

    def _find_busy_elsewhere(self) -> None:
        mine = {h.id for h in self.runner.handles()}
        self._busy_elsewhere = {
            job.asset_id: job.id
            for job in self.store.active_jobs(self.lecture_id)
            if job.id not in mine and runner_is_alive(self.store.root, job.runner)
        }

    # -- drafts ----------------------------------------------------------------------------------------------

    def draft(self, asset_id: str) -> VideoOverrides:
        self.asset(asset_id)
        found = self._drafts.get(asset_id)
        return found.overrides if found is not None else VideoOverrides()

    def segment_draft(self, asset_id: str) -> SegmentDraft:
        """The draft with, per field, the committed value it was typed against (see ``domain/drafts.py``)."""
        self.asset(asset_id)
        return self._drafts.get(asset_id) or SegmentDraft()

    def edit(self, asset_id: str, **changes: Any) -> ResolvedSettings:
        """Change draft fields (``None`` drops an override); validated before anything is kept."""
        asset = self.asset(asset_id)
        updated = self.segment_draft(asset_id).changed(changes, asset, at=next_timestamp())
        self._set_draft(asset_id, updated)
        self._resummarize([asset_id])
        self._changed("draft", [asset_id])
        return self.effective(asset_id)

    def discard_draft(self, asset_id: str) -> None:
        self.asset(asset_id)
        self._set_draft(asset_id, None)
        self._resummarize([asset_id])
        self._changed("draft", [asset_id])

    def conflicts(self, asset_id: str) -> tuple[FieldConflict, ...]:
        """Draft fields whose committed value was changed elsewhere since they were typed."""
        return self.segment_draft(asset_id).conflicts(self.asset(asset_id))

    def same_as_committed(self, asset_id: str) -> frozenset[str]:
        """Draft fields whose value is what the segment has committed (they still outrank project defaults)."""
        return self.segment_draft(asset_id).same_as_committed(self.asset(asset_id))

    def keep_my_edits(self, asset_id: str) -> None:
        """Resolve conflicts by keeping the draft's values (they now count as typed against the new commit)."""
        names = [c.name for c in self.conflicts(asset_id)]
        self._set_draft(asset_id, self.segment_draft(asset_id).rebased(self.asset(asset_id), names))
        self._resummarize([asset_id])
        self._changed("draft", [asset_id])

    def use_committed(self, asset_id: str) -> None:
        """Resolve conflicts by dropping the conflicting draft fields, so the committed values apply."""
        names = [c.name for c in self.conflicts(asset_id)]
        self._set_draft(asset_id, self.segment_draft(asset_id).without(names))
        self._resummarize([asset_id])
        self._changed("draft", [asset_id])

    def effective(self, asset_id: str) -> ResolvedSettings:
        return resolve_video_settings(self.draft(asset_id), self.project, self.asset(asset_id))

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

    def _set_draft(self, asset_id: str, draft: SegmentDraft | None) -> None:
        if draft is None or draft.is_empty():
            self._drafts.pop(asset_id, None)
        else:
            self._drafts[asset_id] = draft
        self._saver.mark(asset_id)

    def save_drafts(self) -> None:
        """Write unsaved drafts now (blocking). Sessions do this on their own; call it before a deliberate exit."""
        self._saver.save_now()

    async def drafts_saved(self) -> None:
        """Wait until every draft edited so far is in the store."""
        await self._saver.saved()

    # -- jobs ------------------------------------------------------------------------------------------------

    def busy(self, asset_id: str) -> bool:
        """Whether the segment is being regenerated, here or by another process."""
        return asset_id in self._busy_elsewhere or self.active_job(asset_id) is not None

    def regenerate(self, asset_id: str) -> JobHandle:
        handle = regenerate_video_segment(self.runner, self.lecture_id, asset_id, self.draft(asset_id))
        self._resummarize([asset_id])
        self._changed("job", [asset_id])
        return handle

    def active_job(self, asset_id: str) -> JobHandle | None:
        return self.runner.active_job_for(self.lecture_id, asset_id)

    def cancel(self, asset_id: str) -> bool:
        handle = self.active_job(asset_id)
        return False if handle is None else cancel_job(self.runner, handle.id)

    async def accept(self, take_id: str) -> Lecture:
        take = self.store.take(take_id)
        asset = self.asset(take.asset_id)
        self._optimistic[take.asset_id] = OptimisticPreview(
            take.id, take.settings.movie_directions, take.settings.model, take.path
        )
        before = self._drafts.get(take.asset_id)
        self._set_draft(
            take.asset_id, self.segment_draft(take.asset_id).changed(_settings_overrides(take), asset)
        )
        self._changed("draft", [take.asset_id])
        try:
            committed = await accept_take(self.runner, take_id)
        except BaseException:
            self._optimistic.pop(take.asset_id, None)
            self._set_draft(take.asset_id, before)
            self._changed("draft", [take.asset_id])
            raise
        # the next try is compared with the take now committed: decode its samples while the researcher reads
        self.samples.keep(committed, take.asset_id, take.settings.movie_directions, take.settings.seed)
        return committed

    def prepare_to_compare(self, asset_id: str) -> bool:
        """The segment was opened for editing: decode its committed video's samples ahead, in the background,
        so its next take's measurement does not (see :class:`~workbench.jobs.metrics.SampleKeeper`)."""
        try:
            settings = self.effective(asset_id).settings
        except WorkbenchError as exc:  # a head start only: the measurement decodes what it must itself
            log.info("Not keeping the samples of %s ahead: %s", asset_id, exc)
            return False
        return self.samples.keep(self.committed, asset_id, settings.movie_directions, settings.seed)

    async def reject(self, take_id: str) -> Take:
        return await reject_take(self.runner, take_id)

    def replace_starting_image(self, asset_id: str, image: bytes) -> Lecture:
        """Store a new starting image for the segment (the committed video stays until a regeneration)."""
        lecture = replace_starting_image(self.store, self.lecture_id, asset_id, image)
        self._apply_lecture(lecture)
        self._changed("committed", [asset_id])
        return self.committed

    # -- starting images (the image twin of the flow above) -------------------------------------------------

    def image_draft(self, asset_id: str) -> ImageOverrides:
        """The starting-image form's edits of a segment."""
        return self.segment_draft(asset_id).image

    def edit_image(self, asset_id: str, **changes: Any) -> ResolvedImageSettings:
        """Change image-form fields (``None`` drops an override); validated before anything is kept."""
        self.asset(asset_id)
        updated = self.segment_draft(asset_id).changed_image(changes, at=next_timestamp())
        self._set_draft(asset_id, updated)
        self._resummarize([asset_id])
        self._changed("draft", [asset_id])
        return self.effective_image(asset_id)

    def effective_image(self, asset_id: str) -> ResolvedImageSettings:
        """The image settings a Regenerate starting image would use, with where each came from."""
        self.asset(asset_id)
        return effective_image_settings(self.project, self.committed, asset_id, self.image_draft(asset_id))

    def regenerate_image(self, asset_id: str) -> JobHandle:
        handle = regenerate_starting_image(self.runner, self.lecture_id, asset_id, self.image_draft(asset_id))
        self._resummarize([asset_id])
        self._changed("job", [asset_id])
        return handle

    async def accept_image(self, take_id: str) -> Lecture:
        """Accept an image take. The draft takes its prompt at once; the committed image (and its ``?v=`` URL)
        changes only when ``image-complete`` reloads the lecture."""
        take = self.store.image_take(take_id)
        self.asset(take.asset_id)
        before = self._drafts.get(take.asset_id)
        s = take.settings
        self._accepting_image[take.asset_id] = take.id
        self._set_draft(
            take.asset_id,
            self.segment_draft(take.asset_id).changed_image(
                {"prompt": s.prompt, "model": s.model, "size": str(s.size), "seed": s.seed}
            ),
        )
        self._changed("draft", [take.asset_id])
        try:
            return await accept_image_take(self.runner, take_id)
        except BaseException:
            self._accepting_image.pop(take.asset_id, None)
            self._set_draft(take.asset_id, before)
            self._changed("draft", [take.asset_id])
            raise

    async def reject_image(self, take_id: str) -> ImageTake:
        """Reject an image take: nothing committed changes, and the draft keeps the edited prompt."""
        return await reject_image_take(self.runner, take_id)

    def image_takes(self, asset_id: str) -> list[ImageTake]:
        return self.store.image_take_records(
            self.store.image_takes(lecture_id=self.lecture_id, asset_id=asset_id)
        )

    def pending_image_previews(self, asset_id: str | None = None) -> list[ImageTake]:
        return pending_image_previews(self.store, self.lecture_id, asset_id)

    def accepting_image(self, asset_id: str) -> bool:
        """Whether an accepted image take of the segment waits for its ``image-complete``."""
        return asset_id in self._accepting_image

    def video_outdated(self, asset_id: str) -> bool:
        """Whether the committed video was made from an older starting image than the segment has now."""
        return self.committed.video_is_outdated(asset_id)

    def _settle_image_draft(self, asset_id: str) -> None:
        """After our own image accept: drop image-form fields that the committed image now says anyway."""
        draft = self._drafts.get(asset_id)
        if draft is None or draft.image.is_empty():
            return
        kept = draft.image.as_dict()
        for name in list(kept):
            without = {k: v for k, v in kept.items() if k != name}
            plain = effective_image_settings(
                self.project, self.committed, asset_id, without
            ).settings.to_dict()
            if plain[name] == kept[name]:
                kept = without
        self._set_draft(asset_id, draft.changed_image(dict.fromkeys(set(draft.image.as_dict()) - set(kept))))

    def pending_previews(self, asset_id: str | None = None) -> list[Take]:
        return pending_previews(self.store, self.lecture_id, asset_id)

    def takes(self, asset_id: str) -> list[Take]:
        return self.store.take_records(self.store.takes(lecture_id=self.lecture_id, asset_id=asset_id))

    def measured_takes(self, asset_id: str) -> list[MeasuredTake]:
        """The segment's takes, oldest first, each with its metrics and its byte-identical siblings."""
        frame = self.store.takes(lecture_id=self.lecture_id, asset_id=asset_id)
        return measured_takes(self.store.take_records(frame), frame.to_dict("records"))

    def committed_settings(self, asset_id: str) -> ResolvedSettings:
        """What the committed video's settings are in effect: the segment's values, the project's defaults
        where it has none, then the built-in ones, each with where it came from (no draft)."""
        return resolve_video_settings(None, self.project, self.asset(asset_id))

    def committed_take(self, asset_id: str) -> Take | None:
        """The accepted take whose video is the segment's committed one, when it came from a take."""
        path = self.asset(asset_id).path
        return next((t for t in reversed(self.takes(asset_id)) if path and t.path == path), None)

    def committed_metrics(self, asset_id: str) -> TakeMetrics | None:
        """The committed video's metrics as known now: its take's when a take made it, else those measured by
        :meth:`measure_committed` (``None`` until then)."""
        take = self.committed_take(asset_id)
        if take is not None:
            return self.store.take_metrics(take.id)
        asset = self.asset(asset_id)
        return self._committed_metrics.get((asset.path or "", asset.updated_at))

    def committed_metrics_known(self, asset_id: str) -> bool:
        """Whether :meth:`committed_metrics` is final (a take made the video, or it was measured already)."""
        asset = self.asset(asset_id)
        key = (asset.path or "", asset.updated_at)
        return not asset.path or self.committed_take(asset_id) is not None or key in self._committed_metrics

    async def measure_committed(self, asset_id: str) -> TakeMetrics | None:
        """Measure a committed video that no take made (once per commit, in the runner's executor; callers
        arriving meanwhile share the one measurement), so a take's metrics have something to stand beside;
        ``None`` when there is no video to measure."""
        if self.committed_metrics_known(asset_id):
            return self.committed_metrics(asset_id)
        asset = self.asset(asset_id)
        key = (asset.path or "", asset.updated_at)
        running = self._measuring_committed.get(key)
        if running is None:
            running = asyncio.ensure_future(self._measure_committed(asset_id, key))
            self._measuring_committed[key] = running
            running.add_done_callback(lambda _: self._measuring_committed.pop(key, None))
        return await asyncio.shield(running)

    async def _measure_committed(self, asset_id: str, key: tuple[str, str]) -> TakeMetrics | None:
        work = committed_video_measurement(self.store, self.committed, asset_id)
        metrics = None
        if work is not None:
            metrics = await asyncio.get_running_loop().run_in_executor(self.runner.executor, work)
            metrics = replace(metrics, similarity_ssim=1.0)  # it is the committed video
        self._committed_metrics[key] = metrics
        return metrics

    def use_take_settings(self, take_id: str) -> ResolvedSettings:
        """Load every setting of a take of this lecture into its segment's draft, marked "from take …"."""
        take = self.store.take(take_id)
        if take.lecture_id != self.lecture_id:
            raise NotFoundError(f"Take {take_id!r} belongs to another lecture; open that lecture to use it.")
        asset = self.asset(take.asset_id)
        self._set_draft(
            take.asset_id, self.segment_draft(take.asset_id).from_take(take, asset, at=next_timestamp())
        )
        self._resummarize([take.asset_id])
        self._changed("draft", [take.asset_id])
        return self.effective(take.asset_id)

    # -- variants (see jobs/variants.py) ---------------------------------------------------------------------

    def plan_variants(self, asset_id: str, kind: str, **request: Any) -> list[PlannedVariant]:
        """Check the variants a request asks for on top of the draft (``count`` seeds, ``lines`` of
        directions, ``models``), flagging those that would repeat another's video; nothing runs yet."""
        variants = variants_for(kind, self.effective(asset_id).settings, **request)
        return plan_variants(self.runner, self.lecture_id, asset_id, self.draft(asset_id), variants)

    def run_variants(
        self, asset_id: str, planned: Sequence[PlannedVariant], *, include_repeats: bool = False
    ) -> VariantRun:
        """Queue the planned variants as one group; their previews are reviewed together (see
        :meth:`decide_variants`), not one dialog each."""
        started = run_variants(self.runner, planned, include_repeats=include_repeats)
        run = VariantRun(new_id("var"), asset_id, tuple((p.label, h.id) for p, h in started))
        self._variant_runs[run.id] = run
        self._resummarize([asset_id])
        self._changed("job", [asset_id])
        return run

    def variant_run_of(self, job_id: str) -> VariantRun | None:
        """The variants run a job belongs to (started in this session), if any."""
        return next((r for r in self._variant_runs.values() if job_id in r.job_ids), None)

    async def decide_variants(self, keep: str, others: Iterable[str]) -> list[str]:
        """Accept take ``keep`` (optimistically, as :meth:`accept` does) and reject the other pending takes
        in ``others``; returns the ids rejected. They all stay in history."""
        await self.accept(keep)
        return await reject_others(self.runner, keep, list(others))

    def history(self, limit: int | None = None) -> list[Event]:
        """This lecture's journaled events, oldest first (the last ``limit``): rebuilds the progress log."""
        return self.runner.bus.history(lecture_id=self.lecture_id, limit=limit)

    # -- URLs ------------------------------------------------------------------------------------------------

    def committed_url(self, asset_id: str) -> str | None:
        """The committed player's URL (``?v=<updated_at>``), from the committed lecture only."""
        asset = self.asset(asset_id)
        if asset.path is None:
            return None
        return build_video_asset_url(asset, base_url=self.media_base_url, updated_at=asset.updated_at or "0")

    def preview_url(self, take: Take | ImageTake) -> str:
        """A preview's URL (``?preview=<token>``), for a video take or an image take."""
        return build_video_asset_url(take, base_url=self.media_base_url, preview_token=take.preview_token)

    def image_url(self, asset_id: str) -> str | None:
        """The committed starting image's URL (``?v=<its version>``), from the committed lecture only."""
        asset = self.asset(asset_id)
        if not self._image_exists(asset):
            return None
        image = self.committed.starting_image(asset.starting_image_id)
        assert image is not None
        return self.media_url(image.path, version=image.version)

    def media_url(self, path: str, *, version: str) -> str:
        """A URL for any store file (e.g. a starting image), cache-keyed by ``version``."""
        return build_video_asset_url(path, base_url=self.media_base_url, updated_at=version)

    # -- events and commits ----------------------------------------------------------------------------------

    def _on_bus_event(self, event: Event) -> None:
        self._seen_events.add(event.id)
        self._apply_event(event, external=False)

    def _apply_event(self, event: Event, *, external: bool) -> None:
        for listener in list(self._event_listeners):
            listener(event, external)
        asset_id, kind = event.asset_id, event.type
        if kind is EventType.JOB_PROGRESS or asset_id not in self._assets:
            return
        source = event.payload.get("source")
        if kind is EventType.JOB_QUEUED and isinstance(source, str):
            self._job_sources[event.job_id] = source
        if external and kind in _RUN_EVENTS:
            self._busy_elsewhere[asset_id] = event.job_id
        elif kind in TERMINAL_EVENTS and self._busy_elsewhere.get(asset_id) == event.job_id:
            del self._busy_elsewhere[asset_id]
        if kind in _TAKE_EVENTS:
            self._count_takes(asset_id)
        message = None
        touched = [asset_id]
        if kind in _COMMIT_EVENTS:
            self._unexplained.pop(asset_id, None)
            self._apply_lecture(self.store.lecture(self.lecture_id))
            if (
                kind is EventType.IMAGE_COMPLETE
            ):  # every segment sharing the image has a new one (and an old video)
                touched = sorted(
                    {asset_id, *(a for a in event.payload.get("segments", []) if a in self._assets)}
                )
            if not external and kind is EventType.VIDEO_COMPLETE:
                self._optimistic.pop(asset_id, None)
                self._settle_draft_after_accept(asset_id)
            elif not external:
                self._accepting_image.pop(asset_id, None)
                self._settle_image_draft(asset_id)
            else:
                message = self._accepted_elsewhere(event)
        elif external and kind in (EventType.VIDEO_REJECTED, EventType.IMAGE_REJECTED):
            what = "An image preview" if kind is EventType.IMAGE_REJECTED else "A preview"
            message = f"{what} of {self._label(asset_id)} was rejected by {self._who(event)}."
        self._resummarize(touched)
        kind_word = "committed" if kind in _COMMIT_EVENTS else "takes" if kind in _TAKE_EVENTS else "job"
        self._changed(kind_word, touched, message=message, external=external)

    def _settle_draft_after_accept(self, asset_id: str) -> None:
        """After our own accept: drop overrides the commit made redundant; the rest now count as typed against
        it (e.g. an accepted 640x360 that the project's 1280x720 would otherwise outrank)."""
        draft = self._drafts.get(asset_id)
        if draft is None:
            return
        asset = self.asset(asset_id)
        kept = draft.overrides.as_dict()
        for name in list(kept):
            without = {k: v for k, v in kept.items() if k != name}
            plain = resolve_video_settings(without, self.project, asset).settings.to_dict()
            if plain[name] == kept[name]:
                kept = without
        settled = draft.without(set(draft.overrides.as_dict()) - set(kept))
        self._set_draft(asset_id, settled.rebased(asset, settled.same_as_committed(asset)))

    def _apply_lecture(self, lecture: Lecture) -> dict[str, frozenset[str]]:
        """Make ``lecture`` the committed one; returns the segments that changed, with the fields that did."""
        old = self.committed
        if lecture is old:
            return {}
        self.committed = lecture
        if lecture.starting_images != old.starting_images:
            self._image_ok.clear()
        if [a.id for a in lecture.videos] != [a.id for a in old.videos]:
            self._rebuild_summaries()
            return {a.id: frozenset({"order"}) for a in lecture.videos}
        changed = {
            new.id: changed_fields(prev, new)
            for prev, new in zip(old.videos, lecture.videos, strict=True)
            if prev is not new and prev != new
        }
        for asset_id in changed:
            self._assets[asset_id] = lecture.asset(asset_id)
        self._resummarize(changed)
        return changed

    # -- freshness -------------------------------------------------------------------------------------------

    def start_watching(self) -> bool:
        """Poll the store for other processes' changes every ``watch_interval_s`` on the running event loop.

        Returns False when no loop is running (then call :meth:`sync` yourself, e.g. in a script).
        """
        if self._closed or not self.watch_interval_s:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._watch_task is None or self._watch_task.done():
            self._watch_task = loop.create_task(_watch(weakref.ref(self), self.watch_interval_s))
        return True

    def sync(self) -> bool:
        """Apply what other processes changed since the last look; True if anything did."""
        try:
            found = self._watcher.poll()
            anything = bool(found)
            for row in found.events:
                if row["event_id"] in self._seen_events:
                    continue
                self._seen_events.add(row["event_id"])
                self._apply_event(Event.from_row(row), external=True)
            if found.project:
                self.project = self.store.project(self.committed.project_id)
                self._rebuild_summaries()
                self._changed(
                    "project",
                    message="The project's video defaults changed elsewhere; settings updated.",
                    external=True,
                )
            if found.lecture:
                changed = self._apply_lecture(self.store.lecture(self.lecture_id))
                if changed:
                    now = time.monotonic()
                    for asset_id, names in changed.items():
                        seen, before = self._unexplained.get(asset_id, (now, frozenset()))
                        self._unexplained[asset_id] = (seen, before | names)
                    self._changed("committed", changed, external=True)
            self._explain_overdue()
        except WorkbenchError as exc:
            self._problem(exc.message)
            return False
        self._last_problem = None
        return anything

    def _explain_overdue(self) -> None:
        """Commits seen in the lecture file whose event never came (e.g. a new starting image): say so now."""
        now = time.monotonic()
        due = sorted(a for a, (seen, _) in self._unexplained.items() if now - seen >= EXPLAIN_WAIT_S)
        if not due:
            return
        words = {describe_changes(self._unexplained.pop(a)[1]) for a in due}
        if len(due) == 1:
            message = f"{self._label(due[0])} got {words.pop()} in another session"
        else:
            message = f"{len(due)} segments ({', '.join(due[:3])}{', …' if len(due) > 3 else ''}) changed in another session"
        message += "; the player, settings and table now show it."
        self._changed("committed", due, message=message + self._conflict_note(due), external=True)

    def _accepted_elsewhere(self, event: Event) -> str:
        asset_id = event.asset_id
        if event.type is EventType.IMAGE_COMPLETE:
            return (
                f"{self._label(asset_id)} got a new starting image, accepted by {self._who(event)}; its committed "
                "video was made from the old one."
            )
        return (
            f"{self._label(asset_id)} was accepted by {self._who(event)}: the player, settings and table now show "
            "the new video." + self._conflict_note([asset_id])
        )

    def _conflict_note(self, asset_ids: Iterable[str]) -> str:
        notes = []
        for asset_id in asset_ids:
            clash = self.conflicts(asset_id)
            if clash:
                names = " and ".join(SETTING_WORDS.get(c.name, c.name) for c in clash)
                notes.append(
                    f" Your draft's {names} differs from the new commit: it is kept and marked in the editor."
                )
        return "".join(notes)

    def _who(self, event: Event) -> str:
        return who_did(event, self._job_sources)

    def _label(self, asset_id: str) -> str:
        return segment_label(asset_id, self._assets.get(asset_id))

    def _problem(self, message: str) -> None:
        if message != self._last_problem:  # a broken file would otherwise be reported twice a second
            self._last_problem = message
            self._changed("problem", message=message)


def _settings_overrides(take: Take) -> dict[str, Any]:
    data = take.settings.to_dict()
    return {f.name: data[f.name] for f in fields(VideoOverrides)}


async def _watch(ref: weakref.ref[LectureSession], interval_s: float) -> None:
    """The polling loop; holds the session weakly so a forgotten session does not poll forever."""
    while True:
        await asyncio.sleep(interval_s)
        session = ref()
        if session is None or session._closed:
            return
        try:
            session.sync()
        except Exception as exc:  # a bug here must not end freshness silently
            log.exception("Store watch failed")
            session._problem(f"Checking the store for changes failed: {type(exc).__name__}: {exc}")
        del session
