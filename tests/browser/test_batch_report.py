"""The batch report as a reader opens it: report.html from a file, in Chromium at 1400 px, offline.

Its videos play, its tables sort and filter, nothing on the page errors; screenshots land in
test-artifacts/browser/ (batch-report-*.png) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from harness import screenshot, watch_console
from playwright.sync_api import Browser

SMALL = ["--set", "duration_s=2", "--set", "resolution=640x360", "--set", "fps=12"]


@pytest.fixture(scope="module")
def report_dir(_demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("batch-report")
    store = root / "store"
    shutil.copytree(_demo_template, store)
    out = root / "out"
    run = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "batch", "--store", str(store), "--asset", "seg-01",
         "--asset", "seg-03", "--asset", "seg-06", *SMALL, "--variant", '{"seed": 1}',
         "--variant", '{"movie_directions": "pan left then zoom in on the diagram"}', "--output-dir", str(out)],
        capture_output=True, text=True, env={**os.environ, "WORKBENCH_USER": "ada"}, timeout=600,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr[-3000:]  # seg-06 has no starting image
    return out


def test_the_report_reads_and_plays_in_chromium_at_1400_px(chromium: Browser, report_dir):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    log = watch_console(page)
    failed_requests: list[str] = []
    # (a <video> aborts its own file reads once it has the metadata: only the network counts here)
    page.on("requestfailed", lambda r: None if r.url.startswith("file:") else failed_requests.append(r.url))
    page.goto((report_dir / "report.html").as_uri())
    page.wait_for_function("document.querySelectorAll('table.dataTable').length >= 2", timeout=30_000)
    assert not log.errors, log.errors
    assert not failed_requests, failed_requests  # offline: nothing fetched from a network
    assert page.get_by_text("6 items over 3 segments: 4 pending, 2 failed.").count() == 1
    screenshot(page, "batch-report-top")

    videos = page.locator("video")
    assert videos.count() == 3 + 4  # the committed video of each segment, and each take
    played = page.evaluate(
        """async () => {
            const out = [];
            for (const v of document.querySelectorAll('video')) {
                v.muted = true;
                await v.play();
                await new Promise(r => setTimeout(r, 400));
                out.push({src: v.getAttribute('src'), t: v.currentTime, w: v.videoWidth, err: v.error && v.error.code});
                v.pause();
            }
            return out;
        }"""
    )
    assert all(v["t"] > 0 and v["w"] > 0 and v["err"] is None for v in played), played
    assert all(v["src"].startswith("media/") for v in played)
    gallery = page.locator(".wb-seg").first
    gallery.scroll_into_view_if_needed()
    screenshot(page, "batch-report-gallery")
    assert page.locator(".wb-dirs ins").count() >= 2 and page.locator(".wb-error").count() == 2

    takes = page.locator(".dt-container").last  # every take (the leaderboards come first)
    takes.scroll_into_view_if_needed()
    rows = takes.locator(".dt-scroll-body tbody tr")
    assert rows.count() == 6
    takes.locator(".dt-search input").fill("failed")
    page.wait_for_function(
        "[...document.querySelectorAll('.dt-container')].pop().querySelectorAll('.dt-scroll-body tbody tr')"
        ".length === 2"
    )
    takes.locator(".dt-search input").fill("")
    heading = takes.locator(".dt-scroll-head th", has_text="generation (s)")
    heading.click()
    heading.click()  # descending: the slowest take first, failed items (no time) last
    first = rows.first.inner_text()
    last = rows.last.inner_text()
    assert "failed" not in first and "failed" in last
    assert " s" in first or " ms" in first  # a number shown with its unit
    screenshot(page, "batch-report-takes")
    screenshot(page, "batch-report-full", full_page=True)
    page.close()
