"""LectureSession without widgets: drafts that survive a restart, commits made elsewhere, cost per change."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from tests.conftest import small_slide_png
from tests.take_factory import pending_take
from workbench import Resolution, Runner, SettingSource, open_store
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.jobs.actions import accept_take, replace_starting_image
from workbench.session import LectureSession, SessionChange
from workbench.store.drafts import DraftStore

LEC = DEMO_LECTURE_ID


def _video(store):
    return store.media_path(store.lecture(LEC).asset("seg-01").path)


@pytest.fixture
async def runner(demo_store):
    r = Runner(demo_store)
    yield r
    await r.shutdown()


def _session(runner, **kwargs) -> LectureSession:
    return LectureSession(runner, LEC, media_base_url="/files/demo/", watch_interval_s=None, **kwargs)


# -- drafts ------------------------------------------------------------------------------------------------


async def test_drafts_survive_a_restart_of_the_kernel(runner, demo_store):
    session = _session(runner)
    session.edit("seg-02", movie_directions="pan left slowly", resolution="854x480")
    await session.drafts_saved()
    # a new kernel: new store object, new runner, new session
    again = _session(Runner(open_store(demo_store.root)))
    assert again.draft("seg-02").as_dict() == {"movie_directions": "pan left slowly", "resolution": "854x480"}
    assert again.effective("seg-02").provenance["resolution"] is SettingSource.OVERRIDE
    assert again.segment("seg-02").has_draft and not again.segment("seg-01").has_draft
    again.discard_draft("seg-02")
    await again.drafts_saved()
    assert _session(runner).draft("seg-02").is_empty()


async def test_typing_writes_the_draft_once_after_a_pause_not_per_keystroke(runner, monkeypatch):
    writes: list[dict] = []
    original = DraftStore.save
    monkeypatch.setattr(
        DraftStore, "save", lambda self, lec, changed: writes.append(changed) or original(self, lec, changed)
    )
    session = _session(runner, draft_save_delay_s=0.05)
    for n in range(1, 30):
        session.edit("seg-01", movie_directions="pan left then zoom in"[:n])
    assert writes == []  # nothing written on the keystroke path
    await asyncio.sleep(0.2)
    await session.drafts_saved()
    assert len(writes) == 1 and writes[0]["seg-01"].overrides.movie_directions == "pan left then zoom in"


def test_a_kernel_that_exits_before_the_pause_still_keeps_the_draft(demo_store):
    script = textwrap.dedent(
        f"""
        import asyncio
        from workbench import Runner, open_store
        from workbench.session import LectureSession

        async def main():
            session = LectureSession(Runner(open_store({str(demo_store.root)!r})), {LEC!r}, draft_save_delay_s=60)
            session.edit("seg-03", seed=42)

        asyncio.run(main())  # the loop ends with the save still pending: the exit handler writes it
        """
    )
    env = {**os.environ, "WORKBENCH_USER": "ada"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert demo_store.drafts().load(LEC)["seg-03"].overrides.seed == 42


async def test_accept_clears_what_it_committed_and_keeps_what_still_outranks_the_project(runner, demo_store):
    """The issue's case: a 640x360 take is accepted while the project default is 1280x720."""
    session = _session(runner)
    session.edit("seg-02", movie_directions="pan left slowly", resolution="640x360")
    take = pending_take(demo_store, LEC, "seg-02", _video(demo_store), session.draft("seg-02").as_dict())
    await session.accept(take.id)
    await session.drafts_saved()
    assert session.committed.asset("seg-02").resolution == Resolution(640, 360)
    assert session.draft("seg-02").as_dict() == {"resolution": "640x360"}  # directions: cleared (committed)
    assert session.same_as_committed("seg-02") == {"resolution"}
    assert session.conflicts("seg-02") == ()
    restarted = _session(Runner(open_store(demo_store.root)))
    assert restarted.effective("seg-02").settings.resolution == Resolution(640, 360)  # not back to 1280x720
    assert restarted.same_as_committed("seg-02") == {"resolution"}


# -- freshness ---------------------------------------------------------------------------------------------


async def test_a_commit_made_elsewhere_updates_settings_and_player_and_flags_a_conflicting_draft(
    runner, demo_store
):
    session = _session(runner)
    changes: list[SessionChange] = []
    session.subscribe(changes.append)
    session.edit("seg-02", resolution="854x480")
    session.edit("seg-04", movie_directions="tilt up")
    url_before = session.committed_url("seg-02")
    other = Runner(open_store(demo_store.root), label="batch run of test")
    take = pending_take(
        other.store, LEC, "seg-02", _video(demo_store), {"resolution": "640x360", "movie_directions": "hold"}
    )
    await accept_take(other, take.id)
    await other.bus.flush()
    assert session.sync()
    assert session.committed_url("seg-02") != url_before and take.path in session.committed_url("seg-02")
    assert session.effective("seg-02").settings.movie_directions == "hold"  # no draft for it: the new commit
    assert session.draft("seg-02").resolution == Resolution(854, 480)  # kept, never overwritten
    (clash,) = session.conflicts("seg-02")
    assert (clash.name, clash.mine, clash.committed) == ("resolution", "854x480", "640x360")
    assert session.segment("seg-02").conflict and not session.segment("seg-04").conflict
    said = [c.message for c in changes if c.external and c.message]
    assert any(
        "accepted by batch run of test (ada)" in m and "seg-02" in m and "kept and marked" in m for m in said
    )
    session.keep_my_edits("seg-02")
    assert session.conflicts("seg-02") == () and session.draft("seg-02").resolution == Resolution(854, 480)
    assert not session.sync()  # nothing new
    await other.shutdown()


async def test_our_own_accept_is_not_reported_as_made_elsewhere(runner, demo_store):
    session = _session(runner)
    changes: list[SessionChange] = []
    session.subscribe(changes.append)
    take = pending_take(demo_store, LEC, "seg-01", _video(demo_store), {"seed": 5})
    await session.accept(take.id)
    await runner.bus.flush()
    session.sync()
    assert not [c for c in changes if c.message]


async def test_a_change_without_an_event_is_explained_from_the_difference(runner, demo_store, monkeypatch):
    import workbench.session.lecture_session as session_module

    monkeypatch.setattr(session_module, "EXPLAIN_WAIT_S", 0.0)
    session = _session(runner)
    changes: list[SessionChange] = []
    session.subscribe(changes.append)
    replace_starting_image(open_store(demo_store.root), LEC, "seg-06", small_slide_png("new"))
    session.sync()
    assert session.segment("seg-06").thumbnail_url is not None  # the table and editor can use it now
    said = [c.message for c in changes if c.message]
    assert said == [
        "seg-06 “The eye as a camera” got a new starting image in another session; the player, settings and table now show it."
    ]


async def test_jobs_of_another_process_mark_the_segment_busy_until_they_end(runner, demo_store):
    from workbench.jobs.events import Event, EventType

    session = _session(runner)
    other = open_store(demo_store.root)
    other.append_events(
        [Event(EventType.JOB_STARTED, "job-x", LEC, "seg-03", "Started generating.").to_row()]
    )
    session.sync()
    assert session.busy("seg-03") and session.segment("seg-03").status == "generating"
    other.append_events([Event(EventType.JOB_FAILED, "job-x", LEC, "seg-03", "It failed.").to_row()])
    session.sync()
    assert not session.busy("seg-03") and session.segment("seg-03").status == "ready"


async def test_the_watch_loop_applies_changes_without_being_asked(runner, demo_store):
    session = LectureSession(runner, LEC, watch_interval_s=0.05)
    other = open_store(demo_store.root)
    other.update_lecture(
        LEC, lambda lec: lec.with_asset(replace(lec.asset("seg-05"), title="Renamed elsewhere"))
    )
    async with asyncio.timeout(30):
        while session.asset("seg-05").title != "Renamed elsewhere":  # noqa: ASYNC110 - waiting on the poller is the point
            await asyncio.sleep(0.02)
    assert session.segment("seg-05").title == "Renamed elsewhere"
    session.close()


async def test_work_per_change_is_per_segment(runner, demo_store, monkeypatch):
    """A keystroke or a commit elsewhere re-derives the segments it touched, not the lecture."""
    import workbench.session.lecture_session as session_module

    session = _session(runner)
    summarized: list[str] = []
    original = session_module.summarize_segment
    monkeypatch.setattr(
        session_module,
        "summarize_segment",
        lambda asset, *a, **k: summarized.append(asset.id) or original(asset, *a, **k),
    )
    session.edit("seg-03", seed=4)
    assert summarized == ["seg-03"]
    summarized.clear()
    open_store(demo_store.root).update_lecture(
        LEC, lambda lec: lec.with_asset(replace(lec.asset("seg-05"), title="Renamed"))
    )
    session.sync()
    assert summarized == ["seg-05"]
