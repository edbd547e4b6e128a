"""The workbench on a lecture larger than a page, and the small things a reviewer reads and clicks."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.take_factory import pending_take
from workbench import Runner, open_store
from workbench.demo.builder import DEMO_LECTURE_ID, LEGACY_ASSET_ID
from workbench.demo.scale import SCALE_LECTURE_ID, init_scale_store
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench
from workbench.ui import segment_table as table_module


@pytest.fixture(scope="module")
def _scale_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale") / "store"
    init_scale_store(root, segments=60, user="ada")
    return root


@pytest.fixture
async def big(_scale_template, tmp_path):
    import shutil

    shutil.copytree(_scale_template, tmp_path / "big")
    runner = Runner(open_store(tmp_path / "big"))
    wb = ReviewWorkbench(LectureSession(runner, SCALE_LECTURE_ID, media_base_url="/files/big/"))
    yield wb
    wb.session.close()
    await runner.shutdown()


@pytest.fixture
async def demo(demo_store):
    runner = Runner(demo_store)
    wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/"))
    yield wb
    wb.session.close()
    await runner.shutdown()


# -- scale -------------------------------------------------------------------------------------------------


async def test_the_table_sends_one_page_and_turns_to_the_selected_segment(big):
    table = big.table
    assert len(table.matching) == 60 and table.visible == [f"seg-{i:04d}" for i in range(1, 26)]
    assert (table.page, table.pages, table.caption) == (1, 3, "60 segments")
    table.page = 3  # the browser's pagination
    assert table.visible == [f"seg-{i:04d}" for i in range(51, 61)]
    big.select("seg-0030")
    assert table.page == 2 and table.selected == "seg-0030" and "seg-0030" in table.visible


async def test_find_and_show_filter_the_rows(big):
    table = big.table
    table.query = "part 3."
    assert [s.asset_id for s in table.matching] == [f"seg-{i:04d}" for i in range(21, 31)]
    assert table.caption == "10 of 60 segments shown" and table.page == 1
    table.query = None  # the field's clear button sends null
    big.session.edit("seg-0044", seed=1)
    big._flush()
    table.status_filter = "draft"
    assert table.visible == ["seg-0044"]
    table.status_filter = "needs starting image"
    assert table.visible == [] and table.caption == "0 of 60 segments shown"


async def test_a_keystroke_renders_the_editor_not_the_table(big, monkeypatch):
    built: list[str] = []
    original = table_module._row
    monkeypatch.setattr(table_module, "_row", lambda s: built.append(s.asset_id) or original(s))
    big.editor.directions.v_model = "pan left"  # first edit: the row gains its draft mark
    assert 0 < len(built) <= table_module.PAGE_SIZE
    built.clear()
    editor_renders = big.renders["editor"]
    for text in ("pan left t", "pan left th", "pan left the"):
        big.editor.directions.v_model = text
    await asyncio.sleep(0)
    assert built == [] and big.renders["editor"] == editor_renders + 3


# -- what the reviewer reads -------------------------------------------------------------------------------


async def test_primary_actions_look_primary(demo):
    assert (demo.editor.regenerate_btn.color, demo.editor.regenerate_btn.variant) == ("primary", "flat")
    assert (demo.dialog.accept_btn.color, demo.dialog.accept_btn.variant) == ("success", "flat")


async def test_the_upload_button_says_what_it_does_without_a_count(demo):
    assert demo.editor.upload.label == "Replace image…"
    demo.select(LEGACY_ASSET_ID)
    assert demo.editor.upload.label == "Upload a starting image…"
    demo.editor.upload.vue_too_big({"name": "huge.png", "size": 20 * 2**20})
    assert (
        demo.progress_log.entries[-1].is_error
        and "huge.png is 20.0 MB" in demo.progress_log.entries[-1].message
    )


async def test_the_takes_panel_says_why_there_are_none(demo):
    assert "press Regenerate video" in demo.takes._empty.children[0]
    demo.select(LEGACY_ASSET_ID)
    assert "needs a starting image" in demo.takes._empty.children[0]
    assert demo.editor.regenerate_btn.disabled


async def test_the_status_line_is_the_selected_segments_and_never_stale(demo):
    session = demo.session
    video = session.store.media_path(session.asset("seg-01").path)
    take = pending_take(session.store, DEMO_LECTURE_ID, "seg-02", video, {"seed": 9})
    demo.select("seg-02")
    await session.reject(take.id)
    await asyncio.sleep(0)
    demo.progress_log.flush()
    assert demo.progress_log.bar_label.children == ["Rejected: the committed video is unchanged."]
    demo.select("seg-03")
    demo.progress_log.flush()
    assert demo.progress_log.bar_label.children == [
        "Ready: no job running for this segment."
    ]  # not seg-02's news
    assert demo.progress_log.heading.children == ["Progress · Light as a wave"]


async def test_the_log_rebuilt_after_a_restart_names_segments_by_title(demo_store):
    runner = Runner(demo_store)
    handle = LectureSession(runner, DEMO_LECTURE_ID).regenerate(LEGACY_ASSET_ID)
    await handle.wait()
    await runner.bus.flush()
    await runner.shutdown()
    runner2 = Runner(open_store(demo_store.root))
    wb = ReviewWorkbench(LectureSession(runner2, DEMO_LECTURE_ID))
    rebuilt = [e for e in wb.progress_log.entries if e.kind in ("job-queued", "job-failed")]
    assert rebuilt and {e.segment for e in rebuilt} == {"The eye as a camera"}
    wb.session.close()
    await runner2.shutdown()


async def test_a_draft_equal_to_the_committed_value_says_so(demo):
    """The issue's case: an accepted 640x360 still outranks the project's 1280x720 only as an edit."""
    session = demo.session
    video = session.store.media_path(session.asset("seg-01").path)
    take = pending_take(session.store, DEMO_LECTURE_ID, "seg-02", video, {"resolution": "640x360"})
    demo.select("seg-02")
    demo.editor.inputs["resolution"].v_model = "640x360"
    assert demo.editor.sources["resolution"].children[0] == "effective: 640x360 · your edit"
    await session.accept(take.id)
    await asyncio.sleep(0)
    caption = demo.editor.sources["resolution"].children[0]
    assert caption == "effective: 640x360 · your edit · same as the committed video"


async def test_drafts_are_restored_when_the_workbench_opens(demo_store):
    runner = Runner(demo_store)
    session = LectureSession(runner, DEMO_LECTURE_ID)
    session.edit("seg-01", movie_directions="drift left")
    await session.drafts_saved()
    session.close()
    wb = ReviewWorkbench(LectureSession(Runner(open_store(demo_store.root)), DEMO_LECTURE_ID))
    assert wb.editor.directions.v_model == "drift left"
    assert "your edit" in wb.editor.sources["movie_directions"].children[0]
    assert any(
        e.message == "Restored your drafts for 1 segment(s): Why lenses bend light."
        for e in wb.progress_log.entries
    )
    wb.session.close()
    await runner.shutdown()


async def test_the_pandas_table_under_the_workbench_stays_current(demo):
    live = demo.live_table(["asset_id", "status", "has_draft"])
    live.interval_s = 0.01
    assert "<table" in live.value and "6 segments" in live.value
    demo.session.edit("seg-03", seed=7)
    await asyncio.sleep(0.1)
    row = re.search(r"<tr>\s*<td>seg-03</td>.*?</tr>", live.value, re.S)
    assert row is not None and "True" in row.group(0)
    assert live.renders >= 2


async def test_the_disconnected_message_ships_with_the_widget(demo):
    style = demo.children[0]
    assert (
        style.tag == "style"
        and ".jupyter-widgets-disconnected .wb-workbench .wb-disconnected" in style.children[0]
    )
    banner = demo.children[2]
    assert "wb-disconnected" in banner.class_ and "run the notebook again" in banner.text


def test_the_kernel_watch_answers_the_browsers_pings():
    from workbench.ui.kernel_watch import KernelWatch

    watch = KernelWatch()
    sent: list[dict] = []
    watch.send = sent.append  # what goes back over the comm
    watch.vue_ping(3)
    assert sent == [{"method": "pong", "args": [3]}]
