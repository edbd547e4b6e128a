"""Camera plan → one pose per frame, kept inside the starting image.

The view is always crop-to-fill: zoom 1 is the smallest view of the output's aspect that covers the frame
from the image. Poses are continuous (sub-pixel, no rounding) so the warp never jitters. The path is fitted
to the image as a whole rather than clamped frame by frame, because a per-frame clamp puts kinks in the
motion: zoom-outs, pans and rolls first raise the zoom of the whole shot by one constant factor until every
frame has room, then each step's end point is pulled inside the image at its own zoom. Only then, as a last
guard, each frame is clamped (a no-op except for extreme rolls).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.generation.local.plan import CameraPlan, Easing, Focus, MoveKind, Step

__all__ = [
    "DEFAULT_FADE_S",
    "MAX_SHOT_ZOOM",
    "CameraPath",
    "CameraPose",
    "ease",
    "plan_camera_path",
]

#: Length of a fade in or out, at most a quarter of the clip.
DEFAULT_FADE_S = 0.75
#: How far the whole shot may be zoomed in to make room for its moves before they are cut short instead.
MAX_SHOT_ZOOM = 4.0
#: A region a zoom aims at is framed with this much room around it.
REGION_MARGIN = 1.1
#: Implicitly timed steps keep at least this share of the clip, so no move becomes a jump cut.
MIN_STEP_SHARE = 0.15


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks in one frame, in source pixels (continuous: the image spans 0..W, 0..H).

    ``zoom`` is relative to crop-to-fill; ``angle_deg`` is the camera's roll (clockwise positive, so the
    picture turns the other way); ``opacity`` < 1 fades towards black.
    """

    cx: float
    cy: float
    view_width: float
    view_height: float
    angle_deg: float = 0.0
    zoom: float = 1.0
    opacity: float = 1.0

    def output_to_source(self, out_width: int, out_height: int) -> np.ndarray:
        """2×3 affine map from output to source continuous coordinates (pixel centres at +0.5)."""
        scale = out_width / self.view_width
        theta = math.radians(self.angle_deg)
        c, s = math.cos(theta) / scale, math.sin(theta) / scale
        ox, oy = out_width / 2, out_height / 2
        return np.array(
            [[c, -s, self.cx - c * ox + s * oy], [s, c, self.cy - s * ox - c * oy]],
            dtype=np.float64,
        )

    def corners(self) -> np.ndarray:
        """The view's four corners in source pixels (4×2), clockwise from top-left."""
        theta = math.radians(self.angle_deg)
        c, s = math.cos(theta), math.sin(theta)
        hw, hh = self.view_width / 2, self.view_height / 2
        local = np.array([(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)])
        rot = np.array([[c, -s], [s, c]])
        return local @ rot.T + np.array([self.cx, self.cy])


@dataclass(frozen=True)
class CameraPath:
    """Every frame's pose, plus notes about limits the image imposed on the plan."""

    poses: tuple[CameraPose, ...]
    image_size: tuple[int, int]
    output_size: tuple[int, int]
    fps: float
    warnings: tuple[str, ...] = ()

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


@dataclass
class _Key:
    cx: float
    cy: float
    log_zoom: float
    angle: float


def plan_camera_path(
    plan: CameraPlan,
    image_size: tuple[int, int],
    output_size: tuple[int, int],
    frame_count: int,
    fps: float,
) -> CameraPath:
    """Sample ``plan`` at ``frame_count`` frames: frame 0 is the start of the first step, the last frame the
    end of the last step."""
    width, height = image_size
    out_w, out_h = output_size
    cover = max(out_w / width, out_h / height)  # output px per source px at zoom 1
    view1 = (out_w / cover, out_h / cover)  # view size in source px at zoom 1
    warnings: list[str] = []
    steps, shares = _timeline(plan.steps, frame_count / fps, warnings)
    keys = _keyframes(steps, image_size, view1, warnings)
    anchored = any(s.target is not None or s.origin is not None for s in steps)
    if not anchored:
        _recentre(keys, image_size)
    bounds = np.concatenate([[0.0], np.cumsum(shares)])
    bounds[-1] = 1.0
    progress = np.linspace(0.0, 1.0, frame_count) if frame_count > 1 else np.zeros(1)
    raw = [_interpolate(keys, steps, bounds, float(p)) for p in progress]

    # One zoom factor for the whole shot, so every frame has room (zoom-outs, rolls, unanchored pans).
    boost = 1.0
    for k in (*keys, *raw):
        need = _cover_zoom(view1, image_size, k.angle)
        if not anchored:
            need = max(need, _room_zoom(view1, image_size, k))
        boost = max(boost, need / math.exp(k.log_zoom))
    if boost > MAX_SHOT_ZOOM:
        warnings.append("The moves go further than the image allows; the camera stops at the image edge.")
        boost = MAX_SHOT_ZOOM
    for k in keys:
        k.log_zoom += math.log(boost)
    # Pull each step's end point inside the image at its own zoom; the straight path between two inside
    # points stays inside, because the allowed band widens with zoom as 1/zoom (convex).
    moved = 0.0
    for k in keys:
        before = (k.cx, k.cy)
        _clamp(k, view1, image_size)
        moved = max(moved, abs(k.cx - before[0]) / width, abs(k.cy - before[1]) / height)
    # Aiming near an edge stops at the edge by design; a relative move cut short is worth a note.
    if moved > 0.02 and not anchored and not any("image edge" in w for w in warnings):
        warnings.append("The image edge limits a move; the camera stops at the edge.")

    fade_frames = _fade_frames(plan, frame_count, fps)
    poses = []
    for i, p in enumerate(progress):
        k = _interpolate(keys, steps, bounds, float(p))
        k.log_zoom = max(k.log_zoom, math.log(_cover_zoom(view1, image_size, k.angle)))
        _clamp(k, view1, image_size)
        zoom = math.exp(k.log_zoom)
        poses.append(
            CameraPose(
                cx=k.cx,
                cy=k.cy,
                view_width=view1[0] / zoom,
                view_height=view1[1] / zoom,
                angle_deg=k.angle,
                zoom=zoom,
                opacity=_opacity(i, frame_count, fade_frames, plan),
            )
        )
    return CameraPath(tuple(poses), (width, height), (out_w, out_h), float(fps), tuple(warnings))


# -- timeline -----------------------------------------------------------------------------------------------


def _timeline(
    steps: tuple[Step, ...], duration_s: float, warnings: list[str]
) -> tuple[list[Step], list[float]]:
    """Each step's share of the clip: asked-for seconds first, the rest shared equally."""
    out = list(steps)
    explicit = [s.seconds / duration_s if s.seconds is not None else None for s in out]
    asked = sum(e for e in explicit if e is not None)
    implicit = sum(1 for e in explicit if e is None)
    min_share = min(MIN_STEP_SHARE, 0.5 / len(out))
    if implicit == 0 and asked < 1.0 - 1e-9:
        out.append(Step(moves=(), text="(rest of the clip)"))
        explicit.append(1.0 - asked)
    elif (implicit and asked > 1.0 - implicit * min_share) or (not implicit and asked > 1.0 + 1e-9):
        room = 1.0 - implicit * min_share
        explicit = [e * room / asked if e is not None else None for e in explicit]
        warnings.append("The step timings add up to more than the clip; they were shortened to fit.")
        asked = room
    rest = (1.0 - asked) / implicit if implicit else 0.0
    shares = [e if e is not None else rest for e in explicit]
    return out, shares


def _keyframes(
    steps: list[Step], image_size: tuple[int, int], view1: tuple[float, float], warnings: list[str]
) -> list[_Key]:
    width, height = image_size
    first = steps[0].origin if steps else None
    key = _Key(*_point(first, image_size), 0.0, 0.0) if first else _Key(width / 2, height / 2, 0.0, 0.0)
    keys = [key]
    for index, step in enumerate(steps):
        if index and step.origin is not None:
            warnings.append(f"'from {step.origin.name}' only applies to the first move; ignored.")
        key = _Key(key.cx, key.cy, key.log_zoom, key.angle)
        for move in step.moves:
            if move.kind is MoveKind.ZOOM:
                factor = move.magnitude
                if (
                    step.target is not None
                    and step.target.box is not None
                    and factor > 1
                    and not move.explicit_amount
                ):
                    factor = _framing_factor(step.target, key, image_size, view1, factor)
                key.log_zoom += math.log(factor)
            elif move.kind in (MoveKind.PAN, MoveKind.TRUCK):
                key.cx += move.magnitude * width
            elif move.kind in (MoveKind.TILT, MoveKind.PEDESTAL):
                key.cy += move.magnitude * height
            elif move.kind is MoveKind.ROLL:
                key.angle += move.magnitude
        if step.target is not None:
            key.cx, key.cy = _point(step.target, image_size)
        keys.append(key)
    return keys


def _framing_factor(
    target: Focus, key: _Key, image_size: tuple[int, int], view1: tuple[float, float], factor: float
) -> float:
    """Zoom far enough to frame a named region: at least the speed's factor, at most twice it."""
    assert target.box is not None
    box_w, box_h = target.box[2] * image_size[0], target.box[3] * image_size[1]
    framing = min(view1[0] / (REGION_MARGIN * box_w), view1[1] / (REGION_MARGIN * box_h))
    return min(max(framing / math.exp(key.log_zoom), factor), 2 * factor)


def _point(focus: Focus, image_size: tuple[int, int]) -> tuple[float, float]:
    return focus.x * image_size[0], focus.y * image_size[1]


def _recentre(keys: list[_Key], image_size: tuple[int, int]) -> None:
    """Centre a free-floating path on the image, so pans have room on both sides."""
    xs, ys = [k.cx for k in keys], [k.cy for k in keys]
    dx = image_size[0] / 2 - (min(xs) + max(xs)) / 2
    dy = image_size[1] / 2 - (min(ys) + max(ys)) / 2
    for k in keys:
        k.cx += dx
        k.cy += dy


def _interpolate(keys: list[_Key], steps: list[Step], bounds: np.ndarray, p: float) -> _Key:
    index = int(np.searchsorted(bounds, p, side="right")) - 1
    index = min(max(index, 0), len(steps) - 1)
    a, b = bounds[index], bounds[index + 1]
    s = 1.0 if b <= a else (p - a) / (b - a)
    e = ease(steps[index].easing, s)
    k0, k1 = keys[index], keys[index + 1]
    return _Key(
        k0.cx + (k1.cx - k0.cx) * e,
        k0.cy + (k1.cy - k0.cy) * e,
        k0.log_zoom + (k1.log_zoom - k0.log_zoom) * e,
        k0.angle + (k1.angle - k0.angle) * e,
    )


# -- fitting inside the image -------------------------------------------------------------------------------


def _half_extents(view1: tuple[float, float], angle_deg: float, zoom: float) -> tuple[float, float]:
    """Half width/height of the rotated view's bounding box, in source pixels."""
    theta = math.radians(angle_deg)
    c, s = abs(math.cos(theta)), abs(math.sin(theta))
    vw, vh = view1[0] / zoom, view1[1] / zoom
    return (vw * c + vh * s) / 2, (vw * s + vh * c) / 2


def _cover_zoom(view1: tuple[float, float], image_size: tuple[int, int], angle_deg: float) -> float:
    """The least zoom at which the (rotated) view fits in the image at all."""
    hx, hy = _half_extents(view1, angle_deg, 1.0)
    return max(1.0, 2 * hx / image_size[0], 2 * hy / image_size[1])


def _room_zoom(view1: tuple[float, float], image_size: tuple[int, int], key: _Key) -> float:
    """The least zoom at which the view fits around ``key``'s centre."""
    width, height = image_size
    hx, hy = _half_extents(view1, key.angle, 1.0)
    room_x = max(min(key.cx, width - key.cx), 0.1 * width)
    room_y = max(min(key.cy, height - key.cy), 0.1 * height)
    return max(hx / room_x, hy / room_y)


def _clamp(key: _Key, view1: tuple[float, float], image_size: tuple[int, int]) -> None:
    width, height = image_size
    hx, hy = _half_extents(view1, key.angle, math.exp(key.log_zoom))
    key.cx = min(max(key.cx, hx), width - hx) if 2 * hx < width else width / 2
    key.cy = min(max(key.cy, hy), height - hy) if 2 * hy < height else height / 2


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
