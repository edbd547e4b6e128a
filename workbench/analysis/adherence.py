"""Direction adherence: did the video do what its directions ask, move by move, in order?

The expected moves (:mod:`.expected`) are matched, in order, to time windows of the measured camera track
(:mod:`.camera_track`): step k's window starts where step k-1's ended or later, and within its window each move
must show its motion in the right direction by a visible amount (pans and tilts ``MIN_SHIFT`` of the view, zooms
``MIN_ZOOM``…), end on its target and start on its origin. Windows are chosen by dynamic programming to satisfy
as many moves as possible, so a model's timing does not matter, only the order. Picture effects are checked on
the pixels at the window's ends (:mod:`.picture`).

The score is the share of expected moves seen. A video whose frames do not register against the starting image
(a neural model that redrew the scene, a black clip) is "not measurable", never scored 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.analysis.camera_track import CameraTrack, TrackPoint
from workbench.analysis.expected import ExpectedMove, ExpectedStep
from workbench.analysis.picture import RegionStats, region_stats
from workbench.generation.local.plan import Focus
from workbench.generation.local.text_lines import find_text_lines

__all__ = ["Adherence", "MoveEvidence", "score_adherence"]

#: Least measured motion that counts as a move (a little under what the local planner guarantees).
MIN_SHIFT = 0.03
MIN_ZOOM = 1.03
MIN_ROLL_DEG = 0.7
MIN_KEYSTONE = 0.012
#: A hold: the camera stays within this share of the view for at least ``MIN_HOLD_SHARE`` of the clip.
HOLD_TOLERANCE = 0.015
MIN_HOLD_SHARE = 0.05
#: A region is where the camera is when it fills this share of the view (or the view this share of it).
MIN_OVERLAP = 0.4
#: A rack focus: the region keeps this many times the rest's detail (relative to the image's own).
FOCUS_CONTRAST = 1.5
#: Handheld shake: RMS frame-to-frame acceleration of the view centre, as a share of the view.
MIN_SHAKE = 0.0012

Probe = Callable[[TrackPoint, tuple[float, float, float, float]], RegionStats]


@dataclass(frozen=True)
class MoveEvidence:
    """What the video showed for one expected move: ``ok`` is ``None`` when it cannot be measured."""

    step: int
    move: ExpectedMove
    ok: bool | None
    measured: str
    start_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True)
class Adherence:
    """``score`` is the share of expected moves seen (``None``: not measurable, with ``reason``)."""

    score: float | None
    moves: tuple[MoveEvidence, ...]
    reason: str = ""

    @property
    def measurable(self) -> bool:
        return self.score is not None

    @property
    def failed(self) -> tuple[MoveEvidence, ...]:
        return tuple(m for m in self.moves if m.ok is False)


def score_adherence(
    expected: Sequence[ExpectedStep],
    track: CameraTrack,
    *,
    frames: Sequence[np.ndarray] | None = None,
    image: np.ndarray | None = None,
) -> Adherence:
    """Match ``expected`` steps in order to the ``track``; ``frames`` (grey, all of them) and ``image`` (grey)
    let picture effects be checked too (without them those moves are not measurable)."""
    total = sum(len(step) for step in expected)
    if total == 0:
        return Adherence(1.0, ())
    if not track.measurable:
        reason = (
            f"only {track.registered_share:.0%} of the frames could be located on the starting image "
            "(a black or redrawn video shows no camera motion to measure)"
        )
        return Adherence(
            None,
            tuple(MoveEvidence(i, m, None, "not measurable") for i, s in enumerate(expected) for m in s),
            reason,
        )
    probe = _Prober(track, frames, image)
    points = track.points
    n = len(points)
    windows = [(s, e) for s in range(n) for e in range(s + 1, n)]
    # best[j][e]: the most moves satisfied by steps 0..j with step j's window ending at sample e.
    best = np.full((len(expected), n), -1.0)
    choice: dict[tuple[int, int], tuple[int, int, list[MoveEvidence]]] = {}
    for j, step in enumerate(expected):
        before = np.maximum.accumulate(best[j - 1]) if j else np.zeros(n)
        arg_before = _running_argmax(best[j - 1]) if j else np.zeros(n, int)
        for s, e in windows:
            if j and before[s] < 0:
                continue
            evidence = [_check(move, j, points, s, e, track, probe) for move in step]
            value = (before[s] if j else 0.0) + sum(1 for ev in evidence if ev.ok)
            if value > best[j, e]:
                best[j, e] = value
                choice[(j, e)] = (s, int(arg_before[s]), evidence)
    # follow the best chain back
    e = int(np.argmax(best[-1]))
    chain: list[list[MoveEvidence]] = []
    for j in range(len(expected) - 1, -1, -1):
        s, previous_end, evidence = choice[(j, e)]
        chain.append(evidence)
        e = previous_end
    moves = tuple(ev for step in reversed(chain) for ev in step)
    seen = sum(1 for m in moves if m.ok)
    return Adherence(seen / total, moves)


def _running_argmax(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values), int)
    best = 0
    for i in range(len(values)):
        if values[i] > values[best]:
            best = i
        out[i] = best
    return out


class _Prober:
    """Region statistics per (frame, box) and whether a frame is on a focus, computed once (the windows share
    their ends); text lines of a region found once."""

    def __init__(
        self, track: CameraTrack, frames: Sequence[np.ndarray] | None, image: np.ndarray | None
    ) -> None:
        self.track, self.frames, self.image = track, frames, image
        self.cache: dict[tuple[int, tuple[float, ...]], RegionStats] = {}
        self.on: dict[tuple[int, Focus], bool] = {}
        self.lines: dict[tuple[float, ...], list[tuple[float, float, float, float]]] = {}

    @property
    def available(self) -> bool:
        return self.frames is not None and self.image is not None

    def __call__(self, point: TrackPoint, box: tuple[float, float, float, float]) -> RegionStats:
        key = (point.index, box)
        if key not in self.cache:
            assert self.frames is not None and self.image is not None
            self.cache[key] = region_stats(self.frames[point.index], self.image, point, box)
        return self.cache[key]

    def inside(self, point: TrackPoint, focus: Focus) -> bool:
        key = (point.index, focus)
        if key not in self.on:
            self.on[key] = _inside(point, focus, self.track)
        return self.on[key]

    def text_lines(self, box: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
        if box not in self.lines:
            assert self.image is not None
            self.lines[box] = find_text_lines(np.dstack([self.image] * 3), box)
        return self.lines[box]


def _box(focus: Focus | None) -> tuple[float, float, float, float] | None:
    if focus is None:
        return None
    if focus.box is not None:
        return focus.box
    return (focus.x - 0.1, focus.y - 0.1, 0.2, 0.2)


def _inside(point: TrackPoint, focus: Focus, track: CameraTrack) -> bool:
    """The camera is on ``focus``: the whole picture in view, a position's point in view, or a region filling
    at least ``MIN_OVERLAP`` of the view (or the view showing that much of it)."""
    if focus.kind == "whole":
        return point.zoom <= 1.05
    if focus.kind != "region" or focus.box is None:
        return point.contains(focus.x, focus.y, track.frame_size, track.image_size)
    w, h = track.frame_size
    corners = np.array([(0, 0, 1), (w, 0, 1), (w, h, 1), (0, h, 1)], dtype=np.float64) @ point.homography.T
    corners = corners[:, :2] / corners[:, 2:3]
    vx0, vy0 = corners.min(axis=0) / track.image_size
    vx1, vy1 = corners.max(axis=0) / track.image_size
    bx, by, bw, bh = focus.box
    ox = max(0.0, min(vx1, bx + bw) - max(vx0, bx))
    oy = max(0.0, min(vy1, by + bh) - max(vy0, by))
    smaller = min((vx1 - vx0) * (vy1 - vy0), bw * bh)
    return smaller > 0 and ox * oy / smaller >= MIN_OVERLAP


def _check(
    move: ExpectedMove,
    step: int,
    points: Sequence[TrackPoint],
    s: int,
    e: int,
    track: CameraTrack,
    probe: _Prober,
) -> MoveEvidence:
    a, b = points[s], points[e]
    window = points[s : e + 1]
    ok, measured = _motion(move, a, b, window, track, probe)
    if (
        ok
        and move.to is not None
        and move.kind in ("pan", "tilt", "zoom", "roll", "orbit")
        and not probe.inside(b, move.to)
    ):
        ok, measured = False, f"{measured}; does not end on {move.to.describe()}"
    if (
        ok
        and move.origin is not None
        and move.kind in ("pan", "tilt", "zoom")
        and not probe.inside(a, move.origin)
    ):
        ok, measured = False, f"{measured}; does not start on {move.origin.describe()}"
    return MoveEvidence(step, move, ok, measured, a.time, b.time)


def _motion(
    move: ExpectedMove,
    a: TrackPoint,
    b: TrackPoint,
    window: Sequence[TrackPoint],
    track: CameraTrack,
    probe: _Prober,
) -> tuple[bool | None, str]:
    view_w = min(a.view_w, b.view_w)
    view_h = min(a.view_h, b.view_h)
    kind = move.kind
    if kind in ("pan", "tilt"):
        along = (b.cx - a.cx) / view_w if kind == "pan" else (b.cy - a.cy) / view_h
        unit = "x" if kind == "pan" else "y"
        text = f"{unit} {along:+.1%} of the view"
        if not move.direction:
            moved = math.hypot((b.cx - a.cx) / view_w, (b.cy - a.cy) / view_h)
            return moved >= MIN_SHIFT, f"moved {moved:.1%} of the view"
        sign = 1.0 if move.direction in ("right", "down") else -1.0
        return along * sign >= MIN_SHIFT, text
    if kind == "zoom":
        ratio = b.zoom / a.zoom
        text = f"zoom ×{ratio:.2f}"
        if not move.direction:
            return abs(math.log(ratio)) >= math.log(MIN_ZOOM), text
        wanted = math.log(MIN_ZOOM) if move.direction == "in" else -math.log(MIN_ZOOM)
        return (math.log(ratio) >= wanted) if wanted > 0 else (math.log(ratio) <= wanted), text
    if kind == "roll":
        delta = b.angle_deg - a.angle_deg
        text = f"roll {delta:+.1f}°"
        if not move.direction:
            return abs(delta) >= MIN_ROLL_DEG, text
        return delta * (1 if move.direction == "cw" else -1) >= MIN_ROLL_DEG, text
    if kind == "orbit":
        delta = b.keystone - a.keystone
        text = f"keystone {delta:+.3f}"
        if not move.direction:
            return abs(delta) >= MIN_KEYSTONE, text
        return delta * (1 if move.direction == "right" else -1) >= MIN_KEYSTONE, text
    if kind == "hold":
        if b.time - a.time < MIN_HOLD_SHARE * track.duration:
            return False, "too short to be a hold"
        drift = max(
            max(abs(p.cx - a.cx) / view_w, abs(p.cy - a.cy) / view_h, abs(math.log(p.zoom / a.zoom)))
            for p in window
        )
        return drift <= HOLD_TOLERANCE, f"drift {drift:.1%} of the view"
    if kind == "shake":
        if len(window) < 5:
            return False, "too short to see a shake"
        xs = np.array([p.cx / p.view_w for p in window])
        ys = np.array([p.cy / p.view_h for p in window])
        accel = float(np.sqrt(np.mean(np.diff(xs, 2) ** 2 + np.diff(ys, 2) ** 2)))
        return accel >= MIN_SHAKE, f"jitter {accel:.2%} of the view per frame²"
    return _effect(move, a, b, window, probe)


def _effect(
    move: ExpectedMove, a: TrackPoint, b: TrackPoint, window: Sequence[TrackPoint], probe: _Prober
) -> tuple[bool | None, str]:
    box = _box(move.to)
    if not probe.available or box is None:
        return None, "not measurable without the frames"
    end, start = probe(b, box), probe(a, box)
    if move.kind == "focus":
        if end.sharp_in is None or end.sharp_out is None:
            return None, "region not in view"
        # the region's detail must stand out from the rest's (both relative to the image's own detail)
        ok = end.sharp_in >= FOCUS_CONTRAST * end.sharp_out
        origin = _box(move.origin)
        if ok and origin is not None:
            first = probe(a, origin)
            ok = first.sharp_in is not None and start.sharp_in is not None and first.sharp_in > start.sharp_in
        return ok, f"detail inside {end.sharp_in:.2f}, outside {end.sharp_out:.2f} of the image's"
    if move.kind in ("spotlight", "highlight"):
        if end.light_in is None or end.light_out is None:
            return None, "region not in view"
        contrast = end.light_in / max(end.light_out, 1e-3)
        least = 1.4 if move.kind == "spotlight" else 1.15
        return contrast >= least, f"inside {contrast:.2f}× as light as the rest"
    if move.kind == "reveal":
        if start.match is None or end.match is None:
            return None, "region not in view"
        ok = start.match < 0.3 and end.match - start.match >= 0.35
        return ok, f"content shown {start.match:.2f} → {end.match:.2f}"
    if move.kind == "lines":
        return _lines(move, a, b, window, probe, box)
    return None, f"'{move.kind}' cannot be measured"


def _lines(
    move: ExpectedMove,
    a: TrackPoint,
    b: TrackPoint,
    window: Sequence[TrackPoint],
    probe: _Prober,
    box: tuple[float, float, float, float],
) -> tuple[bool | None, str]:
    lines = probe.text_lines(box)
    if len(lines) < 2:
        return None, "fewer than two text lines in the region"
    appear: list[float] = []
    for line in lines:
        # relative to how clearly the line ever shows in this window (small text loses contrast when scaled)
        matches = [probe(p, line).match or 0.0 for p in window]
        clearest = max(matches)
        if clearest < 0.25:
            return False, "a line never shows"
        if matches[0] > 0.3 * clearest:
            return False, "a line shows before its turn"
        appear.append(next(p.time for p, m in zip(window, matches, strict=True) if m >= 0.7 * clearest))
    in_order = all(x <= y for x, y in itertools.pairwise(appear)) and len(set(appear)) > 1
    return in_order, "lines appear at " + ", ".join(f"{t:.2f} s" for t in appear)
