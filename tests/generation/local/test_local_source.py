"""Loading the starting image: the fast OpenCV path and the Pillow fallback agree with Pillow's own reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from workbench.errors import StartingImageMissingError
from workbench.generation.local.source import SourcePlanes, load_starting_image, rgb_to_bt709_planes

RNG = np.random.default_rng(3)
PIXELS = RNG.integers(0, 255, (6, 10, 3), dtype=np.uint8)


def pillow_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(ImageOps.exif_transpose(img).convert("RGB"))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_exif_orientation(tmp_path: Path, orientation: int, suffix: str) -> None:
    path = tmp_path / f"o{orientation}{suffix}"
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(PIXELS).save(path, exif=exif, **({"quality": 95} if suffix == ".jpg" else {}))
    expected = pillow_rgb(path)
    got = load_starting_image(path)
    assert got.shape == expected.shape
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= (0 if suffix == ".png" else 3)


def test_transparency_is_composited_over_white(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[:2, :, :] = (255, 0, 0, 255)  # opaque red on top, fully transparent below
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    got = load_starting_image(path)
    assert (got[0, 0] == (255, 0, 0)).all()
    assert (got[3, 3] == (255, 255, 255)).all()


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "LA"])
def test_other_pixel_layouts(tmp_path: Path, mode: str) -> None:
    if mode == "I;16":
        img = Image.fromarray(PIXELS[:, :, 0].astype(np.uint16) * 257)
    else:
        img = Image.fromarray(PIXELS).convert(mode)
    path = tmp_path / "m.png"
    img.save(path)
    got = load_starting_image(path)
    assert got.dtype == np.uint8 and got.shape == (6, 10, 3)
    if mode in ("L", "P"):
        assert np.array_equal(got, pillow_rgb(path))
    if mode == "I;16":
        assert np.array_equal(got[:, :, 0], PIXELS[:, :, 0])


def test_formats_only_pillow_reads(tmp_path: Path) -> None:
    path = tmp_path / "slide.pcx"
    Image.fromarray(PIXELS).save(path)
    assert np.array_equal(load_starting_image(path), PIXELS)


def test_a_directory_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(StartingImageMissingError):
        load_starting_image(tmp_path)


def test_planes_are_bt709_and_halved_for_chroma() -> None:
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[...] = (255, 0, 0)
    y, u, v = rgb_to_bt709_planes(rgb)
    assert y.shape == (4, 6) and u.shape == v.shape == (2, 3)
    assert (int(y[0, 0]), int(u[0, 0]), int(v[0, 0])) == (63, 102, 240)
    planes = SourcePlanes.from_rgb(np.zeros((1080, 1920, 3), np.uint8), mip_level=2)
    assert planes.y.shape == (270, 480) and planes.u.shape == (135, 240)
    assert planes.image_size == (1920, 1080)
