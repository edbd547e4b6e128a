"""Two processes on one store: a batch run accepts while the workbench is open, and the widgets follow.

The batch is a real separate process (``run_batch`` with ``accept-all``); this process only keeps its event
loop running, as a kernel does between cells. No refresh is asked for.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

from workbench import Runner, TakeStatus
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench

BATCH = textwrap.dedent(
    """
    import asyncio, sys
    from workbench import open_store
    from workbench.batch import BatchRequest, run_batch

    async def main():
        request = BatchRequest(
            asset_ids=["seg-02"],
            overrides={"resolution": "640x360", "duration_s": 1, "fps": 12},
            directions_template="{movie_directions}, then hold",
            policy="accept-all",
        )
        result = await run_batch(open_store(sys.argv[1]), request)
        print(result.counts)

    asyncio.run(main())
    """
)


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


async def _until(check, limit_s: float = 30.0) -> None:
    async with asyncio.timeout(limit_s):
        while not check():  # noqa: ASYNC110 - polling widget state is the point here
            await asyncio.sleep(0.05)


async def test_a_batch_in_another_process_accepts_and_the_open_workbench_follows(demo_store):
    runner = Runner(demo_store)
    wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/"))
    session = wb.session
    wb.table.vue_pick("seg-02")
    wb.editor.inputs["resolution"].v_model = "854x480"  # a draft the batch will conflict with
    src_before = wb.player.url
    directions_before = wb.editor.directions.v_model
    row_before = session.segment("seg-02")

    batch = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BATCH,
        str(demo_store.root),
        env={**os.environ, "WORKBENCH_USER": "ada"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await batch.communicate()
    assert batch.returncode == 0, err.decode()[-3000:]
    assert "accepted" in out.decode()

    await _until(lambda: wb.player.url != src_before)
    take = next(t for t in session.takes("seg-02") if t.status is TakeStatus.ACCEPTED)
    assert "?v=" in wb.player.url and take.path in wb.player.url  # the committed player's new ?v=
    await _until(lambda: wb.notice.v_model)
    # settings: the new committed directions show in the field; the drafted resolution stays and is flagged
    assert wb.editor.directions.v_model == f"{directions_before}, then hold"
    assert wb.editor.resolution.v_model == "854x480"
    assert "Resolution: yours 854x480; committed now 640x360" in _texts(wb.editor.conflict_panel)
    # the table row
    row = session.segment("seg-02")
    assert row.updated_at != row_before.updated_at and row.conflict and row.has_draft
    shown = next(r for r in wb.table.rows if r["asset_id"] == "seg-02")
    assert shown["conflict"] and shown["updated"] == row.updated_at[:16].replace("T", " ")
    # and a message says what happened, by whom
    assert "seg-02 “Measuring focal length” was accepted by batch run of" in wb.notice.text
    assert "(ada)" in wb.notice.text and "kept and marked" in wb.notice.text
    external = [e for e in wb.progress_log.entries if e.external]
    assert {"job-queued", "video-preview", "video-complete"} <= {e.kind for e in external}
    assert all(e.segment == "Measuring focal length" for e in external)

    wb.editor.keep_btn.fire_event("click", {})
    assert session.conflicts("seg-02") == () and wb.editor.conflict_panel.children == []
    wb.session.close()
    await runner.shutdown()


async def test_a_preview_decided_elsewhere_closes_its_dialog_here(demo_store):
    from tests.take_factory import pending_take
    from workbench import open_store
    from workbench.jobs.actions import reject_take

    runner = Runner(demo_store)
    wb = ReviewWorkbench(
        LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/", watch_interval_s=0.05)
    )
    video = demo_store.media_path(wb.session.asset("seg-01").path)
    take = pending_take(demo_store, DEMO_LECTURE_ID, "seg-03", video, {"seed": 11})
    wb.review(take.id)
    assert wb.dialog.is_open and wb.selected == "seg-03"
    other = Runner(open_store(demo_store.root), label="a colleague's notebook")
    await reject_take(other, take.id)
    await other.bus.flush()
    await _until(lambda: not wb.dialog.is_open)
    assert (
        "A preview of seg-03 “Light as a wave” was rejected by a colleague's notebook (ada)."
        in wb.notice.text
    )
    wb.session.close()
    await other.shutdown()
    await runner.shutdown()
