"""Automatic checks a take must pass for the ``accept-passing`` policy: it decodes as H.264 with the expected
frame count, duration and size."""

from __future__ import annotations

from pathlib import Path

import av

from workbench.domain.models import VideoSettings

__all__ = ["check_video"]


def check_video(path: Path, settings: VideoSettings, *, decode: bool = True) -> list[str]:
    """Problems found (empty when the video passes). ``decode=False`` only demuxes (counts packets)."""
    problems: list[str] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if decode:
                frames = sum(1 for _ in container.decode(stream))
            else:
                frames = sum(1 for packet in container.demux(stream) if packet.size)
            width, height = stream.codec_context.width, stream.codec_context.height
            fps = float(stream.average_rate or 0)
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        return [f"does not decode as a video: {exc}"]
    if frames != settings.frame_count:
        problems.append(f"{frames} frames instead of {settings.frame_count}")
    if (width, height) != (settings.resolution.width, settings.resolution.height):
        problems.append(f"{width}x{height} instead of {settings.resolution}")
    if fps and abs(frames / fps - settings.frame_count / settings.fps) > 0.5 / settings.fps:
        problems.append(f"lasts {frames / fps:.2f} s instead of {settings.frame_count / settings.fps:.2f} s")
    return problems
