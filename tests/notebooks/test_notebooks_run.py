"""Every notebook in notebooks/ runs top to bottom under nbval and papermill (no user present, nothing may
wait for a click), against a throwaway copy so the repository's demo store is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

# The batch notebook fails at its end when items failed (the demo store's legacy segment does), so nbval cannot
# run it as it stands; tests/notebooks/test_batch_notebook.py runs it under papermill and checks what it shows.
NOTEBOOKS = sorted(
    p for p in (Path(__file__).parents[2] / "notebooks").glob("*.ipynb") if p.name != "batch_regenerate.ipynb"
)


@pytest.fixture
def sandbox(tmp_path, _demo_template) -> Path:
    """notebooks/ copied next to a ready demo store, as ``../demo-store`` from the notebooks."""
    shutil.copytree(
        NOTEBOOKS[0].parent, tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    shutil.copytree(_demo_template, tmp_path / "demo-store")
    return tmp_path


@pytest.mark.slow
def test_every_notebook_passes_nbval(sandbox):
    env = {**os.environ, "WORKBENCH_USER": "ada"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", "--rootdir", str(sandbox), *[str(sandbox / "notebooks" / nb.name) for nb in NOTEBOOKS]],
        capture_output=True, text=True, env=env, cwd=sandbox, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:]
    code_cells = sum(
        1 for nb in NOTEBOOKS for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code"
    )
    assert f"{code_cells} passed" in run.stdout


@pytest.mark.slow
def test_review_notebook_runs_under_papermill_with_a_store_parameter(sandbox, tmp_path):
    import papermill

    other = tmp_path / "my-store"
    out = tmp_path / "review-out.ipynb"
    papermill.execute_notebook(
        str(sandbox / "notebooks" / "review.ipynb"),
        str(out),
        parameters={"store_path": str(other)},
        cwd=str(sandbox / "notebooks"),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    widget_outputs = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widget_outputs, "the workbench was not displayed"
    assert (other / "workbench-store.json").exists()  # the missing store was created as the demo store
