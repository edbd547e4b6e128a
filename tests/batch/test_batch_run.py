"""Batch API: selection, dry run, isolated failures, resume, review policies, variants, Dask."""

from __future__ import annotations

import av
import numpy as np
import pandas as pd
import pytest

from tests.conftest import snapshot
from workbench.batch import BatchRequest, plan_batch, run_batch, select_segments
from workbench.batch.cluster import LOCAL_CLUSTER, open_executor
from workbench.batch.results import results_table
from workbench.demo.builder import LEGACY_ASSET_ID
from workbench.domain.jobs import JobStatus
from workbench.domain.models import TakeStatus
from workbench.errors import REGENERATE_STARTING_IMAGE, InvalidSettingError, UnknownFieldError
from workbench.jobs.runner import Runner

SMALL = {"duration_s": 1.0, "resolution": "320x180", "fps": 12}


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"policy": "yolo"}, InvalidSettingError, "Unknown review policy"),
        ({"overrides": {"colour": 1}}, UnknownFieldError, "Known settings"),
        ({"variants": [{"fps": 0}]}, InvalidSettingError, "fps is out of range"),
        ({"directions_template": "{movie_directions} {mood}"}, UnknownFieldError, "mood"),
        (
            {"directions_template": "x", "overrides": {"movie_directions": "y"}},
            InvalidSettingError,
            "not both",
        ),
    ],
)
def test_bad_requests_fail_in_words_before_anything_runs(kwargs, error, words):
    with pytest.raises(error, match=words):
        BatchRequest(**kwargs)


def test_selection_by_ids_and_query(demo_store):
    assert len(select_segments(demo_store, BatchRequest())) == 6
    assert list(select_segments(demo_store, BatchRequest(asset_ids=["seg-02"]))["asset_id"]) == ["seg-02"]
    picked = select_segments(demo_store, BatchRequest(query="has_starting_image and order < 2"))
    assert list(picked["asset_id"]) == ["seg-01", "seg-02"]
    with pytest.raises(InvalidSettingError, match="could not run"):
        select_segments(demo_store, BatchRequest(query="nonsense ==="))
    with pytest.raises(InvalidSettingError, match="seg-99"):
        select_segments(demo_store, BatchRequest(asset_ids=["seg-99"]))


async def test_dry_run_resolves_settings_with_provenance_and_generates_nothing(demo_store):
    before = snapshot(demo_store.root)
    request = BatchRequest(
        overrides={"duration_s": 2.0},
        directions_template="{movie_directions}, then slow push-in",
        variants=[{"seed": 1}, {"seed": 2}],
    )
    runner = Runner(demo_store)
    plan = plan_batch(runner, request)
    await runner.shutdown()
    assert len(plan) == 12 and plan["will_run"].all()
    first = plan.iloc[0]
    assert first["movie_directions"] == "Slow push-in on the diagram, then slow push-in"
    assert (first["duration_s"], first["duration_s_source"]) == (2.0, "your edit")
    assert (first["resolution"], first["resolution_source"]) == ("1280x720", "project default")
    assert list(plan["seed"][:2]) == [1, 2]
    assert plan.set_index("asset_id").loc[LEGACY_ASSET_ID, "note"].tolist() == [REGENERATE_STARTING_IMAGE] * 2
    after = snapshot(demo_store.root)
    assert {k: v for k, v in after.items() if not k.startswith("runners/")} == before


async def test_one_failing_segment_fails_alone_and_a_rerun_skips_what_succeeded(demo_store):
    request = BatchRequest(overrides=SMALL)
    result = await run_batch(demo_store, request, concurrency=2)
    by_asset = result.results.set_index("asset_id")
    assert by_asset.loc[LEGACY_ASSET_ID, "status"] == "failed"
    assert by_asset.loc[LEGACY_ASSET_ID, "error"] == REGENERATE_STARTING_IMAGE
    assert (by_asset.drop(LEGACY_ASSET_ID)["status"] == "pending").all()
    assert all(list(c) == [] for c in by_asset.drop(LEGACY_ASSET_ID)["checks"])
    assert result.failed == 1 and result.counts == {"pending": 5, "failed": 1}
    assert len(demo_store.takes(status=TakeStatus.PENDING)) == 5

    again = await run_batch(demo_store, request, concurrency=2)
    assert again.counts == {"skipped": 5, "failed": 1}
    assert len(demo_store.takes()) == 5  # nothing generated twice
    assert set(again.results.dropna(subset=["take_id"])["take_id"]) == set(
        result.results.dropna(subset=["take_id"])["take_id"]
    )


async def test_a_batch_groups_its_rederivable_writes_and_stores_all_of_them_before_it_returns(demo_store):
    """Job states, measurements and events wait for company (``BATCH_LINGER_S``), so a batch appends far fewer
    files than one per job and state; nothing is lost: when ``run_batch`` returns, the store has each job's last
    state, each take's metrics (also in its row) and the journal."""
    tables = demo_store.root / "tables"

    def files(name: str) -> int:
        return len(list((tables / name).glob("*.parquet")))

    before = {name: files(name) for name in ("jobs", "metrics", "events")}
    request = BatchRequest(overrides=SMALL, variants=[{"seed": 1}, {"seed": 2}])
    result = await run_batch(demo_store, request, concurrency=2)
    done = result.results[result.results["status"] == "pending"]
    assert len(done) == 10
    for row in done.to_dict("records"):
        assert demo_store.job(row["job_id"]).status is JobStatus.AWAITING_REVIEW
        stored = demo_store.take_metrics(row["take_id"])
        assert stored is not None and stored.decoded_frames == row["decoded_frames"] == 12
    assert len(demo_store.events(job_id=done["job_id"].iloc[-1])) >= 3  # queued, started … preview ready
    added = {name: files(name) - count for name, count in before.items()}
    assert added["metrics"] < len(done), added  # one append per take without the linger
    assert added["jobs"] < len(result.results), added  # three states per job without it


async def test_accept_passing_commits_the_first_passing_variant_only(demo_store):
    request = BatchRequest(
        asset_ids=["seg-01", "seg-02"],
        overrides=SMALL,
        variants=[{"seed": 1}, {"seed": 2}],
        policy="accept-passing",
    )
    result = await run_batch(demo_store, request, concurrency=2)
    assert list(result.results["status"]) == ["accepted", "pending", "accepted", "pending"]
    lecture = demo_store.lecture("lenses-101")
    for row in result.results[result.results["status"] == "accepted"].to_dict("records"):
        assert lecture.asset(row["asset_id"]).path == row["take_path"]
        assert lecture.asset(row["asset_id"]).seed == 1
    # each job's state follows its take's decision, though a batch's "awaiting review" waited for company
    expected = {"accepted": JobStatus.ACCEPTED, "pending": JobStatus.AWAITING_REVIEW}
    for row in result.results.to_dict("records"):
        assert demo_store.job(row["job_id"]).status is expected[row["status"]]


def _frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


@pytest.mark.slow
async def test_a_dask_local_cluster_makes_the_same_takes_as_local_threads(
    demo_store, _demo_template, tmp_path
):
    import shutil

    from workbench import open_store

    twin_root = tmp_path / "twin"
    shutil.copytree(_demo_template, twin_root)
    twin = open_store(twin_root)
    request = BatchRequest(asset_ids=["seg-01", "seg-03"], overrides={**SMALL, "seed": 5})
    local = await run_batch(demo_store, request, concurrency=2)
    with open_executor(LOCAL_CLUSTER, workers=2) as executor:
        clustered = await run_batch(twin, request, concurrency=2, executor=executor)
    assert clustered.executor == "ClientExecutor"
    assert list(clustered.results["status"]) == list(local.results["status"]) == ["pending", "pending"]
    assert len(twin.takes()) == 2  # one take per item: nothing re-run by the cluster
    for a, b in zip(local.results.to_dict("records"), clustered.results.to_dict("records"), strict=True):
        frames_a = _frames(demo_store.media_path(a["take_path"]))
        frames_b = _frames(twin.media_path(b["take_path"]))
        assert len(frames_a) == len(frames_b) == 12
        assert all(np.array_equal(x, y) for x, y in zip(frames_a, frames_b, strict=True))


@pytest.mark.slow
async def test_the_default_worker_processes_make_the_same_takes_with_live_progress_and_metrics(
    demo_store, _demo_template, tmp_path
):
    """``workbench batch`` renders in worker processes: same bytes as threads, progress within each take, and
    the take metrics measured in the worker as it rendered."""
    import shutil

    from workbench import open_store
    from workbench.jobs.worker_pool import WorkerProcessPool

    twin_root = tmp_path / "twin"
    shutil.copytree(_demo_template, twin_root)
    twin = open_store(twin_root)
    request = BatchRequest(asset_ids=["seg-01", "seg-03"], overrides={**SMALL, "duration_s": 2.0, "seed": 5})
    on_threads = await run_batch(demo_store, request, concurrency=2)
    updates = []
    with open_executor(None, workers=2) as pool:
        assert isinstance(pool, WorkerProcessPool)
        in_workers = await run_batch(twin, request, concurrency=2, executor=pool, on_update=updates.append)
    assert in_workers.executor == "WorkerProcessPool"
    assert list(in_workers.results["status"]) == ["pending", "pending"]
    for a, b in zip(
        on_threads.results.to_dict("records"), in_workers.results.to_dict("records"), strict=True
    ):
        assert (
            demo_store.media_path(a["take_path"]).read_bytes() == twin.media_path(b["take_path"]).read_bytes()
        )
        metrics = twin.take_metrics(b["take_id"])
        assert metrics is not None and metrics.decoded_frames == 24
    fractions = [u.fraction for u in updates if u.state == "progress"]
    assert any(0 < f < 1 for f in fractions), "no progress came back from the worker processes"


async def test_an_image_batch_plans_with_provenance_and_accepts_what_passes(demo_store):
    request = BatchRequest(images=True, asset_ids=["seg-01", LEGACY_ASSET_ID], overrides={"size": "640x360"},
                           variants=[{"seed": 1}, {"seed": 2}], policy="accept-passing")  # fmt: skip
    runner = Runner(demo_store)
    plan = plan_batch(runner, request)
    await runner.shutdown()
    assert len(plan) == 4 and plan["will_run"].all()
    legacy = plan[plan["asset_id"] == LEGACY_ASSET_ID].iloc[0]
    assert (legacy["prompt"], legacy["prompt_source"]) == ("The eye as a camera", "this segment")
    assert pd.isna(legacy["committed_path"])
    result = await run_batch(demo_store, request, concurrency=2)
    assert result.counts == {"accepted": 2, "pending": 2}
    lecture = demo_store.lecture("lenses-101")
    assert lecture.asset("seg-01").starting_image_id == "img-01"  # accepted under the same id
    assert lecture.starting_image("img-01").seed == 1 and lecture.video_is_outdated("seg-01")
    assert lecture.asset(LEGACY_ASSET_ID).starting_image_id is not None
    table = results_table(result).to_pandas()  # the dataset has the image settings in their own columns
    assert set(table["kind"]) == {"image"} and list(table["width"]) == [640] * 4
    assert table["prompt"].notna().all() and set(table["seed"]) == {1, 2}
    rerun = await run_batch(demo_store, request, concurrency=2)
    assert set(rerun.results["status"]) == {"skipped"}
    with pytest.raises(InvalidSettingError, match="prompt override"):
        BatchRequest(images=True, directions_template="{movie_directions}")
