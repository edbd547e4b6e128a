"""The event bus: delivers job events to callbacks and async iterators, throttles progress, journals all.

Delivery happens on the event loop's thread, in publish order, so events of one job are always ordered.
Progress events are throttled per job (at most one per ``progress_interval_s``; the latest is never lost:
it is delivered when the interval ends or just before the job's next lifecycle event), so a notebook is
never flooded. A callback that raises does not break delivery: the error goes to ``on_callback_error``
(the review UI shows it in its log).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from workbench.jobs.events import LIFECYCLE_EVENTS, Event, EventType
from workbench.store import LectureStore

__all__ = ["EventBus", "Subscription"]

log = logging.getLogger("workbench.jobs")

EventCallback = Callable[[Event], Any]


@dataclass
class Subscription:
    """A registered callback; ``close()`` stops delivery."""

    bus: EventBus
    callback: EventCallback
    lecture_id: str | None = None
    job_id: str | None = None
    asset_id: str | None = None

    def matches(self, event: Event) -> bool:
        return (
            (self.lecture_id is None or event.lecture_id == self.lecture_id)
            and (self.job_id is None or event.job_id == self.job_id)
            and (self.asset_id is None or event.asset_id == self.asset_id)
        )

    def close(self) -> None:
        self.bus._unsubscribe(self)


#: How long a job's state change waits before it is journaled: a few ms, so one job's "preview ready" and the
#: next job's "started" share a file instead of costing two fsynced writes.
LIFECYCLE_JOURNAL_DELAY_S = 0.02


class EventBus:
    def __init__(
        self,
        store: LectureStore | None = None,
        *,
        progress_interval_s: float = 0.25,
        journal_delay_s: float = 0.25,
        lifecycle_delay_s: float = LIFECYCLE_JOURNAL_DELAY_S,
    ) -> None:
        self.store = store
        self.progress_interval_s = progress_interval_s
        self.journal_delay_s = journal_delay_s
        #: How long a lifecycle event waits to be journaled (a batch, which nobody watches event by event
        #: from another session, waits as long as for progress: fewer appends).
        self.lifecycle_delay_s = lifecycle_delay_s
        self.on_callback_error: Callable[[BaseException, Event], None] = self._log_callback_error
        self._subs: list[Subscription] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        # progress throttling, per job: last delivery time, the held-back latest event, its timer
        self._last_progress: dict[str, float] = {}
        self._held: dict[str, Event] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        # journal
        self._unjournaled: list[Event] = []
        self._writing: list[Event] = []  # taken from _unjournaled, being written now
        # _journal_lock guards the two lists and is only held for a moment (the event loop takes it);
        # _write_lock keeps batches in order and is held across the fsynced write (never by the loop).
        self._journal_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._flush_task: asyncio.Task[None] | None = None
        self._flush_sleeping = False  # the flush task waits for its delay (set and read on the loop only)

    # -- subscribing -----------------------------------------------------------------------------------------

    def subscribe(
        self,
        callback: EventCallback,
        *,
        lecture_id: str | None = None,
        job_id: str | None = None,
        asset_id: str | None = None,
    ) -> Subscription:
        sub = Subscription(self, callback, lecture_id, job_id, asset_id)
        self._subs.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subs.remove(sub)

    async def stream(
        self,
        *,
        lecture_id: str | None = None,
        job_id: str | None = None,
        until: Callable[[Event], bool] | None = None,
    ) -> AsyncIterator[Event]:
        """Events as an async iterator; ends after the first event for which ``until`` is true."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        sub = self.subscribe(queue.put_nowait, lecture_id=lecture_id, job_id=job_id)
        try:
            while True:
                event = await queue.get()
                yield event
                if until is not None and until(event):
                    return
        finally:
            sub.close()

    # -- publishing ------------------------------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver on ``loop`` (the runner binds the loop it runs on)."""
        self._loop = loop
        self._loop_thread = threading.get_ident() if _running_loop() is loop else None

    def publish(self, event: Event) -> None:
        """Journal and deliver ``event`` (safe to call from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed() and _running_loop() is not loop:
            loop.call_soon_threadsafe(self._publish, event)
        else:
            self._publish(event)

    def _publish(self, event: Event) -> None:
        if event.type is EventType.JOB_PROGRESS:
            self._throttle(event)
            return
        self._release_held(event.job_id)
        self._deliver(event)

    def _throttle(self, event: Event) -> None:
        now = time.monotonic()
        last = self._last_progress.get(event.job_id)
        final = (event.fraction or 0.0) >= 1.0
        if last is None or final or now - last >= self.progress_interval_s:
            self._held.pop(event.job_id, None)
            self._cancel_timer(event.job_id)
            self._last_progress[event.job_id] = now
            self._deliver(event)
            return
        self._held[event.job_id] = event
        loop = _running_loop()
        if loop is not None and event.job_id not in self._timers:
            delay = self.progress_interval_s - (now - last)
            self._timers[event.job_id] = loop.call_later(delay, self._release_held, event.job_id)

    def _release_held(self, job_id: str) -> None:
        self._cancel_timer(job_id)
        held = self._held.pop(job_id, None)
        if held is not None:
            self._last_progress[job_id] = time.monotonic()
            self._deliver(held)

    def _cancel_timer(self, job_id: str) -> None:
        timer = self._timers.pop(job_id, None)
        if timer is not None:
            timer.cancel()

    def _deliver(self, event: Event) -> None:
        self._journal(event)
        for sub in list(self._subs):
            if not sub.matches(event):
                continue
            try:
                sub.callback(event)
            except Exception as exc:  # a broken UI callback must not stop other subscribers or the job
                self.on_callback_error(exc, event)

    @staticmethod
    def _log_callback_error(exc: BaseException, event: Event) -> None:
        log.error("An event callback failed on %s: %s", event.type, exc, exc_info=exc)

    # -- journal ---------------------------------------------------------------------------------------------

    def _journal(self, event: Event) -> None:
        if self.store is None:
            return
        with self._journal_lock:
            self._unjournaled.append(event)
        loop = _running_loop()
        if loop is None:
            self.flush_now()
        elif self._flush_task is None or self._flush_task.done():
            delay = self.lifecycle_delay_s if event.type in LIFECYCLE_EVENTS else self.journal_delay_s
            self._flush_task = loop.create_task(self._flush_later(delay))

    async def _flush_later(self, delay: float) -> None:
        """Write what waits, then again for whatever arrived meanwhile, until nothing is left."""
        while True:
            self._flush_sleeping = True
            try:
                await asyncio.sleep(delay)
            finally:
                self._flush_sleeping = False
            await asyncio.get_running_loop().run_in_executor(None, self.flush_now)
            with self._journal_lock:
                if not self._unjournaled:
                    return
                lifecycle = any(e.type in LIFECYCLE_EVENTS for e in self._unjournaled)
            delay = self.lifecycle_delay_s if lifecycle else self.journal_delay_s

    def flush_now(self) -> None:
        """Write every not-yet-journaled event to the store (blocking; one parquet file)."""
        if self.store is None:
            return
        with self._write_lock:
            with self._journal_lock:
                batch, self._unjournaled = self._unjournaled, []
                self._writing = batch
            if not batch:
                return
            try:
                self.store.append_events([e.to_row() for e in batch])
            except Exception as exc:
                # disk full, store unreachable: keep the batch for the next flush
                if isinstance(exc, OSError):
                    self._requeue(batch)
                    raise
                self._append_each(batch)
            except BaseException:
                self._requeue(batch)
                raise
            finally:
                with self._journal_lock:
                    self._writing = []

    def _append_each(self, batch: list[Event]) -> None:
        """Write the events of a refused batch one by one, logging and dropping those the store refuses.

        A refusal (an event the store's schema or checks reject) is permanent: retrying the whole batch would
        hold back every later event forever. An ``OSError`` keeps only the events not written yet."""
        assert self.store is not None
        for index, event in enumerate(batch):
            try:
                self.store.append_events([event.to_row()])
            except OSError:
                self._requeue(batch[index:])
                raise
            except Exception as exc:
                log.error(
                    "The store refused event %s of job %s; it is not journaled: %s",
                    event.type,
                    event.job_id,
                    exc,
                )

    def _requeue(self, events: list[Event]) -> None:
        with self._journal_lock:
            self._unjournaled[:0] = events

    async def flush(self) -> None:
        """Wait until every event published so far is journaled."""
        task = self._flush_task
        if task is not None and not task.done():
            if self._flush_sleeping:  # waiting for company: no need to, everything goes now
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            else:  # writing: let it finish (its write comes before ours)
                await asyncio.shield(task)
        await asyncio.get_running_loop().run_in_executor(None, self.flush_now)

    def history(
        self, *, lecture_id: str | None = None, job_id: str | None = None, limit: int | None = None
    ) -> list[Event]:
        """Journaled events (plus any not yet written), oldest first: rebuilds a progress log.

        ``limit`` keeps the newest ones only, and only those are decoded (a long journal stays cheap).
        """
        events: list[Event] = []
        if self.store is not None:
            frame = self.store.events(lecture_id=lecture_id, job_id=job_id)
            if limit is not None:
                frame = frame.tail(limit)
            events = [Event.from_row(row) for row in frame.to_dict("records")]
        seen = {e.id for e in events}
        with self._journal_lock:
            for e in [*self._writing, *self._unjournaled]:
                if e.id not in seen and (lecture_id in (None, e.lecture_id)) and (job_id in (None, e.job_id)):
                    events.append(e)
        return events if limit is None else events[-limit:] if limit else []


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
