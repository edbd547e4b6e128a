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
from workbench.domain.models import SettingSource, Take, TakeStatus, VideoSettings
from workbench.domain.redaction import redact, redact_optional
from workbench.store.tables import ADDED_LATER

__all__ = [
    "EVENT_SCHEMA",
    "JOB_SCHEMA",
    "TAKE_SCHEMA",
    "event_row",
    "job_from_row",
    "job_to_row",
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
    ]
)  # fmt: skip

JOB_SCHEMA = pa.schema(
    [
        ("job_id", _s), ("revision", _i), ("kind", _s), ("lecture_id", _s), ("asset_id", _s), ("user", _s),
        ("status", _s), ("created_at", _s), ("updated_at", _s), ("overrides_json", _s), ("settings_json", _s),
        ("provenance_json", _s), ("take_id", _s), ("error", _s), ("attempts", _i), ("provider_job_id", _s), ("runner", _s),
        # added later: files written before it lack the column and read as null
        pa.field("error_detail", _s, metadata={ADDED_LATER: b"1"}),
    ]
)  # fmt: skip

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", _s), ("type", _s), ("time", _s), ("job_id", _s), ("lecture_id", _s), ("asset_id", _s),
        ("message", _s), ("payload_json", _s),
    ]
)  # fmt: skip


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


def event_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """An event row as stored: the message and the payload redacted (they may quote a provider)."""
    out = dict(row)
    for key in ("message", "payload_json"):
        if isinstance(out.get(key), str):
            out[key] = redact(out[key])
    return out
