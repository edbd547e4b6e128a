"""Camera plan → one pose per frame, kept inside the starting image, every move visible.

The view is always crop-to-fill: zoom 1 is the smallest view of the output's aspect that covers the frame from
the image. Poses are continuous (sub-pixel, no rounding) so the warp never jitters.

**The invariant.** Every move in the plan produces the motion it names, in its direction and order, by a
visible amount (at least ``VISIBLE_SHIFT`` of the view for pans and tilts, ``VISIBLE_ZOOM`` for zooms), or the
path says in a warning why it cannot. At zoom 1 a pan has nowhere to go, so the planner makes room: it frames
the whole shot tighter by one constant factor (never a zoom the plan did not ask for), and a first move that
ends on a place starts where the move can be seen ("pan left to the diagram" starts right of the diagram). It
tries the factors from 1 up to ``MAX_SHOT_ZOOM`` and keeps the smallest one under which every check passes.

The path is fitted to the image as a whole rather than clamped frame by frame, because a per-frame clamp puts
kinks in the motion: each step's end point is pulled inside the image at its own zoom, and the straight path
between two inside points stays inside (the allowed band widens with zoom as 1/zoom, a convex constraint).
Only then, as a last guard, each frame is clamped.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.generation.local.plan import (
    SPEEDS,
    CameraPlan,
    Easing,
    Effect,
    EffectKind,
    Focus,
    Move,
    MoveKind,
    Step,
)

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

Box = tuple[float, float, float, float]

#: Length of a fade in or out, at most a quarter of the clip.
DEFAULT_FADE_S = 0.75
#: How far the whole shot may be framed tighter to make room for its moves before they are cut short instead.
MAX_SHOT_ZOOM = 4.0
#: A region a zoom aims at is framed with this much room around it.
REGION_MARGIN = 1.1
#: Implicitly timed steps keep at least this share of the clip, so no move becomes a jump cut.
MIN_STEP_SHARE = 0.15
#: The least visible pan or tilt, as a fraction of the view (on 1280 px: 51 px).
VISIBLE_SHIFT = 0.04
#: The least visible zoom, as a factor.
VISIBLE_ZOOM = 1.04
#: The least visible roll and orbit, in degrees.
VISIBLE_ROLL_DEG = 1.0
VISIBLE_ORBIT_DEG = 3.0
#: A pan or tilt from or to a region frames it: the region fills at least this share of the view along one axis
#: (and half that along the other).
FRAMED_SHARE = 0.5
#: How far a move "across" a region travels, in views, by speed (very slow … very fast).
ACROSS_VIEWS = (0.15, 0.25, 0.4, 0.6, 0.8)
#: A whip pan lasts at most this long; the rest of its step holds before and after it.
WHIP_MAX_S = 0.6
#: Relative time weights of implicitly timed steps: a hold is shorter than a move.
HOLD_WEIGHT = 0.5
#: An orbit's virtual lens: focal length as a multiple of the output width (about 45° across).
ORBIT_FOCAL = 1.2
#: How much an effect's "rest" changes: spotlight and highlight darken it, rack focus blurs it.
SPOTLIGHT_DIM = 0.65
HIGHLIGHT_DIM = 0.35
#: Each text line of a line-by-line reveal fades in over this share of its slot.
LINE_FADE_SHARE = 0.6
_COARSE = (*tuple(1.08**k for k in range(int(math.log(MAX_SHOT_ZOOM) / math.log(1.08)) + 1)), MAX_SHOT_ZOOM)
_GRID = (*tuple(1.01**k for k in range(int(math.log(MAX_SHOT_ZOOM) / math.log(1.01)) + 1)), MAX_SHOT_ZOOM)


@dataclass(frozen=True)
class Layer:
    """A picture effect on one frame. ``boxes`` are (box, weight) with boxes as image fractions.

    - ``blur``: the rest of the picture is out of focus by ``amount``; the boxes stay sharp by their weight.
    - ``dim``: the rest darkens by ``amount``; the boxes keep their light by their weight.
    - ``cover``: each box is hidden (painted with its surroundings) by its weight.
    """

    kind: str
    boxes: tuple[tuple[Box, float], ...]
    amount: float = 1.0


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks in one frame, in source pixels (continuous: the image spans 0..W, 0..H).

    ``zoom`` is relative to crop-to-fill; ``angle_deg`` is the camera's roll (clockwise positive, so the
    picture turns the other way); ``yaw_deg`` an orbit's turn of the picture (positive: the camera has gone
    right); ``opacity`` < 1 fades towards black; ``blur`` marks a frame of a whip pan (motion blur).
    """

    cx: float
    cy: float
    view_width: float
    view_height: float
    angle_deg: float = 0.0
    zoom: float = 1.0
    opacity: float = 1.0
    yaw_deg: float = 0.0
    blur: bool = False
    layers: tuple[Layer, ...] = ()

    def homography(self, out_width: float, out_height: float) -> np.ndarray:
        """3×3 map from output to source continuous coordinates (pixel centres at +0.5)."""
        s = self.view_width / out_width
        theta = math.radians(self.angle_deg)
        c, si = math.cos(theta), math.sin(theta)
        to_centre = np.array([[1.0, 0, -out_width / 2], [0, 1.0, -out_height / 2], [0, 0, 1.0]])
        place = np.array([[c * s, -si * s, self.cx], [si * s, c * s, self.cy], [0, 0, 1.0]])
        if self.yaw_deg == 0.0:
            return place @ to_centre
        return place @ _yaw_matrix(self.yaw_deg, out_width) @ to_centre

    def output_to_source(self, out_width: int, out_height: int) -> np.ndarray:
        """The 2×3 affine part of :meth:`homography` (exact when ``yaw_deg`` is 0)."""
        return self.homography(out_width, out_height)[:2]

    def corners(self, out_width: float | None = None, out_height: float | None = None) -> np.ndarray:
        """The view's four corners in source pixels (4×2), clockwise from top-left. An orbit's turn depends
        on the output's width (its lens), so give the output size for a turned view."""
        w = out_width or 1000.0
        h = out_height or w * self.view_height / self.view_width
        pts = np.array([(0, 0, 1), (w, 0, 1), (w, h, 1), (0, h, 1)], dtype=np.float64)
        mapped = pts @ self.homography(w, h).T
        return mapped[:, :2] / mapped[:, 2:3]


def _yaw_matrix(yaw_deg: float, out_width: float) -> np.ndarray:
    """An orbit as a homography in centred output units: the flat picture seen from a camera that has
    circled ``yaw_deg`` around the view's centre (the side it moved away from recedes)."""
    phi = math.radians(-yaw_deg)
    focal = ORBIT_FOCAL * out_width
    c, s = math.cos(phi), math.sin(phi)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, 0.0], [-s / focal, 0.0, c]])


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


def ease(easing: Easing, s: float) -> float:
    """Progress through a step (0..1) → eased progress (0..1)."""
    s = min(max(s, 0.0), 1.0)
    if easing is Easing.LINEAR:
        return s
    if easing is Easing.EASE_IN:
        return s * s
    if easing is Easing.EASE_OUT:
        return 1 - (1 - s) * (1 - s)
    return s * s * (3 - 2 * s)


# -- geometry -----------------------------------------------------------------------------------------------


@dataclass
class _Key:
    cx: float
    cy: float
    log_zoom: float
    angle: float
    yaw: float = 0.0

    @property
    def zoom(self) -> float:
        return math.exp(self.log_zoom)

    def copy(self) -> _Key:
        return dataclasses.replace(self)


@dataclass(frozen=True)
class _Geometry:
    image: tuple[int, int]
    out: tuple[int, int]

    @property
    def view1(self) -> tuple[float, float]:
        """The view's size in source px at zoom 1 (crop-to-fill)."""
        cover = max(self.out[0] / self.image[0], self.out[1] / self.image[1])
        return self.out[0] / cover, self.out[1] / cover

    def extents(self, key: _Key) -> tuple[float, float, float, float]:
        """The view's footprint around its centre at ``key`` (min dx, max dx, min dy, max dy), source px."""
        x0, x1, y0, y1 = self._extents1(key.angle, key.yaw)
        z = key.zoom
        return x0 / z, x1 / z, y0 / z, y1 / z

    @functools.lru_cache(maxsize=256)  # noqa: B019 - a few geometries live for one render
    def _extents1(self, angle: float, yaw: float) -> tuple[float, float, float, float]:
        corners = CameraPose(0.0, 0.0, self.view1[0], self.view1[1], angle, yaw_deg=yaw).corners(*self.out)
        return (
            float(corners[:, 0].min()),
            float(corners[:, 0].max()),
            float(corners[:, 1].min()),
            float(corners[:, 1].max()),
        )

    def cover_zoom(self, angle: float, yaw: float) -> float:
        """The least zoom at which the (rotated, turned) view fits in the image at all."""
        x0, x1, y0, y1 = self.extents(_Key(0.0, 0.0, 0.0, angle, yaw))
        return max(1.0, (x1 - x0) / self.image[0], (y1 - y0) / self.image[1])

    def clamp(self, key: _Key) -> None:
        width, height = self.image
        x0, x1, y0, y1 = self.extents(key)
        key.cx = min(max(key.cx, -x0), width - x1) if x1 - x0 < width else width / 2 - (x0 + x1) / 2
        key.cy = min(max(key.cy, -y0), height - y1) if y1 - y0 < height else height / 2 - (y0 + y1) / 2

    def view_size(self, key: _Key) -> tuple[float, float]:
        return self.view1[0] / key.zoom, self.view1[1] / key.zoom

    def point(self, focus: Focus) -> tuple[float, float]:
        return focus.x * self.image[0], focus.y * self.image[1]

    def box(self, focus: Focus) -> tuple[float, float, float, float]:
        """The focus as (x0, y0, x1, y1) in source px (a point for a place the image does not mark)."""
        if focus.box is None:
            x, y = self.point(focus)
            return x, y, x, y
        bx, by, bw, bh = focus.box
        w, h = self.image
        return bx * w, by * h, (bx + bw) * w, (by + bh) * h

    def fit_zoom(self, focus: Focus, margin: float = 1.0) -> float:
        """The largest zoom at which ``focus`` fits wholly in the view (at least 1)."""
        x0, y0, x1, y1 = self.box(focus)
        vw, vh = self.view1
        if x1 <= x0 or y1 <= y0:
            return 1.0
        return max(1.0, min(vw / (margin * (x1 - x0)), vh / (margin * (y1 - y0))))


# -- planning -----------------------------------------------------------------------------------------------


@dataclass
class _Timed:
    step: Step
    plan_index: int | None
    share: float = 0.0


@dataclass
class _Check:
    """One promise the path must keep: ``hard`` ones are about the move being seen at all."""

    step: int
    hard: bool
    ok: bool
    message: str


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
    geo = _Geometry(image_size, output_size)
    warnings: list[str] = []
    timed = _timeline(plan.steps, frame_count / fps, warnings)
    handheld = max((t.step.handheld for t in timed), default=0.0)
    keys, room, checks = _solve([t.step for t in timed], geo, 1.0 + 3.0 * handheld)
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
    effects = _EffectTimeline(timed, bounds, text_lines or {}, warnings)
    fade_frames = _fade_frames(plan, frame_count, fps)
    poses = []
    for i, p in enumerate(progress):
        index = _index(bounds, float(p), len(timed))
        k = _interpolate(keys, timed, bounds, index, float(p))
        amplitude = timed[index].step.handheld
        if amplitude:
            shake.apply(k, geo, amplitude, i / fps)
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


def _spans(timed: list[_Timed], bounds: np.ndarray, progress: np.ndarray) -> tuple[StepSpan, ...]:
    spans = []
    for index, item in enumerate(timed):
        inside = np.nonzero((progress >= bounds[index] - 1e-12) & (progress <= bounds[index + 1] + 1e-12))[0]
        if len(inside):
            spans.append(StepSpan(item.plan_index, int(inside[0]), int(inside[-1]), item.step))
    return tuple(spans)


# -- timeline -----------------------------------------------------------------------------------------------


def _timeline(steps: tuple[Step, ...], duration_s: float, warnings: list[str]) -> list[_Timed]:
    """Each step's share of the clip: asked-for seconds first, the rest shared by weight (holds count half)."""
    timed = [_Timed(step, index) for index, step in enumerate(steps)]
    explicit = [t.step.seconds / duration_s if t.step.seconds is not None else None for t in timed]
    asked = sum(e for e in explicit if e is not None)
    weights = [
        0.0 if e is not None else (HOLD_WEIGHT if t.step.is_hold else 1.0)
        for t, e in zip(timed, explicit, strict=True)
    ]
    implicit = sum(weights)
    min_share = min(MIN_STEP_SHARE, 0.5 / len(timed))
    if implicit == 0 and asked < 1.0 - 1e-9:
        timed.append(_Timed(Step(moves=(Move(MoveKind.STATIC),), text="(rest of the clip)"), None))
        explicit.append(1.0 - asked)
        weights.append(0.0)
    elif (implicit and asked > 1.0 - len([w for w in weights if w]) * min_share) or (
        not implicit and asked > 1.0 + 1e-9
    ):
        room = 1.0 - len([w for w in weights if w]) * min_share
        explicit = [e * room / asked if e is not None else None for e in explicit]
        warnings.append("The step timings add up to more than the clip; they were shortened to fit.")
        asked = room
    rest = (1.0 - asked) / implicit if implicit else 0.0
    for t, e, w in zip(timed, explicit, weights, strict=True):
        t.share = e if e is not None else rest * w
    return _short_whips(timed, duration_s)


def _short_whips(timed: list[_Timed], duration_s: float) -> list[_Timed]:
    """A whip pan is quick: past ``WHIP_MAX_S`` its step holds before (40 %) and after (60 %) the whip."""
    out: list[_Timed] = []
    hold = Step(moves=(Move(MoveKind.STATIC),), text="(hold around the whip pan)")
    for t in timed:
        whip_share = WHIP_MAX_S / duration_s
        if not t.step.is_whip or t.share <= whip_share * 1.2:
            out.append(t)
            continue
        spare = t.share - whip_share
        out += [
            _Timed(hold, None, 0.4 * spare),
            _Timed(t.step, t.plan_index, whip_share),
            _Timed(hold, None, 0.6 * spare),
        ]
    return out


# -- keyframes ----------------------------------------------------------------------------------------------


def _solve(steps: list[Step], geo: _Geometry, least: float) -> tuple[list[_Key], float, list[_Check]]:
    """Keyframes under the smallest shot zoom (from ``least``) that keeps every promise; failing that, the one
    that breaks the fewest (hard promises first), with the failures to report.

    Coarse to fine: factors 8 % apart first, then 1 % apart below the first coarse one that works (a few
    dozen trials instead of a hundred and forty, so the editor can plan on every pause in typing).
    """
    tried: dict[float, tuple[tuple[int, int, float], list[_Key], list[_Check]]] = {}

    def trial(room: float) -> tuple[int, int, float]:
        if room not in tried:
            keys = _keys(steps, geo, room)
            checks = _checks(steps, keys, geo)
            hard = sum(1 for c in checks if c.hard and not c.ok)
            soft = sum(1 for c in checks if not c.hard and not c.ok)
            tried[room] = ((hard, soft, room), keys, checks)
        return tried[room][0]

    coarse = [g for g in _COARSE if g >= least - 1e-9] or [max(least, 1.0)]
    previous = coarse[0]
    for room in coarse:
        if trial(room)[:2] == (0, 0):
            fine = [g for g in _GRID if previous < g < room]
            found = next((g for g in fine if trial(g)[:2] == (0, 0)), room)
            _, keys, checks = tried[found]
            return keys, found, checks
        previous = room
    best = min(tried.values(), key=lambda item: item[0])
    return best[1], best[0][2], best[2]


def _keys(steps: list[Step], geo: _Geometry, room: float) -> list[_Key]:
    """Keyframes (one before each step, one after the last) under a shot framed ``room``× tighter."""
    start = _start(steps, geo, room)
    keys = [start]
    key = start
    for step in steps:
        key = _end_of(step, key, geo)
        keys.append(key)
    anchored = any(s.target is not None or s.origin is not None or s.across is not None for s in steps)
    if not anchored:
        _recentre(keys, geo.image)
    for k in keys:
        k.log_zoom = max(k.log_zoom, math.log(geo.cover_zoom(k.angle, k.yaw)))
        geo.clamp(k)
    return keys


def _start(steps: list[Step], geo: _Geometry, room: float) -> _Key:
    """Where the shot starts: on its origin, or where the first move can be seen arriving at its target."""
    width, height = geo.image
    first = steps[0] if steps else None
    key = _Key(width / 2, height / 2, math.log(room), 0.0)
    if first is None:
        return key
    if first.origin is not None:
        key.cx, key.cy = geo.point(first.origin)
        if first.origin.kind == "region" and any(
            m.kind is MoveKind.ZOOM and m.magnitude < 1 for m in first.moves
        ):
            key.log_zoom = math.log(room * geo.fit_zoom(first.origin, REGION_MARGIN))
        return key
    zoom_out = next((m for m in first.moves if m.kind is MoveKind.ZOOM and m.magnitude < 1), None)
    if first.target is not None and first.frame_target and zoom_out is not None:
        # "zoom out to reveal the whole slide": start close enough that the zoom-out ends framing it
        key.cx, key.cy = geo.point(first.target)
        key.log_zoom = math.log(geo.fit_zoom(first.target) / zoom_out.magnitude)
        return key
    shift = _shifts(first, geo)
    if first.across is not None:
        for axis, direction in shift.items():
            lo, hi = _span_of(geo.box(first.across), axis)
            half = geo.view_size(key)[0 if axis == "x" else 1] / 2
            value = (lo + half) if direction > 0 else (hi - half)
            if axis == "x":
                key.cx = value
            else:
                key.cy = value
    elif first.target is not None and shift:
        # Arrive at the target (as near as the image edge lets the view go) having moved the full amount.
        end = _Key(*geo.point(first.target), key.log_zoom, key.angle, key.yaw)
        geo.clamp(end)
        tx, ty = end.cx, end.cy
        key.cx = tx - shift.get("x", 0.0) if "x" in shift else tx
        key.cy = ty - shift.get("y", 0.0) if "y" in shift else ty
        if first.target.kind == "position":  # "tilt up to the top": start from the middle if that is behind
            cx, cy = width / 2, height / 2
            if "x" in shift and (tx - cx) * shift["x"] > 0:
                key.cx = cx
            if "y" in shift and (ty - cy) * shift["y"] > 0:
                key.cy = cy
    return key


def _shifts(step: Step, geo: _Geometry) -> dict[str, float]:
    """The step's relative moves in source px by axis (signed), for moves that name a direction."""
    width, height = geo.image
    out: dict[str, float] = {}
    for move in step.moves:
        if move.kind in (MoveKind.PAN, MoveKind.TRUCK) and move.direction:
            out["x"] = out.get("x", 0.0) + move.magnitude * width
        elif move.kind in (MoveKind.TILT, MoveKind.PEDESTAL) and move.direction:
            out["y"] = out.get("y", 0.0) + move.magnitude * height
    return out


def _span_of(box: tuple[float, float, float, float], axis: str) -> tuple[float, float]:
    return (box[0], box[2]) if axis == "x" else (box[1], box[3])


def _end_of(step: Step, start: _Key, geo: _Geometry) -> _Key:
    """The key at the end of ``step``, starting from ``start``."""
    key = start.copy()
    if step.is_static:
        return key
    shift = _shifts(step, geo)
    for move in step.moves:
        if move.kind is MoveKind.ZOOM:
            factor = move.magnitude
            if step.target is not None and step.frame_target and factor < 1:
                # zoom out at least until the place fits ("pull back to reveal the whole slide")
                key.log_zoom = min(key.log_zoom + math.log(factor), math.log(geo.fit_zoom(step.target)))
                continue
            if (
                step.target is not None
                and step.target.kind == "region"
                and not step.frame_target
                and factor > 1
                and not move.explicit_amount
            ):
                factor = _framing_factor(step.target, key, geo, factor)
            key.log_zoom += math.log(factor)
        elif move.kind is MoveKind.ROLL:
            key.angle += move.magnitude
        elif move.kind is MoveKind.ORBIT:
            key.yaw += move.magnitude
    if step.across is not None:
        for axis, direction in (shift or {"x": 1.0}).items():
            lo, hi = _span_of(geo.box(step.across), axis)
            half = geo.view_size(key)[0 if axis == "x" else 1] / 2
            value = (hi - half) if direction > 0 else (lo + half)
            if axis == "x":
                key.cx = value
            else:
                key.cy = value
    if step.target is not None:
        tx, ty = geo.point(step.target)
        if step.frame_target and shift:
            # "tilt up, revealing the title": go on until the place is in view along the move's axis
            x0, y0, x1, y1 = geo.box(step.target)
            vw, vh = geo.view_size(key)
            if "x" in shift:
                key.cx = _reach(key.cx + shift["x"], x0, x1, vw / 2, shift["x"])
            if "y" in shift:
                key.cy = _reach(key.cy + shift["y"], y0, y1, vh / 2, shift["y"])
        else:  # "pan left across the diagram and come to rest on the bullets": past the region, onto the target
            key.cx, key.cy = tx, ty
    elif step.across is None:
        key.cx += shift.get("x", 0.0)
        key.cy += shift.get("y", 0.0)
    return key


def _reach(value: float, lo: float, hi: float, half: float, direction: float) -> float:
    """Move on from ``value`` in ``direction`` until [lo, hi] is in the view of half-size ``half``."""
    if direction < 0:
        return min(value, lo + half) if hi - lo <= 2 * half else min(value, hi - half)
    return max(value, hi - half) if hi - lo <= 2 * half else max(value, lo + half)


def _framing_factor(target: Focus, key: _Key, geo: _Geometry, factor: float) -> float:
    """Zoom far enough to frame a named region: at least the speed's factor, at most twice it."""
    framing = geo.fit_zoom(target, REGION_MARGIN)
    return min(max(framing / key.zoom, factor), 2 * factor)


def _recentre(keys: list[_Key], image_size: tuple[int, int]) -> None:
    """Centre a free-floating path on the image, so pans have room on both sides."""
    xs, ys = [k.cx for k in keys], [k.cy for k in keys]
    dx = image_size[0] / 2 - (min(xs) + max(xs)) / 2
    dy = image_size[1] / 2 - (min(ys) + max(ys)) / 2
    for k in keys:
        k.cx += dx
        k.cy += dy


# -- the promises -------------------------------------------------------------------------------------------


def _checks(steps: list[Step], keys: list[_Key], geo: _Geometry) -> list[_Check]:
    """Every move seen in its direction; relative moves at their full size; targets reached."""
    out: list[_Check] = []
    for index, step in enumerate(steps):
        a, b = keys[index], keys[index + 1]
        va, vb = geo.view_size(a), geo.view_size(b)
        view_w, view_h = min(va[0], vb[0]), min(va[1], vb[1])
        label = f"'{step.text}'" if step.text and not step.text.startswith("(") else f"step {index + 1}"
        anchored = step.target is not None or step.across is not None
        shift = _shifts(step, geo)
        for move in step.moves:
            if move.kind is MoveKind.STATIC:
                continue
            if move.kind is MoveKind.ZOOM:
                delta = b.log_zoom - a.log_zoom
                want = math.log(move.magnitude)
                seen = delta * math.copysign(1, want) >= math.log(VISIBLE_ZOOM)
                out.append(
                    _Check(
                        index,
                        True,
                        seen,
                        f"{label}: there is no room for a visible zoom {move.direction}; it renders almost still.",
                    )
                )
                continue
            if move.kind in (MoveKind.ROLL, MoveKind.ORBIT):
                delta = (b.angle - a.angle) if move.kind is MoveKind.ROLL else (b.yaw - a.yaw)
                least = VISIBLE_ROLL_DEG if move.kind is MoveKind.ROLL else VISIBLE_ORBIT_DEG
                out.append(
                    _Check(
                        index,
                        True,
                        delta * math.copysign(1, move.magnitude) >= least,
                        f"{label}: the {move.kind.value} is too small to see.",
                    )
                )
                continue
            axis = "x" if move.kind in (MoveKind.PAN, MoveKind.TRUCK) else "y"
            delta = (b.cx - a.cx) if axis == "x" else (b.cy - a.cy)
            size = view_w if axis == "x" else view_h
            if not move.direction:  # direction set by the target: moving at all is the promise
                moved = math.hypot(b.cx - a.cx, b.cy - a.cy) / max(view_w, 1e-9)
                out.append(
                    _Check(
                        index,
                        True,
                        moved >= VISIBLE_SHIFT,
                        f"{label}: start and end are too close to show a {move.kind.value}; it renders almost still.",
                    )
                )
                continue
            sign = 1.0 if move.direction in ("right", "down") else -1.0
            seen = delta * sign >= VISIBLE_SHIFT * size
            if not seen and anchored and -delta * sign >= VISIBLE_SHIFT * size:
                where = step.target.describe() if step.target is not None else "the path"
                message = (
                    f"{label}: {where} lies the other way from where the camera is, so the camera moves "
                    f"{_opposite(move.direction)} to reach it."
                )
            elif a.zoom <= 1.01 and b.zoom <= 1.01:
                message = (
                    f"{label}: the whole slide is in view here, so there is no room for a {move.kind.value} "
                    f"{move.direction}; it renders almost still."
                )
            else:
                message = (
                    f"{label}: the image gives no room for a visible {move.kind.value} {move.direction} here, "
                    f"even framed {MAX_SHOT_ZOOM:g}× tighter; it renders almost still."
                )
            out.append(_Check(index, True, seen, message))
            if seen and not anchored:
                wanted = shift.get(axis, 0.0)
                out.append(
                    _Check(
                        index,
                        False,
                        abs(delta) >= 0.99 * abs(wanted) - 1e-6,
                        "The image edge limits a move; the camera stops at the edge.",
                    )
                )
        if step.across is not None and not step.is_static:
            axes = shift or {"x": 1.0}
            for axis in axes:
                size = view_w if axis == "x" else view_h
                delta = abs((b.cx - a.cx) if axis == "x" else (b.cy - a.cy))
                level = max((SPEEDS.index(m.speed) for m in step.moves if m.speed in SPEEDS), default=2)
                out.append(
                    _Check(
                        index,
                        False,
                        delta >= ACROSS_VIEWS[level] * size * 0.98,
                        f"{label}: at this framing there is not room to travel far across {step.across.describe()}; the move is shorter.",
                    )
                )
        if step.target is not None and not step.is_static:
            out.append(_target_check(index, step, b, geo, label))
        if index == 0 and step.origin is not None and step.origin.kind == "whole":
            # "start on the full slide": the first frame shows all of it
            out.append(
                _Check(index, True, a.zoom <= 1.02, f"{label}: the shot cannot start on the whole slide.")
            )
        if not step.is_static and any(m.kind in _TRAVELS for m in step.moves):
            # "pan from the title to the diagram": frame each place, so the move reads as going between them
            for key, place in ((a, step.origin), (b, step.target)):
                if place is not None and place.kind == "region" and not step.frame_target:
                    share = _view_share(geo, key, place)
                    out.append(
                        _Check(
                            index,
                            False,
                            share >= FRAMED_SHARE,
                            f"{label}: {place.describe()} fills only {share:.0%} of the view there (framed closer, the move would "
                            "have no room).",
                        )
                    )
    return out


_TRAVELS = (MoveKind.PAN, MoveKind.TRUCK, MoveKind.TILT, MoveKind.PEDESTAL)


def _view_share(geo: _Geometry, key: _Key, place: Focus) -> float:
    """How well ``place`` fills the view: its share of the view along the axis it fills more, provided it fills
    at least half that along the other (a wide title bar frames a view it spans, however thin it is)."""
    x0, x1, y0, y1 = geo.extents(key)
    vx0, vx1, vy0, vy1 = key.cx + x0, key.cx + x1, key.cy + y0, key.cy + y1
    bx0, by0, bx1, by1 = geo.box(place)
    fx = max(0.0, min(vx1, bx1) - max(vx0, bx0)) / max(vx1 - vx0, 1e-9)
    fy = max(0.0, min(vy1, by1) - max(vy0, by0)) / max(vy1 - vy0, 1e-9)
    return max(fx, fy) if min(fx, fy) >= FRAMED_SHARE / 2 else min(fx, fy)


def _opposite(direction: str) -> str:
    return {"left": "right", "right": "left", "up": "down", "down": "up"}.get(direction, direction)


def _target_check(index: int, step: Step, key: _Key, geo: _Geometry, label: str) -> _Check:
    assert step.target is not None
    x0, x1, y0, y1 = geo.extents(key)
    vx0, vx1, vy0, vy1 = key.cx + x0, key.cx + x1, key.cy + y0, key.cy + y1
    if step.frame_target:
        bx0, by0, bx1, by1 = geo.box(step.target)
        tol = 0.02 * (vx1 - vx0)
        inside_x = (bx0 >= vx0 - tol and bx1 <= vx1 + tol) or (bx0 <= vx0 + tol and bx1 >= vx1 - tol)
        inside_y = (by0 >= vy0 - tol and by1 <= vy1 + tol) or (by0 <= vy0 + tol and by1 >= vy1 - tol)
        return _Check(
            index,
            True,
            inside_x and inside_y,
            f"{label}: {step.target.describe()} cannot be brought fully into view.",
        )
    tx, ty = geo.point(step.target)
    seen = vx0 <= tx <= vx1 and vy0 <= ty <= vy1
    return _Check(index, True, seen, f"{label}: the camera cannot end on {step.target.describe()}.")


# -- frames -------------------------------------------------------------------------------------------------


def _interpolate(keys: list[_Key], timed: list[_Timed], bounds: np.ndarray, index: int, p: float) -> _Key:
    a, b = bounds[index], bounds[index + 1]
    s = 1.0 if b <= a else (p - a) / (b - a)
    e = ease(timed[index].step.easing, s)
    k0, k1 = keys[index], keys[index + 1]
    return _Key(
        k0.cx + (k1.cx - k0.cx) * e,
        k0.cy + (k1.cy - k0.cy) * e,
        k0.log_zoom + (k1.log_zoom - k0.log_zoom) * e,
        k0.angle + (k1.angle - k0.angle) * e,
        k0.yaw + (k1.yaw - k0.yaw) * e,
    )


class _Shake:
    """Handheld shake: a smooth random wander (three incommensurate sines per axis, phases by seed)."""

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

    def apply(self, key: _Key, geo: _Geometry, amplitude: float, t: float) -> None:
        vw, vh = geo.view_size(key)
        key.cx += amplitude * vw * self._signal(0, t)
        key.cy += amplitude * vh * self._signal(1, t)
        key.angle += amplitude * 25.0 * self._signal(2, t)


class _EffectTimeline:
    """Per-frame picture layers from the plan's effects: each starts with its step and persists after."""

    def __init__(
        self, timed: list[_Timed], bounds: np.ndarray, lines: Mapping[str, Sequence[Box]], warnings: list[str]
    ) -> None:
        self.items: list[tuple[float, float, Effect, tuple[Box, ...]]] = []
        for index, t in enumerate(timed):
            for effect in t.step.effects:
                boxes: tuple[Box, ...] = ()
                if effect.kind is EffectKind.LINES:
                    name = effect.region.name if effect.region is not None else ""
                    boxes = tuple(lines.get(name, ()))
                    if not boxes:
                        where = effect.region.describe() if effect.region is not None else "the slide"
                        warnings.append(
                            f"No text lines were found in {where}; they cannot appear one by one."
                        )
                        continue
                self.items.append((float(bounds[index]), float(bounds[index + 1]), effect, boxes))

    def at(self, p: float) -> tuple[Layer, ...]:
        layers: list[Layer] = []
        blur = self._latest(p, (EffectKind.FOCUS,))
        if blur is not None:
            layers.append(self._focus_layer(p, *blur))
        dim = self._latest(p, (EffectKind.SPOTLIGHT, EffectKind.HIGHLIGHT))
        if dim is not None:
            a, b, effect, _ = dim
            depth = SPOTLIGHT_DIM if effect.kind is EffectKind.SPOTLIGHT else HIGHLIGHT_DIM
            layers.append(
                Layer("dim", ((_box(effect.region), 1.0),), depth * effect.strength * _progress(p, a, b))
            )
        covers: list[tuple[Box, float]] = []
        for a, b, effect, lines in self.items:
            if effect.kind is EffectKind.REVEAL and effect.region is not None:
                x, y, w, h = _box(effect.region)
                done = _progress(p, a, b)
                if done < 1.0:
                    covers.append(((x + done * w, y, (1 - done) * w, h), 1.0))
            elif effect.kind is EffectKind.LINES:
                n = len(lines)
                s = (p - a) / (b - a) if b > a else 1.0
                for i, line in enumerate(lines):
                    shown = min(max((s * n - i) / LINE_FADE_SHARE, 0.0), 1.0)
                    if shown < 1.0:
                        covers.append((line, 1.0 - shown))
        if covers:
            layers.insert(0, Layer("cover", tuple(covers)))
        return tuple(layers)

    def _latest(
        self, p: float, kinds: tuple[EffectKind, ...]
    ) -> tuple[float, float, Effect, tuple[Box, ...]] | None:
        started = [
            item
            for item in self.items
            if item[2].kind in kinds and (p >= item[0] or item[2].origin is not None)
        ]
        return started[-1] if started else None

    def _focus_layer(self, p: float, a: float, b: float, effect: Effect, _lines: tuple[Box, ...]) -> Layer:
        e = ease(Easing.EASE_IN_OUT, _progress(p, a, b))
        boxes: list[tuple[Box, float]] = []
        if effect.region is not None:
            boxes.append((_box(effect.region), e))
        if effect.origin is not None:
            boxes.append((_box(effect.origin), 1.0 - e))
            amount = effect.strength
        else:
            amount = effect.strength * e
        return Layer("blur", tuple(boxes), amount)


def _box(focus: Focus | None) -> Box:
    if focus is None or focus.box is None:
        x, y = (focus.x, focus.y) if focus is not None else (0.5, 0.5)
        return (x - 0.1, y - 0.1, 0.2, 0.2)
    return focus.box


def _progress(p: float, a: float, b: float) -> float:
    return 1.0 if b <= a else min(max((p - a) / (b - a), 0.0), 1.0)


def shutter_poses(poses: Sequence[CameraPose], index: int, samples: int) -> list[CameraPose]:
    """The poses a fully open shutter sees around frame ``index`` (half a frame either side), for a whip pan's
    motion blur (a whip pan smears more than an ordinary 180° shutter would)."""
    out = []
    for k in range(samples):
        t = index + (k / (samples - 1) - 0.5) if samples > 1 else float(index)
        lo = min(max(math.floor(t), 0), len(poses) - 1)
        hi = min(lo + 1, len(poses) - 1)
        f = min(max(t - lo, 0.0), 1.0)
        a, b = poses[lo], poses[hi]
        out.append(
            CameraPose(
                a.cx + (b.cx - a.cx) * f,
                a.cy + (b.cy - a.cy) * f,
                a.view_width + (b.view_width - a.view_width) * f,
                a.view_height + (b.view_height - a.view_height) * f,
                a.angle_deg + (b.angle_deg - a.angle_deg) * f,
                a.zoom + (b.zoom - a.zoom) * f,
                yaw_deg=a.yaw_deg + (b.yaw_deg - a.yaw_deg) * f,
            )
        )
    return out


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
