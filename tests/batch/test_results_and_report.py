"""The results dataset (typed, one file per batch, read whole by pandas and duckdb) and the report built from it:
verdict, leaderboards with real metric values, gallery, charts with failures, "not measured" when absent."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.lines import Line2D

from workbench.batch import BatchRequest, run_batch
from workbench.batch.parameters import BatchParameters
from workbench.batch.report import BatchReport, add_labels, charts, leaderboard
from workbench.batch.report.gallery import directions_diff_html
from workbench.batch.results import RESULTS_SCHEMA, read_results, results_table, write_results
from workbench.domain.metrics import METRICS_VERSION
from workbench.errors import InvalidSettingError, StoreError, UnknownFieldError
from workbench.jobs import metrics as job_metrics
from workbench.jobs.metrics import metrics_columns
from workbench.store import open_store

SMALL = {"duration_s": 1.0, "resolution": "320x180", "fps": 12}
PAN = "pan left then zoom in on the diagram"


@pytest.fixture(scope="module")
def batches(_demo_template, tmp_path_factory):
    """Two batches of one store in one output folder: seeds (identical takes), then other directions."""
    os.environ["WORKBENCH_USER"] = "ada"
    root = tmp_path_factory.mktemp("results") / "store"
    shutil.copytree(_demo_template, root)
    store = open_store(root, user="ada")
    out = root.parent / "out"
    first = asyncio.run(
        run_batch(
            store,
            BatchRequest(
                asset_ids=["seg-01", "seg-02", "seg-06"], overrides=SMALL, variants=[{"seed": 1}, {"seed": 2}]
            ),
        )
    )
    second = asyncio.run(
        run_batch(
            store, BatchRequest(asset_ids=["seg-01"], overrides=SMALL, variants=[{"movie_directions": PAN}])
        )
    )
    files = [write_results(results_table(b), out) for b in (first, second)]
    return store, out, first, second, files


def test_each_batch_adds_a_typed_file_and_the_folder_reads_as_one_table(batches):
    _store, out, first, second, files = batches
    assert [f.parent for f in files] == [out / "results"] * 2 and files[0] != files[1]
    for file in files:
        assert pq.read_schema(file).remove_metadata().equals(RESULTS_SCHEMA)
    whole = pd.read_parquet(out / "results")
    assert len(whole) == 6 + 1 and set(whole["batch_id"]) == {first.batch_id, second.batch_id}
    rows = duckdb.sql(
        f"select batch_id, count(*) as n from '{out}/results/*.parquet' group by batch_id"
    ).fetchall()
    assert dict(rows) == {first.batch_id: 6, second.batch_id: 1}
    typed = duckdb.sql(
        f"select overrides.seed, checks, frame_count, batch_started_at, adherence_moves from '{out}/results/*.parquet' "
        "where asset_id = 'seg-01' and variant = 1 and overrides.seed = 2"
    ).fetchall()
    (seed, checks, frames, started, moves) = typed[0]
    assert (seed, checks, frames) == (2, [], 12)
    assert started.tzinfo is not None and moves and {"step", "move", "ok", "measured"} <= set(moves[0])


def test_read_results_gives_nullable_types_and_the_committed_settings(batches):
    _store, out, first, *_ = batches
    frame = read_results(out, first.batch_id)
    assert str(frame["frame_count"].dtype) == "Int64" and str(frame["checks_passed"].dtype) == "boolean"
    assert str(frame["batch_started_at"].dtype) == "datetime64[us, UTC]"
    seg1 = frame[(frame["asset_id"] == "seg-01") & (frame["variant"] == 0)].iloc[0]
    assert seg1["committed_movie_directions"] == "Slow push-in on the diagram"
    assert seg1["committed_duration_s"] == 4.0 and seg1["committed_resolution"] == "1280x720"
    assert seg1["duration_s"] == 1.0 and seg1["duration_s_source"] == "your edit"
    assert seg1["overrides"]["seed"] == 1 and seg1["overrides"]["movie_directions"] is None
    failed = frame[frame["status"] == "failed"].iloc[0]
    assert failed["error"] == "Regenerate the starting image first."
    assert "never had a starting image" in failed["error_detail"]  # the detail apart, not in the message
    with pytest.raises(Exception, match="No batch"):
        read_results(out, "batch-nope")


def test_takes_carry_measured_metrics_and_identical_seed_variants_are_flagged(batches):
    _store, out, first, *_ = batches
    frame = read_results(out, first.batch_id).set_index(["asset_id", "variant"])
    made = frame[frame["status"] == "pending"]
    assert made["adherence"].between(0, 1).all() and made["motion_amount"].gt(0).all()
    assert made["content_hash"].str.fullmatch("[0-9a-f]{64}").all()
    assert (made["decoded_frames"] == 12).all()
    # seeds change nothing in fully specified directions: same bytes, flagged against variant 0
    assert frame.loc[("seg-01", 1), "content_hash"] == frame.loc[("seg-01", 0), "content_hash"]
    assert frame.loc[("seg-01", 1), "identical_to_variant"] == 0
    assert pd.isna(frame.loc[("seg-01", 0), "identical_to_variant"])


def test_the_store_metrics_are_used_when_the_takes_carry_them(batches, monkeypatch):
    """A batch reads the metrics its jobs recorded; a take measured at an older version is measured again."""
    store, *_ = batches
    take = store.take_records(store.takes())[0]
    stored = store.take_metrics(take.id)
    assert stored is not None and stored.metrics_version == METRICS_VERSION  # measured by its own job

    def never(*_args, **_kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(job_metrics, "measure_take", never)
    assert metrics_columns(store, take) == stored.to_dict()

    older = dataclasses.replace(stored, metrics_version=METRICS_VERSION - 1, adherence=0.25)
    store.record_metrics([(take.id, older)])
    monkeypatch.undo()
    again = metrics_columns(store, take)
    assert again["metrics_version"] == METRICS_VERSION and again["adherence"] == stored.adherence
    assert store.take_metrics(take.id).metrics_version == METRICS_VERSION  # recorded: read next time


def test_the_leaderboard_ranks_by_pass_rate_then_adherence_with_real_values(batches):
    store, out, first, second, _ = batches
    both = pd.concat([read_results(out, first.batch_id), read_results(out, second.batch_id)])
    both = both[both["asset_id"] == "seg-01"].copy()
    both["variant"] = range(len(both))  # three contenders: seed 1, seed 2, the pan
    both["variant_overrides"] = [{"seed": 1}, {"seed": 2}, {"movie_directions": PAN}]
    both["adherence"] = [0.5, 0.5, 1.0]
    board = leaderboard(both)
    assert board["variant_label"].iloc[0] == f"variant 2 (directions “{PAN}”)"
    assert list(board["adherence"]) == [1.0, 0.5, 0.5] and list(board["pass rate"]) == [1.0, 1.0, 1.0]
    both["identical_to_variant"] = pd.NA
    verdict = BatchReport(add_labels(both), out, store).verdict_markdown()
    assert f"**Best variant:** variant 2 (directions “{PAN}”) — 1 of 1 passed, adherence 100 %" in verdict


def test_the_report_of_a_batch(batches):
    store, out, first, *_ = batches
    report = BatchReport.load(out, first.batch_id, store)
    verdict = report.verdict_markdown()
    assert "6 items over 3 segments" in verdict and "2 items failed" in verdict
    assert "**2 takes are identical**" in verdict and "No variant wins" in verdict
    gallery = report.gallery_html()
    assert gallery.count("<video") == 3 + 4  # three committed videos (one per segment) and four takes
    for name in (out / "media").glob("*.mp4"):
        assert name.stat().st_size > 0 and name.with_suffix(".jpg").exists()
    assert "identical to variant 0" in gallery and "Regenerate the starting image first." in gallery
    assert "duration 4 s → 1 s" in gallery and "seed 1 → 2" in gallery
    boards = report.leaderboards_html()
    assert "By variant" in boards and "_itables" in boards and "not measured" not in boards
    assert (
        "- The eye as a camera · variant 0: Regenerate the starting image first. — detail: segment 'seg-06'"
        in (report.problems_markdown())
    )
    with pytest.raises(Exception, match="2 of 6 items failed"):
        report.check(allow_failures=False)
    assert report.check(allow_failures=True) == "4 of 6 items produced a take."


async def test_a_batch_without_metrics_says_not_measured(demo_store, tmp_path):
    result = await run_batch(demo_store, BatchRequest(asset_ids=["seg-02"], overrides=SMALL), measure=False)
    write_results(results_table(result), tmp_path)
    report = BatchReport.load(tmp_path, result.batch_id, demo_store)
    assert "were **not measured**" in report.verdict_markdown()
    assert "not measured" in report.gallery_html() and "'not measured'" in report.leaderboards_html()
    assert "adherence: not measured" in report.charts_html().lower()


def test_charts_show_failures(batches):
    _store, out, first, *_ = batches
    frame = read_results(out, first.batch_id)
    times = charts.generation_time_chart(frame)
    crosses = [line for line in times.axes[0].lines if isinstance(line, Line2D) and line.get_marker() == "x"]
    assert len(crosses) == 2  # the two failed items, drawn although they have no time
    assert any("Regenerate the starting image first." in t.get_text() for t in times.axes[0].texts)
    outcome = charts.outcome_chart(frame)
    assert [t.get_text() for t in outcome.axes[0].get_legend().get_texts()] == ["pending", "failed"]
    assert charts.svg(outcome).startswith("<svg")


def test_renders_at_once_default_to_one_more_than_the_cores_where_workers_render_them():
    cores = os.cpu_count() or 1
    assert BatchParameters(store_path="x").renders_at_once == cores + 1  # worker processes
    assert BatchParameters(store_path="x", executor_address="local-cluster").renders_at_once == cores + 1
    assert BatchParameters(store_path="x", executor_address="threads").renders_at_once == 2  # the GIL
    assert BatchParameters(store_path="x", executor_address="tcp://10.0.0.5:8786").renders_at_once == 2
    assert BatchParameters(store_path="x", concurrency=5).renders_at_once == 5  # asked for: as asked
    assert BatchParameters.from_values({"store_path": "x", "concurrency": "None"}).concurrency is None


def test_directions_diff_marks_added_and_removed_words():
    html = directions_diff_html("Slow push-in on the diagram", "Slow pan left on the diagram")
    assert html == "Slow <del>push-in</del> <ins>pan left</ins> on the diagram"
    assert directions_diff_html(None, "a <b>") == "a &lt;b&gt;"


def test_parameters_take_json_text_as_papermill_passes_it(tmp_path):
    params = BatchParameters.from_values(
        {"store_path": str(tmp_path), "variants": '[{"seed": 1}, {"seed": 2}]', "overrides": '{"fps": 12}',
         "concurrency": "3", "lecture_ids": "lenses-101", "allow_failures": "true", "query": "None"}
    )  # fmt: skip
    assert params.variants == [{"seed": 1}, {"seed": 2}] and params.overrides == {"fps": 12}
    assert (params.concurrency, params.lecture_ids, params.allow_failures, params.query) == (
        3, ["lenses-101"], True, None
    )  # fmt: skip
    with pytest.raises(InvalidSettingError, match="concurrency must be between 1 and 64"):
        BatchParameters.from_values({"store_path": "x", "concurrency": 0})
    with pytest.raises(InvalidSettingError, match="variants must be a list"):
        BatchParameters.from_values({"store_path": "x", "variants": "{oops"})
    with pytest.raises(UnknownFieldError, match="colour"):
        BatchParameters.from_values({"store_path": "x", "colour": 1})
    with pytest.raises(InvalidSettingError, match="No store given"):
        BatchParameters.from_values({})
    with pytest.raises(StoreError, match="no store at"):
        BatchParameters.from_values({"store_path": str(tmp_path / "nope")}).open_store()
    assert not (tmp_path / "nope").exists()
    demo = BatchParameters.from_values({"store_path": str(tmp_path / "demo"), "demo": True}).open_store()
    assert demo.lecture_ids() == ["lenses-101"]


def test_schema_fields_have_the_contract_types():
    assert RESULTS_SCHEMA.field("motion_path").type == pa.list_(
        pa.struct([("t", pa.float64()), ("cx", pa.float64()), ("cy", pa.float64()), ("zoom", pa.float64()),
                   ("angle", pa.float64())])
    )  # fmt: skip
    assert RESULTS_SCHEMA.field("reversals").type == pa.int64()
    assert RESULTS_SCHEMA.field("batch_started_at").type == pa.timestamp("us", tz="UTC")
    assert RESULTS_SCHEMA.field("overrides").type.num_fields == 9  # video settings, then image-only ones
