"""Measuring camera motion in a rendered video, to check it is smooth and follows the plan.

Used by the tests and the benchmark, and by anyone comparing renderers. Between consecutive decoded frames
it registers an affine map (ECC), then follows four probe points. Integer-rounded crops (ffmpeg ``zoompan``)
show up as excess acceleration and velocity reversals; sub-pixel warping stays near the encoder's noise
floor (about 0.03-0.05 px/frame²).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from workbench.generation.local.pose import CameraPose

__all__ = [
    "REVERSAL_TOLERANCE_PX",
    "MotionStats",
    "frame_motions",
    "measure_motion",
    "planned_motions",
    "read_luma_frames",
]


#: How far (px) a probe must move against the planned direction to count as a reversal. x264 may leave a
#: 0.06 px step out entirely (a skipped block: measured motion 0.000), which is a pause, not a reversal.
REVERSAL_TOLERANCE_PX = 0.02


@dataclass(frozen=True)
class MotionStats:
    """Probe-point motion between frames, in output pixels.

    ``excess_accel`` is the RMS frame-to-frame acceleration beyond the planned path's own (px/frame²);
    ``velocity_error`` the RMS difference from the planned per-frame motion; ``max_path_error`` the largest
    drift of the accumulated motion from the planned one; ``reversals`` how often a probe moved backwards
    (by more than ``REVERSAL_TOLERANCE_PX`` along the planned direction) while the plan moved it by more than
    0.05 px.
    """

    excess_accel: float
    velocity_error: float
    max_path_error: float
    reversals: int
    frames: int


def read_luma_frames(path: str | Path) -> list[np.ndarray]:
    """Every frame's Y plane (uint8), decoded with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            np.ascontiguousarray(f.to_ndarray()[: f.height])
            if f.format.name == "yuv420p"
            else f.to_ndarray(format="gray")
            for f in container.decode(stream)
        ]


def _probes(width: int, height: int) -> np.ndarray:
    return np.array(
        [
            (0.25 * width, 0.25 * height),
            (0.75 * width, 0.25 * height),
            (0.75 * width, 0.75 * height),
            (0.25 * width, 0.75 * height),
        ]
    )


def _apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ m[:, :2].T + m[:, 2]


def frame_motions(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """For each consecutive pair, the 2×3 affine map from frame k's pixels onto frame k+1's.

    ECC registration (``findTransformECC``) from the identity: sub-pixel exact for the small motion between
    frames. Phase correlation locks towards whole pixels (±0.13 px here) and pyramidal feature tracking can
    jump a period on regular patterns, so neither is precise enough to see 0.1 px of jitter.
    """
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
    out = []
    for a, b in itertools.pairwise(frames):
        warp = np.eye(2, 3, dtype=np.float32)
        try:
            _, warp = cv2.findTransformECC(
                b.astype(np.float32), a.astype(np.float32), warp, cv2.MOTION_AFFINE, criteria, None, 1
            )
        except cv2.error:  # no texture to lock onto: report "no motion" rather than fail
            warp = np.eye(2, 3, dtype=np.float32)
        # ECC maps the template's (b) pixels into the input (a); invert to get a → b.
        full = np.vstack([warp.astype(np.float64), [0, 0, 1]])
        out.append(np.linalg.inv(full)[:2])
    return out


def planned_motions(poses: Sequence[CameraPose], width: int, height: int) -> list[np.ndarray]:
    """The exact 2×3 maps between consecutive frames that the camera path implies."""
    out = []
    for p0, p1 in itertools.pairwise(poses):
        a = np.vstack([p0.output_to_source(width, height), [0, 0, 1]])
        b = np.vstack([p1.output_to_source(width, height), [0, 0, 1]])
        out.append((np.linalg.inv(b) @ a)[:2])
    return out


def measure_motion(
    measured: Sequence[np.ndarray], planned: Sequence[np.ndarray], width: int, height: int
) -> MotionStats:
    """Compare measured frame-to-frame maps with the planned ones at four probe points."""
    probes = _probes(width, height)
    vel = np.array([_apply(m, probes) - probes for m in measured])  # (k, 4, 2)
    vel_plan = np.array([_apply(m, probes) - probes for m in planned])
    err = vel - vel_plan
    accel_err = np.diff(err, axis=0)
    excess = float(np.sqrt(np.mean(np.sum(accel_err**2, axis=-1)))) if len(accel_err) else 0.0
    velocity_error = float(np.sqrt(np.mean(np.sum(err**2, axis=-1)))) if len(err) else 0.0
    track, track_plan, worst = probes.copy(), probes.copy(), 0.0
    for m, mp in zip(measured, planned, strict=True):
        track, track_plan = _apply(m, track), _apply(mp, track_plan)
        worst = max(worst, float(np.max(np.linalg.norm(track - track_plan, axis=-1))))
    speed_plan = np.linalg.norm(vel_plan, axis=-1)
    along_plan = np.sum(vel * vel_plan, axis=-1) / np.maximum(speed_plan, 1e-12)
    against = along_plan < -REVERSAL_TOLERANCE_PX
    reversals = int(np.sum(against & (speed_plan > 0.05)))
    return MotionStats(excess, velocity_error, worst, reversals, len(measured) + 1)
