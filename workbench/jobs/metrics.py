"""Take metrics in the store: measured after each generation (off the event loop) and backfilled for old takes.

The measuring itself is :func:`workbench.analysis.take_metrics.measure_take`, a plain function of files; this
module finds the files a take was made from (its video, its segment's starting image and regions, the video
committed at the time) and stores the result with :meth:`LectureStore.record_metrics`. A measurement that
fails never fails the job: the take is what matters, the metrics can be backfilled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import pandas as pd

from workbench.analysis.live_metrics import LiveMeasurement
from workbench.analysis.take_metrics import keep_reference_samples, measure_take
from workbench.domain.metrics import METRICS_VERSION, TakeMetrics
from workbench.domain.models import Lecture, Take, VideoSettings
from workbench.errors import WorkbenchError
from workbench.generation.local.render import lower_thread_priority
from workbench.jobs.events import EventType
from workbench.store import LectureStore

if TYPE_CHECKING:
    from workbench.jobs.context import JobContext

__all__ = [
    "BackfillReport",
    "SampleKeeper",
    "backfill_metrics",
    "committed_video_measurement",
    "is_current",
    "live_measurement",
    "measure_new_take",
    "measure_stored_take",
    "metrics_columns",
]

log = logging.getLogger("workbench.jobs")

Box = tuple[float, float, float, float]


def _committed_file(store: LectureStore, committed: str | None, take_path: str | None) -> Path | None:
    """The committed video to compare a take with: ``None`` without one, or when it is the take itself
    (a take compared with itself says nothing)."""
    if not committed or committed == take_path:
        return None
    path = store.media_path(committed)
    return path if path.is_file() else None


def live_measurement(
    store: LectureStore,
    output: Path,
    settings: VideoSettings,
    *,
    image_path: Path,
    regions: Mapping[str, Box],
    committed: str | None,
) -> LiveMeasurement:
    """The measurement a backend that encodes its own video runs while it renders into ``output``
    (:class:`~workbench.generation.base.FrameObserver`): the same arguments as a measurement of the
    finished file."""
    return LiveMeasurement(
        output,
        fps=settings.fps,
        frame_count=settings.frame_count,
        starting_image=image_path,
        directions=settings.movie_directions,
        seed=settings.seed,
        regions=dict(regions),
        committed=_committed_file(store, committed, None),  # a new take's file is never the committed one
        reference_cache=store.samples_cache,
    )


def _measure(
    store: LectureStore,
    take: Take,
    image_path: Path | None,
    regions: Mapping[str, Box],
    committed: str | None,
) -> Callable[[], TakeMetrics]:
    """The measurement of ``take`` as a call with picklable arguments (it may run in another process)."""
    committed_path = _committed_file(store, committed, take.path)
    s = take.settings
    return functools.partial(
        measure_take,
        store.media_path(take.path, take.lecture_id),
        starting_image=image_path,
        directions=s.movie_directions,
        seed=s.seed,
        regions=dict(regions),
        committed=committed_path,
        reference_cache=store.samples_cache,
    )


async def measure_new_take(
    ctx: JobContext,
    take: Take,
    *,
    image_path: Path,
    regions: Mapping[str, Box],
    committed: str | None,
    measured: TakeMetrics | None = None,
) -> TakeMetrics | None:
    """Record the metrics of a take the workflow just stored: ``measured`` while it rendered
    (:func:`live_measurement`), else measured now in the job's executor; ``None`` if that failed (said in the
    progress log; the take stands)."""
    store = ctx.store
    if measured is not None:
        try:
            await ctx.record_metrics(take, measured)
        except Exception as exc:
            log.warning("Could not record the metrics of take %s: %s", take.id, exc, exc_info=True)
            return None
        return measured
    ctx.publish(
        EventType.JOB_PROGRESS,
        "Measuring the take (motion, direction adherence, similarity to the committed video)…",
        {"fraction": 1.0},
    )
    try:
        work = _measure(store, take, image_path, regions, committed)
        loop = asyncio.get_running_loop()
        metrics = await loop.run_in_executor(ctx.executor, work)
        await ctx.record_metrics(take, metrics)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("Could not measure take %s: %s", take.id, exc, exc_info=True)
        ctx.publish(
            EventType.JOB_PROGRESS,
            "The take could not be measured; it is kept as it is (measure it later with backfill_metrics).",
            {"fraction": 1.0, "detail": f"{type(exc).__name__}: {exc}"},
        )
        return None
    return metrics


def _sources(
    store: LectureStore, lecture: Lecture, take: Take
) -> tuple[Path | None, Mapping[str, Box], str | None]:
    """The starting image, regions and committed video to measure ``take`` against, as the store has them now
    (a take does not record which starting image it was made from: its segment's current one is used)."""
    try:
        asset = lecture.asset(take.asset_id)
    except WorkbenchError:
        return None, {}, None
    image = lecture.starting_image(asset.starting_image_id)
    image_path = store.starting_image_file(lecture, asset.starting_image_id)
    return image_path, dict(image.regions) if image else {}, asset.path


def measure_stored_take(store: LectureStore, take: Take) -> TakeMetrics:
    """Measure one stored take now and record it (blocking: run it in a thread from async code)."""
    lecture = store.lecture(take.lecture_id)
    image_path, regions, committed = _sources(store, lecture, take)
    metrics = _measure(store, take, image_path, regions, committed)()
    store.record_metrics([(take.id, metrics)])
    return metrics


def is_current(metrics: TakeMetrics | None) -> TypeGuard[TakeMetrics]:
    """Whether ``metrics`` were measured at the current ``METRICS_VERSION`` (else they are measured again)."""
    return metrics is not None and metrics.metrics_version >= METRICS_VERSION


def metrics_columns(store: LectureStore, take: Take) -> dict[str, Any]:
    """``take``'s metrics as the contract's columns (:meth:`TakeMetrics.to_dict`): the store's when it measured
    the take at the current version (every new take is measured by its job), else measured now and recorded;
    ``{}`` when that fails (a report says "not measured", the failure is logged)."""
    stored = store.take_metrics(take.id)
    if is_current(stored):
        return stored.to_dict()
    try:
        return measure_stored_take(store, take).to_dict()
    except Exception as exc:  # a measurement never fails its caller: the take is what matters
        log.warning("Could not measure take %s: %s", take.id, exc, exc_info=True)
        return {}


def committed_video_measurement(
    store: LectureStore, lecture: Lecture, asset_id: str
) -> Callable[[], TakeMetrics] | None:
    """The measurement of a segment's committed video, as a call with picklable arguments (it may run in
    another process), or ``None`` without a committed file. For videos no take made (they came with the
    lecture), so a take's metrics have something to stand beside; not stored: the metrics table holds takes."""
    found = _committed_sources(store, lecture, asset_id)
    if found is None:
        return None
    path, image_path, regions = found
    asset = lecture.asset(asset_id)
    return functools.partial(
        measure_take,
        path,
        starting_image=image_path,
        directions=asset.movie_directions,
        seed=asset.seed or 0,
        regions=regions,
    )


def _committed_sources(
    store: LectureStore, lecture: Lecture, asset_id: str
) -> tuple[Path, Path | None, dict[str, Box]] | None:
    """A segment's committed video file, its starting image file and regions; ``None`` without a committed
    file."""
    asset = lecture.asset(asset_id)
    if not asset.path:
        return None
    path = store.media_path(asset.path, lecture.id)
    if not path.is_file():
        return None
    image = lecture.starting_image(asset.starting_image_id)
    regions = dict(image.regions) if image else {}
    return path, store.starting_image_file(lecture, asset.starting_image_id), regions


class SampleKeeper:
    """Decodes committed videos' samples ahead (into memory and the store's samples cache) and prepares the
    segment's starting image, so the next take's measurement does neither while the take renders: when a
    segment is opened for editing and when a take is accepted (the researcher is reading or reviewing; the
    CPU is idle). One background thread at the lowest CPU priority; only the latest request waits (someone
    clicking through segments wants the one in front of them). A failure is only logged: the measurement
    then decodes the video itself."""

    def __init__(self, store: LectureStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._pending: tuple[Path, Path | None, str, dict[str, Box], int] | None = None
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def keep(self, lecture: Lecture, asset_id: str, directions: str, seed: int = 0) -> bool:
        """Keep the samples of ``asset_id``'s committed video for a take with ``directions``; False when the
        segment has no committed file."""
        try:
            found = _committed_sources(self._store, lecture, asset_id)
        except (WorkbenchError, OSError):
            return False
        if found is None:
            return False
        video, image_path, regions = found
        with self._lock:
            self._pending = (video, image_path, directions, regions, seed)
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                # not a daemon: exiting Python while FFmpeg or OpenCV run in a daemon thread aborts the
                # process; exit waits for the one video being decoded, and drops what is pending
                self._thread = threading.Thread(target=self._run, name="keep-samples")
                self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Until nothing is pending (tests, benchmarks); False on timeout."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        lower_thread_priority(19)
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if not threading.main_thread().is_alive():  # Python is exiting
                    job = None
                if job is None:
                    self._thread = None
                    self._idle.set()
                    return
            video, image_path, directions, regions, seed = job
            try:
                keep_reference_samples(
                    video, self._store.samples_cache, directions=directions, regions=regions, seed=seed,
                    starting_image=image_path,
                )  # fmt: skip
            except Exception as exc:
                log.info("Could not keep the samples of %s ahead: %s", video.name, exc)


@dataclass(frozen=True)
class BackfillReport:
    """Takes measured now, skipped (already measured at this version) and failed (take id → why)."""

    measured: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


def backfill_metrics(
    store: LectureStore,
    lecture_ids: str | Iterable[str] | None = None,
    *,
    force: bool = False,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> BackfillReport:
    """Measure the takes that have no metrics of the current version (all of them with ``force``), in the
    current user's lectures (others' lectures are left out: their owner backfills them). Blocking; cost grows
    with the takes measured (for the local model, about a third of their render time each). ``on_progress(done, total, take_id)``
    is called after each take."""
    if isinstance(lecture_ids, str):
        lecture_ids = [lecture_ids]
    wanted = set(lecture_ids) if lecture_ids is not None else None
    takes = store.takes()
    if wanted is not None:
        takes = takes[takes["lecture_id"].isin(wanted)]
    todo = []
    skipped = []
    for take in store.take_records(takes):
        current = takes.loc[takes["take_id"] == take.id, "metrics_version"].iloc[0]
        if not force and not pd.isna(current) and int(current) >= METRICS_VERSION:
            skipped.append(take.id)
        elif store.may_write(take.lecture_id):
            todo.append(take)
    measured: list[str] = []
    failed: list[tuple[str, str]] = []
    for done, take in enumerate(todo, 1):
        try:
            measure_stored_take(store, take)
            measured.append(take.id)
        except Exception as exc:  # one unreadable take must not stop the rest
            failed.append((take.id, f"{type(exc).__name__}: {exc}"))
            log.warning("Could not measure take %s: %s", take.id, exc)
        if on_progress is not None:
            on_progress(done, len(todo), take.id)
    return BackfillReport(tuple(measured), tuple(skipped), tuple(failed))
