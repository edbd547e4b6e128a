"""One thread that records rows (job states, takes) in order, several to a file when they pile up.

Every store append is a parquet file with an fsync (5-10 ms here). Written one by one, eight busy jobs queue
behind each other's fsyncs, and a job waited 100-400 ms to journal a provider job id or store its take. So the
thread takes everything waiting at once and writes it as one file (group commit): the order is kept (later
rows of the same job get higher revisions), a durable row makes its whole group durable, and each caller's
future resolves once its row is on disk.

A writer may also *linger* (``linger_s``): a group of re-derivable rows only (no durable row, no barrier)
waits that long for company before it is written. A batch's jobs end a few at a time, so its job states and
measurements then share a file instead of costing one append each; a durable row, a barrier or ``close``
ends the wait at once.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["GroupWriter"]

T = TypeVar("T")

#: Most rows written as one file.
MAX_GROUP = 256


@dataclass
class _Write(Generic[T]):
    record: T | None  # None: a barrier that resolves once everything before it is written
    durable: bool
    done: concurrent.futures.Future[None]


class GroupWriter(Generic[T]):
    """Records rows through ``save(rows, durable)`` on a single thread, grouping what waits."""

    def __init__(
        self, save: Callable[[Sequence[T], bool], object], name: str, *, linger_s: float = 0.0
    ) -> None:
        self._save = save
        self.linger_s = linger_s
        self._queue: queue.SimpleQueue[_Write[T] | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, record: T, *, durable: bool) -> concurrent.futures.Future[None]:
        """Queue ``record``; the future resolves when it is written (or carries the write's error)."""
        return self._put(record, durable)

    def barrier(self) -> concurrent.futures.Future[None]:
        """A future that resolves once every state submitted before it is written (at once when the writer is
        closed: closing wrote everything)."""
        if self._closed:
            self._thread.join()
            done: concurrent.futures.Future[None] = concurrent.futures.Future()
            done.set_result(None)
            return done
        return self._put(None, False)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def _put(self, record: T | None, durable: bool) -> concurrent.futures.Future[None]:
        if self._closed:
            raise RuntimeError("The writer is closed: the runner has shut down.")
        write: _Write[T] = _Write(record, durable, concurrent.futures.Future())
        self._queue.put(write)
        return write.done

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group = self._gather()
            stopping = any(w is None for w in group)
            writes = [w for w in group if w is not None]
            records = [w.record for w in writes if w.record is not None]
            error: BaseException | None = None
            if records:
                try:
                    self._save(records, any(w.durable for w in writes if w.record is not None))
                except BaseException as exc:  # reported to every caller of the group
                    error = exc
            for w in writes:
                if error is None:
                    w.done.set_result(None)
                else:
                    w.done.set_exception(error)

    def _gather(self) -> list[_Write[T] | None]:
        """What waits now; when it is re-derivable rows only, and the writer lingers, what comes within
        ``linger_s`` too."""
        group: list[_Write[T] | None] = [self._queue.get()]
        urgent = _urgent(group[0])
        deadline = time.monotonic() + self.linger_s
        while len(group) < MAX_GROUP:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                wait = deadline - time.monotonic()
                if urgent or wait <= 0:
                    break
                try:
                    write = self._queue.get(timeout=wait)
                except queue.Empty:
                    break
            group.append(write)
            urgent = urgent or _urgent(write)
        return group


def _urgent(write: _Write[T] | None) -> bool:
    """Whether a write ends a lingering group: a durable row, a barrier, or the stop (``None``)."""
    return write is None or write.record is None or write.durable
