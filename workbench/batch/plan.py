"""Selecting segments and the dry run: the table of resolved settings (with provenance) a batch would use."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from workbench.batch.request import BatchRequest
from workbench.domain.models import VideoAsset
from workbench.domain.settings import SETTING_FIELDS
from workbench.errors import REGENERATE_STARTING_IMAGE, InvalidSettingError, NotFoundError, WorkbenchError
from workbench.jobs.actions import preflight
from workbench.jobs.runner import Runner
from workbench.store import LectureStore

__all__ = ["PLAN_COLUMNS", "plan_batch", "select_segments"]

#: The plan's columns (an empty selection still has them, so code reading a plan never meets a KeyError).
PLAN_COLUMNS = (
    ["lecture_id", "asset_id", "title", "order", "variant", "variant_overrides", "overrides"]
    + [f"committed_{n}" for n in ("path", "updated_at", *SETTING_FIELDS)]
    + ["has_starting_image", "note", "error", "error_detail", "warnings"]
    + [c for name in SETTING_FIELDS for c in (name, f"{name}_source")]
    + ["item_key", "done_take_id", "will_run"]
)


def select_segments(store: LectureStore, request: BatchRequest) -> pd.DataFrame:
    """``store.segments`` rows chosen by lecture ids, asset ids and/or a pandas query (may be empty)."""
    if request.lecture_ids is not None:
        known = store.lecture_ids()
        unknown = sorted(set(request.lecture_ids) - set(known))
        if unknown:
            raise NotFoundError(
                f"No lecture {', '.join(map(repr, unknown))} in the store. Lectures: {', '.join(known) or 'none'}."
            )
    frame = store.segments(list(request.lecture_ids) if request.lecture_ids is not None else None)
    if frame.empty:
        if request.asset_ids:
            raise InvalidSettingError(
                f"No segment {', '.join(map(repr, request.asset_ids))}: the lectures are empty."
            )
        return frame
    if request.asset_ids is not None:
        unknown = sorted(set(request.asset_ids) - set(frame["asset_id"]))
        if unknown:
            raise InvalidSettingError(f"No segment {', '.join(map(repr, unknown))} in the selected lectures.")
        frame = frame[frame["asset_id"].isin(list(request.asset_ids))]
    if request.query:
        try:
            frame = frame.query(request.query)
        except Exception as exc:
            raise InvalidSettingError(
                f"The selection query {request.query!r} could not run. Columns you can use: "
                f"{', '.join(frame.columns)}.",
                detail=f"{type(exc).__name__}: {exc}",
            ) from None
    return frame.reset_index(drop=True)


def item_key(lecture_id: str, asset_id: str, settings: dict[str, Any]) -> str:
    """Identifies one (segment, effective settings) item, so a re-run can skip what already succeeded."""
    blob = json.dumps([lecture_id, asset_id, settings], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan_batch(runner: Runner, request: BatchRequest) -> pd.DataFrame:
    """One row per (segment, variant): effective settings, provenance, and whether it will run (image settings
    for ``request.images``).

    Generates nothing. ``will_run`` is False for items refused up front (``error`` says why) and for items
    already done by an earlier run of the same batch (``done_take_id``).
    """
    if request.images:
        from workbench.batch.images import plan_image_batch

        return plan_image_batch(runner, request)
    store = runner.store
    segments = select_segments(store, request)
    takes = store.takes()
    # only the selected segments' takes can match an item: the cost follows the selection, not the store
    chosen = (
        takes["lecture_id"].isin(segments["lecture_id"]) & takes["asset_id"].isin(segments["asset_id"])
        if not segments.empty
        else pd.Series(False, index=takes.index)
    )
    done: dict[str, str] = {}
    for row in takes.loc[chosen, ["lecture_id", "asset_id", "settings_json", "take_id"]].to_dict("records"):
        settings = json.loads(row["settings_json"])
        done.setdefault(item_key(row["lecture_id"], row["asset_id"], settings), row["take_id"])
    rows = []
    lectures: dict[str, Any] = {}
    for segment in segments.to_dict("records"):
        lecture_id = segment["lecture_id"]
        if lecture_id not in lectures:
            lectures[lecture_id] = store.lecture(lecture_id)
        committed = lectures[lecture_id].asset(segment["asset_id"])
        for index, variant in enumerate(request.variants):
            overrides = request.overrides_for(variant, segment)
            row: dict[str, Any] = {
                "lecture_id": lecture_id,
                "asset_id": segment["asset_id"],
                "title": segment["title"],
                "order": segment["order"],
                "variant": index,
                "variant_overrides": dict(variant),
                "overrides": overrides,
                **_committed_columns(committed, segment),
                "has_starting_image": segment["has_starting_image"],
                "note": None if segment["has_starting_image"] else REGENERATE_STARTING_IMAGE,
                "error": None,
                "error_detail": None,
                "warnings": [],
            }
            try:
                spec = preflight(runner, lecture_id, segment["asset_id"], overrides)
            except WorkbenchError as exc:
                row.update(
                    error=exc.message,
                    error_detail=exc.detail,
                    will_run=False,
                    item_key=None,
                    done_take_id=None,
                )
                for name in SETTING_FIELDS:
                    row[name] = row[f"{name}_source"] = None
                rows.append(row)
                continue
            settings = spec.resolved.settings.to_dict()
            for name in SETTING_FIELDS:
                row[name] = settings[name]
                row[f"{name}_source"] = spec.resolved.provenance[name].label
            key = item_key(lecture_id, segment["asset_id"], settings)
            row.update(
                item_key=key,
                done_take_id=done.get(key),
                will_run=key not in done,
                warnings=list(spec.warnings),
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=PLAN_COLUMNS if not rows else None)


def _committed_columns(asset: VideoAsset, segment: dict[str, Any]) -> dict[str, Any]:
    """What the segment holds now: the video a take would replace and the settings that made it (a field the
    segment does not set itself is the effective value it falls back to, as ``store.segments()`` resolves it)."""
    own = {
        "movie_directions": asset.movie_directions,
        "model": asset.model,
        "duration_s": asset.duration_s,
        "resolution": str(asset.resolution) if asset.resolution is not None else None,
        "fps": asset.fps,
        "seed": asset.seed,
    }
    return {
        "committed_path": asset.path,
        "committed_updated_at": asset.updated_at or None,
        **{f"committed_{k}": v if v is not None else segment.get(k) for k, v in own.items()},
    }
