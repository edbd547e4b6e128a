"""Built-in defaults and limits: the last step of settings precedence, and the bounds every input must meet.

These are the constants a team may want to tune; the README documents each of them.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_DURATION_S",
    "DEFAULT_FPS",
    "DEFAULT_RESOLUTION",
    "DEFAULT_SEED",
    "DEFAULT_VIDEO_MODEL",
    "MAX_DIRECTIONS_CHARS",
    "MAX_DURATION_S",
    "MAX_FPS",
    "MAX_PIXELS",
    "MAX_SEED",
    "MAX_SIDE",
    "MIN_DURATION_S",
    "MIN_FPS",
    "MIN_SIDE",
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
