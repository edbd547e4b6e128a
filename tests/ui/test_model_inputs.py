"""The editor lists a hosted model's other inputs (from its schema), and nothing for the local model."""

from __future__ import annotations

import json

from tests.generation.http.test_readme_models import readme_models
from workbench import Runner
from workbench.demo.builder import DEMO_LECTURE_ID
from workbench.session import LectureSession
from workbench.ui import ReviewWorkbench
from workbench.ui.model_inputs import ModelInputs


def _lines(panel: ModelInputs) -> list[str]:
    found: list[str] = []

    def walk(widget) -> None:
        for child in getattr(widget, "children", []) or []:
            if isinstance(child, str):
                if getattr(widget, "tag", "") == "li":
                    found.append(child)
            else:
                walk(child)

    walk(panel)
    return found


async def test_the_editor_shows_the_model_s_extra_inputs(demo_store, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", "x" * 24)
    wan = readme_models()["wan-480p"].spec
    entry = {
        "name": wan.name, "label": wan.label, "provider": "replicate", "model": wan.model,
        "token_env": "REPLICATE_API_TOKEN", "inputs": {
            "duration": {"name": "num_frames", "format": "frames", "frames": {"form": "4k+1", "min": 81, "max": 100}},
            "fps": {"name": "frames_per_second", "min": 5, "max": 24}, "seed": "seed", "extra": {"sample_steps": 30},
        },
    }  # fmt: skip
    (demo_store.root / "models.json").write_text(json.dumps({"version": 1, "models": [entry]}))
    runner = Runner(demo_store)
    try:
        wb = ReviewWorkbench(LectureSession(runner, DEMO_LECTURE_ID), refresh_delay_s=0.0)
        assert _lines(wb.editor.model_inputs) == []  # the local model has none
        wb.editor.inputs["model"].v_model = "wan-480p"
        lines = _lines(wb.editor.model_inputs)
        assert "sample_steps (integer, 1–40, default 30): models.json sends 30" in lines
        assert any(line.startswith("sample_guide_scale (number") for line in lines)
        assert not any(line.startswith(("num_frames", "prompt", "image ")) for line in lines)
    finally:
        await runner.shutdown()
