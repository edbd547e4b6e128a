"""Proof that the browser harness works here: real JupyterLab 4 + ipywidgets 8 + ipyvuetify 3 + Chromium.

Each test writes a small notebook, runs it in the shared server and checks what the *rendered* widgets
do (never the notebook source text). Together they pin down the behaviour the workbench relies on:
Python callbacks from Vuetify buttons, teleported dialogs, keyboard isolation of inputs, ``/files/``
video playback with ``?v=`` cache busting, and asyncio tasks that keep updating widgets after a cell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import pytest
from harness import (
    DARK_THEME,
    LIGHT_THEME,
    ConsoleLog,
    JupyterLabServer,
    RunResult,
    cell_count,
    cell_types,
    compact_view,
    in_outputs,
    kernel_python,
    make_test_mp4,
    notebook_windowing_mode,
    open_dialogs,
    open_notebook,
    overlay_container,
    pid_alive,
    plugin_setting,
    screenshot,
    use_theme,
    widget_views,
    write_notebook,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RunNotebook = Callable[[Sequence[str]], tuple[str, RunResult]]

# Console noise that is not ours: JupyterLab logs failed optional fetches (e.g. no network) as errors.
IGNORED_CONSOLE = (r"Failed to load resource: the server responded with a status of 404",)

IMPORTS = "import asyncio, sys\nimport ipyvuetify as v\nimport ipywidgets as w"

BUTTON_CELL = """
clicks = 0
click_label = v.Html(tag="span", children=["clicks: 0"], class_="wb-click-label ml-4")
click_btn = v.Btn(children=["Count"], color="primary", class_="wb-click-btn")

def on_click(widget, event, data):
    global clicks
    clicks += 1
    click_label.children = [f"clicks: {clicks}"]

click_btn.on_event("click", on_click)
v.Container(children=[click_btn, click_label])
"""

DIALOG_CELL = """
dialog_status = v.Html(tag="span", children=["dialog: closed"], class_="wb-dialog-status ml-4")
dialog_close = v.Btn(children=["Accept"], color="success", class_="wb-dialog-close")
dialog = v.Dialog(
    v_model=False,
    persistent=True,
    max_width=420,
    children=[
        v.Card(
            class_="wb-dialog-card",
            children=[
                v.CardTitle(children=["Accept segment?"]),
                v.CardText(children=["Persistent: clicking the scrim does not close it."]),
                v.CardActions(children=[dialog_close]),
            ],
        )
    ],
)
dialog_open = v.Btn(children=["Review"], class_="wb-dialog-open")
dialog_open.on_event("click", lambda *_: setattr(dialog, "v_model", True))
dialog_close.on_event("click", lambda *_: setattr(dialog, "v_model", False))
dialog.observe(
    lambda ch: setattr(dialog_status, "children", ["dialog: " + ("open" if ch["new"] else "closed")]),
    "v_model",
)
v.Container(children=[dialog_open, dialog_status, dialog])
"""

TEXTAREA_CELL = """
notes = v.Textarea(v_model="", label="Notes", rows=2, variant="outlined", class_="wb-textarea")
notes.on_event("keydown.stop", lambda *_: None)  # keep keystrokes away from JupyterLab shortcuts
echo = v.Html(tag="pre", children=["echo: "], class_="wb-echo")
notes.observe(lambda ch: setattr(echo, "children", [f"echo: {ch['new']}"]), "v_model")
v.Container(children=[notes, echo])
"""

VIDEO_CELL = """
video_box = w.HTML(
    f'<video class="wb-video" src="{VIDEO_URL}" muted playsinline preload="auto" '
    'width="320" height="180" controls></video>'
)
video_box
"""

TICKER_CELL = """
ticker_label = v.Html(tag="span", children=["ticks: -"], class_="wb-ticks ml-4")
ticker_status = v.Html(tag="span", children=["idle"], class_="wb-ticker-status ml-4")
ticker_btn = v.Btn(children=["Start ticker"], class_="wb-ticker-btn")
background_tasks = set()

async def tick(n=6, delay=0.15):
    seen = []
    for i in range(1, n + 1):
        await asyncio.sleep(delay)
        seen.append(str(i))
        ticker_label.children = ["ticks: " + ",".join(seen)]
    ticker_status.children = ["done"]

def start_ticker(*_):
    try:
        task = asyncio.get_running_loop().create_task(tick())
    except Exception as exc:  # surface it in the page: callback errors are otherwise invisible
        ticker_status.children = [f"error: {exc!r}"]
        return
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)
    ticker_status.children = ["running"]

ticker_btn.on_event("click", start_ticker)
v.Container(children=[ticker_btn, ticker_label, ticker_status])
"""


def video_cells(server: JupyterLabServer) -> list[str]:
    """The video cell with an *absolute* ``/files/`` URL (relative ones resolve against /lab/tree)."""
    clip = server.root_dir / "media" / "clip.mp4"
    if not clip.exists():  # never rewrite a file behind a ?v= URL: the browser caches it for years
        make_test_mp4(clip)
    return [IMPORTS, f"VIDEO_URL = {server.files_url('media/clip.mp4', v='1')!r}", VIDEO_CELL]


def test_lab_environment(lab_page: Page, lab_server: JupyterLabServer, console_log: ConsoleLog) -> None:
    """The server-side settings reach the frontend and the kernel is this venv's interpreter."""
    path = "env_check.ipynb"
    write_notebook(lab_server.root_dir, path, ["1 + 1"])
    open_notebook(lab_page, lab_server, path)

    windowing = plugin_setting(lab_page, "@jupyterlab/notebook-extension:tracker", "windowingMode")
    assert windowing.default == "none", "labconfig/default_setting_overrides.json was not applied"
    assert windowing.effective == "none"
    assert notebook_windowing_mode(lab_page, path) == "none"
    assert lab_page.evaluate("() => document.body.dataset.jpThemeName") == LIGHT_THEME
    assert Path(kernel_python(lab_page, path)) == Path(sys.executable)
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_button_callback_updates_label(
    lab_page: Page, run_notebook: RunNotebook, console_log: ConsoleLog
) -> None:
    """A v.Btn click round-trips through the kernel and the Python callback's update renders."""
    run_notebook([IMPORTS, BUTTON_CELL])
    btn = in_outputs(lab_page, ".v-btn.wb-click-btn")
    label = in_outputs(lab_page, ".wb-click-label")
    expect(label).to_have_text("clicks: 0")
    btn.click()
    expect(label).to_have_text("clicks: 1")
    btn.click()
    btn.click()
    expect(label).to_have_text("clicks: 3")
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_dialog_renders_in_body_overlay(
    lab_page: Page, run_notebook: RunNotebook, console_log: ConsoleLog
) -> None:
    """A persistent v.Dialog opened from Python is teleported to ``body > .v-overlay-container``."""
    run_notebook([IMPORTS, DIALOG_CELL])
    card = lab_page.locator(".wb-dialog-card")
    expect(card).to_have_count(0)  # Vuetify 3 renders dialog content lazily, only once opened

    in_outputs(lab_page, ".wb-dialog-open").click()
    expect(open_dialogs(lab_page)).to_have_count(1)
    dialog_card = open_dialogs(lab_page).locator(".wb-dialog-card")
    expect(dialog_card).to_be_visible()
    expect(dialog_card).to_contain_text("Accept segment?")
    expect(in_outputs(lab_page, ".wb-dialog-status")).to_have_text("dialog: open")
    # Not inside the notebook output: it lives in the body-level container that ipyvuetify styles.
    expect(in_outputs(lab_page, ".wb-dialog-card")).to_have_count(0)
    expect(overlay_container(lab_page)).to_contain_class("vuetify-styles")
    screenshot(lab_page, "dialog-open-light")

    # persistent=True: a click on the scrim must not close it; the Accept button (Python) does.
    lab_page.mouse.click(5, 500)
    expect(dialog_card).to_be_visible()
    dialog_card.locator(".wb-dialog-close").click()
    expect(in_outputs(lab_page, ".wb-dialog-status")).to_have_text("dialog: closed")
    expect(dialog_card).to_be_hidden()
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_textarea_keys_do_not_trigger_shortcuts(
    lab_page: Page, run_notebook: RunNotebook, console_log: ConsoleLog
) -> None:
    """Typing command-mode shortcut keys (a, b, d d, m, 1, y, z) into a v.Textarea stays in the widget."""
    path, _ = run_notebook([IMPORTS, TEXTAREA_CELL])
    cells_before = cell_types(lab_page, path)
    textarea = in_outputs(lab_page, ".wb-textarea textarea")
    textarea.click()
    # The notebook is in command mode while the output textarea has focus: exactly the leak scenario.
    assert lab_page.evaluate("() => window.jupyterapp.shell.currentWidget.content.mode") == "command"

    text = "abdm1 dd yy zz ab"
    lab_page.keyboard.type(text)
    expect(textarea).to_have_value(text)
    expect(in_outputs(lab_page, ".wb-echo")).to_have_text(f"echo: {text}")  # arrived in the kernel
    assert cell_count(lab_page, path) == len(cells_before)
    assert cell_types(lab_page, path) == cells_before  # no "m" (to markdown) / "y" conversions

    # Control: the same key with the notebook itself focused *does* insert a cell, so the check above
    # would catch a leak. (JupyterLab 4.6 already ignores shortcuts from editable targets; keydown.stop
    # is belt and braces for other versions and for Vuetify's own key handling.)
    lab_page.evaluate("() => window.jupyterapp.shell.currentWidget.content.node.focus()")
    lab_page.keyboard.press("b")
    lab_page.wait_for_function(
        "(n) => window.jupyterapp.shell.currentWidget.content.model.cells.length === n",
        arg=len(cells_before) + 1,
    )
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_video_from_files_loads_and_plays(
    lab_page: Page, lab_server: JupyterLabServer, run_notebook: RunNotebook, console_log: ConsoleLog
) -> None:
    """An absolute ``/files/...?v=1`` URL in a widget's <video> loads, reports ~1 s and plays."""
    statuses: list[int] = []
    lab_page.on("response", lambda r: statuses.append(r.status) if "/files/media/clip.mp4" in r.url else None)
    run_notebook(video_cells(lab_server))

    video = in_outputs(lab_page, "video.wb-video")
    expect(video).to_be_visible()
    handle = video.element_handle()
    lab_page.wait_for_function("(v) => v.readyState >= 1", arg=handle)
    info = video.evaluate(
        "(v) => ({src: v.currentSrc, duration: v.duration, w: v.videoWidth, h: v.videoHeight})"
    )
    assert info["src"] == lab_server.files_url("media/clip.mp4", v="1")  # widgets do not rewrite URLs
    assert info["duration"] == pytest.approx(1.0, abs=0.05)
    assert (info["w"], info["h"]) == (320, 180)

    video.evaluate("async (v) => { v.currentTime = 0; await v.play(); }")
    lab_page.wait_for_function("(v) => v.currentTime > 0.2 || v.ended", arg=handle)
    assert video.evaluate("(v) => v.error") is None
    assert statuses and all(s in (200, 206) for s in statuses), statuses
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_background_task_updates_after_cell(
    lab_page: Page, run_notebook: RunNotebook, console_log: ConsoleLog
) -> None:
    """A task created in a button callback keeps updating a widget after every cell has finished."""
    run_notebook([IMPORTS, TICKER_CELL])
    label = in_outputs(lab_page, ".wb-ticks")
    expect(label).to_have_text("ticks: -")
    # Record every text the browser actually renders, so intermediate updates are proven too.
    label.evaluate(
        """(el) => {
          window.__wbTicks = [];
          new MutationObserver(() => window.__wbTicks.push(el.textContent))
            .observe(el, {childList: true, subtree: true, characterData: true});
        }"""
    )
    in_outputs(lab_page, ".wb-ticker-btn").click()
    expect(in_outputs(lab_page, ".wb-ticker-status")).to_have_text("done", timeout=15_000)
    expect(label).to_have_text("ticks: 1,2,3,4,5,6")
    seen = lab_page.evaluate("() => [...new Set(window.__wbTicks)]")
    assert len(seen) >= 4, f"expected several separate updates, saw {seen}"
    assert console_log.unexpected(IGNORED_CONSOLE) == []


def test_screenshots_light_and_dark(
    lab_page: Page, lab_server: JupyterLabServer, run_notebook: RunNotebook
) -> None:
    """All widget kinds in one notebook, captured in the light and the dark JupyterLab theme."""
    cells = [*video_cells(lab_server), BUTTON_CELL, DIALOG_CELL, TEXTAREA_CELL, TICKER_CELL]
    path, _ = run_notebook(cells)
    compact_view(lab_page, path)
    expect(widget_views(lab_page).first).to_be_visible()
    in_outputs(lab_page, ".wb-click-btn").click()
    expect(in_outputs(lab_page, ".wb-click-label")).to_have_text("clicks: 1")
    in_outputs(lab_page, ".wb-textarea textarea").fill("typed in the light theme")
    # Show a mid-clip frame, fully buffered, so Chromium draws no loading spinner over it.
    video = in_outputs(lab_page, "video.wb-video")
    video.evaluate(
        """(v) => new Promise((resolve) => {
             v.addEventListener('seeked', resolve, {once: true});
             v.currentTime = 0.5;
           })"""
    )
    lab_page.wait_for_function("(v) => v.readyState === 4", arg=video.element_handle())
    btn = in_outputs(lab_page, ".wb-click-btn")
    expect(btn).to_contain_class("v-theme--light")
    screenshot(lab_page, "widgets-light")

    with use_theme(lab_page, DARK_THEME):
        # ipyvuetify follows JupyterLab's theme (v.theme.dark is None by default).
        expect(btn).to_contain_class("v-theme--dark")
        screenshot(lab_page, "widgets-dark")
    expect(btn).to_contain_class("v-theme--light")
    assert lab_page.evaluate("() => document.body.dataset.jpThemeName") == LIGHT_THEME


def test_files_range_and_cache_headers(lab_server: JupyterLabServer) -> None:
    """``/files/`` supports Range (seeking) and caches ``?v=`` for years but never ``?preview=``."""
    clip = make_test_mp4(lab_server.root_dir / "media" / "headers.mp4")
    size = clip.stat().st_size
    with lab_server.client() as c:
        ranged = c.get("files/media/headers.mp4", headers={"Range": "bytes=100-199"})
        assert ranged.status_code == 206
        assert ranged.headers["Content-Range"] == f"bytes 100-199/{size}"
        assert ranged.content == clip.read_bytes()[100:200]
        assert ranged.headers["Accept-Ranges"] == "bytes"

        plain = c.get("files/media/headers.mp4")
        assert plain.status_code == 200
        assert plain.headers["Cache-Control"] == "no-cache"
        assert "ETag" not in plain.headers and "Last-Modified" in plain.headers

        versioned = c.get("files/media/headers.mp4", params={"v": "1"})
        assert versioned.headers["Cache-Control"] == "max-age=315360000"
        assert "Expires" in versioned.headers

        preview = c.get("files/media/headers.mp4", params={"preview": "tok"})
        assert preview.headers["Cache-Control"] == "no-cache"

        revalidate = c.get(
            "files/media/headers.mp4", headers={"If-Modified-Since": plain.headers["Last-Modified"]}
        )
        assert revalidate.status_code == 304


def test_server_stop_reaps_kernels(tmp_path: Path) -> None:
    """``stop()`` leaves no kernel process behind (kernels run in their own sessions)."""
    with JupyterLabServer(base_dir=tmp_path) as server:
        r = httpx.post(f"{server.url}api/kernels", json={"name": "python3"}, timeout=10)
        assert r.status_code == 201
        pids = server.kernel_pids()
        assert pids
    assert not any(pid_alive(pid) for pid in pids)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}api/status", timeout=2)
