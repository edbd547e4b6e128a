"""Renders in worker processes that still report progress and stop when cancelled.

Two renders in one process contend for Python's GIL (each drives its encoder and warping frame by frame), so a
batch of local renders on threads keeps ~1.7 of 2 cores busy; in worker processes it keeps ~1.9 (measured with
``benchmarks/batch_bench.py``). A plain ``ProcessPoolExecutor`` loses what threads give for free: progress
within a take, and a cancel that stops a render within a frame (so Ctrl-C leaves no half-written file behind).
:class:`WorkerProcessPool` keeps both, cheaply:

- progress: every worker gets one shared queue when it starts; a render's progress callback is a small
  picklable object that puts ``(token, Progress)`` on it, and a relay thread here hands each report to the job
  that owns the token;
- cancel: a shared array of flags, one slot per piece of work in flight; the render's cancel flag reads its
  slot (no message, no lock), and a cancel writes the work's token there. A slot is reused only once its work
  has ended, and a token is never reused, so a late cancel can never stop someone else's render.

Workers ignore SIGINT: Ctrl-C in a terminal reaches the whole process group, and the batch (not each worker)
decides what an interrupt means: it cancels the renders through their flags and waits for them to clean up.
Workers start from a fork server that has the render modules imported, so starting one is quick, and they do
not re-run the main module (a script, a notebook kernel): they only run workbench functions, and a script that
opens a pool without the ``if __name__ == "__main__":`` guard then works instead of failing in every worker.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.generation.base import Progress, ProgressCallback

__all__ = ["WorkerProcessPool"]

log = logging.getLogger("workbench.jobs")

#: Modules a worker needs for a render, imported once by the fork server instead of by every worker.
PRELOAD = ("workbench.generation.local.render", "workbench.analysis.live_metrics")
#: Pieces of work that can be in flight (queued or running in the pool) with their own cancel flag at once.
SLOTS = 256

#: How long a worker whose owner died gives its work to stop (renders stop within a frame) before it exits.
ORPHAN_GRACE_S = 5.0

# In a worker process: the queue and flags its pool gave it (set by ``_start_worker``).
_progress_queue: Any = None
_cancel_flags: Any = None
_orphaned = threading.Event()


def _start_worker(progress_queue: Any, cancel_flags: Any, owner_alive: Any) -> None:
    global _progress_queue, _cancel_flags
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress_queue, _cancel_flags = progress_queue, cancel_flags
    _one_library_thread()
    threading.Thread(
        target=_watch_owner, args=(owner_alive,), name="workbench-owner-watch", daemon=True
    ).start()


def _one_library_thread() -> None:
    """OpenCV on one thread in a worker: the pool has a worker per core, so the cores are already shared out;
    OpenCV's own worker threads would only contend with the other workers (and spin while they wait)."""
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(1)


def _watch_owner(owner_alive: Any) -> None:
    """Stop this worker's work and exit once the process that owns the pool is gone (killed with -9, say).

    Nothing else would: an idle worker waits for work forever, and a busy one would finish its render and
    put an untracked take in the store. The pool's end of ``owner_alive`` closes only when its owner dies."""
    with contextlib.suppress(EOFError, OSError):
        owner_alive.recv_bytes()
    _orphaned.set()  # every render's cancel flag reads it: they stop and remove their partial files
    time.sleep(ORPHAN_GRACE_S)
    os._exit(1)


def _started() -> None:
    """Nothing: submitted once per worker to start the workers before the first render needs them."""


@dataclass(frozen=True)
class RelayedProgress:
    """A render's progress callback, in its worker: reports travel to the pool's relay thread."""

    token: int

    def __call__(self, progress: Progress) -> None:
        if _progress_queue is not None:
            _progress_queue.put((self.token, progress))


@dataclass(frozen=True)
class SharedCancel:
    """A render's cancel flag, in its worker: set when its slot holds its token."""

    slot: int
    token: int

    def is_set(self) -> bool:
        return _orphaned.is_set() or (_cancel_flags is not None and _cancel_flags[self.slot] == self.token)


class _Link:
    """One piece of work's line to its worker (see ``workbench.generation.base.WorkerLink``)."""

    def __init__(self, pool: WorkerProcessPool, slot: int, token: int) -> None:
        self._pool, self._slot, self._token = pool, slot, token
        self.progress: ProgressCallback = RelayedProgress(token)
        self.cancel = SharedCancel(slot, token)
        self._closed = False

    def request_cancel(self) -> None:
        if not self._closed:
            self._pool._flags[self._slot] = self._token

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool._release(self._slot, self._token)


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    """A fork-server process that starts without importing ``__main__`` (see the module docstring)."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        with _main_module_hidden():  # what the new process is told to import is decided in here
            return multiprocessing.context.ForkServerProcess._Popen(process_obj)


class _WorkerContext(multiprocessing.context.ForkServerContext):
    Process = _WorkerProcess


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """``__main__`` without the name and path a child process would import it by (for an instant)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class WorkerProcessPool(concurrent.futures.ProcessPoolExecutor):
    """A process pool whose work can report progress and be cancelled mid-way (``link``)."""

    def __init__(self, max_workers: int, *, preload: Sequence[str] = PRELOAD) -> None:
        context = _WorkerContext()
        context.set_forkserver_preload(list(preload))
        self._queue = context.SimpleQueue()
        self._flags = context.RawArray("q", SLOTS)
        # Workers get only the reading end: it reaches end-of-file when this process is gone, however it died.
        owner_alive, self._alive = context.Pipe(duplex=False)
        super().__init__(
            max_workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._queue, self._flags, owner_alive),
        )
        self.workers = max_workers
        self._lock = threading.Lock()
        self._free = list(range(SLOTS - 1, -1, -1))
        self._tokens = itertools.count(1)
        self._listeners: dict[int, Callable[[Progress], None]] = {}
        self._relay = threading.Thread(target=self._deliver, name="workbench-worker-progress", daemon=True)
        self._relay.start()

    def start_workers(self) -> None:
        """Start every worker now, in the background (they start on demand otherwise): the fork server's
        imports then overlap whatever comes next, e.g. planning the batch."""

        def start() -> None:
            with contextlib.suppress(RuntimeError):  # shut down before they started: nothing to start
                for _ in range(self.workers):
                    self.submit(_started)

        threading.Thread(target=start, name="workbench-worker-start", daemon=True).start()

    def link(self, on_progress: ProgressCallback) -> _Link:
        """A new line for one piece of work: ``on_progress`` hears its reports (on the relay thread)."""
        with self._lock:
            if not self._free:
                raise RuntimeError(f"More than {SLOTS} renders in flight in one worker pool.")
            slot, token = self._free.pop(), next(self._tokens)
            self._flags[slot] = 0
            self._listeners[token] = on_progress
        return _Link(self, slot, token)

    def _release(self, slot: int, token: int) -> None:
        with self._lock:
            self._listeners.pop(token, None)
            self._flags[slot] = 0
            self._free.append(slot)

    def _deliver(self) -> None:
        while True:
            try:
                message = self._queue.get()
            except (EOFError, OSError):
                return
            if message is None:
                return
            token, progress = message
            with self._lock:
                listener = self._listeners.get(token)
            if listener is None:  # the work ended, or a report came after its job stopped listening
                continue
            try:
                listener(progress)
            except Exception:
                log.exception("A progress listener failed")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._relay.is_alive():
            self._queue.put(None)
            if wait:
                self._relay.join(timeout=5)
