"""A damaged segment in the lecture file is listed as damaged; the workbench keeps working for the others."""

from __future__ import annotations

import json

from workbench import Runner
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench


async def test_a_damaged_segment_is_listed_and_explains_itself(demo_store) -> None:
    path = demo_store.root / "lectures" / f"{DEMO_LECTURE_ID}.json"
    data = json.loads(path.read_text())
    data["videos"][0]["path"] = "../../etc/passwd"  # a hand edit pointing outside the store
    path.write_text(json.dumps(data))
    runner = Runner(demo_store)
    try:
        session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
        wb = ReviewWorkbench(session, refresh_delay_s=0.0)
        rows = {r["asset_id"]: r for r in wb.table.rows}
        assert len(rows) == 6 and rows["seg-01"]["status"] == "damaged"
        assert wb.selected == "seg-02"  # the first segment that can be edited
        assert "etc/passwd" not in json.dumps([r["thumb"] for r in rows.values()])
        wb.table.vue_pick("seg-01")
        wb.progress_log.flush()
        error = wb.progress_log.entries[-1]
        assert (
            error.is_error
            and "Segment 'seg-01'" in error.message
            and f"{DEMO_LECTURE_ID}.json" in error.message
        )
        assert "videos[0].'path'" in (error.detail or "")
        assert wb.selected == "seg-02"
        wb.table.vue_pick("seg-03")
        assert wb.selected == "seg-03" and wb.player is not None
    finally:
        await runner.shutdown()
