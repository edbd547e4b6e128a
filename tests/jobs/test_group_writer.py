"""The runner's group writer: job states land in order, grouped into one file when they pile up, errors reach callers."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.jobs.group_writer import GroupWriter


def _job(job_id: str, status: JobStatus = JobStatus.QUEUED) -> JobRecord:
    now = next_timestamp()
    return JobRecord(job_id, "app/regenerate-video-segment", "lec", "seg-1", "ada", status, now, now)


def test_queued_states_are_written_in_order_as_one_file(store, lecture) -> None:
    entered, gate = threading.Event(), threading.Event()
    groups: list[int] = []

    def save(records, durable):
        entered.set()
        gate.wait(5)  # hold the thread so the next states pile up behind the first
        groups.append(len(records))
        store.save_jobs(records, durable=durable)

    writer = GroupWriter(save, "test-writer")
    try:
        first = writer.submit(_job("job-a"), durable=False)
        assert entered.wait(5)
        states = [JobStatus.RUNNING, JobStatus.AWAITING_REVIEW]
        later = [writer.submit(_job("job-a", s), durable=False) for s in states]
        later.append(writer.submit(_job("job-b"), durable=True))
        gate.set()
        for future in [first, *later]:
            future.result(timeout=10)
    finally:
        writer.close()
    assert groups == [1, 3]
    assert store.job("job-a").status is JobStatus.AWAITING_REVIEW  # the last state of the group wins
    assert store.job("job-b").status is JobStatus.QUEUED
    files = sorted((store.root / "tables" / "jobs").glob("*.parquet"))
    assert len(files) == 2


def test_a_failed_write_reaches_every_caller_of_its_group_and_the_writer_goes_on(store, lecture) -> None:
    calls = 0

    def save(records, durable):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        store.save_jobs(records, durable=durable)

    writer = GroupWriter(save, "test-writer")
    try:
        with pytest.raises(OSError, match="disk full"):
            writer.submit(_job("job-a"), durable=True).result(timeout=10)
        writer.submit(_job("job-b"), durable=True).result(timeout=10)
        writer.barrier().result(timeout=10)
    finally:
        writer.close()
    assert store.job("job-b").status is JobStatus.QUEUED
    with pytest.raises(RuntimeError):
        writer.submit(_job("job-c"), durable=True)
    writer.barrier().result(timeout=1)  # closing wrote everything: a decision after shutdown need not wait


def _counting(store, groups: list[int]):
    def save(records, durable):
        groups.append(len(records))
        store.save_jobs(records, durable=durable)

    return save


def test_a_lingering_writer_puts_states_that_come_close_together_in_one_file(store, lecture) -> None:
    groups: list[int] = []
    writer = GroupWriter(_counting(store, groups), "test-writer", linger_s=1.0)
    try:
        futures = []
        for job_id in ("job-a", "job-b", "job-c"):
            futures.append(writer.submit(_job(job_id), durable=False))
            time.sleep(0.05)  # jobs that end a little apart, as a batch's do
        for future in futures:
            future.result(timeout=10)
    finally:
        writer.close()
    assert groups == [3]
    assert len(list((store.root / "tables" / "jobs").glob("*.parquet"))) == 1
    assert {store.job(j).status for j in ("job-a", "job-b", "job-c")} == {JobStatus.QUEUED}


@pytest.mark.parametrize("cut", ["durable row", "barrier", "close"])
def test_a_durable_row_a_barrier_or_close_ends_the_linger_at_once(store, lecture, cut) -> None:
    groups: list[int] = []
    writer = GroupWriter(_counting(store, groups), "test-writer", linger_s=60.0)
    start = time.monotonic()
    try:
        lingering = writer.submit(_job("job-a"), durable=False)
        if cut == "durable row":
            writer.submit(_job("job-b", JobStatus.FAILED), durable=True).result(timeout=10)
        elif cut == "barrier":
            writer.barrier().result(timeout=10)
    finally:
        writer.close()
    assert lingering.done() and lingering.exception() is None
    assert time.monotonic() - start < 30  # not the minute it would have lingered
    assert groups == ([2] if cut == "durable row" else [1])
    assert store.job("job-a").status is JobStatus.QUEUED


def test_save_jobs_gives_each_state_of_a_job_the_next_revision(store, lecture) -> None:
    job = _job("job-a")
    store.save_job(job)
    store.save_jobs([dataclasses.replace(job, status=s) for s in (JobStatus.RUNNING, JobStatus.FAILED)])
    assert store.job("job-a").status is JobStatus.FAILED
    assert list(store.jobs()["status"]) == ["failed"]
