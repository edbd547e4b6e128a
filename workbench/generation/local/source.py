"""The starting image: file → RGB pixels → BT.709 Y/U/V planes, converted once per render.

Converting colour once and warping the three planes (rather than warping RGB and converting every frame) is
what keeps the per-frame cost low. Colours use BT.709 limited range, matching the tags the encoder writes, so
browsers show them unshifted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from workbench.errors import StartingImageMissingError

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
_EXIF_ORIENTATION = 0x0112


def load_starting_image(path: str | Path) -> np.ndarray:
    """The image as an RGB uint8 array (EXIF rotation applied, transparency over white).

    Anything missing, unreadable or corrupt raises :class:`StartingImageMissingError`: to the user they all
    mean the same thing, regenerate the starting image. Pixels are decoded by OpenCV (about twice as fast as
    Pillow for a 1080p PNG); Pillow reads the header first, which validates the file and gives the EXIF
    orientation, and decodes anything OpenCV cannot.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            orientation = _orientation(img)
            pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
            rgb = _from_opencv(pixels, orientation) if pixels is not None else None
            if rgb is None:
                rgb = _decode_with_pillow(img)
    except FileNotFoundError:
        raise StartingImageMissingError(detail=f"{path} does not exist") from None
    except (
        Exception
    ) as exc:  # corrupt files raise many kinds (OSError, SyntaxError, struct.error, cv2.error…)
        raise StartingImageMissingError(detail=f"{path} cannot be read: {exc}") from None
    if rgb.ndim != 3 or rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise StartingImageMissingError(detail=f"{path} has no usable pixels ({rgb.shape})")
    return rgb


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation, read from the header only (``getexif`` on a PNG decodes the whole image)."""
    if img.format != "PNG":
        return int(img.getexif().get(_EXIF_ORIENTATION, 1))
    exif = Image.Exif()
    if raw := img.info.get("exif"):
        exif.load(raw)
    return int(exif.get(_EXIF_ORIENTATION, 1))


def _from_opencv(pixels: np.ndarray, orientation: int) -> np.ndarray | None:
    """OpenCV's BGR(A)/grey, 8 or 16 bit → RGB uint8; ``None`` for layouts left to Pillow."""
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.dtype != np.uint8:
        return None
    if pixels.ndim == 2:
        rgb = cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    elif pixels.shape[2] == 3:
        rgb = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    elif pixels.shape[2] == 4:
        alpha = pixels[:, :, 3:4].astype(np.float32) / 255
        bgr = pixels[:, :, :3].astype(np.float32) * alpha + 255 * (1 - alpha)
        rgb = cv2.cvtColor(bgr.round().astype(np.uint8), cv2.COLOR_BGR2RGB)
    else:
        return None
    return np.ascontiguousarray(_orient(rgb, orientation))


def _orient(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) the way ``ImageOps.exif_transpose`` does."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a.transpose(1, 0, 2)[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(orientation)
    return op(rgb) if op else rgb


def _decode_with_pillow(img: Image.Image) -> np.ndarray:
    img.load()
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return np.ascontiguousarray(np.asarray(img.convert("RGB")))


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
