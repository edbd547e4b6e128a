"""The workbench stays true in real JupyterLab + Debian Chromium.

- A batch run in another process accepts a take while the review notebook is open: the committed player's
  ``src`` switches to the new ``?v=`` by itself, the settings and table follow, a message says who did it,
  and the draft it conflicts with is kept and flagged.
- A kernel restart: the old output says it is disconnected (and how to get a live one back); running the
  notebook again restores the draft. Saving writes no outputs into review.ipynb.
- A 1,000-segment lecture: one page of rows in the DOM, paging, finding, picking.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from harness import JupyterLabServer, in_outputs, open_notebook, run_all_cells, screenshot, wait_for_execution
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/review.ipynb"

BATCH = textwrap.dedent(
    """
    import asyncio, sys
    from workbench import open_store
    from workbench.batch import BatchRequest, run_batch

    request = BatchRequest(
        asset_ids=["seg-02"],
        overrides={"duration_s": 1, "resolution": "320x180", "fps": 12},
        directions_template="{movie_directions}, then hold",
        policy="accept-all",
    )
    print(asyncio.run(run_batch(open_store(sys.argv[1]), request)).counts)
    """
)


@pytest.fixture
def review_page(lab_page: Page, lab_server: JupyterLabServer, _demo_template: Path) -> Page:
    root = lab_server.root_dir
    shutil.rmtree(root / "demo-store", ignore_errors=True)
    shutil.copytree(_demo_template, root / "demo-store")
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(REPO / NOTEBOOK, root / NOTEBOOK)
    open_notebook(lab_page, lab_server, NOTEBOOK)
    result = run_all_cells(lab_page, NOTEBOOK)
    assert result.ok, result.errors
    expect(in_outputs(lab_page, ".wb-workbench")).to_be_visible()
    return lab_page


def _src(page: Page) -> str | None:
    return page.locator("video.wb-committed-player").first.get_attribute("src")


def test_a_batch_in_another_process_shows_up_in_the_open_workbench(review_page: Page, lab_server) -> None:
    page = review_page
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-02"]').click()
    expect(in_outputs(page, ".wb-editor-title")).to_contain_text("Measuring focal length")
    in_outputs(page, ".wb-duration input").fill("2")  # a draft the batch will conflict with
    expect(in_outputs(page, ".wb-source-duration_s")).to_contain_text("your edit")
    before = _src(page)
    assert before and "?v=" in before

    env = {**os.environ, "WORKBENCH_USER": "ada"}
    batch = subprocess.run(
        [sys.executable, "-c", BATCH, str(lab_server.root_dir / "demo-store")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stderr[-3000:]
    done = time.monotonic()
    page.wait_for_function(
        "(old) => { const v = document.querySelector('video.wb-committed-player'); return v && v.getAttribute('src') !== old; }",
        arg=before,
        timeout=20_000,
    )
    print(f"batch exit → new player src in the browser: {time.monotonic() - done:.2f} s")
    after = _src(page)
    assert "?v=" in after and "/takes/" in after and "?preview=" not in after
    expect(in_outputs(page, ".wb-notice")).to_contain_text("was accepted by batch run of")
    expect(in_outputs(page, ".wb-directions textarea:not([readonly])")).to_have_value(
        "Pan right across the slide, gentle ease in and out, then hold"
    )
    expect(in_outputs(page, ".wb-duration input")).to_have_value("2")  # the draft is kept, as typed...
    alert = in_outputs(page, ".wb-conflict-alert")
    expect(alert).to_be_visible()  # ...and flagged
    expect(alert).to_contain_text("Duration (s): yours 2.0; committed now 1.0")
    expect(in_outputs(page, '.wb-segment-row[data-asset-id="seg-02"] .wb-row-conflict')).to_be_visible()
    expect(
        in_outputs(page, '.wb-log-entry.wb-log-external[data-kind="video-complete"]').first
    ).to_be_visible()
    screenshot(page, "freshness-conflict")

    in_outputs(page, ".wb-use-committed").click()
    expect(alert).to_be_hidden()
    expect(in_outputs(page, ".wb-duration input")).to_have_value("1.0")


def _draft_on_disk(root: Path) -> dict:
    path = root / "demo-store" / "drafts" / "ada" / "lenses-101.json"
    return json.loads(path.read_text())["segments"] if path.exists() else {}


def test_a_kernel_restart_leaves_a_disconnected_workbench_and_the_draft_comes_back(
    review_page: Page, lab_server
) -> None:
    page, root = review_page, lab_server.root_dir
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-03"]').click()
    directions = in_outputs(page, ".wb-directions textarea:not([readonly])")
    directions.fill("slow pan left across the diagram")
    deadline = time.monotonic() + 20
    while _draft_on_disk(root).get("seg-03", {}).get("overrides", {}).get("movie_directions") is None:
        assert time.monotonic() < deadline, "the draft never reached the store"
        time.sleep(0.1)
    expect(in_outputs(page, ".wb-disconnected")).to_be_hidden()

    page.evaluate(
        """(path) => { for (const w of window.jupyterapp.shell.widgets('main')) {
             if (w.context && w.context.path === path) return w.sessionContext.session.kernel.restart(); } }""",
        NOTEBOOK,
    )
    banner = in_outputs(page, ".wb-disconnected")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("disconnected from its kernel")
    expect(banner).to_contain_text("run the notebook again")
    live = in_outputs(page, ".wb-live").first
    assert float(live.evaluate("e => getComputedStyle(e).opacity")) < 0.6
    assert live.evaluate("e => getComputedStyle(e).pointerEvents") == "none"  # dead buttons cannot be pressed
    screenshot(page, "disconnected-after-restart")

    wait_for_execution(page, NOTEBOOK)
    result = run_all_cells(page, NOTEBOOK)
    assert result.ok, result.errors
    expect(in_outputs(page, ".wb-disconnected")).to_be_hidden()
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-03"]').click()
    expect(in_outputs(page, ".wb-directions textarea:not([readonly])")).to_have_value(
        "slow pan left across the diagram"
    )
    expect(in_outputs(page, ".wb-source-movie_directions")).to_contain_text("your edit")
    expect(in_outputs(page, '.wb-segment-row[data-asset-id="seg-03"] .wb-row-draft')).to_be_visible()
    screenshot(page, "draft-restored")

    # Saving (as autosave does) keeps review.ipynb free of widget output.
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        """(path) => { for (const w of window.jupyterapp.shell.widgets('main')) {
             if (w.context && w.context.path === path) return !w.context.model.dirty; } return false; }""",
        arg=NOTEBOOK,
    )
    saved = nbformat.read(root / NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in saved.cells if c.cell_type == "code")
    assert "widgets" not in saved.metadata


def test_a_kernel_that_was_shut_down_is_noticed_too(review_page: Page) -> None:
    """ipywidgets only marks outputs disconnected on a restart; a shut-down kernel is found by the page's pings."""
    page = review_page
    expect(in_outputs(page, ".wb-disconnected")).to_be_hidden()
    page.evaluate(
        """(path) => { for (const w of window.jupyterapp.shell.widgets('main')) {
             if (w.context && w.context.path === path) return w.sessionContext.shutdown(); } }""",
        NOTEBOOK,
    )
    expect(in_outputs(page, ".wb-disconnected")).to_be_visible(timeout=30_000)
    expect(in_outputs(page, ".wb-workbench.wb-kernel-gone")).to_have_count(1)
    screenshot(page, "disconnected-after-shutdown")


@pytest.fixture(scope="module")
def _scale_template(tmp_path_factory) -> Path:
    from workbench.demo.scale import init_scale_store

    root = tmp_path_factory.mktemp("scale-store") / "big-store"
    init_scale_store(root, segments=1000, user="ada")
    return root


def test_a_thousand_segment_lecture_pages_in_the_browser(lab_page: Page, lab_server, _scale_template) -> None:
    from harness import write_notebook

    page, root = lab_page, lab_server.root_dir
    shutil.copytree(_scale_template, root / "big-store", dirs_exist_ok=True)
    write_notebook(
        root,
        "big.ipynb",
        ["from workbench.ui import open_workbench\nworkbench = open_workbench('big-store')\nworkbench"],
    )
    open_notebook(page, lab_server, "big.ipynb")
    started = time.monotonic()
    assert run_all_cells(page, "big.ipynb").ok
    rows = in_outputs(page, ".wb-segment-row")
    expect(rows).to_have_count(25)
    print(f"open (run cell → 25 rows shown): {time.monotonic() - started:.2f} s")
    expect(in_outputs(page, ".wb-table-caption")).to_have_text("1000 segments")
    selected = in_outputs(page, ".wb-segment-row.wb-selected td").first
    background = selected.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # the selected row is highlighted

    in_outputs(page, ".wb-table-pages button[aria-label='Next page']").click()
    expect(rows.first).to_have_attribute("data-asset-id", "seg-0026")
    in_outputs(page, ".wb-table-query input").fill("Part 42.")
    expect(rows).to_have_count(10)
    expect(rows.first).to_have_attribute("data-asset-id", "seg-0411")
    clicked = time.monotonic()
    in_outputs(page, '.wb-segment-row[data-asset-id="seg-0415"]').click()
    expect(in_outputs(page, ".wb-editor-title")).to_contain_text("Part 42.5")
    print(f"row click → editor shows it: {time.monotonic() - clicked:.2f} s")
    expect(in_outputs(page, '.wb-segment-row[data-asset-id="seg-0415"]')).to_have_class(
        "wb-segment-row wb-selected"
    )
    assert page.locator(".wb-segment-row").count() == 10  # the DOM never holds the other 990
    screenshot(page, "thousand-segments")
