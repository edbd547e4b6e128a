"""What a workflow sees of the runner: its job's spec and record, the store, the models, and one public port
for writing job state and telling everyone.

Workflows (``jobs/workflows/``) import this module, never the runner; the runner finds a workflow by its job's
kind in the table of ``workflows/__init__.py``. So the runner knows kinds, not modules, and nothing imports in
a circle.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from workbench.domain.image_settings import ImageOverrides, ResolvedImageSettings
from workbench.domain.jobs import JobRecord
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import ImageTake, Take
from workbench.domain.settings import ResolvedSettings, VideoOverrides
from workbench.generation.base import Progress
from workbench.jobs.events import Event, EventType

if TYPE_CHECKING:
    from workbench.generation.registry import BackendRegistry
    from workbench.store import LectureStore

__all__ = ["JobContext", "JobPort", "JobSpec", "Workflow"]


@dataclass(frozen=True)
class JobSpec:
    """What to run: the kind (e.g. ``app/regenerate-video-segment``), its target, the typed overrides and the
    resolved, *checked* settings (validated once by the action; nothing downstream validates them again)."""

    kind: str
    lecture_id: str
    asset_id: str
    user: str
    overrides: VideoOverrides | ImageOverrides
    resolved: ResolvedSettings | ResolvedImageSettings
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.resolved.checked:
            raise ValueError("A JobSpec needs checked settings: call resolved.check() first.")


class JobPort(Protocol):
    """The runner's public side for workflows: job state, events and takes for one job."""

    store: LectureStore
    registry: BackendRegistry
    executor: concurrent.futures.Executor

    def publish_job_event(
        self, job_id: str, type_: EventType, message: str, payload: Mapping[str, Any] | None = None
    ) -> Event: ...

    def record_job_state(self, job_id: str, **changes: Any) -> JobRecord: ...

    async def record_job_state_durably(self, job_id: str, **changes: Any) -> JobRecord: ...

    def record_take_soon(self, take: Take | ImageTake) -> concurrent.futures.Future[None]: ...

    async def record_metrics(self, take_id: str, metrics: TakeMetrics) -> None: ...

    def job_record(self, job_id: str) -> JobRecord: ...


class JobContext:
    """What a workflow gets: the spec, the store, the models, the executor, and ways to report."""

    def __init__(self, port: JobPort, job_id: str, spec: JobSpec, attempt: int) -> None:
        self._port = port
        self.job_id = job_id
        self.spec = spec
        self.attempt = attempt
        self.store: LectureStore = port.store
        self.registry: BackendRegistry = port.registry
        self.executor = port.executor

    @property
    def job(self) -> JobRecord:
        """The job's latest state (the runner's copy, ahead of what the store may have yet)."""
        return self._port.job_record(self.job_id)

    def publish(self, type_: EventType, message: str, payload: Mapping[str, Any] | None = None) -> Event:
        return self._port.publish_job_event(self.job_id, type_, message, payload)

    def report_progress(self, progress: Progress) -> None:
        """Backend progress callback → throttled ``job-progress`` events."""
        percent = round(progress.fraction * 100)
        message = progress.message or f"Generating… {percent}%"
        payload: dict[str, Any] = {"fraction": round(progress.fraction, 4)}
        if progress.frame is not None:
            payload.update(frame=progress.frame, total_frames=progress.total_frames)
        self.publish(EventType.JOB_PROGRESS, message, payload)

    def record_take(self, take: Take | ImageTake) -> asyncio.Future[None]:
        """Persist a new take durably, grouped with other jobs' takes that wait at the same moment.

        The write goes on even if the awaiting job is cancelled; the future says whether it landed.
        """
        return asyncio.wrap_future(self._port.record_take_soon(take))

    async def record_metrics(self, take: Take, metrics: TakeMetrics) -> None:
        """Store the measurement of a take this job stored, grouped with other jobs' measurements."""
        await self._port.record_metrics(take.id, metrics)

    async def record_provider_job(self, provider_job_id: str) -> None:
        """Journal a hosted model's job id durably, so a restarted kernel resumes it instead of paying again."""
        await self._port.record_job_state_durably(self.job_id, provider_job_id=provider_job_id)
        self.publish(
            EventType.JOB_PROGRESS,
            f"Submitted to the provider (job {provider_job_id}).",
            {"fraction": 0.0, "provider_job_id": provider_job_id},
        )

    def update_job(self, **changes: Any) -> JobRecord:
        """Record a re-derivable job state (e.g. awaiting review once its take is stored); ordered, not awaited."""
        return self._port.record_job_state(self.job_id, **changes)

    async def store_take(self, take: Take | ImageTake, files: tuple[Any, ...]) -> None:
        """Record ``take`` durably; if that fails or is cancelled mid-way, remove its ``files`` (no file is left
        without its record), then re-raise."""
        saved = self.record_take(take)
        try:
            await asyncio.shield(saved)
        except BaseException:
            await asyncio.wait({saved})  # cancelled while writing: the write itself finishes either way
            if saved.cancelled() or saved.exception() is not None:
                for path in files:
                    path.unlink(missing_ok=True)
            raise


Workflow = Callable[[JobContext], Awaitable[JobRecord]]
