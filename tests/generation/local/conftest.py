"""Fixtures for the local camera model: textured slide images and output folders in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from local_video_checks import textured_slide


@pytest.fixture
def slide_png(tmp_path: Path) -> Callable[..., Path]:
    """Write a textured slide PNG of the given size and return its path."""

    def make(width: int = 960, height: int = 540, seed: int = 1, name: str = "slide.png") -> Path:
        path = tmp_path / "images" / name
        path.parent.mkdir(exist_ok=True)
        textured_slide(width, height, seed).save(path)
        return path

    return make


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path
