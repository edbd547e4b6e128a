"""LocalCameraBackend: the VideoBackend contract (async, progress on the loop, cancellation, clean failures)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from local_video_checks import files_in, make_settings, probe

from workbench.domain.defaults import DEFAULT_VIDEO_MODEL
from workbench.errors import InvalidSettingError, StartingImageMissingError
from workbench.generation.base import GenerationRequest, Progress, VideoBackend
from workbench.generation.local import LocalCameraBackend
from workbench.generation.registry import default_registry


@pytest.fixture
def backend() -> Iterator[LocalCameraBackend]:
    backend = LocalCameraBackend()
    yield backend
    backend.shutdown()


def request(image: Path, out: Path, directions: str = "slow push in", **kwargs: object) -> GenerationRequest:
    settings = make_settings(
        directions,
        duration_s=kwargs.pop("duration_s", 1.0),  # type: ignore[arg-type]
        size=kwargs.pop("size", (320, 180)),  # type: ignore[arg-type]
    )
    return GenerationRequest(image_path=image, settings=settings, output_path=out, **kwargs)  # type: ignore[arg-type]


def test_is_the_default_model() -> None:
    backend = default_registry().get(DEFAULT_VIDEO_MODEL)
    assert isinstance(backend, LocalCameraBackend)
    assert isinstance(backend, VideoBackend)
    assert backend.info.name == DEFAULT_VIDEO_MODEL == "local-camera"
    assert backend.info.label == "Camera moves on the starting image (local, no GPU)"
    assert backend.info.local


def test_check_reports_words_it_will_ignore(backend: LocalCameraBackend) -> None:
    assert backend.check(make_settings("slow push in on the diagram")) == ()
    warnings = backend.check(make_settings("slow push in with lens flare"))
    assert any("lens flare" in w or "flare" in w for w in warnings)
    assert any(
        "chart" in w
        for w in backend.check(make_settings("zoom in on the chart"), regions={"title": (0, 0, 1, 0.2)})
    )
    # Settings are validated once, by the action (and again by generate for an unchecked request, below):
    # check only reads the directions, so an editor can show warnings for an unfinished form.
    assert isinstance(backend.check(make_settings(size=(321, 180))), tuple)


async def test_generate_produces_the_video_and_reports_progress_on_the_loop(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    loop_thread = threading.get_ident()
    reports: list[tuple[Progress, int]] = []
    req = request(
        slide_png(),
        out_dir / "take.mp4",
        "push in on the diagram and sparkle",
        regions={"diagram": (0.5, 0.2, 0.4, 0.7)},
    )

    result = await backend.generate(req, lambda p: reports.append((p, threading.get_ident())))

    assert result.path == out_dir / "take.mp4"
    assert (result.frame_count, result.fps, result.width, result.height, result.codec) == (
        24,
        24.0,
        320,
        180,
        "h264",
    )
    assert result.size_bytes == result.path.stat().st_size > 0
    assert {"load_s", "render_s", "total_s"} <= set(result.timings)
    assert any("sparkle" in w for w in result.warnings)
    assert probe(result.path).frames == 24
    assert files_in(out_dir) == ["take.mp4"]

    await asyncio.sleep(0)  # let the last call_soon_threadsafe callbacks run
    assert reports and {thread for _, thread in reports} == {loop_thread}
    fractions = [p.fraction for p, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(p.frame and p.total_frames == 24 for p, _ in reports)


async def test_cancelling_stops_the_render_and_removes_partial_output(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    req = request(slide_png(), out_dir / "take.mp4", duration_s=20.0, size=(640, 360))
    cancelled_at: list[float] = []

    def progress(report: Progress) -> None:
        if report.frame and not cancelled_at:
            cancelled_at.append(time.perf_counter())
            task.cancel()

    task = asyncio.create_task(backend.generate(req, progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled_at, "no progress was reported before the render finished"
    assert time.perf_counter() - cancelled_at[0] < 5.0  # stopped within frames, not after 480 of them
    assert files_in(out_dir) == []
    assert not [t for t in threading.enumerate() if t.name == "local-camera-frames"]


async def test_missing_image_fails_cleanly(
    backend: LocalCameraBackend, tmp_path: Path, out_dir: Path
) -> None:
    with pytest.raises(StartingImageMissingError) as caught:
        await backend.generate(request(tmp_path / "gone.png", out_dir / "take.mp4"), lambda p: None)
    assert str(caught.value).startswith("Regenerate the starting image first.")
    assert files_in(out_dir) == []


async def test_invalid_settings_are_refused_before_any_work(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    with pytest.raises(InvalidSettingError):
        await backend.generate(request(slide_png(), out_dir / "a.mp4", "   "), lambda p: None)
    with pytest.raises(InvalidSettingError):
        await backend.generate(request(slide_png(), out_dir / "b.mp4", quality="best"), lambda p: None)
    assert files_in(out_dir) == []


async def test_the_event_loop_stays_free_while_rendering(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await backend.generate(
        request(slide_png(), out_dir / "take.mp4", duration_s=4.0, size=(640, 360)), lambda p: None
    )
    elapsed = time.perf_counter() - started
    ticking.cancel()
    during = [t for t in ticks if t >= started]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert len(during) >= elapsed / 0.01 * 0.2  # loose: the loop kept running, not a speed test
    assert max(gaps) < 0.5


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="counting")
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def test_runs_in_the_requested_executor(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    with CountingExecutor() as executor:
        result = await backend.generate(
            request(slide_png(), out_dir / "take.mp4", executor=executor), lambda p: None
        )
    assert executor.submitted == 1
    assert result.frame_count == 24


async def test_runs_in_a_process_pool_without_progress(
    backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    reports: list[Progress] = []
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as executor:
        result = await backend.generate(
            request(slide_png(), out_dir / "take.mp4", executor=executor), reports.append
        )
    assert probe(result.path).frames == 24
    assert reports == []


async def test_quality_comes_from_the_request_else_the_backend(
    slide_png: Callable[..., Path], out_dir: Path
) -> None:
    """x264 writes its settings into the stream: the CRF in it shows which quality was used."""
    draft = LocalCameraBackend(quality="draft")
    try:
        made_draft = await draft.generate(request(slide_png(), out_dir / "d.mp4"), lambda p: None)
        made_high = await draft.generate(
            request(slide_png(), out_dir / "h.mp4", quality="high"), lambda p: None
        )
    finally:
        draft.shutdown()
    assert b"crf=28.0" in made_draft.path.read_bytes()
    assert b"crf=18.0" in made_high.path.read_bytes()
    with pytest.raises(InvalidSettingError):
        LocalCameraBackend(quality="best")
