"""The review workbench in real JupyterLab + Debian Chromium, end to end, asserting on rendered widgets.

Open notebooks/review.ipynb, run it, pick a segment, edit its directions, Regenerate, watch progress, review
the preview in the dialog (a real <video> that loads, ?preview=), Accept, see the committed player switch to
?v=… only after completion and play it; then the reject path and the missing-starting-image message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import JupyterLabServer, in_outputs, open_notebook, run_all_cells, screenshot, use_theme
from playwright.sync_api import Page, expect

from workbench.errors import REGENERATE_STARTING_IMAGE

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/review.ipynb"
DIRECTIONS = "slow pan left then zoom in on the diagram"


@pytest.fixture
def workbench_page(lab_page: Page, lab_server: JupyterLabServer, _demo_template: Path) -> Page:
    root = lab_server.root_dir
    shutil.rmtree(root / "demo-store", ignore_errors=True)
    shutil.copytree(_demo_template, root / "demo-store")
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(REPO / NOTEBOOK, root / NOTEBOOK)
    open_notebook(lab_page, lab_server, NOTEBOOK)
    result = run_all_cells(lab_page, NOTEBOOK)
    assert result.ok, result.errors
    expect(in_outputs(lab_page, ".wb-workbench")).to_be_visible()
    expect(in_outputs(lab_page, ".wb-segment-row")).to_have_count(6)
    return lab_page


def _video_state(page: Page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "v => ({src: v.getAttribute('src'), readyState: v.readyState, duration: v.duration, error: v.error && v.error.code})"
    )


def _wait_loaded(page: Page, selector: str) -> dict:
    page.wait_for_function(
        "(sel) => { const v = document.querySelector(sel); return v && v.readyState >= 1 && isFinite(v.duration); }",
        arg=selector,
        timeout=30_000,
    )
    return _video_state(page, selector)


def _regenerate(page: Page) -> None:
    page.locator(".wb-regenerate").click()
    expect(in_outputs(page, '.wb-log-entry[data-kind="job-queued"]').first).to_be_visible()
    expect(page.locator(".wb-preview-card")).to_be_visible(timeout=60_000)


def test_edit_regenerate_review_accept_then_reject(workbench_page: Page) -> None:
    page = workbench_page
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-02"]').click()
    expect(in_outputs(page, ".wb-editor-title")).to_contain_text("Measuring focal length")
    committed = _wait_loaded(page, "video.wb-committed-player")
    assert "?v=" in committed["src"] and "?preview=" not in committed["src"]
    assert committed["error"] is None

    directions = in_outputs(page, ".wb-directions textarea:not([readonly])")
    directions.fill(DIRECTIONS)
    duration = in_outputs(page, ".wb-duration input")
    duration.fill("2")
    expect(in_outputs(page, ".wb-source-movie_directions")).to_contain_text("your edit")
    expect(in_outputs(page, ".wb-source-duration_s")).to_contain_text("your edit")
    expect(in_outputs(page, ".wb-plan")).to_contain_text("Camera plan")
    # the storyboard of the edited directions, drawn once typing paused: a real image the browser decoded
    board = in_outputs(page, ".wb-storyboard img")
    expect(board).to_be_visible(timeout=15_000)
    page.wait_for_function(
        "(el) => el.complete && el.naturalWidth === 480", arg=board.element_handle(), timeout=15_000
    )
    screenshot(page, "workbench-edited")

    _regenerate(page)
    expect(in_outputs(page, '.wb-log-entry[data-kind="job-started"]').first).to_be_visible()
    expect(in_outputs(page, '.wb-log-entry[data-kind="video-preview"]').first).to_be_visible()
    preview = _wait_loaded(page, "video.wb-preview-video")
    assert "?preview=" in preview["src"] and "/files/demo-store/media/lenses-101/takes/" in preview["src"]
    assert abs(preview["duration"] - 2.0) <= 0.1
    expect(page.locator(".wb-preview-card .wb-compare-new").first).to_have_text(DIRECTIONS)
    # the main player still shows the committed video while the preview waits
    assert _video_state(page, "video.wb-committed-player")["src"] == committed["src"]
    screenshot(page, "preview-dialog")

    page.locator(".wb-preview-card .wb-accept").click()
    expect(page.locator(".wb-preview-card")).to_be_hidden()
    expect(in_outputs(page, '.wb-log-entry[data-kind="video-complete"]').first).to_be_visible()
    page.wait_for_function(
        "(old) => { const v = document.querySelector('video.wb-committed-player'); return v && v.getAttribute('src') !== old; }",
        arg=committed["src"],
    )
    after = _wait_loaded(page, "video.wb-committed-player")
    assert "?v=" in after["src"] and "/takes/" in after["src"] and "?preview=" not in after["src"]
    assert abs(after["duration"] - 2.0) <= 0.1
    played = page.locator("video.wb-committed-player").evaluate(
        """async v => { v.muted = true; await v.play(); await new Promise(r => setTimeout(r, 600)); v.pause(); return v.currentTime; }"""
    )
    assert played > 0.1
    expect(in_outputs(page, '.wb-take[data-status="accepted"]')).to_have_count(1)
    screenshot(page, "accepted")

    # reject: the committed video stays, the draft keeps the edited directions
    directions.fill("tilt down slowly")
    _regenerate(page)
    _wait_loaded(page, "video.wb-preview-video")
    page.locator(".wb-preview-card .wb-reject").click()
    expect(page.locator(".wb-preview-card")).to_be_hidden()
    expect(in_outputs(page, '.wb-log-entry[data-kind="video-rejected"]').first).to_be_visible()
    assert _video_state(page, "video.wb-committed-player")["src"] == after["src"]
    expect(directions).to_have_value("tilt down slowly")
    expect(in_outputs(page, '.wb-take[data-status="rejected"]')).to_have_count(1)


def test_missing_starting_image_is_explained(workbench_page: Page) -> None:
    page = workbench_page
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-06"]').click()
    alert = in_outputs(page, ".wb-missing-image")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(REGENERATE_STARTING_IMAGE)
    expect(in_outputs(page, ".wb-regenerate")).to_be_disabled()
    expect(in_outputs(page, '.wb-segment-row[data-asset-id="seg-06"] .wb-status')).to_have_text(
        "needs starting image"
    )
    screenshot(page, "missing-starting-image")


def test_dark_theme(workbench_page: Page) -> None:
    with use_theme(workbench_page, "JupyterLab Dark"):
        expect(in_outputs(workbench_page, ".wb-workbench")).to_be_visible()
        screenshot(workbench_page, "workbench-dark")
