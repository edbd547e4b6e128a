"""Image files for the hostile-input tests, made in milliseconds whatever their pixel count."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def zero_png(width: int, height: int) -> bytes:
    """A valid, fully decodable black RGB PNG of any size: a decompression bomb (16000x16000 is 768 MB of
    pixels in 0.75 MB of file).

    Deflate blocks that end in a full flush can be repeated, and the Adler-32 of n zero bytes is known in
    closed form, so the file is assembled from one compressed block instead of compressing every row.
    """
    row = width * 3 + 1  # filter byte 0, then black pixels: every byte is zero
    rows_per_block = max(1, (1 << 22) // row)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(b"\0" * (row * rows_per_block)) + raw.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = tail.compress(b"\0" * (row * (height % rows_per_block))) + tail.flush(zlib.Z_FINISH)
    n = row * height
    adler = ((n % 65521) << 16) | 1  # a = 1 + sum(bytes) = 1, b = n * a
    idat = b"\x78\xda" + block * (height // rows_per_block) + rest + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def three_bars(width: int = 300, height: int = 200) -> np.ndarray:
    """Red, green and white vertical bars: colours that survive any format and any scaling."""
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[:, : width // 3] = (200, 30, 40)
    rgb[:, width // 3 : 2 * width // 3] = (20, 180, 60)
    rgb[:, 2 * width // 3 :] = (250, 250, 250)
    return rgb


def textured(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth but detailed RGB image (so scaling methods agree closely)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (max(2, height // 16), max(2, width // 16), 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((width, height), Image.BICUBIC))
