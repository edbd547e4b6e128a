"""What travels between the kernel and wherever the pipeline is loaded (a worker process, a Dask worker).

Plain picklable values, no torch. A job goes out as a :class:`GenerateJob`; messages come back as tuples,
``(kind, job_id, *fields)``:

- ``("progress", job_id, phase, step, total)``: phase ``loading``, ``encoding``, ``step`` (after each
  denoising step, ``step`` of ``total``), ``decoding``, ``writing``;
- ``("done", job_id, result)``: the MP4 is complete at ``job.output_path``; ``result`` holds its facts and
  timings;
- ``("failed", job_id, kind, message, detail)``: ``kind`` says which :mod:`workbench.errors` type to raise;
- ``("cancelled", job_id)``: stopped between two steps; nothing was written;
- ``("ended", job_id, exit_code)``: the place it ran in went away mid-job (the kernel adds this one).

A :class:`Ticket` is the kernel's end of one job: messages arrive from any thread and are read on the
event loop that submitted it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import (
    BackendError,
    InvalidSettingError,
    ModelConfigError,
    ModelFolderError,
    StartingImageMissingError,
    WorkbenchError,
)
from workbench.generation.diffusers.plan import GenerationPlan
from workbench.generation.diffusers.spec import LoadKey

__all__ = ["FINAL", "GenerateJob", "Ticket", "error_for", "failure_kind"]

#: Messages after which a job is over.
FINAL = frozenset({"done", "failed", "cancelled", "ended"})

_KINDS: dict[str, type[WorkbenchError]] = {
    "folder": ModelFolderError,
    "config": ModelConfigError,
    "settings": InvalidSettingError,
    "backend": BackendError,
}


@dataclass(frozen=True)
class GenerateJob:
    """One generation, as the place that runs it needs it."""

    job_id: str
    key: LoadKey
    #: The resolved pipeline class (the folder's, when the entry names none).
    pipeline: str
    label: str
    plan: GenerationPlan
    image_path: str
    #: Where the MP4 goes (a hidden ``.part`` name; the kernel renames it into place).
    output_path: str
    quality: str | None = None
    #: More keyword arguments for the pipeline call (``models.json`` ``extra``).
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The family's VAE type when the entry names none (``float32`` for Wan).
    vae_dtype: str | None = None
    takes_frame_rate: bool = False


def failure_kind(error: BaseException) -> str:
    """The ``kind`` a failure travels as."""
    if isinstance(error, StartingImageMissingError):
        return "image"
    for kind, cls in _KINDS.items():
        if type(error) is cls:
            return kind
    return "backend"


def error_for(kind: str, message: str, detail: str | None) -> WorkbenchError:
    """The error a ``failed`` message stands for, raised in the kernel."""
    if kind == "image":
        return StartingImageMissingError(detail=detail)
    return _KINDS.get(kind, BackendError)(message, detail=detail)


class Ticket:
    """The kernel's end of one job: :meth:`push` from any thread, :meth:`next` on the submitting loop."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        #: Set (from any thread) once a final message arrived.
        self.finished = threading.Event()
        self.final: tuple[Any, ...] | None = None

    def push(self, message: tuple[Any, ...]) -> None:
        if self.finished.is_set():
            return
        if message[0] in FINAL:
            self.final = message
            self.finished.set()
        with contextlib.suppress(RuntimeError):  # the submitting loop is closed: nobody listens any more
            self._loop.call_soon_threadsafe(self._queue.put_nowait, message)

    async def next(self) -> tuple[Any, ...]:
        return await self._queue.get()

    async def wait_finished(self, timeout_s: float) -> bool:
        """Wait (without blocking the loop) until the job is over; False if ``timeout_s`` passed first."""
        deadline = self._loop.time() + timeout_s
        while not self.finished.is_set():
            if self._loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True
