"""The ``local-slide`` model, judged on its pixels: text read back by OCR (Tesseract, installed by ``make test``)
at 720p and 1080p, measured contrast and text height, regions that hold what they name, the same bytes for the
same settings, and regions the camera model can aim at."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.domain.models import ImageSettings, Resolution
from workbench.generation.base import Progress
from workbench.generation.image_base import ImageRequest
from workbench.generation.local.directions import describe_directions
from workbench.generation.local.slide_backend import LocalSlideBackend, render_slide_png
from workbench.generation.local.slide_prompt import MAX_BULLETS, parse_slide_prompt
from workbench.generation.local.slide_render import (
    BACKGROUND,
    INK,
    MIN_TEXT_PX,
    PALETTE,
    contrast_ratio,
    render_slide,
)

OUTLINES = {
    "lens": "Why lenses bend light\n- Light slows down in glass\n- Curved faces steer the rays\n- Focus is where rays meet\n"
    "figure diagram: lens\naccent: #2e5496",
    "long": "Measuring the focal length of a thin converging lens in the teaching laboratory\n"
    "- Move the white screen slowly until the image of the distant window is sharp\n"
    "- Measure the distance between the lens and the screen with the metre rule\n"
    "- Repeat the measurement three times and average the results",
    "title": "The eye as a camera",
}
SIZES = [(1280, 720), (1920, 1080)]


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1]


def _ocr(path: Path) -> str:
    """What Tesseract reads, with automatic page segmentation and with sparse text (which finds a title band
    and a bullet column as separate blocks where the page layout analysis merges them)."""
    return " ".join(
        subprocess.run(
            ["tesseract", str(path), "-", "--psm", psm], capture_output=True, text=True, check=True
        ).stdout
        for psm in ("3", "11")
    )


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is installed by `make test`")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[1]}p")
@pytest.mark.parametrize("name", sorted(OUTLINES))
def test_text_reads_back_by_ocr(tmp_path, name, size):
    prompt = parse_slide_prompt(OUTLINES[name])
    slide = render_slide(prompt, *size, seed=0)
    path = tmp_path / "slide.png"
    slide.image.save(path)
    expected = _words(" ".join([prompt.title, *prompt.bullets]))
    read = Counter(_words(_ocr(path)))
    found = sum(1 for w in expected if read[w] > 0)
    assert found / len(expected) >= 0.95, (name, size, sorted(set(expected) - set(read)))


@pytest.mark.parametrize("accent", [*PALETTE, (255, 215, 0), (250, 250, 250), (10, 10, 10), (0, 128, 128)])
def test_title_text_keeps_wcag_contrast_on_any_accent(accent):
    prompt = parse_slide_prompt("A title on a colourful band\n- a bullet")
    prompt = prompt.__class__(prompt.title, prompt.bullets, accent, prompt.figures, prompt.warnings)
    rgb = np.asarray(render_slide(prompt, 1280, 720).image)
    band = rgb[: int(720 * 0.16)]
    colours = Counter(map(tuple, band.reshape(-1, 3))).most_common(2)  # the band and the (solid) text
    assert contrast_ratio(colours[0][0], colours[1][0]) >= 4.5
    body = rgb[int(720 * 0.2) :, :640]
    ink = Counter(map(tuple, body.reshape(-1, 3))).most_common(2)
    assert {ink[0][0], ink[1][0]} == {BACKGROUND, INK} and contrast_ratio(BACKGROUND, INK) >= 12


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[1]}p")
def test_crowded_text_shrinks_but_stays_readable_then_cuts_with_a_warning(size):
    bullets = "\n".join(
        f"- Bullet number {i} says quite a lot about the experiment and its errors" for i in range(12)
    )
    slide = render_slide(parse_slide_prompt(f"A crowded slide\n{bullets}\nfigure chart: bars"), *size)
    assert any(f"Only {MAX_BULLETS} bullets" in w for w in slide.warnings)
    assert any("did not fit at a readable size" in w for w in slide.warnings)
    rgb = np.asarray(slide.image)
    x, y, w, h = slide.regions["bullets"]
    height, width = rgb.shape[:2]
    column = rgb[int(y * height) : int((y + h) * height), int((x + 0.03) * width) : int((x + w) * width)]
    rows_with_ink = (column == np.array(INK)).all(axis=2).any(axis=1)
    runs, run = [], 0
    for inked in rows_with_ink:
        run = run + 1 if inked else (runs.append(run) or 0) if run else 0
    lines = [r for r in runs if r > 3]
    # a line of text (ascender to descender) is about the font size: never below the readable minimum
    assert lines and min(lines) >= 0.7 * MIN_TEXT_PX * height / 720


def test_regions_hold_what_they_name_and_the_camera_can_aim_at_them():
    slide = render_slide(parse_slide_prompt(OUTLINES["lens"]), 1920, 1080)
    assert set(slide.regions) == {"title", "bullets", "diagram"}
    rgb = np.asarray(slide.image).astype(int)
    for name, (x, y, w, h) in slide.regions.items():
        assert x >= 0 and y >= 0 and x + w <= 1.0001 and y + h <= 1.0001, name
        box = rgb[int(y * 1080) : int((y + h) * 1080), int(x * 1920) : int((x + w) * 1920)]
        assert (np.abs(box - np.array(BACKGROUND)).sum(axis=2) > 60).mean() > 0.01, f"{name} is empty"
    plan = describe_directions("slow push-in on the diagram, then pan to the title", slide.regions)
    assert not [w for w in plan.warnings if "diagram" in w or "title" in w]
    assert "diagram" in plan.summary


def test_the_same_settings_give_the_same_bytes_and_the_seed_picks_the_accent(tmp_path):
    settings = ImageSettings("Seeds\n- one\n- two", "local-slide", Resolution(1280, 720), 4)
    render_slide_png(settings, tmp_path / "a.png")
    render_slide_png(settings, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    other = ImageSettings("Seeds\n- one\n- two", "local-slide", Resolution(1280, 720), 5)
    render_slide_png(other, tmp_path / "c.png")
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "c.png") as c:
        assert a.getpixel((5, 5)) == PALETTE[4] and c.getpixel((5, 5)) == PALETTE[0]


def test_the_outline_says_what_it_could_not_use():
    prompt = parse_slide_prompt(
        "- no title line\naccent: not-a-colour\nfigure ../x: lens\nfigure chart: pie\nfigure title: bars"
    )
    assert prompt.title == "no title line"
    joined = " ".join(prompt.warnings)
    for words in (
        "no title line",
        "not a colour",
        "cannot name a region",
        "no figure drawing called 'pie'",
        "'title'",
    ):
        assert words in joined, words
    assert [(f.name, f.kind) for f in prompt.figures] == [("chart", None)]
    # a title that merely starts like a key is still a title
    assert parse_slide_prompt("Image formation: the basics").title == "Image formation: the basics"


async def test_the_backend_writes_a_png_with_its_regions(tmp_path):
    backend = LocalSlideBackend()
    settings = ImageSettings(OUTLINES["lens"], "local-slide", Resolution(1280, 720), 0, reference=True)
    reports: list[Progress] = []
    result = await backend.generate(ImageRequest(settings, tmp_path / "take.png"), reports.append)
    with Image.open(result.path) as img:
        assert (img.format, img.size) == ("PNG", (1280, 720))
    assert result.size_bytes == result.path.stat().st_size and set(result.regions) == {
        "title",
        "bullets",
        "diagram",
    }
    assert any("outline only" in w for w in result.warnings)  # the reference is not used, and it says so
    assert reports[-1].fraction == 1.0
    assert not list(tmp_path.glob(".*"))  # no temp file left beside it
    await asyncio.sleep(0)
