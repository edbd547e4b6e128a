"""The asyncio job runner: runs workflows on whatever event loop is there, off-loop for CPU work.

It works inside the JupyterLab kernel's loop (from a cell or a widget callback), papermill's, or
``asyncio.run`` in a script. Rules it enforces:

- a global concurrency limit (``max_concurrent``), one job at a time per device for models that say so
  (``BackendInfo.runs_on``: a GPU holding one loaded pipeline; those jobs wait without taking a global slot),
  and **one active regeneration per segment**: a second
  request for a segment that is queued or generating is *refused* with :class:`JobBusyError` (it does not
  supersede the first, because the first may already have cost money and its preview is worth reviewing);
- retries with backoff only for transient backend errors (see ``retry.py``);
- a per-job timeout; cancellation of queued or running jobs; ``await runner.join()`` for batch code;
- graceful shutdown: pending jobs are cancelled cleanly, their partial files removed, the journal flushed.

Job state is persisted in the store (``tables/jobs``) and every change is published on :attr:`Runner.bus`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import AsyncIterator, Generator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.image_settings import ResolvedImageSettings
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import ImageTake, Take
from workbench.domain.retry import RetryPolicy
from workbench.domain.settings import ResolvedSettings
from workbench.errors import JobBusyError, NotFoundError, WorkbenchError
from workbench.generation.base import BackendInfo
from workbench.generation.registry import BackendRegistry, default_registry
from workbench.jobs.bus import EventBus
from workbench.jobs.context import JobContext, JobSpec, Workflow
from workbench.jobs.events import TERMINAL_EVENTS, Event, EventType
from workbench.jobs.group_writer import GroupWriter
from workbench.jobs.lease import RunnerLease, runner_is_alive
from workbench.jobs.workflows import spec_from_record, workflow_for
from workbench.store import LectureStore

__all__ = ["JobContext", "JobHandle", "JobSpec", "Runner"]

log = logging.getLogger("workbench.jobs")


def _log_write_failure(future: concurrent.futures.Future[Any]) -> None:
    error = future.exception()
    if error is not None:
        log.error("Could not record a job state or a take's measurement: %s", error, exc_info=error)


class JobHandle:
    """Returned at once by a submit: follow, await or cancel the job."""

    def __init__(self, runner: Runner, record: JobRecord, spec: JobSpec) -> None:
        self.runner = runner
        self.record = record
        self.spec = spec
        self.task: asyncio.Task[JobRecord] | None = None
        #: Set by a cancel that came before the task first ran (a task cancelled then would never record it).
        self.cancel_requested = False
        self.started = False

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def lecture_id(self) -> str:
        return self.record.lecture_id

    @property
    def asset_id(self) -> str:
        return self.record.asset_id

    @property
    def status(self) -> JobStatus:
        return self.record.status

    @property
    def take_id(self) -> str | None:
        return self.record.take_id

    @property
    def resolved(self) -> ResolvedSettings | ResolvedImageSettings:
        return self.spec.resolved

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.spec.warnings

    def done(self) -> bool:
        return self.task is not None and self.task.done()

    async def wait(self) -> JobRecord:
        """The job's record once generation ended (awaiting review, failed or cancelled) and is in the store."""
        await self.ended()
        await self.runner.written()
        return self.record

    async def ended(self) -> JobRecord:
        """The job's record once generation ended; its last re-derivable state may still be on its way to the
        store (a batch's runner lets such writes wait for company; :meth:`Runner.written` waits for them)."""
        if self.task is not None:
            await asyncio.shield(self.task)
        return self.record

    def __await__(self) -> Generator[Any, None, JobRecord]:
        return self.wait().__await__()

    def cancel(self) -> bool:
        return self.runner.cancel(self.id)

    def events(self) -> AsyncIterator[Event]:
        """This job's events as they happen, ending after its terminal event."""
        return self.runner.bus.stream(job_id=self.id, until=lambda e: e.type in TERMINAL_EVENTS)

    def __repr__(self) -> str:
        return f"<JobHandle {self.id} {self.asset_id} {self.status}>"


class Runner:
    """Runs jobs for one store. Create it anywhere; it binds to the running loop on first use."""

    def __init__(
        self,
        store: LectureStore,
        registry: BackendRegistry | None = None,
        *,
        executor: concurrent.futures.Executor | None = None,
        max_concurrent: int = 2,
        retry: RetryPolicy | None = None,
        timeout_s: float | None = 900.0,
        bus: EventBus | None = None,
        label: str | None = None,
        linger_s: float = 0.0,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.store = store
        #: Who is deciding, in words other sessions show ("batch run of …"); ``None``: an interactive session.
        self.label = label
        self.registry = registry or default_registry(store.root)
        # CPU work runs here: the given executor (a process pool, a Dask cluster's), or a thread pool as wide
        # as the concurrency limit (renders release the GIL in OpenCV and x264).
        self._own_executor = executor is None
        self.executor: concurrent.futures.Executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=max_concurrent, thread_name_prefix="workbench-render"
        )
        self.max_concurrent = max_concurrent
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.bus = bus or EventBus(store)
        # One thread writes job states, so they reach the store in the order they happened (grouped). With
        # ``linger_s`` (a batch), re-derivable states and measurements wait that long to share a file, and
        # jobs do not wait for their measurements to be written (``written`` does, at the end).
        self.linger_s = linger_s
        self._writer: GroupWriter[JobRecord] = GroupWriter(
            lambda records, durable: store.save_jobs(records, durable=durable),
            "workbench-jobs",
            linger_s=linger_s,
        )
        # Takes are always durable (a preview may have cost money); grouped the same way under load.
        self._take_writer: GroupWriter[Take | ImageTake] = GroupWriter(_take_saver(store), "workbench-takes")
        self._metrics_writer: GroupWriter[tuple[str, TakeMetrics]] = GroupWriter(
            lambda measured, _durable: store.record_metrics(measured), "workbench-metrics", linger_s=linger_s
        )
        self._measured: dict[str, TakeMetrics] = {}  # take id → what its job measured (small; for the batch)
        self._handles: dict[str, JobHandle] = {}
        self._active_assets: dict[tuple[str, str], str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._lanes: dict[str, asyncio.Semaphore] = {}
        self._lease: RunnerLease | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._closed = False
        self._shut_down = False

    # -- lifecycle -------------------------------------------------------------------------------------------

    @property
    def runner_id(self) -> str:
        return self._ensure_lease().id

    def _ensure_lease(self) -> RunnerLease:
        if self._lease is None:
            self._lease = RunnerLease(self.store.root)
        return self._lease

    def _bind(self) -> asyncio.AbstractEventLoop:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise WorkbenchError(
                "Jobs need a running event loop. Call this from a notebook cell, a widget callback, or "
                "inside `async def main()` run with asyncio.run(main())."
            ) from None
        if self._closed:
            raise WorkbenchError("This runner was shut down. Create a new Runner to start more jobs.")
        if self._loop is not loop:
            if self._loop is not None and not self._loop.is_closed() and self.active_jobs():
                raise WorkbenchError(
                    "This runner already has jobs on another event loop; use one runner per loop."
                )
            self._loop = loop
            self._semaphore = asyncio.Semaphore(self.max_concurrent)
            self._lanes = {}
            self.bus.bind(loop)
            self._ensure_lease()
            # Recovery reads tables and fsyncs: it runs in a thread, and jobs wait for it before they start.
            self._recovery = loop.create_task(self._recover(), name="workbench-recovery")
        return loop

    async def _recover(self) -> None:
        from workbench.jobs.recovery import recover_store_async

        try:
            report = await recover_store_async(
                self.store, self.bus, resumable=self._resumable, own_runner=self.runner_id
            )
        except Exception:
            log.exception("Could not recover the store after a crash; new jobs run anyway")
            return
        for job in report.resumable:
            if self.active_job_for(job.lecture_id, job.asset_id) is None:
                self._resume(job)

    async def recovered(self) -> None:
        """Wait until the crash recovery this runner started on its loop has finished."""
        if self._recovery is not None and not self._recovery.done():
            await asyncio.shield(self._recovery)

    def _resumable(self, job: JobRecord) -> bool:
        if not job.provider_job_id:
            return False
        try:
            kind = workflow_for(job.kind).model_kind
        except WorkbenchError:
            return False
        info = self.registry.info(str(job.settings.get("model", "")), kind)
        return info is not None and info.resumable

    def _resume(self, job: JobRecord) -> JobHandle:
        """Take over an interrupted job whose provider job is still running: poll it, do not start another."""
        spec = spec_from_record(job)
        record = replace(
            job, status=JobStatus.QUEUED, runner=self.runner_id, updated_at=next_timestamp(job.updated_at)
        )
        handle = JobHandle(self, record, spec)
        self._handles[job.id] = handle
        self._active_assets[(job.lecture_id, job.asset_id)] = job.id
        self._publish(
            handle,
            EventType.JOB_QUEUED,
            f"Resuming after a restart: polling provider job {job.provider_job_id}.",
        )
        run = workflow_for(job.kind).run
        handle.task = asyncio.get_running_loop().create_task(self._run(handle, run), name=job.id)
        return handle

    async def __aenter__(self) -> Runner:
        self._bind()
        await self.recovered()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    async def written(self) -> None:
        """Wait until every job state and measurement recorded so far has reached the store."""
        await asyncio.gather(
            asyncio.wrap_future(self._writer.barrier()), asyncio.wrap_future(self._metrics_writer.barrier())
        )

    async def join(self) -> list[JobRecord]:
        """Wait until every submitted job has finished generating; returns their records."""
        while True:
            pending = [h.task for h in self._handles.values() if h.task is not None and not h.task.done()]
            if not pending:
                break
            await asyncio.gather(*pending, return_exceptions=True)
        await self.written()
        await self.bus.flush()
        return [h.record for h in self._handles.values()]

    async def shutdown(self) -> None:
        """Cancel queued and running jobs cleanly, flush the journal, release the runner's lease (once)."""
        if self._shut_down:
            return
        self._shut_down = True
        self._closed = True
        tasks = [h.task for h in self._handles.values() if h.task is not None and not h.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._recovery is not None:
            await asyncio.gather(self._recovery, return_exceptions=True)
        await self.written()
        if self._loop is not None:
            await self.bus.flush()
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self._writer.close()
        self._take_writer.close()
        self._metrics_writer.close()

    # -- jobs ------------------------------------------------------------------------------------------------

    def handle(self, job_id: str) -> JobHandle:
        try:
            return self._handles[job_id]
        except KeyError:
            raise NotFoundError(f"Job {job_id!r} is not running in this session.") from None

    def handles(self) -> list[JobHandle]:
        return list(self._handles.values())

    def active_jobs(self) -> list[JobHandle]:
        return [h for h in self._handles.values() if h.record.is_active]

    def active_job_for(self, lecture_id: str, asset_id: str) -> JobHandle | None:
        job_id = self._active_assets.get((lecture_id, asset_id))
        return None if job_id is None else self._handles.get(job_id)

    def submit(self, spec: JobSpec, workflow: Workflow | None = None) -> JobHandle:
        """Queue the workflow of ``spec.kind`` (or ``workflow``, for tests) and return its handle at once
        (``job-queued`` is already out)."""
        run = workflow or workflow_for(spec.kind).run
        self._bind()
        self._refuse_if_busy((spec.lecture_id, spec.asset_id))
        return self._start(spec, run)

    def submit_group(self, specs: Sequence[JobSpec], workflow: Workflow | None = None) -> list[JobHandle]:
        """Queue several jobs at once, several for one segment allowed (the variants of one edit): the
        one-per-segment rule applies to the group as a whole, refused if any of its segments is already being
        regenerated; then each queues like any job, under the concurrency limit."""
        self._bind()
        for key in dict.fromkeys((s.lecture_id, s.asset_id) for s in specs):
            self._refuse_if_busy(key)
        return [self._start(spec, workflow or workflow_for(spec.kind).run) for spec in specs]

    def _start(self, spec: JobSpec, workflow: Workflow) -> JobHandle:
        key = (spec.lecture_id, spec.asset_id)
        now = next_timestamp()
        record = JobRecord(
            id=new_id("job"),
            kind=spec.kind,
            lecture_id=spec.lecture_id,
            asset_id=spec.asset_id,
            user=spec.user,
            status=JobStatus.QUEUED,
            created_at=now,
            updated_at=now,
            overrides=spec.overrides.as_dict(),
            settings=spec.resolved.settings.to_dict(),
            provenance={k: str(v) for k, v in spec.resolved.provenance.items()},
            runner=self.runner_id,
        )
        handle = JobHandle(self, record, spec)
        self._handles[record.id] = handle
        self._active_assets[key] = record.id
        s = spec.resolved.settings
        self._publish(
            handle,
            EventType.JOB_QUEUED,
            f"Queued: {s.summary}.",
            {
                "settings": record.settings,
                "warnings": list(spec.warnings),
                **({"source": self.label} if self.label else {}),
            },
        )
        handle.task = asyncio.get_running_loop().create_task(self._run(handle, workflow), name=record.id)
        return handle

    def _refuse_if_busy(self, key: tuple[str, str]) -> None:
        lecture_id, asset_id = key
        mine = self.active_job_for(lecture_id, asset_id)
        if mine is not None:
            raise JobBusyError(
                f"Segment {asset_id!r} is already being regenerated (job {mine.id}, {mine.status}). "
                "Wait for its preview or cancel it first."
            )
        for job in self.store.active_jobs(lecture_id):
            if job.asset_id != asset_id:
                continue
            if job.runner != self.runner_id and runner_is_alive(self.store.root, job.runner):
                raise JobBusyError(
                    f"Segment {asset_id!r} is being regenerated by another session or batch (job {job.id}). "
                    "Wait for it to finish, then review its preview."
                )

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False if it already finished generating (its take is stored, and
        only measuring and announcing it remain)."""
        handle = self.handle(job_id)
        if handle.task is None or handle.task.done() or not handle.record.is_active:
            return False
        if not handle.started:  # not run yet: it sees the request first thing and ends as cancelled, in words
            handle.cancel_requested = True
            return True
        handle.task.cancel()
        return True

    # -- running ---------------------------------------------------------------------------------------------

    async def _run(self, handle: JobHandle, workflow: Workflow) -> JobRecord:
        key = (handle.lecture_id, handle.asset_id)
        handle.started = True
        try:
            if handle.cancel_requested:
                raise asyncio.CancelledError
            await self.recovered()  # a crash's leftovers are dealt with before anything new is written
            self._save_soon(handle)  # persist "queued"
            assert self._semaphore is not None
            async with self._lane(handle), self._semaphore:
                self._save_soon(handle, status=JobStatus.RUNNING, attempts=1)
                self._publish(handle, EventType.JOB_STARTED, "Started generating.")
                return await self._attempts(handle, workflow)
        except asyncio.CancelledError:
            await self._finish(
                handle, JobStatus.CANCELLED, EventType.JOB_CANCELLED, "Cancelled; nothing was kept."
            )
            return handle.record
        except TimeoutError:
            message = f"Generation took longer than {self._timeout_for(handle):g} s and was stopped. Try a shorter duration or a faster model."
            await self._finish(handle, JobStatus.FAILED, EventType.JOB_FAILED, message)
            return handle.record
        except WorkbenchError as exc:
            await self._finish(handle, JobStatus.FAILED, EventType.JOB_FAILED, exc.message, detail=exc.detail)
            return handle.record
        except Exception as exc:
            log.exception("Job %s failed unexpectedly", handle.id)
            what = "starting image" if isinstance(handle.spec.resolved, ResolvedImageSettings) else "video"
            message = (
                f"The {what} could not be generated because of an unexpected error. Try again; if it keeps "
                "failing, report it with the detail below."
            )
            await self._finish(
                handle, JobStatus.FAILED, EventType.JOB_FAILED, message, detail=f"{type(exc).__name__}: {exc}"
            )
            return handle.record
        finally:
            if self._active_assets.get(key) == handle.id:
                # another job of the same group may still run for this segment: it is the active one now
                others = [
                    h.id
                    for h in self._handles.values()
                    if h is not handle and (h.lecture_id, h.asset_id) == key and h.task and not h.task.done()
                ]
                if others:
                    self._active_assets[key] = others[0]
                else:
                    del self._active_assets[key]

    async def _attempts(self, handle: JobHandle, workflow: Workflow) -> JobRecord:
        attempt = 1
        while True:
            if attempt > 1:
                self._save_soon(handle, attempts=attempt)
            try:
                async with asyncio.timeout(self._timeout_for(handle)):
                    return await workflow(JobContext(self, handle.id, handle.spec, attempt))
            except WorkbenchError as exc:
                delay = self.retry.delay_for(exc, attempt)
                if delay is None:
                    raise
                self._publish(
                    handle,
                    EventType.JOB_RETRYING,
                    f"{exc.message} Retrying in {delay:.1f} s (attempt {attempt + 1} of {self.retry.max_attempts}).",
                    {"attempt": attempt + 1, "delay_s": delay},
                )
                await asyncio.sleep(delay)
                attempt += 1

    def _backend_info(self, handle: JobHandle) -> BackendInfo | None:
        try:
            kind = workflow_for(handle.spec.kind).model_kind
        except WorkbenchError:
            return None
        return self.registry.info(handle.spec.resolved.settings.model, kind)

    def _lane(self, handle: JobHandle) -> contextlib.AbstractAsyncContextManager[Any]:
        """One job at a time for models on the same device (``runs_on``); nothing for the rest."""
        info = self._backend_info(handle)
        if info is None or info.runs_on is None:
            return contextlib.nullcontext()
        lane = self._lanes.get(info.runs_on)
        if lane is None:
            # A cluster that keeps pipelines on its workers (``executor.pipeline_host``) runs one per worker.
            host = getattr(self.executor, "pipeline_host", None)
            lane = self._lanes[info.runs_on] = asyncio.Semaphore(getattr(host, "slots", 1))
        return lane

    def _timeout_for(self, handle: JobHandle) -> float | None:
        """The model's own time limit when it has one (open models on one GPU take long), else the runner's."""
        info = self._backend_info(handle)
        return info.timeout_s if info is not None and info.timeout_s is not None else self.timeout_s

    async def _finish(
        self,
        handle: JobHandle,
        status: JobStatus,
        event: EventType,
        message: str,
        *,
        detail: str | None = None,
    ) -> None:
        await asyncio.shield(self._save(handle, status=status, error=message, error_detail=detail))
        payload = {"detail": detail} if detail else {}
        self._publish(handle, event, message, payload)

    # -- the port workflows use (see ``context.JobPort``) ------------------------------------------------------

    def job_record(self, job_id: str) -> JobRecord:
        """A job's latest state as this runner knows it."""
        return self.handle(job_id).record

    def publish_job_event(
        self, job_id: str, type_: EventType, message: str, payload: Mapping[str, Any] | None = None
    ) -> Event:
        """Publish an event about one of this runner's jobs (journaled, delivered on the loop)."""
        return self._publish(self.handle(job_id), type_, message, payload)

    def record_job_state(self, job_id: str, **changes: Any) -> JobRecord:
        """Record a re-derivable job state (see :meth:`_save_soon`): ordered with the others, not awaited."""
        return self._save_soon(self.handle(job_id), **changes)

    async def record_job_state_durably(self, job_id: str, **changes: Any) -> JobRecord:
        """Record a job state durably and wait until it is on disk (e.g. a provider job id)."""
        return await self._save(self.handle(job_id), **changes)

    def record_take_soon(self, take: Take | ImageTake) -> concurrent.futures.Future[None]:
        """Persist a new take durably, grouped with other jobs' takes; the future resolves once it is on disk."""
        return self._take_writer.submit(take, durable=True)

    async def record_metrics(self, take_id: str, metrics: TakeMetrics) -> None:
        """Store a stored take's measurement, grouped with other jobs' (re-derivable: not fsynced). Waits
        until it is written, unless the runner lingers (a batch): then a failed write is logged, and
        :meth:`written` waits for it."""
        self._measured[take_id] = metrics
        future = self._metrics_writer.submit((take_id, metrics), durable=False)
        if self.linger_s:
            future.add_done_callback(_log_write_failure)
        else:
            await asyncio.wrap_future(future)

    def measurement(self, take_id: str) -> TakeMetrics | None:
        """The measurement this runner's job recorded for ``take_id`` (the store may not have it yet)."""
        return self._measured.get(take_id)

    # -- job state -------------------------------------------------------------------------------------------

    def _save_soon(self, handle: JobHandle, **changes: Any) -> JobRecord:
        """Record a job state that recovery can re-derive (queued, running, awaiting review) without waiting.

        Writes go through one writer thread, so they land in order; they skip the folder fsync (unless grouped
        with a durable one).
        """
        record = self._change(handle, **changes)
        future = self._writer.submit(record, durable=False)
        future.add_done_callback(_log_write_failure)
        return record

    async def _save(self, handle: JobHandle, **changes: Any) -> JobRecord:
        """Record a job state durably and wait for it (final states: failed, cancelled)."""
        record = self._change(handle, **changes)
        await asyncio.wrap_future(self._writer.submit(record, durable=True))
        return record

    @staticmethod
    def _change(handle: JobHandle, **changes: Any) -> JobRecord:
        if changes:
            handle.record = replace(
                handle.record, updated_at=next_timestamp(handle.record.updated_at), **changes
            )
        return handle.record

    def _publish(
        self, handle: JobHandle, type_: EventType, message: str, payload: Mapping[str, Any] | None = None
    ) -> Event:
        event = Event(type_, handle.id, handle.lecture_id, handle.asset_id, message, dict(payload or {}))
        self.bus.publish(event)
        return event

    def __repr__(self) -> str:
        return f"<Runner {self.store.root} jobs={len(self._handles)} max_concurrent={self.max_concurrent}>"


def _take_saver(store: LectureStore) -> Any:
    """Write a group of takes of both kinds: video takes and image takes go to their own tables."""

    def save(takes: Sequence[Take | ImageTake], _durable: bool) -> None:
        videos = [t for t in takes if isinstance(t, Take)]
        images = [t for t in takes if isinstance(t, ImageTake)]
        if videos:
            store.record_takes(videos)
        if images:
            store.record_image_takes(images)

    return save
