"""The committed video's samples and the starting image's grey pixels kept on disk by content: a take compared
with a committed video measured before (in any process or session, or ahead, when it was accepted) decodes
neither again, and gets the same numbers as a take that did."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np
import pytest

from tests.generation.local import corpus_cases as cc
from tests.take_factory import pending_take
from workbench import Runner
from workbench.analysis import take_metrics as tm
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import render_video, source
from workbench.session import LectureSession
from workbench.store import LectureStore

SIZE, FPS, SECONDS = (320, 180), 12, 3.0
DIRECTIONS = "pan left, then zoom in on the diagram"


def settings(directions: str) -> VideoSettings:
    return VideoSettings(directions, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)


@pytest.fixture
def videos(tmp_path: Path) -> tuple[Path, Path, Path, dict]:
    image, regions, _ = cc.slide()
    committed, take = tmp_path / "committed.mp4", tmp_path / "take.mp4"
    render_video(image, committed, settings("slow push-in on the title"), regions=regions)
    render_video(image, take, settings(DIRECTIONS), regions=regions)
    return image, committed, take, regions


def measure(videos, cache: Path | None):
    image, committed, take, regions = videos
    tm.forget_references()
    metrics = tm.measure_take(
        take, starting_image=image, directions=DIRECTIONS, regions=regions, committed=committed,
        reference_cache=cache,
    )  # fmt: skip
    return dataclasses.replace(metrics, metrics_s=0.0)


def no_decoding(monkeypatch) -> list[Path]:
    """Make decoding the committed video or the starting image fail the test: both must come from the cache."""
    asked: list[Path] = []

    def refuse(path, *args, **kwargs):
        asked.append(Path(path))
        raise AssertionError(f"{path} was decoded")

    monkeypatch.setattr(tm, "_frames_at", refuse)
    monkeypatch.setattr(source, "load_starting_image", refuse)
    return asked


def samples_files(cache: Path) -> list[Path]:
    return sorted(f for f in cache.glob("*.npz") if not f.name.startswith("image-"))


def image_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("image-*.npz"))


def test_a_second_process_reads_the_samples_the_first_decoded(videos, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    plain = measure(videos, None)
    first = measure(videos, cache)
    (kept,) = samples_files(cache)
    assert kept.name.startswith(tm.content_hash(videos[1]) + "-160-")
    (image,) = image_files(cache)
    assert image.name == f"image-{tm.content_hash(videos[0])}-{tm.IMAGE_WIDTH}.npz"
    asked = no_decoding(monkeypatch)
    again = measure(videos, cache)  # a fresh process: nothing in memory
    assert plain == first == again and again.similarity_ssim is not None and not asked


def test_a_damaged_or_foreign_file_is_decoded_again_and_replaced(videos, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = measure(videos, cache)
    (kept,) = samples_files(cache)
    (image,) = image_files(cache)
    kept.write_bytes(kept.read_bytes()[:100])
    image.write_bytes(image.read_bytes()[:100])
    assert measure(videos, cache) == expected
    assert kept.stat().st_size > 100 and image.stat().st_size > 100  # written whole again
    # pixels of another shape or type under the image's name are not trusted either
    for foreign in (np.zeros((4, 4, 3), np.uint8), np.zeros((90, 160), np.float32)):
        with open(image, "wb") as fh:
            np.savez_compressed(fh, grey=foreign)
        assert measure(videos, cache) == expected
        with np.load(image) as data:
            assert data["grey"].dtype == np.uint8 and data["grey"].ndim == 2  # replaced by the right pixels
    # samples of another width under this name (a renamed file) do not fit: decoded, not trusted
    other = cache / "other.npz"
    tm._write_samples(other, tm.decode_for_metrics(videos[1], width=80, at_times=[0.0, 0.5]))
    kept.write_bytes(other.read_bytes())
    assert measure(videos, cache) == expected


def test_an_unwritable_cache_only_costs_the_decode(videos, tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    assert measure(videos, blocked) == measure(videos, None)


def test_samples_kept_ahead_serve_the_next_take(videos, tmp_path: Path, monkeypatch) -> None:
    image, committed, _take, regions = videos
    cache = tmp_path / "cache"
    tm.keep_reference_samples(committed, cache, directions="tilt up", regions=regions, starting_image=image)
    asked = no_decoding(monkeypatch)
    assert measure(videos, cache).similarity_ssim is not None and not asked


async def test_opening_a_segment_and_accepting_a_take_keep_samples_for_the_next_try(demo_store) -> None:
    runner = Runner(demo_store)
    try:
        session = LectureSession(
            runner, DEMO_LECTURE_ID, media_base_url="/files/demo/", watch_interval_s=None
        )
        committed = demo_store.media_path(session.committed.asset("seg-02").path)
        assert not session.prepare_to_compare("no-such-segment")  # a head start only: never an error
        assert session.prepare_to_compare("seg-02") and session.samples.wait(60)
        assert [p.name.split("-")[0] for p in samples_files(demo_store.samples_cache)] == [
            tm.content_hash(committed)
        ]
        assert len(image_files(demo_store.samples_cache)) == 1  # the segment's starting image

        other = demo_store.media_path(session.committed.asset("seg-03").path)
        take = pending_take(demo_store, DEMO_LECTURE_ID, "seg-01", other, {"movie_directions": "tilt up"})
        await session.accept(take.id)
        assert session.samples.wait(60)
        kept = {p.name.split("-")[0] for p in samples_files(demo_store.samples_cache)}
        assert kept == {tm.content_hash(committed), tm.content_hash(demo_store.media_path(take.path))}
    finally:
        await runner.shutdown()


def test_opening_the_store_sweeps_what_a_killed_measurement_left_in_the_cache(store) -> None:
    cache = store.samples_cache
    cache.mkdir(parents=True)
    left = cache / ".image-abc-1280.4242.99.tmp"  # a measurement killed mid-write, long ago
    writing = cache / ".image-def-1280.4343.98.tmp"  # one writing now, in another process
    kept = cache / "image-abc-1280.npz"
    for path in (left, writing, kept):
        path.write_bytes(b"x")
    hours_ago = time.time() - 2 * 3600
    os.utime(left, (hours_ago, hours_ago))
    LectureStore(store.root, user=store.user)
    assert not left.exists() and writing.exists() and kept.exists()
