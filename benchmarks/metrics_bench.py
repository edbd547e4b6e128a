"""Benchmark: what measuring a take costs, as a share of rendering it (target ≤ 10 %).

Run: ``.venv/bin/python benchmarks/metrics_bench.py [--reps N] [--no-wait]``. Prints human lines, then one JSON
object on the last line.

Two ways are timed. **Live** is what a job does with the local model: the take is measured while it renders
(:class:`~workbench.analysis.live_metrics.LiveMeasurement` decodes the encoder's packets on the CPU the render
leaves idle); its cost is how much longer a render with its measurement takes than the same render alone
(``live_added_*``, the main figure). **After** is measuring the finished file (hosted models, backfill):
``metrics_*``.

The take is what the workbench makes by default: the local model, 5 s at 1280x720 and 24 fps ("standard"
quality), directions with two moves on a 1920x1080 slide. Its metrics are measured as the workflow does,
against a committed video of the same segment (so the similarity decode is counted). Renders and
measurements interleave, and each timed run first waits (up to a minute) for the CPU to be idle, so drift in
machine load hits both alike. Reported: medians of wall-clock seconds and of CPU seconds (all threads; the
fairer figure on a machine shared with other work, as waiting for the CPU does not count), their ratios, and
the cost of decoding alone (the floor: every frame of a take must be decoded to check it). The committed
video's samples are kept in memory for the next take measured against it (variants, a series of tries): the
main figures are the first, uncached comparison; ``cached_*`` the later ones.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--reps", type=int, default=5)
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

        def live(*, cached: bool = False) -> Any:
            if not cached:
                forget_references()
            take.unlink(missing_ok=True)
            watching = LiveMeasurement(
                take, FPS, settings(DIRECTIONS).frame_count, image_path, DIRECTIONS, 0, regions, committed
            )
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
            "render": [], "live": [], "live_cached": [], "metrics": [], "cached": [], "alone": [], "decode": []
        }  # fmt: skip
        metrics = None
        for _ in range(args.reps):
            wall, cpu, _ = timed(render, wait)
            runs["render"].append((wall, cpu))
            wall, cpu, _ = timed(live, wait)
            runs["live"].append((wall, cpu))
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
    live_wall = median("live", 0) / render_wall - 1
    live_cpu = median("live", 1) / render_cpu - 1
    assert metrics is not None
    report(
        "metrics",
        {
            "live_added_wall": round(live_wall, 4),
            "live_added_cpu": round(live_cpu, 4),
            "live_cached_added_wall": round(median("live_cached", 0) / render_wall - 1, 4),
            "live_cached_added_cpu": round(median("live_cached", 1) / render_cpu - 1, 4),
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
