"""Selecting segments and the dry run: the table of resolved settings (with provenance) a batch would use."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from workbench.batch.request import BatchRequest
from workbench.domain.settings import SETTING_FIELDS
from workbench.errors import REGENERATE_STARTING_IMAGE, InvalidSettingError, WorkbenchError
from workbench.jobs.actions import preflight
from workbench.jobs.runner import Runner
from workbench.store import LectureStore

__all__ = ["plan_batch", "select_segments"]


def select_segments(store: LectureStore, request: BatchRequest) -> pd.DataFrame:
    """``store.segments`` rows chosen by lecture ids, asset ids and/or a pandas query."""
    frame = store.segments(request.lecture_ids)
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
    done: dict[str, str] = {}
    for row in takes.to_dict("records"):
        settings = json.loads(row["settings_json"])
        done.setdefault(item_key(row["lecture_id"], row["asset_id"], settings), row["take_id"])
    rows = []
    for segment in segments.to_dict("records"):
        for index, variant in enumerate(request.variants):
            overrides = request.overrides_for(variant, segment)
            row: dict[str, Any] = {
                "lecture_id": segment["lecture_id"],
                "asset_id": segment["asset_id"],
                "title": segment["title"],
                "order": segment["order"],
                "variant": index,
                "variant_overrides": json.dumps(variant, sort_keys=True),
                "overrides": json.dumps(overrides, sort_keys=True),
                "committed_path": segment["path"],
                "has_starting_image": segment["has_starting_image"],
                "note": None if segment["has_starting_image"] else REGENERATE_STARTING_IMAGE,
                "error": None,
                "warnings": "",
            }
            try:
                spec = preflight(runner, segment["lecture_id"], segment["asset_id"], overrides)
            except WorkbenchError as exc:
                row.update(error=exc.message, will_run=False, item_key=None, done_take_id=None)
                for name in SETTING_FIELDS:
                    row[name] = row[f"{name}_source"] = None
                rows.append(row)
                continue
            settings = spec.resolved.settings.to_dict()
            for name in SETTING_FIELDS:
                row[name] = settings[name]
                row[f"{name}_source"] = spec.resolved.provenance[name].label
            key = item_key(segment["lecture_id"], segment["asset_id"], settings)
            row.update(
                item_key=key,
                done_take_id=done.get(key),
                will_run=key not in done,
                warnings="; ".join(spec.warnings),
            )
            rows.append(row)
    return pd.DataFrame(rows)
