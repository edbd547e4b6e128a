"""The report's videos beside it, so the report folder plays anywhere (zipped, mailed, served as files).

Each video is hard-linked into ``<output_dir>/media/`` (no extra space on the same file system; a copy across
file systems) and referred to by a path relative to the report. Takes are never modified, so a link that
exists already is kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from workbench.store import LectureStore

__all__ = ["MEDIA_FOLDER", "POSTER_WIDTH", "STILL_SUFFIXES", "link_video", "poster"]

#: Files shown as pictures, not played (a batch of starting images).
STILL_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")

#: Width of the still shown before a video plays (JPEG, from the middle of the video).
POSTER_WIDTH = 480

MEDIA_FOLDER = "media"


def link_video(store: LectureStore, relative: str | None, output_dir: str | Path, *, name: str) -> str | None:
    """``media/<name>.mp4`` (relative to ``output_dir``) holding the store's ``relative`` video, or ``None``
    when the store has no such file."""
    if not relative:
        return None
    source = store.media_path(relative)
    if not source.is_file():
        return None
    folder = Path(output_dir) / MEDIA_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_safe(name)}{source.suffix or '.mp4'}"
    if not (target.exists() and target.stat().st_size == source.stat().st_size):
        temporary = folder / f".{target.name}.{os.getpid()}.tmp"
        temporary.unlink(missing_ok=True)
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    return f"{MEDIA_FOLDER}/{target.name}"


def poster(output_dir: str | Path, video: str) -> str | None:
    """``media/<name>.jpg``: one frame from the middle of ``video`` (a path relative to ``output_dir``), decoded
    alone: the demuxer seeks to the keyframe before the middle and only the frames from there on are decoded."""
    import av

    source = Path(output_dir) / video
    if source.suffix.lower() in STILL_SUFFIXES:
        return None  # a picture is its own poster
    target = source.with_suffix(".jpg")
    if target.exists():
        return f"{MEDIA_FOLDER}/{target.name}"
    try:
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            middle = (stream.duration or 0) // 2
            if middle:
                container.seek(middle, stream=stream, backward=True, any_frame=False)
            picture = None
            for frame in container.decode(stream):
                picture = frame
                if frame.pts is None or frame.pts >= middle:
                    break
            if picture is None:
                return None
            height = max(2, round(picture.height * POSTER_WIDTH / max(picture.width, 1)))
            image = picture.to_image().resize((POSTER_WIDTH, height))
    except (av.error.FFmpegError, OSError, IndexError):
        return None
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    image.save(temporary, format="JPEG", quality=82)
    os.replace(temporary, target)
    return f"{MEDIA_FOLDER}/{target.name}"


def committed_name(asset_id: str, path: str) -> str:
    """A committed video's name in the media folder (its path's hash: a later commit gets a new name)."""
    return f"committed-{asset_id}-{hashlib.sha256(path.encode()).hexdigest()[:10]}"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


__all__ += ["committed_name"]
