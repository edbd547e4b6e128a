"""The editor's storyboard: drawn off the event loop once typing pauses, for the settings in the editor."""

from __future__ import annotations

import asyncio
import io

import numpy as np
from PIL import Image

from workbench import Runner
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench
from workbench.ui.workbench import STORYBOARD_DELAY_S


async def _shown(wb: ReviewWorkbench, previous: bytes | None = None) -> bytes:
    """Wait (up to 10 s) until the editor shows a storyboard other than ``previous``."""
    async with asyncio.timeout(10):
        while True:
            shown = wb.editor.storyboard.shown
            if shown is not None and shown != previous:
                return shown
            await asyncio.sleep(0.05)


async def test_storyboard_follows_the_directions_after_typing_pauses(demo_store) -> None:
    runner = Runner(demo_store)
    try:
        session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
        wb = ReviewWorkbench(session, refresh_delay_s=0.0)
        wb.select("seg-02")
        first = await _shown(wb)
        board = np.asarray(Image.open(io.BytesIO(first)).convert("RGB"))
        assert board.shape[1] == 480 and wb.editor.storyboard.style_ == ""
        # typing: nothing is drawn until it pauses, then the board is for the new directions
        wb.edit("movie_directions", "pan from the title to the diagram")
        wb.edit("movie_directions", "pan from the bullets to the diagram")
        assert wb.editor.storyboard.shown == first
        await asyncio.sleep(STORYBOARD_DELAY_S / 3)
        assert wb.editor.storyboard.shown == first
        second = await _shown(wb, first)
        assert second != first
        # going back to the first settings shows the kept board at once
        wb.edit("movie_directions", session.committed.asset("seg-02").movie_directions)
        await asyncio.sleep(0.1)
        assert wb.editor.storyboard.shown == first
    finally:
        await runner.shutdown()


async def test_no_storyboard_without_a_starting_image(demo_store) -> None:
    from workbench.demo.builder import LEGACY_ASSET_ID

    runner = Runner(demo_store)
    try:
        session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
        wb = ReviewWorkbench(session, refresh_delay_s=0.0)
        wb.select(LEGACY_ASSET_ID)
        await asyncio.sleep(STORYBOARD_DELAY_S * 2)
        assert wb.editor.storyboard.shown is None and wb.editor.storyboard.style_ == "display:none"
    finally:
        await runner.shutdown()


async def test_what_the_image_does_to_the_plan_is_said_before_rendering(demo_store) -> None:
    runner = Runner(demo_store)
    try:
        session = LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/")
        wb = ReviewWorkbench(session, refresh_delay_s=0.0)
        wb.select("seg-02")
        first = await _shown(wb)
        assert wb.editor.storyboard.notes == ()
        wb.edit("movie_directions", "zoom out to reveal the whole slide, then tilt up")
        await _shown(wb, first)
        notes = " ".join(wb.editor.storyboard.notes)
        assert "no room for a tilt up" in notes and "whole slide is in view" in notes
    finally:
        await runner.shutdown()
