"""The batch notebook and ``workbench batch`` end to end: the report (HTML without code, playable videos beside
it), the results dataset, exit codes, re-runs, papermill on the notebook directly (typed ``-p`` values, failing
at the end when items failed), a wheel installed in a fresh environment, and no secret anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from workbench.batch.notebook import DEFAULT_NOTEBOOK
from workbench.errors import REGENERATE_STARTING_IMAGE

SECRET = "r8_TEST_SECRET_do_not_leak_4242"
ROOT = Path(__file__).parents[2]
SMALL = ["--set", "duration_s=1", "--set", "resolution=320x180", "--set", "fps=12"]


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
    args = ["batch", "--store", str(store), *SMALL, "--variant", '{"seed": 1}', "--variant", '{"seed": 2}',
            "--policy", "accept-passing", "--output-dir", str(out)]  # fmt: skip
    run = _workbench(*args, env=env)
    assert run.returncode == 1, run.stderr[-3000:]  # the legacy segment failed, so the default exit is 1
    assert "Items: 5 accepted, 2 failed, 5 pending" in run.stdout
    assert "Writing the report…" in run.stderr and "IPKernelApp" not in run.stderr

    results = pd.read_parquet(out / "results")
    assert len(results) == 12 and results["batch_id"].nunique() == 1
    assert results["status"].value_counts().to_dict() == {"accepted": 5, "pending": 5, "failed": 2}
    failed = results[results["status"] == "failed"]
    assert set(failed["asset_id"]) == {"seg-06"} and set(failed["error"]) == {REGENERATE_STARTING_IMAGE}

    notebook = nbformat.read(out / "report.ipynb", as_version=4)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = (out / "report.html").read_text()
    assert "Batch regeneration report" in html and "Best variant" not in html  # seeds tie: no winner claimed
    assert "No variant wins" in html and "takes are identical" in html
    assert "store_path" not in html and "await run_for_notebook" not in html  # no parameters, no code
    assert "cdnjs" not in html  # opens offline
    videos = sorted({p.name for p in (out / "media").glob("*.mp4")})
    assert len(videos) == 10 + 6  # every take and the six committed videos, beside the report
    for name in videos:
        assert f'src="media/{name}"' in html
    for written in [out / "report.ipynb", out / "report.html", *(out / "results").glob("*.parquet")]:
        assert SECRET.encode() not in written.read_bytes()
    assert SECRET not in run.stdout + run.stderr

    rerun = _workbench(*args, "--allow-failures", env=env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "Items: 2 failed, 10 skipped" in rerun.stdout
    whole = pd.read_parquet(out / "results")
    assert len(whole) == 24 and whole["batch_id"].nunique() == 2  # the second batch added to the dataset


def _papermill(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "papermill", str(DEFAULT_NOTEBOOK), "out.ipynb", "--cwd", str(cwd), *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=600,
    )  # fmt: skip


@pytest.mark.slow
def test_papermill_runs_the_notebook_with_typed_parameters_and_fails_at_the_end(
    _demo_template, tmp_path, env
):
    store = tmp_path / "store"
    shutil.copytree(_demo_template, store)
    common = ["-p", "store_path", str(store), "-p", "overrides", '{"duration_s": 1, "resolution": "320x180", "fps": 12}',
              "-p", "asset_ids", '["seg-02", "seg-06"]', "-p", "variants", '[{"seed": 3}]']  # fmt: skip
    failing = _papermill(*common, cwd=tmp_path, env=env)
    assert failing.returncode != 0
    assert "BatchItemsFailedError" in failing.stderr and "1 of 2 items failed" in failing.stderr
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "1 pending, 1 failed" in shown and "Regenerate the starting image first." in shown
    results = pd.read_parquet(tmp_path / "batch-output" / "results")
    assert list(results["seed"]) == [3, 3]

    allowed = _papermill(*common, "-p", "allow_failures", "True", cwd=tmp_path, env=env)
    assert allowed.returncode == 0, allowed.stderr[-3000:]


def test_papermill_without_a_store_fails_in_words_and_creates_nothing(tmp_path, env):
    run = _papermill("-p", "store_path", "nowhere", cwd=tmp_path, env=env)
    assert run.returncode != 0 and "There is no store at nowhere" in run.stderr
    assert not (tmp_path / "nowhere").exists() and not (tmp_path.parent / "demo-store").exists()


def test_the_notebook_is_package_data_and_notebooks_links_to_it():
    assert (ROOT / "notebooks" / "batch_regenerate.ipynb").resolve() == DEFAULT_NOTEBOOK
    nb = nbformat.read(DEFAULT_NOTEBOOK, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = [line.split(":")[0].strip() for line in params.source.splitlines() if "=" in line]
    assert not [n for n in names if any(w in n.lower() for w in ("token", "secret", "key", "password"))]
    code = [c for c in nb.cells if c.cell_type == "code" and c is not params]
    assert all(c.metadata["jupyter"]["source_hidden"] for c in code)  # JupyterLab shows outputs only
    described = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(DEFAULT_NOTEBOOK)],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert "variants: list (default [{}])" in described and "concurrency: int (default None)" in described
    assert "Unknown type" not in described


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_environment_runs_a_batch(tmp_path, env):
    """Built from the checkout's tracked files, installed (not editable) into a new venv whose dependencies
    come from the test venv, and run from a folder outside the checkout."""
    source = tmp_path / "source"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in files.splitlines():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to(os.readlink(ROOT / name))
        elif (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("segment_workbench-*.whl")
    assert "workbench/batch/batch_regenerate.ipynb" in zipfile.ZipFile(wheel).namelist()
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    site = next(fresh.glob("lib/python*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "test-dependencies.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(fresh / "bin" / "python"), "install", "--quiet", "--no-deps", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(fresh / "bin" / "python"), "-c", "import workbench; print(workbench.__file__)"],
        capture_output=True, text=True, cwd=elsewhere, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(fresh))
    # the dependencies' data files (nbconvert's templates, the kernelspec) are where the test venv has them
    data = {**env, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    run = subprocess.run(
        [str(fresh / "bin" / "workbench"), "batch", "--store", "demo", "--demo", "--asset", "seg-02", *SMALL],
        capture_output=True, text=True, cwd=elsewhere, env=data, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Items: 1 pending" in run.stdout
    assert (elsewhere / "batch-output" / "report.html").exists()


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
    results = pd.read_parquet(out / "results")
    row = results.iloc[0]
    assert (row["asset_id"], row["status"], list(row["checks"]), row["kind"]) == (
        "seg-06",
        "accepted",
        [],
        "image",
    )
    assert (row["prompt"], row["prompt_source"]) == ("The eye as a camera", "this segment")
    assert (row["size"], row["size_source"]) == ("640x360", "your edit")
    notebook = nbformat.read(out / "report.ipynb", as_version=4)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    report = (out / "report.html").read_text()
    assert report.count('class="wb-still"') == 1  # the new picture (the segment had none committed)
    assert "The eye as a camera" in report
    # the segment that said "Regenerate the starting image first." now has one, and its video can be made
    videos = _workbench("batch", "--store", str(store), "--asset", "seg-06", "--set", "duration_s=1", "--set",
                        "resolution=320x180", "--set", "fps=12", "--output-dir", str(tmp_path / "v"), env=env)  # fmt: skip
    assert videos.returncode == 0, videos.stderr[-3000:]
    assert "Items: 1 pending" in videos.stdout
    run = _workbench("batch", "--store", str(store), "--images", "--set", "duration_s=1", env=env)
    assert run.returncode == 2 and "Unknown image setting 'duration_s'" in run.stderr
