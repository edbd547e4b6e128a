"""Fixtures for hosted models: real MP4 bytes, a starting image, backends that record their waits."""

from __future__ import annotations

import asyncio
import functools
import io
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.base import GenerationRequest, Progress
from workbench.generation.http import CallRetry, HttpVideoBackend, parse_model_config

#: A token-shaped secret; tests assert it never shows up anywhere a user (or a log) can see.
SECRET = "r8_S3cretTokenValue_4f9d2c81e7a6b5"


def mp4_bytes(duration_s: float = 1.0, fps: int = 12, width: int = 160, height: int = 90) -> bytes:
    """A real H.264 MP4 (a moving gradient), built with PyAV and cached per shape.

    Cached, not rebuilt: x264 with its default macroblock tree may encode the same frames to different bytes.
    The key is the full shape, however the caller spelled it (``mp4_bytes()`` is ``mp4_bytes(1.0, 12)``).
    """
    return _encoded(float(duration_s), int(fps), int(width), int(height))


@functools.cache
def _encoded(duration_s: float, fps: int, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"x264-params": "mbtree=0"}  # repeatable bytes, as the renderer's encoder
        for i in range(round(duration_s * fps)):
            pixels = np.full((height, width, 3), (i * 9) % 255, dtype=np.uint8)
            pixels[:, : width // 2, 1] = 200
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


@pytest.fixture
def image_path(tmp_path: Path) -> Path:
    path = tmp_path / "files" / "media" / "lec" / "images" / "img-1.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (320, 180), (40, 80, 150)).save(path)
    return path


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait a backend asked for (it does not really wait)."""
    return []


@pytest.fixture
def make_backend(sleeps: list[float], tmp_path: Path) -> Callable[..., HttpVideoBackend]:
    """``make_backend({...model entry...})`` → a backend whose waits are recorded, not slept."""

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    def make(entry: dict[str, Any], **options: Any) -> HttpVideoBackend:
        poll = 5.0 if entry.get("provider") == "runway" else 0.5  # Runway: no more often than every 5 s
        spec = parse_model_config({"version": 1, "models": [{"poll_interval_s": poll, **entry}]})[0]
        options.setdefault("sleep", fake_sleep)
        options.setdefault("rng", random.Random(7))
        options.setdefault("retry", CallRetry(max_attempts=4))
        options.setdefault("store_root", tmp_path / "files")
        return HttpVideoBackend(spec, **options)

    return make


def settings(model: str, **changes: Any) -> VideoSettings:
    values: dict[str, Any] = {
        "movie_directions": "slow push-in on the diagram",
        "model": model,
        "duration_s": 1.0,
        "resolution": Resolution(160, 90),
        "fps": 12,
        "seed": 3,
    }
    values.update(changes)
    return VideoSettings(**values)


class Recorder:
    """Collects progress reports and journaled provider job ids."""

    def __init__(self) -> None:
        self.progress: list[Progress] = []
        self.journaled: list[str] = []

    def __call__(self, progress: Progress) -> None:
        self.progress.append(progress)

    async def journal(self, job_id: str) -> None:
        self.journaled.append(job_id)

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.progress]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def request_for(image_path: Path, tmp_path: Path, recorder: Recorder) -> Callable[..., GenerationRequest]:
    def make(video: VideoSettings, **changes: Any) -> GenerationRequest:
        out = tmp_path / "files" / "media" / "lec" / "takes" / "take-1.mp4"
        out.parent.mkdir(parents=True, exist_ok=True)
        values: dict[str, Any] = {"job_id": "job-abc", "on_provider_job": recorder.journal}
        values.update(changes)
        return GenerationRequest(image_path, video, out, **values)

    return make


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("REPLICATE_API_TOKEN", "FAL_KEY", "RUNWAYML_API_SECRET", "LUMA_API_KEY", "COG_TOKEN"):
        monkeypatch.setenv(name, SECRET)
    return SECRET


@pytest.fixture(autouse=True)
def _no_user_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own ~/.config/workbench/models.json out of the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
