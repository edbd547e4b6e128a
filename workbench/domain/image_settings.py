"""Starting-image settings: the editor's overrides, their validation, and precedence with provenance.

The image twin of :mod:`workbench.domain.settings`. Precedence, field by field: editor overrides → project
image defaults → the segment's existing image settings → built-in defaults. Two rules of the issue that asked
for it: the size defaults to the project's *video* resolution (a slide made for the video it will become),
and a segment with no prompt on record starts from its own title (a one-line title slide), so the local slide
model has something to draw for a segment that never had an image.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from workbench.domain import defaults
from workbench.domain.models import (
    ImageSettings,
    Project,
    Resolution,
    SettingSource,
    StartingImage,
    VideoAsset,
)
from workbench.domain.text import check_plain_text
from workbench.errors import InvalidSettingError, UnknownFieldError

__all__ = [
    "IMAGE_SETTING_FIELDS",
    "ImageOverrides",
    "ResolvedImageSettings",
    "resolve_image_settings",
    "validate_image_settings",
]

IMAGE_SETTING_FIELDS = ("prompt", "model", "size", "seed", "reference")


@dataclass(frozen=True)
class ImageOverrides:
    """What the editor's starting-image form changed. ``None`` means "not overridden"; validated on construction."""

    prompt: str | None = None
    model: str | None = None
    size: Resolution | None = None
    seed: int | None = None
    reference: bool | None = None

    def __post_init__(self) -> None:
        if self.prompt is not None:
            _check_prompt(self.prompt)
        if self.model is not None:
            _check_model(self.model)
        if self.size is not None:
            _check_size(self.size)
        if self.seed is not None:
            _check_seed(self.seed)
        if self.reference is not None and not isinstance(self.reference, bool):
            raise InvalidSettingError(f"reference must be true or false, not {self.reference!r}.")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | ImageOverrides | None) -> ImageOverrides:
        """Build from a plain mapping (a notebook, a batch parameter): unknown keys and bad types refused."""
        if data is None:
            return cls()
        if isinstance(data, ImageOverrides):
            return data
        if not isinstance(data, Mapping):
            raise InvalidSettingError(
                f"Image overrides must be a mapping of setting names to values, not {type(data).__name__}."
            )
        unknown = sorted(set(data) - set(IMAGE_SETTING_FIELDS))
        if unknown:
            raise UnknownFieldError(
                f"Unknown image setting{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}. "
                f"Known image settings: {', '.join(IMAGE_SETTING_FIELDS)}."
            )
        return cls(**{name: _coerce(name, raw) for name, raw in data.items() if raw is not None})

    def as_dict(self) -> dict[str, Any]:
        """Only the overridden fields, JSON-friendly (size as text)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = str(value) if isinstance(value, Resolution) else value
        return out

    def is_empty(self) -> bool:
        return not self.as_dict()


@dataclass(frozen=True)
class ResolvedImageSettings:
    """Effective image settings plus where each came from; ``checked`` once validated (see ``ResolvedSettings``)."""

    settings: ImageSettings
    provenance: Mapping[str, SettingSource]
    checked: bool = field(default=False, compare=False)

    def check(self) -> ResolvedImageSettings:
        """Validate once (raises :class:`InvalidSettingError`); returns the checked value."""
        if self.checked:
            return self
        validate_image_settings(self.settings)
        return dataclasses.replace(self, checked=True)


def resolve_image_settings(
    overrides: ImageOverrides | Mapping[str, Any] | None,
    project: Project,
    asset: VideoAsset,
    image: StartingImage | None,
    *,
    video_resolution: Resolution | None = None,
) -> ResolvedImageSettings:
    """Apply the precedence field by field (no completeness check: see :meth:`ResolvedImageSettings.check`).

    ``image`` is the segment's current starting image (``None`` when it has none); ``video_resolution`` is the
    segment's effective video resolution, which the size falls back to after the project's image default.
    """
    over = ImageOverrides.from_mapping(overrides)
    image_defaults = project.image_defaults
    video_size = project.video_defaults.resolution
    layers: dict[str, tuple[tuple[SettingSource, Any], ...]] = {
        "prompt": (
            (SettingSource.OVERRIDE, over.prompt),
            (SettingSource.ASSET, image.prompt if image is not None else None),
            (SettingSource.ASSET, _title_slide(asset)),
        ),
        "model": (
            (SettingSource.OVERRIDE, over.model),
            (SettingSource.PROJECT, image_defaults.model),
            (SettingSource.ASSET, image.model if image is not None else None),
        ),
        "size": (
            (SettingSource.OVERRIDE, over.size),
            (SettingSource.PROJECT, image_defaults.size),
            (SettingSource.PROJECT, video_size),
            (SettingSource.ASSET, video_resolution or asset.resolution),
            (SettingSource.ASSET, Resolution(image.width, image.height) if image is not None else None),
        ),
        "seed": (
            (SettingSource.OVERRIDE, over.seed),
            (SettingSource.ASSET, image.seed if image is not None else None),
        ),
        "reference": ((SettingSource.OVERRIDE, over.reference),),
    }
    built_in: dict[str, Any] = {
        "prompt": "",
        "model": defaults.DEFAULT_IMAGE_MODEL,
        "size": Resolution(*defaults.DEFAULT_RESOLUTION),
        "seed": defaults.DEFAULT_SEED,
        "reference": False,
    }
    values: dict[str, Any] = {}
    provenance: dict[str, SettingSource] = {}
    for name in IMAGE_SETTING_FIELDS:
        source, value = next(
            ((src, v) for src, v in layers[name] if v not in (None, "")), (SettingSource.DEFAULT, None)
        )
        values[name] = built_in[name] if value is None else value
        provenance[name] = source
    return ResolvedImageSettings(ImageSettings(**values), provenance)


def _title_slide(asset: VideoAsset) -> str | None:
    """A segment without an image prompt starts from its title: the slide model draws it as a title slide."""
    title = (asset.title or "").strip()
    return title or None


def validate_image_settings(settings: ImageSettings) -> ImageSettings:
    """Raise :class:`InvalidSettingError` unless ``settings`` can be generated as they are."""
    _check_prompt(settings.prompt)
    _check_model(settings.model)
    _check_size(settings.size)
    _check_seed(settings.seed)
    return settings


# -- field checks ------------------------------------------------------------------------------------------


def _coerce(name: str, raw: Any) -> Any:
    if name == "size":
        return Resolution.parse(raw)
    try:
        if name in ("prompt", "model"):
            if not isinstance(raw, str):
                raise TypeError
            return raw
        if name == "reference":
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
                return raw.strip().lower() in ("true", "yes", "1")
            raise TypeError
        if isinstance(raw, bool):
            raise TypeError
        number = float(raw)
        if not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise InvalidSettingError(f"The image setting {name} = {raw!r} has the wrong type.") from None


def _check_prompt(text: str) -> None:
    if isinstance(text, str):
        check_plain_text(text, "image prompt", error=InvalidSettingError)
    if not isinstance(text, str) or not text.strip():
        raise InvalidSettingError(
            "The image prompt is empty. Describe the slide: a title line, then bullet lines starting with '-'."
        )
    if len(text) > defaults.MAX_PROMPT_CHARS:
        raise InvalidSettingError(
            f"The image prompt is {len(text)} characters long; shorten it to at most {defaults.MAX_PROMPT_CHARS}."
        )


def _check_model(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidSettingError("The image model name is empty. Pick a model from the list.")
    check_plain_text(name, "image model name", error=InvalidSettingError, max_chars=200)


def _check_size(size: Resolution) -> None:
    if not isinstance(size, Resolution) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in (size.width, size.height)
    ):
        raise InvalidSettingError(f"The image size {size!r} is not understood. Write it as WIDTHxHEIGHT.")
    lo, hi = max(defaults.MIN_SIDE, defaults.MIN_IMAGE_SIDE), defaults.MAX_SIDE
    if (
        not (lo <= size.width <= hi and lo <= size.height <= hi)
        or size.width * size.height > defaults.MAX_PIXELS
    ):
        raise InvalidSettingError(
            f"The image size {size} is out of range. Each side must be {lo}-{hi} pixels, at most 4K in all."
        )


def _check_seed(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSettingError(f"The image seed {value!r} is not a whole number.")
    if not 0 <= value <= defaults.MAX_SEED:
        raise InvalidSettingError(
            f"The image seed {value} is out of range. Use a whole number from 0 to 2^31-1."
        )
