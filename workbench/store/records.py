"""Parquet schemas of the store's tables and the mapping between rows and domain records.

Takes and jobs change state (pending → accepted, queued → running → …) yet tables are append-only, so each
change appends a new row with a higher ``revision``; the latest revision of an id is its current state.
Settings are kept both as flat columns (for pandas analysis) and as JSON (for exact round-trips).

Every column that can carry a provider's words (errors, provider job ids, warnings, event messages and
payloads) passes through :func:`~workbench.domain.redaction.redact` here, on the way to disk, so a token
echoed by a provider never reaches a table whatever path it took.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import ImageSettings, ImageTake, SettingSource, Take, TakeStatus, VideoSettings
from workbench.domain.redaction import redact, redact_optional
from workbench.store.tables import added_later

__all__ = [
    "EVENT_SCHEMA",
    "IMAGE_TAKE_SCHEMA",
    "JOB_SCHEMA",
    "METRICS_COLUMNS",
    "METRICS_SCHEMA",
    "TAKE_SCHEMA",
    "event_row",
    "image_take_from_row",
    "image_take_to_row",
    "job_from_row",
    "job_to_row",
    "metrics_from_row",
    "metrics_to_row",
    "take_from_row",
    "take_to_row",
]

_s, _i, _f = pa.string(), pa.int64(), pa.float64()

TAKE_SCHEMA = pa.schema(
    [
        ("take_id", _s), ("revision", _i), ("lecture_id", _s), ("asset_id", _s), ("job_id", _s),
        ("status", _s), ("path", _s), ("preview_token", _s), ("created_at", _s), ("decided_at", _s),
        ("decided_by", _s), ("model", _s), ("movie_directions", _s), ("duration_s", _f), ("width", _i),
        ("height", _i), ("fps", _i), ("seed", _i), ("settings_json", _s), ("provenance_json", _s),
        ("backend", _s), ("provider", _s), ("provider_job_id", _s), ("cost", _f), ("frame_count", _i),
        ("size_bytes", _i), ("generation_s", _f), ("timings_json", _s), ("warnings_json", _s),
        added_later("starting_image_version", _s),
    ]
)  # fmt: skip

#: Generated starting images awaiting (or past) review; files older than a column read it as null.
IMAGE_TAKE_SCHEMA = pa.schema(
    [
        ("take_id", _s), ("revision", _i), ("lecture_id", _s), ("asset_id", _s), ("job_id", _s),
        ("status", _s), ("path", _s), ("preview_token", _s), ("created_at", _s), ("decided_at", _s),
        ("decided_by", _s), ("model", _s), ("prompt", _s), ("width", _i), ("height", _i), ("seed", _i),
        ("reference_path", _s), ("settings_json", _s), ("provenance_json", _s), ("backend", _s),
        ("provider", _s), ("provider_job_id", _s), ("cost", _f), ("size_bytes", _i), ("generation_s", _f),
        ("regions_json", _s), ("timings_json", _s), ("warnings_json", _s),
    ]
)  # fmt: skip

JOB_SCHEMA = pa.schema(
    [
        ("job_id", _s), ("revision", _i), ("kind", _s), ("lecture_id", _s), ("asset_id", _s), ("user", _s),
        ("status", _s), ("created_at", _s), ("updated_at", _s), ("overrides_json", _s), ("settings_json", _s),
        ("provenance_json", _s), ("take_id", _s), ("error", _s), ("attempts", _i), ("provider_job_id", _s), ("runner", _s),
        # added later: files written before it lack the column and read as null
        added_later("error_detail", _s),
    ]
)  # fmt: skip

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", _s), ("type", _s), ("time", _s), ("job_id", _s), ("lecture_id", _s), ("asset_id", _s),
        ("message", _s), ("payload_json", _s),
    ]
)  # fmt: skip


#: The take metrics as typed columns (``/work/helpers/METRICS_CONTRACT.md``, shared with the batch report):
#: nested values are lists of structs, never JSON text, so pandas and duckdb read them as they are.
_MOTION_SAMPLE = pa.struct([("t", _f), ("cx", _f), ("cy", _f), ("zoom", _f), ("angle", _f)])
_MOVE_CHECK = pa.struct([("step", _i), ("move", _s), ("ok", pa.bool_()), ("measured", _s)])
_METRIC_FIELDS = [
    ("metrics_version", _i), ("metrics_s", _f), ("content_hash", _s), ("decoded_frames", _i),
    ("decoded_duration_s", _f), ("motion_amount", _f), ("motion_path", pa.list_(_MOTION_SAMPLE)), ("jitter", _f),
    ("reversals", _i), ("stalls", _i), ("black_share", _f), ("frozen_share", _f), ("sharpness", _f),
    ("similarity_ssim", _f), ("adherence", _f), ("adherence_reason", _s),
    ("adherence_moves", pa.list_(_MOVE_CHECK)),
]  # fmt: skip
#: The metric columns joined onto ``store.takes()`` (nulls where a take has not been measured).
METRICS_COLUMNS = tuple(name for name, _ in _METRIC_FIELDS)
#: One row per measurement; ``lecture_id`` is the guard's (and a reader's) way to the owner, ``measured_at``
#: orders measurements of one take at one version (the latest wins).
METRICS_SCHEMA = pa.schema([("take_id", _s), ("lecture_id", _s), ("measured_at", _s), *_METRIC_FIELDS])


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def take_to_row(take: Take, revision: int) -> dict[str, Any]:
    s = take.settings
    return {
        "take_id": take.id,
        "revision": revision,
        "lecture_id": take.lecture_id,
        "asset_id": take.asset_id,
        "job_id": take.job_id,
        "status": str(take.status),
        "path": take.path,
        "preview_token": take.preview_token,
        "created_at": take.created_at,
        "decided_at": take.decided_at,
        "decided_by": take.decided_by,
        "model": s.model,
        "movie_directions": s.movie_directions,
        "duration_s": s.duration_s,
        "width": s.resolution.width,
        "height": s.resolution.height,
        "fps": s.fps,
        "seed": s.seed,
        "settings_json": _dumps(s.to_dict()),
        "provenance_json": _dumps({k: str(v) for k, v in take.provenance.items()}),
        "backend": take.backend,
        "provider": redact_optional(take.provider),
        "provider_job_id": redact_optional(take.provider_job_id),
        "cost": take.cost,
        "frame_count": take.frame_count,
        "size_bytes": take.size_bytes,
        "generation_s": take.timings.get("total_s"),
        "timings_json": _dumps(dict(take.timings)),
        "warnings_json": _dumps([redact(w) for w in take.warnings]),
        "starting_image_version": take.starting_image_version,
    }


def _opt(value: Any) -> Any:
    """pandas gives NaN/None for nulls; normalise to None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        pass
    return value


def take_from_row(row: Mapping[str, Any]) -> Take:
    cost = _opt(row["cost"])
    return Take(
        id=row["take_id"],
        lecture_id=row["lecture_id"],
        asset_id=row["asset_id"],
        job_id=row["job_id"],
        path=row["path"],
        settings=VideoSettings.from_dict(json.loads(row["settings_json"])),
        provenance={k: SettingSource(v) for k, v in json.loads(row["provenance_json"]).items()},
        preview_token=row["preview_token"],
        status=TakeStatus(row["status"]),
        created_at=row["created_at"],
        decided_at=_opt(row["decided_at"]),
        decided_by=_opt(row["decided_by"]),
        backend=_opt(row["backend"]) or "",
        provider=_opt(row["provider"]),
        provider_job_id=_opt(row["provider_job_id"]),
        cost=None if cost is None else float(cost),
        frame_count=int(row["frame_count"]),
        size_bytes=int(row["size_bytes"]),
        timings=json.loads(row["timings_json"]),
        warnings=tuple(json.loads(row["warnings_json"])),
        starting_image_version=_opt(row.get("starting_image_version")),
    )


def image_take_to_row(take: ImageTake, revision: int) -> dict[str, Any]:
    s = take.settings
    return {
        "take_id": take.id,
        "revision": revision,
        "lecture_id": take.lecture_id,
        "asset_id": take.asset_id,
        "job_id": take.job_id,
        "status": str(take.status),
        "path": take.path,
        "preview_token": take.preview_token,
        "created_at": take.created_at,
        "decided_at": take.decided_at,
        "decided_by": take.decided_by,
        "model": s.model,
        "prompt": s.prompt,
        "width": take.width,
        "height": take.height,
        "seed": s.seed,
        "reference_path": take.reference_path,
        "settings_json": _dumps(s.to_dict()),
        "provenance_json": _dumps({k: str(v) for k, v in take.provenance.items()}),
        "backend": take.backend,
        "provider": redact_optional(take.provider),
        "provider_job_id": redact_optional(take.provider_job_id),
        "cost": take.cost,
        "size_bytes": take.size_bytes,
        "generation_s": take.timings.get("total_s"),
        "regions_json": _dumps({name: list(box) for name, box in take.regions.items()}),
        "timings_json": _dumps(dict(take.timings)),
        "warnings_json": _dumps([redact(w) for w in take.warnings]),
    }


def image_take_from_row(row: Mapping[str, Any]) -> ImageTake:
    cost = _opt(row["cost"])
    return ImageTake(
        id=row["take_id"],
        lecture_id=row["lecture_id"],
        asset_id=row["asset_id"],
        job_id=row["job_id"],
        path=row["path"],
        settings=ImageSettings.from_dict(json.loads(row["settings_json"])),
        provenance={k: SettingSource(v) for k, v in json.loads(row["provenance_json"]).items()},
        preview_token=row["preview_token"],
        width=int(row["width"]),
        height=int(row["height"]),
        status=TakeStatus(row["status"]),
        created_at=row["created_at"],
        decided_at=_opt(row["decided_at"]),
        decided_by=_opt(row["decided_by"]),
        backend=_opt(row["backend"]) or "",
        provider=_opt(row["provider"]),
        provider_job_id=_opt(row["provider_job_id"]),
        cost=None if cost is None else float(cost),
        size_bytes=int(row["size_bytes"]),
        regions={k: tuple(v) for k, v in json.loads(row["regions_json"]).items()},
        reference_path=_opt(row["reference_path"]),
        timings=json.loads(row["timings_json"]),
        warnings=tuple(json.loads(row["warnings_json"])),
    )


def job_to_row(job: JobRecord, revision: int) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "revision": revision,
        "kind": job.kind,
        "lecture_id": job.lecture_id,
        "asset_id": job.asset_id,
        "user": job.user,
        "status": str(job.status),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "overrides_json": _dumps(dict(job.overrides)),
        "settings_json": _dumps(dict(job.settings)),
        "provenance_json": _dumps(dict(job.provenance)),
        "take_id": job.take_id,
        "error": redact_optional(job.error),
        "attempts": job.attempts,
        "provider_job_id": redact_optional(job.provider_job_id),
        "runner": job.runner,
        "error_detail": redact_optional(job.error_detail),
    }


def job_from_row(row: Mapping[str, Any]) -> JobRecord:
    return JobRecord(
        id=row["job_id"],
        kind=row["kind"],
        lecture_id=row["lecture_id"],
        asset_id=row["asset_id"],
        user=row["user"],
        status=JobStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        overrides=json.loads(row["overrides_json"]),
        settings=json.loads(row["settings_json"]),
        provenance=json.loads(row["provenance_json"]),
        take_id=_opt(row["take_id"]),
        error=_opt(row["error"]),
        attempts=int(row["attempts"]),
        provider_job_id=_opt(row["provider_job_id"]),
        runner=_opt(row["runner"]),
        error_detail=_opt(row.get("error_detail")),
    )


def metrics_to_row(take_id: str, lecture_id: str, metrics: TakeMetrics, measured_at: str) -> dict[str, Any]:
    row = {"take_id": take_id, "lecture_id": lecture_id, "measured_at": measured_at, **metrics.to_dict()}
    row["adherence_reason"] = redact(row["adherence_reason"])
    return row


def metrics_from_row(row: Mapping[str, Any]) -> TakeMetrics:
    return TakeMetrics.from_dict(row)


def event_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """An event row as stored: the message and the payload redacted (they may quote a provider)."""
    out = dict(row)
    for key in ("message", "payload_json"):
        if isinstance(out.get(key), str):
            out[key] = redact(out[key])
    return out
