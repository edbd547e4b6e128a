"""A hosted model through the real runner and store (Replicate's API mocked with respx): the take records
provider facts, a killed kernel's job is resumed instead of paid for twice, a retried job follows the job
it already created, cancel reaches the provider, and the token appears nowhere that is stored or shown."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap

import httpx
import respx

from tests.generation.http.conftest import SECRET, mp4_bytes
from tests.generation.http.provider_shapes import DELIVERY, REPLICATE, replicate_prediction
from workbench import EventType, LectureSession, Runner, TakeStatus, open_store, regenerate_video_segment
from workbench.domain.jobs import JobStatus
from workbench.domain.retry import RetryPolicy
from workbench.generation.http import CallRetry, HttpVideoBackend, parse_model_config
from workbench.generation.local.backend import LocalCameraBackend
from workbench.generation.registry import BackendRegistry

CREATE = f"{REPLICATE}/models/acme/lecture-i2v/predictions"
POLL = f"{REPLICATE}/predictions/rrr9q2v1"
WAN = {
    "name": "wan",
    "label": "Lecture i2v (Replicate)",
    "provider": "replicate",
    "model": "acme/lecture-i2v",
    "token_env": "REPLICATE_API_TOKEN",
    "poll_interval_s": 0.02,
    "inputs": {"duration": {"name": "num_frames", "format": "frames"}, "fps": "frames_per_second"},
    "price": {"per_run": 0.25},
}
HOSTED = {"model": "wan", "resolution": "160x90", "duration_s": 1.0, "fps": 12}


def write_models(store, *models) -> None:
    (store.root / "models.json").write_text(json.dumps({"version": 1, "models": list(models)}))


def succeeded(logs: str = "") -> httpx.Response:
    return httpx.Response(
        200, json=replicate_prediction(status="succeeded", output=DELIVERY, logs=logs, predict_time=3.0)
    )


def mock_replicate(mock: respx.MockRouter, *polls: httpx.Response) -> tuple[respx.Route, respx.Route]:
    create = mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
    poll = mock.get(POLL).mock(side_effect=list(polls))
    mock.get(DELIVERY).respond(200, content=mp4_bytes(), headers={"Content-Type": "video/mp4"})
    return create, poll


async def test_regenerate_preview_accept_with_a_hosted_model_records_provider_facts(store, lecture, token):
    write_models(store, WAN)
    async with Runner(store) as runner:
        seen = []
        runner.bus.subscribe(seen.append)
        session = LectureSession(runner, "lec")
        session.edit("seg-1", movie_directions="pan left", **HOSTED)
        with respx.mock(assert_all_called=True) as mock:
            create, _ = mock_replicate(
                mock,
                httpx.Response(200, json=replicate_prediction(status="processing", logs="50%")),
                succeeded(),
            )
            handle = session.regenerate("seg-1")
            record = await handle.wait()
        assert record.status is JobStatus.AWAITING_REVIEW and record.provider_job_id == "rrr9q2v1"
        take = runner.store.take(handle.take_id)
        assert (take.backend, take.provider, take.provider_job_id, take.cost) == (
            "wan",
            "replicate",
            "rrr9q2v1",
            0.25,
        )
        assert take.frame_count == 12 and {"wall_s", "predict_s", "download_s"} <= set(take.timings)
        row = runner.store.takes(asset_id="seg-1").iloc[-1]
        assert (row["provider"], row["provider_job_id"], row["cost"]) == ("replicate", "rrr9q2v1", 0.25)
        progress = [e for e in seen if e.job_id == handle.id and e.type is EventType.JOB_PROGRESS]
        assert progress and progress[-1].message == "Checking the video…"  # throttled, the latest kept
        assert json.loads(create.calls[0].request.content)["input"]["prompt"] == "pan left"
        lecture_after = await session.accept(take.id)
    assert lecture_after.asset("seg-1").path == take.path and lecture_after.asset("seg-1").model == "wan"
    assert open_store(store.root).take(take.id).status is TakeStatus.ACCEPTED


_CRASHING_KERNEL = """
import asyncio, json, os, sys
import respx
from workbench import Runner, open_store, regenerate_video_segment

CREATE, POLL, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]

def journaled(job_id):
    jobs = open_store(ROOT).jobs()
    return bool(len(jobs)) and (jobs["job_id"] == job_id).any() and bool(open_store(ROOT).job(job_id).provider_job_id)

async def main():
    with respx.mock(assert_all_called=False) as mock:
        mock.post(CREATE).respond(201, json={"id": "rrr9q2v1", "status": "starting", "logs": ""})
        mock.get(POLL).respond(200, json={"id": "rrr9q2v1", "status": "processing", "logs": "10%"})
        runner = Runner(open_store(ROOT))
        handle = regenerate_video_segment(runner, "lec", "seg-1", json.loads(sys.argv[4]))
        while not journaled(handle.id):
            await asyncio.sleep(0.01)
        print(handle.id, flush=True)
        os._exit(0)  # the kernel dies here: no cleanup, no cancel; the OS releases its lease lock

asyncio.run(main())
"""


async def test_a_killed_kernel_resumes_polling_its_provider_job_instead_of_paying_again(
    store, lecture, token
):
    write_models(store, WAN)
    kernel = await asyncio.create_subprocess_exec(
        sys.executable, "-c", textwrap.dedent(_CRASHING_KERNEL), CREATE, POLL, str(store.root), json.dumps(HOSTED),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "WORKBENCH_USER": "ada"},
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(kernel.communicate(), 120)
    assert kernel.returncode == 0, stderr.decode()
    job_id = stdout.decode().strip()
    crashed = open_store(store.root).job(job_id)
    assert (crashed.status, crashed.provider_job_id) == (JobStatus.RUNNING, "rrr9q2v1")

    with respx.mock(assert_all_called=False) as mock:
        create, poll = mock_replicate(mock, succeeded())
        async with Runner(open_store(store.root)) as runner:  # binding recovers the store and resumes
            (handle,) = runner.handles()
            assert handle.id == job_id
            record = await handle.wait()
    assert create.call_count == 0 and poll.call_count == 1  # followed, never created again
    assert record.status is JobStatus.AWAITING_REVIEW
    fresh = open_store(store.root)
    take = fresh.take(record.take_id)
    assert take.provider_job_id == "rrr9q2v1" and take.job_id == job_id
    journal = fresh.events(job_id=job_id)
    assert "Resuming after a restart: polling provider job rrr9q2v1." in list(journal["message"])
    assert EventType.JOB_INTERRUPTED.value not in set(journal["type"])


async def test_a_runner_retry_follows_the_job_it_already_created(store, lecture, token):
    spec = parse_model_config({"models": [WAN]})[0]
    hosted = HttpVideoBackend(spec, store_root=store.root, retry=CallRetry(max_attempts=2, base_delay_s=0.01))
    registry = BackendRegistry([LocalCameraBackend(), hosted])
    async with Runner(store, registry, retry=RetryPolicy(max_attempts=2, base_delay_s=0.01)) as runner:
        with respx.mock() as mock:
            gateway = httpx.Response(502, text="Bad Gateway")
            create, poll = mock_replicate(mock, gateway, gateway, succeeded())
            handle = regenerate_video_segment(runner, "lec", "seg-1", HOSTED)
            record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW and record.attempts == 2
    assert create.call_count == 1 and poll.call_count == 3


async def test_cancel_in_the_workbench_cancels_at_the_provider(store, lecture, token):
    write_models(store, WAN)
    async with Runner(store) as runner:
        with respx.mock() as mock:
            polled = asyncio.Event()

            def processing(request: httpx.Request) -> httpx.Response:
                polled.set()
                return httpx.Response(200, json=replicate_prediction(status="processing"))

            mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
            mock.get(POLL).mock(side_effect=processing)
            cancel = mock.post(f"{POLL}/cancel").respond(200, json=replicate_prediction(status="canceled"))
            handle = regenerate_video_segment(runner, "lec", "seg-1", HOSTED)
            await asyncio.wait_for(polled.wait(), 10)
            handle.cancel()
            record = await handle.wait()
    assert record.status is JobStatus.CANCELLED and cancel.call_count == 1
    takes = store.root / "media" / "lec" / "takes"
    assert not takes.exists() or not any(takes.iterdir())  # no take file, no partial download


async def test_the_token_is_nowhere_in_events_jobs_takes_or_store_files(store, lecture, token, caplog):
    caplog.set_level("DEBUG")
    write_models(store, WAN)
    async with Runner(store) as runner:
        with respx.mock() as mock:
            mock_replicate(mock, succeeded(logs=f"auth ok for {SECRET}\n"))
            ok = regenerate_video_segment(runner, "lec", "seg-1", HOSTED)
            await ok.wait()
        with respx.mock() as mock:
            mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
            mock.get(POLL).respond(
                200,
                json=replicate_prediction(
                    status="failed", error=f"Bad header Authorization: Bearer {SECRET}"
                ),
            )
            failed = regenerate_video_segment(runner, "lec", "seg-2", HOSTED)
            record = await failed.wait()
    assert ok.record.status is JobStatus.AWAITING_REVIEW and record.status is JobStatus.FAILED
    assert "[redacted]" in record.error
    fresh = open_store(store.root)
    tables = [fresh.events(), fresh.jobs(), fresh.takes()]
    cells = [str(v) for frame in tables for v in frame.astype(str).to_numpy().ravel()]
    assert cells and all(SECRET not in cell for cell in cells)
    documents = [p for p in store.root.rglob("*") if p.is_file() and p.suffix in (".json", ".lock")]
    assert all(SECRET.encode() not in p.read_bytes() for p in documents)
    assert SECRET not in caplog.text
