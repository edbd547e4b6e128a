"""Rendered motion follows the planned camera path without jitter (sub-pixel warping, no rounded crops).

Motion between consecutive frames is measured by ECC registration at four probe points
(:mod:`workbench.generation.local.smoothness`) and compared with the plan. ``phaseCorrelate`` is not used:
on perfectly warped frames it was off by up to 0.13 px (it locks towards whole pixels), more than the jitter
it should detect. The last test renders the same shots through an integer-rounded crop and checks that these
thresholds reject it, so they cannot quietly become too loose to notice jitter.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from local_video_checks import make_settings, smooth_texture

from workbench.generation.local import CameraPath, describe_directions, plan_camera_path, render_video
from workbench.generation.local import render as render_module
from workbench.generation.local.frames import new_i420_buffer, warp_frame
from workbench.generation.local.smoothness import (
    MotionStats,
    frame_motions,
    measure_motion,
    planned_motions,
    read_luma_frames,
)
from workbench.generation.local.source import SourcePlanes, load_starting_image

SIZE = (640, 360)
IMAGE = (1920, 1080)
FRAMES = 48
PAN = "pan right"
ZOOM = "zoom in"


@pytest.fixture(scope="module")
def texture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("texture") / "texture.png"
    smooth_texture(*IMAGE).save(path)
    return path


def planned(directions: str) -> CameraPath:
    return plan_camera_path(describe_directions(directions), IMAGE, SIZE, FRAMES, 24)


def stats_of(frames: list[np.ndarray], path: CameraPath) -> MotionStats:
    return measure_motion(frame_motions(frames), planned_motions(path.poses, *SIZE), *SIZE)


def render_and_measure(image: Path, out: Path, directions: str) -> MotionStats:
    settings = make_settings(directions, duration_s=FRAMES / 24, size=SIZE)
    video = render_video(image, out, settings, quality="high").path
    frames = read_luma_frames(video)
    assert len(frames) == FRAMES
    return stats_of(frames, planned(directions))


@pytest.mark.parametrize("directions", [PAN, ZOOM])
def test_warped_frames_follow_the_plan_exactly(texture: Path, directions: str) -> None:
    """Before encoding: the renderer's own accuracy."""
    path = planned(directions)
    source = SourcePlanes.from_rgb(load_starting_image(texture), path.mip_level)
    frames = [warp_frame(source, pose, new_i420_buffer(*SIZE))[: SIZE[1]].copy() for pose in path.poses]
    stats = stats_of(frames, path)
    assert stats.excess_accel < 0.03  # px/frame²
    assert stats.velocity_error < 0.03
    assert stats.reversals == 0


def test_pan_video_follows_the_plan_without_jitter(texture: Path, tmp_path: Path) -> None:
    stats = render_and_measure(texture, tmp_path / "pan.mp4", PAN)
    # x264 codes a pure pan with quarter-pixel motion vectors, which adds a little of its own.
    assert stats.excess_accel < 0.1
    assert stats.velocity_error < 0.06
    assert stats.max_path_error < 0.3
    assert stats.reversals == 0


def test_zoom_video_follows_the_plan_without_jitter(texture: Path, tmp_path: Path) -> None:
    stats = render_and_measure(texture, tmp_path / "zoom.mp4", ZOOM)
    assert stats.excess_accel < 0.06
    assert stats.velocity_error < 0.04
    assert stats.max_path_error < 0.5
    assert stats.reversals == 0


def _integer_crops(path: CameraPath) -> CameraPath:
    """The same path as crops with whole-pixel origin and size: the classic jittery Ken Burns."""
    aspect = path.poses[0].view_height / path.poses[0].view_width
    poses = []
    for p in path.poses:
        width = round(p.view_width)
        x0, y0 = round(p.cx - p.view_width / 2), round(p.cy - p.view_height / 2)
        height = width * aspect
        poses.append(
            dataclasses.replace(
                p, cx=x0 + width / 2, cy=y0 + height / 2, view_width=width, view_height=height
            )
        )
    return dataclasses.replace(path, poses=tuple(poses))


def test_the_checks_reject_an_integer_rounded_crop(
    texture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = render_module.plan_camera_path
    monkeypatch.setattr(render_module, "plan_camera_path", lambda *a, **k: _integer_crops(original(*a, **k)))
    pan = render_and_measure(texture, tmp_path / "pan.mp4", PAN)
    zoom = render_and_measure(texture, tmp_path / "zoom.mp4", ZOOM)
    assert pan.excess_accel > 0.15
    assert zoom.excess_accel > 0.15
    assert pan.reversals + zoom.reversals > 0
