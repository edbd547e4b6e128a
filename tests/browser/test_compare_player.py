"""Synchronized playback in Chromium: two videos under one control stay within a frame of each other after
play, pause, seek, frame steps and speed changes; a loop range repeats; the wipe shows one over the other."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pytest
from harness import JupyterLabServer, RunResult, in_outputs, make_test_mp4, screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RunNotebook = Callable[[Sequence[str]], tuple[str, RunResult]]
FPS = 24
FRAME = 1 / FPS


def _times(page: Page) -> list[float]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('video.wb-compare-video')).map(v => v.currentTime)"
    )


def _frame(t: float) -> int:
    """The frame on screen at ``t`` (frames start at multiples of 1/FPS)."""
    return int(t * FPS + 1e-6)


def _ready(page: Page) -> None:
    page.wait_for_function(
        "() => { const vs = document.querySelectorAll('video.wb-compare-video');"
        " return vs.length === 2 && Array.from(vs).every(v => v.readyState >= 3); }",
        timeout=30_000,
    )


def _settled(page: Page) -> None:
    """Seeks finished on every video (currentTime is then what the frame shows)."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('video.wb-compare-video')).every(v => !v.seeking)"
    )


def test_two_takes_play_in_step(
    run_notebook: RunNotebook, lab_page: Page, lab_server: JupyterLabServer
) -> None:
    media = lab_server.root_dir / "media"
    make_test_mp4(media / "a.mp4", frames=FPS * 4, fps=FPS)
    make_test_mp4(media / "b.mp4", frames=FPS * 4, fps=FPS, width=320, height=180)
    a, b = lab_server.files_url("media/a.mp4", v="1"), lab_server.files_url("media/b.mp4", v="2")
    run_notebook(
        [
            "from workbench.ui.compare_player import ComparePlayer, CompareSource",
            f"player = ComparePlayer(fps={FPS})\n"
            f"player.show([CompareSource({a!r}, 'Take A', 'Take A: pan left'), CompareSource({b!r}, 'Take B')])\n"
            "player",
        ]
    )
    page = lab_page
    _ready(page)
    play = in_outputs(page, ".wb-compare-play")

    play.click()
    page.wait_for_timeout(1200)
    first, second = _times(page)
    assert first > 0.5 and abs(first - second) < FRAME, (first, second)  # playing, within a frame
    play.click()  # pause
    _settled(page)
    first, second = _times(page)
    assert abs(first - second) < 1e-3, (first, second)
    assert page.evaluate(
        "() => Array.from(document.querySelectorAll('video.wb-compare-video')).every(v => v.paused)"
    )

    # seek with the slider: both go to the same time
    in_outputs(page, ".wb-compare-seek").evaluate(
        "el => { el.value = '250'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    _settled(page)
    first, second = _times(page)
    assert first == pytest.approx(1.0, abs=FRAME) and abs(first - second) < 1e-3

    # a frame forward, a frame back
    in_outputs(page, ".wb-compare-forward").click()
    _settled(page)
    stepped = _times(page)
    assert _frame(stepped[0]) == _frame(first) + 1 and abs(stepped[0] - stepped[1]) < 1e-3
    in_outputs(page, ".wb-compare-back").click()
    _settled(page)
    assert _frame(_times(page)[0]) == _frame(first)

    # half speed: still in step
    in_outputs(page, ".wb-compare-rate").select_option("0.5")
    play.click()
    page.wait_for_timeout(1000)
    first, second = _times(page)
    assert abs(first - second) < FRAME, (first, second)
    rates = page.evaluate(
        "() => Array.from(document.querySelectorAll('video.wb-compare-video')).map(v => v.playbackRate)"
    )
    assert all(0.4 < r < 0.6 for r in rates), rates
    play.click()


def test_a_loop_range_repeats_and_the_wipe_overlays(
    run_notebook: RunNotebook, lab_page: Page, lab_server: JupyterLabServer
) -> None:
    media = lab_server.root_dir / "media"
    make_test_mp4(media / "c.mp4", frames=FPS * 4, fps=FPS)
    make_test_mp4(media / "d.mp4", frames=FPS * 4, fps=FPS)
    c, d = lab_server.files_url("media/c.mp4", v="1"), lab_server.files_url("media/d.mp4", v="1")
    run_notebook(
        [
            "from workbench.ui.compare_player import ComparePlayer, CompareSource",
            f"player = ComparePlayer(fps={FPS})\n"
            f"player.show([CompareSource({c!r}, 'Preview'), CompareSource({d!r}, 'Committed')])\n"
            "player",
        ]
    )
    page = lab_page
    _ready(page)
    seek = in_outputs(page, ".wb-compare-seek")
    seek.evaluate("el => { el.value = '250'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    _settled(page)
    in_outputs(page, ".wb-compare-loop-a").click()
    seek.evaluate("el => { el.value = '500'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    _settled(page)
    in_outputs(page, ".wb-compare-loop-b").click()
    expect(in_outputs(page, ".wb-compare-loop")).to_contain_text("loop 1.00–2.00 s")
    seek.evaluate("el => { el.value = '260'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    _settled(page)
    in_outputs(page, ".wb-compare-play").click()
    seen = []
    for _ in range(12):  # 2.4 s of play: past the range's end at least once
        page.wait_for_timeout(200)
        seen.append(_times(page)[0])
    in_outputs(page, ".wb-compare-play").click()
    assert max(seen) < 2.0 + 0.25 and min(seen) >= 1.0 - FRAME, seen
    assert any(b < a for a, b in itertools.pairwise(seen)), seen  # it jumped back to the start

    in_outputs(page, ".wb-compare-wipe-mode").click()
    wipe = in_outputs(page, ".wb-compare-wipe")
    expect(wipe).to_be_visible()
    wipe.evaluate("el => { el.value = '30'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    clip = page.evaluate("() => getComputedStyle(document.querySelectorAll('.wb-compare-cell')[1]).clipPath")
    assert "30%" in clip
    boxes = page.evaluate(
        "() => Array.from(document.querySelectorAll('video.wb-compare-video')).map(v => { const r = v.getBoundingClientRect(); return [r.x, r.y, r.width]; })"
    )
    assert boxes[0] == pytest.approx(boxes[1], abs=2)  # one over the other
    screenshot(page, "compare-wipe")
