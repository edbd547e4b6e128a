"""The camera's path as a video shows it: one pose per registered frame, in starting-image coordinates.

Measured, never taken from a plan: each frame is registered against the starting image
(:mod:`.registration`) and the homography is read as a view centre, a zoom (relative to crop-to-fill, as the
local model's plans count it), a roll and a keystone (an orbit's perspective turn).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from workbench.analysis.registration import Registrar, Registration, StartingImage

__all__ = ["MIN_REGISTERED_SHARE", "CameraTrack", "TrackPoint", "measure_camera", "pose_of"]

#: A track is measurable when at least this share of its frames registered.
MIN_REGISTERED_SHARE = 0.6


@dataclass(frozen=True)
class TrackPoint:
    """One frame's measured pose: ``cx``/``cy`` as fractions of the image, ``zoom`` relative to crop-to-fill,
    ``angle_deg`` the camera's roll (clockwise positive), ``keystone`` log(left edge / right edge) of the view on
    the image (positive: the camera has orbited right), ``view_w``/``view_h`` the view's size as fractions."""

    index: int
    time: float
    cx: float
    cy: float
    zoom: float
    angle_deg: float
    keystone: float
    view_w: float
    view_h: float
    quality: float
    homography: np.ndarray

    def contains(self, x: float, y: float, frame_size: tuple[int, int], image_size: tuple[int, int]) -> bool:
        """True when the image point (fractions) is inside this frame."""
        inverse = np.linalg.inv(self.homography)
        p = inverse @ np.array([x * image_size[0], y * image_size[1], 1.0])
        if p[2] <= 0:
            return False
        u, v = p[0] / p[2], p[1] / p[2]
        return 0 <= u <= frame_size[0] and 0 <= v <= frame_size[1]


@dataclass(frozen=True)
class CameraTrack:
    """Measured poses of the frames that registered, in frame order."""

    points: tuple[TrackPoint, ...]
    frame_count: int
    fps: float
    image_size: tuple[int, int]
    frame_size: tuple[int, int]
    #: Frames registration was tried on (every ``every``-th).
    attempted: int = 0

    @property
    def registered_share(self) -> float:
        return len(self.points) / self.attempted if self.attempted else 0.0

    @property
    def measurable(self) -> bool:
        return len(self.points) >= 2 and self.registered_share >= MIN_REGISTERED_SHARE

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


def pose_of(
    homography: np.ndarray, frame_size: tuple[int, int], image_size: tuple[int, int]
) -> tuple[float, float, float, float, float, float, float]:
    """(cx, cy, zoom, angle, keystone, view_w, view_h) of a frame→image homography (fractions of the image)."""
    w, h = frame_size
    iw, ih = image_size

    def at(x: float, y: float) -> np.ndarray:
        p = homography @ np.array([x, y, 1.0])
        return p[:2] / p[2]

    centre = at(w / 2, h / 2)
    across = at(0.75 * w, h / 2) - at(0.25 * w, h / 2)
    down = at(w / 2, 0.75 * h) - at(w / 2, 0.25 * h)
    view_w, view_h = 2 * float(np.hypot(*across)), 2 * float(np.hypot(*down))
    cover = max(w / iw, h / ih)
    zoom = (w / cover) / view_w if view_w > 0 else math.nan
    angle = math.degrees(math.atan2(across[1], across[0]))
    left = float(np.hypot(*(at(0, h) - at(0, 0))))
    right = float(np.hypot(*(at(w, h) - at(w, 0))))
    keystone = math.log(left / right) if left > 0 and right > 0 else 0.0
    return centre[0] / iw, centre[1] / ih, zoom, angle, keystone, view_w / iw, view_h / ih


def measure_camera(
    frames: Iterable[np.ndarray],
    image: np.ndarray | StartingImage,
    *,
    fps: float,
    every: int = 1,
    confident: float | None = None,
    first_view: tuple[float, float, float] | None = None,
    on_frame: Callable[[np.ndarray, TrackPoint | None], None] | None = None,
) -> CameraTrack:
    """Register every ``every``-th grey frame against the starting image and read each as a pose
    (``confident``, ``first_view``: see :class:`Registrar`). ``on_frame`` sees each frame tried with its
    point (``None``: it did not register) as soon as it is known, so work on it can overlap what comes next."""
    start = image if isinstance(image, StartingImage) else StartingImage(image)
    registrar = Registrar(start, confident=confident, first_view=first_view)
    points: list[TrackPoint] = []
    count = attempted = 0
    frame_size = (0, 0)
    for index, frame in enumerate(frames):
        count += 1
        frame_size = (frame.shape[1], frame.shape[0])
        if index % every:
            continue
        attempted += 1
        point = _point(registrar.register(frame), index, fps, frame_size, start.size)
        if point is not None:
            points.append(point)
        if on_frame is not None:
            on_frame(frame, point)
    return CameraTrack(tuple(points), count, fps, start.size, frame_size, attempted)


def _point(
    found: Registration | None,
    index: int,
    fps: float,
    frame_size: tuple[int, int],
    image_size: tuple[int, int],
) -> TrackPoint | None:
    if found is None:
        return None
    cx, cy, zoom, angle, keystone, vw, vh = pose_of(found.homography, frame_size, image_size)
    if not all(math.isfinite(v) for v in (cx, cy, zoom, angle, keystone)):
        return None
    return TrackPoint(
        index, index / fps, cx, cy, zoom, angle, keystone, vw, vh, found.quality, found.homography
    )
