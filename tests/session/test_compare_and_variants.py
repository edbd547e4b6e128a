"""Comparing and deciding without widgets: a take's settings loaded into the draft ("Use these settings"),
the committed video's effective settings, variants (N seeds, directions per line, models) checked, flagged
when they would repeat a video, queued as one group, and decided in one step."""

from __future__ import annotations

import pytest

from tests.take_factory import pending_take
from workbench import JobBusyError, Runner, SettingSource, TakeStatus, open_store
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.domain.compare import Column, settings_diff
from workbench.domain.variants import VariantKind
from workbench.errors import InvalidSettingError, UnknownModelError
from workbench.session import LectureSession

LEC = DEMO_LECTURE_ID
SMALL = {"resolution": "320x180", "duration_s": 1.0, "fps": 12}


@pytest.fixture
async def runner(demo_store):
    r = Runner(demo_store)
    yield r
    await r.shutdown()


def _session(runner) -> LectureSession:
    return LectureSession(runner, LEC, media_base_url="/files/demo/", watch_interval_s=None)


def _video(store):
    return store.media_path(store.lecture(LEC).asset("seg-01").path)


async def test_use_these_settings_fills_the_draft_from_a_take_and_survives_a_restart(runner, demo_store):
    take = pending_take(
        demo_store, LEC, "seg-02", _video(demo_store),
        {"movie_directions": "zoom out slowly", "seed": 7, "resolution": "854x480", "fps": 25},
    )  # fmt: skip
    session = _session(runner)
    session.edit("seg-02", duration_s=3.0)
    resolved = session.use_take_settings(take.id)
    assert resolved.settings == take.settings
    assert all(source is SettingSource.OVERRIDE for source in resolved.provenance.values())
    draft = session.segment_draft("seg-02")
    assert draft.origins == dict.fromkeys(take.settings.to_dict(), take.id)
    # editing one field makes it "your edit" again; the rest still come from the take
    session.edit("seg-02", seed=8)
    assert "seed" not in session.segment_draft("seg-02").origins
    assert session.segment_draft("seg-02").origins["movie_directions"] == take.id
    await session.drafts_saved()
    again = _session(Runner(open_store(demo_store.root)))
    assert again.segment_draft("seg-02").origins["fps"] == take.id
    assert again.effective("seg-02").settings.movie_directions == "zoom out slowly"


async def test_the_committed_column_shows_effective_values_and_where_they_came_from(runner):
    session = _session(runner)
    committed = session.committed_settings("seg-02")  # the demo's segments record no model, size or fps
    assert str(committed.settings.resolution) == "1280x720" and committed.settings.fps == 24
    assert committed.provenance["resolution"] is SettingSource.PROJECT
    assert committed.provenance["model"] is SettingSource.DEFAULT
    assert committed.provenance["duration_s"] is SettingSource.ASSET
    same = session.effective("seg-02")
    rows = settings_diff([Column("take", same.settings), Column("committed", committed.settings)])
    assert rows == []  # nothing differs, nothing is bold
    session.edit("seg-02", duration_s="4.0", seed=9)  # 4.0 is the committed 4 s: not a difference
    rows = settings_diff(
        [
            Column("take", session.effective("seg-02").settings),
            Column("c", committed.settings, committed.provenance),
        ]
    )
    assert (
        [r.name for r in rows] == ["seed"]
        and rows[0].values == ("9", "2")
        and rows[0].sources[1] == "this segment"
    )


async def test_seeds_of_fully_specified_directions_are_flagged_as_repeats(runner):
    session = _session(runner)
    session.edit("seg-02", movie_directions="pan left", **SMALL)
    planned = session.plan_variants("seg-02", VariantKind.SEEDS, count=3)
    assert [p.label for p in planned] == ["seed 2", "seed 3", "seed 4"]
    assert [p.same_as for p in planned] == [None, 0, 0]
    assert "seed decides nothing" in planned[1].why
    # a drift whose direction the seed picks: every seed is its own video
    session.edit("seg-02", movie_directions="Ken Burns")
    assert [p.same_as for p in session.plan_variants("seg-02", "seeds", count=2)] == [None, None]
    # two phrasings of one move are one video too
    lines = "pan left\nPan left.\nzoom in"
    assert [p.same_as for p in session.plan_variants("seg-02", "directions", lines=lines)] == [None, 0, None]


async def test_a_bad_variant_is_refused_before_anything_runs(runner):
    session = _session(runner)
    with pytest.raises(InvalidSettingError, match="two or more"):
        session.plan_variants("seg-02", "directions", lines="only one")
    with pytest.raises(UnknownModelError, match="Variant “nope”"):
        session.plan_variants("seg-02", "models", models=["local-camera", "nope"])
    assert runner.handles() == []


async def test_variants_run_as_one_group_and_are_decided_in_one_step(runner, demo_store):
    session = _session(runner)
    session.edit("seg-03", **SMALL)
    planned = session.plan_variants("seg-03", "directions", lines="tilt up\nzoom in\npan right")
    run = session.run_variants("seg-03", planned)
    assert len(run.entries) == 3 and session.busy("seg-03")
    with pytest.raises(JobBusyError):  # the segment is busy with its variants
        session.regenerate("seg-03")
    handles = [runner.handle(job_id) for _, job_id in run.entries]
    records = [await h.wait() for h in handles]
    assert all(r.take_id for r in records) and not session.busy("seg-03")
    assert session.variant_run_of(records[1].id) is run and run.label_of(records[1].id) == "2. zoom in"
    measured = session.measured_takes("seg-03")  # in the order they finished
    assert sorted(m.take.settings.movie_directions for m in measured) == ["pan right", "tilt up", "zoom in"]
    assert all(m.metrics is not None and m.metrics.adherence == 1.0 for m in measured)
    keep, *rest = [r.take_id for r in records][::-1]
    rejected = await session.decide_variants(keep, [r.take_id for r in records])
    assert sorted(rejected) == sorted(rest)
    statuses = {t.id: t.status for t in session.takes("seg-03")}
    assert statuses[keep] is TakeStatus.ACCEPTED and {statuses[t] for t in rest} == {TakeStatus.REJECTED}
    assert demo_store.lecture(LEC).asset("seg-03").movie_directions == "pan right"


async def test_identical_takes_are_found_by_content(runner, demo_store):
    video = _video(demo_store)
    a = pending_take(demo_store, LEC, "seg-04", video, {"seed": 1})
    b = pending_take(demo_store, LEC, "seg-04", video, {"seed": 2})
    from workbench.jobs.metrics import backfill_metrics

    backfill_metrics(demo_store, LEC)
    measured = {m.take.id: m for m in _session(runner).measured_takes("seg-04")}
    assert measured[a.id].identical_to == (b.id,) and measured[b.id].identical_to == (a.id,)


async def test_a_committed_video_no_take_made_is_measured_once_for_everyone_asking(runner, monkeypatch):
    import asyncio

    from workbench.session import lecture_session

    session = _session(runner)
    assert session.committed_take("seg-01") is None and not session.committed_metrics_known("seg-01")
    calls = []
    real = lecture_session.committed_video_measurement

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(lecture_session, "committed_video_measurement", counted)
    first, second = await asyncio.gather(
        session.measure_committed("seg-01"), session.measure_committed("seg-01")
    )
    assert first is second and len(calls) == 1
    assert first.decoded_frames == 96 and first.similarity_ssim == 1.0 and first.adherence is not None
    assert session.committed_metrics("seg-01") is first and session.committed_metrics_known("seg-01")
    assert await session.measure_committed("seg-01") is first and len(calls) == 1
    assert session.store.metrics(LEC).empty  # not a take: nothing written to the metrics table
