"""What a frame shows inside and outside a region of the starting image, compared with the image itself.

Effects change the picture, not the camera: a rack focus blurs, a spotlight dims, a reveal hides. Each is
measured against the starting image seen through the frame's own registration, so the comparison is like for
like: the ratio of the frame's detail (or light) to the image's, inside the region and outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.analysis.camera_track import TrackPoint

__all__ = ["RegionStats", "region_stats"]

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class RegionStats:
    """Frame vs starting image, inside a region and in the rest of the frame. ``sharp_*`` compare detail
    (Laplacian energy), ``light_*`` brightness above black, ``match`` the correlation of the region's content
    (1: the image's content is shown; near 0: hidden). ``None`` where the region is not in the frame."""

    sharp_in: float | None
    sharp_out: float | None
    light_in: float | None
    light_out: float | None
    match: float | None


def _masks(
    point: TrackPoint, box: Box, frame_size: tuple[int, int], image_size: tuple[int, int]
) -> np.ndarray:
    w, h = frame_size
    bx, by, bw, bh = box
    corners = np.array(
        [
            (bx * image_size[0], by * image_size[1], 1.0),
            ((bx + bw) * image_size[0], by * image_size[1], 1.0),
            ((bx + bw) * image_size[0], (by + bh) * image_size[1], 1.0),
            (bx * image_size[0], (by + bh) * image_size[1], 1.0),
        ]
    )
    mapped = corners @ np.linalg.inv(point.homography).T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.round(mapped).astype(np.int32), 1)
    return mask.astype(bool)


def region_stats(
    frame: np.ndarray, image: np.ndarray, point: TrackPoint, box: Box, *, border: float = 0.03
) -> RegionStats:
    """Compare ``frame`` (grey) with ``image`` (grey starting image) inside ``box`` and outside it."""
    h, w = frame.shape
    image_size = (image.shape[1], image.shape[0])
    seen = cv2.warpPerspective(
        image, np.linalg.inv(point.homography), (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    inside = _masks(point, box, (w, h), image_size)
    ys, xs = np.nonzero(inside)
    # a margin keeps blurred edges out of both sides; thin regions (a text line) keep most of themselves
    small_side = min(np.ptp(xs), np.ptp(ys)) if len(xs) else 0
    steps = int(min(max(1, round(border * w) // 2), small_side // 4))
    kernel = np.ones((3, 3), np.uint8)
    core = cv2.erode(inside.astype(np.uint8), kernel, iterations=steps).astype(bool) if steps else inside
    rest = ~cv2.dilate(inside.astype(np.uint8), kernel, iterations=max(steps, 1)).astype(bool)
    f = frame.astype(np.float32)
    s = seen.astype(np.float32)
    detail_f = np.abs(cv2.Laplacian(cv2.GaussianBlur(f, (3, 3), 0), cv2.CV_32F))
    detail_s = np.abs(cv2.Laplacian(cv2.GaussianBlur(s, (3, 3), 0), cv2.CV_32F))

    def ratio(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float | None:
        if mask.sum() < 50:
            return None
        base = float(b[mask].mean())
        return float(a[mask].mean()) / base if base > 1e-3 else None

    match = None
    if core.sum() >= 50:
        a, b = f[core] - f[core].mean(), s[core] - s[core].mean()
        denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
        if denom > 1e-3:
            # correlation times the share of the image's contrast that shows (a faint ghost is not shown)
            shown = min(1.0, float(a.std()) / max(float(b.std()), 1e-3))
            match = float((a * b).sum()) / denom * shown
        else:
            match = 1.0 if float(np.abs(b).max()) < 2 else 0.0
    # Video luma is limited range (16 black); the image is full range: compare light above black.
    light_f, light_s = f - 16.0, s * (219.0 / 255.0)
    return RegionStats(
        sharp_in=ratio(detail_f, detail_s, core),
        sharp_out=ratio(detail_f, detail_s, rest),
        light_in=ratio(light_f, light_s, core),
        light_out=ratio(light_f, light_s, rest),
        match=match,
    )
