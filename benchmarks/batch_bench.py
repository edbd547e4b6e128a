"""Batch throughput: 24 segments (3 s, 640x360) at concurrency 1 vs 2, and the batch machinery's overhead.

- speedup of concurrency 2 over 1 on this 2-core machine: target ≥ 1.7×;
- overhead per segment of the batch (runner, store writes, checks) vs calling the renderer directly in a
  loop on the same items: target ≤ 5 %.

``machinery_ms_per_segment`` isolates the batch's own cost: the same batch at concurrency 1 with a stand-in
model that copies a finished take instead of rendering (every store write, event and check still happens).

Rounds interleave the three runs (direct, concurrency 1, concurrency 2) so drift in machine load hits all
alike; figures are medians. ``cores_busy_*`` is process CPU time over wall time: a single render already keeps
x264's two slice threads and the warping thread busy, which bounds what a second concurrent render can add.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report

from workbench.batch import BatchRequest, run_batch
from workbench.demo.builder import DEMO_LECTURE_ID, init_demo_store
from workbench.domain.settings import resolve_video_settings
from workbench.generation.base import BackendInfo, GenerationRequest, GenerationResult, ProgressCallback
from workbench.generation.local.render import render_video
from workbench.generation.registry import BackendRegistry
from workbench.store import LectureStore

SEGMENTS = 24
OVERRIDES = {"duration_s": 3.0, "resolution": "640x360", "fps": 24}


def big_lecture(root: Path) -> LectureStore:
    """The demo lecture grown to 24 segments (reusing its five slides)."""
    store = init_demo_store(root, render_videos=False).store
    lecture = store.lecture(DEMO_LECTURE_ID)
    base = [a for a in lecture.videos if a.starting_image_id]
    videos = tuple(
        dataclasses.replace(base[i % len(base)], id=f"seg-{i + 1:02d}", seed=i) for i in range(SEGMENTS)
    )
    store.commit_lecture(
        dataclasses.replace(lecture, videos=videos, timeline=()), expected_version=lecture.version
    )
    return store


def _timed(fn) -> tuple[float, float]:
    """Wall seconds and cores busy (process CPU seconds per wall second) of ``fn()``."""
    cpu0, start = os.times(), time.perf_counter()
    fn()
    cpu1, wall = os.times(), time.perf_counter() - start
    return wall, (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / wall


def direct_renders(store: LectureStore, out: Path) -> None:
    lecture = store.lecture(DEMO_LECTURE_ID)
    project = store.project(lecture.project_id)
    for asset in lecture.videos:
        settings = resolve_video_settings(OVERRIDES, project, asset).settings
        image = lecture.starting_image(asset.starting_image_id)
        render_video(store.media_path(image.path), out / f"{asset.id}.mp4", settings, regions=image.regions)


class CopyBackend:
    """Stands in for the local model: copies one finished take, so only the batch machinery is timed."""

    info = BackendInfo(name="local-camera", label="copy")

    def __init__(self, template: Path) -> None:
        self.template = template

    def check(self, settings, regions=None) -> tuple[str, ...]:
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        shutil.copyfile(self.template, request.output_path)
        s = request.settings
        return GenerationResult(
            request.output_path,
            s.frame_count,
            s.fps,
            s.resolution.width,
            s.resolution.height,
            "h264",
            request.output_path.stat().st_size,
        )


def batch(store: LectureStore, concurrency: int, registry: BackendRegistry | None = None) -> None:
    request = BatchRequest(overrides=OVERRIDES)
    result = asyncio.run(run_batch(store, request, concurrency=concurrency, registry=registry))
    assert result.counts == {"pending": SEGMENTS}, result.counts


def main(rounds: int) -> dict[str, float]:
    runs: dict[str, list[tuple[float, float]]] = {"direct": [], "c1": [], "c2": [], "copy": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            root = Path(tmp) / str(n)
            out = root / "direct"
            out.mkdir(parents=True)
            stores = {name: big_lecture(root / name) for name in runs}
            runs["direct"].append(_timed(lambda s=stores["direct"], o=out: direct_renders(s, o)))
            runs["c1"].append(_timed(lambda s=stores["c1"]: batch(s, 1)))
            runs["c2"].append(_timed(lambda s=stores["c2"]: batch(s, 2)))
            copy = BackendRegistry([CopyBackend(next(out.glob("*.mp4")))])
            runs["copy"].append(_timed(lambda s=stores["copy"], r=copy: batch(s, 1, r)))
    wall = {name: statistics.median(w for w, _ in samples) for name, samples in runs.items()}
    busy = {name: statistics.median(b for _, b in samples) for name, samples in runs.items()}
    return {
        "segments": SEGMENTS,
        "rounds": rounds,
        "direct_render_loop_s": round(wall["direct"], 2),
        "batch_concurrency_1_s": round(wall["c1"], 2),
        "batch_concurrency_2_s": round(wall["c2"], 2),
        "cores_busy_direct": round(busy["direct"], 2),
        "cores_busy_concurrency_1": round(busy["c1"], 2),
        "cores_busy_concurrency_2": round(busy["c2"], 2),
        "speedup_2_over_1": round(wall["c1"] / wall["c2"], 3),
        "speedup_target": 1.7,
        "overhead_per_segment_pct": round((wall["c1"] - wall["direct"]) / wall["direct"] * 100, 2),
        "overhead_per_segment_ms": round((wall["c1"] - wall["direct"]) / SEGMENTS * 1000, 1),
        "overhead_target_pct": 5,
        "machinery_ms_per_segment": round(wall["copy"] / SEGMENTS * 1000, 1),
        "machinery_pct_of_direct_render": round(wall["copy"] / wall["direct"] * 100, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    os.environ.setdefault("WORKBENCH_USER", "bench")
    report("batch", main(parser.parse_args().rounds))
