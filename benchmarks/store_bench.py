"""Store speed on a big lecture: load, commit one segment change (fsync included), look up one segment's takes.

A lecture of 1,000 segments and a takes table of 100,000 rows (100 per segment, appended in 100 files, then
compacted). Targets on a 2-core machine (medians): load ≤ 30 ms, commit ≤ 15 ms, take lookup ≤ 50 ms.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median_ms, report

from workbench import Lecture, Project, Resolution, TimelineClip, VideoAsset, VideoDefaults, open_store
from workbench.domain.clock import next_timestamp
from workbench.domain.models import SettingSource, Take, VideoSettings
from workbench.store.records import take_to_row

SEGMENTS, TAKES_PER_SEGMENT, FILES = 1000, 100, 100


def main() -> None:
    os.environ.setdefault("WORKBENCH_USER", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "store", create=True)
        store.save_project(Project("p", "Bench", store.user, VideoDefaults(resolution=Resolution(1280, 720))))
        videos = tuple(
            VideoAsset(f"seg-{i:04d}", f"img-{i:04d}", f"slow push-in on the diagram, segment {i}",
                       model="local-camera", duration_s=5.0, fps=24, seed=i,
                       path=f"media/lec/takes/take-{i:04d}.mp4", updated_at=next_timestamp())
            for i in range(SEGMENTS)
        )  # fmt: skip
        clips = tuple(TimelineClip(f"clip-{i:04d}", v.id, i * 5.0) for i, v in enumerate(videos))
        lecture = store.create_lecture(Lecture("lec", "p", "Big lecture", store.user, 0, videos, clips))

        def load() -> None:
            store._lecture_cache.clear()  # measure a real read + decode, not the in-memory cache
            store.lecture("lec")

        load_ms = median_ms(load, repeat=30)
        current = store.lecture("lec")

        def commit() -> None:
            nonlocal current  # an editor holds the committed lecture and commits a change to it
            asset = current.asset("seg-0500")
            changed = dataclasses.replace(
                asset,
                movie_directions=asset.movie_directions + ".",
                updated_at=next_timestamp(asset.updated_at),
            )
            current = store.commit_lecture(current.with_asset(changed), expected_version=current.version)

        commit_ms = median_ms(commit, repeat=30)

        settings = VideoSettings("pan left", "local-camera", 5.0, Resolution(1280, 720), 24, 0)
        provenance = {"model": SettingSource.DEFAULT}
        take_log = store._takes.log  # bulk-load the table directly: 100 appends of 1,000 rows
        rows_per_file = SEGMENTS * TAKES_PER_SEGMENT // FILES
        n = 0
        for _ in range(FILES):
            rows = []
            for _ in range(rows_per_file):
                seg = n % SEGMENTS
                take = Take(f"take-{n:06d}", "lec", f"seg-{seg:04d}", f"job-{n:06d}", f"media/lec/takes/take-{n:06d}.mp4",
                            settings, provenance, f"tok{n}", created_at="2026-01-01T00:00:00.000000Z",
                            timings={"total_s": 1.0})  # fmt: skip
                rows.append(take_to_row(take, 0))
                n += 1
            take_log.append(rows)

        lookup_uncompacted_ms = median_ms(lambda: store.takes(asset_id="seg-0042"), repeat=30)
        cold_uncompacted_ms = median_ms(lambda: open_store(store.root).takes(asset_id="seg-0042"), repeat=3)
        store.compact()
        lookup_ms = median_ms(lambda: store.takes(asset_id="seg-0042"), repeat=30)
        cold_ms = median_ms(lambda: open_store(store.root).takes(asset_id="seg-0042"), repeat=5)
        found = len(store.takes(asset_id="seg-0042"))
        assert found == TAKES_PER_SEGMENT, found
        assert lecture.version == 1

    report(
        "store",
        {
            "segments": SEGMENTS,
            "takes": SEGMENTS * TAKES_PER_SEGMENT,
            "load_ms": load_ms,
            "load_target_ms": 30,
            "commit_ms": commit_ms,
            "commit_target_ms": 15,
            "take_lookup_ms": lookup_ms,
            "take_lookup_target_ms": 50,
            "take_lookup_cold_ms": cold_ms,
            "take_lookup_100_files_ms": lookup_uncompacted_ms,
            "take_lookup_100_files_cold_ms": cold_uncompacted_ms,
        },
    )


if __name__ == "__main__":
    main()
