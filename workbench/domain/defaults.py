"""Built-in defaults and limits: the last step of settings precedence, and the bounds every input must meet.

These are the constants a team may want to tune; the README documents each of them.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_DURATION_S",
    "DEFAULT_FPS",
    "DEFAULT_IMAGE_MODEL",
    "DEFAULT_RESOLUTION",
    "DEFAULT_SEED",
    "DEFAULT_VIDEO_MODEL",
    "MAX_DIRECTIONS_CHARS",
    "MAX_DURATION_S",
    "MAX_FPS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_UPSCALE",
    "MAX_PIXELS",
    "MAX_PROMPT_CHARS",
    "MAX_SEED",
    "MAX_SIDE",
    "MIN_DURATION_S",
    "MIN_FPS",
    "MIN_IMAGE_SIDE",
    "MIN_SIDE",
    "WHOLE_DECODE_MAX_PIXELS",
    "WORKING_MAX_PIXELS",
]

#: The embedded camera-path model: works with no GPU and no network.
DEFAULT_VIDEO_MODEL = "local-camera"
DEFAULT_DURATION_S = 5.0
DEFAULT_RESOLUTION = (1280, 720)
DEFAULT_FPS = 24
DEFAULT_SEED = 0

MIN_DURATION_S = 0.5
MAX_DURATION_S = 60.0
MIN_FPS = 1
MAX_FPS = 60
MIN_SIDE = 64
MAX_SIDE = 3840
MAX_PIXELS = 3840 * 2160
MAX_SEED = 2**31 - 1
MAX_DIRECTIONS_CHARS = 4000

# -- starting-image generation (see workbench/domain/image_settings.py) -------------------------------------

#: The embedded slide renderer: a title, bullets and named figure regions as a 16:9 slide, no GPU, no network.
DEFAULT_IMAGE_MODEL = "local-slide"
#: Longest image prompt accepted, in characters.
MAX_PROMPT_CHARS = 4000

# -- starting images (see workbench/store/images.py) -------------------------------------------------------

#: Largest upload accepted, in bytes.
MAX_IMAGE_BYTES = 50 * 1024 * 1024
#: Largest starting image accepted, in pixels (150 MP: a 12000x12000 scan fits). Anything larger is refused
#: before a single pixel is decoded, so a decompression bomb costs nothing.
MAX_IMAGE_PIXELS = 150_000_000
#: Interlaced PNGs and progressive JPEGs cannot be decoded a few rows at a time; they are accepted up to this.
WHOLE_DECODE_MAX_PIXELS = 24_000_000
#: Renders work from a copy of the starting image of at most this many pixels (24 MP, e.g. 6532x3674: a 1.7x
#: push-in at 4K, 5x at 720p), decoded in bounded memory: any accepted image renders in under 400 MB.
WORKING_MAX_PIXELS = 24_000_000
#: A starting image's shorter side, in pixels, at the least.
MIN_IMAGE_SIDE = 64
#: How much a video may enlarge its starting image (output pixels per image pixel when the image covers the
#: frame). A 320x180 image is refused for 1920x1080 (6x) with a message naming the size to use.
MAX_IMAGE_UPSCALE = 4.0
