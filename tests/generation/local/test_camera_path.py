"""Camera plan → per-frame poses: the view stays inside the image, follows the plan, and is crop-to-fill."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.generation.local import CameraPath, describe_directions, known_words, plan_camera_path
from workbench.generation.local.frames import _plane_matrix
from workbench.generation.local.source import SourcePlanes

REGIONS = {"diagram": (0.53, 0.21, 0.43, 0.71), "title": (0.0, 0.0, 1.0, 0.16)}
EXTREME = [
    "zoom out fast",
    "zoom out very fast then zoom out very fast",
    "pan far left",
    "pan left very fast then pan left very fast then pan left very fast",
    "tilt up all the way then tilt down all the way",
    "roll clockwise 45 degrees",
    "zoom out fast and roll counterclockwise fast",
    "zoom into the top-left corner quickly then pan left fast",
    "zoom out fast from the bottom-right corner",
    "zoom in 8x on the title then roll clockwise",
    "truck right very fast and crane down very fast and zoom out fast",
]
ASPECTS = [
    ((1920, 1080), (320, 180)),
    ((800, 600), (320, 180)),
    ((600, 800), (180, 320)),
    ((1000, 1000), (320, 180)),
]


def path_for(text: str, image=(1920, 1080), out=(320, 180), frames=48, fps=24, seed=0) -> CameraPath:
    return plan_camera_path(describe_directions(text, REGIONS, seed=seed), image, out, frames, fps)


def assert_inside(path: CameraPath) -> None:
    width, height = path.image_size
    for i, pose in enumerate(path.poses):
        corners = pose.corners()
        assert corners.min() >= -1e-6, (i, corners)
        assert corners[:, 0].max() <= width + 1e-6, (i, corners)
        assert corners[:, 1].max() <= height + 1e-6, (i, corners)


@pytest.mark.parametrize("text", EXTREME)
@pytest.mark.parametrize(("image", "out"), ASPECTS)
def test_extreme_moves_never_leave_the_image(text: str, image: tuple[int, int], out: tuple[int, int]) -> None:
    path = path_for(text, image, out)
    assert_inside(path)
    # The pixel centres warpAffine samples are inside too (at most half a pixel into the replicated rim).
    w, h = out
    for pose in path.poses:
        m = _plane_matrix(pose.output_to_source(w, h), image, (image[1], image[0]), 1.0, (0.5, 0.5))
        pts = np.array([(0, 0, 1), (w - 1, 0, 1), (0, h - 1, 1), (w - 1, h - 1, 1)], dtype=float) @ m.T
        assert pts.min() >= -0.5 - 1e-6
        assert pts[:, 0].max() <= image[0] - 0.5 + 1e-6 and pts[:, 1].max() <= image[1] - 0.5 + 1e-6


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(known_words())), max_size=15),
    st.sampled_from(ASPECTS),
    st.integers(min_value=1, max_value=60),
)
def test_any_directions_stay_inside(words: list[str], aspect, frames: int) -> None:
    image, out = aspect
    path = path_for(" ".join(words), image, out, frames)
    assert len(path.poses) == frames
    assert_inside(path)


def test_static_shot_is_crop_to_fill() -> None:
    path = path_for("static", image=(800, 600), out=(320, 180))
    first = path.poses[0]
    assert all(p == first for p in path.poses)
    # A 4:3 image in a 16:9 frame: the full width, cropped top and bottom, centred.
    assert first.view_width == pytest.approx(800)
    assert first.view_height == pytest.approx(450)
    assert (first.cx, first.cy) == pytest.approx((400, 300))


def test_zoom_in_follows_the_plan_with_eased_ends() -> None:
    path = path_for("zoom in", frames=49)
    zooms = np.array([p.zoom for p in path.poses])
    assert zooms[0] == pytest.approx(1.0)
    assert zooms[-1] == pytest.approx(1.3)
    assert np.all(np.diff(zooms) > 0)
    steps = np.diff(np.log(zooms))
    assert steps[0] < steps[24] / 10 and steps[-1] < steps[24] / 10  # smoothstep: slow at both ends
    assert {(p.cx, p.cy) for p in path.poses} == {(960.0, 540.0)}


def test_linear_pan_moves_at_constant_speed() -> None:
    path = path_for("pan right linear", frames=25)
    xs = np.array([p.cx for p in path.poses])
    assert np.allclose(np.diff(xs), np.diff(xs)[0])
    assert xs[-1] - xs[0] == pytest.approx(0.15 * 1920)
    assert (xs[0] + xs[-1]) / 2 == pytest.approx(960)  # centred, so both ends have room


def test_zoom_on_a_region_frames_it() -> None:
    path = path_for("push in on the diagram")
    last = path.poses[-1]
    x, y, w, h = REGIONS["diagram"]
    left, right = last.cx - last.view_width / 2, last.cx + last.view_width / 2
    top, bottom = last.cy - last.view_height / 2, last.cy + last.view_height / 2
    assert left <= x * 1920 and right >= (x + w) * 1920 - 1e-6
    assert top <= y * 1080 and bottom >= (y + h) * 1080
    assert last.zoom > 1.25


def test_steps_share_time_and_holds_hold() -> None:
    path = path_for("hold for 1 second then zoom in", frames=48)
    first_second = path.poses[:24]
    assert all(p == first_second[0] for p in first_second)
    assert path.poses[-1].zoom == pytest.approx(1.3)


def test_fades() -> None:
    path = path_for("fade in then pan left then fade out", frames=48)
    opacity = [p.opacity for p in path.poses]
    assert opacity[0] == 0 and opacity[-1] == 0
    assert opacity[24] == 1
    assert opacity[:12] == sorted(opacity[:12])


def test_same_plan_same_path_and_seed_varies_vague_ones() -> None:
    assert path_for("pan left then zoom in", seed=3) == path_for("pan left then zoom in", seed=3)
    assert path_for("pan left then zoom in", seed=3) == path_for("pan left then zoom in", seed=4)
    assert len({path_for("something", seed=s).poses[-1].cx for s in range(8)}) > 1


def test_mip_level_for_big_sources() -> None:
    assert path_for("zoom in", image=(1920, 1080), out=(1280, 720)).mip_level == 0
    path = path_for("zoom in", image=(4000, 2250), out=(320, 180))
    assert path.max_scale * 2**path.mip_level >= 0.5
    assert path.max_scale * 2 ** (path.mip_level + 1) > 1 - 1e-9 or path.mip_level == 0
    source = SourcePlanes.from_rgb(np.zeros((2250, 4000, 3), np.uint8), path.mip_level)
    assert source.y.shape == (math.ceil(2250 / 2**path.mip_level), math.ceil(4000 / 2**path.mip_level))
    assert source.image_size == (4000, 2250)
