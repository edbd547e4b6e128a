"""Exactly one run per job, on real Cog servers installed from PyPI and on ``workbench serve``.

Four servers: cog 0.14 (FastAPI: no events, forgets a prediction whose client left), cog 0.23 with a
``@cog.streaming`` model (events; predictions created asynchronously survive a lost client), cog 0.23 with a
plain model (no events; a lost client cancels), and ``workbench serve``. Each job goes through the real
runner and store; runs are counted in the server's own log (cog: ``starting prediction`` lines with the
prediction id; workbench serve: the ids it started). Scenarios: a normal job, a server without events, a slot
busy for longer than 60 s, a model loading for 60 s, cancel, and a kernel killed mid-run.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import OWNER, small_slide_png
from tests.generation.http.cog_harness import CogServer, ScriptedBackend, cog_python
from workbench import (
    EventType,
    Lecture,
    Project,
    Resolution,
    Runner,
    TimelineClip,
    VideoAsset,
    VideoDefaults,
    open_store,
    regenerate_video_segment,
)
from workbench.domain.jobs import JobStatus
from workbench.generation.http import idempotency_key
from workbench.serve import ServerThread

pytestmark = pytest.mark.slow

JOB = {"model": "box", "resolution": "160x90", "duration_s": 1.0, "fps": 12}
PNG = "data:image/png;base64," + base64.b64encode(small_slide_png()).decode()
#: What a busy slot and a loading model cost the job: longer than the old client's whole retry budget.
LONG_WAIT_S = 62.0


@dataclass
class Box:
    """A server under test: where it listens and how it counts the runs it started."""

    name: str
    url: str
    runs: Callable[[], Counter[str]]
    #: The job survives a kernel restart here (events + asynchronous create), else it fails saying why.
    follows_restart: bool
    #: What a failed restart says (for servers that cannot be followed).
    restart_words: str = ""


def _cog_box(server: CogServer, name: str, follows: bool, words: str) -> Box:
    return Box(name, server.url, server.runs, follows, words)


def _workbench_box(thread: ServerThread) -> Box:
    return Box("workbench", thread.url, lambda: Counter(thread.server.service.started_ids), True)


@pytest.fixture(scope="module")
def boxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Box]]:
    for version in ("0.14.12", "0.23.1"):
        cog_python(version)  # skip (or fail under make test) before starting anything
    root = tmp_path_factory.mktemp("cog-servers")
    servers = [
        CogServer("0.14.12", root / "cog-0.14", streaming=False),
        CogServer("0.23.1", root / "cog-0.23", streaming=True),
        CogServer("0.23.1", root / "cog-0.23-plain", streaming=False),
    ]
    thread = ServerThread(ScriptedBackend())
    try:
        for server in servers:
            server.wait_ready()
        thread.__enter__()
        yield {
            "cog-0.14": _cog_box(servers[0], "cog-0.14", False, "forgets a prediction once the client"),
            "cog-0.23": _cog_box(servers[1], "cog-0.23", True, ""),
            "cog-0.23-plain": _cog_box(
                servers[2], "cog-0.23-plain", False, "cancels a prediction when the client"
            ),
            "workbench": _workbench_box(thread),
        }
    finally:
        thread.__exit__(None, None, None)
        for server in servers:
            server.stop()


def make_store(root: Path, box_url: str, **entry: object):
    """A store with one lecture (one segment with a starting image) whose models.json names ``box``."""
    store = open_store(root, create=True)
    store.save_project(Project("proj", "P", OWNER, VideoDefaults(resolution=Resolution(160, 90), fps=12)))
    image = store.import_starting_image("lec", small_slide_png(), image_id="img-1")
    videos = (VideoAsset("seg-1", "img-1", "slow push-in"),)
    clips = (TimelineClip("clip-0", "seg-1", 0.0),)
    store.create_lecture(Lecture("lec", "proj", "L", OWNER, 0, videos, clips, starting_images=(image,)))
    model = {"name": "box", "provider": "cog", "base_url": box_url, "poll_interval_s": 0.5, **entry}
    (root / "models.json").write_text(json.dumps({"version": 1, "models": [model]}))
    return store


async def run_job(store, directions: str = "pan left") -> tuple[object, list[str]]:
    """One regenerate job through the real runner; its final record and its progress messages."""
    async with Runner(store) as runner:
        messages: list[str] = []
        runner.bus.subscribe(
            lambda e: messages.append(e.message) if e.type is EventType.JOB_PROGRESS else None
        )
        handle = regenerate_video_segment(runner, "lec", "seg-1", {**JOB, "movie_directions": directions})
        record = await handle.wait()
    return record, messages


@pytest.mark.parametrize("name", ["cog-0.14", "cog-0.23", "cog-0.23-plain", "workbench"])
async def test_a_job_runs_exactly_once_and_becomes_a_take(boxes, name, tmp_path):
    box = boxes[name]
    record, messages = await run_job(make_store(tmp_path / "store", box.url), "sleep:2 pan left")
    assert record.status is JobStatus.AWAITING_REVIEW, record.error
    assert box.runs()[record.provider_job_id] == 1
    take = open_store(tmp_path / "store").take(record.take_id)
    assert take.frame_count == 12 and take.provider == "cog"
    if name != "cog-0.14":  # 0.14 reports nothing until it finishes; the others say how far they are
        assert any("step" in m or "%" in m for m in messages), messages


@pytest.mark.parametrize(
    ("name", "entry"), [("cog-0.14", {}), ("cog-0.23-plain", {}), ("workbench", {"mode": "sync"})]
)
async def test_a_server_without_events_gets_one_synchronous_prediction(boxes, name, entry, tmp_path):
    """The old client asked for events, got JSON, and sent the prediction a second time."""
    box = boxes[name]
    record, _ = await run_job(make_store(tmp_path / "store", box.url, **entry), "sleep:1 tilt down")
    assert record.status is JobStatus.AWAITING_REVIEW, record.error
    assert box.runs()[record.provider_job_id] == 1
    take = open_store(tmp_path / "store").take(record.take_id)
    assert take.timings["run_s"] >= 0.9 and take.timings.get("queue_s", 0.0) < 0.5  # its time is run time


async def test_a_slot_busy_for_longer_than_60_s_is_waited_for_then_used_once(boxes, tmp_path):
    """Another client holds the only slot for 62 s; each job waits (saying so) and then runs once."""

    async def scenario(box: Box) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            other = await client.put(
                f"{box.url}/predictions/other-{box.name}",
                json={"input": {"image": PNG, "prompt": f"sleep:{LONG_WAIT_S}"}},
                headers={"Prefer": "respond-async"},
            )
            assert other.status_code == 202, other.text
        started = time.monotonic()
        record, messages = await run_job(make_store(tmp_path / box.name, box.url))
        assert record.status is JobStatus.AWAITING_REVIEW, (box.name, record.error)
        assert time.monotonic() - started >= LONG_WAIT_S - 2, box.name
        assert box.runs()[record.provider_job_id] == 1, box.name
        waited = [
            int(m.rsplit("(waited ", 1)[1].split(" ")[0]) for m in messages if "busy with other work" in m
        ]
        assert waited and max(waited) >= 40, (box.name, messages)  # said while waiting, not only at the start

    await asyncio.gather(*(scenario(box) for box in boxes.values()))


async def test_a_model_loading_for_60_s_is_waited_for_then_used_once(tmp_path):
    servers = [
        CogServer("0.14.12", tmp_path / "c14", streaming=False, setup_s=LONG_WAIT_S),
        CogServer("0.23.1", tmp_path / "c23", streaming=True, setup_s=LONG_WAIT_S),
    ]
    thread = ServerThread(ScriptedBackend(setup_s=LONG_WAIT_S))
    try:
        for server in servers:
            server.wait_listening()
        thread.__enter__()
        boxes = [_cog_box(servers[0], "c14", False, ""), _cog_box(servers[1], "c23", True, "")]
        boxes.append(_workbench_box(thread))

        async def scenario(box: Box) -> None:
            record, messages = await run_job(make_store(tmp_path / f"store-{box.name}", box.url))
            assert record.status is JobStatus.AWAITING_REVIEW, (box.name, record.error)
            assert box.runs()[record.provider_job_id] == 1
            assert any("is loading; waiting" in m for m in messages), (box.name, messages)

        await asyncio.gather(*(scenario(box) for box in boxes))
    finally:
        thread.__exit__(None, None, None)
        for server in servers:
            server.stop()


@pytest.mark.parametrize("name", ["cog-0.14", "cog-0.23", "cog-0.23-plain", "workbench"])
async def test_cancel_stops_the_one_prediction_on_the_server(boxes, name, tmp_path):
    box = boxes[name]
    store = make_store(tmp_path / "store", box.url)
    async with Runner(store) as runner:
        handle = regenerate_video_segment(runner, "lec", "seg-1", {**JOB, "movie_directions": "sleep:30 pan"})
        prediction = idempotency_key(handle.id)
        deadline = time.monotonic() + 30
        while box.runs()[prediction] == 0:
            assert time.monotonic() < deadline, "the server never started the prediction"
            await asyncio.sleep(0.05)
        handle.cancel()
        record = await handle.wait()
    assert record.status is JobStatus.CANCELLED
    # The server is free again long before the 30 s the prediction would have taken.
    deadline = time.monotonic() + 15
    async with httpx.AsyncClient(timeout=5) as client:
        while (await client.get(f"{box.url}/health-check")).json()["status"] != "READY":
            assert time.monotonic() < deadline, "the prediction was not cancelled on the server"
            await asyncio.sleep(0.1)
    assert box.runs()[prediction] == 1


_DYING_KERNEL = """
import asyncio, json, os, sys, time
import httpx
from workbench import Runner, open_store, regenerate_video_segment

ROOT, SETTINGS, HEALTH = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]

async def main():
    runner = Runner(open_store(ROOT))
    handle = regenerate_video_segment(runner, "lec", "seg-1", SETTINGS)
    while True:
        jobs = open_store(ROOT).jobs()
        if len(jobs) and (jobs["job_id"] == handle.id).any() and open_store(ROOT).job(handle.id).provider_job_id:
            break
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient() as client:  # wait until the server is running it
        while (await client.get(HEALTH)).json()["status"] != "BUSY":
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    print(handle.id, flush=True)
    os._exit(0)  # the kernel dies: no cleanup, no cancel, its connections drop

asyncio.run(main())
"""


@pytest.mark.parametrize("name", ["cog-0.14", "cog-0.23", "cog-0.23-plain", "workbench"])
async def test_a_kernel_killed_mid_run_is_followed_or_told_why_never_run_twice(boxes, name, tmp_path):
    box = boxes[name]
    store = make_store(tmp_path / "store", box.url)
    settings = {**JOB, "movie_directions": "sleep:6 zoom in"}
    kernel = await asyncio.create_subprocess_exec(
        sys.executable, "-c", textwrap.dedent(_DYING_KERNEL), str(store.root), json.dumps(settings),
        f"{box.url}/health-check", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "WORKBENCH_USER": OWNER},
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(kernel.communicate(), 120)
    assert kernel.returncode == 0, stderr.decode()[-2000:]
    job_id = stdout.decode().strip()
    prediction = idempotency_key(job_id)

    async with Runner(open_store(store.root)) as runner:  # the restarted kernel
        (handle,) = runner.handles()
        record = await handle.wait()
    if box.follows_restart:
        assert record.status is JobStatus.AWAITING_REVIEW, record.error
        assert open_store(store.root).take(record.take_id).provider_job_id == prediction
    else:
        assert record.status is JobStatus.FAILED
        assert box.restart_words in record.error and "It was not started again" in record.error
    await asyncio.sleep(0.5)
    assert box.runs()[prediction] == 1, box.runs()
