"""Benchmark the ``local-slide`` starting-image model: how its cost compares with the least any slide tool pays.

Run: ``.venv/bin/python benchmarks/slide_bench.py [--reps N]``. Prints human lines, then one JSON object on the
last line. For a typical outline (title, four bullets, one figure) at 1280x720 and 1920x1080:

(a) the whole ``render_slide_png`` (parse, layout, draw, PNG encode, fsynced write) ÷ encoding and writing the
    same pixels as PNG (the floor for any model that hands over this PNG). Target ≤ 3×.
(b) the whole starting-image job through the runner (queue, render, durable take record, events) ÷ a direct
    render at 720p: the flow's own overhead. Target ≤ 3×.

Medians; each measurement interleaves with what it is divided by, so drift in machine load hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import report
from PIL import Image

from workbench.domain.models import ImageSettings, Resolution
from workbench.generation.local.slide_backend import render_slide_png

OUTLINE = (
    "Why lenses bend light\n- Light slows down in glass\n- Curved faces steer the rays\n- Rays from far away meet at "
    "the focus\n- The focal length depends on curvature and glass\nfigure diagram: lens\naccent: #2e5496"
)


def _floor(image: Image.Image, path: Path) -> None:
    """Encode the slide's own pixels as PNG and write them durably: what any model handing over this PNG pays."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    with open(path, "wb") as fh:
        fh.write(buffer.getvalue())
        fh.flush()
        os.fsync(fh.fileno())


def _ratio(size: tuple[int, int], reps: int, folder: Path) -> tuple[float, float, float]:
    settings = ImageSettings(OUTLINE, "local-slide", Resolution(*size), 0)
    ours, floor = [], []
    for i in range(reps + 1):
        t = time.perf_counter()
        slide, _ = render_slide_png(settings, folder / f"slide-{i}.png")
        mid = time.perf_counter()
        _floor(slide.image, folder / f"floor-{i}.png")
        end = time.perf_counter()
        if i:  # the first pair warms font and codec caches
            ours.append(mid - t)
            floor.append(end - mid)
    a, b = statistics.median(ours), statistics.median(floor)
    return a * 1000, b * 1000, a / b


async def _job_ratio(reps: int, folder: Path) -> tuple[float, float]:
    """Median job time at 720p and its ratio to a direct render, the two interleaved run by run."""
    from workbench import (
        Lecture,
        Project,
        Runner,
        VideoAsset,
        VideoDefaults,
        open_store,
        regenerate_starting_image,
    )

    store = open_store(folder / "store", create=True, user="bench")
    store.save_project(Project("p", "P", "bench", VideoDefaults(resolution=Resolution(1280, 720))))
    store.create_lecture(Lecture("l", "p", "L", "bench", 0, (VideoAsset("s", None, "x", title="T"),)))
    jobs, renders = [], []
    async with Runner(store) as runner:
        for i in range(reps + 1):
            start = time.perf_counter()
            handle = regenerate_starting_image(runner, "l", "s", {"prompt": OUTLINE, "seed": i})
            await handle.wait()
            mid = time.perf_counter()
            render_slide_png(
                ImageSettings(OUTLINE, "local-slide", Resolution(1280, 720), i), folder / f"direct-{i}.png"
            )
            end = time.perf_counter()
            if i:
                jobs.append(mid - start)
                renders.append(end - mid)
    job, render = statistics.median(jobs), statistics.median(renders)
    return job * 1000, job / render


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in ((1280, 720), (1920, 1080)):
            ours, floor, ratio = _ratio(size, args.reps, Path(tmp))
            figures[f"slide_{size[1]}p_ms"] = round(ours, 1)
            figures[f"png_floor_{size[1]}p_ms"] = round(floor, 1)
            figures[f"slide_over_floor_{size[1]}p"] = round(ratio, 2)
        job, job_ratio = asyncio.run(_job_ratio(args.reps, Path(tmp)))
    figures["job_720p_ms"] = round(job, 1)
    figures["job_over_render_720p"] = round(job_ratio, 2)
    report("slide_bench", figures)


if __name__ == "__main__":
    main()
