"""Editor overrides, their validation, and the seed's settings precedence with provenance.

Precedence, field by field: editor overrides → project video defaults → existing segment values → built-in
defaults (``DEFAULT_VIDEO_MODEL`` …). Movie directions and the seed have no project default, so they come from
the override or the segment. Every field keeps its :class:`SettingSource` so the UI can say where it came from.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from workbench.domain import defaults
from workbench.domain.models import (
    Project,
    Resolution,
    SettingSource,
    VideoAsset,
    VideoDefaults,
    VideoSettings,
    hard_defaults,
)
from workbench.domain.text import check_plain_text
from workbench.errors import InvalidSettingError, UnknownFieldError

__all__ = [
    "SETTING_FIELDS",
    "ResolvedSettings",
    "VideoOverrides",
    "resolve_video_settings",
    "validate_settings",
]

SETTING_FIELDS = ("movie_directions", "model", "duration_s", "resolution", "fps", "seed")


@dataclass(frozen=True)
class VideoOverrides:
    """What the editor changed. ``None`` means "not overridden"; validated on construction."""

    movie_directions: str | None = None
    model: str | None = None
    duration_s: float | None = None
    resolution: Resolution | None = None
    fps: int | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.movie_directions is not None:
            _check_directions(self.movie_directions)
        if self.model is not None:
            _check_model(self.model)
        if self.duration_s is not None:
            _check_duration(self.duration_s)
        if self.resolution is not None:
            _check_resolution(self.resolution)
        if self.fps is not None:
            _check_fps(self.fps)
        if self.seed is not None:
            _check_seed(self.seed)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | VideoOverrides | None) -> VideoOverrides:
        """Build from a plain mapping (a notebook, a batch parameter): unknown keys and bad types refused."""
        if data is None:
            return cls()
        if isinstance(data, VideoOverrides):
            return data
        if not isinstance(data, Mapping):
            raise InvalidSettingError(
                f"Overrides must be a mapping of setting names to values, not {type(data).__name__}."
            )
        unknown = sorted(set(data) - set(SETTING_FIELDS))
        if unknown:
            raise UnknownFieldError(
                f"Unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}. "
                f"Known settings: {', '.join(SETTING_FIELDS)}."
            )
        values: dict[str, Any] = {}
        for name, raw in data.items():
            if raw is None:
                continue
            values[name] = _coerce(name, raw)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """Only the overridden fields, JSON-friendly (resolution as text)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = str(value) if isinstance(value, Resolution) else value
        return out

    def is_empty(self) -> bool:
        return not self.as_dict()


@dataclass(frozen=True)
class ResolvedSettings:
    """Effective settings plus, for each field, where its value came from.

    ``checked`` says the settings were validated (:meth:`check`): the one value that travels from the
    editor through the action, the job and the workflow to the backend, none of which validates it again.
    """

    settings: VideoSettings
    provenance: Mapping[str, SettingSource]
    checked: bool = field(default=False, compare=False)

    def check(self) -> ResolvedSettings:
        """Validate once (raises :class:`InvalidSettingError`); returns the checked value."""
        if self.checked:
            return self
        validate_settings(self.settings)
        return dataclasses.replace(self, checked=True)


def resolve_video_settings(
    overrides: VideoOverrides | Mapping[str, Any] | None,
    project_defaults: VideoDefaults | Project | None,
    asset: VideoAsset | None,
) -> ResolvedSettings:
    """Apply the precedence field by field. Does not validate completeness: see :func:`validate_settings`."""
    over = VideoOverrides.from_mapping(overrides)
    project = project_defaults.video_defaults if isinstance(project_defaults, Project) else project_defaults
    built_in = hard_defaults()
    values: dict[str, Any] = {}
    provenance: dict[str, SettingSource] = {}
    for name in SETTING_FIELDS:
        layers = (
            (SettingSource.OVERRIDE, getattr(over, name)),
            (SettingSource.PROJECT, getattr(project, name, None)),
            (SettingSource.ASSET, _set_or_none(getattr(asset, name, None))),
        )
        source, value = next(((src, v) for src, v in layers if v is not None), (SettingSource.DEFAULT, None))
        values[name] = built_in[name] if value is None else value
        provenance[name] = source
    return ResolvedSettings(VideoSettings(**values), provenance)


def _set_or_none(value: Any) -> Any:
    """A segment's empty directions count as "not set", so the next layer applies."""
    return None if value == "" else value


def validate_settings(settings: VideoSettings) -> VideoSettings:
    """Raise :class:`InvalidSettingError` unless ``settings`` can be generated as they are."""
    _check_directions(settings.movie_directions)
    _check_model(settings.model)
    _check_duration(settings.duration_s)
    _check_resolution(settings.resolution)
    _check_fps(settings.fps)
    _check_seed(settings.seed)
    return settings


# -- field checks ------------------------------------------------------------------------------------------


def _coerce(name: str, raw: Any) -> Any:
    if name == "resolution":
        return Resolution.parse(raw)
    try:
        if name in ("movie_directions", "model"):
            if not isinstance(raw, str):
                raise TypeError
            return raw
        if isinstance(raw, bool):
            raise TypeError
        if name == "duration_s":
            return float(raw)
        number = float(raw)
        if not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise InvalidSettingError(f"The setting {name} = {raw!r} has the wrong type.") from None


def _check_directions(text: str) -> None:
    if isinstance(text, str):
        check_plain_text(text, "movie directions", error=InvalidSettingError)
    if not isinstance(text, str) or not text.strip():
        raise InvalidSettingError(
            "The movie directions are empty. Describe the shot, for example 'slow push-in on the diagram'."
        )
    if len(text) > defaults.MAX_DIRECTIONS_CHARS:
        raise InvalidSettingError(
            f"The movie directions are {len(text)} characters long; shorten them to at most "
            f"{defaults.MAX_DIRECTIONS_CHARS}."
        )


def _check_model(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidSettingError("The model name is empty. Pick a model from the list.")
    check_plain_text(name, "model name", error=InvalidSettingError, max_chars=200)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_duration(value: float) -> None:
    if not _is_number(value):
        raise InvalidSettingError(f"The duration {value!r} is not a number of seconds.")
    if not math.isfinite(value) or not defaults.MIN_DURATION_S <= value <= defaults.MAX_DURATION_S:
        raise InvalidSettingError(
            f"A duration of {value} s is out of range. Choose between {defaults.MIN_DURATION_S:g} and "
            f"{defaults.MAX_DURATION_S:g} seconds."
        )


def _check_resolution(res: Resolution) -> None:
    if not isinstance(res, Resolution) or not (_is_number(res.width) and _is_number(res.height)):
        raise InvalidSettingError(f"The resolution {res!r} is not understood. Write it as WIDTHxHEIGHT.")
    w, h = res.width, res.height
    lo, hi = defaults.MIN_SIDE, defaults.MAX_SIDE
    if not (lo <= w <= hi and lo <= h <= hi) or w * h > defaults.MAX_PIXELS:
        raise InvalidSettingError(
            f"The resolution {res} is out of range. Each side must be {lo}-{hi} pixels, at most 4K in all."
        )
    if w % 2 or h % 2:
        raise InvalidSettingError(
            f"The resolution {res} has an odd side; H.264 needs even sizes. Try {w + w % 2}x{h + h % 2}."
        )


def _check_fps(value: int) -> None:
    if not _is_number(value) or value != int(value):
        raise InvalidSettingError(f"The frame rate {value!r} is not a whole number of frames per second.")
    if not defaults.MIN_FPS <= value <= defaults.MAX_FPS:
        raise InvalidSettingError(
            f"{value} fps is out of range. Choose between {defaults.MIN_FPS} and {defaults.MAX_FPS} fps."
        )


def _check_seed(value: int) -> None:
    if not _is_number(value) or value != int(value):
        raise InvalidSettingError(f"The seed {value!r} is not a whole number.")
    if not 0 <= value <= defaults.MAX_SEED:
        raise InvalidSettingError(f"The seed {value} is out of range. Use a whole number from 0 to 2^31-1.")
