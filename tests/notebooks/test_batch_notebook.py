"""The batch notebook under papermill (through ``workbench batch``): the report, its images, the parquet
results, the HTML export, exit codes, and no secret from the environment anywhere in what it writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from workbench.errors import REGENERATE_STARTING_IMAGE

SECRET = "r8_TEST_SECRET_do_not_leak_4242"


def _workbench(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "WORKBENCH_USER": "ada", "REPLICATE_API_TOKEN": SECRET, "FAL_KEY": SECRET}


@pytest.mark.slow
def test_batch_report_end_to_end(_demo_template, tmp_path, env):
    store = tmp_path / "store"
    shutil.copytree(_demo_template, store)
    out = tmp_path / "report"
    args = ["batch", "--store", str(store), "--set", "duration_s=1", "--set", "resolution=320x180", "--set", "fps=12",
            "--variant", '{"seed": 1}', "--variant", '{"seed": 2}', "--policy", "accept-passing", "--output-dir", str(out)]  # fmt: skip
    run = _workbench(*args, env=env)
    assert run.returncode == 1, run.stderr[-3000:]  # the legacy segment failed, so the default exit is 1
    assert "Items: 5 accepted, 2 failed, 5 pending" in run.stdout

    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 12
    assert results["status"].value_counts().to_dict() == {"accepted": 5, "pending": 5, "failed": 2}
    failed = results[results["status"] == "failed"]
    assert set(failed["asset_id"]) == {"seg-06"} and set(failed["error"]) == {REGENERATE_STARTING_IMAGE}
    assert {"movie_directions_source", "generation_s", "size_bytes", "checks", "take_id"} <= set(
        results.columns
    )

    notebook = nbformat.read(out / "report.ipynb", as_version=4)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 10 + 1  # a contact sheet per generated take, plus the timing chart
    html_tables = " ".join(o["data"].get("text/html", "") for o in outputs if "data" in o)
    assert "accepted items" in html_tables and "your edit" in html_tables
    texts = " ".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", "")) for o in outputs
    )
    assert f"The eye as a camera (variant 0): {REGENERATE_STARTING_IMAGE}" in texts
    assert "regenerating: 100%" in texts  # tqdm progress in the report

    html = (out / "report.html").read_text()
    assert "Batch regeneration report" in html and "data:image/png;base64" in html
    for written in (out / "report.ipynb", out / "report.html", out / "results.parquet"):
        assert SECRET.encode() not in written.read_bytes()
    assert SECRET not in run.stdout + run.stderr

    rerun = _workbench(*args, "--allow-failures", env=env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert pd.read_parquet(out / "results.parquet")["status"].value_counts().to_dict() == {
        "skipped": 10,
        "failed": 2,
    }


def test_batch_cli_refuses_bad_parameters_before_starting_a_kernel(tmp_path, env):
    run = _workbench("batch", "--store", str(tmp_path), "--set", "colour=red", env=env)
    assert run.returncode == 1 and "Unknown setting 'colour'" in run.stderr and "Traceback" not in run.stderr
    run = _workbench("batch", "--store", str(tmp_path), "--variant", "[1]", env=env)
    assert run.returncode == 1 and "JSON object" in run.stderr


def test_parameters_cell_has_no_secret_parameters():
    nb = nbformat.read(Path(__file__).parents[2] / "notebooks" / "batch_regenerate.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = [line.split("=")[0].strip() for line in params.source.splitlines() if "=" in line]
    assert not [n for n in names if any(w in n.lower() for w in ("token", "secret", "key", "password"))]
    json.dumps(names)


@pytest.mark.slow
def test_batch_images_gives_every_segment_without_one_a_starting_image(_demo_template, tmp_path, env):
    """``workbench batch --images``: the same report for starting images; then the video batch can run them."""
    store = tmp_path / "store"
    shutil.copytree(_demo_template, store)
    out = tmp_path / "report"
    args = ["batch", "--store", str(store), "--images", "--query", "not has_starting_image", "--set", "size=640x360",
            "--policy", "accept-passing", "--output-dir", str(out)]  # fmt: skip
    run = _workbench(*args, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Items: 1 accepted" in run.stdout
    results = pd.read_parquet(out / "results.parquet")
    row = results.iloc[0]
    assert (row["asset_id"], row["status"], row["checks"]) == ("seg-06", "accepted", "passed")
    assert (row["prompt"], row["prompt_source"]) == ("The eye as a camera", "this segment")
    assert (row["size"], row["size_source"]) == ("640x360", "your edit")
    notebook = nbformat.read(out / "report.ipynb", as_version=4)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 1 + 1  # one sheet, the chart
    # the segment that said "Regenerate the starting image first." now has one, and its video can be made
    videos = _workbench("batch", "--store", str(store), "--asset", "seg-06", "--set", "duration_s=1", "--set",
                        "resolution=320x180", "--set", "fps=12", "--output-dir", str(tmp_path / "v"), env=env)  # fmt: skip
    assert videos.returncode == 0, videos.stderr[-3000:]
    assert "Items: 1 pending" in videos.stdout
    run = _workbench("batch", "--store", str(store), "--images", "--set", "duration_s=1", env=env)
    assert run.returncode == 1 and "Unknown image setting 'duration_s'" in run.stderr
