"""Camera plan → one pose per frame, kept inside the starting image, every move visible.

The view is always crop-to-fill: zoom 1 is the smallest view of the output's aspect that covers the frame from
the image. The plan's steps get their share of the clip (:mod:`.timeline`), their keyframes are placed so every
move is seen or a warning says why (:mod:`.keyframes`), each frame is interpolated between them with the step's
easing (plus handheld shake), and the picture effects become per-frame layers (:mod:`.layers`). Finally each
frame is clamped inside the image, a no-op except for extreme rolls.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.generation.local.keyframes import (
    MAX_SHOT_ZOOM,
    VISIBLE_SHIFT,
    VISIBLE_ZOOM,
    Geometry,
    Key,
    solve,
)
from workbench.generation.local.layers import EffectTimeline
from workbench.generation.local.plan import CameraPlan, Step
from workbench.generation.local.pose import Box, CameraPose, Layer, shutter_poses
from workbench.generation.local.timeline import Timed, ease, timeline

__all__ = [
    "DEFAULT_FADE_S",
    "MAX_SHOT_ZOOM",
    "VISIBLE_SHIFT",
    "VISIBLE_ZOOM",
    "CameraPath",
    "CameraPose",
    "Layer",
    "StepSpan",
    "ease",
    "plan_camera_path",
    "shutter_poses",
]

#: Length of a fade in or out, at most a quarter of the clip.
DEFAULT_FADE_S = 0.75


@dataclass(frozen=True)
class StepSpan:
    """Which frames a plan step occupies (``plan_index`` is ``None`` for holds the timeline added)."""

    plan_index: int | None
    first: int
    last: int
    step: Step


@dataclass(frozen=True)
class CameraPath:
    """Every frame's pose, where each step starts and ends, and notes about limits the image imposed."""

    poses: tuple[CameraPose, ...]
    image_size: tuple[int, int]
    output_size: tuple[int, int]
    fps: float
    warnings: tuple[str, ...] = ()
    spans: tuple[StepSpan, ...] = field(default=(), compare=False)
    #: The factor the whole shot was framed tighter by to make room for its moves.
    room_zoom: float = 1.0
    #: Remarks that are not problems ("framed 1.2× tighter to give the pan room").
    notes: tuple[str, ...] = ()

    @property
    def max_scale(self) -> float:
        """The largest output-pixels-per-source-pixel over the clip (the most magnified frame)."""
        return max(self.output_size[0] / p.view_width for p in self.poses)

    @property
    def mip_level(self) -> int:
        """How many times to halve the source first so bilinear warping never minifies below 0.5.

        Chosen once per clip from its most magnified frame, so no frame is drawn from a blurrier level
        than it needs and no level switch pops mid-shot.
        """
        scale = self.max_scale
        return math.floor(math.log2(1 / scale)) if scale < 0.5 else 0


def plan_camera_path(
    plan: CameraPlan,
    image_size: tuple[int, int],
    output_size: tuple[int, int],
    frame_count: int,
    fps: float,
    *,
    text_lines: Mapping[str, Sequence[Box]] | None = None,
) -> CameraPath:
    """Sample ``plan`` at ``frame_count`` frames: frame 0 is the start of the first step, the last frame the
    end of the last step. ``text_lines`` are the text lines found in each region (by region name, as image
    fractions) for line-by-line reveals."""
    geo = Geometry(image_size, output_size)
    warnings: list[str] = []
    timed = timeline(plan.steps, frame_count / fps, warnings)
    handheld = max((t.step.handheld for t in timed), default=0.0)
    keys, room, checks = solve([t.step for t in timed], geo, 1.0 + 3.0 * handheld)
    notes: list[str] = []
    for check in checks:
        if not check.ok:
            warnings.append(check.message)
    if room > 1.005:
        notes.append(
            f"Framed {room:.2f}× tighter than the whole slide to give the moves room "
            "(at full view the image has no room to pan or tilt)."
        )
    bounds = np.concatenate([[0.0], np.cumsum([t.share for t in timed])])
    bounds[-1] = 1.0
    progress = np.linspace(0.0, 1.0, frame_count) if frame_count > 1 else np.zeros(1)
    shake = _Shake(plan.seed)
    effects = EffectTimeline(timed, bounds, text_lines or {}, warnings)
    fade_frames = _fade_frames(plan, frame_count, fps)
    poses = []
    for i, p in enumerate(progress):
        index = _index(bounds, float(p), len(timed))
        k = _interpolate(keys, timed, bounds, index, float(p))
        amplitude = timed[index].step.handheld
        if amplitude:
            span_s = (frame_count - 1) / fps
            shake.apply(k, geo, amplitude, i / fps, bounds[index] * span_s, bounds[index + 1] * span_s)
        k.log_zoom = max(k.log_zoom, math.log(geo.cover_zoom(k.angle, k.yaw)))
        geo.clamp(k)
        vw, vh = geo.view_size(k)
        poses.append(
            CameraPose(
                cx=k.cx,
                cy=k.cy,
                view_width=vw,
                view_height=vh,
                angle_deg=k.angle,
                zoom=k.zoom,
                opacity=_opacity(i, frame_count, fade_frames, plan),
                yaw_deg=k.yaw,
                blur=timed[index].step.is_whip,
                layers=effects.at(float(p)),
            )
        )
    spans = _spans(timed, bounds, progress)
    return CameraPath(
        tuple(poses),
        image_size,
        output_size,
        float(fps),
        tuple(dict.fromkeys(warnings)),
        spans,
        room,
        tuple(notes),
    )


def _index(bounds: np.ndarray, p: float, count: int) -> int:
    index = int(np.searchsorted(bounds, p, side="right")) - 1
    return min(max(index, 0), count - 1)


def _spans(timed: list[Timed], bounds: np.ndarray, progress: np.ndarray) -> tuple[StepSpan, ...]:
    spans = []
    for index, item in enumerate(timed):
        inside = np.nonzero((progress >= bounds[index] - 1e-12) & (progress <= bounds[index + 1] + 1e-12))[0]
        if len(inside):
            spans.append(StepSpan(item.plan_index, int(inside[0]), int(inside[-1]), item.step))
    return tuple(spans)


def _interpolate(keys: list[Key], timed: list[Timed], bounds: np.ndarray, index: int, p: float) -> Key:
    a, b = bounds[index], bounds[index + 1]
    s = 1.0 if b <= a else (p - a) / (b - a)
    e = ease(timed[index].step.easing, s)
    k0, k1 = keys[index], keys[index + 1]
    return Key(
        k0.cx + (k1.cx - k0.cx) * e,
        k0.cy + (k1.cy - k0.cy) * e,
        k0.log_zoom + (k1.log_zoom - k0.log_zoom) * e,
        k0.angle + (k1.angle - k0.angle) * e,
        k0.yaw + (k1.yaw - k0.yaw) * e,
    )


class _Shake:
    """Handheld shake: a smooth random wander (three incommensurate sines per axis, phases by seed).

    The wander is pinned to zero at the step's first and last instant (the straight line between its values there
    is taken off), so a shaky step still starts and ends exactly where the planner put it and its promised
    movement is never eaten by the shake."""

    FREQS = (0.9, 1.7, 2.9)

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"handheld:{seed}")
        self.phases = [[rng.uniform(0, 2 * math.pi) for _ in self.FREQS] for _ in range(3)]

    def _signal(self, axis: int, t: float) -> float:
        return (
            sum(
                math.sin(2 * math.pi * f * t + ph)
                for f, ph in zip(self.FREQS, self.phases[axis], strict=True)
            )
            / 1.8
        )

    def _pinned(self, axis: int, t: float, start: float, end: float) -> float:
        u = 0.0 if end <= start else min(max((t - start) / (end - start), 0.0), 1.0)
        line = self._signal(axis, start) * (1.0 - u) + self._signal(axis, end) * u
        return self._signal(axis, t) - line

    def apply(self, key: Key, geo: Geometry, amplitude: float, t: float, start: float, end: float) -> None:
        vw, vh = geo.view_size(key)
        key.cx += amplitude * vw * self._pinned(0, t, start, end)
        key.cy += amplitude * vh * self._pinned(1, t, start, end)
        key.angle += amplitude * 25.0 * self._pinned(2, t, start, end)


# -- fades --------------------------------------------------------------------------------------------------


def _fade_frames(plan: CameraPlan, frame_count: int, fps: float) -> int:
    if not (plan.fade_in or plan.fade_out):
        return 0
    return max(1, min(round(DEFAULT_FADE_S * fps), frame_count // 4))


def _opacity(i: int, frame_count: int, fade_frames: int, plan: CameraPlan) -> float:
    """Linear fades: the first frame of a fade-in and the last of a fade-out are black."""
    opacity = 1.0
    if fade_frames and plan.fade_in:
        opacity = min(opacity, i / fade_frames)
    if fade_frames and plan.fade_out:
        opacity = min(opacity, (frame_count - 1 - i) / fade_frames)
    return max(0.0, min(1.0, opacity))
