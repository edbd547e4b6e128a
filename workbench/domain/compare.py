"""Settings side by side: which fields differ between takes (or a take and the committed video), compared as
values, not as text ("2" s and "2.0" s are the same duration), and said in words with where each came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench.domain.models import SettingSource, VideoSettings
from workbench.domain.settings import SETTING_FIELDS

__all__ = ["SETTING_LABELS", "Column", "SettingRow", "setting_text", "settings_diff"]

SETTING_LABELS = {
    "movie_directions": "Movie directions",
    "model": "Model",
    "duration_s": "Duration",
    "resolution": "Resolution",
    "fps": "FPS",
    "seed": "Seed",
}


@dataclass(frozen=True)
class Column:
    """One side of a comparison: settings and, where known, where each value came from."""

    title: str
    settings: VideoSettings
    provenance: Mapping[str, SettingSource] | None = None


@dataclass(frozen=True)
class SettingRow:
    """One field across the columns: the values as text, their sources in words (``""`` when not known), and
    whether any two values differ."""

    name: str
    label: str
    values: tuple[str, ...]
    sources: tuple[str, ...]
    differs: bool


def setting_text(name: str, value: object) -> str:
    """A setting's value as people read it (``2 s``, ``1280x720``, ``24 fps``)."""
    if name == "duration_s":
        return f"{float(value):g} s"  # type: ignore[arg-type]
    if name == "fps":
        return f"{value} fps"
    return str(value)


def settings_diff(columns: Sequence[Column], *, only_differences: bool = True) -> list[SettingRow]:
    """Rows of the fields that differ between ``columns`` (all fields with ``only_differences=False``).

    Values are compared typed (the dataclass fields), so a value written two ways is not a difference.
    """
    rows = []
    for name in SETTING_FIELDS:
        values = [getattr(c.settings, name) for c in columns]
        differs = any(v != values[0] for v in values[1:])
        if only_differences and not differs:
            continue
        rows.append(
            SettingRow(
                name,
                SETTING_LABELS[name],
                tuple(setting_text(name, v) for v in values),
                tuple(
                    c.provenance[name].label if c.provenance and name in c.provenance else "" for c in columns
                ),
                differs,
            )
        )
    return rows
