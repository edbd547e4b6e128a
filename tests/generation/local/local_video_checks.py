"""Helpers shared by the local-camera tests: synthetic textured slides, settings, and MP4 inspection."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from workbench.domain.models import Resolution, VideoSettings


def textured_slide(width: int = 960, height: int = 540, seed: int = 1) -> Image.Image:
    """A slide-like image with texture everywhere (blurred noise, a grid, shapes), so motion is measurable.

    Its values stay well away from black, so any black pixel in a rendered frame came from outside it.
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (height, width)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 2.0)
    noise = (noise - noise.min()) / (noise.max() - noise.min())
    base = np.stack([140 + 90 * noise, 150 + 80 * noise[::-1], 120 + 100 * noise[:, ::-1]], axis=-1)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 37):
        draw.line((x, 0, x, height), fill=(90, 90, 110), width=1)
    for y in range(0, height, 29):
        draw.line((0, y, width, y), fill=(90, 110, 90), width=1)
    draw.rectangle((width * 0.55, height * 0.25, width * 0.95, height * 0.9), outline=(60, 60, 160), width=3)
    draw.ellipse((width * 0.1, height * 0.3, width * 0.35, height * 0.7), outline=(160, 60, 60), width=3)
    return img


def make_settings(
    directions: str = "slow push in",
    *,
    duration_s: float = 1.0,
    size: tuple[int, int] = (320, 180),
    fps: int = 24,
    seed: int = 0,
) -> VideoSettings:
    return VideoSettings(directions, "local-camera", duration_s, Resolution(*size), fps, seed)


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    pix_fmt: str
    width: int
    height: int
    average_rate: Fraction
    base_rate: Fraction
    frames: int
    pts_steps: frozenset[int]
    time_base: Fraction
    color_primaries: int
    color_trc: int
    colorspace: int
    color_range: int
    profile: str


def probe(path: Path) -> VideoInfo:
    """Decode every frame with PyAV and report what a browser would care about."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        pts = [frame.pts for frame in container.decode(stream)]
        return VideoInfo(
            codec=ctx.name,
            pix_fmt=ctx.pix_fmt,
            width=ctx.width,
            height=ctx.height,
            average_rate=stream.average_rate,
            base_rate=stream.base_rate,
            frames=len(pts),
            pts_steps=frozenset(np.diff(sorted(pts)).tolist()),
            time_base=stream.time_base,
            color_primaries=ctx.color_primaries,
            color_trc=ctx.color_trc,
            colorspace=ctx.colorspace,
            color_range=ctx.color_range,
            profile=ctx.profile or "",
        )


def top_level_boxes(path: Path) -> list[str]:
    """The MP4 file's top-level box types in order (ftyp, moov, mdat, …)."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind.decode("latin-1"))
        offset += size
    return boxes


def decoded_planes(path: Path) -> list[np.ndarray]:
    """Every decoded frame as its raw I420 array."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray() for frame in container.decode(container.streams.video[0])]


def decoded_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(container.streams.video[0])]


def smooth_texture(width: int = 1920, height: int = 1080, seed: int = 1) -> Image.Image:
    """Band-limited, high-contrast texture: motion estimators are exact on it.

    Sharp lines (as on ``textured_slide``) alias when minified, and aliased detail shimmers as it moves,
    which motion estimators read as jitter even on perfectly warped frames.
    """
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 3.0)
    noise /= noise.std()
    rgb = np.stack([128 + 45 * noise, 128 + 45 * noise[::-1], 128 + 45 * noise[:, ::-1]], axis=-1)
    return Image.fromarray(rgb.clip(20, 235).astype(np.uint8))


def files_in(folder: Path) -> list[str]:
    """Names in ``folder``, sorted (a sync helper, so async tests need not touch the file system)."""
    return sorted(p.name for p in folder.iterdir())
