"""Motion truth: what the local model renders, measured on the video, is what its plan says.

Each video is registered frame by frame against its starting image (:mod:`workbench.analysis`); the measured
camera is compared with the planned path step by step: the same direction and amount, ending on its target,
no stall mid-move and no reversal. Picture effects are measured on the pixels against the starting image.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.generation.local import corpus_cases as cc
from workbench.analysis import expected_from_plan, measure_camera, score_adherence
from workbench.analysis.picture import region_stats
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import describe_directions, known_words, plan_camera_path, render_video
from workbench.generation.local.camera import VISIBLE_SHIFT, VISIBLE_ZOOM
from workbench.generation.local.frames import new_i420_buffer, warp_frame
from workbench.generation.local.plan import MoveKind
from workbench.generation.local.smoothness import read_luma_frames
from workbench.generation.local.source import SourcePlanes, load_starting_image
from workbench.generation.local.text_lines import find_text_lines

SIZE, FPS, SECONDS = (320, 180), 8, 4.0
TRUTH = [
    "pan left, then zoom in on the diagram",
    "Camera pans left across the diagram, then holds.",
    "tilt up to the top of the slide",
    "pan from the title to the diagram",
    "The camera drifts right and settles on the diagram.",
    "Slowly pan across the slide",
    "truck right slowly while zooming in slightly",
    "The camera tilts up, revealing the title",
    "zoom out to reveal the whole slide",
    "push in, pan left",
    "Ken Burns on the diagram",
    "roll clockwise 10 degrees then pull back",
]


def _render(tmp_path: Path, directions: str):
    image, regions, grey = cc.slide()
    out = tmp_path / "take.mp4"
    settings = VideoSettings(directions, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)
    report = render_video(image, out, settings, regions=regions, quality="draft")
    frames = read_luma_frames(out)
    plan = describe_directions(directions, regions, seed=0)
    path = plan_camera_path(plan, (1920, 1080), SIZE, len(frames), FPS)
    return report, frames, plan, path, grey


@pytest.mark.parametrize("directions", TRUTH)
def test_the_video_moves_as_planned(tmp_path: Path, directions: str) -> None:
    report, frames, plan, path, grey = _render(tmp_path, directions)
    track = measure_camera(frames, cc.starting_image(), fps=FPS)
    assert track.registered_share == 1.0
    points = {p.index: p for p in track.points}
    # every frame where the path put it (1.5 % of the view: registration at 320 px)
    for index, pose in enumerate(path.poses):
        p = points[index]
        assert p.cx * 1920 == pytest.approx(pose.cx, abs=0.015 * pose.view_width), index
        assert p.cy * 1080 == pytest.approx(pose.cy, abs=0.015 * pose.view_height), index
        assert math.log(p.zoom / pose.zoom) == pytest.approx(0, abs=0.02), index
    for span in path.spans:
        moves = [m for m in span.step.moves if m.kind is not MoveKind.STATIC]
        if not moves or span.last - span.first < 3:
            continue
        a, b = points[span.first], points[span.last]
        # visible: the step moves the view at least the planner's promise
        shift = math.hypot((b.cx - a.cx) / b.view_w, (b.cy - a.cy) / b.view_h)
        turn = abs(math.log(b.zoom / a.zoom))
        roll = abs(b.angle_deg - a.angle_deg)
        assert shift >= VISIBLE_SHIFT * 0.9 or turn >= math.log(VISIBLE_ZOOM) * 0.9 or roll >= 0.9, span
        # no reversal and no stall mid-move: progress along the step's own motion only grows
        ends = np.array(
            [b.cx - a.cx, b.cy - a.cy, math.log(b.zoom / a.zoom), (b.angle_deg - a.angle_deg) / 100]
        )
        progress = []
        for i in range(span.first, span.last + 1):
            q = points[i]
            vector = np.array(
                [q.cx - a.cx, q.cy - a.cy, math.log(q.zoom / a.zoom), (q.angle_deg - a.angle_deg) / 100]
            )
            progress.append(float(vector @ ends / (ends @ ends)))
        steps = np.diff(progress)
        assert steps.min() > -0.03, ("reversal", span, progress)
        middle = steps[len(steps) // 4 : len(steps) - len(steps) // 4]
        assert middle.min() > 0.005, ("stall", span, progress)
    # and, scored as any model's take would be: every move of the plan seen, in order
    adherence = score_adherence(expected_from_plan(plan), track, frames=frames, image=grey)
    assert adherence.score == 1.0, (report.summary, adherence.failed)


def test_text_lines_of_the_demo_slide() -> None:
    _image, regions, grey = cc.slide()
    lines = find_text_lines(np.dstack([grey] * 3), regions["bullets"])
    assert len(lines) == 4
    tops = [line[1] for line in lines]
    assert tops == sorted(tops)
    assert all(abs(line[3] - lines[0][3]) < 0.02 for line in lines)  # four lines of one text size


def _stats(tmp_path: Path, directions: str, box_name: str, index: int):
    _, frames, _, _, grey = _render(tmp_path, directions)
    track = measure_camera(frames, cc.starting_image(), fps=FPS)
    point = {p.index: p for p in track.points}[index if index >= 0 else len(frames) + index]
    return region_stats(frames[point.index], grey, point, cc.slide()[1][box_name])


def test_rack_focus_ends_sharp_on_its_region_and_soft_elsewhere(tmp_path: Path) -> None:
    end = _stats(tmp_path, "rack focus from the title to the diagram", "diagram", -1)
    start = _stats(tmp_path, "rack focus from the title to the diagram", "diagram", 0)
    assert end.sharp_in > 1.5 * end.sharp_out
    assert start.sharp_in < 0.6 * end.sharp_in


def test_spotlight_dims_the_rest(tmp_path: Path) -> None:
    end = _stats(tmp_path, "spotlight the diagram", "diagram", -1)
    assert end.light_in > 0.9 and end.light_out < 0.5


def test_reveal_hides_then_shows(tmp_path: Path) -> None:
    assert _stats(tmp_path, "reveal the diagram", "diagram", 0).match < 0.2
    assert _stats(tmp_path, "reveal the diagram", "diagram", -1).match > 0.5


def test_whip_pan_blurs_while_it_moves(tmp_path: Path) -> None:
    _, frames, _, path, _ = _render(tmp_path, "whip pan left")
    whip = [i for i, p in enumerate(path.poses) if p.blur]
    assert whip and len(whip) < len(path.poses)  # a quick move, held before and after
    middle = whip[len(whip) // 2]
    # the same pose drawn without the shutter's smear: the rendered frame has far less fine detail
    image = load_starting_image(cc.slide()[0])
    source = SourcePlanes.from_rgb(image, path.mip_level)
    sharp = warp_frame(source, replace(path.poses[middle], blur=False), new_i420_buffer(*SIZE))[: SIZE[1]]

    def detail(y: np.ndarray) -> float:
        return float(np.abs(np.diff(y.astype(np.float32), axis=1)).mean())

    assert detail(frames[middle]) < 0.75 * detail(sharp)


def test_handheld_shakes_without_going_anywhere(tmp_path: Path) -> None:
    _, frames, _, _, _ = _render(tmp_path, "handheld")
    track = measure_camera(frames, cc.starting_image(), fps=FPS)
    xs = np.array([p.cx / p.view_w for p in track.points])
    assert np.sqrt(np.mean(np.diff(xs, 2) ** 2)) > 0.001  # it shakes
    assert abs(xs[-1] - xs[0]) < 0.03  # but stays put


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*sorted(known_words()), ",", ".", "then", "2s", "20%"]), max_size=14))
@example(["around", "contra", "handheld", "left"])  # the shake once ate a 4% truck at its end frames
def test_a_moving_plan_never_renders_still_without_a_warning(words: list[str]) -> None:
    """Planner invariant (fuzzed): each step that moves moves visibly, or the path says why not."""
    regions = cc.slide()[1]
    plan = describe_directions(" ".join(words), regions, seed=3)
    path = plan_camera_path(plan, (1920, 1080), (320, 180), 48, 12)
    warned = bool(path.warnings) or any(not w.startswith("not understood") for w in plan.warnings)
    for span in path.spans:
        moving = [m for m in span.step.moves if m.kind is not MoveKind.STATIC]
        if not moving or warned:
            continue
        a, b = path.poses[span.first], path.poses[span.last]
        shift = math.hypot((b.cx - a.cx) / b.view_width, (b.cy - a.cy) / b.view_height)
        changed = (
            shift >= VISIBLE_SHIFT * 0.99
            or abs(math.log(b.zoom / a.zoom)) >= math.log(VISIBLE_ZOOM) * 0.99
            or abs(b.angle_deg - a.angle_deg) >= 0.99
            or abs(b.yaw_deg - a.yaw_deg) >= 2.9
        )
        assert changed, (" ".join(words), span.step.describe())
