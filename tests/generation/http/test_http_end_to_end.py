"""End to end on loopback: a store whose models.json points at ``workbench serve`` (the real Cog-compatible
server wrapping the real local model), driven through the real runner, store and session — regenerate,
preview, accept; the batch report; cancel reaching the server; a restarted kernel re-attaching."""

from __future__ import annotations

import asyncio
import json
import time

import av
import httpx
import pytest

from tests.serve.test_server import IMAGE
from workbench import EventType, LectureSession, Runner, TakeStatus, open_store, regenerate_video_segment
from workbench.batch import BatchRequest, run_batch
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.http import idempotency_key
from workbench.generation.registry import default_registry
from workbench.jobs.workflows.regenerate_video import KIND
from workbench.serve import ServerThread

BOX = {"model": "gpu-box", "resolution": "160x90", "duration_s": 1.0, "fps": 12}


@pytest.fixture
def gpu_box():
    with ServerThread(default_registry().get("local-camera"), concurrency=2) as server:
        yield server


def point_store_at(store, server) -> None:
    entry = {
        "name": "gpu-box",
        "label": "GPU box",
        "provider": "cog",
        "base_url": server.url,
        "price": {"per_video_second": 0.01},
    }
    (store.root / "models.json").write_text(json.dumps({"version": 1, "models": [entry]}))


async def test_regenerate_preview_accept_through_workbench_serve(store, lecture, gpu_box):
    point_store_at(store, gpu_box)
    async with Runner(store) as runner:  # the store's models.json puts gpu-box in the registry
        assert "gpu-box" in runner.registry
        events = []
        runner.bus.subscribe(events.append)
        session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
        session.edit("seg-1", movie_directions="pan left then zoom in on the diagram", **BOX)
        handle = session.regenerate("seg-1")
        record = await handle.wait()
        assert record.status is JobStatus.AWAITING_REVIEW
        preview = [e for e in events if e.job_id == handle.id and e.type is EventType.VIDEO_PREVIEW][-1]
        take = runner.store.take(preview.payload["take_id"])
        assert (take.backend, take.provider, take.cost) == ("gpu-box", "cog", 0.01)
        assert take.provider_job_id == idempotency_key(handle.id) == record.provider_job_id
        assert {"submit_s", "predict_s", "download_s", "check_s", "wall_s"} <= set(take.timings)
        with av.open(str(runner.store.media_path(take.path))) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 160, 90)
            assert sum(1 for _ in container.decode(stream)) == 12
        served = gpu_box.server.service.predictions[take.provider_job_id]
        assert (
            served.status == "succeeded"
            and "100%" in served.logs
            and len(gpu_box.server.service.predictions) == 1
        )
        assert any(e.type is EventType.JOB_PROGRESS for e in events if e.job_id == handle.id)
        assert session.committed_url("seg-1") is None  # the main viewer never shows the preview

        lecture_after = await session.accept(take.id)
        asset = lecture_after.asset("seg-1")
        assert (asset.path, asset.model, asset.movie_directions) == (
            take.path,
            "gpu-box",
            "pan left then zoom in on the diagram",
        )
        assert "?v=" in session.committed_url("seg-1")
        assert [e.type for e in events if e.job_id == handle.id][-1] is EventType.VIDEO_COMPLETE
    assert open_store(store.root).take(take.id).status is TakeStatus.ACCEPTED


async def test_the_batch_report_shows_provider_job_and_cost(store, lecture, gpu_box):
    point_store_at(store, gpu_box)
    request = BatchRequest(asset_ids=["seg-1", "seg-2"], overrides=BOX, policy="accept-all")
    result = await run_batch(store, request, concurrency=2)
    rows = result.results.set_index("asset_id")
    assert list(rows["status"]) == ["accepted", "accepted"]
    assert list(rows["provider"]) == ["cog", "cog"] and list(rows["cost"]) == [0.01, 0.01]
    assert rows["provider_job_id"].notna().all() and rows["generation_s"].gt(0).all()


async def test_cancel_in_the_workbench_cancels_the_prediction_on_the_server(store, lecture, gpu_box):
    point_store_at(store, gpu_box)
    service = gpu_box.server.service
    async with Runner(store) as runner:
        long_job = {**BOX, "duration_s": 60.0, "fps": 60, "resolution": "640x360"}
        handle = regenerate_video_segment(runner, "lec", "seg-1", long_job)
        deadline = time.monotonic() + 20
        while not any(p.status == "processing" for p in service.predictions.values()):
            assert time.monotonic() < deadline, "the server never started the prediction"
            await asyncio.sleep(0.02)
        handle.cancel()
        record = await handle.wait()
    assert record.status is JobStatus.CANCELLED
    (served,) = service.predictions.values()
    while served.status == "processing":  # the cancel reaches the server's render a moment later
        assert time.monotonic() < deadline, "the server never cancelled the prediction"
        await asyncio.sleep(0.02)
    assert served.status == "canceled"


async def test_a_restarted_kernel_reattaches_to_its_prediction_instead_of_starting_another(
    store, lecture, gpu_box
):
    point_store_at(store, gpu_box)
    # What a kernel that died mid-generation leaves behind: its prediction running on the server, and a job
    # record (running, owned by a runner that is gone) with that prediction's id journaled.
    job_id = "job-crashed01"
    prediction_id = idempotency_key(job_id)
    async with httpx.AsyncClient() as client:
        sent = await client.put(
            f"{gpu_box.url}/predictions/{prediction_id}",
            json={
                "input": {
                    "image": IMAGE,
                    "prompt": "tilt down",
                    "duration_s": 1.0,
                    "resolution": "160x90",
                    "fps": 12,
                }
            },
            headers={"Prefer": "respond-async"},
        )
    assert sent.status_code == 202
    settings = VideoSettings("tilt down", "gpu-box", 1.0, Resolution(160, 90), 12, 1)
    now = next_timestamp()
    store.save_job(
        JobRecord(
            id=job_id, kind=KIND, lecture_id="lec", asset_id="seg-1", user="ada", status=JobStatus.RUNNING,
            created_at=now, updated_at=now, settings=settings.to_dict(),
            provenance=dict.fromkeys(settings.to_dict(), "override"), attempts=1,
            provider_job_id=prediction_id, runner="runner-gone-host-4242",
        )
    )  # fmt: skip
    async with Runner(open_store(store.root)) as runner:
        (handle,) = runner.handles()
        record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW
    assert list(gpu_box.server.service.predictions) == [prediction_id]  # re-attached, nothing new started
    take = open_store(store.root).take(record.take_id)
    assert take.provider_job_id == prediction_id and take.frame_count == 12
