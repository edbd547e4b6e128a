"""One Regenerate click validates the settings once and parses the directions once, editor to backend.

Before, a click validated about four times (action, backend check, backend generate, renderer) and parsed the
directions about five times (the editor's warnings and plan, the action's check, the render); the counts here
are of the real functions, spied on while a user types directions and clicks Regenerate in the workbench.
"""

from __future__ import annotations

import asyncio

import pytest

from workbench import Runner
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.domain import settings as settings_module
from workbench.generation.local import directions as directions_module
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench


@pytest.fixture
async def workbench(demo_store):
    runner = Runner(demo_store)
    wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID, media_base_url="/files/demo/"))
    yield wb
    await runner.shutdown()


async def test_a_click_validates_once_and_parses_once(workbench, monkeypatch):
    calls = {"validate": 0, "parse": 0}
    validate, parse = settings_module.validate_settings, directions_module._Parser.parse

    def counting_validate(settings):
        calls["validate"] += 1
        return validate(settings)

    def counting_parse(self, text):
        calls["parse"] += 1
        return parse(self, text)

    monkeypatch.setattr(settings_module, "validate_settings", counting_validate)
    monkeypatch.setattr(directions_module._Parser, "parse", counting_parse)
    for name, value in {"duration_s": "1", "resolution": "320x180", "fps": "12"}.items():
        workbench.editor.inputs[name].v_model = value
    # directions nobody typed before in this process (the parse cache is per process)
    workbench.editor.inputs[
        "movie_directions"
    ].v_model = "slow pan left, then zoom in on the diagram (one click)"
    assert calls["parse"] == 1  # the editor's warnings and camera plan share one parse
    workbench.editor.regenerate_btn.fire_event("click", {})
    handle = workbench.session.active_job("seg-01")
    assert handle is not None
    record = await handle.wait()
    assert record.take_id is not None, record.error
    assert calls == {"validate": 1, "parse": 1}
    await asyncio.sleep(0)
