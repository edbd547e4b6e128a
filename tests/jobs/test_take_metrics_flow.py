"""Take metrics in the workflow and the store: measured after the take is stored and before the preview is
announced, joined onto ``store.takes()``, never failing a job, and backfilled for takes made before."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path

import pytest

from tests.conftest import OWNER, small_slide_png
from tests.jobs.conftest import SMALL
from tests.take_factory import pending_take
from workbench import (
    EventType,
    Lecture,
    Project,
    VideoAsset,
    accept_take,
    open_store,
    regenerate_video_segment,
)
from workbench.analysis.live_metrics import LiveMeasurement
from workbench.domain.jobs import JobStatus
from workbench.domain.metrics import METRICS_VERSION
from workbench.domain.models import TakeStatus
from workbench.jobs import metrics as job_metrics
from workbench.jobs.metrics import backfill_metrics
from workbench.store.records import METRICS_COLUMNS


async def _regenerate(runner, directions: str):
    handle = regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "movie_directions": directions})
    await handle.wait()
    return handle


@pytest.fixture
def measured_after_rendering(monkeypatch):
    """As with a model that does not encode its own video: the take is measured from its file afterwards."""
    monkeypatch.setattr(LiveMeasurement, "begin", lambda self, nice: None)


async def test_each_take_is_measured_before_its_preview_is_announced(runner, events, monkeypatch) -> None:
    def not_again(*_args, **_kwargs):
        raise AssertionError("the local model's take was measured while it rendered: not from its file again")

    monkeypatch.setattr(job_metrics, "measure_take", not_again)
    seen_at_preview = []
    runner.bus.subscribe(
        lambda e: (
            seen_at_preview.append(runner.store.take_metrics(e.payload["take_id"]))
            if e.type is EventType.VIDEO_PREVIEW
            else None
        )
    )
    handle = await _regenerate(runner, "pan left then zoom in")
    assert handle.status is JobStatus.AWAITING_REVIEW
    metrics = runner.store.take_metrics(handle.take_id)
    assert seen_at_preview == [metrics] and metrics is not None
    assert metrics.decoded_frames == 12 and metrics.adherence == 1.0
    assert metrics.similarity_ssim is None  # the segment had no committed video yet
    assert metrics.metrics_version == METRICS_VERSION and metrics.metrics_s > 0
    assert not [
        e for e in events if e.type is EventType.JOB_PROGRESS and "could not be measured" in e.message
    ]
    row = runner.store.takes(asset_id="seg-1").iloc[-1]
    assert set(METRICS_COLUMNS) <= set(row.index)
    assert row["content_hash"] == metrics.content_hash and row["adherence"] == 1.0
    assert [m["move"] for m in row["adherence_moves"]] == ["pan left", "zoom in"]

    # the next take is compared with what is committed then
    await accept_take(runner, handle.take_id)
    second = await _regenerate(runner, "zoom out")
    other = runner.store.take_metrics(second.take_id)
    assert other is not None and other.similarity_ssim is not None and 0 < other.similarity_ssim < 0.95
    assert other.adherence == 1.0


@pytest.mark.usefixtures("measured_after_rendering")
async def test_a_take_not_measured_while_rendering_is_measured_from_its_file(runner, events) -> None:
    handle = await _regenerate(runner, "pan left then zoom in")
    metrics = runner.store.take_metrics(handle.take_id)
    assert metrics is not None and metrics.decoded_frames == 12 and metrics.adherence == 1.0
    progress = [e.message for e in events if e.type is EventType.JOB_PROGRESS]
    assert any(m.startswith("Measuring the take") for m in progress)
    order = [e.type for e in events if e.type is EventType.VIDEO_PREVIEW or e.message.startswith("Measuring")]
    assert order == [EventType.JOB_PROGRESS, EventType.VIDEO_PREVIEW]


@pytest.mark.usefixtures("measured_after_rendering")
async def test_a_measurement_that_fails_leaves_the_take_and_says_so(runner, events, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(job_metrics, "measure_take", broken)
    handle = await _regenerate(runner, "pan right")
    assert handle.status is JobStatus.AWAITING_REVIEW
    assert runner.store.take(handle.take_id).status is TakeStatus.PENDING
    assert runner.store.take_metrics(handle.take_id) is None
    note = [e for e in events if e.type is EventType.JOB_PROGRESS and "could not be measured" in e.message]
    assert note and "decoder exploded" in note[0].payload["detail"]
    assert [e.type for e in events if e.job_id == handle.id][-1] is EventType.VIDEO_PREVIEW


@pytest.mark.usefixtures("measured_after_rendering")
async def test_a_stored_take_being_measured_cannot_be_cancelled(runner, monkeypatch) -> None:
    """Once the take is stored there is nothing left to cancel: cancelling then would drop a paid preview."""
    started, release = threading.Event(), threading.Event()
    real = job_metrics.measure_take

    def slow(*args, **kwargs):
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(job_metrics, "measure_take", slow)
    handle = regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "movie_directions": "tilt up"})
    await asyncio.to_thread(started.wait, 60)
    assert runner.cancel(handle.id) is False
    release.set()
    record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW
    assert runner.store.take_metrics(record.take_id) is not None


def test_backfill_measures_takes_without_metrics_and_leaves_others_alone(
    store, lecture, tmp_path: Path
) -> None:
    from workbench.domain.models import Resolution, VideoSettings
    from workbench.generation.local import render_video

    video = tmp_path / "pan.mp4"
    image = store.media_path(lecture.starting_image("img-1").path)
    render_video(image, video, VideoSettings("pan right", "local-camera", 1.0, Resolution(320, 180), 12, 0))
    old = pending_take(store, "lec", "seg-2", video)  # seg-2's directions are "pan right"
    assert store.take_metrics(old.id) is None and store.takes()["content_hash"].isna().all()
    # mallory's lecture, with a take of her own: not hers to skip, not ours to measure
    mallory = open_store(store.root, user="mallory")
    mallory.save_project(Project("mproj", "M", "mallory"))
    mimage = mallory.import_starting_image("mlec", small_slide_png(), image_id="img-m")
    mallory.create_lecture(
        Lecture(
            "mlec",
            "mproj",
            "Hers",
            "mallory",
            0,
            (VideoAsset("m-1", "img-m", "pan left"),),
            starting_images=(mimage,),
        )
    )
    theirs = pending_take(mallory, "mlec", "m-1", video)

    progress = []
    report = backfill_metrics(store, on_progress=lambda done, total, take_id: progress.append((done, total)))
    assert report.measured == (old.id,) and report.failed == () and progress == [(1, 1)]
    measured = store.take_metrics(old.id)
    assert measured is not None and measured.adherence == 1.0 and measured.decoded_frames == 12
    assert store.take_metrics(theirs.id) is None
    # a second run has nothing to do; force measures again and the latest measurement wins
    assert backfill_metrics(store).measured == ()
    assert backfill_metrics(store, "lec", force=True).measured == (old.id,)
    assert len(store.metrics("lec")) == 1 and len(store._metrics.read()) == 2
    assert store.user == OWNER


def test_a_newer_metrics_version_wins_over_a_later_older_one(store, lecture, tmp_path: Path) -> None:
    from workbench.domain.metrics import TakeMetrics

    source = tmp_path / "x.mp4"
    source.write_bytes(b"not decoded by the store")
    take = pending_take(store, "lec", "seg-1", source)
    newer = TakeMetrics("a" * 64, 10, 1.0, 0.0, 0.0, metrics_version=METRICS_VERSION + 1)
    older = dataclasses.replace(newer, content_hash="b" * 64, metrics_version=METRICS_VERSION)
    store.record_metrics([(take.id, newer)])
    store.record_metrics([(take.id, older)])
    assert store.take_metrics(take.id) == newer
    assert open_store(store.root).takes().iloc[0]["content_hash"] == "a" * 64


def test_metrics_of_a_take_that_does_not_exist_are_refused(store, lecture) -> None:
    from workbench.domain.metrics import TakeMetrics
    from workbench.errors import NotFoundError

    with pytest.raises(NotFoundError):
        store.record_metrics([("take-nope", TakeMetrics("a" * 64, 1, 1.0, 0.0, 0.0))])


def test_the_backfill_command_measures_with_progress_and_names_what_failed(
    store, lecture, tmp_path: Path, capsys
) -> None:
    from workbench.cli import main
    from workbench.domain.models import Resolution, VideoSettings
    from workbench.generation.local import render_video

    video = tmp_path / "pan.mp4"
    image = store.media_path(lecture.starting_image("img-1").path)
    render_video(image, video, VideoSettings("pan right", "local-camera", 1.0, Resolution(320, 180), 12, 0))
    good = pending_take(store, "lec", "seg-2", video)
    broken_source = tmp_path / "broken.mp4"
    broken_source.write_bytes(b"not a video")
    broken = pending_take(store, "lec", "seg-2", broken_source)

    assert main(["metrics", "backfill", "--store", str(store.root), "--lecture", "lec"]) == 1
    out, err = capsys.readouterr()
    assert f"{good.id} measured" in out and f"{broken.id} could not be measured" in out  # a line per take
    assert out.index("[1/2]") < out.index("[2/2]")
    assert "Measured 1 take(s); 0 already had metrics; 1 could not be measured." in out
    assert broken.id in err and "run this again" in err
    assert store.take_metrics(good.id) is not None and store.take_metrics(broken.id) is None

    assert main(["metrics", "backfill", "--store", str(store.root)]) == 1  # the broken one is tried again
    assert "1 already had metrics" in capsys.readouterr().out
    assert main(["metrics", "backfill", "--store", str(tmp_path / "nowhere")]) == 1
    assert "is not a workbench store" in capsys.readouterr().err
