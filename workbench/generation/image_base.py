"""The one interface every starting-image model implements, local (``local-slide``) or hosted.

The image twin of :mod:`workbench.generation.base`: an image backend turns a prompt (and, for image-to-image
models, the segment's current image) into a PNG file, reports progress through a callback, and is cancelled by
cancelling the awaiting task, removing any partial output before re-raising. CPU work never runs on the loop.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from workbench.domain.models import ImageSettings
from workbench.generation.base import BackendInfo, ProgressCallback

__all__ = ["IMAGE_SUPPORTS", "ImageBackend", "ImageRequest", "ImageResult"]

#: The image settings a model may honour (``BackendInfo.supports``).
IMAGE_SUPPORTS = frozenset({"prompt", "size", "seed", "reference"})


@dataclass(frozen=True)
class ImageRequest:
    """What to draw and where to put it.

    ``output_path`` (a ``.png``) must not exist yet; the backend writes it atomically (a hidden temp name renamed
    into place) and leaves nothing there on failure or cancel. ``reference_path`` is the current starting image
    for image-to-image models (``None``: text only).
    """

    settings: ImageSettings
    output_path: Path
    reference_path: Path | None = None
    executor: concurrent.futures.Executor | None = None
    job_id: str | None = None
    resume_provider_job_id: str | None = None
    on_provider_job: Callable[[str], Awaitable[None]] | None = None
    #: True when ``settings`` were validated once already (``ResolvedImageSettings.check``).
    settings_checked: bool = False


@dataclass(frozen=True)
class ImageResult:
    """The produced PNG and what we know about it. ``regions`` are the named areas the model drew (the local
    slide model knows where its title, bullets and figures are; hosted models return none)."""

    path: Path
    width: int
    height: int
    size_bytes: int
    regions: Mapping[str, tuple[float, float, float, float]] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    provider: str | None = None
    provider_job_id: str | None = None
    cost: float | None = None


@runtime_checkable
class ImageBackend(Protocol):
    """A starting-image model: ``generation.local.slide_backend`` (default), ``generation.http.image_backend``."""

    info: BackendInfo

    def check(self, settings: ImageSettings) -> tuple[str, ...]:
        """Warnings before a job starts (lines the model ignores…); raise ``InvalidSettingError`` for settings it
        cannot honour at all (a size it cannot make, a reference it cannot take, a missing token)."""
        ...

    async def generate(self, request: ImageRequest, progress: ProgressCallback) -> ImageResult:
        """Produce ``request.output_path`` (PNG)."""
        ...
