"""Batches of starting images (``BatchRequest(images=True)``, ``workbench batch --images``): the plan, each item's
run and its checks, with the same columns and policies as a video batch so the report reads the same."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image, UnidentifiedImageError

from workbench.batch.plan import item_key, select_segments
from workbench.batch.request import BatchRequest, apply_policy
from workbench.batch.run import job_failed, take_columns
from workbench.domain.image_settings import IMAGE_SETTING_FIELDS
from workbench.domain.jobs import JobStatus
from workbench.domain.models import ImageSettings
from workbench.errors import WorkbenchError
from workbench.jobs.image_actions import accept_image_take, preflight_image, regenerate_starting_image
from workbench.jobs.runner import Runner

__all__ = ["check_image", "plan_image_batch", "run_image_item"]


def plan_image_batch(runner: Runner, request: BatchRequest) -> pd.DataFrame:
    """One row per (segment, variant): effective image settings with provenance, and whether it will run."""
    store = runner.store
    segments = select_segments(store, request)
    done: dict[str, str] = {}
    for row in store.image_takes().to_dict("records"):
        done.setdefault(
            item_key(row["lecture_id"], row["asset_id"], json.loads(row["settings_json"])), row["take_id"]
        )
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
                "variant_overrides": dict(variant),
                "overrides": overrides,
                "committed_path": segment["starting_image_path"] if segment["has_starting_image"] else None,
                "has_starting_image": segment["has_starting_image"],
                "note": None,
                "error": None,
                "error_detail": None,
                "warnings": [],
            }
            try:
                spec = preflight_image(runner, segment["lecture_id"], segment["asset_id"], overrides)
            except WorkbenchError as exc:
                row.update(
                    error=exc.message,
                    error_detail=exc.detail,
                    will_run=False,
                    item_key=None,
                    done_take_id=None,
                )
                for name in IMAGE_SETTING_FIELDS:
                    row[name] = row[f"{name}_source"] = None
                rows.append(row)
                continue
            settings = spec.resolved.settings.to_dict()
            for name in IMAGE_SETTING_FIELDS:
                row[name] = settings[name]
                row[f"{name}_source"] = spec.resolved.provenance[name].label
            key = item_key(segment["lecture_id"], segment["asset_id"], settings)
            row.update(
                item_key=key,
                done_take_id=done.get(key),
                will_run=key not in done,
                warnings=list(spec.warnings),
            )
            rows.append(row)
    return pd.DataFrame(rows)


def check_image(path: Path, settings: ImageSettings, width: int, height: int) -> list[str]:
    """Problems found (empty when the image passes): it decodes fully, at the size recorded and asked for."""
    try:
        with Image.open(path) as img:
            img.load()
            size = img.size
    except (OSError, UnidentifiedImageError) as exc:
        return [f"does not decode as an image: {exc}"]
    problems = []
    if size != (width, height):
        problems.append(f"{size[0]}x{size[1]} on disk, {width}x{height} recorded")
    if size != (settings.size.width, settings.size.height):
        problems.append(f"{size[0]}x{size[1]} instead of {settings.size}")
    return problems


async def run_image_item(
    runner: Runner,
    request: BatchRequest,
    item: dict[str, Any],
    *,
    accept: bool,
    out: dict[str, Any],
    tell: Callable[..., None],
) -> dict[str, Any]:
    """Run one planned image item; ``out`` is the empty outcome row of a video item (the same columns)."""
    store = runner.store
    if item["error"]:
        return {**out, "status": "failed"}
    if not item["will_run"]:
        take = store.image_take(item["done_take_id"])
        return {
            **out,
            **take_columns(take),
            "status": "skipped",
            "detail": f"already generated (take {take.id}, {take.status})",
        }
    submitted = time.perf_counter()
    try:
        handle = regenerate_starting_image(
            runner, item["lecture_id"], item["asset_id"], dict(item["overrides"])
        )
    except WorkbenchError as exc:
        return {**out, "status": "failed", "error": exc.message, "error_detail": exc.detail}
    tell("started", 0.0)
    record = await handle.ended()  # the store gets its last state with other jobs' (Runner.written)
    out["job_id"] = record.id
    if record.status is not JobStatus.AWAITING_REVIEW:
        return job_failed(record, out)
    take = store.image_take(record.take_id or "")
    out.update(take_columns(take), status="pending")
    out["queue_s"] = round(
        max(0.0, time.perf_counter() - submitted - (take.timings.get("total_s") or 0.0)), 3
    )
    problems = await asyncio.to_thread(
        check_image, store.media_path(take.path), take.settings, take.width, take.height
    )
    out["checks"] = problems
    await apply_policy(
        request.policy, problems, out, accept=accept, accept_take=lambda: accept_image_take(runner, take.id)
    )
    return out
