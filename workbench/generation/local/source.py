"""The starting image: file → RGB pixels → BT.709 Y/U/V planes, converted once per render.

Converting colour once and warping the three planes (rather than warping RGB and converting every frame) is
what keeps the per-frame cost low. Colours use BT.709 limited range, matching the tags the encoder writes, so
browsers show them unshifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workbench.errors import InvalidImageError, StartingImageMissingError
from workbench.store.images import decode_rgb

__all__ = ["SourcePlanes", "load_starting_image", "rgb_to_bt709_planes"]

# Studio-swing BT.709: Y in 16..235, Cb/Cr in 16..240 around 128. Rows: Y, Cb, Cr; last column: offset.
_BT709 = np.array(
    [
        [0.2126 * 219 / 255, 0.7152 * 219 / 255, 0.0722 * 219 / 255, 16.0],
        [-0.2126 / 1.8556 * 224 / 255, -0.7152 / 1.8556 * 224 / 255, 0.9278 / 1.8556 * 224 / 255, 128.0],
        [0.7874 / 1.5748 * 224 / 255, -0.7152 / 1.5748 * 224 / 255, -0.0722 / 1.5748 * 224 / 255, 128.0],
    ],
    dtype=np.float32,
)


def load_starting_image(path: str | Path) -> np.ndarray:
    """The image as an RGB uint8 array: a bounded working copy (EXIF rotation applied, transparency over
    white), at most ``WORKING_MAX_PIXELS`` however large the file, decoded in bounded memory.

    Anything missing, unreadable, corrupt or refused by the size limits (a decompression bomb) raises
    :class:`StartingImageMissingError` whose detail says why: to the user they all mean the same thing,
    replace the starting image. Decoding itself lives in :mod:`workbench.store.images`, shared with uploads.
    """
    path = Path(path)
    try:
        rgb = decode_rgb(path)
    except FileNotFoundError:
        raise StartingImageMissingError(detail=f"{path} does not exist") from None
    except InvalidImageError as exc:
        raise StartingImageMissingError(detail=f"{path}: {exc.message}") from None
    except OSError as exc:  # a folder, a permission problem
        raise StartingImageMissingError(detail=f"{path} cannot be read: {exc}") from None
    if rgb.ndim != 3 or rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise StartingImageMissingError(detail=f"{path} has no usable pixels ({rgb.shape})")
    return rgb


def rgb_to_bt709_planes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y at full resolution and Cb, Cr at half resolution (uint8, rounded once).

    Chroma is converted from an area-halved RGB image: the conversion is affine, so this equals halving
    full-resolution chroma, with half the fresh memory (page faults are a real cost at this size).
    """
    y = cv2.transform(rgb, _BT709[:1])
    half = cv2.resize(rgb, ((rgb.shape[1] + 1) // 2, (rgb.shape[0] + 1) // 2), interpolation=cv2.INTER_AREA)
    u, v = cv2.split(cv2.transform(half, _BT709[1:]))
    return y, u, v


@dataclass(frozen=True)
class SourcePlanes:
    """The source as a luma plane and half-resolution chroma planes, possibly a reduced (mip) level.

    ``image_size`` is the full-resolution size that camera poses are expressed in.
    """

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    image_size: tuple[int, int]

    @classmethod
    def from_rgb(cls, rgb: np.ndarray, mip_level: int = 0) -> SourcePlanes:
        """Convert once. ``mip_level`` k halves the image k times (area filter) before converting, for
        shots that stay far below the source's resolution, where bilinear sampling would alias."""
        height, width = rgb.shape[:2]
        level = rgb
        for _ in range(max(0, mip_level)):
            if min(level.shape[:2]) < 4:
                break
            size = ((level.shape[1] + 1) // 2, (level.shape[0] + 1) // 2)
            level = cv2.resize(level, size, interpolation=cv2.INTER_AREA)
        y, u, v = rgb_to_bt709_planes(level)
        return cls(y, u, v, (width, height))
