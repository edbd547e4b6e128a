"""Where a batch's renders run: worker processes on this machine (default), its threads, or a Dask cluster.

Worker processes (:class:`~workbench.jobs.worker_pool.WorkerProcessPool`) are the default because renders
on threads of one process contend for Python's GIL and leave part of the cores idle; they still report
progress and stop mid-take when cancelled. ``"threads"`` keeps every render in this process.

The runner stays in this process (it owns the journal and the store writes); only the CPU work of a render
goes to the cluster, through ``Client.get_executor``. Paid or expensive work must never be re-run behind our
back, so tasks are submitted ``pure=False`` (no de-duplication by key) with ``retries=0``, and a cluster we
start ourselves has ``allowed-failures = 0`` (Dask would otherwise re-run a task whose worker died). The
workers need the ``workbench`` package installed and the store on a shared file system.
"""

from __future__ import annotations

import concurrent.futures
import os
import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

from workbench.errors import InvalidSettingError, WorkbenchError

__all__ = ["LOCAL_CLUSTER", "THREADS", "check_executor", "default_concurrency", "open_executor"]

#: ``executor_address`` value that starts a throwaway Dask cluster of local worker processes.
LOCAL_CLUSTER = "local-cluster"
#: ``executor_address`` value that renders on threads of this process (the runner's own thread pool).
THREADS = "threads"


def default_concurrency(address: str | None) -> int:
    """Renders at once when none is asked for: one more than this machine's cores for worker processes and a
    local cluster (a worker idles while its finished take is stored and checked, and while its measurement
    ends: a spare render fills those gaps; ``benchmarks/batch_bench.py`` measures it), 2 for threads (more
    contend for the GIL) and for a remote cluster (whose size is not known here: set it)."""
    if not address or address == LOCAL_CLUSTER:
        return (os.cpu_count() or 1) + 1
    return 2


def check_executor(address: str | None, *, timeout_s: float = 1.5) -> None:
    """Refuse an executor address that is malformed or does not answer, in a second or two (before any work).

    Only a TCP connection is tried (no Dask handshake), so the check stays fast and imports nothing heavy.
    """
    if not address or address in (LOCAL_CLUSTER, THREADS):
        return
    parsed = urllib.parse.urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        host = port = None
    if parsed.scheme not in ("tcp", "tls") or not host or not port:
        raise InvalidSettingError(
            f"The executor {address!r} is not an address Dask understands. Use {LOCAL_CLUSTER!r}, {THREADS!r}, a "
            "scheduler such as 'tcp://10.0.0.5:8786', or leave it empty to render on this machine."
        )
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise WorkbenchError(
            f"Nothing answers at the Dask scheduler {address!r}. Start the scheduler (dask scheduler), check the "
            "address, or leave the executor empty to render on this machine.",
            detail=str(exc) or type(exc).__name__,
        ) from None


@contextmanager
def open_executor(address: str | None, *, workers: int = 2) -> Iterator[concurrent.futures.Executor | None]:
    """``None`` → worker processes on this machine; ``"threads"`` → the runner's own threads;
    ``"local-cluster"`` → a new Dask LocalCluster; else a Dask scheduler address."""
    if address == THREADS:
        yield None
        return
    if not address:
        from workbench.jobs.worker_pool import WorkerProcessPool

        pool = WorkerProcessPool(workers)
        pool.start_workers()  # they start while the batch is planned
        try:
            yield pool
        finally:
            pool.shutdown(cancel_futures=True)
        return
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = None
        try:
            if address == LOCAL_CLUSTER:
                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                client = Client(cluster)
            else:
                client = Client(address, timeout="20s")
        except OSError as exc:
            if cluster is not None:
                cluster.close()
            raise WorkbenchError(
                f"Could not reach the Dask scheduler at {address!r}. Check the address, or leave executor_address "
                "empty to render on this machine.",
                detail=str(exc),
            ) from None
        try:
            from workbench.batch.diffusers_workers import attach_pipeline_host

            executor = client.get_executor(pure=False, retries=0)
            attach_pipeline_host(client, executor)  # open models: one loaded pipeline per worker
            yield executor
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
