"""The starting-image flow in real JupyterLab + Debian Chromium: the seed's QA 1-5 restated for images, and a
segment without an image going image → video end to end.

QA 1 happy path (edit the prompt, regenerate, review in the dialog, accept, the committed image refreshes only
after completion), QA 2 reject (draft keeps the prompt, committed image unchanged), QA 3 the message
"Regenerate the starting image first." now has its button right there, QA 4 the image URL switches from
``?preview=`` (dialog) to a new ``?v=`` (committed) after completion, QA 5 the progress log shows the preview and
the completion. Images are checked as loaded by the browser (``naturalWidth``), not just as attributes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from harness import JupyterLabServer, in_outputs, open_notebook, run_all_cells, screenshot
from playwright.sync_api import Page, expect

from workbench.errors import REGENERATE_STARTING_IMAGE

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/review.ipynb"
OUTLINE = "The eye as a camera\n- The lens focuses light\n- The retina records the image\nfigure eye: eye"


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


def _loaded_image(page: Page, selector: str) -> dict:
    """Wait until the browser has loaded the image, then its src and natural size."""
    page.wait_for_function(
        "(sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
        timeout=30_000,
    )
    return page.locator(selector).first.evaluate(
        "i => ({src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight})"
    )


def _wait_src_change(page: Page, selector: str, old: str | None) -> None:
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel); return i && i.getAttribute('src') !== old; }",
        arg=[selector, old],
        timeout=30_000,
    )


def test_a_segment_without_an_image_goes_image_then_video(workbench_page: Page) -> None:
    """QA 1, 3, 4, 5 for images, then the video from the new image: image → video end to end."""
    page = workbench_page
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-06"]').click()
    alert = in_outputs(page, ".wb-missing-image")
    expect(alert).to_contain_text(REGENERATE_STARTING_IMAGE)
    expect(in_outputs(page, ".wb-regenerate")).to_be_disabled()
    button = in_outputs(page, ".wb-regenerate-image")
    expect(button).to_be_visible()  # right there, under the message
    prompt = in_outputs(page, ".wb-image-prompt textarea:not([readonly])")
    expect(prompt).to_have_value("The eye as a camera")  # from the segment's title
    prompt.fill(OUTLINE)
    in_outputs(page, ".wb-image-size input").fill("1280x720")
    expect(in_outputs(page, ".wb-image-source-prompt")).to_contain_text("your edit")
    screenshot(page, "image-form-missing")
    button.click()
    expect(in_outputs(page, '.wb-log-entry[data-kind="job-queued"]').first).to_be_visible()
    card = page.locator(".wb-image-preview-card")
    expect(card).to_be_visible(timeout=60_000)
    preview = _loaded_image(page, "img.wb-image-preview-img")
    assert "?preview=" in preview["src"] and "/files/demo-store/media/lenses-101/takes/" in preview["src"]
    assert (preview["w"], preview["h"]) == (1280, 720)
    expect(card.locator(".wb-image-no-committed")).to_be_visible()
    expect(in_outputs(page, ".wb-starting-image-img")).to_have_count(0)  # the editor never shows the preview
    screenshot(page, "image-preview-dialog")
    card.locator(".wb-image-accept").click()
    expect(card).to_be_hidden()
    expect(in_outputs(page, '.wb-log-entry[data-kind="image-preview"]').first).to_be_visible()
    expect(in_outputs(page, '.wb-log-entry[data-kind="image-complete"]').first).to_be_visible()
    committed = _loaded_image(page, ".wb-starting-image-img")
    assert "?v=" in committed["src"] and "?preview=" not in committed["src"]
    assert committed["src"].split("?")[0] == preview["src"].split("?")[0]  # the same file, now under ?v=
    expect(in_outputs(page, ".wb-missing-image")).to_have_count(0)
    expect(in_outputs(page, '.wb-segment-row[data-asset-id="seg-06"] .wb-status')).not_to_have_text(
        "needs starting image"
    )

    # the video, from the new image
    in_outputs(page, ".wb-duration input").fill("2")
    regenerate = in_outputs(page, ".wb-regenerate")
    expect(regenerate).to_be_enabled()
    before = page.locator("video.wb-committed-player").first.get_attribute("src")
    regenerate.click()
    expect(page.locator(".wb-preview-card")).to_be_visible(timeout=60_000)
    page.locator(".wb-preview-card .wb-accept").click()
    expect(in_outputs(page, '.wb-log-entry[data-kind="video-complete"]').first).to_be_visible()
    _wait_src_change(page, "video.wb-committed-player", before)
    page.wait_for_function(
        "() => { const v = document.querySelector('video.wb-committed-player'); return v && v.readyState >= 1 && isFinite(v.duration); }",
        timeout=30_000,
    )
    duration = page.locator("video.wb-committed-player").first.evaluate("v => v.duration")
    assert abs(duration - 2.0) <= 0.1
    expect(in_outputs(page, ".wb-video-outdated")).to_have_count(0)
    screenshot(page, "image-then-video")


def test_reject_keeps_the_prompt_and_accept_marks_the_video_outdated(workbench_page: Page) -> None:
    """QA 2 for images, then an accepted image's segment offers to regenerate its video."""
    page = workbench_page
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-02"]').click()
    expect(in_outputs(page, ".wb-editor-title")).to_contain_text("Measuring focal length")
    expect(in_outputs(page, ".wb-starting-image-img")).to_have_attribute(
        "src", re.compile(r"img-02\.png\?v=")
    )
    before = _loaded_image(page, ".wb-starting-image-img")
    in_outputs(page, ".wb-image-form-toggle").click()
    prompt = in_outputs(page, ".wb-image-prompt textarea:not([readonly])")
    prompt.fill("Measuring focal length\n- Move the screen\nfigure chart: bars\naccent: crimson")
    in_outputs(page, ".wb-regenerate-image").click()
    card = page.locator(".wb-image-preview-card")
    expect(card).to_be_visible(timeout=60_000)
    _loaded_image(page, "img.wb-image-preview-img")
    committed_in_dialog = _loaded_image(page, "img.wb-image-committed-img")
    assert committed_in_dialog["src"] == before["src"]  # A/B against the committed image
    card.locator(".wb-image-reject").click()
    expect(card).to_be_hidden()
    expect(in_outputs(page, '.wb-log-entry[data-kind="image-rejected"]').first).to_be_visible()
    assert _loaded_image(page, ".wb-starting-image-img")["src"] == before["src"]
    expect(prompt).to_have_value(
        "Measuring focal length\n- Move the screen\nfigure chart: bars\naccent: crimson"
    )
    expect(in_outputs(page, '.wb-image-take[data-status="rejected"]')).to_have_count(1)

    in_outputs(page, ".wb-regenerate-image").click()
    expect(card).to_be_visible(timeout=60_000)
    card.locator(".wb-image-wipe").click()
    expect(card.locator(".wb-image-wipe-frame")).to_be_visible()
    screenshot(page, "image-preview-wipe")
    card.locator(".wb-image-accept").click()
    expect(card).to_be_hidden()
    outdated = in_outputs(page, ".wb-video-outdated")
    expect(outdated).to_contain_text("older starting image")
    _wait_src_change(page, ".wb-starting-image-img", before["src"])
    screenshot(page, "video-outdated")
    in_outputs(page, ".wb-duration input").fill("1")
    outdated.locator(".wb-regenerate-video-from-image").click()
    expect(page.locator(".wb-preview-card")).to_be_visible(timeout=60_000)
    page.locator(".wb-preview-card .wb-accept").click()
    expect(in_outputs(page, '.wb-log-entry[data-kind="video-complete"]').first).to_be_visible()
    expect(in_outputs(page, ".wb-video-outdated")).to_have_count(0)
