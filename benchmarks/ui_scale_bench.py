"""Review workbench cost on a generated 1,000-segment lecture next to the 6-segment demo (kernel side).

Targets (1,000 segments): open ≤ 1 s, keystroke → editor state ≤ 20 ms, segment click ≤ 50 ms,
accept → refreshed view ≤ 100 ms; a commit made by another process shows within 2 s.

What is timed is the kernel's work, widgets included: every comm message is JSON-encoded as ipykernel would
(a stand-in comm counts messages and bytes; nothing is sent). "Accept" includes the store commit (fsyncs).
"Freshness" is a second store object with its own runner accepting a take (as a batch in another process
would) until this workbench's committed player shows it; it is bounded by the watcher's poll interval.
Figures are medians; the 1000/6 ratios are the point on a shared, noisy machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import comm
from _common import report

from tests.take_factory import pending_take
from workbench import Runner, open_store
from workbench.demo.builder import DEMO_LECTURE_ID, init_demo_store
from workbench.demo.scale import SCALE_LECTURE_ID, init_scale_store
from workbench.jobs.actions import accept_take
from workbench.session import WATCH_INTERVAL_S, LectureSession
from workbench.ui import ReviewWorkbench

ROUNDS = {"open": 3, "keystroke": 40, "click": 40, "accept": 6, "fresh": 5}
TARGETS_MS = {"open": 1000, "keystroke": 20, "click": 50, "accept": 100, "fresh": 2000}


class CountingComm(comm.DummyComm):
    """A comm that JSON-encodes each message as the kernel would, and counts them."""

    messages = 0
    bytes = 0

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
    ):
        payload = json.dumps({"msg_type": msg_type, "data": data, "metadata": metadata}, default=str)
        CountingComm.messages += 1
        CountingComm.bytes += len(payload) + sum(len(b) for b in buffers or ())


def _overrides(n: int) -> dict[str, Any]:
    return {"movie_directions": f"pan left, take {n}", "resolution": "640x360"}


async def _until(check, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the workbench never showed the change")
        await asyncio.sleep(0.002)


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 2)


async def measure(store_root: Path, lecture_id: str) -> dict[str, Any]:
    store = open_store(store_root)
    runner = Runner(store)
    figures: dict[str, Any] = {}

    opens = []
    for _ in range(ROUNDS["open"]):
        start = time.perf_counter()
        session = LectureSession(runner, lecture_id, media_base_url="/files/store/")
        wb = ReviewWorkbench(session)
        opens.append((time.perf_counter() - start) * 1000)
        wb.close()
        session.close()
    figures["open_ms"] = _median(opens)

    session = LectureSession(runner, lecture_id, media_base_url="/files/store/")
    wb = ReviewWorkbench(session)
    figures["segments"] = len(session.committed.videos)
    figures["rows_rendered"] = len(wb.table.rows)
    ids = [a.id for a in session.committed.videos if session.segment(a.id).thumbnail_url]

    keys, key_msgs = [], []
    text = "slow pan left then zoom in on the diagram"
    for i in range(ROUNDS["keystroke"]):
        before = CountingComm.messages
        start = time.perf_counter()
        wb.editor.directions.v_model = text[: 10 + i % 30]  # as the browser syncs a keystroke
        keys.append((time.perf_counter() - start) * 1000)
        key_msgs.append(CountingComm.messages - before)
        await asyncio.sleep(0)  # let anything scheduled run, as the kernel's loop would between messages
    figures["keystroke_ms"] = _median(keys)
    figures["keystroke_messages"] = statistics.median(key_msgs)
    await session.drafts_saved()

    clicks, click_msgs = [], []
    for i in range(ROUNDS["click"]):
        asset_id = ids[(i * 7919) % len(ids)]  # spread over every page
        before = CountingComm.messages
        start = time.perf_counter()
        wb.table.vue_pick(asset_id)  # what a click on a row sends
        clicks.append((time.perf_counter() - start) * 1000)
        click_msgs.append(CountingComm.messages - before)
        await asyncio.sleep(0)
    figures["click_ms"] = _median(clicks)
    figures["click_messages"] = statistics.median(click_msgs)

    selected = ids[len(ids) // 2]
    wb.select(selected)
    source = store.media_path(session.asset(ids[0]).path)
    accepts, renders = [], []
    for n in range(ROUNDS["accept"]):
        take = pending_take(store, lecture_id, selected, source, _overrides(n))
        counts = dict(wb.renders)
        start = time.perf_counter()
        await session.accept(take.id)
        await _until(lambda take=take: wb.player.url is not None and take.path in wb.player.url)
        accepts.append((time.perf_counter() - start) * 1000)
        renders.append(sum(wb.renders.values()) - sum(counts.values()))
    figures["accept_ms"] = _median(accepts)
    figures["accept_renders"] = statistics.median(renders)

    other = Runner(open_store(store_root))  # another process's view of the store
    fresh = []
    for n in range(ROUNDS["fresh"]):
        take = pending_take(other.store, lecture_id, selected, source, _overrides(100 + n))
        await asyncio.sleep(WATCH_INTERVAL_S * ((n % 5) / 5))  # land at different points of the poll cycle
        await accept_take(other, take.id)
        start = time.perf_counter()
        await _until(lambda take=take: wb.player.url is not None and take.path in wb.player.url, limit_s=10)
        fresh.append((time.perf_counter() - start) * 1000)
    figures["fresh_ms"] = _median(fresh)
    figures["fresh_max_ms"] = round(max(fresh), 1)
    await other.shutdown()
    session.close()
    await runner.shutdown()
    return figures


def main() -> dict[str, Any]:
    os.environ.setdefault("WORKBENCH_USER", "bench")
    comm.create_comm = CountingComm
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        init_demo_store(Path(tmp) / "demo")
        init_scale_store(Path(tmp) / "big", segments=1000)
        for name, root, lecture in (("demo", "demo", DEMO_LECTURE_ID), ("big", "big", SCALE_LECTURE_ID)):
            results[name] = asyncio.run(measure(Path(tmp) / root, lecture))
    small, big = results["demo"], results["big"]
    figures: dict[str, Any] = {"segments_small": small["segments"], "segments_big": big["segments"]}
    for key in ("open", "keystroke", "click", "accept", "fresh"):
        figures[f"{key}_ms_small"] = small[f"{key}_ms"]
        figures[f"{key}_ms_big"] = big[f"{key}_ms"]
        figures[f"{key}_ratio_big_to_small"] = round(big[f"{key}_ms"] / max(small[f"{key}_ms"], 1e-6), 2)
        figures[f"{key}_target_ms"] = TARGETS_MS[key]
        figures[f"{key}_met"] = big[f"{key}_ms"] <= TARGETS_MS[key]
    figures["fresh_max_ms_big"] = big["fresh_max_ms"]
    figures["rows_rendered_big"] = big["rows_rendered"]
    figures["keystroke_messages_big"] = big["keystroke_messages"]
    figures["click_messages_big"] = big["click_messages"]
    figures["accept_renders_big"] = big["accept_renders"]
    figures["watch_interval_s"] = WATCH_INTERVAL_S
    return figures


if __name__ == "__main__":
    report("ui_scale", main())
