"""The domain's plain data: projects, lectures, segments (video assets), starting images and takes.

All types are frozen dataclasses with no I/O; the store turns them into JSON and parquet rows. Changing a
lecture means building a new value (``dataclasses.replace``) and committing it with its version.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.domain import defaults
from workbench.errors import DamagedEntryError, InvalidSettingError, NotFoundError

__all__ = [
    "Damage",
    "ImageDefaults",
    "ImageSettings",
    "ImageTake",
    "Lecture",
    "Project",
    "Resolution",
    "SettingSource",
    "StartingImage",
    "Take",
    "TakeStatus",
    "TimelineClip",
    "VideoAsset",
    "VideoDefaults",
    "VideoSettings",
]


@dataclass(frozen=True, order=True)
class Resolution:
    """Output frame size in pixels. H.264 in yuv420p needs both sides even; validation enforces it."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"

    @classmethod
    def parse(cls, value: object) -> Resolution:
        """Accept ``"1280x720"``, ``(1280, 720)``, ``{"width": .., "height": ..}`` or a Resolution."""
        if isinstance(value, Resolution):
            return value
        try:
            if isinstance(value, str):
                w, h = value.lower().replace("×", "x").split("x")
                return cls(int(w.strip()), int(h.strip()))
            if isinstance(value, Mapping):
                return cls(_strict_int(value["width"]), _strict_int(value["height"]))
            if isinstance(value, list | tuple) and len(value) == 2:
                return cls(_strict_int(value[0]), _strict_int(value[1]))
        except (ValueError, KeyError, TypeError):
            pass
        raise InvalidSettingError(
            f"The resolution {value!r} is not understood. Write it as WIDTHxHEIGHT, for example 1280x720."
        )

    @property
    def aspect(self) -> float:
        return self.width / self.height


def _strict_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    number = float(value)
    if not number.is_integer():
        raise ValueError(value)
    return int(number)


class SettingSource(StrEnum):
    """Where an effective setting came from (the seed's precedence, highest first)."""

    OVERRIDE = "override"
    PROJECT = "project"
    ASSET = "asset"
    DEFAULT = "default"

    @property
    def label(self) -> str:
        """The words the editor shows beside a field."""
        return {
            SettingSource.OVERRIDE: "your edit",
            SettingSource.PROJECT: "project default",
            SettingSource.ASSET: "this segment",
            SettingSource.DEFAULT: "built-in default",
        }[self]


@dataclass(frozen=True)
class VideoSettings:
    """The effective settings one generation runs with (and that a take records)."""

    movie_directions: str
    model: str
    duration_s: float
    resolution: Resolution
    fps: int
    seed: int

    @property
    def summary(self) -> str:
        """How the progress log names what a job makes ("local-camera, 5 s at 1280x720")."""
        return f"{self.model}, {self.duration_s:g} s at {self.resolution}"

    @property
    def frame_count(self) -> int:
        """Frames in the output: duration × fps to the nearest whole frame, halves rounded up (2.5 s at 25 fps is
        63 frames, 2.52 s), so a clip is never more than half a frame short of what was asked."""
        return max(1, math.floor(self.duration_s * self.fps + 0.5 + 1e-9))

    def to_dict(self) -> dict[str, Any]:
        return {
            "movie_directions": self.movie_directions,
            "model": self.model,
            "duration_s": self.duration_s,
            "resolution": str(self.resolution),
            "fps": self.fps,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VideoSettings:
        return cls(
            movie_directions=str(data["movie_directions"]),
            model=str(data["model"]),
            duration_s=float(data["duration_s"]),
            resolution=Resolution.parse(data["resolution"]),
            fps=int(data["fps"]),
            seed=int(data["seed"]),
        )


@dataclass(frozen=True)
class ImageSettings:
    """The effective settings one starting-image generation runs with (and that an image take records).

    ``reference`` asks an image-to-image model to start from the segment's current starting image.
    """

    prompt: str
    model: str
    size: Resolution
    seed: int
    reference: bool = False

    @property
    def summary(self) -> str:
        return f"{self.model}, {self.size} image" + (" from the current image" if self.reference else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "model": self.model,
            "size": str(self.size),
            "seed": self.seed,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImageSettings:
        return cls(
            prompt=str(data["prompt"]),
            model=str(data["model"]),
            size=Resolution.parse(data["size"]),
            seed=int(data["seed"]),
            reference=bool(data.get("reference", False)),
        )


@dataclass(frozen=True)
class ImageDefaults:
    """A project's starting-image defaults (``None``: not set; the size then falls to the video resolution)."""

    model: str | None = None
    size: Resolution | None = None


@dataclass(frozen=True)
class VideoDefaults:
    """A project's video defaults. ``None`` means "not set": precedence falls through to the segment."""

    model: str | None = None
    duration_s: float | None = None
    resolution: Resolution | None = None
    fps: int | None = None


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    owner: str
    video_defaults: VideoDefaults = field(default_factory=VideoDefaults)
    image_defaults: ImageDefaults = field(default_factory=ImageDefaults)


@dataclass(frozen=True)
class Damage:
    """Why one stored entry (a segment, a starting image) cannot be used, and the entry exactly as read.

    Decoding a lecture file puts this on an entry instead of failing the whole lecture; the store writes
    ``raw`` back unchanged whenever the lecture is saved, and refuses to introduce new damage.
    """

    file: str
    entry: str
    reason: str
    raw: Mapping[str, Any] = field(default_factory=dict)

    def error(self) -> DamagedEntryError:
        return DamagedEntryError(self.file, self.entry, self.reason)


@dataclass(frozen=True)
class StartingImage:
    """A stored still that image-to-video models animate. ``path`` is relative to the store root."""

    id: str
    path: str
    width: int
    height: int
    created_at: str
    #: Named areas a direction can target ("push in on the diagram"): name → (x, y, w, h), fractions of
    #: the image size. Optional; unknown names fall back to the image centre with a warning.
    regions: Mapping[str, tuple[float, float, float, float]] = field(default_factory=dict)
    #: Set when the stored entry is damaged: the lecture treats the image as missing.
    damage: Damage | None = None
    #: When a generated image replaced this one's file (same id); empty for an image never replaced.
    updated_at: str = ""
    #: What made it, when it was generated (``None`` for uploads): the image settings' "this segment" layer.
    prompt: str | None = None
    model: str | None = None
    seed: int | None = None

    @property
    def version(self) -> str:
        """The committed image's cache key (``?v=``) and what a video records as the image it was made from."""
        return self.updated_at or self.created_at


@dataclass(frozen=True)
class VideoAsset:
    """One segment of a lecture: its committed video and the settings that made it.

    Accepting a take replaces these fields but never the ``id``, so timeline clips keep resolving.
    ``updated_at`` is the committed player's cache key and changes on every commit.
    """

    id: str
    starting_image_id: str | None
    movie_directions: str
    model: str | None = None
    duration_s: float | None = None
    resolution: Resolution | None = None
    fps: int | None = None
    seed: int | None = None
    path: str | None = None
    updated_at: str = ""
    title: str = ""
    #: Set when the stored entry is damaged: :meth:`Lecture.asset` refuses it, listings show it as damaged.
    damage: Damage | None = None
    #: The :attr:`StartingImage.version` the committed video was made from (``None``: not recorded).
    starting_image_version: str | None = None


@dataclass(frozen=True)
class TimelineClip:
    """A placement of a segment on the lecture's timeline; refers to the asset by id only."""

    id: str
    asset_id: str
    start_s: float


@dataclass(frozen=True)
class Lecture:
    """A lecture document. ``version`` increases by one on every commit (compare-and-swap)."""

    id: str
    project_id: str
    title: str
    owner: str
    version: int
    videos: tuple[VideoAsset, ...] = ()
    timeline: tuple[TimelineClip, ...] = ()
    starting_images: tuple[StartingImage, ...] = ()
    updated_at: str = ""

    def asset(self, asset_id: str) -> VideoAsset:
        """The segment ``asset_id``; a damaged one raises :class:`DamagedEntryError` (nothing can use it)."""
        for asset in self.videos:
            if asset.id == asset_id:
                if asset.damage is not None:
                    raise asset.damage.error()
                return asset
        raise NotFoundError(
            f"Lecture {self.id!r} has no segment {asset_id!r}. Reload the lecture and pick a segment from it."
        )

    def starting_image(self, image_id: str | None) -> StartingImage | None:
        """The stored image record, or ``None`` when the segment never had one or it was removed."""
        if image_id is None:
            return None
        return next((img for img in self.starting_images if img.id == image_id and img.damage is None), None)

    def with_asset(self, asset: VideoAsset) -> Lecture:
        """A copy with ``asset`` replacing the segment of the same id (order and timeline unchanged)."""
        self.asset(asset.id)
        videos = tuple(asset if a.id == asset.id else a for a in self.videos)
        return dataclasses.replace(self, videos=videos)

    def video_is_outdated(self, asset_id: str) -> bool:
        """Whether the segment's committed video was made from an older starting image than it has now.

        A video that recorded its image's version compares versions; an older one (nothing recorded) counts
        as outdated when its image was stored or replaced after the video was committed.
        """
        asset = self.asset(asset_id)
        image = self.starting_image(asset.starting_image_id)
        if asset.path is None or image is None:
            return False
        if asset.starting_image_version is not None:
            return asset.starting_image_version != image.version
        return bool(asset.updated_at) and image.version > asset.updated_at


class TakeStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Take:
    """A generated candidate video awaiting (or past) review.

    It has its own file and the exact settings it was made with; the preview dialog addresses it by
    ``preview_token``. Takes are never deleted by a reject: a generation may have cost money.
    """

    id: str
    lecture_id: str
    asset_id: str
    job_id: str
    path: str
    settings: VideoSettings
    provenance: Mapping[str, SettingSource]
    preview_token: str
    status: TakeStatus = TakeStatus.PENDING
    created_at: str = ""
    decided_at: str | None = None
    decided_by: str | None = None
    backend: str = ""
    provider: str | None = None
    provider_job_id: str | None = None
    cost: float | None = None
    frame_count: int = 0
    size_bytes: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: The :attr:`StartingImage.version` the video was made from (accept records it on the segment).
    starting_image_version: str | None = None


@dataclass(frozen=True)
class ImageTake:
    """A generated candidate starting image awaiting (or past) review: the image twin of :class:`Take`.

    Accepting it replaces the segment's starting image file and settings under the same ``starting_image_id``;
    its ``regions`` (named areas the slide model drew) become the image's regions.
    """

    id: str
    lecture_id: str
    asset_id: str
    job_id: str
    path: str
    settings: ImageSettings
    provenance: Mapping[str, SettingSource]
    preview_token: str
    width: int
    height: int
    status: TakeStatus = TakeStatus.PENDING
    created_at: str = ""
    decided_at: str | None = None
    decided_by: str | None = None
    backend: str = ""
    provider: str | None = None
    provider_job_id: str | None = None
    cost: float | None = None
    size_bytes: int = 0
    regions: Mapping[str, tuple[float, float, float, float]] = field(default_factory=dict)
    #: The store path of the image an image-to-image model started from (``None``: text only).
    reference_path: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def hard_defaults() -> dict[str, Any]:
    """The last step of precedence, as a mapping of field → value."""
    return {
        "model": defaults.DEFAULT_VIDEO_MODEL,
        "duration_s": defaults.DEFAULT_DURATION_S,
        "resolution": Resolution(*defaults.DEFAULT_RESOLUTION),
        "fps": defaults.DEFAULT_FPS,
        "seed": defaults.DEFAULT_SEED,
        "movie_directions": "",
    }
