"""Open models in a Dask batch: each worker keeps one loaded pipeline and runs jobs on it, never one per task.

:func:`attach_pipeline_host` (called by :func:`workbench.batch.cluster.open_executor`) registers
:class:`DiffusersWorkerPlugin` on every worker and hangs a :class:`DaskPipelineHost` on the executor; the
diffusers backend then sends its jobs there instead of to a worker process in the kernel. On a worker:

- the plugin holds the pipeline, loaded by the first job that needs it and kept for the worker's life (a
  job for another model unloads it first: a GPU holds one);
- jobs on one pipeline take turns (start GPU workers with ``--nthreads 1`` so the scheduler does not even try
  to run two at once);
- progress goes back per denoising step as Dask events (``Worker.log_event``, read through
  ``Client.subscribe_topic``); a cancel is a ``distributed.Event`` the step callback reads.

The store must be on a file system the workers share (as for every batch on a cluster): the worker writes
the take's MP4 beside where the kernel expects it. Nothing here imports torch until a worker runs a job.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
from typing import Any

from distributed import Client, Event, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from workbench.generation.diffusers.protocol import GenerateJob, Ticket
from workbench.generation.diffusers.spec import LoadKey

__all__ = [
    "PLUGIN_NAME",
    "DaskPipelineHost",
    "DiffusersWorkerPlugin",
    "attach_pipeline_host",
    "run_on_worker",
]

log = logging.getLogger("workbench.batch")

PLUGIN_NAME = "workbench-diffusers"


class DiffusersWorkerPlugin(WorkerPlugin):
    """Per worker: the loaded pipeline (one at a time) and the lock that gives it one job at a time."""

    name = PLUGIN_NAME

    def setup(self, worker: Any) -> None:
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._pipelines: dict[LoadKey, Any] = {}
        #: Loads per pipeline folder in this worker's life (tests check it stays at one per model).
        self.loads: dict[str, int] = {}
        self.jobs = 0

    def teardown(self, worker: Any) -> None:
        self._pipelines.clear()
        gc.collect()

    def pipeline_for(self, key: LoadKey) -> Any:
        """The pipeline for ``key``, unloading any other first (not loaded yet: the job loads it)."""
        from workbench.generation.diffusers.execution import LoadedPipeline

        with self._lock:
            pipeline = self._pipelines.get(key)
            if pipeline is None:
                if self._pipelines:
                    self._pipelines.clear()
                    gc.collect()
                    _free_gpu_cache()
                pipeline = self._pipelines[key] = LoadedPipeline(key)
            return pipeline

    def stats(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "loads": dict(self.loads), "jobs": self.jobs}


def _free_gpu_cache() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def run_on_worker(job: GenerateJob, topic: str, cancel_name: str) -> tuple[Any, ...]:
    """The task: run ``job`` on this worker's pipeline; progress as events on ``topic``; returns the final
    message."""
    from workbench.generation.diffusers.execution import execute_job, go_offline

    go_offline()
    worker = get_worker()
    plugin: DiffusersWorkerPlugin = worker.plugins[PLUGIN_NAME]  # type: ignore[assignment]
    cancel = Event(cancel_name)

    def send(message: tuple[Any, ...]) -> None:
        worker.log_event(topic, list(message))

    pipeline = plugin.pipeline_for(job.key)
    with plugin._run_lock:
        was_loaded = pipeline.loaded
        final = execute_job(pipeline, job, send, cancel.is_set)
        plugin.jobs += 1
        if pipeline.loaded and not was_loaded:
            plugin.loads[job.key.path] = plugin.loads.get(job.key.path, 0) + 1
    return final


class DaskPipelineHost:
    """The kernel's side: sends diffusers jobs to the cluster and follows them (see the module docstring)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        #: Jobs the cluster can run at once: one per worker (each holds one pipeline).
        self.slots = max(1, len(client.scheduler_info().get("workers", {})))
        self._futures: dict[str, Any] = {}

    def run(self, job: GenerateJob) -> tuple[Ticket, int]:
        ticket = Ticket(job.job_id)
        topic = f"workbench-diffusers-{job.job_id}"

        def on_event(event: tuple[float, Any]) -> None:
            ticket.push(tuple(event[1]))

        self.client.subscribe_topic(topic, on_event)
        future = self.client.submit(
            run_on_worker,
            job,
            topic,
            _cancel_name(job.job_id),
            pure=False,
            retries=0,
            key=f"diffusers-{job.job_id}",
        )
        self._futures[job.job_id] = future

        def finished(done: Any) -> None:
            try:
                message = tuple(done.result())
            except Exception as exc:  # the worker died, or the task could not run there
                message = (
                    "failed",
                    job.job_id,
                    "backend",
                    f"{job.label} could not run on the Dask cluster. Check the workers' logs, then try again.",
                    f"{type(exc).__name__}: {exc}"[:600],
                )
            self._futures.pop(job.job_id, None)
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(topic)
            ticket.push(message)

        future.add_done_callback(finished)
        return ticket, 0

    def cancel(self, job_id: str) -> None:
        with contextlib.suppress(Exception):
            Event(_cancel_name(job_id), client=self.client).set()

    def worker_stats(self) -> dict[str, dict[str, Any]]:
        """Each worker's loads and jobs, by address (tests and the benchmark read it)."""

        def stats(dask_worker: Any) -> dict[str, Any]:
            plugin = dask_worker.plugins.get(PLUGIN_NAME)
            return plugin.stats() if plugin is not None else {}

        return self.client.run(stats)


def _cancel_name(job_id: str) -> str:
    return f"workbench-cancel-{job_id}"


def attach_pipeline_host(client: Client, executor: Any) -> DaskPipelineHost:
    """Give every worker the plugin and the executor a host, so open models run on the cluster's workers."""
    client.register_plugin(DiffusersWorkerPlugin(), name=PLUGIN_NAME)
    host = DaskPipelineHost(client)
    executor.pipeline_host = host
    return host
