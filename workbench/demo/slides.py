"""Slide-like starting images for the demo lecture, drawn with Pillow (deterministic, no assets shipped).

Each slide also reports its named regions (title, bullets, diagram) as fractions of the image, so movie
directions such as "push in on the diagram" have something to aim at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

__all__ = ["SlideSpec", "draw_slide"]

WIDTH, HEIGHT = 1920, 1080
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class SlideSpec:
    title: str
    bullets: tuple[str, ...]
    diagram: str  # "lens", "bars", "wave", "rays", "mirror", "eye"
    accent: tuple[int, int, int]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_slide(spec: SlideSpec) -> tuple[Image.Image, dict[str, Box]]:
    """A 1920x1080 slide and its regions (x, y, w, h as fractions)."""
    img = Image.new("RGB", (WIDTH, HEIGHT), (248, 246, 240))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, WIDTH, 170), fill=spec.accent)
    d.text((80, 45), spec.title, font=_font(72), fill=(255, 255, 255))
    for i, line in enumerate(spec.bullets):
        y = 260 + i * 110
        d.ellipse((90, y + 18, 116, y + 44), fill=spec.accent)
        d.text((140, y), line, font=_font(46), fill=(40, 40, 48))
    box = (1010, 230, 1840, 1000)
    d.rounded_rectangle(box, radius=24, outline=(90, 90, 100), width=4, fill=(255, 255, 255))
    _DIAGRAMS[spec.diagram](d, box, spec.accent)
    # A fine grid in the corners gives texture for motion analysis and makes jitter visible.
    for x in range(0, WIDTH, 40):
        d.line((x, HEIGHT - 30, x, HEIGHT), fill=(200, 198, 190), width=2)
    regions: dict[str, Box] = {
        "title": (0.0, 0.0, 1.0, 170 / HEIGHT),
        "bullets": (60 / WIDTH, 240 / HEIGHT, 880 / WIDTH, 700 / HEIGHT),
        "diagram": (box[0] / WIDTH, box[1] / HEIGHT, (box[2] - box[0]) / WIDTH, (box[3] - box[1]) / HEIGHT),
    }
    return img, regions


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


_DIAGRAMS = {"lens": _lens, "bars": _bars, "wave": _wave, "rays": _rays, "mirror": _mirror, "eye": _eye}
