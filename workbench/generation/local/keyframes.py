"""Keyframes of the camera path (where each step starts and ends) that keep every move visible.

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
from dataclasses import dataclass

from workbench.generation.local.plan import SPEEDS, Focus, MoveKind, Step
from workbench.generation.local.pose import CameraPose

__all__ = [
    "ACROSS_VIEWS",
    "FRAMED_SHARE",
    "MAX_SHOT_ZOOM",
    "REGION_MARGIN",
    "VISIBLE_ORBIT_DEG",
    "VISIBLE_ROLL_DEG",
    "VISIBLE_SHIFT",
    "VISIBLE_ZOOM",
    "Check",
    "Geometry",
    "Key",
    "solve",
]

#: How far the whole shot may be framed tighter to make room for its moves before they are cut short instead.
MAX_SHOT_ZOOM = 4.0
#: A region a zoom aims at is framed with this much room around it.
REGION_MARGIN = 1.1
#: The least visible pan or tilt, as a fraction of the view (on 1280 px: 51 px).
VISIBLE_SHIFT = 0.04
#: The least visible zoom, as a factor.
VISIBLE_ZOOM = 1.04
#: The least visible roll and orbit, in degrees.
VISIBLE_ROLL_DEG = 1.0
VISIBLE_ORBIT_DEG = 3.0
#: (and half that along the other).
FRAMED_SHARE = 0.5
#: How far a move "across" a region travels, in views, by speed (very slow … very fast).
ACROSS_VIEWS = (0.15, 0.25, 0.4, 0.6, 0.8)
_COARSE = (*tuple(1.08**k for k in range(int(math.log(MAX_SHOT_ZOOM) / math.log(1.08)) + 1)), MAX_SHOT_ZOOM)
_GRID = (*tuple(1.01**k for k in range(int(math.log(MAX_SHOT_ZOOM) / math.log(1.01)) + 1)), MAX_SHOT_ZOOM)


@dataclass
class Key:
    cx: float
    cy: float
    log_zoom: float
    angle: float
    yaw: float = 0.0

    @property
    def zoom(self) -> float:
        return math.exp(self.log_zoom)

    def copy(self) -> Key:
        return dataclasses.replace(self)


@dataclass(frozen=True)
class Geometry:
    image: tuple[int, int]
    out: tuple[int, int]

    @property
    def view1(self) -> tuple[float, float]:
        """The view's size in source px at zoom 1 (crop-to-fill)."""
        cover = max(self.out[0] / self.image[0], self.out[1] / self.image[1])
        return self.out[0] / cover, self.out[1] / cover

    def extents(self, key: Key) -> tuple[float, float, float, float]:
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
        x0, x1, y0, y1 = self.extents(Key(0.0, 0.0, 0.0, angle, yaw))
        return max(1.0, (x1 - x0) / self.image[0], (y1 - y0) / self.image[1])

    def clamp(self, key: Key) -> None:
        width, height = self.image
        x0, x1, y0, y1 = self.extents(key)
        key.cx = min(max(key.cx, -x0), width - x1) if x1 - x0 < width else width / 2 - (x0 + x1) / 2
        key.cy = min(max(key.cy, -y0), height - y1) if y1 - y0 < height else height / 2 - (y0 + y1) / 2

    def view_size(self, key: Key) -> tuple[float, float]:
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
class Check:
    """One promise the path must keep: ``hard`` ones are about the move being seen at all."""

    step: int
    hard: bool
    ok: bool
    message: str


def solve(steps: list[Step], geo: Geometry, least: float) -> tuple[list[Key], float, list[Check]]:
    """Keyframes under the smallest shot zoom (from ``least``) that keeps every promise; failing that, the one
    that breaks the fewest (hard promises first), with the failures to report.

    Coarse to fine: factors 8 % apart first, then 1 % apart below the first coarse one that works (a few
    dozen trials instead of a hundred and forty, so the editor can plan on every pause in typing).
    """
    tried: dict[float, tuple[tuple[int, int, float], list[Key], list[Check]]] = {}

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


def _keys(steps: list[Step], geo: Geometry, room: float) -> list[Key]:
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


def _start(steps: list[Step], geo: Geometry, room: float) -> Key:
    """Where the shot starts: on its origin, or where the first move can be seen arriving at its target."""
    width, height = geo.image
    first = steps[0] if steps else None
    key = Key(width / 2, height / 2, math.log(room), 0.0)
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
        end = Key(*geo.point(first.target), key.log_zoom, key.angle, key.yaw)
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


def _shifts(step: Step, geo: Geometry) -> dict[str, float]:
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


def _end_of(step: Step, start: Key, geo: Geometry) -> Key:
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


def _framing_factor(target: Focus, key: Key, geo: Geometry, factor: float) -> float:
    """Zoom far enough to frame a named region: at least the speed's factor, at most twice it."""
    framing = geo.fit_zoom(target, REGION_MARGIN)
    return min(max(framing / key.zoom, factor), 2 * factor)


def _recentre(keys: list[Key], image_size: tuple[int, int]) -> None:
    """Centre a free-floating path on the image, so pans have room on both sides."""
    xs, ys = [k.cx for k in keys], [k.cy for k in keys]
    dx = image_size[0] / 2 - (min(xs) + max(xs)) / 2
    dy = image_size[1] / 2 - (min(ys) + max(ys)) / 2
    for k in keys:
        k.cx += dx
        k.cy += dy


# -- the promises -------------------------------------------------------------------------------------------


def _checks(steps: list[Step], keys: list[Key], geo: Geometry) -> list[Check]:
    """Every move seen in its direction; relative moves at their full size; targets reached."""
    out: list[Check] = []
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
                    Check(
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
                    Check(
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
                    Check(
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
            out.append(Check(index, True, seen, message))
            if seen and not anchored:
                wanted = shift.get(axis, 0.0)
                out.append(
                    Check(
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
                    Check(
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
                Check(index, True, a.zoom <= 1.02, f"{label}: the shot cannot start on the whole slide.")
            )
        if not step.is_static and any(m.kind in _TRAVELS for m in step.moves):
            # "pan from the title to the diagram": frame each place, so the move reads as going between them
            for key, place in ((a, step.origin), (b, step.target)):
                if place is not None and place.kind == "region" and not step.frame_target:
                    share = _view_share(geo, key, place)
                    out.append(
                        Check(
                            index,
                            False,
                            share >= FRAMED_SHARE,
                            f"{label}: {place.describe()} fills only {share:.0%} of the view there (framed closer, the move would "
                            "have no room).",
                        )
                    )
    return out


_TRAVELS = (MoveKind.PAN, MoveKind.TRUCK, MoveKind.TILT, MoveKind.PEDESTAL)


def _view_share(geo: Geometry, key: Key, place: Focus) -> float:
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


def _target_check(index: int, step: Step, key: Key, geo: Geometry, label: str) -> Check:
    assert step.target is not None
    x0, x1, y0, y1 = geo.extents(key)
    vx0, vx1, vy0, vy1 = key.cx + x0, key.cx + x1, key.cy + y0, key.cy + y1
    if step.frame_target:
        bx0, by0, bx1, by1 = geo.box(step.target)
        tol = 0.02 * (vx1 - vx0)
        inside_x = (bx0 >= vx0 - tol and bx1 <= vx1 + tol) or (bx0 <= vx0 + tol and bx1 >= vx1 - tol)
        inside_y = (by0 >= vy0 - tol and by1 <= vy1 + tol) or (by0 <= vy0 + tol and by1 >= vy1 - tol)
        return Check(
            index,
            True,
            inside_x and inside_y,
            f"{label}: {step.target.describe()} cannot be brought fully into view.",
        )
    tx, ty = geo.point(step.target)
    seen = vx0 <= tx <= vx1 and vy0 <= ty <= vy1
    return Check(index, True, seen, f"{label}: the camera cannot end on {step.target.describe()}.")
