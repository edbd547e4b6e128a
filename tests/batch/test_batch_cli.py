"""``workbench batch`` as a researcher meets it: every mistake found before work starts is one line and exit
code 2 with nothing written; --version, --help with examples, --dry-run, --demo; live per-take progress;
Ctrl-C stops cleanly (exit 130, half-written files removed)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import snapshot
from workbench.domain.jobs import JobStatus
from workbench.store import open_store

SMALL = ["--set", "duration_s=1", "--set", "resolution=320x180", "--set", "fps=12"]


def workbench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBENCH_USER": "ada"}
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def store_dir(_demo_template, tmp_path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(_demo_template, root)
    return root


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MISTAKES = [
    (["--query", "duraton_s > 3"], "The selection query 'duraton_s > 3' could not run"),
    (["--lecture", "nope"], "No lecture 'nope' in the store. Lectures: lenses-101."),
    (["--asset", "seg-99"], "No segment 'seg-99'"),
    (["--concurrency", "0"], "concurrency must be between 1 and 64"),
    (["--query", "duration_s > 99"], "Nothing to regenerate: the selection matches no segment"),
    (["--template", "{movie_directions"], "The directions template '{movie_directions' cannot be used"),
    (["--template", "{movie_directions} {mood}"], "The directions template uses mood"),
    (
        ["--set", "model=nope"],
        "There is no video model called 'nope'. Known models: local-camera. (6 of 6 items refused",
    ),
    (["--set", "duration_s=999"], "A duration of 999.0 s is out of range"),
    (["--set", "colour=red"], "Unknown setting 'colour'"),
    (["--set", "duration_s"], "--set 'duration_s' needs the form FIELD=VALUE"),
    (["--variant", "[1]"], "--variant '[1]' must be a JSON object"),
    (["--notebook", "missing.ipynb"], "The report notebook missing.ipynb does not exist."),
    (["--policy", "yolo"], "argument --policy: invalid choice: 'yolo'"),
    (["--concurrency", "two"], "argument --concurrency: invalid int value: 'two'"),
]


@pytest.mark.parametrize(("args", "words"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_each_mistake_is_one_line_and_exit_code_2_before_anything_runs(store_dir, tmp_path, args, words):
    before = snapshot(store_dir)
    out = tmp_path / "out"
    run = workbench("batch", "--store", str(store_dir), "--output-dir", str(out), *args, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "error: " in run.stderr and "Traceback" not in run.stderr
    assert words in run.stderr
    assert not out.exists()
    assert {k: v for k, v in snapshot(store_dir).items() if not k.startswith("runners/")} == before


def test_an_unreachable_executor_is_refused_before_anything_runs(store_dir, tmp_path):
    run = workbench("batch", "--store", str(store_dir), "--executor", f"tcp://127.0.0.1:{closed_port()}")
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "Nothing answers at the Dask scheduler" in run.stderr
    bad = workbench("batch", "--store", str(store_dir), "--executor", "http://x")
    assert bad.returncode == 2 and "not an address Dask understands" in bad.stderr


def test_a_missing_store_is_refused_and_not_created_without_demo(tmp_path):
    missing = tmp_path / "nope"
    run = workbench("batch", "--store", str(missing))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert f"There is no store at {missing}" in run.stderr and "--demo" in run.stderr
    assert not missing.exists()


def test_version_help_and_dry_run(tmp_path):
    version = workbench("--version")
    assert version.returncode == 0 and version.stdout.strip() == "workbench 0.1.0"
    usage = workbench("batch", "--help")
    assert usage.returncode == 0 and "examples:" in usage.stdout and "--dry-run" in usage.stdout
    store = tmp_path / "demo"
    dry = workbench("batch", "--store", str(store), "--demo", "--dry-run", "--variant", '{"seed": 7}', *SMALL)
    assert dry.returncode == 0, dry.stderr
    assert "seg-01 · variant 0  (Why lenses bend light): runs" in dry.stdout
    assert "seed             7" in dry.stdout and "(your edit)" in dry.stdout
    assert "note: Regenerate the starting image first." in dry.stdout
    assert dry.stdout.rstrip().endswith("6 items, 6 to generate.")
    assert open_store(store).takes().empty  # the demo store was made, nothing generated


def test_finding_a_mistake_does_not_load_what_only_checking_hosted_inputs_needs(store_dir):
    """jsonschema's import alone costs about 2 s of CPU; ``workbench batch`` checks must not wait for it."""
    code = (
        "import sys, workbench.cli as c\n"
        f"code = c.main(['batch', '--store', {str(store_dir)!r}, '--set', 'model=nope'])\n"
        "print(code, sorted(set(sys.modules) & {'jsonschema', 'workbench.serve.predictions'}))"
    )
    env = {**os.environ, "WORKBENCH_USER": "ada"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert run.stdout.strip() == "2 []", run.stderr


def test_a_batch_shows_each_take_as_it_goes_and_ctrl_c_stops_cleanly(store_dir, tmp_path):
    """Renders long enough to interrupt; the first "started" line arrives while the batch runs."""
    env = {**os.environ, "WORKBENCH_USER": "ada", "PYTHONUNBUFFERED": "1"}
    out = tmp_path / "out"
    args = [
        "--set",
        "duration_s=8",
        "--set",
        "resolution=1280x720",
        "--concurrency",
        "1",
        "--output-dir",
        str(out),
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "batch", "--store", str(store_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stderr is not None
    lines = [process.stderr.readline(), process.stderr.readline()]
    while not any("started" in line for line in lines) and lines[-1]:
        lines.append(process.stderr.readline())
    assert process.poll() is None, lines  # live: the line came while the batch was still running
    assert lines[0].startswith("Batch: 6 items over 6 segments (6 to generate")
    time.sleep(1.0)  # into the render
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("Interrupted: ")
    assert not list(store_dir.rglob("*.partial*")), "a half-written video was left behind"
    store = open_store(store_dir, user="ada")
    statuses = set(store.jobs()["status"])
    assert str(JobStatus.CANCELLED) in statuses and str(JobStatus.RUNNING) not in statuses
    assert not (out / "results").exists()


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_every_take_gets_a_line_and_the_summary_names_the_outputs(store_dir, tmp_path):
    out = tmp_path / "out"
    run = workbench("batch", "--store", str(store_dir), "--asset", "seg-01", "--asset", "seg-06", *SMALL,
                    "--output-dir", str(out), "--no-report")  # fmt: skip
    assert run.returncode == 1, run.stderr  # seg-06 has no starting image
    assert "[1/2]" in run.stderr and "[2/2]" in run.stderr
    assert "pending, " in run.stderr and "failed: Regenerate the starting image first." in run.stderr
    assert "Items: 1 failed, 1 pending" in run.stdout and f"dataset: {out / 'results'}" in run.stdout
    assert not (out / "report.html").exists()


@pytest.mark.slow
@pytest.mark.parametrize("killed", ["batch", "process group"])
def test_after_a_kill_the_next_run_sweeps_half_written_files_and_makes_the_take(store_dir, tmp_path, killed):
    """kill -9 mid-render leaves a running job and maybe a ``.partial`` file; the next run puts both right.

    Killing the batch alone leaves its worker processes: they must stop their renders (removing the partial
    files, adding no take) and exit by themselves, not wait for work forever nor finish an unrecorded take."""
    env = {**os.environ, "WORKBENCH_USER": "ada", "PYTHONUNBUFFERED": "1"}
    args = ["--asset", "seg-01", "--set", "duration_s=8", "--set", "resolution=1280x720", "--no-report",
            "--output-dir", str(tmp_path / "out")]  # fmt: skip
    media_before = _files(store_dir / "media")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "batch", "--store", str(store_dir), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()
    while line and "started" not in line:
        line = process.stderr.readline()
    time.sleep(1.0)  # into the render
    if killed == "batch":
        process.kill()
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()
    deadline = time.monotonic() + 60
    while _group_alive(process.pid):  # the workers (and their fork server) end on their own
        assert time.monotonic() < deadline, "worker processes outlived the killed batch"
        time.sleep(0.2)
    left = list(store_dir.rglob("*.partial*"))
    if killed == "batch":
        assert _files(store_dir / "media") == media_before, "an orphaned worker wrote to the store"
    store = open_store(store_dir, user="ada")
    assert str(JobStatus.RUNNING) in set(store.jobs()["status"])  # what a kill leaves behind

    again = workbench("batch", "--store", str(store_dir), *args)
    assert again.returncode == 0, again.stderr
    assert not list((store_dir / "media").rglob("*.partial*")), "a half-written video was left behind"
    for path in left:  # moved to the trash (a generated video may have cost money), never deleted
        assert list((store_dir / "trash").rglob(path.name))
    store = open_store(store_dir, user="ada")
    jobs = store.jobs()
    assert str(JobStatus.RUNNING) not in set(jobs["status"])
    assert str(JobStatus.INTERRUPTED) in set(jobs["status"])
    assert len(store.takes(asset_id="seg-01")) == 1
