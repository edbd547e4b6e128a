"""Workflows are found by kind (no runner ↔ workflow import cycle), and one checked settings value travels from
the action to the backend: the workflow gets the very object the action resolved, not a dict rebuilt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.jobs.conftest import SMALL
from workbench.domain.settings import resolve_video_settings
from workbench.errors import JobError
from workbench.jobs.actions import preflight
from workbench.jobs.context import JobSpec
from workbench.jobs.workflows import WORKFLOWS, workflow_for


def test_each_kind_has_its_workflow_and_an_unknown_kind_says_so():
    assert set(WORKFLOWS) == {"app/regenerate-video-segment", "app/regenerate-starting-image"}
    assert workflow_for("app/regenerate-starting-image").model_kind == "image"
    with pytest.raises(JobError, match="no workflow for jobs of kind 'app/nope'"):
        workflow_for("app/nope")


@pytest.mark.parametrize(
    "module", ["workbench.jobs.workflows.regenerate_video", "workbench.jobs.workflows.regenerate_image"]
)
def test_a_workflow_module_imports_first_without_a_cycle(module):
    """Importing a workflow before anything else worked only by luck while the runner imported it back."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    source = Path(sys.modules["workbench.jobs.runner"].__file__ or "").read_text()
    assert "regenerate_video" not in source and "regenerate_image" not in source


def test_a_spec_needs_checked_settings(store, lecture):
    resolved = resolve_video_settings(SMALL, store.project("proj"), lecture.asset("seg-1"))
    with pytest.raises(ValueError, match="checked"):
        JobSpec("app/regenerate-video-segment", "lec", "seg-1", "ada", None, resolved)  # type: ignore[arg-type]


async def test_the_workflow_gets_the_value_the_action_checked(runner):
    spec = preflight(runner, "lec", "seg-1", SMALL)
    seen = []

    async def spy(ctx):
        seen.append(ctx.spec.resolved)
        return await workflow_for(ctx.spec.kind).run(ctx)

    handle = runner.submit(spec, spy)
    await handle.wait()
    assert seen == [spec.resolved] and seen[0] is spec.resolved and seen[0].checked
