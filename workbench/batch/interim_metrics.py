"""Take metrics for the batch, until the store carries them: INTERIM, to be swapped for issue 11's at merge.

The columns and types are the shared contract (:data:`workbench.batch.results.METRIC_FIELDS`). Where
``store.takes()`` rows already carry them (the store measures every take once that lands), those values are
used as they are; otherwise :func:`measure_take` measures the take here with :mod:`workbench.analysis`, on at
most :data:`SAMPLES` evenly spaced frames registered at 320 px. Not measured here (left null, shown as "not
measured"): ``reversals``, ``stalls`` and ``similarity_ssim``.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pandas as pd

from workbench.analysis import StartingImage, expected_from_directions, measure_camera, score_adherence
from workbench.analysis.registration import ANALYSIS_WIDTH
from workbench.batch.results import METRIC_FIELDS
from workbench.domain.models import Take
from workbench.generation.local.source import load_starting_image
from workbench.store import LectureStore

__all__ = ["INTERIM_METRICS_VERSION", "SAMPLES", "measure_take", "metrics_for_take", "metrics_for_takes"]

#: Version stamped on metrics measured here (0: the interim measurement, below any the store writes).
INTERIM_METRICS_VERSION = 0
#: Frames sampled per take (evenly spaced), to keep measuring a small share of a render.
SAMPLES = 16
#: A sampled frame is black when its mean luma is below this (limited range: black is 16).
BLACK_LUMA = 24.0
#: Consecutive frames are identical when their mean absolute luma difference is below this.
FROZEN_DIFF = 0.05


def metrics_for_takes(store: LectureStore, take_ids: Sequence[str]) -> pd.DataFrame:
    """Metric columns (the contract's) for ``take_ids``, indexed by take id."""
    rows = {take_id: metrics_for_take(store, store.take(take_id)) for take_id in take_ids}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(METRIC_FIELDS))


def metrics_for_take(store: LectureStore, take: Take) -> dict[str, Any]:
    """The store's metrics for ``take`` when it has them, else measured now (see the module docstring)."""
    stored = _stored_metrics(store, take.id)
    if stored is not None:
        return stored
    lecture = store.lecture(take.lecture_id)
    asset = lecture.asset(take.asset_id)
    image = lecture.starting_image(asset.starting_image_id)
    image_path = store.media_path(image.path) if image is not None else None
    return measure_take(
        store.media_path(take.path),
        image_path,
        take.settings.movie_directions,
        dict(image.regions) if image is not None else {},
        seed=take.settings.seed,
    )


def _stored_metrics(store: LectureStore, take_id: str) -> dict[str, Any] | None:
    takes = store.takes()
    if "metrics_version" not in takes.columns:
        return None
    row = takes.loc[takes["take_id"] == take_id]
    if row.empty or pd.isna(row.iloc[0]["metrics_version"]):
        return None
    values = row.iloc[0]
    return {name: values[name] if name in values.index else None for name in METRIC_FIELDS}


def measure_take(
    video: str | Path,
    starting_image: str | Path | None,
    directions: str,
    regions: Mapping[str, tuple[float, float, float, float]],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """The contract's metrics of one video file (see the module docstring for what is left null)."""
    started = time.perf_counter()
    out: dict[str, Any] = dict.fromkeys(METRIC_FIELDS)
    out["metrics_version"] = INTERIM_METRICS_VERSION
    out["content_hash"] = _sha256(Path(video))
    try:
        frames, pairs, decoded, fps, step = _sampled_luma(Path(video))
    except (av.error.FFmpegError, OSError, IndexError):
        out.update(decoded_frames=0, decoded_duration_s=0.0, adherence_reason="the video does not decode")
        out["metrics_s"] = time.perf_counter() - started
        return out
    out["decoded_frames"] = decoded
    out["decoded_duration_s"] = decoded / fps if fps else None
    if frames:
        out["black_share"] = sum(float(f.mean()) < BLACK_LUMA for f in frames) / len(frames)
    if pairs:
        out["frozen_share"] = sum(_diff(a, b) < FROZEN_DIFF for a, b in pairs) / len(pairs)
    grey = _grey_image(starting_image)
    if grey is None or not frames:
        out["adherence_reason"] = "no starting image to compare with" if frames else "no frames"
        out["metrics_s"] = time.perf_counter() - started
        return out
    out["sharpness"] = _relative_sharpness(frames, grey)
    track = measure_camera(frames, _prepared(starting_image, grey), fps=fps / step)
    if track.measurable:
        points = track.points
        out["motion_path"] = [
            {"t": p.time, "cx": p.cx, "cy": p.cy, "zoom": p.zoom, "angle": p.angle_deg} for p in points
        ]
        out["motion_amount"] = float(
            sum(
                abs(b.cx - a.cx) / max(a.view_w, 1e-6)
                + abs(b.cy - a.cy) / max(a.view_h, 1e-6)
                + abs(math.log(max(b.zoom, 1e-6) / max(a.zoom, 1e-6)))
                for a, b in itertools.pairwise(points)
            )
        )
        out["jitter"] = _jitter(points, step)
    expected, _plan = expected_from_directions(directions, regions, seed=seed)
    adherence = score_adherence(expected, track, frames=frames, image=grey)
    out["adherence"] = adherence.score
    out["adherence_reason"] = adherence.reason
    out["adherence_moves"] = [
        {"step": int(m.step), "move": m.move.describe(), "ok": m.ok, "measured": m.measured}
        for m in adherence.moves
    ]
    out["metrics_s"] = time.perf_counter() - started
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sampled_luma(
    path: Path,
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray]], int, float, int]:
    """Every ``step``-th frame's luma (≤ ``SAMPLES``, at the analysis width), each with the frame after it, and
    the frame count. Every frame is decoded (H.264 cannot skip), but only the sampled ones are converted."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = float(stream.average_rate or 0) or 24.0
        expected = stream.frames or 0
        step = max(1, math.ceil(expected / SAMPLES)) if expected else 1
        width = stream.codec_context.width or ANALYSIS_WIDTH
        scale = min(1.0, ANALYSIS_WIDTH / width)
        size = (max(2, round(width * scale)), max(2, round((stream.codec_context.height or 2) * scale)))
        frames: list[np.ndarray] = []
        pairs: list[tuple[np.ndarray, np.ndarray]] = []
        previous: np.ndarray | None = None
        count = 0
        for index, frame in enumerate(container.decode(stream)):
            count += 1
            if index % step == 0 or previous is not None:
                luma = _luma(frame, size)
                if previous is not None:
                    pairs.append((previous, luma))
                    previous = None
                if index % step == 0:
                    frames.append(luma)
                    previous = luma
    return frames, pairs, count, fps, step


def _luma(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """The frame's luma at ``size``: the Y plane as it is (yuv420p) shrunk by OpenCV (much faster than swscale's
    area filter), or a grey conversion for other pixel formats."""
    if frame.format.name in ("yuv420p", "yuvj420p"):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, : frame.width]
    else:
        rows = frame.to_ndarray(format="gray")
    if (rows.shape[1], rows.shape[0]) == size:
        return np.ascontiguousarray(rows)
    return cv2.resize(rows, size, interpolation=cv2.INTER_AREA)


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.absdiff(a, b).mean())


def _grey_image(path: str | Path | None) -> np.ndarray | None:
    if path is None or not Path(path).is_file():
        return None
    try:
        return _grey_cached(str(path), Path(path).stat().st_mtime_ns)
    except Exception:  # an unreadable image: nothing to measure against
        return None


@functools.lru_cache(maxsize=8)
def _grey_cached(path: str, _mtime_ns: int) -> np.ndarray:
    return cv2.cvtColor(load_starting_image(path), cv2.COLOR_RGB2GRAY)


def _prepared(path: str | Path | None, grey: np.ndarray) -> StartingImage:
    """The starting image prepared for registration once per file (variants of a segment share it)."""
    key = (str(path), Path(path).stat().st_mtime_ns if path is not None else 0)
    with _PREPARED_LOCK:
        prepared = _PREPARED.get(key)
        if prepared is None:
            prepared = _PREPARED[key] = StartingImage(grey)
            while len(_PREPARED) > 8:
                _PREPARED.pop(next(iter(_PREPARED)))
    return prepared


_PREPARED: dict[tuple[str, int], StartingImage] = {}
_PREPARED_LOCK = threading.Lock()


def _relative_sharpness(frames: Sequence[np.ndarray], grey: np.ndarray) -> float | None:
    """Mean Laplacian energy of the frames over that of the starting image shrunk to the frame's size."""
    h, w = frames[0].shape
    reference = cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA)
    base = float(cv2.Laplacian(reference, cv2.CV_32F).var())
    if base <= 0:
        return None
    return float(np.mean([cv2.Laplacian(f, cv2.CV_32F).var() for f in frames])) / base


def _jitter(points: Sequence[Any], step: int) -> float | None:
    """RMS acceleration of the view centre per frame², in views (from samples ``step`` frames apart)."""
    if len(points) < 3:
        return None
    xs = np.array([p.cx / max(p.view_w, 1e-6) for p in points])
    ys = np.array([p.cy / max(p.view_h, 1e-6) for p in points])
    ax, ay = np.diff(xs, 2) / step**2, np.diff(ys, 2) / step**2
    return float(np.sqrt(np.mean(ax**2 + ay**2)))
