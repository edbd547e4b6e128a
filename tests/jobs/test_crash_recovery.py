"""SIGKILL at random moments of regenerate and accept, then recovery: the store's invariants hold and no
litter is left.

A child process regenerates and accepts (or rejects) takes in a loop, appending each decision to a log only
after it returned; the test kills it at a random moment, reopens the store, runs recovery, and checks:
every document parses, every committed video exists and decodes, no decision that returned is lost (and the
committed video is the latest accepted take), no job is left queued or running, every take's file is there,
and nothing is left over: no half-written or unrecorded take files (they are in the trash), no temp or staged
files, no stale runner leases. Bounded: 20 kills, children forked from a preloaded server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import av
import pytest

from tests.conftest import OWNER
from workbench import open_store
from workbench.domain.jobs import ACTIVE_JOB_STATUSES
from workbench.domain.models import TakeStatus
from workbench.jobs.recovery import recover_store

KILLS = 20
TINY = {"resolution": "160x90", "duration_s": 0.5, "fps": 12}
PRELOAD = ["workbench.jobs.actions", "workbench.generation.local.render", "tests.jobs.test_crash_recovery"]


def _regenerate_and_decide_forever(root: str, log_path: str, seed: int) -> None:
    from workbench import Runner, accept_take, regenerate_video_segment, reject_take
    from workbench.domain.jobs import JobStatus

    def note(line: str) -> None:
        with open(log_path, "a") as fh:  # one small append per decision: whole lines or nothing
            fh.write(line + "\n")

    async def main() -> None:
        rng = random.Random(seed)
        runner = Runner(open_store(root, user=OWNER), max_concurrent=1)
        note("ready")
        while True:
            handle = regenerate_video_segment(runner, "lec", rng.choice(["seg-1", "seg-2"]), TINY)
            record = await handle.wait()
            if record.status is not JobStatus.AWAITING_REVIEW:
                continue
            if rng.random() < 0.75:
                await accept_take(runner, record.take_id)
                note(f"accepted {record.take_id}")
            else:
                await reject_take(runner, record.take_id)
                note(f"rejected {record.take_id}")

    asyncio.run(main())


def _decodes(path: Path) -> bool:
    try:
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0)) > 0
    except (av.error.FFmpegError, OSError):
        return False


def _litter(root: Path, store) -> list[str]:
    found = []
    for folder in (root / "lectures", root / "projects", *(root / "media").glob("*/images")):
        found += [str(p) for p in folder.glob(".*")]
    for table in ("takes", "jobs", "events"):
        found += [str(p) for p in (root / "tables" / table).glob("_*")]
    found += [str(p) for p in (root / "runners").glob("*.lock")]
    recorded = set(store.takes()["path"]) | {a.path for a in store.lecture("lec").videos}
    for path in (root / "media" / "lec" / "takes").glob("*"):
        relative = path.relative_to(root).as_posix()
        if path.name.startswith(".") or relative not in recorded:
            found.append(relative)
    return found


@pytest.mark.slow
def test_sigkill_during_regenerate_and_accept_then_recovery(store, lecture) -> None:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    root = store.root
    log_path = root.parent / "decisions.log"
    rng = random.Random(15)
    totals = {"accepted": 0, "rejected": 0, "trashed": 0, "interrupted": 0, "completed_by_recovery": 0}
    for kill in range(KILLS):
        lines_before = log_path.read_text().count("\n") if log_path.exists() else 0
        child = ctx.Process(target=_regenerate_and_decide_forever, args=(str(root), str(log_path), kill))
        child.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the child to be running its loop
            if log_path.exists() and "ready" in log_path.read_text().splitlines()[lines_before:]:
                break
            time.sleep(0.02)
        else:
            child.kill()
            pytest.fail("the child never started its loop")
        time.sleep(rng.uniform(0.0, 1.5))
        os.kill(child.pid, signal.SIGKILL)
        child.join()

        fresh = open_store(root)
        report = recover_store(fresh)
        totals["trashed"] += len(report.trashed)
        totals["interrupted"] += len(report.interrupted)
        totals["completed_by_recovery"] += len(report.completed_accepts)

        lecture_now = fresh.lecture("lec")  # every document parses
        fresh.project("proj")
        decisions = [line.split() for line in log_path.read_text().splitlines() if line != "ready"]
        takes = {t.id: t for t in fresh.take_records(fresh.takes())}
        for verb, take_id in decisions:  # no decision that returned is lost
            expected = TakeStatus.ACCEPTED if verb == "accepted" else TakeStatus.REJECTED
            assert takes[take_id].status is expected, f"kill {kill}: {verb} {take_id} was lost"
            assert takes[take_id].decided_by == OWNER
        for asset in lecture_now.videos[:2]:
            accepted = [
                t for t in takes.values() if t.asset_id == asset.id and t.status is TakeStatus.ACCEPTED
            ]
            if not accepted:
                assert asset.path is None
                continue
            latest = max(accepted, key=lambda t: t.decided_at or "")
            assert asset.path == latest.path, (
                f"kill {kill}: {asset.id} does not play its latest accepted take"
            )
            assert _decodes(fresh.media_path(asset.path)), f"kill {kill}: {asset.path} does not decode"
        for take in takes.values():
            assert fresh.media_path(take.path).is_file(), f"kill {kill}: the file of {take.id} is gone"
            assert take.status is not TakeStatus.ACCEPTED or take.decided_by == OWNER
        assert fresh.jobs(status=ACTIVE_JOB_STATUSES).empty, f"kill {kill}: a job was left running"
        assert _litter(root, fresh) == [], f"kill {kill}: litter after recovery"
    decisions = [line.split()[0] for line in log_path.read_text().splitlines() if line != "ready"]
    totals["accepted"], totals["rejected"] = decisions.count("accepted"), decisions.count("rejected")
    trash = list((root / "trash").rglob("*")) if (root / "trash").exists() else []
    assert totals["trashed"] == sum(1 for p in trash if p.is_file())
    print(f"{KILLS} kills:", totals)
    assert totals["accepted"] > 0, "no accept ever completed; the test did not exercise accepting"
