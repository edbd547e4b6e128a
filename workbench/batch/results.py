"""The results dataset: one typed parquet file per batch in one folder, read as a whole by pandas or duckdb.

``<output_dir>/results/<started>-<batch_id>.parquet`` holds one row per (segment, variant) of one batch, with
the batch id and start time, the committed settings next to the new ones, the review outcome, timings and the
take metrics. Every file has :data:`RESULTS_SCHEMA`, so the folder is one dataset::

    pd.read_parquet("batch-output/results")
    duckdb.sql("select * from 'batch-output/results/*.parquet'")

A file appears complete or not at all: it is written under a ``_``-prefixed name (which readers skip) and
renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.domain.clock import parse_timestamp
from workbench.domain.settings import SETTING_FIELDS
from workbench.errors import NotFoundError

__all__ = [
    "METRIC_FIELDS",
    "RESULTS_SCHEMA",
    "SETTINGS_STRUCT",
    "read_results",
    "results_folder",
    "results_table",
    "write_results",
]

_s, _i, _f, _b = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_ts = pa.timestamp("us", tz="UTC")

#: Overrides as a struct: one field per setting, null where the batch did not set it.
SETTINGS_STRUCT = pa.struct(
    [
        ("movie_directions", _s),
        ("model", _s),
        ("duration_s", _f),
        ("resolution", _s),
        ("fps", _i),
        ("seed", _i),
        ("prompt", _s),
        ("size", _s),
        ("reference", _b),
    ]
)

#: The take metrics (the contract shared with the store's metrics table): name → type.
METRIC_FIELDS: dict[str, pa.DataType] = {
    "metrics_version": _i,
    "metrics_s": _f,
    "content_hash": _s,
    "decoded_frames": _i,
    "decoded_duration_s": _f,
    "motion_amount": _f,
    "motion_path": pa.list_(pa.struct([("t", _f), ("cx", _f), ("cy", _f), ("zoom", _f), ("angle", _f)])),
    "jitter": _f,
    "reversals": _i,
    "stalls": _i,
    "black_share": _f,
    "frozen_share": _f,
    "sharpness": _f,
    "similarity_ssim": _f,
    "adherence": _f,
    "adherence_reason": _s,
    "adherence_moves": pa.list_(pa.struct([("step", _i), ("move", _s), ("ok", _b), ("measured", _s)])),
}

#: A starting-image batch's own settings (``model`` and ``seed`` are shared with videos).
_IMAGE_SETTING_TYPES = {"prompt": _s, "size": _s, "reference": _b}

_SETTING_TYPES = {
    "movie_directions": _s,
    "model": _s,
    "duration_s": _f,
    "resolution": _s,
    "fps": _i,
    "seed": _i,
}

RESULTS_SCHEMA = pa.schema(
    [
        ("batch_id", _s), ("kind", _s), ("batch_started_at", _ts), ("batch_finished_at", _ts), ("policy", _s),
        ("concurrency", _i), ("executor", _s), ("directions_template", _s),
        ("lecture_id", _s), ("asset_id", _s), ("title", _s), ("segment_order", _i), ("variant", _i),
        ("variant_overrides", SETTINGS_STRUCT), ("overrides", SETTINGS_STRUCT),
        ("status", _s), ("error", _s), ("error_detail", _s), ("detail", _s), ("note", _s),
        ("checks", pa.list_(_s)), ("checks_passed", _b), ("warnings", pa.list_(_s)),
        *[(name, _SETTING_TYPES[name]) for name in SETTING_FIELDS],
        *[(f"{name}_source", _s) for name in SETTING_FIELDS],
        *_IMAGE_SETTING_TYPES.items(),
        *[(f"{name}_source", _s) for name in _IMAGE_SETTING_TYPES],
        ("width", _i), ("height", _i),
        ("committed_path", _s), ("committed_updated_at", _ts),
        *[(f"committed_{name}", _SETTING_TYPES[name]) for name in SETTING_FIELDS],
        ("job_id", _s), ("take_id", _s), ("take_path", _s), ("take_created_at", _ts),
        ("backend", _s), ("provider", _s), ("provider_job_id", _s), ("cost", _f),
        ("queue_s", _f), ("generation_s", _f), ("size_bytes", _i), ("frame_count", _i),
        ("identical_to_variant", _i),
        *METRIC_FIELDS.items(),
    ]
)  # fmt: skip


def results_folder(output_dir: str | Path) -> Path:
    """The dataset folder under a batch output folder."""
    return Path(output_dir) / "results"


def results_table(result: Any) -> pa.Table:
    """A :class:`~workbench.batch.run.BatchResult` as a table of :data:`RESULTS_SCHEMA`."""
    frame = result.results
    batch = {
        "batch_id": result.batch_id,
        "kind": result.kind,
        "batch_started_at": _time(result.started_at),
        "batch_finished_at": _time(result.finished_at),
        "policy": result.policy,
        "concurrency": result.concurrency,
        "executor": result.executor,
        "directions_template": result.directions_template,
    }
    identical = identical_variants(frame)
    rows = []
    for index, row in enumerate(frame.to_dict("records")):
        out = {name: _clean(row.get(name)) for name in RESULTS_SCHEMA.names}
        out.update(batch)
        out["segment_order"] = _clean(row.get("order"))
        out["variant_overrides"] = _settings_struct(row.get("variant_overrides"))
        out["overrides"] = _settings_struct(row.get("overrides"))
        out["checks"] = list(row.get("checks") or [])
        has_take = isinstance(row.get("take_id"), str) and bool(row["take_id"])
        out["checks_passed"] = (not out["checks"]) if has_take else None
        out["warnings"] = list(row.get("warnings") or [])
        resolution = out.get("resolution") or out.get("size")
        if isinstance(resolution, str) and "x" in resolution:
            out["width"], out["height"] = (int(v) for v in resolution.split("x"))
        for name in ("committed_updated_at", "take_created_at"):
            out[name] = _time(out[name])
        out["identical_to_variant"] = identical.get(index)
        rows.append(out)
    return pa.Table.from_pylist(rows, schema=RESULTS_SCHEMA)


def identical_variants(frame: pd.DataFrame) -> dict[int, int]:
    """Row position → the earlier variant of the same segment whose take has the very same bytes."""
    if "content_hash" not in frame.columns or frame.empty:
        return {}
    first: dict[tuple[str, str, str], int] = {}
    out: dict[int, int] = {}
    for position, row in enumerate(frame.to_dict("records")):
        digest = row.get("content_hash")
        if not isinstance(digest, str) or not digest:
            continue
        key = (row["lecture_id"], row["asset_id"], digest)
        if key in first:
            out[position] = first[key]
        else:
            first[key] = int(row["variant"])
    return out


def write_results(table: pa.Table, output_dir: str | Path) -> Path:
    """Add one batch's table to the dataset under ``output_dir``; returns the new file."""
    folder = results_folder(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    batch_id = table.column("batch_id")[0].as_py() if len(table) else "empty"
    started = table.column("batch_started_at")[0].as_py() if len(table) else None
    stamp = started.strftime("%Y%m%dT%H%M%S") if started is not None else "00000000T000000"
    final = folder / f"{stamp}-{batch_id}.parquet"
    temporary = folder / f"_{final.name}.{os.getpid()}.tmp"
    try:
        pq.write_table(table, temporary)
        with temporary.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return final


def read_results(output_dir: str | Path, batch_id: str | None = None) -> pd.DataFrame:
    """The whole dataset (or one batch of it) as a DataFrame with nullable types (Int64, boolean, string)."""
    folder = results_folder(output_dir)
    files = sorted(p for p in folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        raise NotFoundError(
            f"No batch results in {folder}. Run `workbench batch` with --output-dir {Path(output_dir)} first."
        )
    table = pa.concat_tables([pq.read_table(f, schema=RESULTS_SCHEMA) for f in files])
    frame = table.to_pandas(types_mapper=_nullable)
    if batch_id is not None:
        frame = frame[frame["batch_id"] == batch_id].reset_index(drop=True)
        if frame.empty:
            raise NotFoundError(f"No batch {batch_id!r} in {folder}.")
    return frame


def _nullable(arrow_type: pa.DataType) -> Any:
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None


def _settings_struct(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return {field.name: _clean(value.get(field.name)) for field in SETTINGS_STRUCT}


def _time(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return parse_timestamp(value) if value else None
    return value


def _clean(value: Any) -> Any:
    """NaN and pandas' missing markers → None; numpy scalars → Python values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if hasattr(value, "item") and not isinstance(value, (list, dict, str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_clean(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    return value
