"""A researcher's edits to one segment, and how they relate to what is committed.

A draft keeps, beside each field it overrides, the value the segment had *committed* for that field when the
edit was made (its *base*). When a commit from anywhere (another notebook, a batch) changes a field the draft
overrides to something else, the draft is in conflict: it is kept and shown, never dropped or overwritten
in silence. A draft value that equals the committed one is worth saying too: it still outranks the project
defaults (``640x360`` accepted while the project says ``1280x720``), so Regenerate keeps using it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.domain.ids import check_id
from workbench.domain.image_settings import ImageOverrides
from workbench.domain.models import Resolution, Take, VideoAsset
from workbench.domain.settings import SETTING_FIELDS, VideoOverrides

__all__ = ["SETTING_WORDS", "FieldConflict", "SegmentDraft", "committed_value"]

#: How a sentence names each setting ("your draft's duration differs …").
SETTING_WORDS = {
    "movie_directions": "movie directions",
    "model": "model",
    "duration_s": "duration",
    "resolution": "resolution",
    "fps": "frame rate",
    "seed": "seed",
}


def committed_value(asset: VideoAsset, name: str) -> Any:
    """The segment's own stored value of a setting, JSON-friendly (``None``: not set)."""
    value = getattr(asset, name)
    if isinstance(value, Resolution):
        return str(value)
    if name == "movie_directions" and value == "":
        return None
    return value


@dataclass(frozen=True)
class FieldConflict:
    """A field whose committed value changed under a draft edit: what I typed, what it was, what it is now."""

    name: str
    mine: Any
    base: Any
    committed: Any


@dataclass(frozen=True)
class SegmentDraft:
    """The overrides typed for one segment and, per field, the committed value they were typed against."""

    overrides: VideoOverrides = field(default_factory=VideoOverrides)
    base: Mapping[str, Any] = field(default_factory=dict)
    updated_at: str = ""
    #: The starting-image form's edits (prompt, model, size, seed, reference). They have no base: a new image
    #: committed elsewhere replaces the picture, not the words typed for the next one.
    image: ImageOverrides = field(default_factory=ImageOverrides)
    #: Fields loaded from a take ("Use these settings"): field → take id, until the field is edited.
    origins: Mapping[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return self.overrides.is_empty() and self.image.is_empty()

    def changed_image(self, changes: Mapping[str, Any], *, at: str = "") -> SegmentDraft:
        """Apply image-form ``changes`` (``None`` drops a field); validated first, so a refusal changes nothing."""
        merged = {**self.image.as_dict(), **changes}
        image = ImageOverrides.from_mapping({k: v for k, v in merged.items() if v is not None})
        return dataclasses.replace(self, image=image, updated_at=at or self.updated_at)

    def changed(self, changes: Mapping[str, Any], asset: VideoAsset, *, at: str = "") -> SegmentDraft:
        """Apply ``changes`` (``None`` drops a field); validated first, so a refused value changes nothing.

        A field edited for the first time records the segment's committed value as its base; a field edited
        again keeps the base it had, so a conflict noticed earlier stays visible until it is resolved.
        """
        merged = {**self.overrides.as_dict(), **changes}
        overrides = VideoOverrides.from_mapping({k: v for k, v in merged.items() if v is not None})
        kept = overrides.as_dict()
        base = {name: self.base[name] if name in self.base else committed_value(asset, name) for name in kept}
        origins = {k: v for k, v in self.origins.items() if k in kept and k not in changes}
        return SegmentDraft(overrides, base, at or self.updated_at, self.image, origins)

    def from_take(self, take: Take, asset: VideoAsset, *, at: str = "") -> SegmentDraft:
        """Every setting of ``take`` as the draft ("Use these settings"), each marked as coming from it;
        fields keep their base where they had one, so a conflict noticed earlier stays visible."""
        values = take.settings.to_dict()
        loaded = self.changed(values, asset, at=at)
        return dataclasses.replace(loaded, origins=dict.fromkeys(values, take.id))

    def without(self, names: Iterable[str]) -> SegmentDraft:
        drop = set(names)
        kept = {k: v for k, v in self.overrides.as_dict().items() if k not in drop}
        return SegmentDraft(
            VideoOverrides.from_mapping(kept),
            {k: v for k, v in self.base.items() if k in kept},
            self.updated_at,
            self.image,
            {k: v for k, v in self.origins.items() if k in kept},
        )

    def rebased(self, asset: VideoAsset, names: Iterable[str] | None = None) -> SegmentDraft:
        """Keep my values but take the current committed ones as their base (resolves conflicts as "keep mine")."""
        chosen = set(self.overrides.as_dict() if names is None else names)
        base = {k: committed_value(asset, k) if k in chosen else v for k, v in self.base.items()}
        return SegmentDraft(self.overrides, base, self.updated_at, self.image, self.origins)

    def conflicts(self, asset: VideoAsset) -> tuple[FieldConflict, ...]:
        """Fields whose committed value moved away from the base, to something other than my value."""
        out = []
        for name, mine in self.overrides.as_dict().items():
            now = committed_value(asset, name)
            base = self.base.get(name, now)
            if not _same(base, now) and not _same(mine, now):
                out.append(FieldConflict(name, mine, base, now))
        return tuple(out)

    def same_as_committed(self, asset: VideoAsset) -> frozenset[str]:
        """Overridden fields whose value is what the segment has committed."""
        return frozenset(
            name
            for name, mine in self.overrides.as_dict().items()
            if _same(mine, committed_value(asset, name))
        )

    # -- as stored (see ``store/drafts.py``) ---------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        out = {"overrides": self.overrides.as_dict(), "base": dict(self.base), "updated_at": self.updated_at}
        if not self.image.is_empty():
            out["image"] = self.image.as_dict()
        if self.origins:
            out["origins"] = dict(self.origins)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SegmentDraft:
        """Validate a stored draft (unknown fields and bad values are refused, as typed ones are)."""
        overrides = VideoOverrides.from_mapping(data.get("overrides") or {})
        raw_base = data.get("base") or {}
        if not isinstance(raw_base, Mapping):
            raise TypeError("base must be a mapping")
        overridden = overrides.as_dict()
        base = {k: v for k, v in raw_base.items() if k in SETTING_FIELDS and k in overridden}
        image = ImageOverrides.from_mapping(data.get("image") or {})
        raw_origins = data.get("origins") or {}
        if not isinstance(raw_origins, Mapping):
            raise TypeError("origins must be a mapping")
        origins = {k: check_id(str(v), "take id") for k, v in raw_origins.items() if k in overridden}
        return cls(overrides, base, str(data.get("updated_at") or ""), image, origins)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b
