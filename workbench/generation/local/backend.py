"""The default video model: camera moves on the starting image, rendered locally (no GPU, no network).

The async :meth:`LocalCameraBackend.generate` only coordinates: the CPU work is :func:`render_video` in
``request.executor`` (default: this backend's own thread pool). With a thread pool, or worker processes that
relay (``WorkerLinks``, the batch's default), progress reaches the callback on the event loop's thread and
cancelling the awaiting task stops the render within a frame. With other executors (a plain process pool,
Dask) neither can cross, so progress is silent and a cancelled render runs to its end before its output is
deleted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import threading
import time
from collections.abc import Hashable, Mapping
from pathlib import Path

from workbench.domain.defaults import DEFAULT_VIDEO_MODEL
from workbench.domain.models import VideoSettings
from workbench.domain.settings import validate_settings
from workbench.generation.base import (
    BackendInfo,
    CancelFlag,
    GenerationRequest,
    GenerationResult,
    Progress,
    ProgressCallback,
    WorkerLink,
    WorkerLinks,
)
from workbench.generation.local.camera import plan_camera_path
from workbench.generation.local.directions import describe_directions
from workbench.generation.local.encoder import INTERACTIVE, ThreadingPlan, quality_for
from workbench.generation.local.render import RenderReport, render_video
from workbench.generation.local.storyboard import storyboard_png

__all__ = ["LocalCameraBackend"]

#: How long a cancelled generate waits for the render thread to stop and clean up before giving up on it.
CANCEL_WAIT_S = 30.0


class LocalCameraBackend:
    """The ``local-camera`` model. See :mod:`workbench.generation.local.directions` for what it understands."""

    info = BackendInfo(
        name=DEFAULT_VIDEO_MODEL,
        label="Camera moves on the starting image (local, no GPU)",
        supports=frozenset({"movie_directions", "duration_s", "resolution", "fps", "seed"}),
        local=True,
        description=(
            "Zooms, pans, tilts, rolls and fades over the starting image, rendered on this machine in seconds. "
            "It animates the camera, not the content."
        ),
    )

    def __init__(
        self, *, max_workers: int = 1, quality: str = "standard", threading_plan: ThreadingPlan = INTERACTIVE
    ) -> None:
        """``quality`` is the encoder setting for requests that name none (see ``QUALITIES``); ``threading_plan``
        how renders share the cores (``THROUGHPUT`` for batches; takes are the same bytes either way)."""
        self.quality = quality_for(quality).name
        self.threading_plan = threading_plan
        self._max_workers = max_workers
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def check(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> tuple[str, ...]:
        """Warnings about the directions (words not understood…); never raises.

        Without ``regions`` the image's region names are unknown, so "on the diagram" is not flagged here.
        Settings are not validated here (the action validates them once, the editor shows field errors).
        """
        return describe_directions(settings.movie_directions, regions, seed=settings.seed).warnings

    def path_warnings(
        self,
        settings: VideoSettings,
        regions: Mapping[str, tuple[float, float, float, float]] | None,
        image_size: tuple[int, int],
    ) -> tuple[str, ...]:
        """What the image's size and shape do to the plan (a move with no room to be seen, a target the other
        way), known before rendering. Plans the same path the render will, at a few dozen samples; remembered,
        as a batch checks each item when it plans and again when it submits, and the editor on every change."""
        return _path_warnings(
            settings.movie_directions,
            settings.seed,
            tuple(sorted((name, tuple(box)) for name, box in (regions or {}).items())),
            settings.frame_count,
            settings.duration_s,
            (settings.resolution.width, settings.resolution.height),
            tuple(image_size),
        )

    def describe(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> str:
        """How the directions will be read, in words (the editor shows it as "Camera plan: …")."""
        return describe_directions(settings.movie_directions, regions, seed=settings.seed).summary

    def output_key(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> Hashable:
        """Equal keys render identical videos: the plan the words parse to (not the words, nor a seed that
        decides nothing) and the frame settings. Lets variants that would only repeat a take be flagged."""
        plan = describe_directions(settings.movie_directions, regions, seed=settings.seed)
        steps = tuple(dataclasses.replace(step, text="") for step in plan.steps)
        return (
            self.info.name,
            steps,
            plan.fade_in,
            plan.fade_out,
            settings.frame_count,
            settings.resolution,
            settings.fps,
        )

    def storyboard(
        self,
        settings: VideoSettings,
        image_path: str | Path,
        regions: Mapping[str, tuple[float, float, float, float]] | None = None,
    ) -> bytes:
        """The plan drawn on the starting image (PNG): first and last view, each step's end, the path."""
        return storyboard_png(image_path, settings, regions)

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        if not request.settings_checked:
            validate_settings(request.settings)
        quality = quality_for(request.quality or self.quality).name
        loop = asyncio.get_running_loop()
        executor = request.executor or self._default_executor()
        line = _line_to(executor, loop, progress)
        started = time.perf_counter()
        try:
            job = executor.submit(
                render_video,
                request.image_path,
                request.output_path,
                request.settings,
                regions=dict(request.regions),
                quality=quality,
                progress=line.progress,
                cancel=line.cancel,
                checked=True,
                threading_plan=self.threading_plan,
                observer=request.observer,
            )
        except BaseException:
            line.close()
            raise
        job.add_done_callback(lambda _done: line.close())  # the render may look at its flag until it ends
        waiter = asyncio.wrap_future(job)
        waiter.add_done_callback(_retrieve)
        try:
            report: RenderReport = await asyncio.shield(waiter)
        except asyncio.CancelledError:
            line.request_cancel()
            job.cancel()
            # Covers a render that finished just before it could see the cancel.
            job.add_done_callback(lambda done: _discard_output(done, Path(request.output_path)))
            if line.stops and not job.done():  # it removes its partial file as it stops: wait for that
                await asyncio.wait({waiter}, timeout=CANCEL_WAIT_S)
            raise
        return GenerationResult(
            path=report.path,
            frame_count=report.frame_count,
            fps=float(report.fps),
            width=report.width,
            height=report.height,
            codec=report.codec,
            size_bytes=report.size_bytes,
            timings={**report.timings, "wall_s": time.perf_counter() - started},
            warnings=report.warnings,
            metrics=report.metrics,
        )

    def shutdown(self) -> None:
        """Stop the default thread pool (renders in progress finish first)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _default_executor(self) -> concurrent.futures.Executor:
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self._max_workers, thread_name_prefix="local-camera"
                )
            return self._executor


@functools.lru_cache(maxsize=1024)
def _path_warnings(
    directions: str,
    seed: int | None,
    regions: tuple[tuple[str, tuple[float, float, float, float]], ...],
    frame_count: int,
    duration_s: float,
    size: tuple[int, int],
    image_size: tuple[int, int],
) -> tuple[str, ...]:
    plan = describe_directions(directions, dict(regions), seed=seed)
    samples = max(2, min(frame_count, 48))
    return plan_camera_path(plan, image_size, size, samples, samples / duration_s).warnings


class _Line:
    """How a render talks to the job that awaits it: progress (``None``: it cannot), a cancel flag, and whether
    a cancel stops it mid-way (``stops``); a thread pool's, a relaying worker pool's, or none."""

    def __init__(self, progress: ProgressCallback | None = None, link: WorkerLink | None = None) -> None:
        self._link = link
        self.progress = link.progress if link is not None else progress
        self.cancel: CancelFlag | None = link.cancel if link is not None else None
        if link is None and progress is not None:
            self.cancel = self._event = threading.Event()
        self.stops = self.cancel is not None

    def request_cancel(self) -> None:
        if self._link is not None:
            self._link.request_cancel()
        elif self.cancel is not None:
            self._event.set()

    def close(self) -> None:
        if self._link is not None:
            self._link.close()


def _line_to(
    executor: concurrent.futures.Executor, loop: asyncio.AbstractEventLoop, progress: ProgressCallback
) -> _Line:
    if isinstance(executor, concurrent.futures.ThreadPoolExecutor):
        return _Line(_on_loop(loop, progress))
    if isinstance(executor, WorkerLinks):
        return _Line(link=executor.link(_on_loop(loop, progress)))
    return _Line()


def _on_loop(loop: asyncio.AbstractEventLoop, callback: ProgressCallback) -> ProgressCallback:
    """Deliver progress from the render thread to ``callback`` on the event loop's thread."""

    def deliver(report: Progress) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening any more
            loop.call_soon_threadsafe(callback, report)

    return deliver


def _retrieve(future: asyncio.Future[RenderReport]) -> None:
    """Mark a late failure as seen (after a cancel nobody awaits it), so asyncio does not log it."""
    if not future.cancelled():
        future.exception()


def _discard_output(job: concurrent.futures.Future[RenderReport], output_path: Path) -> None:
    if not job.cancelled() and job.exception() is None:
        output_path.unlink(missing_ok=True)
