"""Slide-like starting images for the demo lecture, drawn with Pillow (deterministic, no assets shipped).

Each slide also reports its named regions (title, bullets, diagram) as fractions of the image, so movie
directions such as "push in on the diagram" have something to aim at.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from workbench.generation.local.figures import FIGURES

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
    FIGURES[spec.diagram](d, box, spec.accent)
    # A fine grid in the corners gives texture for motion analysis and makes jitter visible.
    for x in range(0, WIDTH, 40):
        d.line((x, HEIGHT - 30, x, HEIGHT), fill=(200, 198, 190), width=2)
    regions: dict[str, Box] = {
        "title": (0.0, 0.0, 1.0, 170 / HEIGHT),
        "bullets": (60 / WIDTH, 240 / HEIGHT, 880 / WIDTH, 700 / HEIGHT),
        "diagram": (box[0] / WIDTH, box[1] / HEIGHT, (box[2] - box[0]) / WIDTH, (box[3] - box[1]) / HEIGHT),
    }
    return img, regions
