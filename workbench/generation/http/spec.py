"""A configured hosted or self-hosted model, as typed values: what ``models.json`` says once it is validated.

These are plain frozen dataclasses with no I/O and no knowledge of providers, so the provider modules, the
input mapping and the backend can all import them without importing each other. :mod:`.parsing` builds them
from JSON (and fills each provider's defaults); nothing else constructs a :class:`ModelSpec` by hand except
tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_DURATION_TOLERANCE_S",
    "DEFAULT_POLL_INTERVAL_S",
    "DEFAULT_REQUEST_TIMEOUT_S",
    "DEFAULT_TIMEOUT_S",
    "DurationInput",
    "FpsInput",
    "FramesRule",
    "ImageInput",
    "InputMapping",
    "ModelSpec",
    "Price",
    "ResolutionInput",
    "SeedInput",
]

#: The file name, both in a store's root and in the user's config folder.
CONFIG_NAME = "models.json"

ImageMode = Literal["data_uri", "url", "upload"]

DEFAULT_POLL_INTERVAL_S = 2.0
DEFAULT_TIMEOUT_S = 900.0
DEFAULT_REQUEST_TIMEOUT_S = 60.0
DEFAULT_DURATION_TOLERANCE_S = 0.5


@dataclass(frozen=True)
class ImageInput:
    """Where the starting image goes and how: inline (``data_uri``), by URL, or uploaded to the provider."""

    name: str
    mode: ImageMode = "data_uri"
    #: For ``url``: the public URL of the store root; the image's store path is appended to it.
    base_url: str | None = None


@dataclass(frozen=True)
class FramesRule:
    """The frame counts a model accepts: ``multiple``·k + ``offset`` between ``minimum`` and ``maximum``.

    Wan-family models want 4k+1 frames (Replicate's Wan 2.1 480p: 81–100), LTX-Video 8k+1.
    """

    multiple: int = 1
    offset: int = 0
    minimum: int | None = None
    maximum: int | None = None

    @property
    def form(self) -> str:
        if self.multiple == 1:
            return "any whole number"
        return f"{self.multiple}k+{self.offset}" if self.offset else f"a multiple of {self.multiple}"

    def valid(self, frames: int) -> bool:
        return (
            frames >= 1
            and (frames - self.offset) % self.multiple == 0
            and (self.minimum is None or frames >= self.minimum)
            and (self.maximum is None or frames <= self.maximum)
        )

    def nearest(self, frames: float) -> int | None:
        """The valid count closest to ``frames`` (ties go up), or ``None`` when ``frames`` is out of range."""
        k = (frames - self.offset) / self.multiple
        candidates = [self.offset + self.multiple * n for n in (math.floor(k), math.ceil(k))]
        valid = [c for c in candidates if self.valid(c)]
        if not valid:
            return None
        return min(valid, key=lambda c: (abs(c - frames), -c))

    def bounds(self) -> tuple[int | None, int | None]:
        """The smallest and largest valid counts (``None``: unbounded)."""
        low = high = None
        if self.minimum is not None:
            low = self.minimum + (self.offset - self.minimum) % self.multiple
        if self.maximum is not None:
            high = self.maximum - (self.maximum - self.offset) % self.multiple
        return low, high


@dataclass(frozen=True)
class DurationInput:
    """``format``: ``float``, ``int`` (whole seconds), ``frames`` (seconds × fps) or a ``{seconds}`` template.

    ``allowed`` lists the only lengths a model makes; ``minimum``/``maximum`` bound them; ``frames`` says which
    frame counts a ``frames`` model accepts.
    """

    name: str | None = None
    format: str = "float"
    allowed: tuple[float, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    frames: FramesRule | None = None


@dataclass(frozen=True)
class ResolutionInput:
    """One input derived from the resolution; ``format`` uses {width} {height} {aspect} {short} {long}."""

    name: str
    format: str
    allowed: tuple[str, ...] | None = None
    as_int: bool = False


@dataclass(frozen=True)
class FpsInput:
    """Either an input the rate is sent in (``name``, with ``allowed`` values or a ``minimum``–``maximum``
    range) or the model's only rate (``fixed``)."""

    name: str | None = None
    allowed: tuple[int, ...] | None = None
    fixed: int | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class SeedInput:
    name: str
    maximum: int | None = None


@dataclass(frozen=True)
class InputMapping:
    """How effective settings become the provider's inputs (dotted names nest: ``keyframes.frame0.url``)."""

    image: ImageInput
    prompt: str | None = "prompt"
    duration: DurationInput | None = None
    resolution: tuple[ResolutionInput, ...] = ()
    fps: FpsInput | None = None
    seed: SeedInput | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def mapped_names(self) -> frozenset[str]:
        """Every input name a setting or a fixed extra fills (top-level names, before any dot)."""
        names = [self.image.name, self.prompt, *(r.name for r in self.resolution), *self.extra]
        if self.duration is not None:
            names.append(self.duration.name)
        if self.fps is not None:
            names.append(self.fps.name)
        if self.seed is not None:
            names.append(self.seed.name)
        return frozenset(n.split(".")[0] for n in names if n)


@dataclass(frozen=True)
class Price:
    """What a run costs, when the provider does not say: per run, per second of video, per GPU second.

    ``billed_fps``: the provider bills video seconds counted at this rate (Replicate's Wan 2.1: "pricing is
    based on the video duration at 16 fps"), so 97 frames cost 6.06 s however fast they play.
    """

    per_run: float | None = None
    per_video_second: float | None = None
    per_predict_second: float | None = None
    billed_fps: float | None = None

    def estimate(self, video_s: float, predict_s: float | None, frames: int | None = None) -> float | None:
        total, known = 0.0, False
        if self.per_run is not None:
            total, known = total + self.per_run, True
        if self.per_video_second is not None:
            billed = frames / self.billed_fps if self.billed_fps and frames else video_s
            total, known = total + self.per_video_second * billed, True
        if self.per_predict_second is not None and predict_s is not None:
            total, known = total + self.per_predict_second * predict_s, True
        return round(total, 6) if known else None


@dataclass(frozen=True)
class ModelSpec:
    """One configured model. Build it with :func:`.parsing.load_model_config`, which validates and fills
    defaults."""

    name: str
    label: str
    provider: str
    base_url: str
    inputs: InputMapping
    model: str | None = None
    token_env: str | None = None
    description: str = ""
    #: Cog only: ``"auto"`` (stream progress when the server can), or ``"sync"`` (never ask for events).
    mode: str | None = None
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    duration_tolerance_s: float = DEFAULT_DURATION_TOLERANCE_S
    price: Price | None = None
    #: Where the model's input schema comes from: ``"server"`` (a Cog server's ``/openapi.json``), a packaged
    #: snapshot id (``"replicate/wavespeedai/wan-2.1-i2v-480p"``), a JSON file, or ``None`` (not checked).
    schema: str | None = None
    #: Cog only: how many predictions the server runs at once (``None``: as its health check says, else 1).
    slots: int | None = None
    #: Provider-specific options (e.g. Runway's ``api_version``), validated by the provider's class.
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The file this entry came from (for messages, and for schema files named relative to it).
    source: Path | None = None

    @property
    def supports(self) -> frozenset[str]:
        """The settings this model honours, for ``BackendInfo.supports`` (the UI greys out the rest)."""
        out = {"duration_s"} if self.inputs.duration is not None else set()
        if self.inputs.prompt:
            out.add("movie_directions")
        if self.inputs.resolution:
            out.add("resolution")
        if self.inputs.fps is not None and self.inputs.fps.name:
            out.add("fps")
        if self.inputs.seed is not None:
            out.add("seed")
        return frozenset(out)
