"""Rules for starting images by their size alone (no pixels, no I/O): what is accepted and the working copy.

The store reads an image's header and applies these before decoding anything; ``preflight`` applies
:func:`check_image_covers` to the stored size before a regeneration starts, so a slide far too small for the
chosen resolution is reported at once instead of after a blurry (or paid) render.
"""

from __future__ import annotations

import math

from workbench.domain import defaults
from workbench.domain.models import Resolution
from workbench.errors import InvalidImageError

__all__ = ["check_image_covers", "check_image_dimensions", "upscale_for", "working_size"]


def _mp(pixels: float) -> str:
    return f"{pixels / 1e6:.0f} MP" if pixels >= 10e6 else f"{pixels / 1e6:.1f} MP"


def check_image_dimensions(
    width: int, height: int, *, whole_decode: bool = False, min_side: int | None = None
) -> None:
    """Refuse an image with too few or too many pixels. ``whole_decode``: it cannot be decoded in parts
    (interlaced PNG, progressive JPEG), so it has the lower :data:`~defaults.WHOLE_DECODE_MAX_PIXELS` limit.
    ``min_side`` defaults to :data:`~defaults.MIN_IMAGE_SIDE`."""
    pixels = width * height
    side = defaults.MIN_IMAGE_SIDE if min_side is None else min_side
    if width < side or height < side:
        raise InvalidImageError(
            f"The image is {width}x{height} pixels; a starting image needs at least {side} pixels on each "
            "side. Use the slide or picture at its full size."
        )
    if pixels > defaults.MAX_IMAGE_PIXELS:
        raise InvalidImageError(
            f"The image is {width}x{height} pixels ({_mp(pixels)}); the limit is "
            f"{_mp(defaults.MAX_IMAGE_PIXELS)}. Scale it down (a video needs at most a few times its own "
            "resolution) and upload it again.",
        )
    if whole_decode and pixels > defaults.WHOLE_DECODE_MAX_PIXELS:
        raise InvalidImageError(
            f"The image is an interlaced or progressive file of {width}x{height} pixels ({_mp(pixels)}); such "
            f"files must be decoded whole, so their limit is {_mp(defaults.WHOLE_DECODE_MAX_PIXELS)}. Save it "
            "as a non-interlaced PNG or a baseline JPEG (or scale it down) and upload it again.",
        )


def upscale_for(width: int, height: int, resolution: Resolution) -> float:
    """Output pixels per image pixel when the image is scaled to cover the whole frame."""
    return max(resolution.width / width, resolution.height / height)


def check_image_covers(width: int, height: int, resolution: Resolution) -> None:
    """Refuse an image that a video of ``resolution`` would enlarge more than ``MAX_IMAGE_UPSCALE`` times."""
    factor = upscale_for(width, height, resolution)
    limit = defaults.MAX_IMAGE_UPSCALE
    if factor > limit:
        need_w = math.ceil(resolution.width / limit)
        need_h = math.ceil(resolution.height / limit)
        raise InvalidImageError(
            f"The starting image is {width}x{height} pixels; a {resolution} video would enlarge it "
            f"{factor:.1f}x (at most {limit:g}x is allowed). Use an image of at least {need_w}x{need_h} "
            "pixels, or choose a lower resolution.",
        )


def working_size(width: int, height: int, max_pixels: int | None = None) -> tuple[int, int]:
    """The size of the copy renders work from: ``width``x``height`` scaled down (aspect kept) to fit
    ``max_pixels`` (default :data:`~defaults.WORKING_MAX_PIXELS`); never scaled up."""
    limit = defaults.WORKING_MAX_PIXELS if max_pixels is None else max_pixels
    if width * height <= limit:
        return width, height
    scale = math.sqrt(limit / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
