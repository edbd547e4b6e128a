"""The worker process that keeps a pipeline loaded, and the kernel's handle on it.

Why a process of its own: importing torch and loading weights costs seconds to minutes and gigabytes, and a
denoising step holds the GIL in places. In a worker the kernel stays light (it never imports torch) and
responsive (it only reads small messages), the weights are loaded once and kept between jobs, and a crash or
an out-of-memory kill takes down the worker, not the researcher's kernel: the next job starts a new one.

- **One job at a time per pipeline.** The worker runs its jobs in order, one after another; a job queued
  behind another is told how many are ahead.
- **Cancel between steps.** A cancel message sets a flag that the step callback reads; a job still queued is
  dropped before it starts.
- **A fresh interpreter** (``python -m workbench.generation.diffusers``), never a ``fork`` (a kernel has
  threads, and CUDA cannot be forked) nor multiprocessing's ``spawn`` (which re-imports the caller's script:
  a script without a ``__main__`` guard would run again). It talks over a socket pair with
  ``multiprocessing.connection``, and exits when told or when the kernel's end closes (the kernel died).
- **One loaded pipeline per GPU.** :class:`WorkerPool` keeps one worker per loaded pipeline; before it
  starts one on a GPU, idle workers on that GPU are stopped (two 14B models do not fit together), and the
  backend waits for a busy one to finish.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from workbench.generation.diffusers.protocol import GenerateJob, Ticket
from workbench.generation.diffusers.spec import LoadKey

__all__ = ["PipelineWorker", "WorkerPool", "default_pool", "worker_main"]

log = logging.getLogger("workbench.generation.diffusers")

#: How long a worker may take to stop when asked before it is killed.
STOP_TIMEOUT_S = 10.0


# -- the worker process ------------------------------------------------------------------------------------


def worker_main(conn: Connection) -> None:
    """The worker process: load on first need, run jobs in order, until told to stop or the kernel goes.

    The first message is the :class:`LoadKey` of the pipeline this worker holds.
    """
    from workbench.generation.diffusers.execution import LoadedPipeline, execute_job, go_offline
    from workbench.generation.diffusers.protocol import failure_kind

    go_offline()
    key: LoadKey = conn.recv()
    inbox: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
    cancels: dict[str, threading.Event] = {}
    guard = threading.Lock()
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock, contextlib.suppress(OSError, BrokenPipeError):
            conn.send(message)

    def listen() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = ("stop",)
            kind = message[0]
            if kind == "run":
                with guard:
                    cancels[message[1].job_id] = threading.Event()
                inbox.put(message)
            elif kind == "cancel":
                with guard:
                    flag = cancels.get(message[1])
                if flag is not None:
                    flag.set()
            elif kind == "load":
                inbox.put(message)
            elif kind == "stop":
                with guard:
                    for flag in cancels.values():
                        flag.set()
                inbox.put(None)
                return

    threading.Thread(target=listen, name="workbench-diffusers-listen", daemon=True).start()
    pipeline = LoadedPipeline(key)

    def load(name: str, vae_dtype: str | None) -> tuple[str, str, str | None] | None:
        """Load now; the failure as ``(kind, message, detail)``, or ``None``."""
        try:
            send(("loaded", pipeline.load(name, vae_dtype)))
        except Exception as exc:
            failure = (failure_kind(exc), getattr(exc, "message", str(exc)), getattr(exc, "detail", None))
            if failure[0] == "backend":
                failure = (
                    "backend",
                    f"The model could not be loaded ({type(exc).__name__}).",
                    str(exc)[:600],
                )
            send(("load-failed", *failure))
            return failure
        return None

    while (message := inbox.get()) is not None:
        if message[0] == "load":
            load(message[1], message[2])
            continue
        job: GenerateJob = message[1]
        with guard:
            flag = cancels[job.job_id]
        try:
            if not pipeline.loaded and not flag.is_set():
                send(("progress", job.job_id, "loading", None, None))
                failure = load(job.pipeline, job.vae_dtype)
                if failure is not None:
                    send(("failed", job.job_id, *failure))
                    continue
            send(execute_job(pipeline, job, send, flag.is_set))
        finally:
            with guard:
                cancels.pop(job.job_id, None)
    conn.close()


# -- the kernel's side -------------------------------------------------------------------------------------


class _Process:
    """One started worker process and the jobs sent to it (a restarted worker gets a new one)."""

    def __init__(self, process: subprocess.Popen[bytes], conn: Connection, name: str) -> None:
        self.process = process
        self.conn = conn
        self.name = name
        self.tickets: dict[str, Ticket] = {}
        self.order: list[str] = []  # run jobs not finished yet, in the order sent
        self.load_waiters: list[Ticket] = []


class PipelineWorker:
    """A worker process for one :class:`LoadKey`, started on first use; thread-safe, usable from any loop."""

    _names = itertools.count(1)

    def __init__(self, key: LoadKey, label: str = "") -> None:
        self.key = key
        self.label = label or key.path
        self._lock = threading.Lock()
        self._current: _Process | None = None
        #: What the last load reported (``None``: not loaded in the current process yet).
        self.loaded: dict[str, Any] | None = None
        #: The last load failure ``(kind, message, detail)``, until a load succeeds.
        self.load_error: tuple[str, str, str | None] | None = None
        #: How many processes this handle started (tests read it: a kept pipeline is loaded once).
        self.starts = 0
        self.last_exit_code: int | None = None

    # -- lifecycle

    @property
    def alive(self) -> bool:
        current = self._current
        return current is not None and current.process.poll() is None

    @property
    def pid(self) -> int | None:
        current = self._current
        return None if current is None else current.process.pid

    def _started(self) -> _Process:
        """The running process, started now if there is none (call with the lock held)."""
        current = self._current
        if current is not None and current.process.poll() is None:
            return current
        ours, theirs = socket.socketpair()
        with ours, theirs:
            process = subprocess.Popen(
                [sys.executable, "-m", "workbench.generation.diffusers", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
            conn = Connection(ours.detach())
        conn.send(self.key)
        name = f"workbench-diffusers-{next(self._names)}"
        current = self._current = _Process(process, conn, name)
        self.loaded = None
        self.starts += 1
        threading.Thread(target=self._read, args=(current,), name=f"{name}-reader", daemon=True).start()
        log.info("Started %s (pid %s) for %s", name, process.pid, self.label)
        return current

    def _read(self, current: _Process) -> None:
        while True:
            try:
                message = current.conn.recv()
            except (EOFError, OSError):
                break
            self._deliver(current, message)
        try:
            code: int | None = current.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        with self._lock:
            if self._current is current:
                self._current, self.loaded, self.last_exit_code = None, None, code
            orphans = list(current.tickets.values()) + current.load_waiters
            current.tickets.clear()
            current.order.clear()
            current.load_waiters = []
        for ticket in orphans:
            ticket.push(("ended", ticket.job_id, code))
        with contextlib.suppress(OSError):
            current.conn.close()

    def _deliver(self, current: _Process, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind in ("loaded", "load-failed"):
            with self._lock:
                if kind == "loaded":
                    self.loaded, self.load_error = message[1], None
                else:
                    self.load_error = (message[1], message[2], message[3])
                waiters, current.load_waiters = current.load_waiters, []
            for ticket in waiters:
                if kind == "loaded":
                    ticket.push(("done", ticket.job_id, message[1]))
                else:
                    ticket.push(("failed", ticket.job_id, *message[1:]))
            return
        job_id = message[1]
        with self._lock:
            ticket = current.tickets.get(job_id)
            if kind in ("done", "failed", "cancelled"):
                current.tickets.pop(job_id, None)
                with contextlib.suppress(ValueError):
                    current.order.remove(job_id)
        if ticket is not None:
            ticket.push(message)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Ask the worker to finish and exit (jobs still queued are cancelled); kill it if it will not."""
        with self._lock:
            current = self._current
        if current is None:
            return
        with contextlib.suppress(OSError, BrokenPipeError):
            current.conn.send(("stop",))
        try:
            current.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", current.name, timeout_s)
            current.process.kill()
            current.process.wait(5)

    # -- jobs

    def load(self, pipeline: str, vae_dtype: str | None) -> Ticket:
        """Load the pipeline now (``workbench serve`` does, before it says it is ready)."""
        ticket = Ticket(f"load-{id(self)}")
        with self._lock:
            current = self._started()
            current.load_waiters.append(ticket)
            current.conn.send(("load", pipeline, vae_dtype))
        return ticket

    def run(self, job: GenerateJob) -> tuple[Ticket, int]:
        """Queue ``job``; returns its ticket and how many jobs are ahead of it."""
        ticket = Ticket(job.job_id)
        with self._lock:
            current = self._started()
            ahead = len(current.order)
            current.tickets[job.job_id] = ticket
            current.order.append(job.job_id)
            current.conn.send(("run", job))
        return ticket, ahead

    def cancel(self, job_id: str) -> None:
        with self._lock:
            current = self._current
        if current is not None:
            with contextlib.suppress(OSError, BrokenPipeError):
                current.conn.send(("cancel", job_id))

    @property
    def busy(self) -> bool:
        with self._lock:
            current = self._current
            return current is not None and bool(current.order or current.load_waiters)


class WorkerPool:
    """One :class:`PipelineWorker` per loaded pipeline in this process; one pipeline per exclusive device."""

    def __init__(self, exclusive: Callable[[str], bool] | None = None) -> None:
        self._workers: dict[LoadKey, PipelineWorker] = {}
        self._lock = threading.Lock()
        #: Devices that hold one loaded pipeline at a time (GPUs; not the CPU, whose memory is larger).
        self.exclusive = exclusive or (lambda device: not device.startswith("cpu"))

    def get(self, key: LoadKey, label: str = "") -> PipelineWorker:
        """The worker for ``key`` (not started until it gets work)."""
        with self._lock:
            worker = self._workers.get(key)
            if worker is None:
                worker = self._workers[key] = PipelineWorker(key, label)
            return worker

    def existing(self, key: LoadKey) -> PipelineWorker | None:
        with self._lock:
            return self._workers.get(key)

    def rivals(self, key: LoadKey) -> list[PipelineWorker]:
        """Running workers of other pipelines on ``key``'s device, when that device holds only one."""
        if not self.exclusive(key.device):
            return []
        with self._lock:
            return [w for k, w in self._workers.items() if k != key and k.device == key.device and w.alive]

    def stop_all(self) -> None:
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.stop()


_default_pool: WorkerPool | None = None
_default_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """This process's pool (workers stop when the process exits)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = WorkerPool()
            atexit.register(_default_pool.stop_all)
        return _default_pool
