"""The local model in worker processes (``WorkerProcessPool``, a batch's default): the same takes as on threads,
progress on the loop, a cancel that stops the render mid-way and removes its partial file, Ctrl-C ignored."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from local_video_checks import files_in, make_settings, probe

from workbench.generation.base import GenerationRequest, Progress, WorkerLinks
from workbench.generation.local import LocalCameraBackend
from workbench.jobs.worker_pool import WorkerProcessPool


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerProcessPool]:
    pool = WorkerProcessPool(2)
    pool.start_workers()
    yield pool
    pool.shutdown()


@pytest.fixture
def backend() -> Iterator[LocalCameraBackend]:
    backend = LocalCameraBackend()
    yield backend
    backend.shutdown()


def request(image: Path, out: Path, pool: WorkerProcessPool, *, seconds: float = 1.0, size=(320, 180)):
    settings = make_settings("slow push in then pan left", duration_s=seconds, size=size)
    return GenerationRequest(image_path=image, settings=settings, output_path=out, executor=pool)


async def test_a_render_in_a_worker_reports_progress_on_the_loop_and_makes_the_same_take(
    pool: WorkerProcessPool, backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    assert isinstance(pool, WorkerLinks)
    loop_thread = threading.get_ident()
    reports: list[tuple[Progress, int]] = []
    image = slide_png()
    in_worker = await backend.generate(
        request(image, out_dir / "worker.mp4", pool), lambda p: reports.append((p, threading.get_ident()))
    )
    on_thread = await backend.generate(
        GenerationRequest(image, make_settings("slow push in then pan left", duration_s=1.0, size=(320, 180)),
                          out_dir / "thread.mp4"),
        lambda p: None,
    )  # fmt: skip
    assert in_worker.path.read_bytes() == on_thread.path.read_bytes()
    assert probe(in_worker.path).frames == 24
    await asyncio.sleep(0.2)  # reports still travelling through the relay
    assert reports and {thread for _, thread in reports} == {loop_thread}
    assert any(p.frame and p.total_frames == 24 for p, _ in reports)
    assert [p.fraction for p, _ in reports] == sorted(p.fraction for p, _ in reports)


async def test_cancelling_stops_the_render_in_its_worker_and_removes_the_partial_file(
    pool: WorkerProcessPool, backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    req = request(slide_png(), out_dir / "take.mp4", pool, seconds=20.0, size=(640, 360))
    frames: list[int] = []

    def progress(report: Progress) -> None:
        if report.frame:
            frames.append(report.frame)
            if len(frames) == 1:
                task.cancel()

    task = asyncio.create_task(backend.generate(req, progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)
    assert frames, "no progress came back from the worker"
    assert max(frames) < 240, f"the render went on to frame {max(frames)} of 480 after the cancel"
    assert files_in(out_dir) == []  # generate waited for the worker to remove its partial file

    # the pool and the cancelled render's slot serve the next render, which is not cancelled by the old flag
    again = await backend.generate(request(slide_png(), out_dir / "next.mp4", pool), lambda p: None)
    assert probe(again.path).frames == 24


async def test_workers_ignore_ctrl_c_which_the_batch_handles(
    pool: WorkerProcessPool, backend: LocalCameraBackend, slide_png: Callable[..., Path], out_dir: Path
) -> None:
    """A terminal's Ctrl-C reaches every process of the group: the workers must not die of it."""
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGINT)
    await asyncio.sleep(0.2)
    result = await backend.generate(request(slide_png(), out_dir / "take.mp4", pool), lambda p: None)
    assert probe(result.path).frames == 24


def test_a_script_without_a_main_guard_can_open_a_pool_and_is_not_rerun_by_its_workers(
    tmp_path: Path,
) -> None:
    script = tmp_path / "quick.py"
    script.write_text(
        "from workbench.jobs.worker_pool import WorkerProcessPool\n"
        "print('script ran', flush=True)\n"
        "pool = WorkerProcessPool(2)\n"
        "pool.start_workers()\n"
        "print(sum(pool.map(abs, range(-4, 4))))\n"
        "pool.shutdown()\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["script ran", "16"]
    assert "Traceback" not in run.stderr


def test_links_free_their_slot_only_when_closed_and_tokens_never_repeat() -> None:
    pool = WorkerProcessPool(1)
    try:
        first = pool.link(lambda p: None)
        first.request_cancel()
        assert pool._flags[first.cancel.slot] == first.cancel.token
        first.close()
        assert pool._flags[first.cancel.slot] == 0
        second = pool.link(lambda p: None)
        assert second.cancel.slot == first.cancel.slot and second.cancel.token != first.cancel.token
        first.request_cancel()  # a late cancel of finished work touches nothing
        assert pool._flags[second.cancel.slot] == 0
        second.close()
    finally:
        pool.shutdown()
