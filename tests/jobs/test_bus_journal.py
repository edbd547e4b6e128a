"""The event journal: every published event reaches the store soon, also one published during a write."""

from __future__ import annotations

import asyncio
import threading

import pytest

from workbench.jobs.bus import EventBus
from workbench.jobs.events import Event, EventType


async def test_an_event_published_while_the_journal_is_writing_is_written_next(store, lecture) -> None:
    bus = EventBus(store)
    writing, release = threading.Event(), threading.Event()
    append = store.append_events

    def slow_append(rows):
        writing.set()
        release.wait(5)  # hold the first write open while the next event arrives
        return append(rows)

    store.append_events = slow_append
    bus.publish(Event(EventType.JOB_QUEUED, "job-a", "lec", "seg-1", "Queued."))
    assert await asyncio.to_thread(writing.wait, 5)
    bus.publish(Event(EventType.VIDEO_PREVIEW, "job-a", "lec", "seg-1", "Preview ready."))
    release.set()
    async with asyncio.timeout(5):
        while len(store.events(job_id="job-a")) < 2:  # noqa: ASYNC110 - waiting for the journal thread
            await asyncio.sleep(0.01)
    assert list(store.events(job_id="job-a")["type"]) == ["job-queued", "video-preview"]


def test_a_refused_event_is_dropped_and_logged_while_the_rest_are_journaled(store, lecture, caplog) -> None:
    bus = EventBus(store)
    append = store.append_events

    def refusing_append(rows):
        if any(row["message"] == "bad" for row in rows):
            raise ValueError("the store refuses this row")
        return append(rows)

    store.append_events = refusing_append
    for message in ("Queued.", "bad", "Preview ready."):
        bus._unjournaled.append(Event(EventType.JOB_PROGRESS, "job-b", "lec", "seg-1", message))
    bus.flush_now()
    assert list(store.events(job_id="job-b")["message"]) == ["Queued.", "Preview ready."]
    assert "refused event" in caplog.text
    bus.publish(Event(EventType.JOB_FAILED, "job-b", "lec", "seg-1", "Later."))  # later events still arrive
    assert list(store.events(job_id="job-b")["message"]) == ["Queued.", "Preview ready.", "Later."]


def test_a_batch_that_fails_on_the_disk_is_kept_for_the_next_flush(store, lecture) -> None:
    bus = EventBus(store)
    append = store.append_events
    failures = [OSError("disk full")]

    def flaky_append(rows):
        if failures:
            raise failures.pop()
        return append(rows)

    store.append_events = flaky_append
    bus._unjournaled.append(Event(EventType.JOB_QUEUED, "job-c", "lec", "seg-1", "Queued."))
    with pytest.raises(OSError, match="disk full"):
        bus.flush_now()
    assert store.events(job_id="job-c").empty
    bus.flush_now()
    assert list(store.events(job_id="job-c")["message"]) == ["Queued."]


def test_a_disk_failure_while_writing_one_by_one_keeps_only_what_was_not_written(store, lecture) -> None:
    bus = EventBus(store)
    append = store.append_events
    calls = {"single": 0}

    def append_refusing_then_failing(rows):
        if any(row["message"] == "bad" for row in rows):
            raise ValueError("the store refuses this row")
        if len(rows) == 1:
            calls["single"] += 1
            if calls["single"] == 2:  # the second event written alone meets a full disk
                raise OSError("disk full")
        return append(rows)

    store.append_events = append_refusing_then_failing
    for message in ("first", "bad", "second", "third"):
        bus._unjournaled.append(Event(EventType.JOB_PROGRESS, "job-d", "lec", "seg-1", message))
    with pytest.raises(OSError, match="disk full"):
        bus.flush_now()
    assert list(store.events(job_id="job-d")["message"]) == ["first"]
    bus.flush_now()
    assert list(store.events(job_id="job-d")["message"]) == ["first", "second", "third"]


async def test_a_long_lifecycle_delay_groups_events_and_flush_does_not_wait_for_it(store, lecture) -> None:
    bus = EventBus(store, lifecycle_delay_s=60.0)  # a batch's bus waits for company, not a minute here
    bus.bind(asyncio.get_running_loop())
    for job in ("job-a", "job-b", "job-c"):
        bus.publish(Event(EventType.JOB_STARTED, job, "lec", "seg-1", "Started generating."))
    await asyncio.sleep(0.1)
    assert store.events().empty  # still waiting for company
    async with asyncio.timeout(10):
        await bus.flush()
    assert list(store.events()["job_id"]) == ["job-a", "job-b", "job-c"]
    assert len(list((store.root / "tables" / "events").glob("*.parquet"))) == 1
