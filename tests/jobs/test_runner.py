"""Runner rules: concurrency limit, one job per segment, retries, cancel, timeout, shutdown, restart."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.jobs.conftest import SMALL, types
from workbench import (
    EventType,
    JobBusyError,
    Runner,
    TakeStatus,
    accept_take,
    open_store,
    regenerate_video_segment,
)
from workbench.domain.jobs import JobStatus
from workbench.domain.retry import RetryPolicy
from workbench.errors import TransientBackendError
from workbench.generation.base import GenerationRequest, GenerationResult, ProgressCallback
from workbench.generation.registry import BackendRegistry, default_registry
from workbench.jobs.recovery import recover_store


class FlakyBackend:
    """Stands in for a hosted model that rate-limits: fails ``failures`` times, then renders locally."""

    def __init__(self, failures: int, retry_after: float | None = 0.01) -> None:
        self.inner = default_registry().get("local-camera")
        self.info = dataclasses.replace(self.inner.info, name="flaky", label="Flaky", local=False)
        self.failures, self.retry_after, self.calls = failures, retry_after, 0

    def check(self, settings, regions=None):
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransientBackendError("The model service is busy (HTTP 429).", retry_after=self.retry_after)
        return await self.inner.generate(request, progress)


async def test_eight_jobs_over_four_segments_with_a_limit_of_two(store, lecture):
    extra = tuple(dataclasses.replace(lecture.asset("seg-1"), id=f"seg-x{i}") for i in range(2))
    store.update_lecture("lec", lambda lec: dataclasses.replace(lec, videos=lec.videos + extra))
    segments = ["seg-1", "seg-2", "seg-x0", "seg-x1"]
    runner = Runner(store, max_concurrent=2)
    seen = []
    runner.bus.subscribe(seen.append)
    running, peak = set(), 0

    def track(event):
        nonlocal peak
        if event.type is EventType.JOB_STARTED:
            running.add(event.job_id)
            peak = max(peak, len(running))
        elif event.type in (EventType.VIDEO_PREVIEW, EventType.JOB_FAILED, EventType.JOB_CANCELLED):
            running.discard(event.job_id)

    runner.bus.subscribe(track)
    first = [regenerate_video_segment(runner, "lec", seg, SMALL) for seg in segments]
    refused = 0
    for seg in segments:  # a second request for a busy segment is refused, not queued
        with pytest.raises(JobBusyError, match="already being regenerated"):
            regenerate_video_segment(runner, "lec", seg, SMALL)
        refused += 1
    second = []
    for handle in first:  # as each segment frees up, its second job goes in
        await handle.wait()
        second.append(regenerate_video_segment(runner, "lec", handle.asset_id, {**SMALL, "seed": 9}))
    records = await runner.join()
    await runner.shutdown()
    assert refused == 4 and len(records) == 8
    assert all(r.status is JobStatus.AWAITING_REVIEW for r in records)
    assert peak == 2
    for r in records:
        got = types(seen, r.id)
        assert got[0] == "job-queued" and got[1] == "job-started" and got[-1] == "video-preview"
        assert set(got[2:-1]) <= {"job-progress"}
    assert len(store.takes(status=TakeStatus.PENDING)) == 8


async def test_transient_errors_are_retried_with_backoff(store, lecture):
    flaky = FlakyBackend(failures=2)
    registry = BackendRegistry([default_registry().get("local-camera"), flaky])
    runner = Runner(store, registry, retry=RetryPolicy(max_attempts=3, base_delay_s=0.01))
    seen = []
    runner.bus.subscribe(seen.append)
    handle = regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "flaky"})
    record = await handle.wait()
    await runner.shutdown()
    assert record.status is JobStatus.AWAITING_REVIEW and record.attempts == 3
    retrying = [e for e in seen if e.type is EventType.JOB_RETRYING]
    assert len(retrying) == 2 and "busy (HTTP 429)" in retrying[0].message


async def test_retries_give_up_with_the_providers_message(store, lecture):
    registry = BackendRegistry([FlakyBackend(failures=5)])
    runner = Runner(store, registry, retry=RetryPolicy(max_attempts=2, base_delay_s=0.01))
    record = await regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "flaky"}).wait()
    await runner.shutdown()
    assert record.status is JobStatus.FAILED and record.attempts == 2
    assert "busy (HTTP 429)" in record.error


def test_retry_policy_decisions():
    from workbench.errors import StartingImageMissingError

    policy = RetryPolicy(max_attempts=3, base_delay_s=1, max_delay_s=10)
    assert policy.delay_for(StartingImageMissingError(), 1) is None
    assert policy.delay_for(TransientBackendError("x", retry_after=4), 1) == 4
    assert policy.delay_for(TransientBackendError("x", retry_after=400), 1) == 10
    assert 1 <= policy.delay_for(TransientBackendError("x"), 2) <= 2
    assert policy.delay_for(TransientBackendError("x"), 3) is None


async def test_cancel_mid_render_leaves_no_files_and_a_cancelled_event(runner, events):
    handle = regenerate_video_segment(
        runner, "lec", "seg-1", {"duration_s": 20.0, "resolution": "640x360", "fps": 24}
    )
    async for event in handle.events():
        if event.type is EventType.JOB_PROGRESS:
            break
    assert handle.cancel()
    record = await handle.wait()
    assert record.status is JobStatus.CANCELLED
    assert types(events, handle.id)[-1] == "job-cancelled"
    takes_dir = runner.store.media_dir("lec", "takes")
    assert not takes_dir.exists() or list(takes_dir.iterdir()) == []
    assert runner.store.takes().empty
    # the segment is free again
    again = regenerate_video_segment(runner, "lec", "seg-1", SMALL)
    assert (await again.wait()).status is JobStatus.AWAITING_REVIEW


async def test_timeout_fails_the_job_in_words(store, lecture):
    runner = Runner(store, timeout_s=0.05)
    record = await regenerate_video_segment(runner, "lec", "seg-1", {"duration_s": 20.0}).wait()
    await runner.shutdown()
    assert record.status is JobStatus.FAILED and "longer than 0.05 s" in record.error
    assert store.takes().empty


async def test_graceful_shutdown_cancels_pending_jobs_and_writes_nothing_half(store, lecture):
    runner = Runner(store, max_concurrent=1)
    handles = [
        regenerate_video_segment(runner, "lec", seg, {"duration_s": 10.0}) for seg in ("seg-1", "seg-2")
    ]
    await asyncio.sleep(0.3)
    await runner.shutdown()
    assert {h.status for h in handles} == {JobStatus.CANCELLED}
    takes_dir = store.media_dir("lec", "takes")
    assert not takes_dir.exists() or list(takes_dir.iterdir()) == []
    jobs = open_store(store.root).jobs()
    assert set(jobs["status"]) == {"cancelled"}
    with pytest.raises(Exception, match="shut down"):
        regenerate_video_segment(runner, "lec", "seg-1", SMALL)


async def test_a_failing_event_callback_does_not_break_the_job(runner):
    errors = []
    runner.bus.on_callback_error = lambda exc, event: errors.append((exc, event.type))
    runner.bus.subscribe(lambda e: 1 / 0)
    later = []
    runner.bus.subscribe(later.append)
    record = await regenerate_video_segment(runner, "lec", "seg-1", SMALL).wait()
    assert record.status is JobStatus.AWAITING_REVIEW
    assert errors and isinstance(errors[0][0], ZeroDivisionError)
    assert [e.type for e in later][-1] is EventType.VIDEO_PREVIEW


class ChattyBackend:
    """The local model behind a backend that reports progress in a burst first, as a chatty provider may."""

    BURST = 400

    def __init__(self) -> None:
        self.inner = default_registry().get("local-camera")
        self.info = dataclasses.replace(self.inner.info, name="chatty", label="Chatty")

    def check(self, settings, regions=None):
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        from workbench.generation.base import Progress

        for i in range(self.BURST):
            progress(Progress(i / self.BURST / 2, f"step {i}"))
        await asyncio.sleep(0)
        return await self.inner.generate(request, progress)


async def test_progress_is_throttled(store, lecture):
    """A burst of 400 reports reaches subscribers as a handful (4 per second per job) and the final 100 % always
    arrives. With throttling switched off every report gets through (404 events) and the bound fails (checked)."""
    runner = Runner(store, registry=BackendRegistry([ChattyBackend()]))
    runner.bus.progress_interval_s = 0.25
    seen = []
    runner.bus.subscribe(seen.append)
    try:
        started = asyncio.get_running_loop().time()
        handle = regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "chatty"})
        await handle.wait()
        elapsed = asyncio.get_running_loop().time() - started
    finally:
        await runner.shutdown()
    progress = [e for e in seen if e.type is EventType.JOB_PROGRESS and e.job_id == handle.id]
    burst = [e for e in progress if e.message.startswith("step ")]
    # at most one delivery per interval (plus the first and the held latest), whatever the machine's speed
    assert len(progress) <= elapsed / runner.bus.progress_interval_s + 3 < ChattyBackend.BURST / 4
    assert burst[0].message == "step 0"
    assert progress[-1].fraction == 1.0


def _generate_and_die(root: str, ready) -> None:
    async def main():
        runner = Runner(open_store(root))
        handle = regenerate_video_segment(runner, "lec", "seg-1", {"duration_s": 30.0})
        async for event in handle.events():
            if event.type is EventType.JOB_PROGRESS:
                break
        ready.set()
        await handle.wait()

    asyncio.run(main())


async def test_a_job_found_running_after_a_crash_is_marked_interrupted(store, lecture):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_generate_and_die, args=(str(store.root), ready))
    child.start()
    assert ready.wait(60)
    await asyncio.sleep(0.2)
    other = Runner(open_store(store.root))
    with pytest.raises(JobBusyError, match="another session"):  # the child is alive: its job is respected
        regenerate_video_segment(other, "lec", "seg-1", SMALL)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    report = recover_store(open_store(store.root))
    assert len(report.interrupted) == 1
    job = open_store(store.root).job(report.interrupted[0])
    assert job.status is JobStatus.INTERRUPTED and "Regenerate to try again" in job.error
    handle = regenerate_video_segment(other, "lec", "seg-1", SMALL)  # the segment is free again
    assert (await handle.wait()).status is JobStatus.AWAITING_REVIEW
    await other.shutdown()


def test_restart_accepts_a_pending_take_from_a_new_process(store, lecture):
    async def preview() -> str:
        runner = Runner(store)
        handle = regenerate_video_segment(runner, "lec", "seg-1", SMALL)
        await handle.wait()
        await runner.shutdown()
        return handle.take_id

    take_id = asyncio.run(preview())  # the runner and its loop are gone after this
    script = textwrap.dedent(
        f"""
        import asyncio
        from workbench import Runner, LectureSession, open_store

        async def main():
            runner = Runner(open_store({str(store.root)!r}))
            session = LectureSession(runner, "lec")
            pending = session.pending_previews()
            assert [t.id for t in pending] == [{take_id!r}], pending
            await session.accept(pending[0].id)
            print(session.committed.asset("seg-1").path)
            await runner.shutdown()

        asyncio.run(main())
        """
    )
    env = {**os.environ, "WORKBENCH_USER": "ada"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    fresh = open_store(store.root)
    assert fresh.lecture("lec").asset("seg-1").path == out.stdout.strip() == fresh.take(take_id).path
    assert fresh.take(take_id).status is TakeStatus.ACCEPTED


async def test_crash_between_commit_and_take_update_is_completed_on_reopen(runner, monkeypatch):
    handle = regenerate_video_segment(runner, "lec", "seg-1", SMALL)
    await handle.wait()
    from workbench.store.lecture_store import LectureStore

    def crash(self, take, **kwargs):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(LectureStore, "update_take", crash)
    with pytest.raises(KeyboardInterrupt):
        await accept_take(runner, handle.take_id)
    monkeypatch.undo()
    store = open_store(runner.store.root)
    assert store.lecture("lec").asset("seg-1").path == store.take(handle.take_id).path
    assert store.take(handle.take_id).status is TakeStatus.PENDING
    report = recover_store(store)
    assert report.completed_accepts == (handle.take_id,)
    assert store.take(handle.take_id).status is TakeStatus.ACCEPTED


class DeviceBackend:
    """Stands in for an open model on one GPU (``runs_on``): records how many of its jobs overlap."""

    def __init__(self, name: str, device: str = "diffusers:cuda:0", timeout_s: float | None = None) -> None:
        self.inner = default_registry().get("local-camera")
        self.info = dataclasses.replace(
            self.inner.info, name=name, label=name, runs_on=device, timeout_s=timeout_s
        )
        self.running = self.peak = 0
        self.gate = asyncio.Event()

    def check(self, settings, regions=None):
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self.gate.wait()
            return await self.inner.generate(request, progress)
        finally:
            self.running -= 1


async def test_jobs_for_one_device_take_turns_without_holding_the_other_slots(store, lecture):
    extra = (dataclasses.replace(lecture.asset("seg-1"), id="seg-x0"),)
    store.update_lecture("lec", lambda lec: dataclasses.replace(lec, videos=lec.videos + extra))
    gpu = DeviceBackend("gpu-model")
    registry = BackendRegistry([default_registry().get("local-camera"), gpu])
    runner = Runner(store, registry, max_concurrent=2)
    on_gpu = [
        regenerate_video_segment(runner, "lec", seg, {**SMALL, "model": "gpu-model"})
        for seg in ("seg-1", "seg-2")
    ]
    for _ in range(200):  # the first starts once the runner's recovery is done (slower on a loaded machine)
        if gpu.running:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # time for the second to start, were it wrongly allowed to
    assert gpu.running == 1  # the second waits for the device, not for a slot
    local = await regenerate_video_segment(runner, "lec", "seg-x0", SMALL).wait()  # the other slot is free
    assert local.status is JobStatus.AWAITING_REVIEW
    gpu.gate.set()
    records = [await handle.wait() for handle in on_gpu]
    await runner.shutdown()
    assert [r.status for r in records] == [JobStatus.AWAITING_REVIEW] * 2 and gpu.peak == 1


async def test_a_model_s_own_time_limit_replaces_the_runner_s(store, lecture):
    slow = DeviceBackend("slow-gpu", timeout_s=0.3)
    runner = Runner(store, BackendRegistry([slow]), timeout_s=60)
    record = await regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "slow-gpu"}).wait()
    await runner.shutdown()
    assert record.status is JobStatus.FAILED and "longer than 0.3 s" in record.error
