"""Figure drawings for slides (a lens, bars, a wave, rays, a mirror, an eye), drawn with Pillow into a box.

Used by the ``local-slide`` model for named figure regions and by the demo lecture's slides; deterministic
(no randomness, no assets), so the same box always gives the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PIL import ImageDraw

__all__ = ["FIGURES", "Box", "Drawer"]

Box = tuple[int, int, int, int]
Drawer = Callable[[ImageDraw.ImageDraw, Box, tuple[int, int, int]], None]


def _lens(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    d.line((x0 + 30, cy, x1 - 30, cy), fill=(120, 120, 130), width=3)
    d.ellipse((cx - 40, cy - 250, cx + 40, cy + 250), outline=accent, width=8)
    for dy in (-160, -80, 0, 80, 160):
        d.line((x0 + 40, cy + dy, cx, cy + dy), fill=(230, 120, 40), width=4)
        d.line((cx, cy + dy, cx + 260, cy), fill=(230, 120, 40), width=4)
    d.ellipse((cx + 250, cy - 10, cx + 270, cy + 10), fill=(200, 40, 40))


def _bars(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    values = (0.35, 0.6, 0.45, 0.85, 0.7, 0.95)
    width = (x1 - x0 - 120) / len(values)
    for i, v in enumerate(values):
        left = x0 + 60 + i * width
        top = y1 - 60 - v * (y1 - y0 - 140)
        d.rectangle((left + 10, top, left + width - 10, y1 - 60), fill=accent)
    d.line((x0 + 50, y1 - 60, x1 - 40, y1 - 60), fill=(60, 60, 60), width=4)


def _wave(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    cy = (y0 + y1) / 2
    for k, amp in ((1, 200), (3, 70)):
        pts = [(x, cy + amp * math.sin(k * (x - x0) / 60)) for x in range(x0 + 30, x1 - 30, 4)]
        d.line(pts, fill=accent if k == 1 else (230, 120, 40), width=6)


def _rays(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    sx, sy = x0 + 80, (y0 + y1) // 2
    for angle in range(-40, 41, 10):
        ex = x1 - 40
        ey = sy + math.tan(math.radians(angle)) * (ex - sx)
        d.line((sx, sy, ex, ey), fill=accent, width=4)
    d.ellipse((sx - 25, sy - 25, sx + 25, sy + 25), fill=(250, 200, 40))


def _mirror(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    d.arc((x0 + 300, y0 + 60, x1 + 200, y1 - 60), 120, 240, fill=accent, width=10)
    for dy in (-150, -50, 50, 150):
        y = (y0 + y1) // 2 + dy
        d.line((x0 + 40, y, x0 + 330, y), fill=(230, 120, 40), width=4)
        d.line((x0 + 330, y, x0 + 560, (y0 + y1) // 2), fill=(230, 120, 40), width=4)


def _eye(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int], accent: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    d.ellipse((cx - 280, cy - 280, cx + 280, cy + 280), outline=(60, 60, 60), width=6)
    d.ellipse((cx - 110, cy - 110, cx + 110, cy + 110), fill=accent)
    d.ellipse((cx - 45, cy - 45, cx + 45, cy + 45), fill=(20, 20, 20))


FIGURES: dict[str, Drawer] = {
    "lens": _lens,
    "bars": _bars,
    "wave": _wave,
    "rays": _rays,
    "mirror": _mirror,
    "eye": _eye,
}
