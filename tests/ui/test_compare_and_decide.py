"""Compare and decide in the workbench, driven from Python (no browser): the preview dialog's committed column
and metrics and A/B, the takes list's sorting, filtering and labels, comparing two takes, "Use these
settings", and variants from the editor to the grid and a one-click decision."""

from __future__ import annotations

import pytest

from tests.take_factory import pending_take
from tests.ui.test_workbench_widgets import FAST, _settle, _texts, _type
from workbench import Runner, TakeStatus
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.jobs.metrics import backfill_metrics
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench
from workbench.ui.takes_panel import COMMITTED

LEC = DEMO_LECTURE_ID


@pytest.fixture
async def workbench(demo_store):
    runner = Runner(demo_store)
    session = LectureSession(runner, LEC, media_base_url="/files/demo/")
    wb = ReviewWorkbench(session, refresh_delay_s=0.0)
    yield wb
    await runner.shutdown()


def _committed_video(store, asset_id="seg-01"):
    return store.media_path(store.lecture(LEC).asset(asset_id).path)


def _by_class(widget, css: str):
    """The first widget under ``widget`` (itself included) whose class list holds ``css``."""
    if css in (getattr(widget, "class_", None) or "").split():
        return widget
    for child in getattr(widget, "children", None) or []:
        found = _by_class(child, css) if not isinstance(child, str) else None
        if found is not None:
            return found
    return None


def _rows(table) -> dict[str, list[str]]:
    """A rendered settings/metrics table as {row key: [cell texts]}."""
    out = {}
    for tr in table.children[1].children:
        key = tr.attributes.get("data-field") or tr.attributes.get("data-metric")
        out[key] = [_texts(td) for td in tr.children]
    return out


async def test_the_preview_dialog_compares_with_what_is_in_effect_and_says_where_it_came_from(workbench):
    store = workbench.session.store
    take = pending_take(store, LEC, "seg-02", _committed_video(store, "seg-02"), {"seed": 9})
    backfill_metrics(store, LEC)
    workbench.review(take.id)
    dialog = workbench.dialog
    assert dialog.is_open and dialog.video.urls == [workbench.session.preview_url(take)]
    rows = _rows(dialog.compare.children[0])
    assert list(rows) == ["seed"]  # only what differs: model, size and fps are the same in effect
    assert "not recorded" not in _texts(dialog.compare)
    assert rows["seed"][1] == "9" and rows["seed"][2].startswith("2") and "this segment" in rows["seed"][2]
    assert not any("font-weight-bold" in tr.class_ for tr in dialog.compare.children[0].children[1].children)
    dialog.all_btn.fire_event("click", {})  # every setting: only the differing one is bold
    table = dialog.compare.children[0]
    bold = [
        tr.attributes["data-field"] for tr in table.children[1].children if "font-weight-bold" in tr.class_
    ]
    assert bold == ["seed"]
    all_rows = _rows(table)
    assert "project default" in all_rows["resolution"][2] and "1280x720" in all_rows["resolution"][2]
    assert "built-in default" in all_rows["model"][2]
    # metrics side by side: the committed demo video came from no take, so it is measured when first compared
    metrics = _rows(dialog.metrics.children[0])
    assert metrics["decoded_frames"][1:] == ["96", "measuring…"]
    assert metrics["similarity_ssim"][1] == "1.00"  # the same pictures as the committed video
    await _settle(workbench, lambda: "measuring…" not in _texts(dialog.metrics))
    metrics = _rows(dialog.metrics.children[0])
    assert metrics["decoded_frames"][1:] == ["96", "96"] and metrics["similarity_ssim"][2] == "1.00"
    assert metrics["adherence"][2] == metrics["adherence"][1]  # the same video, the same directions
    assert workbench.session.committed_metrics_known("seg-02")
    workbench.review(take.id)  # measured once per commit: open again, it is there at once
    assert not workbench.session._measuring_committed
    assert _rows(dialog.metrics.children[0])["decoded_frames"][2] == "96"
    assert "measuring…" not in _texts(dialog.metrics)
    # A/B against the committed video, in the dialog only
    committed_url = workbench.player.url
    dialog.ab_btn.fire_event("click", {})
    assert dialog.video.urls == [
        workbench.session.preview_url(take),
        workbench.session.committed_url("seg-02"),
    ]
    assert [s["css"] for s in dialog.video.sources] == ["wb-preview-video", "wb-ab-committed"]
    assert workbench.player.url == committed_url and "?preview=" not in committed_url


async def test_the_takes_list_sorts_filters_and_labels(workbench, tmp_path):
    store = workbench.session.store
    video = _committed_video(store, "seg-01")
    long_directions = "Slow push-in on the diagram, " + "then hold for a while and let it breathe " * 3
    a = pending_take(store, LEC, "seg-01", video, {"movie_directions": long_directions})
    b = pending_take(store, LEC, "seg-01", video, {"movie_directions": "zoom out", "seed": 4})
    backfill_metrics(store, LEC)
    workbench.select("seg-01")
    panel = workbench.takes
    assert [t.id for t in panel.takes] == [b.id, a.id]  # newest first
    label = next(i for i in panel.list.children if i.attributes.get("data-take-id") == a.id)
    text = _by_class(label, "wb-take-label")
    assert "text-truncate" in text.class_ and text.attributes["title"].startswith(text.children[0])
    assert long_directions in text.attributes["title"]  # the whole text on hover
    assert "byte-identical to" in text.attributes["title"]  # same file as b
    panel.sort.v_model = "adherence"  # "zoom out" is not what a push-in video shows
    assert [t.id for t in panel.takes] == [a.id, b.id]
    panel.adherence.v_model = 1.0
    assert [t.id for t in panel.takes] == [a.id] and "1 of 2" in _texts(panel.count)
    panel.adherence.v_model = 0.0
    panel.status.v_model = "rejected"
    assert panel.takes == [] and "hidden by the filters" in _texts(panel.list)
    panel.status.v_model = ""
    panel.model.v_model = "local-camera"
    assert len(panel.takes) == 2


async def test_two_takes_or_a_take_and_the_committed_video_open_in_step(workbench):
    store = workbench.session.store
    video = _committed_video(store, "seg-01")
    a = pending_take(store, LEC, "seg-01", video, {"seed": 11})
    workbench.select("seg-01")
    panel = workbench.takes
    assert panel.compare_btn.disabled
    panel.toggle(a.id, True)
    panel.toggle(COMMITTED, True)
    assert not panel.compare_btn.disabled
    panel.compare_btn.fire_event("click", {})
    dialog = workbench.compare_dialog
    assert dialog.is_open and len(dialog.player.sources) == 2
    assert dialog.player.urls[1] == workbench.session.committed_url("seg-01")
    assert list(_rows(dialog.settings.children[0])) == ["seed"]
    # the take has no metrics (not backfilled); the committed video, made by no take, is measured beside it
    assert _rows(dialog.metrics.children[0])["decoded_frames"][1:] == ["not measured", "measuring…"]
    await _settle(workbench, lambda: "measuring…" not in _texts(dialog.metrics))
    assert _rows(dialog.metrics.children[0])["decoded_frames"][1:] == ["not measured", "96"]
    assert "Committed: moves" in _texts(dialog.metrics) and "step 1" in _texts(dialog.metrics)


async def test_use_these_settings_fills_the_form(workbench):
    store = workbench.session.store
    take = pending_take(
        store, LEC, "seg-03", _committed_video(store, "seg-03"),
        {"movie_directions": "zoom in on the diagram", "seed": 5, "fps": 12, "resolution": "640x360"},
    )  # fmt: skip
    workbench.select("seg-01")
    workbench.use_settings(take.id)
    assert workbench.selected == "seg-03"
    editor = workbench.editor
    assert editor.directions.v_model == "zoom in on the diagram" and editor.seed.v_model == "5"
    assert editor.fps.v_model == 12 and editor.resolution.v_model == "640x360"
    assert f"from take {take.created_at[11:19]} ({take.id})" in _texts(editor.sources["seed"])
    _type(workbench, "seed", "6")
    assert "your edit" in _texts(editor.sources["seed"])
    assert "from take" in _texts(editor.sources["fps"])


async def test_variants_from_the_editor_are_reviewed_in_a_grid_and_decided_in_one_click(workbench):
    workbench.select("seg-02")
    for name, value in FAST.items():
        _type(workbench, name, value)
    _type(workbench, "movie_directions", "pan left")
    workbench.editor.variants_btn.fire_event("click", {})
    ask = workbench.variants_dialog
    assert ask.is_open
    ask.count.v_model = "3"  # seeds of a fully specified move: flagged before they run
    assert [i.attributes["data-repeat"] for i in ask.plan.children[-1].children] == ["false", "true", "true"]
    assert ask.run_btn.children == ["Run 1 variant"]
    ask.kind.v_model = "directions"
    ask.lines.v_model = "pan left\ntilt up\nzoom out"
    assert ask.run_btn.children == ["Run 3 variants"] and not ask.run_btn.disabled
    ask.run_btn.fire_event("click", {})
    grid = workbench.grid
    assert not ask.is_open and grid.is_open and len(grid.entries) == 3
    await _settle(  # three renders and their measurements on a shared 2-core machine: give them time
        workbench,
        lambda: all(e.take is not None for e in grid.entries) and len(grid.player.sources) == 3,
        limit_s=240,
    )
    assert not workbench.dialog.is_open  # variants do not pop a dialog each
    assert grid.player.columns == 3 and "3 of 3 ready" in _texts(grid.heading)
    keep = grid.entries[1].take.take
    card = next(c for c in grid.cards.children if c.attributes.get("data-take-id") == keep.id)
    assert "Movie directions: tilt up" in _texts(card)
    button = next(w for w in card.children[-1].children if "wb-grid-keep" in w.class_)
    button.fire_event("click", {})
    await _settle(workbench, lambda: not grid.is_open)
    statuses = {t.id: t.status for t in workbench.session.takes("seg-02")}
    assert statuses[keep.id] is TakeStatus.ACCEPTED
    assert sorted(str(s) for k, s in statuses.items() if k != keep.id) == ["rejected", "rejected"]
    assert workbench.session.asset("seg-02").movie_directions == "tilt up"
