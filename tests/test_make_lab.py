"""`make lab`, the README's first set-up command, really starts JupyterLab on the review notebook (also as root)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_make_lab_serves_the_review_notebook(tmp_path: Path) -> None:
    store = tmp_path / "demo-store"
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "lab",
            f"DEMO_STORE={store}",
            "LAB_ARGS=--no-browser --ServerApp.port=0 --ServerApp.token=make-lab-test",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url, seen = None, []
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"(http://(?:localhost|127\.0\.0\.1):\d+/)lab", line)
            url = found.group(1) if found else None
        assert url, "".join(seen[-20:])
        assert (store / "workbench-store.json").is_file()
        page = httpx.get(f"{url}lab/tree/notebooks/review.ipynb?token=make-lab-test", timeout=30)
        assert page.status_code == 200
        notebook = httpx.get(f"{url}api/contents/notebooks/review.ipynb?token=make-lab-test", timeout=30)
        assert notebook.json()["name"] == "review.ipynb"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
