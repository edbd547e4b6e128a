"""The starting-image panel and its preview dialog, driven from Python: type, click, assert widgets and store."""

from __future__ import annotations

import asyncio

import pytest

from workbench import Runner, TakeStatus
from workbench.demo.builder import DEMO_LECTURE_ID, LEGACY_ASSET_ID
from workbench.errors import REGENERATE_STARTING_IMAGE
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench

OUTLINE = "The eye as a camera\n- The lens focuses\n- The retina records\nfigure eye: eye"


@pytest.fixture
async def workbench(demo_store):
    runner = Runner(demo_store)
    wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/"))
    yield wb
    await runner.shutdown()


def _texts(widget) -> str:
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


async def _settle(wb, until, limit_s: float = 60.0) -> None:
    async with asyncio.timeout(limit_s):
        while not until():  # noqa: ASYNC110 - polling rendered widget state is the point here
            await asyncio.sleep(0.02)
    wb.progress_log.flush()


async def test_a_segment_without_an_image_gets_one_from_the_form_beside_the_message(workbench):
    panel, dialog = workbench.images.panel, workbench.images.dialog
    workbench.table.vue_pick(LEGACY_ASSET_ID)
    assert REGENERATE_STARTING_IMAGE in _texts(panel.missing)
    assert panel.form_open and panel.form.style_ == ""  # the form and its button sit right under the message
    assert panel.prompt.v_model == "The eye as a camera"  # no prompt on record: the segment's title
    assert "this segment" in _texts(panel.sources["prompt"])
    assert "project default" in _texts(panel.sources["size"]) and panel.size.v_model == "1280x720"
    panel.prompt.v_model = OUTLINE
    assert "your edit" in _texts(panel.sources["prompt"])
    assert workbench.editor.regenerate_btn.disabled  # no video before there is an image
    panel.regenerate_btn.fire_event("click", {})
    await _settle(workbench, lambda: dialog.is_open)
    assert "?preview=" in dialog.preview_url and dialog.committed_url is None
    assert "No committed starting image yet" in _texts(dialog.view)
    assert OUTLINE.splitlines()[0] in _texts(dialog.compare)
    assert "regions: bullets, eye, title" in _texts(dialog.notes)
    assert workbench.session.image_url(LEGACY_ASSET_ID) is None  # the editor never shows the preview
    dialog.accept_btn.fire_event("click", {})
    await _settle(workbench, lambda: not dialog.is_open and panel.state.image_url is not None)
    assert "?v=" in panel.state.image_url and not panel.missing.children
    assert not workbench.editor.regenerate_btn.disabled
    assert [e.kind for e in workbench.progress_log.entries][-2:] == ["image-preview", "image-complete"]
    row = next(r for r in workbench.table.matching if r.asset_id == LEGACY_ASSET_ID)
    assert row.thumbnail_url == panel.state.image_url


async def test_an_accepted_image_marks_the_video_outdated_and_offers_to_regenerate_it(workbench):
    panel, images = workbench.images.panel, workbench.images
    workbench.select("seg-02")
    assert not panel.outdated.children and not panel.form_open
    panel.form_toggle.fire_event("click", {})
    panel.prompt.v_model = "Measuring focal length\n- Move the screen\nfigure chart: bars"
    panel.size.v_model = "640x360"
    panel.regenerate_btn.fire_event("click", {})
    await _settle(workbench, lambda: images.dialog.is_open)
    images.dialog.mode.v_model = "wipe"
    assert "clip-path:inset(0 50% 0 0)" in str([c.style_ for c in images.dialog.view.children[0].children])
    images.dialog.accept_btn.fire_event("click", {})
    await _settle(workbench, lambda: bool(panel.outdated.children))
    assert "older starting image" in _texts(panel.outdated)
    assert workbench.session.segment("seg-02").video_outdated
    assert workbench.session.store.lecture(DEMO_LECTURE_ID).asset("seg-02").starting_image_id == "img-02"
    # the offer, not an automatic regeneration: nothing ran until the button was pressed
    assert not workbench.session.busy("seg-02")
    for name, value in {"duration_s": "1", "resolution": "320x180", "fps": "12"}.items():
        workbench.editor.inputs[name].v_model = value
    panel.outdated_btn.fire_event("click", {})
    await _settle(workbench, lambda: workbench.dialog.is_open)
    workbench.dialog.accept_btn.fire_event("click", {})
    await _settle(workbench, lambda: not panel.outdated.children)
    assert not workbench.session.video_outdated("seg-02")


async def test_reject_keeps_the_prompt_and_the_committed_image(workbench):
    panel, dialog = workbench.images.panel, workbench.images.dialog
    before = workbench.session.image_url("seg-01")
    panel.form_toggle.fire_event("click", {})
    panel.prompt.v_model = "A different slide\n- one"
    panel.regenerate_btn.fire_event("click", {})
    await _settle(workbench, lambda: dialog.is_open)
    take = dialog.take
    dialog.reject_btn.fire_event("click", {})
    await _settle(workbench, lambda: not dialog.is_open)
    assert workbench.session.store.image_take(take.id).status is TakeStatus.REJECTED
    assert workbench.session.image_url("seg-01") == before
    assert panel.prompt.v_model == "A different slide\n- one"
    items = panel.takes_list.children
    assert any(getattr(i, "attributes", {}).get("data-status") == "rejected" for i in items)


async def test_bad_image_input_is_shown_on_the_field(workbench):
    panel = workbench.images.panel
    panel.form_toggle.fire_event("click", {})
    panel.size.v_model = "12x12"
    assert "out of range" in panel.size.error_messages[0]
    assert panel.regenerate_btn.disabled
    panel.size.v_model = "1920x1080"
    assert panel.size.error_messages == [] and not panel.regenerate_btn.disabled
    panel.reference.v_model = True
    assert any("outline only" in _texts(w) for w in panel.warnings.children)
