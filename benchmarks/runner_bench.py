"""Runner overheads on the demo lecture: event-loop lag under load, submit latency, accept latency.

- p99 lag of a 10 ms asyncio ticker while 2 renders (1280x720, 5 s) run: target ≤ 50 ms.
- ``regenerate_video_segment`` call → ``job-queued`` delivered to a subscriber: median target ≤ 10 ms.
- ``accept_take`` (version-checked lecture commit with fsync + take + job update): median target ≤ 20 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report

from workbench import EventType, Runner, accept_take, regenerate_video_segment
from workbench.demo.builder import DEMO_LECTURE_ID, init_demo_store


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def ticker_lag(stop: asyncio.Event, lags: list[float], period: float = 0.010) -> None:
    expected = time.perf_counter() + period
    while not stop.is_set():
        await asyncio.sleep(max(0.0, expected - time.perf_counter()))
        now = time.perf_counter()
        lags.append((now - expected) * 1000)
        expected = max(expected + period, now)


async def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = init_demo_store(Path(tmp) / "store").store
        runner = Runner(store, max_concurrent=2)

        # 1. event loop lag while two full renders run
        stop, lags = asyncio.Event(), []
        tick = asyncio.create_task(ticker_lag(stop, lags))
        t0 = time.perf_counter()
        handles = [
            regenerate_video_segment(
                runner, DEMO_LECTURE_ID, seg, {"duration_s": 5.0, "resolution": "1280x720"}
            )
            for seg in ("seg-01", "seg-02")
        ]
        await asyncio.gather(*(h.wait() for h in handles))
        render_s = time.perf_counter() - t0
        stop.set()
        await tick

        # 2. submit → job-queued delivered (tiny renders, each cancelled-free: wait for each to finish)
        submit_ms: list[float] = []
        queued_at: dict[str, float] = {}
        runner.bus.subscribe(
            lambda e: (
                queued_at.setdefault(e.job_id, time.perf_counter())
                if e.type is EventType.JOB_QUEUED
                else None
            )
        )
        take_ids = []
        for i in range(20):
            start = time.perf_counter()
            handle = regenerate_video_segment(
                runner,
                DEMO_LECTURE_ID,
                "seg-03",
                {"duration_s": 0.5, "resolution": "160x90", "fps": 12, "seed": i},
            )
            submit_ms.append((queued_at[handle.id] - start) * 1000)
            await handle.wait()
            take_ids.append(handle.take_id)

        # 3. accept latency (each accept commits the lecture with fsync)
        accept_ms = []
        for take_id in take_ids:
            start = time.perf_counter()
            await accept_take(runner, take_id)
            accept_ms.append((time.perf_counter() - start) * 1000)
        await runner.shutdown()

    return {
        "ticker_p99_lag_ms": round(percentile(lags, 0.99), 2),
        "ticker_p50_lag_ms": round(percentile(lags, 0.50), 2),
        "ticker_lag_target_ms": 50,
        "ticks": len(lags),
        "two_renders_s": round(render_s, 2),
        "submit_to_queued_median_ms": round(statistics.median(submit_ms), 3),
        "submit_target_ms": 10,
        "accept_median_ms": round(statistics.median(accept_ms), 3),
        "accept_target_ms": 20,
    }


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_USER", "bench")
    report("runner", asyncio.run(main()))
