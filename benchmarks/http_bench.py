"""Hosted-model overheads: 50 jobs through the runner against ``workbench serve`` on loopback, 8 at a time.

The server runs in its own process (as on a GPU machine) wrapping the local model, with more slots (16) than
the runner's limit, so that only the runner can keep jobs from running at once.

- ``overhead_ms_median``: a job's time from ``job-started`` to ``video-preview`` minus the server's own
  ``predict_time`` — everything the workbench adds per job (HTTP round trips, the starting image as a data
  URI, the output decoded and checked with PyAV, the provider job id journaled with fsync, the take stored):
  target ≤ 5 ms. Split into ``client_ms_median`` (the HTTP backend: its wall time minus ``predict_time``) and
  ``runner_ms_median`` (the rest: runner, workflow and store).
- ``*_one_at_a_time``: the same figures for 10 jobs run one after another (no 8 jobs' renders and durable
  store writes competing for 2 cores and the runner's single writer thread).
- ``max_in_flight`` (runner: started, not yet finished) and ``max_in_flight_server`` (predictions running at
  once on the server): must never exceed 8.
- ``serve_peak_rss_*_mb``: the server's peak resident memory (``VmHWM``) before and after four 95 MB request
  bodies sent at once without a token (each must be answered 401 from its headers, its body never read):
  ratio target ≤ 1.1 (the old server went from 257 MB to 716 MB).
- ``serve_token_check_ms_median``: a 95 MB unauthenticated request, from sending to the 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import report
from PIL import Image

from workbench import (
    EventType,
    Lecture,
    Project,
    Resolution,
    Runner,
    VideoAsset,
    VideoDefaults,
    open_store,
    regenerate_video_segment,
)

JOBS = 50
LIMIT = 8
SERVER_SLOTS = 16
SEQUENTIAL = 10
SETTINGS = {"model": "gpu-box", "duration_s": 0.5, "resolution": "160x90", "fps": 12}


def make_store(root: Path):
    """A lecture of ``JOBS`` segments sharing one starting image (one job per segment may run at a time)."""
    store = open_store(root, create=True)
    store.save_project(
        Project("proj", "Bench", store.user, VideoDefaults(resolution=Resolution(160, 90), fps=12))
    )
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 80, 150)).save(buffer, format="PNG")
    image = store.import_starting_image("lec", buffer.getvalue(), image_id="img-1")
    videos = tuple(VideoAsset(f"seg-{i:02d}", "img-1", "slow push-in") for i in range(JOBS))
    store.create_lecture(Lecture("lec", "proj", "Bench", store.user, 0, videos, (), starting_images=(image,)))
    return store


def split(job_s: float, take) -> list[tuple[str, float]]:
    """A job's time in ms beyond the server's ``predict_time``: all of it, the HTTP backend's, the runner's."""
    predict, backend = take.timings["predict_s"], take.timings["wall_s"]
    return [
        ("overhead", (job_s - predict) * 1000),
        ("client", (backend - predict) * 1000),
        ("runner", (job_s - backend) * 1000),
    ]


def start_server(*extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "serve",
            "--port",
            "0",
            "--concurrency",
            str(SERVER_SLOTS),
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if " on http" not in line:
        process.kill()
        raise RuntimeError(f"workbench serve did not start: {line!r}")
    return process, line.split(" on ", 1)[1].split(" ", 1)[0]


async def run(store, url: str) -> dict[str, float | int]:
    entry = {"name": "gpu-box", "provider": "cog", "base_url": url}
    (store.root / "models.json").write_text(json.dumps({"version": 1, "models": [entry]}))
    started: dict[str, float] = {}
    finished: dict[str, float] = {}
    in_flight = peak = 0

    def watch(event) -> None:
        nonlocal in_flight, peak
        if event.type is EventType.JOB_STARTED:
            started[event.job_id] = time.perf_counter()
            in_flight += 1
            peak = max(peak, in_flight)
        elif event.type in (EventType.VIDEO_PREVIEW, EventType.JOB_FAILED, EventType.JOB_CANCELLED):
            finished[event.job_id] = time.perf_counter()
            in_flight -= 1

    async with Runner(store, max_concurrent=LIMIT) as runner:
        runner.bus.subscribe(watch)
        # warm up: imports, the first connection, PyAV's codec tables
        await regenerate_video_segment(runner, "lec", "seg-00", SETTINGS).wait()
        started.clear(), finished.clear()
        in_flight = peak = 0
        t0 = time.perf_counter()
        handles = [regenerate_video_segment(runner, "lec", f"seg-{i:02d}", SETTINGS) for i in range(JOBS)]
        records = await asyncio.gather(*(h.wait() for h in handles))
        wall_s = time.perf_counter() - t0
        takes = {h.id: runner.store.take(h.take_id) for h in handles if h.take_id}
        # the same jobs one at a time: the overhead without 8 jobs' store writes and renders competing
        alone: dict[str, list[float]] = {"overhead": [], "client": [], "runner": []}
        for i in range(SEQUENTIAL):
            handle = regenerate_video_segment(runner, "lec", f"seg-{i:02d}", SETTINGS)
            await handle.wait()
            for key, value in split(
                finished[handle.id] - started[handle.id], runner.store.take(handle.take_id)
            ):
                alone[key].append(value)

    async with httpx.AsyncClient() as client:
        health = (await client.get(f"{url}/health-check")).json()
    loaded: dict[str, list[float]] = {"overhead": [], "client": [], "runner": []}
    for job_id, take in takes.items():
        for key, value in split(finished[job_id] - started[job_id], take):
            loaded[key].append(value)

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    return {
        "jobs": JOBS,
        "concurrency_limit": LIMIT,
        "succeeded": len(takes),
        "failed": sum(1 for r in records if r.take_id is None),
        "overhead_ms_median": median(loaded["overhead"]),
        "overhead_target_ms": 5,
        "client_ms_median": median(loaded["client"]),
        "runner_ms_median": median(loaded["runner"]),
        "overhead_ms_median_one_at_a_time": median(alone["overhead"]),
        "client_ms_median_one_at_a_time": median(alone["client"]),
        "runner_ms_median_one_at_a_time": median(alone["runner"]),
        "predict_ms_median": round(
            statistics.median(t.timings["predict_s"] for t in takes.values()) * 1000, 3
        ),
        "max_in_flight": peak,
        "max_in_flight_server": int(health["workbench"]["peak_running"]),
        "max_in_flight_target": LIMIT,
        "wall_s": round(wall_s, 3),
        "jobs_per_s": round(JOBS / wall_s, 2),
    }


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def unauthenticated_bodies() -> dict[str, float]:
    """Peak memory of a token-guarded server around four unauthenticated 95 MB bodies sent at once."""
    process, url = start_server(
        "--token-env", "BENCH_SERVE_TOKEN", env={**os.environ, "BENCH_SERVE_TOKEN": "t" * 32}
    )
    try:
        httpx.get(f"{url}/health-check", timeout=10)
        before = _peak_rss_mb(process.pid)
        chunk = b"x" * 2**20
        took: list[float] = []

        def send() -> None:
            started = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):  # answered 401, closed while the body was still coming
                httpx.post(
                    f"{url}/predictions", content=(chunk for _ in range(95)),
                    headers={"Content-Length": str(95 * 2**20)}, timeout=60,
                )  # fmt: skip
            took.append((time.perf_counter() - started) * 1000)

        senders = [threading.Thread(target=send) for _ in range(4)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(120)
        after = _peak_rss_mb(process.pid)
        return {
            "serve_peak_rss_before_mb": round(before, 1),
            "serve_peak_rss_after_4x95mb_unauthenticated_mb": round(after, 1),
            "serve_peak_rss_ratio": round(after / before, 3),
            "serve_peak_rss_ratio_target": 1.1,
            "serve_token_check_ms_median": round(statistics.median(took), 1),
        }
    finally:
        process.terminate()
        process.wait(10)


def main() -> dict[str, float | int]:
    process, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = asyncio.run(run(make_store(Path(tmp) / "store"), url))
    finally:
        process.terminate()
        process.wait(10)
    if sys.platform.startswith("linux"):
        figures.update(unauthenticated_bodies())
    return figures


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_USER", "bench")
    report("http", main())
