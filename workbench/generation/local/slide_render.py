"""Drawing a :class:`SlidePrompt` as a clean slide of any size, with its regions recorded.

Everything scales with the image height, so 720p and 1080p slides have the same layout; text is set in DejaVu
Sans (the font matplotlib ships, so no download) and shrunk, then wrapped, until it fits its box, but never
below :data:`MIN_TEXT_PX` at 720p-equivalent size (a smaller text is cut with a warning instead of becoming
unreadable). Colours keep WCAG's 4.5:1 contrast for text: the title colour is chosen against the accent, and an
accent too light or too dark for either is adjusted. Same prompt, size and seed → the same pixels.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from workbench.generation.local.figures import FIGURES
from workbench.generation.local.slide_prompt import Figure, SlidePrompt

__all__ = ["MIN_TEXT_PX", "PALETTE", "RenderedSlide", "contrast_ratio", "render_slide"]

Box = tuple[float, float, float, float]
RGB = tuple[int, int, int]

BACKGROUND: RGB = (248, 246, 240)
INK: RGB = (34, 34, 40)
#: Accents a slide gets when the prompt names none, picked by the seed.
PALETTE: tuple[RGB, ...] = ((46, 84, 150), (32, 120, 100), (120, 60, 140), (170, 90, 30), (150, 40, 60))
#: The smallest text height (font size in pixels) at 720 lines; scaled with the slide's height.
MIN_TEXT_PX = 22
_FONT_DIR = "mpl-data/fonts/ttf"


@dataclass(frozen=True)
class RenderedSlide:
    image: Image.Image
    #: Named areas as fractions of the image: x, y, width, height.
    regions: dict[str, Box]
    warnings: tuple[str, ...]


def render_slide(prompt: SlidePrompt, width: int, height: int, *, seed: int = 0) -> RenderedSlide:
    accent = _readable_accent(prompt.accent or PALETTE[seed % len(PALETTE)])
    title_ink = _best_ink(accent)
    img = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(img)
    unit = height / 100  # layout unit: 1 % of the height
    min_px = max(10, round(MIN_TEXT_PX * height / 720))
    margin = round(5 * unit)
    warnings: list[str] = list(prompt.warnings)
    regions: dict[str, Box] = {}

    if not prompt.bullets and not prompt.figures:  # a title slide
        draw.rectangle((0, 0, width, height), fill=accent)
        box = (margin * 2, margin * 2, width - margin * 2, height - margin * 2)
        used = _text_block(
            draw, [prompt.title], box, round(12 * unit), min_px, title_ink, bold=True, center=True
        )
        regions["title"] = _fraction(used or box, width, height)
        return RenderedSlide(img, regions, tuple(warnings))

    band = round(16 * unit)
    draw.rectangle((0, 0, width, band), fill=accent)
    title_box = (margin, round(2.5 * unit), width - margin, band - round(2.5 * unit))
    _text_block(draw, [prompt.title], title_box, round(7 * unit), min_px, title_ink, bold=True, warn=warnings)
    regions["title"] = (0.0, 0.0, 1.0, band / height)

    top, bottom = band + round(5 * unit), height - margin
    if prompt.figures and prompt.bullets:
        split = round(width * 0.5)
        text_area = (margin, top, split - margin // 2, bottom)
        figure_area = (split + margin // 2, top, width - margin, bottom)
    elif prompt.figures:
        text_area, figure_area = None, (margin, top, width - margin, bottom)
    else:
        text_area, figure_area = (margin, top, width - margin, bottom), None

    if text_area is not None:
        used = _bullets(draw, prompt.bullets, text_area, round(5.2 * unit), min_px, accent, warnings)
        regions["bullets"] = _fraction(used, width, height)
    if figure_area is not None:
        for figure, box in zip(
            prompt.figures, _figure_boxes(figure_area, len(prompt.figures), unit), strict=True
        ):
            _figure(img, draw, figure, box, accent, min_px)
            regions[figure.name] = _fraction(box, width, height)
    return RenderedSlide(img, regions, tuple(dict.fromkeys(warnings)))


# -- text --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    folder = _font_folder()
    if folder is not None:
        path = folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


@functools.cache
def _font_folder() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")  # found without importing matplotlib itself
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / _FONT_DIR


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: float) -> list[str]:
    """Greedy word wrap; a single word wider than the box is kept whole (the caller shrinks the font)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if not current or draw.textlength(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def _fits(draw: ImageDraw.ImageDraw, lines: list[str], font: object, box: Box, spacing: float) -> bool:
    width = box[2] - box[0]
    height = box[3] - box[1]
    size = font.size  # type: ignore[attr-defined]
    total = len(lines) * size * spacing
    return total <= height and all(draw.textlength(line, font=font) <= width for line in lines)


def _text_block(
    draw: ImageDraw.ImageDraw,
    paragraphs: list[str],
    box: Box,
    size: int,
    min_px: int,
    ink: RGB,
    *,
    bold: bool = False,
    center: bool = False,
    warn: list[str] | None = None,
) -> Box | None:
    """Set paragraphs in ``box`` at the largest size ≤ ``size`` that fits; returns the area used."""
    spacing = 1.25
    width = box[2] - box[0]
    while True:
        font = _font(size, bold)
        lines = [line for p in paragraphs for line in _wrap(draw, p, font, width)]
        if _fits(draw, lines, font, box, spacing) or size <= min_px:
            break
        size = max(min_px, int(size * 0.92))
    font = _font(size, bold)
    max_lines = max(1, int((box[3] - box[1]) // (size * spacing)))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(". ") + "…"
        if warn is not None:
            warn.append("The title is too long for the slide and was shortened; keep titles under ten words.")
    block_h = len(lines) * size * spacing
    y = box[1] + ((box[3] - box[1]) - block_h) / 2
    left, right = box[2], box[0]
    for line in lines:
        line_w = draw.textlength(line, font=font)
        x = box[0] + ((width - line_w) / 2 if center else 0)
        draw.text((x, y + size * (spacing - 1) / 2), line, font=font, fill=ink)
        left, right = min(left, x), max(right, x + line_w)
        y += size * spacing
    top = box[1] + ((box[3] - box[1]) - block_h) / 2
    return (left, top, right, top + block_h) if lines else None


def _bullets(
    draw: ImageDraw.ImageDraw,
    bullets: tuple[str, ...],
    box: Box,
    size: int,
    min_px: int,
    accent: RGB,
    warnings: list[str],
) -> Box:
    """Bullets with an accent dot, wrapped under their own text; shrunk to fit, cut (with a warning) below the
    readable minimum."""
    spacing, gap = 1.3, 0.55  # line height and the extra space between bullets, in font sizes
    indent_of = 1.3
    while True:
        font = _font(size, False)
        indent = size * indent_of
        wrapped = [_wrap(draw, b, font, box[2] - box[0] - indent) for b in bullets]
        needed = sum(len(w) for w in wrapped) * size * spacing + (len(wrapped) - 1) * size * gap
        too_wide = any(
            draw.textlength(line, font=font) > box[2] - box[0] - indent for w in wrapped for line in w
        )
        if (needed <= box[3] - box[1] and not too_wide) or size <= min_px:
            break
        size = max(min_px, int(size * 0.92))
    y = box[1]
    shown = 0
    right = box[0]
    for lines in wrapped:
        block = len(lines) * size * spacing
        if y + block > box[3] + 0.5:
            break
        radius = size * 0.2
        cy = y + size * spacing / 2
        draw.ellipse((box[0] + radius, cy - radius, box[0] + 3 * radius, cy + radius), fill=accent)
        for line in lines:
            draw.text((box[0] + indent, y + size * (spacing - 1) / 2), line, font=font, fill=INK)
            right = max(right, box[0] + indent + draw.textlength(line, font=font))
            y += size * spacing
        y += size * gap
        shown += 1
    if shown < len(bullets):
        warnings.append(
            f"{len(bullets) - shown} bullet(s) did not fit at a readable size and were left out; shorten the "
            "bullets or move some to another segment."
        )
    return (box[0], box[1], max(right, box[0] + 1), max(y - size * gap, box[1] + 1))


# -- figures -----------------------------------------------------------------------------------------------


def _figure_boxes(area: Box, count: int, unit: float) -> list[tuple[int, int, int, int]]:
    """``count`` boxes in ``area``: stacked when the area is tall, side by side when it is wide."""
    x0, y0, x1, y1 = area
    gap = 3 * unit
    wide = (x1 - x0) > 1.6 * (y1 - y0)
    boxes = []
    for i in range(count):
        if wide:
            w = (x1 - x0 - gap * (count - 1)) / count
            boxes.append((x0 + i * (w + gap), y0, x0 + i * (w + gap) + w, y1))
        else:
            h = (y1 - y0 - gap * (count - 1)) / count
            boxes.append((x0, y0 + i * (h + gap), x1, y0 + i * (h + gap) + h))
    return [(round(a), round(b), round(c), round(d)) for a, b, c, d in boxes]


def _figure(
    img: Image.Image,
    draw: ImageDraw.ImageDraw,
    figure: Figure,
    box: tuple[int, int, int, int],
    accent: RGB,
    min_px: int,
) -> None:
    radius = max(4, (box[3] - box[1]) // 30)
    draw.rounded_rectangle(
        box, radius=radius, outline=(90, 90, 100), width=max(2, radius // 4), fill=(255, 255, 255)
    )
    if figure.kind is not None:
        _paste_drawing(img, figure.kind, _inset(box, 0.04), accent)
        return
    # a labelled frame: where a picture will go, named as the directions can name it
    inner = _inset(box, 0.12)
    draw.line((inner[0], inner[1], inner[2], inner[3]), fill=(215, 213, 205), width=2)
    draw.line((inner[0], inner[3], inner[2], inner[1]), fill=(215, 213, 205), width=2)
    size = max(min_px, (box[3] - box[1]) // 9)
    label_box = (box[0], box[1] + (box[3] - box[1]) * 0.4, box[2], box[1] + (box[3] - box[1]) * 0.6)
    _text_block(draw, [figure.name], label_box, size, min_px, INK, bold=True, center=True)


#: The box the figure drawings are designed for (the demo slides' diagram box); drawn there, then scaled.
_DRAWING_SIZE = (830, 770)


def _paste_drawing(img: Image.Image, kind: str, box: tuple[int, int, int, int], accent: RGB) -> None:
    """Draw a figure at its design size and scale it (aspect kept, centred) into ``box``: the drawings use
    absolute offsets, so drawing them straight into a small box would spill out of it."""
    canvas = Image.new("RGB", _DRAWING_SIZE, (255, 255, 255))
    FIGURES[kind](ImageDraw.Draw(canvas), (0, 0, *_DRAWING_SIZE), accent)
    scale = min((box[2] - box[0]) / _DRAWING_SIZE[0], (box[3] - box[1]) / _DRAWING_SIZE[1])
    size = (max(1, round(_DRAWING_SIZE[0] * scale)), max(1, round(_DRAWING_SIZE[1] * scale)))
    scaled = canvas.resize(size, Image.Resampling.LANCZOS)
    x = box[0] + ((box[2] - box[0]) - size[0]) // 2
    y = box[1] + ((box[3] - box[1]) - size[1]) // 2
    img.paste(scaled, (x, y))


def _inset(box: tuple[int, int, int, int], fraction: float) -> tuple[int, int, int, int]:
    dx = round((box[2] - box[0]) * fraction)
    dy = round((box[3] - box[1]) * fraction)
    return (box[0] + dx, box[1] + dy, box[2] - dx, box[3] - dy)


def _fraction(box: Box, width: int, height: int) -> Box:
    x0, y0, x1, y1 = box
    return (
        round(x0 / width, 4),
        round(y0 / height, 4),
        round((x1 - x0) / width, 4),
        round((y1 - y0) / height, 4),
    )


# -- colour ------------------------------------------------------------------------------------------------


def _luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; 4.5 is the minimum for body text)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _best_ink(background: RGB) -> RGB:
    white, dark = (255, 255, 255), INK
    return white if contrast_ratio(white, background) >= contrast_ratio(dark, background) else dark


def _readable_accent(accent: RGB) -> RGB:
    """The accent, darkened or lightened just enough that white or dark text on it reaches 4.5:1."""
    colour = accent
    for _ in range(40):
        if contrast_ratio(_best_ink(colour), colour) >= 4.5:
            return colour
        lighter = _luminance(colour) > 0.18
        colour = tuple(max(0, min(255, round(c * 0.92 if lighter else c + (255 - c) * 0.08))) for c in colour)  # type: ignore[assignment]
    return colour
