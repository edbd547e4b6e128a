"""Which runners are alive: each holds an OS file lock for its lifetime.

A job record names its runner. When a store is reopened, an active job whose runner's lock can be taken
belongs to a process that died (the OS released the lock), so the job is marked interrupted; a job of a
live runner (a papermill batch next to the notebook) is left alone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from filelock import FileLock, Timeout

from workbench.domain.ids import check_id, new_id

__all__ = ["RunnerLease", "lease_ids", "runner_is_alive"]


def _lease_dir(store_root: Path) -> Path:
    return store_root / "runners"


class RunnerLease:
    """The lock a live runner holds; ``id`` goes into its job records."""

    def __init__(self, store_root: Path) -> None:
        host = "".join(c if c.isalnum() else "-" for c in socket.gethostname())[:20] or "host"
        self.id = check_id(f"{new_id('runner')}-{host}-{os.getpid()}"[:64], "runner id")
        folder = _lease_dir(store_root)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{self.id}.lock"
        self._lock = FileLock(self.path, timeout=0)
        self._lock.acquire()

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
        self.path.unlink(missing_ok=True)


def runner_is_alive(store_root: Path, runner_id: str | None) -> bool:
    """True while the runner's process holds its lease lock."""
    if not runner_id:
        return False
    try:
        check_id(runner_id, "runner id")
    except ValueError:
        return False
    path = _lease_dir(store_root) / f"{runner_id}.lock"
    if not path.exists():
        return False
    probe = FileLock(path, timeout=0)
    try:
        probe.acquire()
    except Timeout:
        return True
    probe.release(force=True)
    path.unlink(missing_ok=True)
    return False


def lease_ids(store_root: Path) -> list[str]:
    """The runner ids that have a lease file (alive or not: see :func:`runner_is_alive`)."""
    folder = _lease_dir(store_root)
    return sorted(p.stem for p in folder.glob("*.lock")) if folder.is_dir() else []
