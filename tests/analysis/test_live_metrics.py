"""Measuring a take while the local model renders it: the same numbers as measuring the finished file, and a
measurement that fails or is abandoned never fails or outlives the render."""

from __future__ import annotations

import dataclasses
import pickle
import threading
from pathlib import Path

import av
import pytest

from tests.generation.local import corpus_cases as cc
from workbench.analysis.live_metrics import LiveMeasurement, _file_disagrees
from workbench.analysis.take_metrics import PacketFeed, decode_for_metrics, forget_references, measure_take
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


def test_measured_while_rendering_equals_measuring_the_file(tmp_path: Path) -> None:
    image, regions, _ = cc.slide()
    committed = tmp_path / "committed.mp4"
    render_video(image, committed, settings("slow push-in on the title"), regions=regions)
    take = tmp_path / "take.mp4"
    directions = "pan left, then zoom in on the diagram"
    watching = observer(take, directions, committed)

    report = render_video(image, take, settings(directions), regions=regions, observer=watching)

    assert report.metrics is not None and "measure_tail_s" in report.timings
    forget_references()  # the file's measurement decodes the committed video itself
    from_file = measure_take(
        take, starting_image=image, directions=directions, regions=regions, committed=committed
    )
    live, filed = dataclasses.asdict(report.metrics), dataclasses.asdict(from_file)
    live.pop("metrics_s"), filed.pop("metrics_s")
    assert live == filed
    assert report.metrics.adherence == 1.0 and report.metrics.similarity_ssim is not None
    assert report.metrics.decoded_frames == settings(directions).frame_count
    assert not live_threads()


def test_the_packets_decode_to_the_frames_of_the_file(tmp_path: Path) -> None:
    """The feed is the file's bytes: every frame the same, at the same times."""
    image, regions, _ = cc.slide()
    take = tmp_path / "take.mp4"
    packets: list[tuple[bytes, int | None, int | None]] = []
    extradata: list[bytes | None] = []

    class Recorder:
        def begin(self, data: bytes | None, nice: int) -> None:
            extradata.append(data)

        def packet(self, data: bytes, pts: int | None, dts: int | None) -> None:
            packets.append((data, pts, dts))

        def end(self, completed: bool) -> None:
            return None

    render_video(image, take, settings("whip pan right"), regions=regions, observer=Recorder())
    feed = PacketFeed(FPS, settings("whip pan right").frame_count, extradata[0])
    for p in packets:
        feed.put(*p)
    feed.close()
    fed = [(f.time, f.to_ndarray(format="gray")) for f in feed.frames()]
    with av.open(str(take)) as container:
        filed = [(f.time, f.to_ndarray(format="gray")) for f in container.decode(video=0)]
    assert len(fed) == len(filed) == settings("whip pan right").frame_count
    assert [a[0] for a in fed] == [b[0] for b in filed]
    assert all((a[1] == b[1]).all() for a, b in zip(fed, filed, strict=True))
    # the samples a measurement keeps are the same too
    assert decode_for_metrics(take).times == [t for t, _ in filed][:: decode_for_metrics(take).stride]


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
    watching.begin(None, 0)  # started here: its feed and thread must not travel
    copy = pickle.loads(pickle.dumps(watching))
    watching.end(False)
    assert copy._feed is None and copy._thread is None and copy._packets == 0
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
