"""Starting images: judged by their header before a pixel is decoded, then decoded in bounded memory.

A hostile or merely huge file must cost nothing to refuse and little to use:

- :func:`read_header` reads the size and layout only (Pillow's header parsers) and applies the limits of
  :mod:`workbench.domain.images`, so a decompression bomb is refused with a clear message, never decoded;
- :func:`decode_rgb` returns an 8-bit RGB working copy of at most ``WORKING_MAX_PIXELS`` (EXIF rotation
  applied, transparency over white, palette / grey / 16-bit / CMYK converted). Images above that size are
  baseline JPEGs or non-interlaced PNGs (the header check refuses other large files), which libvips decodes a
  few rows at a time while shrinking, so peak memory is about the size of the working copy, not the file's;
- :func:`prepare_upload` turns uploaded bytes into the file the store keeps: the upload itself when it is a
  plain PNG/JPEG of working size, else the working copy as PNG.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from workbench.domain import defaults
from workbench.domain.images import check_image_dimensions, working_size
from workbench.errors import InvalidImageError

__all__ = ["ImageHeader", "PreparedImage", "decode_rgb", "prepare_upload", "read_header"]

_EXIF_ORIENTATION = 0x0112
#: Formats libvips can decode progressively while shrinking (the others are decoded whole).
_STREAMABLE = frozenset({"PNG", "JPEG", "MPO"})
_UNREADABLE = "The file is not an image the workbench can read. Upload a PNG or JPEG (WebP, TIFF, GIF and BMP work too)."

Source = bytes | str | Path


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header says. ``width``/``height`` are as displayed (after EXIF rotation)."""

    format: str
    width: int
    height: int
    mode: str
    orientation: int
    #: Cannot be decoded a few rows at a time (interlaced PNG, progressive JPEG, other formats).
    whole_decode: bool

    @property
    def pixels(self) -> int:
        return self.width * self.height


def _open(source: Source) -> Image.Image:
    """Open lazily (header only), without Pillow's own bomb warning: :func:`read_header` has the real check."""
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(fp)


def _bomb(exc: Image.DecompressionBombError) -> InvalidImageError:
    match = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(match[1]) / 1e6:.0f} MP" if match else "far more pixels than allowed"
    return InvalidImageError(
        f"The image has {size}; the limit is {defaults.MAX_IMAGE_PIXELS / 1e6:.0f} MP. Scale it down and "
        "upload it again (a video needs at most a few times its own resolution).",
        detail="refused before decoding (decompression-bomb guard)",
    )


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation, read from the header only (``getexif`` on a PNG decodes the whole image)."""
    try:
        if img.format != "PNG":
            value = img.getexif().get(_EXIF_ORIENTATION, 1)
        else:
            exif = Image.Exif()
            if raw := img.info.get("exif"):
                exif.load(raw)
            value = exif.get(_EXIF_ORIENTATION, 1)
        return int(value) if 1 <= int(value) <= 8 else 1
    except Exception:  # a malformed EXIF block: show the image as stored
        return 1


def _header_of(img: Image.Image) -> ImageHeader:
    fmt = img.format or ""
    orientation = _orientation(img)
    width, height = img.size
    if orientation >= 5:
        width, height = height, width
    progressive = bool(img.info.get("progressive") or img.info.get("progression"))
    interlaced = bool(img.info.get("interlace"))
    whole = fmt not in _STREAMABLE or progressive or interlaced or getattr(img, "n_frames", 1) > 1
    return ImageHeader(fmt, width, height, img.mode, orientation, whole)


def read_header(source: Source, *, min_side: int | None = None) -> ImageHeader:
    """The image's header, refused with :class:`InvalidImageError` if unreadable, too small or too large.

    ``min_side`` defaults to ``MIN_IMAGE_SIDE`` (uploads); loading for a render passes 1, as a stored image
    was judged when it was uploaded and the render needs only a pixel or two.
    """
    try:
        with _open(source) as img:
            header = _header_of(img)
    except Image.DecompressionBombError as exc:
        raise _bomb(exc) from None
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImageError(_UNREADABLE, detail=str(exc)[:200]) from None
    check_image_dimensions(header.width, header.height, whole_decode=header.whole_decode, min_side=min_side)
    return header


# -- decoding ----------------------------------------------------------------------------------------------


def decode_rgb(
    source: Source, *, strict: bool = False, max_pixels: int | None = None, min_side: int = 1
) -> np.ndarray:
    """The image as an RGB uint8 array of at most ``max_pixels`` (default ``WORKING_MAX_PIXELS``).

    ``strict`` (uploads) refuses a truncated file; otherwise (renders) the fastest decoder that reads it
    wins: OpenCV (about twice as fast as Pillow on a 1080p PNG), Pillow for what OpenCV cannot read.
    Raises :class:`InvalidImageError` (or ``FileNotFoundError``).
    """
    header = read_header(source, min_side=min_side)
    limit = defaults.WORKING_MAX_PIXELS if max_pixels is None else max_pixels
    target = working_size(header.width, header.height, limit)
    try:
        if target != (header.width, header.height) or header.mode == "CMYK":
            # CMYK always goes through libvips (colour-managed, like print software shows it), so an image's
            # colours do not depend on whether it was large enough to be shrunk
            return _decode_shrunk(source, target)
        rgb = None if strict else _decode_with_opencv(source, header.orientation)
        return rgb if rgb is not None else _decode_with_pillow(source)
    except InvalidImageError:
        raise
    except FileNotFoundError:
        raise
    except (
        Exception
    ) as exc:  # corrupt files raise many kinds (OSError, SyntaxError, struct.error, cv2.error…)
        raise InvalidImageError(_UNREADABLE, detail=f"{type(exc).__name__}: {exc}"[:300]) from None


def _decode_with_opencv(source: Source, orientation: int) -> np.ndarray | None:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        return None
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


def _decode_with_pillow(source: Source) -> np.ndarray:
    with _open(source) as opened:
        opened.load()
        img = ImageOps.exif_transpose(opened)
        if img.mode == "I;16" or img.mode.startswith("I;16"):
            img = Image.fromarray((np.asarray(img, dtype=np.uint16) >> 8).astype(np.uint8), "L")
        elif img.mode in ("I", "F"):
            img = img.convert("L")
        if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
            rgba = img.convert("RGBA")
            img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        return np.ascontiguousarray(np.asarray(img.convert("RGB")))


def _decode_shrunk(source: Source, size: tuple[int, int]) -> np.ndarray:
    """Decode while shrinking to fit ``size``, a few rows at a time (libvips), for big PNGs and JPEGs."""
    import pyvips  # only large images need it; keeps plain imports light

    pyvips.cache_set_max(0)  # a render decodes each image once: caching would only hold memory
    width, height = size
    options = {"height": height, "size": "down", "option_string": "fail_on=truncated"}
    if isinstance(source, bytes):
        image = pyvips.Image.thumbnail_buffer(source, width, **options)
    else:  # a Source, not a file name: no "[options]" parsing of the path
        image = pyvips.Image.thumbnail_source(pyvips.Source.new_from_file(str(source)), width, **options)
    if image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
        image = image.colourspace("srgb")  # 16-bit, CMYK, Lab… → 8-bit sRGB
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.bands == 1:
        image = image.bandjoin([image, image])
    image = image.cast("uchar")
    rgb = np.ndarray(
        buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands)
    )
    return rgb[:, :, :3] if rgb.shape[2] > 3 else rgb


# -- uploads -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedImage:
    """The bytes the store keeps for an upload, their file extension and the stored size."""

    data: bytes
    extension: str
    width: int
    height: int
    converted: bool


def prepare_upload(data: bytes) -> PreparedImage:
    """Validate uploaded bytes and choose what to store (see the module docstring)."""
    if len(data) > defaults.MAX_IMAGE_BYTES:
        raise InvalidImageError(
            f"The image is {len(data) / 2**20:.0f} MB; use one under {defaults.MAX_IMAGE_BYTES // 2**20} MB."
        )
    header = read_header(data)
    rgb = decode_rgb(
        data, strict=True, min_side=defaults.MIN_IMAGE_SIDE
    )  # decodes everything once: a truncated or corrupt file fails here
    height, width = rgb.shape[:2]
    plain = (
        header.format in ("PNG", "JPEG")
        and header.mode in ("RGB", "L")
        and header.orientation == 1
        and (width, height) == (header.width, header.height)
    )
    if plain:
        return PreparedImage(data, "png" if header.format == "PNG" else "jpg", width, height, False)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=6)
    return PreparedImage(buffer.getvalue(), "png", width, height, True)
