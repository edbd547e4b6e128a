"""The event journal: every published event reaches the store soon, also one published during a write."""

from __future__ import annotations

import asyncio
import threading

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
