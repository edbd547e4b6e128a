"""A take's metrics: what its video shows, measured once after it is stored, for any model.

One pass decodes the video (every frame: the decode check, black and frozen frames on a coarse grid of
pixels) and keeps up to ``MAX_SAMPLES`` evenly spaced frames at ``METRICS_WIDTH`` pixels. On those samples:

- the camera track, by registering each on the starting image (:func:`measure_camera`), gives the motion
  (amount and path), its smoothness (jitter, reversals and stalls within the moves the directions ask for) and
  direction adherence (:func:`score_adherence` against the moves the local model's parser reads in the take's
  directions, whichever model made it);
- sharpness compares each frame's detail with the starting image seen through the same registration;
- similarity is the mean SSIM against the committed video's frames at the same times.

The frames come from the file or, while the local model renders the take, from its encoder's input
(:class:`FrameFeed`, :mod:`workbench.analysis.live_metrics`): no decode at all.

Sampling is what keeps the cost to a fraction of a render (``benchmarks/metrics_bench.py``): registration
and adherence grow with the samples, not with the length of the clip. Everything here is a plain function of
files and arguments that pickle, so a process pool or a Dask worker can run it.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import math
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import av
import cv2
import numpy as np

from workbench.analysis.adherence import Adherence, score_adherence
from workbench.analysis.camera_track import CameraTrack, TrackPoint, measure_camera
from workbench.analysis.expected import CAMERA_KINDS, expected_from_directions
from workbench.analysis.registration import StartingImage
from workbench.domain.metrics import METRICS_VERSION, MoveCheck, PathSample, TakeMetrics
from workbench.generation.local.camera import plan_camera_path
from workbench.generation.local.plan import CameraPlan

__all__ = [
    "MAX_SAMPLES",
    "METRICS_WIDTH",
    "DecodedVideo",
    "FrameFeed",
    "content_hash",
    "decode_for_metrics",
    "forget_references",
    "keep_reference_samples",
    "measure_take",
    "ssim",
]

Box = tuple[float, float, float, float]

#: Width (px) frames are analysed at: registration stays within 1-2 % of the view (see the metrics tests).
METRICS_WIDTH = 160
#: Width frames are analysed at when the directions ask for picture effects (text lines, focus): those are
#: judged on small details, which 160 px and its registration error (1-2 % of the view) lose.
DETAIL_WIDTH = 320
#: Frames sampled for registration, sharpness and similarity (evenly spaced over the clip).
MAX_SAMPLES = 24
#: The starting image is registered against at most this width (zoom stays exact: it is a ratio).
IMAGE_WIDTH = 1280
#: A frame is black when its mean luma is below this (video black is 16) and it shows almost no contrast.
BLACK_LUMA = 24.0
BLACK_SPREAD = 6.0
#: Two consecutive frames are the same picture when at most ``FROZEN_SHARE`` of the grid's pixels differ by more
#: than ``FROZEN_DIFF``: H.264 keeps refreshing a still picture, changing a few pixels by up to ~10 levels
#: (measured on x264 takes), which a strict "no pixel changed" would read as motion.
FROZEN_DIFF = 2
FROZEN_SHARE = 0.001
#: Pixels per side of the coarse grid black and frozen frames are judged on.
GRID_WIDTH = 160
#: A lost frame the whole view (or the last pose) explains this well is taken without searching the image.
CONFIDENT = 0.6
#: Progress along a move that goes back by more than this share of the move counts as a reversal.
REVERSAL_SHARE = 0.03
#: In the middle half of a move, a sample interval with less than this share of the move's mean speed stalls.
STALL_SHARE = 0.2


def content_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes (equal hashes: byte-identical takes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class MeasuredFrame(NamedTuple):
    """What the one pass needs of a frame: its coarse grid, its luma when it may be sampled, its time (s)."""

    grid: np.ndarray
    luma: np.ndarray | None
    time: float


@dataclass
class DecodedVideo:
    """What one decoding pass kept: counts for the decode check, black/frozen tallies, and the samples."""

    frames: int = 0
    fps: float = 0.0
    duration_s: float = 0.0
    samples: list[np.ndarray] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    #: Frames between two samples (samples are frames 0, stride, 2·stride, …).
    stride: int = 1
    black: int = 0
    frozen_pairs: int = 0


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's Y plane without a copy where the decoder's format allows."""
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "gray"):
        plane = frame.planes[0]
        return np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, : frame.width]
    return frame.to_ndarray(format="gray")


def _video_stream(container: av.container.InputContainer) -> tuple[av.video.stream.VideoStream, float, int]:
    """The file's video stream, its frame rate and its frame count as the header gives them (estimated from
    the duration when the count is missing; 0 when neither is known)."""
    if not container.streams.video:
        raise ValueError("the file has no video stream")
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else 0.0
    estimate = stream.frames or (
        round(float(stream.duration * stream.time_base) * fps) if stream.duration and fps else 0
    )
    return stream, fps, estimate


def decode_for_metrics(
    path: str | Path,
    *,
    width: int = METRICS_WIDTH,
    max_samples: int = MAX_SAMPLES,
    at_times: Sequence[float] | None = None,
    on_sample: Callable[[np.ndarray], None] | None = None,
) -> DecodedVideo:
    """Decode every frame of ``path``; keep grey samples ``width`` wide, evenly spaced (at most
    ``max_samples``; each also handed to ``on_sample`` as soon as it is decoded), or, with ``at_times``, the
    frame on screen at each of those times (``samples`` then lines up with ``at_times``; ``None`` past the
    video's end), to compare two videos at the same moments.

    Raises :class:`av.error.FFmpegError` (or ``ValueError`` for a file without video) when it does not decode.
    """
    if at_times is not None:
        return _frames_at(path, at_times, width)
    with av.open(str(path)) as container:
        stream, fps, estimate = _video_stream(container)
        # one decoding thread: measuring runs beside other work (a render, the other video), and FFmpeg's
        # slice threads cost a third more CPU here for the same frames (measured on a 720p take)
        stream.codec_context.thread_count = 1
        return _tally(
            _file_frames(container.decode(stream), fps), fps, estimate, width=width, max_samples=max_samples,
            on_sample=on_sample,
        )  # fmt: skip


def _file_frames(frames: Iterable[av.VideoFrame], fps: float) -> Iterator[MeasuredFrame]:
    """Decoded frames as :func:`_tally` reads them."""
    for index, frame in enumerate(frames):
        luma = _luma(frame)
        t = float(frame.time) if frame.time is not None else (index / fps if fps else 0.0)
        yield MeasuredFrame(_grid(luma), luma, t)


def _changed(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels differ by more than ``FROZEN_DIFF``."""
    return int(np.count_nonzero(cv2.absdiff(a, b) > FROZEN_DIFF))


def _grid(luma: np.ndarray) -> np.ndarray:
    """The coarse grid of pixels black and frozen frames are judged on."""
    step = max(1, luma.shape[1] // GRID_WIDTH)
    return np.ascontiguousarray(luma[::step, ::step])


def _tally(
    frames: Iterable[MeasuredFrame],
    fps: float,
    estimate: int,
    *,
    width: int,
    max_samples: int,
    on_sample: Callable[[np.ndarray], None] | None,
) -> DecodedVideo:
    """The one pass over every frame behind :func:`decode_for_metrics` (frames decoded from a file or, while
    the local model renders a video, the frames it encodes: :class:`FrameFeed`)."""
    out = DecodedVideo(fps=fps)
    out.stride = max(1, math.ceil(estimate / max_samples)) if estimate else 1
    previous_grid: np.ndarray | None = None
    last_time = 0.0
    for index, frame in enumerate(frames):
        grid = frame.grid
        mean, spread = cv2.meanStdDev(grid)  # a tenth of numpy's mean() and std() on a small grid
        if float(mean[0, 0]) < BLACK_LUMA and float(spread[0, 0]) < BLACK_SPREAD:
            out.black += 1
        same_size = previous_grid is not None and previous_grid.shape == grid.shape
        if same_size and _changed(previous_grid, grid) <= FROZEN_SHARE * grid.size:
            out.frozen_pairs += 1
        previous_grid = grid
        last_time = frame.time
        out.frames += 1
        if index % out.stride == 0:
            if frame.luma is None:
                raise RuntimeError(f"frame {index} was not kept for sampling")
            out.samples.append(_small(frame.luma, width))
            out.times.append(frame.time)
            if on_sample is not None:
                on_sample(out.samples[-1])
            elif len(out.samples) > 2 * max_samples:  # the estimate was short: thin to every other
                out.samples, out.times = out.samples[::2], out.times[::2]
                out.stride *= 2
    if out.frames == 0:
        raise ValueError("the video has no frames")
    out.duration_s = out.frames / out.fps if out.fps else last_time
    return out


def _frames_at(path: str | Path, times: Sequence[float], width: int) -> DecodedVideo:
    """The frame on screen at each of ``times`` (``None`` past the end), decoding only what they need: every
    frame others are predicted from, and the wanted ones; a frame nothing refers to and nobody wants is
    skipped (about half the decoding work of an x264 take). No black/frozen tallies: a comparison only."""
    out = DecodedVideo()
    with av.open(str(path)) as container:
        stream, out.fps, _ = _video_stream(container)
        codec = stream.codec_context
        codec.thread_count = 1  # skipping is decided packet by packet: frame threads would run ahead of it
        packets = [p for p in container.demux(stream) if p.size]
        if not packets or any(p.pts is None for p in packets):
            raise ValueError("the video has no timed frames")
        base = stream.time_base
        starts = sorted({int(p.pts) for p in packets})
        start_times = [float(pts * base) for pts in starts]
        frame_s = 1 / out.fps if out.fps else 0.0
        end = start_times[-1] + frame_s
        # what is on screen at a wanted time is the last frame that started at or before it
        shown: list[int | None] = []
        for t in times:
            i = bisect.bisect_right(start_times, t + 1e-6) - 1
            shown.append(starts[i] if i >= 0 and t < end - 1e-6 else None)
        needed = {pts for pts in shown if pts is not None}
        kept: dict[int, np.ndarray] = {}

        def keep(frames: Iterable[av.VideoFrame]) -> None:
            for frame in frames:
                out.frames += 1
                if frame.pts in needed:
                    kept[int(frame.pts)] = _small(_luma(frame), width)

        for packet in packets:
            codec.skip_frame = "DEFAULT" if packet.pts in needed else "NONREF"
            keep(codec.decode(packet))
        codec.skip_frame = "DEFAULT"
        keep(codec.decode(None))
    out.samples = [kept.get(pts) if pts is not None else None for pts in shown]  # type: ignore[misc]
    out.times = list(times)
    out.duration_s = len(starts) * frame_s if frame_s else end
    return out


class FrameFeed:
    """The frames of a video handed over one by one while the local model encodes them (I420 buffers), so
    the take is measured as it renders instead of decoding the finished file.

    :meth:`put` runs in the render's encoding thread and never blocks it: it copies the coarse grid of the
    frame (a few kilobytes) and, for the frames sampled, the luma plane, and lets the buffer go at once.
    These are the frames before H.264 compression; a later measurement of the file agrees within what the
    compression changes (tested). :meth:`close` ends the stream, :meth:`abort` abandons it.
    """

    def __init__(self, fps: float, frame_count: int) -> None:
        self.fps, self.frame_count = fps, frame_count
        _, self._stride, _ = _plan(fps, frame_count)
        self._index = 0
        self._queue: queue.SimpleQueue[MeasuredFrame | bool] = queue.SimpleQueue()

    def put(self, i420: np.ndarray) -> None:
        height = i420.shape[0] * 2 // 3
        luma = i420[:height]
        index, self._index = self._index, self._index + 1
        kept = luma.copy() if index % self._stride == 0 else None
        self._queue.put(MeasuredFrame(_grid(luma), kept, index / self.fps if self.fps else 0.0))

    def close(self) -> None:
        self._queue.put(True)

    def abort(self) -> None:
        self._queue.put(False)

    def frames(self) -> Iterator[MeasuredFrame]:
        """The frames in order; raises ``RuntimeError`` when the stream was abandoned."""
        while True:
            item = self._queue.get()
            if item is False:
                raise RuntimeError("the video being measured was abandoned")
            if item is True:
                return
            yield item


#: Committed videos' samples, kept for the next take measured against the same file (variants, a series of
#: regenerations of one segment): key (path, size, mtime, width, times) → decoded samples.
_REFERENCES: dict[tuple[object, ...], DecodedVideo] = {}
_REFERENCES_LOCK = threading.Lock()
REFERENCE_CACHE_SIZE = 4


def _reference(
    path: str | Path, width: int, times: Sequence[float], cache: Path | None = None
) -> DecodedVideo:
    """The committed video's frames at ``times``: from memory (this process measured against it before), from
    ``cache`` (a folder of samples kept on disk by content: any process, any session), else decoded and kept
    in both. Decoding a 720p committed video costs about a tenth of rendering a take: a segment's first take
    pays it once, and :func:`keep_reference_samples` can pay it ahead, when a take is accepted."""
    st = Path(path).stat()
    key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, width, tuple(times))
    with _REFERENCES_LOCK:
        found = _REFERENCES.get(key)
    if found is not None:
        return found
    stored = _cache_file(cache, path, width, times) if cache is not None else None
    decoded = _read_samples(stored, width, times) if stored is not None else None
    if decoded is None:
        decoded = decode_for_metrics(path, width=width, at_times=times)
        if stored is not None:
            _write_samples(stored, decoded)
    with _REFERENCES_LOCK:
        _REFERENCES[key] = decoded
        while len(_REFERENCES) > REFERENCE_CACHE_SIZE:
            _REFERENCES.pop(next(iter(_REFERENCES)))
    return decoded


def keep_reference_samples(
    video: str | Path,
    cache: Path,
    *,
    directions: str = "",
    regions: Mapping[str, Box] | None = None,
    seed: int = 0,
    starting_image: str | Path | None = None,
) -> None:
    """Decode ``video``'s samples into ``cache`` now (and keep them in memory), at the width a take with
    ``directions`` is analysed at, for takes of its length and frame rate (the usual next try), and prepare
    ``starting_image`` for registration: called before a take of the segment is likely (its editor opened,
    a take accepted), so that take's measurement finds both ready."""
    width = analysis_width(directions, regions or {}, seed)
    if starting_image is not None:
        grey, _start = _prepared(starting_image, width, cache)
        kept = _grey_file(starting_image, cache)  # prepared in memory before, perhaps without this cache
        if kept is not None and not kept.exists():
            _keep_grey(kept, grey)
    _fps, _stride, times = sample_plan(video)
    if times:
        _reference(video, width, times, cache)


def analysis_width(directions: str, regions: Mapping[str, Box], seed: int = 0) -> int:
    """The width a take with these directions is analysed at: picture effects (text lines, focus) are judged
    on small details, so they get larger samples."""
    expected, _plan = expected_from_directions(directions, regions, seed=seed)
    return _width_for(expected)


def _width_for(expected: Sequence[Sequence[Any]]) -> int:
    """:func:`analysis_width` of moves already read from the directions."""
    return (
        DETAIL_WIDTH if any(m.kind not in CAMERA_KINDS for step in expected for m in step) else METRICS_WIDTH
    )


#: Files of samples in a cache folder: ``<sha256 of the video>-<width>-<digest of the times>.npz``.
_SAMPLES_SUFFIX = ".npz"


def _cache_file(cache: Path, video: str | Path, width: int, times: Sequence[float]) -> Path | None:
    try:
        content = content_hash(video)
    except OSError:
        return None
    moments = hashlib.sha256(repr([round(t, 6) for t in times]).encode()).hexdigest()[:16]
    return cache / f"{content}-{width}-{moments}{_SAMPLES_SUFFIX}"


def _read_samples(file: Path, width: int, times: Sequence[float]) -> DecodedVideo | None:
    """Kept samples, or ``None`` when there are none or they do not fit (a damaged file is decoded again)."""
    try:
        with np.load(file, allow_pickle=False) as data:
            frames, present = data["samples"], data["present"]
            fps, frames_total, duration = (float(x) for x in data["facts"])
    except Exception:  # missing, cut short, not an archive, other arrays: decode the video instead
        return None
    if (
        frames.dtype != np.uint8 or frames.ndim != 3 or frames.shape[2] != width
        or len(frames) != len(times) or present.shape != (len(times),)
    ):  # fmt: skip
        return None
    out = DecodedVideo(frames=int(frames_total), fps=fps, duration_s=duration, times=list(times))
    out.samples = [np.ascontiguousarray(f) if ok else None for f, ok in zip(frames, present, strict=True)]  # type: ignore[misc]
    return out


def _write_samples(file: Path, decoded: DecodedVideo) -> None:
    """Keep samples for later (a failure only costs time: the next take decodes the video itself)."""
    shape = next((s.shape for s in decoded.samples if s is not None), None)
    if shape is None:
        return
    frames = np.stack([s if s is not None else np.zeros(shape, np.uint8) for s in decoded.samples])
    present = np.array([s is not None for s in decoded.samples])
    facts = np.array([decoded.fps, decoded.frames, decoded.duration_s])
    _keep(file, lambda fh: np.savez_compressed(fh, samples=frames, present=present, facts=facts))


def _keep(file: Path, write: Callable[[Any], None]) -> None:
    """Write a cache file atomically (a reader sees the whole file or none); a read-only store or a full disk
    only costs the next reader the work the file would have saved."""
    # ".<name>...tmp": a name the store's sweep of killed writers' leftovers knows (store.atomic.is_temp_name)
    temporary = file.with_name(f".{file.stem}.{os.getpid()}.{threading.get_native_id()}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as fh:
            write(fh)
        os.replace(temporary, file)
    except Exception:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def forget_references() -> None:
    """Drop the cached committed-video samples and starting images (benchmarks measure the first, uncached
    measurement of a segment's take)."""
    with _REFERENCES_LOCK:
        _REFERENCES.clear()
        _IMAGES.clear()


def sample_plan(path: str | Path, max_samples: int = MAX_SAMPLES) -> tuple[float, int, list[float]]:
    """From the file's header only: (fps, stride, sample times) that :func:`decode_for_metrics` will keep."""
    with av.open(str(path)) as container:
        _, fps, estimate = _video_stream(container)
    return _plan(fps, estimate, max_samples)


def _plan(fps: float, estimate: int, max_samples: int = MAX_SAMPLES) -> tuple[float, int, list[float]]:
    stride = max(1, math.ceil(estimate / max_samples)) if estimate else 1
    times = [i * stride / fps for i in range(math.ceil(estimate / stride))] if fps and estimate else []
    return fps, stride, times


def _small(luma: np.ndarray, width: int) -> np.ndarray:
    h, w = luma.shape
    if w <= width:
        return luma.copy()
    return cv2.resize(luma, (width, max(2, round(h * width / w))), interpolation=cv2.INTER_AREA)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two grey images of one size (Wang et al. 2004: 11×11 Gaussian, σ 1.5)."""
    x, y = a.astype(np.float32), b.astype(np.float32)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(img: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(img, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(score.mean())


def _detail(img: np.ndarray) -> float:
    """Mean Laplacian energy of a lightly smoothed grey image (what a blur takes away)."""
    smooth = cv2.GaussianBlur(img.astype(np.float32), (3, 3), 0)
    return float(np.abs(cv2.Laplacian(smooth, cv2.CV_32F)).mean())


def _seen(start: StartingImage, point: TrackPoint | None, size: tuple[int, int]) -> np.ndarray:
    """The starting image as the frame would show it, made the way the frame was: warped at four times the
    analysis size (from the pyramid level that keeps that warp from aliasing), then area-averaged down, as a
    rendered frame is warped at its own size and area-averaged to the analysis width. Through the frame's
    registration, or crop-to-fill when it did not register."""
    w, h = size
    iw, ih = start.size
    if point is None:
        scale = max(w / iw, h / ih)
        homography = np.array(
            [[1 / scale, 0, iw / 2 - w / (2 * scale)], [0, 1 / scale, ih / 2 - h / (2 * scale)], [0, 0, 1.0]]
        )
    else:
        homography = point.homography
    big = homography @ np.diag([0.25, 0.25, 1.0])  # big frame px -> image px
    spread = math.sqrt(abs(np.linalg.det(big[:2, :2])))
    level = int(min(max(math.floor(math.log2(max(spread, 1e-6))), 0), len(start.levels) - 1))
    to_level = np.diag([0.5**level, 0.5**level, 1.0]) @ big
    warped = cv2.warpPerspective(
        start.levels[level], to_level, (4 * w, 4 * h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    return cv2.resize(warped, (w, h), interpolation=cv2.INTER_AREA)


class _Sharpness:
    """Detail of the frames ÷ detail of the starting image seen the same way (1: as sharp as the image), summed
    frame by frame: as each sample is registered, while the take still renders, rather than after its end."""

    def __init__(self, start: StartingImage) -> None:
        self.start = start
        self.frame_detail = self.image_detail = 0.0

    def add(self, frame: np.ndarray, point: TrackPoint | None) -> None:
        seen = _seen(self.start, point, (frame.shape[1], frame.shape[0]))
        self.frame_detail += _detail(frame)
        # video luma is limited range (16-235), the image full range: compare like for like
        self.image_detail += _detail(seen) * 219.0 / 255.0

    def value(self) -> float | None:
        return self.frame_detail / self.image_detail if self.image_detail > 1e-6 else None


def _sharpness(decoded: DecodedVideo, track: CameraTrack, start: StartingImage) -> float | None:
    """:class:`_Sharpness` of samples already registered."""
    points = {p.index: p for p in track.points}
    sharpness = _Sharpness(start)
    for index, frame in enumerate(decoded.samples):
        sharpness.add(frame, points.get(index))
    return sharpness.value()


def _motion(points: Sequence[TrackPoint]) -> tuple[float, float | None]:
    """Path length in views (centre shift in views plus |Δ log zoom|), and jitter: the RMS change of the
    centre's velocity (views per frame) from one sample interval to the next, per frame (velocities and
    their change are divided by the frames between samples, so any sampling compares)."""
    amount = 0.0
    velocities = []
    for a, b in itertools.pairwise(points):
        dx, dy = (b.cx - a.cx) / a.view_w, (b.cy - a.cy) / a.view_h
        amount += math.hypot(dx, dy) + abs(math.log(b.zoom / a.zoom))
        gap = max(b.index - a.index, 1)
        velocities.append((dx / gap, dy / gap, (a.index + b.index) / 2))
    if len(velocities) < 2:
        return amount, None
    accel = [
        math.hypot(v2[0] - v1[0], v2[1] - v1[1]) / max(v2[2] - v1[2], 1)
        for v1, v2 in itertools.pairwise(velocities)
    ]
    return amount, float(np.sqrt(np.mean(np.square(accel))))


def _pose(p: TrackPoint, a: TrackPoint) -> np.ndarray:
    return np.array([p.cx - a.cx, p.cy - a.cy, math.log(p.zoom / a.zoom), (p.angle_deg - a.angle_deg) / 100])


def _reversals_and_stalls(
    points: Sequence[TrackPoint], windows: Sequence[tuple[float, float]]
) -> tuple[int, int]:
    """Within each step's part of the clip, progress along the step's own motion must only grow: going back
    by more than ``REVERSAL_SHARE`` of the move is a reversal; and between 5 % and 95 % of the way (where an
    eased move is under way) the middle half must keep moving: an interval slower than ``STALL_SHARE`` of the
    mean pace there is a stall."""
    reversals = stalls = 0
    for start, end in windows:
        inside = [p for p in points if start - 1e-6 <= p.time <= end + 1e-6]
        if len(inside) < 3:
            continue
        total = _pose(inside[-1], inside[0])
        norm = float(total @ total)
        if norm < 1e-8:
            continue
        progress = np.array([float(_pose(p, inside[0]) @ total) / norm for p in inside])
        peak = np.maximum.accumulate(progress)
        back = (peak - progress) > REVERSAL_SHARE
        reversals += int(np.sum(back[1:] & ~back[:-1]) + back[0])
        first = int(np.argmax(progress >= 0.05))
        last = int(np.argmax(progress >= 0.95))
        steps = np.diff(progress[first : last + 1])
        if len(steps) < 4:
            continue
        pace = (progress[last] - progress[first]) / len(steps)
        quarter = len(steps) // 4
        slow = np.abs(steps[quarter : len(steps) - quarter]) < STALL_SHARE * pace
        stalls += int(np.sum(slow[1:] & ~slow[:-1]) + slow[0]) if len(slow) else 0
    return reversals, stalls


def _step_windows(adherence: Adherence, track: CameraTrack) -> list[tuple[float, float]]:
    """Each step's part of the clip, cut where the camera is slowest between one step and the next (adherence
    finds where each move is seen, not where it starts and ends). The whole clip when the directions ask for no
    camera move or none was seen."""
    spans: dict[int, tuple[float, float]] = {}
    for m in adherence.moves:
        if m.ok and m.move.kind in CAMERA_KINDS - {"hold", "shake"} and m.start_s is not None:
            s, e = spans.get(m.step, (m.start_s, m.end_s or m.start_s))
            spans[m.step] = (min(s, m.start_s), max(e, m.end_s or m.start_s))
    if not track.points:
        return []
    points = track.points
    ordered = [spans[k] for k in sorted(spans)]
    if not ordered:
        return [(points[0].time, points[-1].time)]
    cuts = [0]
    for (begin, _), (_, end) in itertools.pairwise(ordered):
        # steps meet where the camera is slowest (an eased move comes to rest before the next one starts),
        # somewhere between where the one is first seen and the next last seen, leaving each a few samples
        between = [
            i
            for i, p in enumerate(points)
            if begin - 1e-6 <= p.time <= end + 1e-6 and cuts[-1] + 2 <= i <= len(points) - 3
        ]
        if between:
            cuts.append(min(between, key=lambda i: _speed(points, i)))
    cuts.append(len(points) - 1)
    return [(points[a].time, points[b].time) for a, b in itertools.pairwise(cuts)]


def _speed(points: Sequence[TrackPoint], i: int) -> float:
    """How far the pose moves around sample ``i`` (to the samples before and after)."""
    near = [points[j] for j in (i - 1, i + 1) if 0 <= j < len(points)]
    return sum(float(np.linalg.norm(_pose(points[i], p))) for p in near) / max(len(near), 1)


#: Starting images prepared for registration, kept for the next take of the same segment:
#: key (path, size, mtime, width) → (grey pixels, prepared image).
_IMAGES: dict[tuple[object, ...], tuple[np.ndarray, StartingImage]] = {}


def _prepared(
    image: str | Path | np.ndarray, width: int, cache: Path | None = None
) -> tuple[np.ndarray, StartingImage]:
    key = None
    if not isinstance(image, np.ndarray):
        st = Path(image).stat()
        key = (str(Path(image).resolve()), st.st_size, st.st_mtime_ns, width)
        with _REFERENCES_LOCK:
            found = _IMAGES.get(key)
        if found is not None:
            return found
    grey = _load_grey(image, cache)
    prepared = grey, StartingImage(grey, thumbnail_width=3 * width, feature_width=4 * width)
    if key is not None:
        with _REFERENCES_LOCK:
            _IMAGES[key] = prepared
            while len(_IMAGES) > REFERENCE_CACHE_SIZE:
                _IMAGES.pop(next(iter(_IMAGES)))
    return prepared


def _load_grey(image: str | Path | np.ndarray, cache: Path | None = None) -> np.ndarray:
    """The image in grey, at most ``IMAGE_WIDTH`` on its longer side. A file's is kept in ``cache`` by content,
    compressed: decoding a slide's PNG costs 25-30 ms, a sixth of a take's measurement; reading the kept
    pixels about 3 ms, from a file a fiftieth of the raw pixels' size (19 KB for a 1280x720 slide)."""
    if isinstance(image, np.ndarray):
        return _fit(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    kept = _grey_file(image, cache) if cache is not None else None
    if kept is not None:
        try:
            with np.load(kept, allow_pickle=False) as data:
                grey = data["grey"]
            if grey.dtype == np.uint8 and grey.ndim == 2 and max(grey.shape) <= IMAGE_WIDTH:
                return grey
        except Exception:  # none kept yet, or damaged: decode the image again
            pass
    from workbench.generation.local.source import load_starting_image

    grey = _fit(cv2.cvtColor(load_starting_image(image), cv2.COLOR_RGB2GRAY))
    if kept is not None:
        _keep_grey(kept, grey)
    return grey


def _grey_file(image: str | Path, cache: Path) -> Path | None:
    try:
        return cache / f"image-{content_hash(image)}-{IMAGE_WIDTH}.npz"
    except OSError:
        return None


def _keep_grey(file: Path, grey: np.ndarray) -> None:
    _keep(file, lambda fh: np.savez_compressed(fh, grey=grey))


def _fit(grey: np.ndarray) -> np.ndarray:
    longest = max(grey.shape)
    if longest > IMAGE_WIDTH:
        factor = IMAGE_WIDTH / longest
        grey = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return grey


def measure_take(
    video: str | Path,
    *,
    starting_image: str | Path | np.ndarray | None,
    directions: str = "",
    seed: int = 0,
    regions: Mapping[str, Box] | None = None,
    committed: str | Path | None = None,
    feed: FrameFeed | None = None,
    reference_cache: Path | None = None,
) -> TakeMetrics:
    """Measure one take's video (see the module docstring). ``committed`` is the segment's committed video,
    for similarity (``None``: no similarity); ``reference_cache`` a folder where its samples and the starting
    image's grey pixels are kept for other processes and sessions (the store's :attr:`~workbench.store.LectureStore.samples_cache`). Raises when the
    video does not decode at all.

    Three things overlap (FFmpeg and OpenCV release the GIL): the take decodes in one thread while its
    samples are registered as they come, and the committed video decodes in another. With ``feed`` the
    frames come from the local model's encoder while it renders (:class:`LiveMeasurement`); ``video`` is
    then only read (hashed) once the feed is closed, when the file is complete.
    """
    started = time.perf_counter()
    if feed is not None:
        _fps, _stride, planned = _plan(feed.fps, feed.frame_count)
    else:
        _fps, _stride, planned = sample_plan(video)
    expected, plan = expected_from_directions(directions, regions or {}, seed=seed)
    width = _width_for(expected)
    reference = _Background(
        lambda: (
            _reference(committed, width, planned, reference_cache)
            if committed is not None and planned
            else None
        )
    )
    samples: queue.Queue[np.ndarray | None] = queue.Queue()

    def decode() -> DecodedVideo:
        on_sample = samples.put if planned else None
        try:
            if feed is not None:
                return _tally(
                    feed.frames(), feed.fps, feed.frame_count, width=width, max_samples=MAX_SAMPLES,
                    on_sample=on_sample,
                )  # fmt: skip
            return decode_for_metrics(video, width=width, on_sample=on_sample)
        finally:
            samples.put(None)

    decoding = _Background(decode)
    grey = start = None
    if starting_image is not None:
        grey, start = _prepared(starting_image, width, reference_cache)

    def streamed() -> Iterator[np.ndarray]:
        while (frame := samples.get()) is not None:
            yield frame

    track = None
    sharp = _Sharpness(start) if start is not None else None
    first_view = _planned_start(plan, start, width, len(planned), _fps / _stride if _fps else 1.0)
    if start is not None and planned:
        sample_fps = _fps / _stride if _fps else 1.0
        track = measure_camera(
            streamed(), start, fps=sample_fps, confident=CONFIDENT, first_view=first_view,
            on_frame=sharp.add if sharp is not None else None,
        )  # fmt: skip
    decoded = decoding.result()
    # what is left once the last frame is in runs side by side (the person is waiting; OpenCV, FFmpeg and
    # hashlib release the GIL): the file's hash, the similarity, and adherence here
    digest = _Background(lambda: content_hash(video))
    similarity = _Background(lambda: _similarity(decoded, reference))
    if start is not None and (track is None or track.frame_count != len(decoded.samples)):
        # the header's frame count was missing or wrong: register the samples actually kept
        sample_fps = decoded.fps / decoded.stride if decoded.fps else 1.0
        track = measure_camera(
            decoded.samples, start, fps=sample_fps, confident=CONFIDENT, first_view=first_view
        )
        sharp = None

    motion_amount = jitter = sharpness = None
    reversals = stalls = None
    path: tuple[PathSample, ...] = ()
    adherence = Adherence(None, (), "there is no starting image to locate the frames on")
    if start is not None and track is not None:
        adherence = score_adherence(expected, track, frames=decoded.samples, image=grey)
        sharpness = sharp.value() if sharp is not None else _sharpness(decoded, track, start)
        if track.measurable:
            motion_amount, jitter = _motion(track.points)
            reversals, stalls = _reversals_and_stalls(track.points, _step_windows(adherence, track))
            path = tuple(PathSample(round(p.time, 4), p.cx, p.cy, p.zoom, p.angle_deg) for p in track.points)

    return TakeMetrics(
        content_hash=digest.result(),
        decoded_frames=decoded.frames,
        decoded_duration_s=decoded.duration_s,
        black_share=decoded.black / decoded.frames,
        frozen_share=decoded.frozen_pairs / (decoded.frames - 1) if decoded.frames > 1 else 0.0,
        motion_amount=motion_amount,
        motion_path=path,
        jitter=jitter,
        reversals=reversals,
        stalls=stalls,
        sharpness=sharpness,
        similarity_ssim=similarity.result(),
        adherence=adherence.score,
        adherence_reason=adherence.reason,
        adherence_moves=tuple(
            MoveCheck(m.step, m.move.describe(), None if m.ok is None else bool(m.ok), m.measured)
            for m in adherence.moves
        ),
        metrics_s=time.perf_counter() - started,
        metrics_version=METRICS_VERSION,
    )


def _similarity(decoded: DecodedVideo, reference: _Background) -> float | None:
    """Mean SSIM of the take's samples and the committed video's at the same moments (``None``: nothing to
    compare with, or the committed video could not be read, which only costs the similarity)."""
    try:
        other = reference.result()
    except Exception:
        return None
    if other is None:
        return None
    pairs = [
        ssim(a, cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA))
        for a, b in zip(decoded.samples, other.samples, strict=False)
        if b is not None
    ]
    return float(np.mean(pairs)) if pairs else None


def _planned_start(
    plan: CameraPlan, start: StartingImage | None, width: int, samples: int, fps: float
) -> tuple[float, float, float] | None:
    """Where the directions' plan starts the camera: a first guess for registration (checked like any other;
    a model that does something else is found by the search)."""
    if start is None or samples < 1:
        return None
    frame = (width, max(2, round(width * start.size[1] / start.size[0])))
    try:
        pose = plan_camera_path(plan, start.size, frame, samples, fps).poses[0]
    except Exception:  # a guess only: a plan the camera cannot follow gives none
        return None
    return pose.cx / start.size[0], pose.cy / start.size[1], pose.zoom


class _Background:
    """Run ``work`` in a daemon thread; :meth:`result` waits and re-raises what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="take-metrics", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._value = work()
        except BaseException as exc:
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
