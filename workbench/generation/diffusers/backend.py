"""An open image-to-video model run from its weights folder, behind the same :class:`VideoBackend` as the rest.

One :class:`DiffusersBackend` per ``"provider": "diffusers"`` entry in ``models.json``. A generation goes:
folder checked and settings planned (:meth:`check`: before the job starts, without torch) → job sent to the
place the pipeline is loaded (this process's worker for the model, or a Dask worker in a batch) → progress
per denoising step → MP4 written beside the take's file → renamed into place. Rules that hold throughout:

- **Said before it starts.** A missing or incomplete folder, a duration the model cannot make, and every
  adjustment (frame count, frame size, frame rate) are known to :meth:`check`, so the editor and the batch
  dry run show them before any job runs.
- **One job per loaded pipeline.** Its worker runs jobs one after another, and :attr:`BackendInfo.runs_on`
  tells the runner to queue jobs for the same device instead of letting them hold its other slots.
- **Cancel stops between steps.** Cancelling the task sends a cancel that the step callback honours; the
  partial file is removed before the cancel returns.
- **Nothing half-made becomes a take**: the worker writes a hidden ``.part`` file that only a complete job
  renames to ``output_path``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from workbench.domain.models import VideoSettings
from workbench.domain.settings import validate_settings
from workbench.errors import BackendError, GenerationCancelledError, StartingImageMissingError
from workbench.generation.base import (
    BackendInfo,
    GenerationRequest,
    GenerationResult,
    Progress,
    ProgressCallback,
)
from workbench.generation.diffusers.folder import FolderFacts, inspect_folder
from workbench.generation.diffusers.plan import GenerationPlan, plan_generation
from workbench.generation.diffusers.protocol import GenerateJob, Ticket, error_for
from workbench.generation.diffusers.spec import DiffusersSpec
from workbench.generation.diffusers.worker import WorkerPool, default_pool

__all__ = ["DiffusersBackend", "PipelineHost"]

#: How long a cancelled job may take to stop (a step, or the VAE decode, which has no hook) before the
#: cancel returns anyway; the worker still drops the result.
CANCEL_WAIT_S = 120.0
#: How often a job waiting for another model to leave the GPU looks again.
DEVICE_POLL_S = 0.5


class PipelineHost(Protocol):
    """Somewhere else that keeps pipelines loaded and runs jobs on them (a Dask cluster's GPU workers).

    A batch attaches one to its executor as ``executor.pipeline_host``; jobs then run there instead of in
    this process's worker.
    """

    def run(self, job: GenerateJob) -> tuple[Ticket, int]: ...

    def cancel(self, job_id: str) -> None: ...


class DiffusersBackend:
    """The ``VideoBackend`` for one configured diffusers model (see :mod:`.spec` for its entry)."""

    def __init__(self, spec: DiffusersSpec, *, pool: WorkerPool | None = None) -> None:
        self.spec = spec
        self._pool = pool
        self.info = BackendInfo(
            name=spec.name,
            label=spec.label,
            supports=frozenset({"movie_directions", "duration_s", "resolution", "fps", "seed"}),
            local=True,
            description=spec.description
            or f"{spec.pipeline or 'diffusers'} from {spec.path} on {spec.device} (this machine)",
            runs_on=f"diffusers:{spec.device}",
            timeout_s=spec.timeout_s,
        )

    @property
    def pool(self) -> WorkerPool:
        return self._pool or default_pool()

    # -- before a job ----------------------------------------------------------------------------------------

    def folder(self) -> FolderFacts:
        """The weights folder's facts; :class:`ModelFolderError` naming what is missing."""
        return inspect_folder(self.spec.path, self.spec.pipeline, model=self.spec.name)

    def plan(self, settings: VideoSettings, facts: FolderFacts | None = None) -> GenerationPlan:
        facts = facts or self.folder()
        guidance = self.spec.guidance if self.spec.guidance is not None else facts.family.default_guidance
        return plan_generation(self.spec, facts.rules, settings, guidance=guidance)

    def check(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> tuple[str, ...]:
        """What will be adjusted, before a job starts; a folder or setting it cannot use raises."""
        validate_settings(settings)
        facts = self.folder()
        worker = self.pool.existing(self.spec.load_key)
        if worker is not None and worker.load_error is not None and not worker.busy:
            kind, message, detail = worker.load_error
            raise error_for(kind, message, detail)
        return self.plan(settings, facts).notes

    def summary(self, settings: VideoSettings) -> str:
        """How the pipeline will be asked, in words."""
        plan = self.plan(settings)
        return (
            f"{plan.steps} denoising steps at guidance {plan.guidance:g}: {plan.generate_frames} frames of "
            f"{plan.generate_width}x{plan.generate_height} from {self.spec.path.name}, on {self.spec.device}."
        )

    async def setup(self) -> None:
        """Load the pipeline now, in its worker (``workbench serve`` calls this before it says it is ready)."""
        await self.preload()

    async def preload(self, progress: ProgressCallback | None = None) -> dict[str, Any]:
        """Start the worker and load the weights, so the first job does not wait for them."""
        facts = await asyncio.to_thread(self.folder)
        worker = self.pool.get(self.spec.load_key, self.spec.label)
        if progress is not None:
            progress(Progress(0.0, f"Loading {self.spec.label} from {self.spec.path}…"))
        ticket = worker.load(facts.pipeline, "float32" if facts.family.vae_float32 else None)
        message = await self._final(ticket)
        if message[0] != "done":
            raise self._failure(message)
        return dict(message[2])

    def close(self) -> None:
        """Stop this model's worker (its memory is freed; the next job loads the weights again)."""
        worker = self.pool.existing(self.spec.load_key)
        if worker is not None:
            worker.stop()

    # -- a job -----------------------------------------------------------------------------------------------

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        validate_settings(request.settings)
        facts = await asyncio.to_thread(self.folder)
        plan = self.plan(request.settings, facts)
        if not await asyncio.to_thread(Path(request.image_path).is_file):
            raise StartingImageMissingError(detail=f"{request.image_path} does not exist")
        output = Path(request.output_path)
        partial = output.with_name(f".{output.name}.part")
        job = GenerateJob(
            job_id=f"{request.job_id or 'job'}-{uuid.uuid4().hex[:8]}",
            key=self.spec.load_key,
            pipeline=facts.pipeline,
            label=self.spec.label,
            plan=plan,
            image_path=str(request.image_path),
            output_path=str(partial),
            quality=request.quality,
            extra=dict(self.spec.extra),
            vae_dtype="float32" if facts.family.vae_float32 else None,
            takes_frame_rate=facts.family.takes_frame_rate,
        )
        reporter = _Reporter(self.spec, plan, progress)
        host: PipelineHost | None = getattr(request.executor, "pipeline_host", None)
        if host is None:
            await self._wait_for_device(reporter)
            host = self.pool.get(self.spec.load_key, self.spec.label)
        ticket, ahead = host.run(job)
        if ahead:
            reporter.say(0.0, f"Waiting for {self.spec.label}: {ahead} job{'s' if ahead > 1 else ''} ahead.")
        try:
            message = await self._follow(ticket, reporter)
        except asyncio.CancelledError:
            host.cancel(job.job_id)
            await asyncio.shield(ticket.wait_finished(CANCEL_WAIT_S))
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise
        if message[0] != "done":
            await asyncio.to_thread(partial.unlink, missing_ok=True)
            raise self._failure(message)
        facts_out: dict[str, Any] = message[2]
        await asyncio.to_thread(os.replace, partial, output)
        size = (await asyncio.to_thread(output.stat)).st_size
        return GenerationResult(
            path=output,
            frame_count=int(facts_out["frame_count"]),
            fps=float(facts_out["fps"]),
            width=int(facts_out["width"]),
            height=int(facts_out["height"]),
            codec="h264",
            size_bytes=size,
            timings={k: float(v) for k, v in facts_out.get("timings", {}).items()},
            warnings=plan.notes,
            provider="diffusers",
        )

    async def _wait_for_device(self, reporter: _Reporter) -> None:
        """A GPU holds one loaded pipeline: wait for another model's jobs there to finish, then unload it."""
        said = False
        while rivals := self.pool.rivals(self.spec.load_key):
            busy = [w for w in rivals if w.busy]
            if not busy:
                for worker in rivals:
                    await asyncio.to_thread(worker.stop)
                return
            if not said:
                reporter.say(0.0, f"Waiting for {busy[0].label} to finish on {self.spec.device}…")
                said = True
            await asyncio.sleep(DEVICE_POLL_S)

    async def _follow(self, ticket: Ticket, reporter: _Reporter) -> tuple[Any, ...]:
        while True:
            message = await ticket.next()
            if message[0] == "progress":
                reporter.phase(*message[2:])
                continue
            return message

    async def _final(self, ticket: Ticket) -> tuple[Any, ...]:
        while True:
            message = await ticket.next()
            if message[0] != "progress":
                return message

    def _failure(self, message: tuple[Any, ...]) -> Exception:
        kind = message[0]
        if kind == "failed":
            return error_for(message[2], message[3], message[4])
        if kind == "cancelled":
            return GenerationCancelledError(f"{self.spec.label}'s job was cancelled; nothing was kept.")
        code = message[2] if len(message) > 2 else None
        why = " (killed: often a sign it ran out of memory)" if code is not None and code < 0 else ""
        return BackendError(
            f"The worker process running {self.spec.label} stopped in the middle of the job, exit code {code}{why}. "
            "Nothing was kept; regenerate to try again (a new worker loads the model again).",
        )


class _Reporter:
    """Worker phases → the runner's progress: loading, encoding, step i of N, decoding, writing."""

    def __init__(self, spec: DiffusersSpec, plan: GenerationPlan, progress: ProgressCallback) -> None:
        self.spec = spec
        self.plan = plan
        self.progress = progress
        self.best = 0.0

    def say(self, fraction: float, message: str) -> None:
        self.best = max(self.best, fraction)
        self.progress(Progress(round(self.best, 4), message))

    def phase(self, phase: str, step: int | None, total: int | None) -> None:
        label = self.spec.label
        if phase == "loading":
            self.say(0.01, f"Loading {label} from {self.spec.path} (once; later jobs reuse it)…")
        elif phase == "encoding":
            self.say(0.04, "Encoding the movie directions and the starting image…")
        elif phase == "step" and step is not None and total:
            self.say(0.05 + 0.85 * step / total, f"Denoising step {step}/{total}")
        elif phase == "decoding":
            self.say(0.91, f"Decoding {self.plan.generate_frames} frames…")
        elif phase == "writing":
            self.say(0.96, "Writing the MP4…")
