"""Compare and decide in real JupyterLab + Chromium, on the demo lecture: variants from the editor reviewed in
the grid (keep one, reject the rest), "Use these settings" filling the form, and the preview dialog's A/B
against the committed video playing both in step. Screenshots of each are kept in test-artifacts/browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import JupyterLabServer, in_outputs, open_notebook, run_all_cells, screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/review.ipynb"


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
    expect(in_outputs(lab_page, ".wb-segment-row")).to_have_count(6)
    return lab_page


def _loaded(page: Page, selector: str, count: int) -> None:
    page.wait_for_function(
        "([sel, n]) => { const vs = document.querySelectorAll(sel);"
        " return vs.length === n && Array.from(vs).every(v => v.readyState >= 3); }",
        arg=[selector, count],
        timeout=60_000,
    )


def _short_takes(page: Page, segment: str) -> None:
    in_outputs(page, f'.wb-segment-row[data-asset-id="{segment}"]').click()
    in_outputs(page, ".wb-duration input").fill("1")
    expect(in_outputs(page, ".wb-source-duration_s")).to_contain_text("your edit")


def test_variants_grid_keep_one_reject_the_rest_then_use_these_settings(workbench_page: Page) -> None:
    page = workbench_page
    _short_takes(page, "seg-02")
    in_outputs(page, ".wb-variants").click()
    card = page.locator(".wb-variants-card")
    expect(card).to_be_visible()
    card.locator(".wb-variants-kind-directions").click()
    card.locator(".wb-variants-lines textarea:not([readonly])").fill(
        "pan left\nzoom in on the diagram\nPan left."
    )
    expect(card.locator(".wb-variant-planned")).to_have_count(3)
    expect(card.locator('.wb-variant-planned[data-repeat="true"]')).to_contain_text(
        "same video as “1. pan left”"
    )
    expect(card.locator(".wb-variants-run")).to_have_text("Run 2 variants")
    screenshot(page, "variants-ask")
    card.locator(".wb-variants-run").click()

    grid = page.locator(".wb-grid-card")
    expect(grid).to_be_visible()
    expect(grid.locator(".wb-grid-title")).to_contain_text("2 of 2 ready", timeout=90_000)
    _loaded(page, "video.wb-grid-video", 2)
    expect(page.locator(".wb-preview-card")).to_be_hidden()  # variants do not open a dialog each
    expect(grid.locator(".wb-badge-adherence")).to_have_count(2)
    screenshot(page, "variants-grid")
    keep = grid.locator(".wb-grid-variant", has_text="zoom in on the diagram")
    keep.locator(".wb-grid-keep").click()
    expect(grid).to_be_hidden(timeout=30_000)
    expect(in_outputs(page, '.wb-take[data-status="accepted"]')).to_have_count(1)
    expect(in_outputs(page, '.wb-take[data-status="rejected"]')).to_have_count(1)
    expect(in_outputs(page, '.wb-take[data-status="accepted"] .wb-take-label')).to_contain_text(
        "zoom in on the diagram"
    )

    # "Use these settings" on the rejected variant fills the form, marked as coming from that take
    in_outputs(page, '.wb-take[data-status="rejected"] .wb-take-use').click()
    expect(in_outputs(page, ".wb-directions textarea:not([readonly])")).to_have_value("pan left")
    expect(in_outputs(page, ".wb-source-movie_directions")).to_contain_text("from take")
    expect(in_outputs(page, ".wb-duration input")).to_have_value("1.0")
    label = in_outputs(page, '.wb-take[data-status="rejected"] .wb-take-label')
    assert "pan left" in (label.get_attribute("title") or "")  # the whole label on hover
    screenshot(page, "takes-list-used-settings")


def test_the_preview_dialog_plays_the_preview_against_the_committed_video(workbench_page: Page) -> None:
    page = workbench_page
    _short_takes(page, "seg-01")
    in_outputs(page, ".wb-directions textarea:not([readonly])").fill("pan left then zoom in")
    in_outputs(page, ".wb-regenerate").click()
    dialog = page.locator(".wb-preview-card")
    expect(dialog).to_be_visible(timeout=90_000)
    expect(dialog.locator('.wb-metric-row[data-metric="adherence"] .wb-metric-col-0')).to_have_text("100%")
    expect(dialog.locator(".wb-adherence-move")).to_have_count(2)
    expect(dialog.locator(".wb-compare-row")).to_have_count(2)  # directions and duration differ, nothing else
    expect(dialog.locator(".wb-compare-committed").first).not_to_contain_text("not recorded")
    dialog.locator(".wb-preview-ab").click()
    _loaded(page, ".wb-preview-card video.wb-compare-video", 2)
    committed = page.locator("video.wb-committed-player").get_attribute("src")
    assert "?preview=" not in (committed or "")
    dialog.locator(".wb-compare-rate").select_option("0.25")  # a quarter speed: time to look while both play
    dialog.locator(".wb-compare-play").click()
    times = page.wait_for_function(
        "() => { const t = Array.from(document.querySelectorAll('.wb-preview-card video.wb-compare-video'))"
        ".map(v => v.currentTime); return t[0] > 0.1 ? t : null; }"
    ).json_value()
    assert times[0] < 1.0 and abs(times[0] - times[1]) < 1 / 24, times  # while the 1 s preview plays
    dialog.locator(".wb-compare-play").click()
    dialog.locator(".wb-compare-rate").select_option("1")
    # the committed video is longer: playing on, the preview stops at its end and the committed one goes on
    dialog.locator(".wb-compare-seek").evaluate(
        "el => { el.value = '400'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    dialog.locator(".wb-compare-play").click()
    page.wait_for_timeout(600)
    preview_t, committed_t = page.evaluate(
        "() => Array.from(document.querySelectorAll('.wb-preview-card video.wb-compare-video')).map(v => v.currentTime)"
    )
    assert preview_t == pytest.approx(1.0, abs=0.05) and committed_t > 1.7, (preview_t, committed_t)
    dialog.locator(".wb-compare-play").click()
    screenshot(page, "preview-dialog-ab")
    dialog.locator(".wb-compare-wipe-mode").click()
    screenshot(page, "preview-dialog-wipe")
    assert page.locator("video.wb-committed-player").get_attribute("src") == committed
