"""Measuring a take while the local model renders it: what measuring the finished file finds (within what
compression changes), and a measurement that fails or is abandoned never fails or outlives the render."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.generation.local import corpus_cases as cc
from workbench.analysis.live_metrics import LiveMeasurement, _file_disagrees
from workbench.analysis.take_metrics import FrameFeed, decode_for_metrics, forget_references, measure_take
from workbench.domain.models import Resolution, VideoSettings
from workbench.errors import GenerationCancelledError
from workbench.generation.local import render_video

SIZE, FPS, SECONDS = (320, 180), 12, 3.0


def settings(directions: str) -> VideoSettings:
    return VideoSettings(directions, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)


def observer(out: Path, directions: str, committed: Path | None = None, image: Path | None = None):
    start, regions, _ = cc.slide()
    return LiveMeasurement(
        out, FPS, settings(directions).frame_count, image or start, directions, 0, regions, committed
    )


def live_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "take-metrics-live" and t.is_alive()]


@pytest.mark.parametrize("directions", ["pan left, then zoom in on the diagram", "tilt up"])
def test_measured_while_rendering_agrees_with_measuring_the_file(tmp_path: Path, directions: str) -> None:
    """The live measurement sees the frames before compression, the file's after: decode facts, adherence
    and every move's verdict are the same; the measured quantities agree within what compression changes."""
    image, regions, _ = cc.slide()
    committed = tmp_path / "committed.mp4"
    render_video(image, committed, settings("slow push-in on the title"), regions=regions)
    take = tmp_path / "take.mp4"
    watching = observer(take, directions, committed)

    report = render_video(image, take, settings(directions), regions=regions, observer=watching)

    assert report.metrics is not None and "measure_tail_s" in report.timings
    forget_references()  # the file's measurement decodes the committed video itself
    filed = measure_take(
        take, starting_image=image, directions=directions, regions=regions, committed=committed
    )
    live = report.metrics
    same = ("content_hash", "decoded_frames", "decoded_duration_s", "black_share", "adherence", "reversals")
    assert {k: getattr(live, k) for k in same} == {k: getattr(filed, k) for k in same}
    assert [(m.move, m.ok) for m in live.adherence_moves] == [(m.move, m.ok) for m in filed.adherence_moves]
    assert live.adherence == 1.0 and live.decoded_frames == settings(directions).frame_count
    assert live.frozen_share == pytest.approx(filed.frozen_share, abs=0.05)
    assert live.motion_amount == pytest.approx(filed.motion_amount, rel=0.03)
    assert live.jitter == pytest.approx(filed.jitter, rel=0.1)
    assert live.sharpness == pytest.approx(filed.sharpness, rel=0.02)
    assert live.similarity_ssim == pytest.approx(filed.similarity_ssim, abs=0.005)
    assert len(live.motion_path) == len(filed.motion_path)
    assert not live_threads()


def test_a_held_shot_is_all_frozen_live_and_nearly_so_in_the_file(tmp_path: Path) -> None:
    """x264 refreshes a still picture's first frames: the file reads a few of them as changes."""
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    report = render_video(
        image,
        take,
        settings("hold on the title"),
        regions=regions,
        observer=observer(take, "hold on the title"),
    )
    filed = measure_take(take, starting_image=image, directions="hold on the title", regions=regions)
    assert report.metrics is not None and report.metrics.frozen_share == 1.0
    assert 0.8 <= filed.frozen_share <= 1.0


def test_the_feed_keeps_the_frames_the_file_decodes_to(tmp_path: Path) -> None:
    """Every frame the encoder is given is fed, at the times the file shows it, and the samples kept are
    those frames before compression (within a few levels of the file's)."""
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    frames: list[np.ndarray] = []

    class Recorder:
        def begin(self, nice: int) -> None:
            pass

        def frame(self, i420: np.ndarray) -> None:
            frames.append(i420.copy())

        def end(self, completed: bool) -> None:
            return None

    count = settings("whip pan right").frame_count
    render_video(image, take, settings("whip pan right"), regions=regions, observer=Recorder())
    feed = FrameFeed(FPS, count)
    for frame in frames:
        feed.put(frame)
    feed.close()
    fed = [f for f in feed.frames()]
    filed = decode_for_metrics(take)
    assert len(fed) == len(frames) == count == filed.frames
    with av.open(str(take)) as container:
        assert [f.time for f in fed] == [float(f.time) for f in container.decode(video=0)]
    kept = [f for f in fed if f.luma is not None]
    assert len(kept) == len(filed.samples)
    for frame, sample in zip(kept, filed.samples, strict=True):
        small = cv2.resize(frame.luma, sample.shape[::-1], interpolation=cv2.INTER_AREA)
        assert np.abs(small.astype(int) - sample).mean() < 2.0


def test_a_measurement_that_fails_does_not_fail_the_render(tmp_path: Path) -> None:
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    broken = observer(take, "pan right", image=tmp_path / "no-such-image.png")

    report = render_video(image, take, settings("pan right"), regions=regions, observer=broken)

    assert report.metrics is None  # measured from the file afterwards instead
    assert take.is_file() and report.frame_count == settings("pan right").frame_count
    assert not live_threads()


def test_a_cancelled_render_abandons_its_measurement(tmp_path: Path) -> None:
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    cancel = threading.Event()
    seen = []

    def progress(report) -> None:
        seen.append(report)
        if report.frame and report.frame >= 12:
            cancel.set()

    with pytest.raises(GenerationCancelledError):
        render_video(
            image, take, settings("pan right"), regions=regions, progress=progress, cancel=cancel,
            observer=observer(take, "pan right"),
        )  # fmt: skip
    assert not take.exists() and seen
    assert not live_threads()


def test_it_travels_to_another_process_as_its_arguments_only(tmp_path: Path) -> None:
    take = tmp_path / "take.mp4"
    watching = observer(take, "tilt up")
    watching.begin(0)  # started here: its feed and thread must not travel
    copy = pickle.loads(pickle.dumps(watching))
    watching.end(False)
    assert copy._feed is None and copy._thread is None and copy._frames == 0
    image, regions, _ = cc.slide()
    report = render_video(image, take, settings("tilt up"), regions=regions, observer=copy)
    assert report.metrics is not None and report.metrics.adherence == 1.0


def test_a_file_that_does_not_hold_what_was_measured_is_refused(tmp_path: Path) -> None:
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    render_video(image, take, settings("pan right"), regions=regions)
    frames = settings("pan right").frame_count
    assert _file_disagrees(take, frames) is None
    assert "36 packets" in str(_file_disagrees(take, frames + 1))
    assert _file_disagrees(tmp_path / "missing.mp4", frames) is not None


def test_a_feed_that_breaks_mid_render_leaves_the_render_whole(tmp_path: Path, monkeypatch) -> None:
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    calls = []

    def put(self: FrameFeed, i420: np.ndarray) -> None:
        calls.append(1)
        if len(calls) == 5:
            raise MemoryError("no room for the frame")
        original(self, i420)

    original = FrameFeed.put
    monkeypatch.setattr(FrameFeed, "put", put)
    report = render_video(
        image, take, settings("pan right"), regions=regions, observer=observer(take, "pan right")
    )
    assert report.metrics is None and len(calls) == 5  # measured from the file afterwards; fed no more
    assert take.is_file() and report.frame_count == settings("pan right").frame_count
    assert not live_threads()
