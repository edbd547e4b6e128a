"""The ``local-slide`` model's prompt: a short outline, the way a lecturer sketches a slide.

::

    Why lenses bend light            ← the first plain line is the title (or "title: …")
    - Light slows in glass           ← bullets start with -, *, • or "1."; further plain lines are bullets too
    - Curved faces steer rays
    accent: #2e5496                  ← optional: a colour name or #rgb / #rrggbb
    figure diagram: lens             ← a named figure region, drawn as a lens (or bars, wave, rays, mirror, eye)
    figure: chart                    ← a named region with a labelled placeholder frame

Names of figures become the image's regions, so the camera model's "push in on the diagram" finds them. What
cannot be used is said in ``warnings`` (never silently dropped), with what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import ImageColor

from workbench.generation.local.figures import FIGURES

__all__ = ["MAX_BULLETS", "MAX_FIGURES", "Figure", "SlidePrompt", "parse_slide_prompt"]

MAX_BULLETS = 8
MAX_FIGURES = 3
#: Region names the slide records itself; a figure may not take them.
RESERVED_REGIONS = frozenset({"title", "bullets", "slide"})

_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+(.*\S)\s*$")
_KEY = re.compile(
    r"^\s*(title|accent|colou?r|figure|diagram|image)\b\s*([^:]*?)\s*:\s*(.*?)\s*$", re.IGNORECASE
)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,39}$")


@dataclass(frozen=True)
class Figure:
    """A named area of the slide; ``kind`` is one of :data:`FIGURES` or ``None`` for a labelled frame."""

    name: str
    kind: str | None = None


@dataclass(frozen=True)
class SlidePrompt:
    title: str
    bullets: tuple[str, ...] = ()
    accent: tuple[int, int, int] | None = None
    figures: tuple[Figure, ...] = ()
    warnings: tuple[str, ...] = ()


def parse_slide_prompt(text: str) -> SlidePrompt:
    """Read an outline (see the module docstring). Never raises; problems become ``warnings``."""
    title = ""
    bullets: list[str] = []
    figures: list[Figure] = []
    accent: tuple[int, int, int] | None = None
    warnings: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key = _KEY.match(line)
        if key is not None:
            word, between, value = key.group(1).lower(), key.group(2).strip(), key.group(3)
            if word == "title" and not between:
                title = value
                continue
            if word in ("accent", "color", "colour") and not between:
                accent = _colour(value, warnings) or accent
                continue
            if word == "figure" or (word in ("diagram", "image") and not between):
                figure = _figure(between, value, word, warnings)
                if figure is not None:
                    figures.append(figure)
                continue
        bullet = _BULLET.match(line)
        if bullet is not None:
            bullets.append(bullet.group(1))
        elif not title:
            title = line
        else:
            bullets.append(line)
    if not title:
        title = bullets.pop(0) if bullets else "Untitled"
        warnings.append("The outline has no title line; the first line of text became the title.")
    if len(bullets) > MAX_BULLETS:
        warnings.append(
            f"Only {MAX_BULLETS} bullets fit a readable slide; {len(bullets) - MAX_BULLETS} were left out. "
            "Split the content over two segments."
        )
        bullets = bullets[:MAX_BULLETS]
    figures = _unique(figures, warnings)
    if len(figures) > MAX_FIGURES:
        warnings.append(f"Only {MAX_FIGURES} figures fit one slide; the others were left out.")
        figures = figures[:MAX_FIGURES]
    return SlidePrompt(title, tuple(bullets), accent, tuple(figures), tuple(warnings))


def _colour(value: str, warnings: list[str]) -> tuple[int, int, int] | None:
    try:
        rgb = ImageColor.getrgb(value.strip())
    except ValueError:
        warnings.append(f"The accent colour {value!r} is not a colour; write a name such as teal or #2e5496.")
        return None
    return rgb[0], rgb[1], rgb[2]


def _figure(between: str, value: str, word: str, warnings: list[str]) -> Figure | None:
    """``figure NAME: KIND`` or ``figure: NAME`` (a known kind doubles as its own name, e.g. ``figure: lens``)."""
    if between:
        name, kind = between, value.lower() or None
    else:
        name, kind = value, value.lower() if value.lower() in FIGURES else None
    name = name.strip().strip("\"'")
    if word in ("diagram", "image") and not between:
        name, kind = word, value.lower() if value.lower() in FIGURES else None
    if not _NAME.match(name):
        warnings.append(
            f"The figure name {name!r} cannot name a region; use a few letters, e.g. 'figure diagram: lens'."
        )
        return None
    if name.lower() in RESERVED_REGIONS:
        warnings.append(f"'{name}' names a part of every slide already; give the figure another name.")
        return None
    if kind is not None and kind not in FIGURES:
        warnings.append(
            f"There is no figure drawing called {kind!r}; {name!r} is drawn as a labelled frame. Drawings: "
            f"{', '.join(sorted(FIGURES))}."
        )
        kind = None
    return Figure(name.lower(), kind)


def _unique(figures: list[Figure], warnings: list[str]) -> list[Figure]:
    seen: dict[str, Figure] = {}
    for figure in figures:
        if figure.name in seen:
            warnings.append(f"Two figures are called {figure.name!r}; only the first is drawn.")
            continue
        seen[figure.name] = figure
    return list(seen.values())
