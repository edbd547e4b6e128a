"""The review notebook is saved without outputs (JupyterLab's autosave must not dirty it in git)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from jupyter_server.services.contents.filemanager import FileContentsManager

REPO = Path(__file__).resolve().parents[2]


def _notebook(opt_in: bool) -> dict:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("workbench", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/plain": "ReviewWorkbench(...)"})]
    nb.cells.append(cell)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    if opt_in:
        nb.metadata["workbench"] = {"strip_outputs_on_save": True}
    return json.loads(nbformat.writes(nb))


def test_the_jupyter_server_config_saves_opted_in_notebooks_without_outputs(tmp_path):
    config = json.loads((REPO / "jupyter-server-config.json").read_text())
    manager = FileContentsManager(
        root_dir=str(tmp_path), **config["ContentsManager"]
    )  # the real server class
    manager.save({"type": "notebook", "content": _notebook(opt_in=True)}, "review.ipynb")
    manager.save({"type": "notebook", "content": _notebook(opt_in=False)}, "mine.ipynb")
    stripped = nbformat.read(tmp_path / "review.ipynb", as_version=4)
    assert stripped.cells[0].outputs == [] and stripped.cells[0].execution_count is None
    assert "widgets" not in stripped.metadata
    kept = nbformat.read(tmp_path / "mine.ipynb", as_version=4)
    assert kept.cells[0].outputs and kept.cells[0].execution_count == 3


def test_the_review_notebook_opts_in_and_is_stored_clean():
    nb = nbformat.read(REPO / "notebooks" / "review.ipynb", as_version=4)
    assert nb.metadata["workbench"]["strip_outputs_on_save"] is True
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
