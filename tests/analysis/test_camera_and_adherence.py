"""Camera motion measured on real encoded videos, and direction adherence scored from it.

The videos are real renders (the local model, H.264, decoded back), so these tests check the measurement
against motion that is known by construction, and the score against takes that do and do not follow.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.generation.local import corpus_cases as cc
from workbench.analysis import expected_from_directions, measure_camera, score_adherence
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import describe_directions, plan_camera_path, render_video
from workbench.generation.local.smoothness import read_luma_frames

SIZE, FPS, SECONDS = (320, 180), 8, 3.0


def render(tmp_path: Path, directions: str, name: str = "take") -> list[np.ndarray]:
    image, regions, _ = cc.slide()
    out = tmp_path / f"{name}.mp4"
    settings = VideoSettings(directions, "local-camera", SECONDS, Resolution(*SIZE), FPS, 0)
    render_video(image, out, settings, regions=regions, quality="draft")
    return read_luma_frames(out)


def test_a_known_pan_is_measured_where_the_path_put_it(tmp_path: Path) -> None:
    frames = render(tmp_path, "pan left")
    track = measure_camera(frames, cc.starting_image(), fps=FPS)
    assert track.measurable and track.registered_share == 1.0
    plan = describe_directions("pan left", cc.slide()[1])
    path = plan_camera_path(plan, (1920, 1080), SIZE, len(frames), FPS)
    for point in track.points:
        pose = path.poses[point.index]
        assert point.cx * 1920 == pytest.approx(pose.cx, abs=0.01 * pose.view_width)
        assert point.cy * 1080 == pytest.approx(pose.cy, abs=0.01 * pose.view_height)
        assert point.zoom == pytest.approx(pose.zoom, rel=0.02)
    assert track.points[-1].cx < track.points[0].cx - 0.1  # the camera went left


def test_a_still_shot_holds(tmp_path: Path) -> None:
    track = measure_camera(render(tmp_path, "static shot"), cc.starting_image(), fps=FPS)
    xs = [p.cx for p in track.points]
    assert max(xs) - min(xs) < 0.003
    expected, _ = expected_from_directions("static shot", cc.slide()[1])
    assert score_adherence(expected, track).score == 1.0


def test_a_black_clip_is_not_measurable(tmp_path: Path) -> None:
    out = tmp_path / "black.mp4"
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for _ in range(16):
            frame = av.VideoFrame.from_ndarray(np.zeros((SIZE[1], SIZE[0], 3), np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    track = measure_camera(read_luma_frames(out), cc.starting_image(), fps=FPS)
    assert not track.measurable
    expected, _ = expected_from_directions("pan left then zoom in", cc.slide()[1])
    adherence = score_adherence(expected, track)
    assert adherence.score is None and not adherence.measurable
    assert "not measurable" in {m.measured for m in adherence.moves}
    assert "located" in adherence.reason


def test_adherence_is_high_for_a_take_that_follows_and_low_for_one_that_does_not(tmp_path: Path) -> None:
    regions = cc.slide()[1]
    expected, _ = expected_from_directions("pan left then zoom in", regions)
    follows = measure_camera(render(tmp_path, "pan left then zoom in", "a"), cc.starting_image(), fps=FPS)
    reversed_order = measure_camera(
        render(tmp_path, "zoom in then pan left", "b"), cc.starting_image(), fps=FPS
    )
    zooms_out = measure_camera(render(tmp_path, "zoom out", "c"), cc.starting_image(), fps=FPS)
    good = score_adherence(expected, follows)
    assert good.score == 1.0, good.moves
    assert score_adherence(expected, zooms_out).score <= 0.5
    order = score_adherence(expected, reversed_order)
    assert order.score is not None and order.score < 1.0  # both moves happen, but in the wrong order
    evidence = {m.move.kind: m for m in good.moves}
    assert evidence["pan"].ok and "x -" in evidence["pan"].measured
    assert evidence["zoom"].start_s >= evidence["pan"].end_s - 1 / FPS  # in order


@pytest.mark.parametrize(("directions", "sign"), [("orbit right", 1), ("arc left", -1)])
def test_an_orbit_is_measured_as_a_keystone_turn(tmp_path: Path, directions: str, sign: int) -> None:
    track = measure_camera(render(tmp_path, directions), cc.starting_image(), fps=FPS)
    turn = track.points[-1].keystone - track.points[0].keystone
    assert turn * sign > 0.02
    expected, _ = expected_from_directions(directions, cc.slide()[1])
    assert score_adherence(expected, track).score == 1.0
