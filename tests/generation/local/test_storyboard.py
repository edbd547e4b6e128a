"""The storyboard: the plan drawn on the starting image, where the renderer will put the first and last view."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.generation.local import corpus_cases as cc
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import LocalCameraBackend, describe_directions, plan_camera_path
from workbench.generation.local.storyboard import STORYBOARD_WIDTH

GREEN, RED = np.array((46, 160, 67)), np.array((214, 48, 49))


def _near(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    return np.abs(pixels.astype(int) - colour).sum(axis=2) < 40


def test_start_and_end_views_are_drawn_where_the_path_puts_them() -> None:
    image, regions, _ = cc.slide()
    settings = VideoSettings(
        "pan from the bullets to the diagram", "local-camera", 5, Resolution(1280, 720), 24, 0
    )
    png = LocalCameraBackend().storyboard(settings, image, regions)
    board = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert board.shape[1] == STORYBOARD_WIDTH
    path = plan_camera_path(
        describe_directions(settings.movie_directions, regions), (1920, 1080), (1280, 720), 48, 12
    )
    scale = STORYBOARD_WIDTH / 1920
    for pose, colour in ((path.poses[0], GREEN), (path.poses[-1], RED)):
        mask = _near(board, colour)
        left = round((pose.cx - pose.view_width / 2) * scale)
        right = round((pose.cx + pose.view_width / 2) * scale)
        row = round(pose.cy * scale)
        # the rectangle's left and right edges cross the view's middle row
        assert mask[row, max(left - 2, 0) : left + 3].any(), (left, row)
        assert mask[row, right - 3 : right + 2].any(), (right, row)
    # the start is left of the end: the board shows the pan's direction
    green_x = np.nonzero(_near(board, GREEN))[1].mean()
    red_x = np.nonzero(_near(board, RED))[1].mean()
    assert green_x < red_x
