"""The runner's group writer: job states land in order, grouped into one file when they pile up, errors reach callers."""

from __future__ import annotations

import dataclasses
import threading

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


def test_save_jobs_gives_each_state_of_a_job_the_next_revision(store, lecture) -> None:
    job = _job("job-a")
    store.save_job(job)
    store.save_jobs([dataclasses.replace(job, status=s) for s in (JobStatus.RUNNING, JobStatus.FAILED)])
    assert store.job("job-a").status is JobStatus.FAILED
    assert list(store.jobs()["status"]) == ["failed"]
