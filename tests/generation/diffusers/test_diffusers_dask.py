"""A Dask batch on open models: each worker keeps one loaded pipeline for the whole batch, never one per task."""

from __future__ import annotations

import json

from tests.generation.diffusers.conftest import entry
from workbench.batch import BatchRequest, run_batch
from workbench.batch.cluster import LOCAL_CLUSTER, open_executor

SMALL = {"model": "ltx", "resolution": "64x64", "duration_s": 0.75, "fps": 12}


async def test_a_batch_on_a_local_cluster_loads_the_pipeline_once_per_worker(store, lecture, tiny_models):
    (store.root / "models.json").write_text(
        json.dumps({"models": [entry("ltx", tiny_models["ltx"], steps=2)]})
    )
    request = BatchRequest(asset_ids=["seg-1", "seg-2"], overrides=SMALL, policy="accept-all")
    with open_executor(LOCAL_CLUSTER, workers=1) as executor:
        result = await run_batch(store, request, concurrency=2, executor=executor)
        stats = executor.pipeline_host.worker_stats()
    assert list(result.results["status"]) == ["accepted", "accepted"], result.results.to_dict("records")
    ((_, worker),) = stats.items()
    assert worker["loads"] == {str(tiny_models["ltx"]): 1} and worker["jobs"] == 2
    for path in result.results["take_path"]:
        assert store.media_path(path).stat().st_size > 0
