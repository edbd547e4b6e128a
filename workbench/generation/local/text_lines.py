"""Finding the text lines of a slide region, and painting regions over with their surroundings.

"The bullets appear one by one" needs the lines the starting image already has: a line is a band of rows whose
pixels differ from the region's background (its border's median colour). Painting a region over (to reveal it
later) fills it with the colour just around it, which on a slide is its plain background.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["cover_boxes", "find_text_lines"]

Box = tuple[float, float, float, float]

#: A pixel is ink when some channel differs from the background by more than this.
INK_LEVEL = 40
#: A row belongs to a line when at least this share of the region's width is ink.
ROW_INK_SHARE = 0.004
#: Bands thinner than this share of the image height are noise (rules, dots), not lines of text.
MIN_LINE_HEIGHT = 0.008
#: Bands closer than this share of the image height are one line (descenders, accents).
MERGE_GAP = 0.006
#: Padding around a line's ink, as a share of the image height.
LINE_PAD = 0.006


def _pixels(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    x0 = int(np.clip(round(box[0] * width), 0, width))
    y0 = int(np.clip(round(box[1] * height), 0, height))
    x1 = int(np.clip(round((box[0] + box[2]) * width), 0, width))
    y1 = int(np.clip(round((box[1] + box[3]) * height), 0, height))
    return x0, y0, x1, y1


def _background(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int, ring: int) -> np.ndarray:
    """The median colour of a ring just outside the box (inside the image), or of its border if none."""
    height, width = rgb.shape[:2]
    ox0, oy0 = max(0, x0 - ring), max(0, y0 - ring)
    ox1, oy1 = min(width, x1 + ring), min(height, y1 + ring)
    outer = rgb[oy0:oy1, ox0:ox1].reshape(-1, rgb.shape[2])
    keep = np.ones((oy1 - oy0, ox1 - ox0), bool)
    keep[y0 - oy0 : y1 - oy0, x0 - ox0 : x1 - ox0] = False
    samples = outer[keep.reshape(-1)]
    if len(samples) == 0:
        inner = rgb[y0:y1, x0:x1]
        samples = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
    return np.median(samples, axis=0)


def find_text_lines(rgb: np.ndarray, region: Box) -> list[Box]:
    """The lines of text (or other ink) in ``region`` of an RGB image, top to bottom, as image fractions."""
    height, width = rgb.shape[:2]
    x0, y0, x1, y1 = _pixels(region, rgb.shape)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    crop = rgb[y0:y1, x0:x1].astype(np.int16)
    background = np.median(np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]]), axis=0)
    ink = np.abs(crop - background).max(axis=2) > INK_LEVEL
    rows = ink.mean(axis=1) > ROW_INK_SHARE
    bands: list[list[int]] = []
    gap = max(1, round(MERGE_GAP * height))
    for index in np.nonzero(rows)[0]:
        if bands and index - bands[-1][1] <= gap:
            bands[-1][1] = int(index)
        else:
            bands.append([int(index), int(index)])
    pad = round(LINE_PAD * height)
    lines: list[Box] = []
    for top, bottom in bands:
        if bottom - top + 1 < MIN_LINE_HEIGHT * height:
            continue
        columns = np.nonzero(ink[top : bottom + 1].any(axis=0))[0]
        left, right = x0 + int(columns[0]), x0 + int(columns[-1]) + 1
        ty, by = max(0, y0 + top - pad), min(height, y0 + bottom + 1 + pad)
        lx, rx = max(0, left - pad), min(width, right + pad)
        lines.append((lx / width, ty / height, (rx - lx) / width, (by - ty) / height))
    return lines


def cover_boxes(rgb: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
    """A copy of ``rgb`` with each box filled with the colour around it (a hidden region, a line not yet shown)."""
    out = rgb.copy()
    ring = max(2, round(0.004 * rgb.shape[0]))
    for box in boxes:
        x0, y0, x1, y1 = _pixels(box, rgb.shape)
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = _background(rgb, x0, y0, x1, y1, ring).astype(rgb.dtype)
    return out
