"""The directions corpora as test cases: each entry's expected moves, the slide they are rendered on, and the
render → measure → score pipeline the corpus tests and the directions benchmark share."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workbench.analysis import Adherence, ExpectedMove, StartingImage, measure_camera, score_adherence
from workbench.demo.slides import SlideSpec, draw_slide
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import render_video
from workbench.generation.local import vocabulary as vocab
from workbench.generation.local.lexer import position_focus, region_focus
from workbench.generation.local.plan import FULL_FRAME, Focus
from workbench.generation.local.smoothness import read_luma_frames

CORPUS = Path(__file__).parent / "corpus"
FILES = ("directions.jsonl", "heldout.jsonl")
MOVES = {
    "pan",
    "tilt",
    "zoom",
    "roll",
    "orbit",
    "shake",
    "hold",
    "focus",
    "spotlight",
    "highlight",
    "reveal",
    "lines",
}
DIRECTIONS = {
    "pan": {"left", "right"},
    "orbit": {"left", "right"},
    "tilt": {"up", "down"},
    "zoom": {"in", "out"},
}
DIRECTIONS["roll"] = {"cw", "ccw"}
SPEEDS = {"very slow", "slow", "normal", "fast", "very fast"}
PLACES = {"title", "bullets", "diagram", "top", "bottom", "left", "right", "centre", "full"}
PLACES |= {f"{v}-{h}" for v in ("top", "bottom") for h in ("left", "right")}
#: Rendered small and short: enough frames to see every move, cheap enough for hundreds of entries.
SIZE, SECONDS, FPS = (320, 180), 5.0, 8


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    steps: list[list[dict[str, Any]]]
    warn: tuple[str, ...]
    fade_in: bool
    fade_out: bool


def cases(name: str) -> list[Case]:
    out = []
    for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        out.append(
            Case(
                entry["id"],
                entry["text"],
                entry["steps"],
                tuple(entry.get("warn", ())),
                bool(entry.get("fade_in")),
                bool(entry.get("fade_out")),
            )
        )
    return out


def all_cases() -> list[Case]:
    return [case for name in FILES for case in cases(name)]


@cache
def slide() -> tuple[Path, dict[str, tuple[float, float, float, float]], np.ndarray]:
    """The corpus slide (the demo's look: title bar, four bullets, a diagram), its regions and its grey pixels."""
    image, regions = draw_slide(
        SlideSpec(
            "Thin lenses",
            ("Focal length f", "Real and virtual images", "Magnification m = -v/u", "Lens maker's equation"),
            "lens",
            (40, 90, 160),
        )
    )
    folder = Path(tempfile.mkdtemp(prefix="corpus-slide-"))
    path = folder / "slide.png"
    image.save(path)
    return path, regions, cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)


@cache
def starting_image() -> StartingImage:
    return StartingImage(slide()[2])


def place(name: str | None) -> Focus | None:
    if name is None:
        return None
    if name == "full":
        return FULL_FRAME
    regions = slide()[1]
    if name in regions:
        return region_focus(name, regions[name])
    label, x, y = vocab.POSITIONS[name.replace("-", " ")]
    return position_focus(label, x, y)


def expected(case: Case) -> list[tuple[ExpectedMove, ...]]:
    """The corpus entry's steps as expected moves (line-by-line reveals default to the bullets)."""
    return [
        tuple(
            ExpectedMove(
                m["move"],
                m.get("dir", ""),
                m.get("speed"),
                place(m.get("to") or ("bullets" if m["move"] == "lines" else None)),
                place(m.get("from")),
                place(m.get("across")),
                bool(m.get("blur", False)),
            )
            for m in step
        )
        for step in case.steps
    ]


@dataclass(frozen=True)
class Outcome:
    """How the render of one entry went: ``right`` (every move seen, every asked warning given), ``warned``
    (not all seen, but a warning about the moves says why), or ``silent`` (wrong, with nothing said)."""

    case: Case
    adherence: Adherence
    warnings: tuple[str, ...]
    missing_warnings: tuple[str, ...]
    summary: str

    @property
    def verdict(self) -> str:
        if self.adherence.score == 1.0 and not self.missing_warnings:
            return "right"
        return "warned" if self.honest_warnings and not self.missing_warnings else "silent"

    @property
    def honest_warnings(self) -> tuple[str, ...]:
        """Warnings about what the model does (a list of unknown words is not an explanation)."""
        return tuple(w for w in self.warnings if not w.startswith("not understood"))

    def explain(self) -> str:
        lines = [f"{self.case.id}: {self.case.text}", f"  plan: {self.summary}"]
        lines += [
            f"  not seen: step {m.step + 1} {m.move.describe()} ({m.measured})" for m in self.adherence.failed
        ]
        lines += [f"  warning missing: {w!r}" for w in self.missing_warnings]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def run(case: Case, folder: Path) -> Outcome:
    """Render the entry on the corpus slide, measure the camera on the video, score it against the corpus."""
    image_path, regions, grey = slide()
    settings = VideoSettings(case.text, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)
    output = folder / f"{case.id}.mp4"
    report = render_video(image_path, output, settings, regions=regions, quality="draft")
    frames = read_luma_frames(output)
    track = measure_camera(frames, starting_image(), fps=FPS)
    adherence = score_adherence(expected(case), track, frames=frames, image=grey)
    said = " ".join(report.warnings).lower()
    missing = tuple(w for w in case.warn if w not in said)
    output.unlink(missing_ok=True)
    return Outcome(case, adherence, report.warnings, missing, report.summary)
