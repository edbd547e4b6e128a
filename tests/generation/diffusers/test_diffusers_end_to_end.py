"""End to end with tiny real pipelines (random weights, CPU), loaded from their folders exactly as real weights
are: the real worker process, runner, store and session — regenerate, preview, accept; progress for every
denoising step; cancel in the middle of denoising; one job at a time per loaded pipeline; repeatable output.

Random weights make noise, so these tests prove the wiring (frame counts, sizes, MP4s decoded back, events,
cancel, repeatability), not picture content.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys

import numpy as np
import pytest

from tests.generation.diffusers.conftest import decoded, entry, settings, spec_for
from workbench import EventType, LectureSession, Runner, TakeStatus, open_store, regenerate_video_segment
from workbench.domain.jobs import JobStatus
from workbench.errors import BackendError, ModelConfigError, ModelFolderError
from workbench.generation.base import GenerationRequest
from workbench.generation.diffusers import DiffusersBackend, PipelineWorker, WorkerPool
from workbench.generation.diffusers.protocol import GenerateJob, Ticket
from workbench.jobs.actions import preflight

SMALL = {"resolution": "64x64", "duration_s": 0.75, "fps": 12}


def point_store_at(store, tiny_models, *names: str, **changes) -> None:
    entries = [entry(name, tiny_models[name], **changes) for name in names]
    (store.root / "models.json").write_text(json.dumps({"version": 1, "models": entries}))


def steps_said(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith("Denoising step")]


@pytest.mark.parametrize("model", ["wan-ti2v", "wan-a14b", "wan-21", "ltx"])
async def test_each_family_makes_an_exact_take_and_says_every_step(backend_for, image_path, tmp_path, model):
    backend: DiffusersBackend = backend_for(model, steps=3)
    said = []
    result = await backend.generate(
        GenerationRequest(image_path, settings(model), tmp_path / "take.mp4", job_id="job-1"),
        lambda p: said.append(p),
    )
    frames, fps = decoded(result.path)
    assert (len(frames), frames[0].shape, fps) == (9, (64, 64, 3), 12.0)
    assert (result.frame_count, result.width, result.height, result.codec) == (9, 64, 64, "h264")
    assert steps_said([p.message for p in said]) == [
        "Denoising step 1/3",
        "Denoising step 2/3",
        "Denoising step 3/3",
    ]
    fractions = [p.fraction for p in said]
    assert fractions == sorted(fractions) and fractions[-1] < 1.0
    assert {"load_s", "step_s", "decode_s", "write_s"} <= set(result.timings)
    assert not list(tmp_path.glob(".*.part"))  # the hidden partial file was renamed into place
    assert "torch" not in sys.modules  # the kernel side never imports torch: the worker does


async def test_regenerate_preview_accept_through_the_runner_and_session(store, lecture, tiny_models, pool):
    point_store_at(store, tiny_models, "wan-ti2v", steps=3)
    async with Runner(store) as runner:
        backend = runner.registry.get("wan-ti2v")
        assert isinstance(backend, DiffusersBackend)
        runner.bus.progress_interval_s = 0  # every progress event delivered, not the latest of each 0.25 s
        events = []
        runner.bus.subscribe(events.append)
        session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
        session.edit(
            "seg-1", movie_directions="slow push in on the diagram", model="wan-ti2v", seed=5, **SMALL
        )
        handle = session.regenerate("seg-1")
        record = await handle.wait()
        assert record.status is JobStatus.AWAITING_REVIEW, record.error
        mine = [e for e in events if e.job_id == handle.id]
        preview = [e for e in mine if e.type is EventType.VIDEO_PREVIEW][-1]
        take = runner.store.take(preview.payload["take_id"])
        assert (take.backend, take.provider) == ("wan-ti2v", "diffusers")
        frames, fps = decoded(runner.store.media_path(take.path))
        assert (len(frames), frames[0].shape[:2], fps) == (9, (64, 64), 12.0)
        progress = [e.message for e in mine if e.type is EventType.JOB_PROGRESS]
        assert steps_said(progress) == ["Denoising step 1/3", "Denoising step 2/3", "Denoising step 3/3"]
        assert session.committed_url("seg-1") is None  # the main viewer never shows the preview

        lecture_after = await session.accept(take.id)
        asset = lecture_after.asset("seg-1")
        assert (asset.path, asset.model, asset.movie_directions) == (
            take.path,
            "wan-ti2v",
            "slow push in on the diagram",
        )
        assert [e.type for e in events if e.job_id == handle.id][-1] is EventType.VIDEO_COMPLETE
    assert open_store(store.root).take(take.id).status is TakeStatus.ACCEPTED


@pytest.fixture
def tickets(monkeypatch) -> list[Ticket]:
    """The kernel's end of every job sent to a worker: how the worker ended each job."""
    sent: list[Ticket] = []
    run = PipelineWorker.run

    def recording_run(worker: PipelineWorker, job: GenerateJob) -> tuple[Ticket, int]:
        ticket, ahead = run(worker, job)
        sent.append(ticket)
        return ticket, ahead

    monkeypatch.setattr(PipelineWorker, "run", recording_run)
    return sent


async def test_cancel_mid_denoising_keeps_nothing_and_the_pipeline_stays_loaded(
    backend_for, image_path, tmp_path, tickets
):
    backend: DiffusersBackend = backend_for("wan-ti2v", steps=150)  # long enough to be cancelled mid-way
    output = tmp_path / "take.mp4"
    steps: list[str] = []
    started = asyncio.Event()

    def progress(p) -> None:
        if p.message.startswith("Denoising step"):
            steps.append(p.message)
            started.set()

    task = asyncio.create_task(
        backend.generate(GenerationRequest(image_path, settings("wan-ti2v"), output), progress)
    )
    await asyncio.wait_for(started.wait(), timeout=300)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(steps) < 150 and "Denoising step 150/150" not in steps
    assert not output.exists() and not list(tmp_path.glob(".*.part"))  # no take, no partial file
    assert tickets[0].final == ("cancelled", tickets[0].job_id)  # the worker stopped between steps
    worker = backend.pool.existing(backend.spec.load_key)
    assert worker is not None and worker.alive and not worker.busy
    pid = worker.pid

    quick = backend_for("wan-ti2v", name="wan-quick", steps=2)  # same folder: the same loaded pipeline
    result = await quick.generate(
        GenerationRequest(image_path, settings("wan-quick"), tmp_path / "next.mp4"), print
    )
    assert result.frame_count == 9 and backend.pool.existing(quick.spec.load_key).pid == pid


async def test_a_cancel_through_the_runner_ends_the_job_cancelled(store, lecture, tiny_models, pool, tickets):
    point_store_at(store, tiny_models, "wan-ti2v", steps=150)
    async with Runner(store) as runner:
        events = []
        runner.bus.subscribe(events.append)
        session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
        session.edit("seg-1", model="wan-ti2v", **SMALL)
        handle = session.regenerate("seg-1")
        while not any("Denoising step" in e.message for e in events if e.job_id == handle.id):
            assert handle.record.status not in {JobStatus.FAILED, JobStatus.AWAITING_REVIEW}
            await asyncio.sleep(0.05)
        assert session.cancel("seg-1")
        record = await handle.wait()
    assert record.status is JobStatus.CANCELLED
    assert tickets[0].final == ("cancelled", tickets[0].job_id)
    assert not any(e.type is EventType.VIDEO_PREVIEW for e in events if e.job_id == handle.id)
    assert open_store(store.root).lecture("lec").asset("seg-1").model != "wan-ti2v"  # nothing committed


async def test_two_jobs_on_one_loaded_pipeline_run_one_after_the_other(store, lecture, tiny_models, pool):
    point_store_at(store, tiny_models, "ltx", steps=4)
    async with Runner(store, max_concurrent=4) as runner:
        runner.bus.progress_interval_s = 0
        messages: list[tuple[str, str]] = []
        runner.bus.subscribe(lambda e: messages.append((e.job_id, e.message)))
        session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
        for asset in ("seg-1", "seg-2"):
            session.edit(asset, model="ltx", **SMALL)
        first, second = session.regenerate("seg-1"), session.regenerate("seg-2")
        records = await asyncio.gather(first.wait(), second.wait())
    assert [r.status for r in records] == [JobStatus.AWAITING_REVIEW, JobStatus.AWAITING_REVIEW]
    order = [job for job, message in messages if message.startswith(("Encoding", "Decoding"))]
    assert order in ([first.id, first.id, second.id, second.id], [second.id, second.id, first.id, first.id])


async def test_a_fixed_seed_repeats_the_take_and_another_seed_changes_it(backend_for, image_path, tmp_path):
    backend: DiffusersBackend = backend_for("ltx")

    async def frames_for(seed: int, name: str) -> np.ndarray:
        request = GenerationRequest(image_path, settings("ltx", seed=seed), tmp_path / name)
        result = await backend.generate(request, lambda _: None)
        return np.stack(decoded(result.path)[0])

    first, again, other = (
        await frames_for(11, "a.mp4"),
        await frames_for(11, "b.mp4"),
        await frames_for(12, "c.mp4"),
    )
    assert np.array_equal(first, again)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
    assert not np.array_equal(first, other)


async def test_an_unusable_folder_fails_before_any_worker_starts(copy_of, pool, image_path, tmp_path):
    folder = copy_of("ltx")
    (folder / "vae" / "config.json").unlink()
    backend = DiffusersBackend(spec_for("broken", folder), pool=pool)
    with pytest.raises(ModelFolderError, match=r"vae/config\.json"):
        backend.check(settings("broken"))
    with pytest.raises(ModelFolderError, match=r"vae/config\.json"):
        await backend.generate(GenerationRequest(image_path, settings("broken"), tmp_path / "x.mp4"), print)
    assert backend.pool.existing(backend.spec.load_key) is None
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(
    ("model", "made"), [("wan-ti2v", "makes 13 and the last 1 is dropped"), ("ltx", "makes 17")]
)
async def test_frames_and_sides_the_model_cannot_make_are_said_first_then_trimmed_and_cropped_exactly(
    store, lecture, tiny_models, pool, model, made
):
    point_store_at(store, tiny_models, model)
    asked = {"model": model, "resolution": "96x80", "duration_s": 1.0, "fps": 12}  # 12 frames, 80 px high
    async with Runner(store) as runner:
        spec = preflight(runner, "lec", "seg-1", asked)  # what the editor and the batch dry run show
        assert any(made in w and "for exactly 12 frames" in w for w in spec.warnings), spec.warnings
        assert any("it makes 96x96, centre-cropped to 96x80" in w for w in spec.warnings), spec.warnings
        record = await regenerate_video_segment(runner, "lec", "seg-1", asked).wait()
        assert record.status is JobStatus.AWAITING_REVIEW, record.error
        take = runner.store.take(record.take_id)
        frames, fps = decoded(runner.store.media_path(take.path))
    assert (len(frames), frames[0].shape[:2], fps) == (12, (80, 96), 12.0)


async def test_the_negative_prompt_reaches_the_pipeline_and_a_bad_extra_is_refused_in_words(
    backend_for, image_path, tmp_path
):
    async def frames_for(backend: DiffusersBackend, name: str) -> np.ndarray:
        request = GenerationRequest(image_path, settings(backend.spec.name), tmp_path / name)
        return np.stack(decoded((await backend.generate(request, lambda _: None)).path)[0])

    plain = await frames_for(backend_for("wan-ti2v", guidance=5.0), "plain.mp4")
    negative = await frames_for(
        backend_for("wan-ti2v", guidance=5.0, negative_prompt="blurry text"), "neg.mp4"
    )
    assert not np.array_equal(plain, negative)  # same seed: only the negative prompt differs
    for extra, words in (({"strength": 0.5}, "which WanImageToVideoPipeline does not take"),
                         ({"num_frames": 5}, "which the workbench sets from the take's settings")):  # fmt: skip
        with pytest.raises(ModelConfigError, match=words):
            await frames_for(backend_for("wan-ti2v", name="wan-extra", extra=extra), "extra.mp4")


async def test_a_model_that_moves_at_16_fps_is_retimed_to_the_segment_s_rate(
    backend_for, image_path, tmp_path
):
    backend: DiffusersBackend = backend_for("wan-a14b", name="wan-16fps", model_fps=16)
    asked = settings(
        "wan-16fps", duration_s=1.0, fps=24
    )  # 24 frames at 24 fps, from 16 model frames a second
    notes = backend.check(asked)
    assert any("moves at 16 fps: it makes 17 frames for 1 s, retimed to 24 fps" in n for n in notes), notes
    result = await backend.generate(
        GenerationRequest(image_path, asked, tmp_path / "take.mp4"), lambda _: None
    )
    frames, fps = decoded(result.path)
    assert (len(frames), fps, result.frame_count) == (24, 24.0, 24)
    diffs = [float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in itertools.pairwise(frames)]
    repeats = sum(d < 0.5 for d in diffs)  # a model frame shown twice (H.264 may move a few pixels a level)
    assert repeats == 8, sorted(diffs)  # 16 model frames shown over 24: every third one shows twice


GUARD = """
import os, socket
_log = os.environ["WORKBENCH_TEST_NETWORK_LOG"]
def _refuse(what):
    def refused(*args, **kwargs):
        with open(_log, "a") as handle:
            handle.write(f"{what} {args[1:] or args}\\n")
        raise OSError(f"network refused by the test: {what}")
    return refused
_connect = socket.socket.connect
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        return _refuse("connect")(self, address)
    return _connect(self, address)
socket.socket.connect = connect
socket.socket.connect_ex = lambda self, address: connect(self, address)
socket.getaddrinfo = _refuse("getaddrinfo")
"""


async def test_the_worker_never_reaches_the_network_even_without_hf_hub_offline_set(
    tiny_models, image_path, tmp_path, monkeypatch
):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "network.log"
    monkeypatch.setenv("WORKBENCH_TEST_NETWORK_LOG", str(log))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.delenv("HF_HUB_OFFLINE")  # the worker must go offline by itself
    fresh = WorkerPool()  # a new worker process, started with the guard in place
    try:
        backend = DiffusersBackend(spec_for("ltx", tiny_models["ltx"]), pool=fresh)
        request = GenerationRequest(image_path, settings("ltx"), tmp_path / "take.mp4")
        result = await backend.generate(request, lambda _: None)
        assert fresh.existing(backend.spec.load_key).pid is not None
    finally:
        fresh.stop_all()
    assert result.frame_count == 9
    assert not log.exists(), log.read_text()  # no connection and no DNS look-up was even tried


async def test_a_worker_killed_mid_job_fails_the_job_in_words_and_the_next_job_starts_a_new_one(
    tiny_models, image_path, tmp_path
):
    fresh = WorkerPool()
    try:
        backend = DiffusersBackend(spec_for("ltx", tiny_models["ltx"], steps=150), pool=fresh)
        killed = asyncio.Event()

        def progress(p) -> None:
            if p.message.startswith("Denoising step") and not killed.is_set():
                killed.set()
                os.kill(fresh.existing(backend.spec.load_key).pid, signal.SIGKILL)  # as the OOM killer would

        output = tmp_path / "take.mp4"
        with pytest.raises(
            BackendError, match=r"stopped in the middle of the job, exit code -9 \(killed: often"
        ):
            await backend.generate(GenerationRequest(image_path, settings("ltx"), output), progress)
        assert not output.exists() and not list(tmp_path.glob(".*.part"))
        worker = fresh.existing(backend.spec.load_key)
        result = await backend.generate(
            GenerationRequest(image_path, settings("ltx"), tmp_path / "again.mp4"), lambda _: None
        )
        assert result.frame_count == 9 and worker.starts == 2  # a new worker loaded the model again
    finally:
        fresh.stop_all()
