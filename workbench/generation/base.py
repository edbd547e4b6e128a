"""The one interface every video model implements, local or hosted.

A backend turns a starting image plus effective :class:`VideoSettings` into a video file. It is async, reports
progress through a callback, and is cancelled by cancelling the awaiting task (``asyncio.CancelledError``):
it must then remove any partial output before re-raising. CPU work must never run on the event loop.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import VideoSettings

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "BackendInfo",
    "CancelFlag",
    "FrameObserver",
    "GenerationRequest",
    "GenerationResult",
    "Progress",
    "ProgressCallback",
    "VideoBackend",
    "WorkerLink",
    "WorkerLinks",
]


@dataclass(frozen=True)
class Progress:
    """A progress report: ``fraction`` in [0, 1], a human ``message``, optional frame counters."""

    fraction: float
    message: str = ""
    frame: int | None = None
    total_frames: int | None = None


ProgressCallback = Callable[[Progress], None]


class CancelFlag(Protocol):
    """Anything with ``is_set()``: a ``threading.Event``, a ``multiprocessing`` event, a Dask ``Event``."""

    def is_set(self) -> bool: ...


class WorkerLink(Protocol):
    """One piece of work's line to the process it runs in (see :class:`WorkerLinks`).

    ``progress`` and ``cancel`` are picklable and used by the work, in its process; ``request_cancel`` and
    ``close`` by the job, here. Close it once the work has ended (not when the job gives up waiting): until
    then the work may still look at its cancel flag.
    """

    progress: ProgressCallback
    cancel: CancelFlag

    def request_cancel(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class WorkerLinks(Protocol):
    """An executor whose workers are other processes that can still report progress and see a cancel
    (``workbench.jobs.worker_pool.WorkerProcessPool``). ``on_progress`` is called on a relay thread."""

    def link(self, on_progress: ProgressCallback) -> WorkerLink: ...


class FrameObserver(Protocol):
    """Sees every frame a backend that renders its own video (the local model) hands its encoder, to measure
    the take as it renders instead of decoding the file afterwards. Picklable until :meth:`begin` (it travels
    to the render's process). Its methods never raise: an observer must never fail a render.
    """

    def begin(self, nice: int) -> None:
        """The video starts; measure at this priority (Linux nice), so as to take only the CPU the render
        leaves idle."""

    def frame(self, i420: np.ndarray) -> None:
        """The next frame (an I420 buffer, ``(h * 3 // 2, w)`` uint8), called in the encoding thread just
        before it is encoded: copy what is needed and return at once; the buffer is reused."""

    def end(self, completed: bool) -> TakeMetrics | None:
        """The file is complete and in place (``completed``), or the render failed: what was measured."""


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate and where to put it.

    ``output_path`` must not exist yet; the backend writes it (atomically: a temp name renamed into place)
    and leaves nothing there on failure or cancel. ``executor`` is where CPU work runs (``None``: the
    backend's default thread pool).
    """

    image_path: Path
    settings: VideoSettings
    output_path: Path
    executor: concurrent.futures.Executor | None = None
    #: Encoder quality for models that have one (the local model: "draft", "standard", "high");
    #: ``None``: the backend's own default.
    quality: str | None = None
    #: Named areas of the starting image (``StartingImage.regions``) that directions may target.
    regions: Mapping[str, tuple[float, float, float, float]] = field(default_factory=dict)
    #: The workbench job this generation belongs to (providers that take idempotency keys can use it).
    job_id: str | None = None
    #: A provider job started by an earlier, interrupted run: poll it instead of creating (and paying for)
    #: a new one. Only for backends whose ``BackendInfo.resumable`` is true.
    resume_provider_job_id: str | None = None
    #: Await this with the provider's job id the moment it exists; it is journaled durably before returning.
    on_provider_job: Callable[[str], Awaitable[None]] | None = None
    #: True when ``settings`` were validated once already (``ResolvedSettings.check``, by the action that
    #: started the job): the backend then does not validate them again. Direct callers leave it False.
    settings_checked: bool = False
    #: Measures the take while it is encoded, for backends that encode their own video (the local model);
    #: others ignore it and the take is measured from its file afterwards.
    observer: FrameObserver | None = None


@dataclass(frozen=True)
class GenerationResult:
    """The produced file and what we know about it."""

    path: Path
    frame_count: int
    fps: float
    width: int
    height: int
    codec: str
    size_bytes: int
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    provider: str | None = None
    provider_job_id: str | None = None
    cost: float | None = None
    #: The take's metrics when the request's observer measured it while it was encoded.
    metrics: TakeMetrics | None = None


@dataclass(frozen=True)
class BackendInfo:
    """How the UI lists a model: its name, a human label, and which settings it honours."""

    name: str
    label: str
    supports: frozenset[str] = frozenset({"movie_directions", "duration_s", "resolution", "fps", "seed"})
    local: bool = True
    description: str = ""
    #: True when an interrupted generation can be resumed from its provider job id (hosted models).
    resumable: bool = False
    #: What it makes: ``"video"`` (a segment's video) or ``"image"`` (a starting image).
    kind: str = "video"
    #: Jobs of models with the same value run one at a time (a GPU that holds one loaded pipeline), queued
    #: by the runner without holding its other slots; ``None``: only the runner's overall limit applies.
    runs_on: str | None = None
    #: How long one generation may take (``None``: the runner's own limit).
    timeout_s: float | None = None


@runtime_checkable
class VideoBackend(Protocol):
    """A video model. Implementations: ``generation.local`` (default), ``generation.http`` (hosted),
    ``generation.diffusers`` (open weights in a folder, run in a worker process)."""

    info: BackendInfo

    def check(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> tuple[str, ...]:
        """Warnings about ``settings`` before a job starts (e.g. words the model will not understand).

        ``regions`` are the starting image's named areas, for models that can aim at them. The action passes
        settings it has validated already; the editor may pass unfinished ones to show warnings early.

        Raise :class:`workbench.errors.InvalidSettingError` for settings this model cannot honour at all.
        """
        ...

    # Optional: ``describe(settings, regions) -> str`` says in words how the model reads the directions
    # (the editor shows it as "Camera plan: …"). Not part of the protocol so hosted models need not have it.

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        """Produce ``request.output_path``. Missing/corrupt image → ``StartingImageMissingError``."""
        ...
