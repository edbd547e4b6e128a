"""Spreading renders over a Dask ``distributed`` cluster.

The runner stays in this process (it owns the journal and the store writes); only the CPU work of a render
goes to the cluster, through ``Client.get_executor``. Paid or expensive work must never be re-run behind our
back, so tasks are submitted ``pure=False`` (no de-duplication by key) with ``retries=0``, and a cluster we
start ourselves has ``allowed-failures = 0`` (Dask would otherwise re-run a task whose worker died). The
workers need the ``workbench`` package installed and the store on a shared file system.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from contextlib import contextmanager

from workbench.errors import WorkbenchError

__all__ = ["LOCAL_CLUSTER", "open_executor"]

#: ``executor_address`` value that starts a throwaway cluster of local worker processes.
LOCAL_CLUSTER = "local-cluster"


@contextmanager
def open_executor(address: str | None, *, workers: int = 2) -> Iterator[concurrent.futures.Executor | None]:
    """``None`` → the runner's own threads; ``"local-cluster"`` → a new LocalCluster; else a scheduler address."""
    if not address:
        yield None
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
