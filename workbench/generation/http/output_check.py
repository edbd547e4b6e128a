"""Is a downloaded file the video we paid for? Decoded with PyAV before it may become a take.

A truncated download, an HTML error page saved as ``.mp4`` or a clip of the wrong length is refused here,
so the store never records a take that cannot be played or compared. This runs off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

__all__ = ["VideoFacts", "inspect_video"]


@dataclass(frozen=True)
class VideoFacts:
    """What decoding the whole file found."""

    frame_count: int
    fps: float
    width: int
    height: int
    codec: str
    duration_s: float
    size_bytes: int


class UnreadableVideo(Exception):
    """The file does not decode as a video; ``args[0]`` says why."""


def inspect_video(path: Path) -> VideoFacts:
    """Decode every frame of ``path``; raises :class:`UnreadableVideo` if it is not a complete video."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UnreadableVideo("it has no video stream")
            stream = container.streams.video[0]
            frames = 0
            last_time = 0.0
            for frame in container.decode(stream):
                frames += 1
                if frame.time is not None:
                    last_time = float(frame.time)
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else 0.0
            if frames == 0:
                raise UnreadableVideo("it has no frames")
            width, height = stream.codec_context.width, stream.codec_context.height
            codec = stream.codec_context.name
    except av.error.FFmpegError as exc:
        raise UnreadableVideo(f"it does not decode ({type(exc).__name__})") from None
    duration = frames / fps if fps > 0 else last_time
    return VideoFacts(frames, fps, width, height, codec, duration, path.stat().st_size)
