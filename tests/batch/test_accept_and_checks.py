"""The ``accept-passing`` policy commits only takes that pass ``check_video``; ``check_video`` on its own."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from workbench.batch import BatchRequest, run_batch
from workbench.batch.checks import check_video
from workbench.domain.models import Resolution, TakeStatus, VideoSettings
from workbench.generation.base import BackendInfo, GenerationRequest, GenerationResult, ProgressCallback
from workbench.generation.registry import BackendRegistry

SMALL = {"duration_s": 1.0, "resolution": "320x180", "fps": 12}


def write_video(path: Path, frames: int, size: tuple[int, int] = (320, 180), fps: int = 12) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        for i in range(frames):
            picture = np.full((size[1], size[0], 3), (i * 9) % 255, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())
    return path


def settings(frames_s: float = 1.0, size: str = "320x180", fps: int = 12) -> VideoSettings:
    return VideoSettings("static shot", "local-camera", frames_s, Resolution.parse(size), fps, 0)


class ShortBackend:
    """Stands in for the local model but writes one frame too few: a take that must fail its checks."""

    info = BackendInfo(name="local-camera", label="short by one frame")

    def check(self, settings, regions=None) -> tuple[str, ...]:
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        s = request.settings
        write_video(request.output_path, s.frame_count - 1, (s.resolution.width, s.resolution.height), s.fps)
        return GenerationResult(
            request.output_path, s.frame_count, s.fps, s.resolution.width, s.resolution.height, "h264",
            request.output_path.stat().st_size,
        )  # fmt: skip


async def test_accept_passing_leaves_a_failing_take_pending_and_the_lecture_unchanged(demo_store):
    before = demo_store.lecture("lenses-101")
    request = BatchRequest(asset_ids=["seg-01"], overrides=SMALL, policy="accept-passing")
    result = await run_batch(demo_store, request, registry=BackendRegistry([ShortBackend()]), measure=False)
    row = result.results.iloc[0]
    assert row["status"] == "pending"
    assert list(row["checks"]) == ["11 frames instead of 12", "lasts 0.92 s instead of 1.00 s"]
    assert "failed its checks (11 frames instead of 12; lasts 0.92 s" in row["detail"]
    assert demo_store.lecture("lenses-101") == before
    assert demo_store.take(row["take_id"]).status is TakeStatus.PENDING


async def test_accept_all_commits_even_a_failing_take(demo_store):
    """The contrast: accept-all does not look at the checks (so the test above can fail)."""
    request = BatchRequest(asset_ids=["seg-01"], overrides=SMALL, policy="accept-all")
    result = await run_batch(demo_store, request, registry=BackendRegistry([ShortBackend()]), measure=False)
    row = result.results.iloc[0]
    assert row["status"] == "accepted" and row["checks"][0] == "11 frames instead of 12"
    assert demo_store.lecture("lenses-101").asset("seg-01").path == row["take_path"]


@pytest.mark.parametrize("decode", [True, False])
def test_check_video_passes_a_video_as_asked(tmp_path, decode):
    video = write_video(tmp_path / "ok.mp4", 12)
    assert check_video(video, settings(), decode=decode) == []


@pytest.mark.parametrize("decode", [True, False])
def test_check_video_names_the_wrong_frame_count(tmp_path, decode):
    video = write_video(tmp_path / "short.mp4", 9)
    problems = check_video(video, settings(), decode=decode)
    assert problems[0] == "9 frames instead of 12"
    assert "lasts 0.75 s instead of 1.00 s" in problems


def test_check_video_names_the_wrong_size(tmp_path):
    video = write_video(tmp_path / "wide.mp4", 12, size=(640, 360))
    assert check_video(video, settings()) == ["640x360 instead of 320x180"]


def test_check_video_refuses_what_is_not_a_video(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    (problem,) = check_video(junk, settings())
    assert problem.startswith("does not decode as a video")
    assert check_video(tmp_path / "missing.mp4", settings())[0].startswith("does not decode as a video")
