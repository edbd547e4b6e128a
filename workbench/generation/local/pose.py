"""A camera pose: where the view looks in one frame, and the picture layers drawn over it.

A pose maps output pixels to source pixels (a homography: an orbit's turned view is a perspective map; every
other view is affine). Poses are continuous (sub-pixel), so the warp never jitters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ORBIT_FOCAL", "Box", "CameraPose", "Layer", "shutter_poses"]

Box = tuple[float, float, float, float]

#: An orbit's virtual lens: focal length as a multiple of the output width (about 45° across).
ORBIT_FOCAL = 1.2


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
