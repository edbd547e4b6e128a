"""The review workbench driven from Python, no browser: set values, click, assert session, events, widgets."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import small_slide_png
from workbench import Runner, TakeStatus
from workbench.demo.builder import DEMO_LECTURE_ID, LEGACY_ASSET_ID
from workbench.errors import REGENERATE_STARTING_IMAGE
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench

FAST = {"duration_s": "1", "resolution": "320x180", "fps": "12"}


@pytest.fixture
async def workbench(demo_store):
    runner = Runner(demo_store)
    session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
    wb = ReviewWorkbench(session, refresh_delay_s=0.0)
    yield wb
    await runner.shutdown()


def _texts(widget) -> str:
    """All text rendered inside a widget tree (what a user would read)."""
    out = []

    def walk(w):
        for child in getattr(w, "children", []) or []:
            if isinstance(child, str):
                out.append(child)
            else:
                walk(child)
        for attr in ("text", "title", "label"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                out.append(value)

    walk(widget)
    return " ".join(out)


def _upload(wb: ReviewWorkbench, name: str, data: bytes) -> None:
    """What the browser sends when a user picks a file with the upload button (its bytes as one buffer)."""
    wb.editor.upload.vue_upload({"name": name, "type": "image/png", "size": len(data)}, [memoryview(data)])


def _type(wb: ReviewWorkbench, field: str, value: str) -> None:
    wb.editor.inputs[field].v_model = value  # as the browser would sync a user's typing


async def _settle(wb: ReviewWorkbench, until, limit_s: float = 60.0) -> None:
    """Let the kernel's loop run until the widgets show what ``until`` checks."""
    async with asyncio.timeout(limit_s):
        while not until():  # noqa: ASYNC110 - polling rendered widget state is the point here
            await asyncio.sleep(0.02)
    wb.progress_log.flush()


async def test_segment_table_lists_every_segment_with_its_state(workbench):
    rows = workbench.table.matching
    assert [r.asset_id for r in rows] == [f"seg-{i:02d}" for i in range(1, 7)]
    legacy = next(r for r in rows if r.asset_id == LEGACY_ASSET_ID)
    assert legacy.status == "needs starting image" and legacy.thumbnail_url is None
    assert rows[0].thumbnail_url.startswith("/files/demo/media/lenses-101/images/img-01.png?v=")
    assert workbench.table.visible == [r.asset_id for r in rows]  # what the browser renders
    assert (
        workbench.table.rows[5]["status"] == "needs starting image"
        and workbench.table.rows[5]["thumb"] is None
    )


async def test_editing_shows_effective_values_and_where_they_come_from(workbench):
    assert "project default" in _texts(workbench.editor.sources["resolution"])
    assert "this segment" in _texts(workbench.editor.sources["movie_directions"])
    _type(workbench, "movie_directions", "pan left then zoom in on the diagram")
    assert workbench.session.draft("seg-01").movie_directions == "pan left then zoom in on the diagram"
    assert "your edit" in _texts(workbench.editor.sources["movie_directions"])
    assert not workbench.editor.reset_btn.disabled
    workbench.editor.reset_btn.fire_event("click", {})
    assert workbench.session.draft("seg-01").is_empty()
    assert workbench.editor.directions.v_model == "Slow push-in on the diagram"


async def test_bad_input_is_shown_on_the_field_and_blocks_regenerate(workbench):
    _type(workbench, "duration_s", "999")
    assert "out of range" in workbench.editor.duration.error_messages[0]
    assert workbench.editor.regenerate_btn.disabled
    _type(workbench, "duration_s", "4")
    assert workbench.editor.duration.error_messages == []
    assert not workbench.editor.regenerate_btn.disabled


async def test_directions_the_model_does_not_understand_are_shown(workbench):
    _type(workbench, "movie_directions", "zoom in with a wibbly frobnicate")
    assert any("not understood" in _texts(w) for w in workbench.editor.warnings.children)


async def test_a_hosted_model_that_cannot_run_says_why_before_regenerate(demo_store, monkeypatch):
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    entry = {"name": "wan", "provider": "replicate", "model": "a/b", "token_env": "REPLICATE_API_TOKEN"}
    (demo_store.root / "models.json").write_text(json.dumps({"version": 1, "models": [entry]}))
    runner = Runner(demo_store)
    try:
        wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID), refresh_delay_s=0.0)
        assert "wan" in [item["value"] for item in wb.editor.inputs["model"].items]
        _type(wb, "model", "wan")
        shown = " ".join(_texts(w) for w in wb.editor.warnings.children)
        assert "REPLICATE_API_TOKEN" in shown
    finally:
        await runner.shutdown()


async def test_missing_starting_image_says_so_and_accepts_an_upload(workbench):
    workbench.table.vue_pick(LEGACY_ASSET_ID)  # what a click on the row sends
    assert workbench.selected == LEGACY_ASSET_ID
    assert REGENERATE_STARTING_IMAGE in _texts(workbench.editor.image_panel)
    assert workbench.editor.regenerate_btn.disabled
    _upload(workbench, "new.png", small_slide_png())
    assert REGENERATE_STARTING_IMAGE not in _texts(workbench.editor.image_panel)
    assert workbench.session.committed.asset(LEGACY_ASSET_ID).starting_image_id is not None
    assert "Starting image replaced" in " ".join(e.message for e in workbench.progress_log.entries)


async def test_a_bad_upload_is_refused_in_words(workbench):
    workbench.select(LEGACY_ASSET_ID)
    _upload(workbench, "x.png", b"nope")
    assert workbench.progress_log.entries[-1].is_error
    assert "Upload a PNG or JPEG" in workbench.progress_log.entries[-1].message
    assert workbench.session.committed.asset(LEGACY_ASSET_ID).starting_image_id is None


async def test_regenerate_progress_preview_dialog_accept(workbench):
    session = workbench.session
    _type(workbench, "movie_directions", "slow pan right")
    for field, value in FAST.items():
        _type(workbench, field, value)
    committed_before = session.committed_url("seg-01")
    workbench.editor.regenerate_btn.fire_event("click", {})
    assert workbench.editor.regenerate_btn.disabled and workbench.editor.cancel_btn.style_ == ""
    await _settle(workbench, lambda: workbench.dialog.is_open)
    kinds = [e.kind for e in workbench.progress_log.entries]
    assert kinds[:2] == ["job-queued", "job-started"] and "video-preview" in kinds
    src = workbench.dialog.video.url
    assert "?preview=" in src and src.startswith("/files/demo/media/lenses-101/takes/")
    assert workbench.player.url == committed_before  # the main player never shows the preview
    assert "slow pan right" in _texts(workbench.dialog.compare)
    take = workbench.dialog.take
    workbench.dialog.accept_btn.fire_event("click", {})
    await _settle(workbench, lambda: not workbench.dialog.is_open)
    assert session.store.take(take.id).status is TakeStatus.ACCEPTED
    assert "?v=" in workbench.player.url and workbench.player.url != committed_before
    assert workbench.player.url.split("?")[0].endswith(take.path)
    assert [e.kind for e in workbench.progress_log.entries][-1] == "video-complete"
    assert any(r.asset_id == "seg-01" and r.status == "ready" for r in workbench.table.matching)


async def test_reject_keeps_the_edit_and_the_committed_video(workbench):
    _type(workbench, "movie_directions", "tilt down")
    for field, value in FAST.items():
        _type(workbench, field, value)
    before = workbench.player.url
    workbench.editor.regenerate_btn.fire_event("click", {})
    await _settle(workbench, lambda: workbench.dialog.is_open)
    take = workbench.dialog.take
    workbench.dialog.reject_btn.fire_event("click", {})
    await _settle(workbench, lambda: not workbench.dialog.is_open)
    assert workbench.session.store.take(take.id).status is TakeStatus.REJECTED
    assert workbench.player.url == before
    assert workbench.editor.directions.v_model == "tilt down"
    assert [t.status for t in workbench.takes.takes] == [TakeStatus.REJECTED]


async def test_regenerating_the_legacy_segment_reports_the_missing_image(workbench):
    workbench.select(LEGACY_ASSET_ID)
    workbench.session.regenerate(LEGACY_ASSET_ID)  # even if forced past the disabled button
    await _settle(workbench, lambda: any(e.kind == "job-failed" for e in workbench.progress_log.entries))
    failed = [e for e in workbench.progress_log.entries if e.kind == "job-failed"][-1]
    assert failed.message == REGENERATE_STARTING_IMAGE and failed.is_error


async def test_pending_previews_reopen_after_a_restart(demo_store):
    store = demo_store
    runner = Runner(store)
    session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
    handle = session.regenerate("seg-02")
    await handle.wait()
    await runner.shutdown()
    # a new kernel: new runner, new session, new workbench
    runner2 = Runner(store)
    wb = ReviewWorkbench(LectureSession(runner2, DEMO_LECTURE_ID, media_base_url="/files/demo/"))
    assert wb.dialog.is_open and wb.dialog.take.id == handle.take_id
    assert wb.selected == "seg-02"
    assert any(
        e.kind == "video-preview" for e in wb.progress_log.entries
    )  # the log is rebuilt from the journal
    await runner2.shutdown()


async def test_errors_inside_callbacks_reach_the_log(workbench):
    from types import SimpleNamespace

    workbench.session.runner.bus.subscribe(lambda e: 1 / 0)  # a broken display callback
    workbench.session.regenerate(LEGACY_ASSET_ID)
    await _settle(
        workbench, lambda: any("display update failed" in e.message for e in workbench.progress_log.entries)
    )
    broken = next(e for e in workbench.progress_log.entries if "display update failed" in e.message)
    assert broken.is_error and "ZeroDivisionError" in broken.detail

    workbench.dialog.take = SimpleNamespace(id="take-gone")  # e.g. purged from another session
    workbench.dialog.accept_btn.fire_event("click", {})

    def gone() -> list:
        return [e for e in workbench.progress_log.entries if "There is no take" in e.message]

    await _settle(workbench, lambda: bool(gone()))
    assert gone()[0].is_error
    assert not workbench.dialog.accept_btn.loading  # the dialog is usable again


async def test_the_segment_in_front_of_the_researcher_has_its_committed_samples_kept_ahead(workbench) -> None:
    """Opening the workbench (first segment) and clicking a row decode that segment's committed video's samples
    in the background, so its next take's measurement does not decode it while the take renders."""
    from workbench.analysis.take_metrics import content_hash

    store = workbench.session.store
    committed = workbench.session.committed

    def kept() -> set[str]:  # committed videos whose samples are kept (starting images are kept beside them)
        folder = store.samples_cache
        return {p.name.split("-")[0] for p in folder.glob("*.npz") if not p.name.startswith("image-")}

    def images() -> set[str]:
        return {p.name.split("-")[1] for p in store.samples_cache.glob("image-*.npz")}

    def image_hash(asset_id: str) -> str:
        lecture = store.lecture(committed.id)
        image = lecture.starting_image(lecture.asset(asset_id).starting_image_id)
        return content_hash(store.media_path(image.path))

    def video_hash(asset_id: str) -> str:
        return content_hash(store.media_path(committed.asset(asset_id).path))

    first = workbench.selected
    assert workbench.session.samples.wait(60)
    assert kept() == {video_hash(first)} and image_hash(first) in images()
    other = next(a.id for a in committed.videos if a.path and a.id != first and a.damage is None)
    workbench.table.vue_pick(other)  # the row click, as the browser sends it
    assert workbench.selected == other and workbench.session.samples.wait(60)
    assert kept() == {video_hash(first), video_hash(other)} and image_hash(other) in images()
