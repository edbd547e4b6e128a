"""Takes are the same bytes whatever the threading plan or the number of renders at once (checked with x264),
and why x264's thread count is not something a plan may change."""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.generation.local import corpus_cases as cc
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local import render_video
from workbench.generation.local.encoder import INTERACTIVE, THROUGHPUT

DIRECTIONS = (
    "pan left then zoom in on the diagram",
    "slow push-in, then hold",
    "tilt down, fade out at the end",
)


def _render(args: tuple[Path, str, str, str]) -> str:
    image, out, directions, plan = args
    settings = VideoSettings(directions, "local-camera", 1.5, Resolution(480, 270), 12, 3)
    render_video(image, out, settings, regions=cc.slide()[1],
                 threading_plan=THROUGHPUT if plan == "throughput" else INTERACTIVE)  # fmt: skip
    return hashlib.sha256(Path(out).read_bytes()).hexdigest()


def test_takes_are_byte_identical_whatever_the_plan_or_the_concurrency(tmp_path):
    image = cc.slide()[0]
    alone = [_render((image, tmp_path / f"a{i}.mp4", d, "interactive")) for i, d in enumerate(DIRECTIONS)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:  # three renders at once, the batch's plan
        together = list(
            pool.map(
                _render, [(image, tmp_path / f"b{i}.mp4", d, "throughput") for i, d in enumerate(DIRECTIONS)]
            )
        )
    assert together == alone
    assert len(set(alone)) == len(DIRECTIONS)  # different directions: different takes (the check can fail)


def _encode(frames: list[np.ndarray], threads: int, params: str = "") -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(12))
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "crf": "23",
            "x264-params": f"sync-lookahead=0:mbtree=0{params}",
        }
        stream.codec_context.thread_type, stream.codec_context.thread_count = "SLICE", threads
        for index, frame in enumerate(frames):
            picture = av.VideoFrame.from_numpy_buffer(frame, format="yuv420p")
            picture.pts = index
            container.mux(stream.encode(picture))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def test_x264_gives_other_bytes_for_another_thread_count_even_with_the_same_slices():
    """The reason ``ThreadingPlan`` never touches the encoder's thread count."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (270, 320), dtype=np.uint8)
    frames = [np.roll(base, 3 * i, axis=1).copy() for i in range(12)]
    two = _encode(frames, 2)
    assert _encode(frames, 2) == two  # slice threads repeat themselves
    assert _encode(frames, 1, ":slices=2") != two  # the same two slices, encoded one after the other
