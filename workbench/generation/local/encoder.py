"""H.264 MP4 writing with PyAV, in the one configuration every browser plays.

libx264, yuv420p, even sizes, constant frame rate, ``moov`` before ``mdat`` (``+faststart``, so a preview
starts before the whole file has arrived), and BT.709 colour tags matching :mod:`.frames`' conversion.

Quality (``render_video(quality=...)``, ``LocalCameraBackend(quality=...)`` or ``GenerationRequest.quality``),
from fastest to smallest and sharpest:

- ``"draft"``: preset superfast, CRF 28. Quick looks; about 1.3× the speed of standard.
- ``"standard"`` (default): preset veryfast, CRF 23.
- ``"high"``: preset slow, CRF 18. Several times slower; for final takes.

Frames go in as I420 buffers without conversion or copies (``VideoFrame.from_numpy_buffer``, which keeps the
array alive for as long as FFmpeg holds the frame).

Repeatability: the same frames always give the same bytes. x264's frame threads do not (measured here: under
CPU load, 4 frame threads gave 3 different outputs in 150 encodes of identical frames, even with its look-ahead
in step, ``sync-lookahead=0``), while slice threads did in every run, so this uses slice threads (also PyAV's
default) with a fixed count: x264's output depends on the count, and "auto" would make a take differ
between a laptop and a 16-core worker.

x264's macroblock-tree rate control (``mbtree``) is off: with it on, the same frames encoded in one process gave
up to 8 different outputs in 8 encodes at some sizes (320x180, 480x270, 160x90; not at 640x360 or 1280x720),
depending on what memory held before, i.e. its look-ahead reads memory it never wrote. Off, every size gave
one output across buffer placements, thread counts and heap states. The cost is a slightly larger file at the
same CRF on mostly static shots.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from workbench.errors import InvalidSettingError

__all__ = [
    "ENCODER_THREADS",
    "INTERACTIVE",
    "QUALITIES",
    "THROUGHPUT",
    "EncoderQuality",
    "H264Writer",
    "ThreadingPlan",
    "quality_for",
]


@dataclass(frozen=True)
class EncoderQuality:
    name: str
    preset: str
    crf: int
    description: str


QUALITIES: dict[str, EncoderQuality] = {
    q.name: q
    for q in (
        EncoderQuality("draft", "superfast", 28, "fastest, softer and larger files"),
        EncoderQuality("standard", "veryfast", 23, "the default balance"),
        EncoderQuality("high", "slow", 18, "sharpest, several times slower"),
    )
}

# AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG (limited/"tv" range).
_BT709, _RANGE_TV = 1, 1
_X264_PARAMS = "colorprim=bt709:transfer=bt709:colormatrix=bt709:range=tv:sync-lookahead=0:mbtree=0"
#: x264 slice threads per encode (fixed for repeatable output; see the module docstring).
ENCODER_THREADS = 2


@dataclass(frozen=True)
class ThreadingPlan:
    """How a render shares the cores: scheduling only, never the bytes it writes.

    x264's thread count is deliberately not part of a plan: slice threads and sequential slices give different
    bytes even with the same slice layout (measured: ``slices=2`` with 1 thread differs from 2 slice threads in
    every frame, because x264's look-ahead and slice encoding run differently when threaded), so every render
    uses :data:`ENCODER_THREADS` and a take is the same whatever the plan or the number of renders at once.

    ``warp_nice`` is the frame-warping thread's priority (Linux nice). One render at a time (interactive) wants
    it at 19: warping then only fills the gaps x264 leaves, and never delays the encoder. Several renders at
    once (a batch) want it at 0: each render's warping then gets its share beside the other renders' encoders,
    instead of starving until every encoder on the machine waits for frames.
    """

    name: str
    warp_nice: int


#: One render at a time, as soon as possible (the review workbench).
INTERACTIVE = ThreadingPlan("interactive", warp_nice=19)
#: Several renders at once, as many per minute as possible (batches).
THROUGHPUT = ThreadingPlan("throughput", warp_nice=0)


def quality_for(name: str | EncoderQuality) -> EncoderQuality:
    """Look up a quality by name; unknown names raise :class:`InvalidSettingError` listing the choices."""
    if isinstance(name, EncoderQuality):
        return name
    try:
        return QUALITIES[name]
    except (KeyError, TypeError):
        choices = ", ".join(QUALITIES)
        raise InvalidSettingError(f"The quality {name!r} is not known. Choose one of: {choices}.") from None


class H264Writer:
    """Write I420 frames (``(h * 3 // 2, w)`` uint8 arrays) to an MP4 file.

    Use as a context manager: leaving normally flushes the encoder and finalises the file; leaving with an
    exception only closes it (the caller deletes the partial file).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: int,
        quality: str | EncoderQuality = "standard",
        *,
        threads: int = ENCODER_THREADS,
    ) -> None:
        if width % 2 or height % 2 or width <= 0 or height <= 0:
            raise InvalidSettingError(f"H.264 needs even, positive frame sizes, not {width}x{height}.")
        self.quality = quality_for(quality)
        self.width, self.height, self.fps = width, height, fps
        self.frames_written = 0
        self._container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            stream = self._container.add_stream("libx264", rate=Fraction(fps))
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.time_base = Fraction(1, fps)
            stream.options = {
                "preset": self.quality.preset,
                "crf": str(self.quality.crf),
                "x264-params": _X264_PARAMS,
            }
            ctx = stream.codec_context
            ctx.color_primaries, ctx.color_trc = _BT709, _BT709
            ctx.colorspace, ctx.color_range = _BT709, _RANGE_TV
            ctx.thread_type = "SLICE"
            ctx.thread_count = threads
        except BaseException:
            self._container.close()
            raise
        self._stream = stream

    def write(self, i420: np.ndarray) -> None:
        """Encode one frame. ``i420`` is handed over: do not modify it afterwards."""
        frame = av.VideoFrame.from_numpy_buffer(i420, format="yuv420p")
        frame.pts = self.frames_written
        self.frames_written += 1
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush delayed frames and finalise the file (moves ``moov`` to the front)."""
        try:
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()

    def abort(self) -> None:
        """Close without flushing; the file is incomplete and should be deleted."""
        with contextlib.suppress(Exception):  # already failing: keep the original error
            self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
