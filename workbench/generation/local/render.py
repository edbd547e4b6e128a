"""The renderer: starting image + settings → MP4, as one plain, picklable function.

:func:`render_video` takes only picklable arguments so it can run in a thread, a process pool or a Dask
worker. Where progress and cancellation cannot cross (a process), pass ``progress=None, cancel=None``.

A producer thread warps frames into a bounded queue while this thread encodes them, so warping hides in the
gaps x264 leaves on the cores and the whole render costs little more than encoding alone. Three details make
that work (each measured on 2 cores): the warping thread runs at the lowest CPU priority (Linux, where nice is
per thread) so it never delays x264; OpenCV is single-threaded during the frame loop (its worker threads would
compete at normal priority); and frame buffers are recycled once FFmpeg has let go of them.

The output appears atomically: frames go to ``.<stem>.partial<suffix>`` beside ``output_path`` and are
renamed into place only when complete; on any error or cancellation the partial file is removed.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import VideoSettings
from workbench.domain.settings import validate_settings
from workbench.errors import GenerationCancelledError, GenerationError
from workbench.generation.base import CancelFlag, FrameObserver, Progress, ProgressCallback
from workbench.generation.local.camera import CameraPath, CameraPose, plan_camera_path, shutter_poses
from workbench.generation.local.directions import describe_directions
from workbench.generation.local.encoder import (
    INTERACTIVE,
    EncoderQuality,
    H264Writer,
    ThreadingPlan,
    quality_for,
)
from workbench.generation.local.frames import FrameSources, draw_frame, new_i420_buffer, warp_frame
from workbench.generation.local.plan import CameraPlan, EffectKind
from workbench.generation.local.source import SourcePlanes, load_starting_image
from workbench.generation.local.text_lines import cover_boxes, find_text_lines

__all__ = ["CancelFlag", "RenderReport", "lower_thread_priority", "partial_path_for", "render_video"]

#: Priority (Linux nice) of an observer measuring the take as it renders: lowest, in a batch too. It then only
#: takes the CPU the renders leave idle; measured with batch_bench, a batch with measurements at the renders'
#: priority (0) took longer than with them at 19.
MEASURE_NICE = 19
#: Seconds between two progress reports (the first and the last frame are always reported). By wall time,
#: not frames: a render outruns playback many times over, and every report crosses to the event loop (from a
#: worker process, through a pipe) to be thrown away by the bus's own quarter-second throttle.
PROGRESS_INTERVAL_S = 0.1
#: Frames the warping thread may run ahead of the encoder (each is one output-size I420 buffer).
QUEUE_FRAMES = 8
#: How far out of focus a rack focus puts the rest of the picture (Gaussian sigma, share of the image width).
FOCUS_BLUR = 0.006
#: Sub-frames averaged for a whip pan's motion blur.
SHUTTER_SAMPLES = 7
#: The warping thread's nice value (Linux) for one render at a time: it gets only the CPU time x264 leaves
#: idle. A batch's renders use their threading plan's (see ``ThreadingPlan``).
WARP_NICE = INTERACTIVE.warp_nice
_POLL_S = 0.05
# A pooled buffer is free when only the caller holds it: its local name plus getrefcount's argument.
_UNSHARED_REFS = 2

Frames = queue.Queue[np.ndarray | BaseException]


@dataclass(frozen=True)
class RenderReport:
    """What :func:`render_video` produced. ``timings`` are seconds: load_s, render_s, total_s and the
    breakdown warp_s (warping thread busy), encode_s (encoder busy), wait_s (encoder starved)."""

    path: Path
    frame_count: int
    fps: int
    width: int
    height: int
    size_bytes: int
    codec: str = "h264"
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    summary: str = ""
    #: Remarks that are not problems (style words ignored, the shot framed tighter to make room).
    notes: tuple[str, ...] = ()
    #: What the ``observer`` measured while the video was encoded (``None``: no observer, or it failed).
    metrics: TakeMetrics | None = None


def partial_path_for(output_path: str | Path) -> Path:
    """Where the video is written before it is complete (same folder, so the final rename is atomic)."""
    output_path = Path(output_path)
    return output_path.with_name(f".{output_path.stem}.partial{output_path.suffix or '.mp4'}")


def render_video(
    image_path: str | Path,
    output_path: str | Path,
    settings: VideoSettings,
    *,
    regions: Mapping[str, tuple[float, float, float, float]] | None = None,
    quality: str | EncoderQuality = "standard",
    progress: ProgressCallback | None = None,
    cancel: CancelFlag | None = None,
    checked: bool = False,
    threading_plan: ThreadingPlan = INTERACTIVE,
    observer: FrameObserver | None = None,
) -> RenderReport:
    """Render ``settings.movie_directions`` over the starting image into ``output_path`` (an MP4).

    Raises :class:`InvalidSettingError` for unusable settings or quality, :class:`StartingImageMissingError`
    for a missing or corrupt image, :class:`GenerationCancelledError` once ``cancel`` is set. ``progress``
    is called from this thread. Nothing is left at ``output_path`` unless it returns. ``checked``: the
    caller validated ``settings`` already (a backend running a job), so they are not validated again.
    ``threading_plan`` changes how the render shares the cores, never its bytes. ``observer`` sees every
    frame as it is encoded (it measures the take meanwhile, on the CPU the render leaves idle).
    """
    started = time.perf_counter()
    if not checked:
        validate_settings(settings)
    encoder_quality = quality_for(quality)
    output_path = Path(output_path)
    if not output_path.parent.is_dir():
        raise GenerationError(
            "The folder for the video does not exist. Check the store is mounted.",
            detail=str(output_path.parent),
        )
    frame_count = settings.frame_count
    size = (settings.resolution.width, settings.resolution.height)
    _check(cancel)
    _report(progress, Progress(0.0, "Loading the starting image", 0, frame_count))
    rgb = load_starting_image(image_path)
    plan = describe_directions(settings.movie_directions, regions or {}, seed=settings.seed)
    lines = text_lines_of(plan, rgb)
    path = plan_camera_path(
        plan, (rgb.shape[1], rgb.shape[0]), size, frame_count, settings.fps, text_lines=lines
    )
    source = frame_sources(rgb, plan, path, lines)
    del rgb
    loaded = time.perf_counter()

    partial = partial_path_for(output_path)
    try:
        stats = _render_frames(
            path, source, partial, encoder_quality, progress, cancel, threading_plan, observer
        )
        _check(cancel)
        os.replace(partial, output_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        if observer is not None:
            observer.end(False)
        raise
    done = time.perf_counter()
    metrics = None
    if observer is not None:
        _report(progress, Progress(0.995, "Measuring the take", frame_count, frame_count))
        metrics = observer.end(True)
    measured = time.perf_counter()
    _report(progress, Progress(1.0, "Done", frame_count, frame_count))
    return RenderReport(
        path=output_path,
        frame_count=frame_count,
        fps=settings.fps,
        width=size[0],
        height=size[1],
        size_bytes=output_path.stat().st_size,
        timings={"load_s": loaded - started, "render_s": done - loaded, "total_s": done - started, **stats}
        | ({"measure_tail_s": measured - done} if observer is not None else {}),
        warnings=plan.warnings + path.warnings,
        summary=plan.summary,
        notes=plan.notes + path.notes,
        metrics=metrics,
    )


def text_lines_of(plan: CameraPlan, rgb: np.ndarray) -> dict[str, list[tuple[float, float, float, float]]]:
    """The text lines of every region whose lines the plan reveals one by one (by region name)."""
    out: dict[str, list[tuple[float, float, float, float]]] = {}
    for step in plan.steps:
        for effect in step.effects:
            if (
                effect.kind is EffectKind.LINES
                and effect.region is not None
                and effect.region.box is not None
            ):
                out[effect.region.name] = find_text_lines(rgb, effect.region.box)
    return out


def frame_sources(
    rgb: np.ndarray,
    plan: CameraPlan,
    path: CameraPath,
    lines: dict[str, list[tuple[float, float, float, float]]],
) -> FrameSources:
    """The source planes, plus the blurred and covered copies only when the shot's effects need them."""
    level = path.mip_level
    kinds = {layer.kind for pose in path.poses for layer in pose.layers}
    blurred = covered = None
    if "blur" in kinds:
        sigma = FOCUS_BLUR * rgb.shape[1]
        blurred = SourcePlanes.from_rgb(cv2.GaussianBlur(rgb, (0, 0), sigma), level)
    if "cover" in kinds:
        boxes = [box for found in lines.values() for box in found]
        boxes += [
            effect.region.box
            for step in plan.steps
            for effect in step.effects
            if effect.kind is EffectKind.REVEAL
            and effect.region is not None
            and effect.region.box is not None
        ]
        covered = SourcePlanes.from_rgb(cover_boxes(rgb, boxes), level)
    return FrameSources(SourcePlanes.from_rgb(rgb, level), blurred, covered)


def _render_frames(
    path: CameraPath,
    source: FrameSources,
    target: Path,
    quality: EncoderQuality,
    progress: ProgressCallback | None,
    cancel: CancelFlag | None,
    plan: ThreadingPlan = INTERACTIVE,
    observer: FrameObserver | None = None,
) -> dict[str, float]:
    """Warp in a producer thread, encode here; the producer is always stopped and joined before returning."""
    frames: Frames = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()
    pool = _BufferPool(*path.output_size)
    producer = _FrameProducer(path.poses, source, pool, frames, stop, cancel, nice=plan.warp_nice)
    with _OPENCV_THREADS.single():
        producer.start()
        try:
            encode_s, wait_s = _encode(
                frames, producer, pool, target, path, quality, progress, cancel, observer, MEASURE_NICE
            )
        finally:
            stop.set()
            _drain(frames)
            producer.join()
    return {"warp_s": producer.busy_s, "encode_s": encode_s, "wait_s": wait_s}


def _encode(
    frames: Frames,
    producer: threading.Thread,
    pool: _BufferPool,
    target: Path,
    path: CameraPath,
    quality: EncoderQuality,
    progress: ProgressCallback | None,
    cancel: CancelFlag | None,
    observer: FrameObserver | None = None,
    observer_nice: int = 0,
) -> tuple[float, float]:
    """Encode every frame as it arrives; returns seconds spent encoding and seconds waiting for frames."""
    total = len(path.poses)
    width, height = path.output_size
    encode_s = wait_s = 0.0
    reported = time.perf_counter()
    writer = H264Writer(target, width, height, round(path.fps), quality)
    if observer is not None:
        observer.begin(observer_nice)
    with writer:
        for index in range(total):
            t0 = time.perf_counter()
            frame = _next_frame(frames, producer, cancel)
            t1 = time.perf_counter()
            if observer is not None:
                observer.frame(frame)
            writer.write(frame)
            pool.give_back(frame)
            del frame
            encode_s += time.perf_counter() - t1
            wait_s += t1 - t0
            done = index + 1
            if progress is not None and (done in (1, total) or t1 - reported >= PROGRESS_INTERVAL_S):
                reported = t1
                _report(
                    progress, Progress(0.99 * done / total, f"Rendered frame {done} of {total}", done, total)
                )
        _check(cancel)
        flush_started = time.perf_counter()
    return encode_s + time.perf_counter() - flush_started, wait_s


def _next_frame(frames: Frames, producer: threading.Thread, cancel: CancelFlag | None) -> np.ndarray:
    while True:
        _check(cancel)
        try:
            item = frames.get(timeout=_POLL_S)
        except queue.Empty:
            if not producer.is_alive() and frames.empty():
                raise GenerationError("The frame renderer stopped unexpectedly.") from None
            continue
        if isinstance(item, BaseException):
            raise item
        return item


class _FrameProducer(threading.Thread):
    """Warps every pose into an I420 buffer and queues it; an error is queued in place of a frame."""

    def __init__(
        self,
        poses: tuple[CameraPose, ...],
        source: FrameSources,
        pool: _BufferPool,
        frames: Frames,
        stop: threading.Event,
        cancel: CancelFlag | None,
        *,
        nice: int = WARP_NICE,
    ) -> None:
        super().__init__(name="local-camera-frames", daemon=True)
        self.nice = nice
        self.poses, self.source, self.pool = poses, source, pool
        self.frames, self.stop, self.cancel = frames, stop, cancel
        self.busy_s = 0.0

    def run(self) -> None:
        lower_thread_priority(self.nice)
        try:
            previous: tuple[CameraPose, np.ndarray] | None = None
            for index, pose in enumerate(self.poses):
                if self.stop.is_set():
                    return
                _check(self.cancel)
                t0 = time.perf_counter()
                buffer = self.pool.take()
                if previous is not None and previous[0] == pose:
                    np.copyto(buffer, previous[1])  # a hold: same picture, no warp
                elif pose.layers or pose.blur:
                    shutter = shutter_poses(self.poses, index, SHUTTER_SAMPLES) if pose.blur else ()
                    draw_frame(self.source, pose, buffer, shutter)
                else:
                    warp_frame(self.source.base, pose, buffer)
                previous = (pose, buffer)
                self.busy_s += time.perf_counter() - t0
                self._put(buffer)
        except BaseException as exc:
            self._put(exc)

    def _put(self, item: np.ndarray | BaseException) -> None:
        while not self.stop.is_set():
            try:
                self.frames.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue


class _BufferPool:
    """I420 buffers for the warping thread, reused once FFmpeg has let go of them.

    A fresh 1.4 MB buffer per frame costs page faults on every frame. The encoder hands each buffer back after
    encoding, but FFmpeg may hold a reference a while longer (depending on x264's options), so a buffer is
    reused only when its reference count shows nobody else holds it; otherwise a new one is allocated.
    """

    def __init__(self, width: int, height: int, keep: int = 2 * QUEUE_FRAMES) -> None:
        self._size = (width, height)
        self._keep = keep
        self._returned: collections.deque[np.ndarray] = collections.deque()  # thread-safe appends and pops

    def take(self) -> np.ndarray:
        for _ in range(len(self._returned)):
            try:
                buffer = self._returned.popleft()
            except IndexError:
                break
            if sys.getrefcount(buffer) <= _UNSHARED_REFS:
                return buffer
            self._returned.append(buffer)
        return new_i420_buffer(*self._size)

    def give_back(self, buffer: np.ndarray) -> None:
        self._returned.append(buffer)
        while len(self._returned) > self._keep:
            with contextlib.suppress(IndexError):
                self._returned.popleft()


class _OpenCvThreads:
    """Runs OpenCV single-threaded while any render is in its frame loop, then restores the old setting.

    OpenCV's thread count is process-wide, and its worker threads would compete with x264 at normal priority
    while the warping thread itself yields. Counted, so overlapping renders restore it when the last one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 0

    @contextlib.contextmanager
    def single(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = cv2.getNumThreads()
                cv2.setNumThreads(1)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    cv2.setNumThreads(self._saved)


_OPENCV_THREADS = _OpenCvThreads()


def lower_thread_priority(nice: int = WARP_NICE) -> None:
    """Give the calling thread the ``nice`` CPU priority (Linux, where nice is per thread; elsewhere a no-op)."""
    if nice and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def _drain(frames: Frames) -> None:
    while True:
        try:
            frames.get_nowait()
        except queue.Empty:
            return


def _check(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise GenerationCancelledError("The generation was cancelled; nothing was saved.")


def _report(progress: ProgressCallback | None, report: Progress) -> None:
    if progress is not None:
        progress(report)
