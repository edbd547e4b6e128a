"""Batch throughput: 24 segments (3 s, 640x360) at concurrency 1 vs 2, and the batch machinery's overhead.

- speedup of concurrency 2 over 1 on this 2-core machine: target ≥ 1.7×;
- overhead per segment of the batch (runner, store writes, checks) vs calling the renderer directly in a
  loop on the same items: target ≤ 5 %.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report

from workbench.batch import BatchRequest, run_batch
from workbench.demo.builder import DEMO_LECTURE_ID, init_demo_store
from workbench.domain.settings import resolve_video_settings
from workbench.generation.local.render import render_video
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


def direct_renders(store: LectureStore, out: Path) -> float:
    lecture = store.lecture(DEMO_LECTURE_ID)
    project = store.project(lecture.project_id)
    start = time.perf_counter()
    for asset in lecture.videos:
        settings = resolve_video_settings(OVERRIDES, project, asset).settings
        image = lecture.starting_image(asset.starting_image_id)
        render_video(store.media_path(image.path), out / f"{asset.id}.mp4", settings, regions=image.regions)
    return time.perf_counter() - start


async def batch_seconds(store: LectureStore, concurrency: int) -> float:
    start = time.perf_counter()
    result = await run_batch(store, BatchRequest(overrides=OVERRIDES), concurrency=concurrency)
    assert result.counts == {"pending": SEGMENTS}, result.counts
    return time.perf_counter() - start


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "direct").mkdir()
        direct = direct_renders(big_lecture(tmp_path / "a"), tmp_path / "direct")
        one = asyncio.run(batch_seconds(big_lecture(tmp_path / "b"), 1))
        two = asyncio.run(batch_seconds(big_lecture(tmp_path / "c"), 2))
    return {
        "segments": SEGMENTS,
        "direct_render_loop_s": round(direct, 2),
        "batch_concurrency_1_s": round(one, 2),
        "batch_concurrency_2_s": round(two, 2),
        "speedup_2_over_1": round(one / two, 3),
        "speedup_target": 1.7,
        "overhead_per_segment_pct": round((one - direct) / direct * 100, 2),
        "overhead_target_pct": 5,
    }


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_USER", "bench")
    report("batch", main())
