"""Recovery after a crash: litter goes to the trash (never deleted), completed accepts say who decided,
damaged or foreign lectures are left alone without stopping anything else, and it all runs off the loop."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import threading
import time

from tests.conftest import OWNER, snapshot
from tests.jobs.conftest import SMALL
from workbench import Lecture, Runner, TakeStatus, VideoAsset, open_store, regenerate_video_segment
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import Resolution, SettingSource, Take, VideoSettings
from workbench.jobs import recovery
from workbench.jobs.lease import RunnerLease, lease_ids
from workbench.jobs.recovery import recover_store

KIND = "app/regenerate-video-segment"


def _job(
    job_id: str, status: JobStatus, runner: str | None = "runner-dead-host-1", lecture: str = "lec"
) -> JobRecord:
    now = next_timestamp()
    settings = VideoSettings("pan", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    return JobRecord(
        job_id, KIND, lecture, "seg-1", OWNER, status, now, now, settings=settings.to_dict(), runner=runner
    )


def _take(store, take_id: str, job_id: str) -> Take:
    path = store.new_take_path("lec", take_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a video")
    settings = VideoSettings("pan", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    return Take(take_id, "lec", "seg-1", job_id, store.relative(path), settings,
                dict.fromkeys(("model",), SettingSource.DEFAULT), "tok", created_at=next_timestamp())  # fmt: skip


def _litter(store) -> dict[str, str]:
    takes = store.media_dir("lec", "takes")
    takes.mkdir(parents=True, exist_ok=True)
    files = {
        "orphan": "take-orphan.mp4",  # rendered, never recorded
        "partial": ".take-x.partial.mp4",  # the local renderer's half-written file
        "part": ".take-y.mp4.part",  # a hosted model's half-downloaded file
    }
    for name in files.values():
        (takes / name).write_bytes(b"bytes that may have cost money")
    return {k: f"media/lec/takes/{v}" for k, v in files.items()}


def test_orphans_go_to_the_trash_with_a_log_line_each(store, lecture, caplog) -> None:
    recorded = _take(store, "take-1", "job-1")
    store.record_take(recorded)
    litter = _litter(store)
    (store.root / "runners").mkdir()
    (store.root / "runners" / "runner-dead-host-7.lock").write_bytes(b"")
    with caplog.at_level(logging.INFO):
        report = recover_store(store)
    assert sorted(report.trashed) == sorted(litter.values())
    assert report.stale_leases == ("runner-dead-host-7",) and lease_ids(store.root) == []
    for relative in litter.values():
        assert not (store.root / relative).exists()
        (moved,) = (store.root / "trash").glob(f"*/{relative}")
        assert moved.read_bytes() == b"bytes that may have cost money"
        assert any(relative in r.getMessage() and "trash/" in r.getMessage() for r in caplog.records)
    assert (store.root / recorded.path).exists()  # recorded takes stay
    before = snapshot(store.root)
    assert recover_store(store).trashed == ()  # nothing left to do, nothing written
    assert snapshot(store.root) == before


def test_a_committed_video_without_a_take_record_is_not_an_orphan(store, lecture) -> None:
    takes = store.media_dir("lec", "takes")
    takes.mkdir(parents=True)
    (takes / "imported.mp4").write_bytes(b"committed")
    store.update_lecture(
        "lec",
        lambda lec: lec.with_asset(
            dataclasses.replace(lec.asset("seg-1"), path="media/lec/takes/imported.mp4")
        ),
    )
    assert recover_store(store).trashed == ()
    assert (takes / "imported.mp4").exists()


def test_while_another_runner_lives_only_old_orphans_go(store, lecture) -> None:
    litter = _litter(store)
    other = RunnerLease(store.root)  # another live runner may be about to record these
    try:
        assert recover_store(store).trashed == ()
        old = time.time() - recovery.ORPHAN_GRACE_S - 60
        os.utime(store.root / litter["orphan"], (old, old))
        assert recover_store(store).trashed == (litter["orphan"],)
        assert lease_ids(store.root) == [other.id]  # a live lease is kept
    finally:
        other.release()


def test_a_completed_accept_records_who_decided(store, lecture) -> None:
    take = _take(store, "take-1", "job-1")
    store.save_job(dataclasses.replace(_job("job-1", JobStatus.AWAITING_REVIEW), take_id="take-1"))
    store.record_take(take)
    # the crash: the lecture commit landed, the take and job updates did not
    store.update_lecture(
        "lec", lambda lec: lec.with_asset(dataclasses.replace(lec.asset("seg-1"), path=take.path))
    )
    report = recover_store(store)
    assert report.completed_accepts == ("take-1",)
    done = store.take("take-1")
    assert done.status is TakeStatus.ACCEPTED and done.decided_by == OWNER and done.decided_at
    assert store.job("job-1").status is JobStatus.ACCEPTED


def test_other_users_lectures_are_left_for_their_owner(store, lecture, caplog) -> None:
    store.save_job(_job("job-1", JobStatus.RUNNING))
    before = snapshot(store.root)
    with caplog.at_level(logging.WARNING, logger="workbench.jobs"):
        report = recover_store(open_store(store.root, user="bob"))
    assert report.interrupted == () and report.skipped[0][0] == "lec"
    assert "belongs to 'ada', not 'bob'" in report.skipped[0][1]
    assert snapshot(store.root) == before
    assert recover_store(store).interrupted == ("job-1",)  # ada's own session repairs it


async def test_a_damaged_lecture_with_a_pending_take_does_not_stop_runners(store, lecture) -> None:
    take = _take(store, "take-1", "job-1")
    store.save_job(_job("job-1", JobStatus.RUNNING))
    store.record_take(take)
    store.create_lecture(
        Lecture("lec-b", "proj", "B", OWNER, 0, (VideoAsset("s1", "img-1", "pan right"),),
                starting_images=(dataclasses.replace(lecture.starting_images[0], path="media/lec-b/images/img-1.png"),))
    )  # fmt: skip
    (store.root / "media" / "lec-b" / "images").mkdir(parents=True)
    (store.root / "media" / "lec-b" / "images" / "img-1.png").write_bytes(
        store.media_path(lecture.starting_images[0].path).read_bytes()
    )
    damaged = store.root / "lectures" / "lec.json"
    damaged.write_bytes(damaged.read_bytes()[:150])
    bytes_before = damaged.read_bytes()
    async with Runner(open_store(store.root)) as runner:
        handle = regenerate_video_segment(runner, "lec-b", "s1", SMALL)
        assert (await handle.wait()).status is JobStatus.AWAITING_REVIEW
    assert damaged.read_bytes() == bytes_before
    assert open_store(store.root).job("job-1").status is JobStatus.RUNNING  # waits for the file to be fixed


async def test_recovery_runs_off_the_event_loop(store, lecture, monkeypatch) -> None:
    """Recovery waits (in its thread) for a sign of life from the loop: it only comes if the loop is free."""
    threads: list[int] = []
    started, loop_ran = threading.Event(), threading.Event()
    saw_the_loop: list[bool] = []
    real = recovery.recover_store

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        started.set()
        saw_the_loop.append(loop_ran.wait(10))  # on the loop's own thread this could never be set
        return real(*args, **kwargs)

    monkeypatch.setattr(recovery, "recover_store", spy)
    runner = Runner(store)

    async def heartbeat() -> None:
        while not loop_ran.is_set():
            if started.is_set():
                loop_ran.set()
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(heartbeat())
    handle = regenerate_video_segment(runner, "lec", "seg-1", SMALL)  # returns at once; recovery is in flight
    assert handle.status is JobStatus.QUEUED
    await runner.recovered()
    assert threads and threads[0] != threading.get_ident()
    assert saw_the_loop == [True]
    assert (await handle.wait()).status is JobStatus.AWAITING_REVIEW  # the job waited for recovery, then ran
    await beat
    await runner.shutdown()


def test_a_job_whose_take_was_stored_awaits_review_and_one_without_is_interrupted(store, lecture) -> None:
    """The crash lost only the unsynced "awaiting review" of the first job (its take is stored); the second
    never stored one. Other jobs' takes, older ones, change nothing."""
    store.record_takes([_take(store, f"take-old-{i}", f"job-old-{i}") for i in range(3)])
    store.save_job(_job("job-1", JobStatus.RUNNING))
    store.save_job(_job("job-2", JobStatus.RUNNING))
    store.record_takes([_take(store, "take-1", "job-1")])
    report = recover_store(store)
    assert (store.job("job-1").status, store.job("job-1").take_id) == (JobStatus.AWAITING_REVIEW, "take-1")
    assert store.job("job-2").status is JobStatus.INTERRUPTED and report.interrupted == ("job-2",)
