"""Benchmark: what measuring a take costs, as a share of rendering it (target ≤ 10 %).

Run: ``.venv/bin/python benchmarks/metrics_bench.py [--reps N] [--no-wait]``. Prints human lines, then one JSON
object on the last line.

Two ways are timed. **Live** is what a job does with the local model: the take is measured while it renders
(:class:`~workbench.analysis.live_metrics.LiveMeasurement` measures the frames the renderer encodes, on the
CPU the render leaves idle, without decoding anything of the take); its cost is how much longer a render with
its measurement takes than the same render alone, as the median over rounds of each round's ratio (the two
run back to back in a round, so drift in machine load hits both alike). **After** is measuring the finished
file (hosted models, backfill): ``metrics_*``.

The take is what the workbench makes by default: the local model, 5 s at 1280x720 and 24 fps ("standard"
quality), directions with two moves on a 1920x1080 slide, measured as the workflow does against a committed
video of the same segment (similarity). Nothing is in memory at the start of a timed run (the starting image
is prepared again). The committed video's samples are:

- ``live_added_*`` (the main figure): kept in the samples cache, as the workbench does when a segment is
  opened for editing or its take accepted, and as any earlier measurement against that video left them;
- ``live_first_added_*``: decoded during the render (a committed video never compared before: the first
  variant of a segment in a batch);
- ``live_cached_added_*``: in memory, with the prepared starting image (the next variant in the process).

Each timed run first waits (up to a minute) for the CPU to be idle. Reported besides: medians of wall-clock and
CPU seconds (all threads), and the file measurement's cost with and without the committed video and of
decoding alone (a quarter of the render's wall time: why the local model's takes are measured live).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import report
from render_bench import wait_for_idle_cpu

from workbench.analysis.live_metrics import LiveMeasurement
from workbench.analysis.take_metrics import decode_for_metrics, forget_references, measure_take
from workbench.demo.slides import SlideSpec, draw_slide
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local.render import render_video

DIRECTIONS = "pan left, then zoom in on the diagram"
COMMITTED = "slow push-in on the title"
WIDTH, HEIGHT, FPS, DURATION_S = 1280, 720, 24, 5.0
TARGET = 0.10


def timed(fn: Callable[[], Any], wait: bool) -> tuple[float, float, Any]:
    wait_for_idle_cpu(wait)
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--no-wait", action="store_true", help="do not wait for an idle CPU before each run")
    args = parser.parse_args()
    wait = not args.no_wait
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        image, regions = draw_slide(
            SlideSpec("Thin lenses", ("Focal length", "Real images", "Magnification"), "lens", (40, 90, 160))
        )
        image_path = root / "slide.png"
        image.save(image_path)

        def settings(directions: str) -> VideoSettings:
            return VideoSettings(directions, "local-camera", DURATION_S, Resolution(WIDTH, HEIGHT), FPS, 0)

        committed = root / "committed.mp4"
        render_video(image_path, committed, settings(COMMITTED), regions=regions)
        take = root / "take.mp4"

        def render() -> None:
            take.unlink(missing_ok=True)
            render_video(image_path, take, settings(DIRECTIONS), regions=regions)

        samples = root / "samples-cache"

        def live(*, cached: bool = False, kept: bool = True) -> Any:
            if not cached:
                forget_references()
            if not kept:
                shutil.rmtree(samples, ignore_errors=True)
            take.unlink(missing_ok=True)
            watching = LiveMeasurement(
                take, FPS, settings(DIRECTIONS).frame_count, image_path, DIRECTIONS, 0, regions, committed,
                reference_cache=samples,
            )  # fmt: skip
            report = render_video(image_path, take, settings(DIRECTIONS), regions=regions, observer=watching)
            assert report.metrics is not None
            return report.metrics

        def measure(against: Path | None, *, cached: bool = False) -> Any:
            if not cached:
                forget_references()
            return measure_take(
                take, starting_image=image_path, directions=DIRECTIONS, regions=regions, committed=against
            )

        render()
        measure(committed)  # warm: imports, OpenCV's first calls
        live()
        runs: dict[str, list[tuple[float, float]]] = {
            "render": [], "live": [], "live_first": [], "live_cached": [], "metrics": [], "cached": [],
            "alone": [], "decode": [],
        }  # fmt: skip
        metrics = None
        for _ in range(args.reps):
            wall, cpu, _ = timed(render, wait)
            runs["render"].append((wall, cpu))
            wall, cpu, _ = timed(live, wait)
            runs["live"].append((wall, cpu))
            wall, cpu, _ = timed(lambda: live(kept=False), wait)
            runs["live_first"].append((wall, cpu))
            wall, cpu, _ = timed(lambda: live(cached=True), wait)
            runs["live_cached"].append((wall, cpu))
            render()
            wall, cpu, metrics = timed(lambda: measure(committed), wait)
            runs["metrics"].append((wall, cpu))
            wall, cpu, _ = timed(lambda: measure(committed, cached=True), wait)
            runs["cached"].append((wall, cpu))
            wall, cpu, _ = timed(lambda: measure(None), wait)
            runs["alone"].append((wall, cpu))
            wall, cpu, _ = timed(lambda: decode_for_metrics(take), wait)
            runs["decode"].append((wall, cpu))

    def median(name: str, which: int) -> float:
        return statistics.median(r[which] for r in runs[name])

    render_wall, render_cpu = median("render", 0), median("render", 1)
    ratio_wall = median("metrics", 0) / render_wall
    ratio_cpu = median("metrics", 1) / render_cpu

    def added(name: str, which: int) -> float:
        """Median over rounds of (this round's run ÷ this round's plain render) − 1."""
        return statistics.median(
            r[which] / b[which] - 1 for r, b in zip(runs[name], runs["render"], strict=True)
        )

    live_wall, live_cpu = added("live", 0), added("live", 1)
    assert metrics is not None
    report(
        "metrics",
        {
            "live_added_wall": round(live_wall, 4),
            "live_added_cpu": round(live_cpu, 4),
            "live_first_added_wall": round(added("live_first", 0), 4),
            "live_first_added_cpu": round(added("live_first", 1), 4),
            "target_met_live_first_wall": added("live_first", 0) <= TARGET,
            "live_cached_added_wall": round(added("live_cached", 0), 4),
            "live_cached_added_cpu": round(added("live_cached", 1), 4),
            "target_met_live_wall": live_wall <= TARGET,
            "render_wall_s": round(render_wall, 3),
            "render_cpu_s": round(render_cpu, 3),
            "render_live_wall_s": round(median("live", 0), 3),
            "render_live_cpu_s": round(median("live", 1), 3),
            "metrics_wall_s": round(median("metrics", 0), 3),
            "metrics_cpu_s": round(median("metrics", 1), 3),
            "metrics_committed_cached_wall_s": round(median("cached", 0), 3),
            "metrics_committed_cached_cpu_s": round(median("cached", 1), 3),
            "metrics_without_committed_wall_s": round(median("alone", 0), 3),
            "metrics_without_committed_cpu_s": round(median("alone", 1), 3),
            "decode_only_wall_s": round(median("decode", 0), 3),
            "decode_only_cpu_s": round(median("decode", 1), 3),
            "metrics_over_render_wall": round(ratio_wall, 4),
            "metrics_over_render_cpu": round(ratio_cpu, 4),
            "cached_over_render_wall": round(median("cached", 0) / render_wall, 4),
            "cached_over_render_cpu": round(median("cached", 1) / render_cpu, 4),
            "decode_over_render_wall": round(median("decode", 0) / render_wall, 4),
            "decode_over_render_cpu": round(median("decode", 1) / render_cpu, 4),
            "target": TARGET,
            "target_met_wall": ratio_wall <= TARGET,
            "target_met_cpu": ratio_cpu <= TARGET,
            "adherence": metrics.adherence,
            "reps": args.reps,
        },
    )


if __name__ == "__main__":
    main()
