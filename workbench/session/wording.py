"""How a session words what other processes did: "seg-02 “Title” was accepted by batch run of … (ada)"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from workbench.domain.models import VideoAsset
from workbench.jobs.events import Event

__all__ = ["changed_fields", "describe_changes", "segment_label", "who_did"]

_FIELD_WORDS = {
    "path": "a new video",
    "starting_image_id": "a new starting image",
    "title": "a new title",
    "movie_directions": "new directions",
}
_SETTINGS = frozenset({"model", "duration_s", "resolution", "fps", "seed"})


def changed_fields(old: VideoAsset, new: VideoAsset) -> frozenset[str]:
    return frozenset(f.name for f in fields(VideoAsset) if getattr(old, f.name) != getattr(new, f.name))


def describe_changes(names: frozenset[str]) -> str:
    """``{"path", "updated_at", "model"}`` → "a new video and new settings"."""
    parts = [words for name, words in _FIELD_WORDS.items() if name in names]
    if names & _SETTINGS:
        parts.append("new settings")
    return " and ".join(parts) or "changes"


def segment_label(asset_id: str, asset: VideoAsset | None) -> str:
    title = asset.title if asset is not None else ""
    return f"{asset_id} “{title}”" if title else asset_id


def who_did(event: Event, job_sources: Mapping[str, str]) -> str:
    """The runner's label (a batch names itself) and the user, as the event or its job's first event says."""
    source = event.payload.get("source") or job_sources.get(event.job_id) or "another session"
    user = event.payload.get("decided_by")
    return f"{source} ({user})" if user else str(source)
