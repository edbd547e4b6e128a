"""The report's tables, from the results dataset: the leaderboards, the facts of the run, every take, the errors.

Plain functions of a results DataFrame (:func:`workbench.batch.results.read_results`), so a script can build
the same tables the notebook shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.batch.report.formatting import NOT_MEASURED, is_missing, seconds
from workbench.domain.settings import SETTING_FIELDS

__all__ = [
    "LEADERBOARD_METRICS",
    "add_labels",
    "best_group",
    "error_list",
    "leaderboard",
    "run_facts",
    "takes_table",
    "tied_groups",
]

#: Metric columns averaged per group on a leaderboard: column → (heading, higher is better?).
LEADERBOARD_METRICS: dict[str, tuple[str, bool | None]] = {
    "adherence": ("adherence", True),
    "motion_amount": ("motion (views)", None),
    "jitter": ("jitter", False),
    "sharpness": ("sharpness", True),
    "black_share": ("black frames", False),
    "frozen_share": ("frozen frames", False),
}

#: Where an item's status says a take exists.
WITH_TAKE = ("accepted", "pending", "skipped")


def add_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns the report groups and names by: ``item``, ``variant_label``, ``directions_label``, ``passed``."""
    out = frame.copy()
    out["item"] = [
        f"{t or a} · variant {v}"
        for t, a, v in zip(out["title"], out["asset_id"], out["variant"], strict=True)
    ]
    out["variant_label"] = [
        f"variant {v} ({_overrides_words(o)})"
        for v, o in zip(out["variant"], out["variant_overrides"], strict=True)
    ]
    out["directions_label"] = [_directions_words(row) for row in out.to_dict("records")]
    checks_ok = out["checks_passed"].fillna(False).astype(bool) if "checks_passed" in out else True
    out["passed"] = out["status"].isin(WITH_TAKE) & checks_ok
    return out


def _overrides_words(overrides: Any) -> str:
    if not isinstance(overrides, Mapping):
        return "as configured"
    words = [f"{k}={v}" for k, v in overrides.items() if not is_missing(v) and k != "movie_directions"]
    if not is_missing(overrides.get("movie_directions")):
        words.insert(0, f"directions “{overrides['movie_directions']}”")
    return ", ".join(words) or "as configured"


def _directions_words(row: Mapping[str, Any]) -> str:
    for source in ("variant_overrides", "overrides"):
        value = row.get(source)
        if isinstance(value, Mapping) and not is_missing(value.get("movie_directions")):
            return f"“{value['movie_directions']}”"
    template = row.get("directions_template")
    if isinstance(template, str) and template:
        return f"template “{template}”"
    return "each segment's own directions"


def leaderboard(frame: pd.DataFrame, by: str = "variant_label") -> pd.DataFrame:
    """One row per group (``variant_label``, ``model``, ``directions_label``): pass rate, adherence, metric means,
    generation time and cost, best first (pass rate, then adherence)."""
    labelled = frame if "passed" in frame else add_labels(frame)
    rows = []
    for key, group in labelled.groupby(by, sort=False, dropna=False):
        made = group[group["status"].isin(WITH_TAKE)]
        row: dict[str, Any] = {
            by: key if not is_missing(key) else "(refused before running)",
            "items": len(group),
            "passed": int(group["passed"].sum()),
            "failed": int((group["status"] == "failed").sum()),
            "pass rate": float(group["passed"].mean()) if len(group) else np.nan,
        }
        for column, (heading, _better) in LEADERBOARD_METRICS.items():
            values = made[column].dropna() if column in made else pd.Series(dtype=float)
            row[heading] = float(values.astype(float).mean()) if len(values) else np.nan
        times = (
            made["generation_s"].dropna().astype(float) if "generation_s" in made else pd.Series(dtype=float)
        )
        row["median generation (s)"] = float(times.median()) if len(times) else np.nan
        costs = made["cost"].dropna().astype(float) if "cost" in made else pd.Series(dtype=float)
        row["cost"] = float(costs.sum()) if len(costs) else np.nan
        identical = group["identical_to_variant"].notna().sum() if "identical_to_variant" in group else 0
        row["identical takes"] = int(identical)
        rows.append(row)
    board = pd.DataFrame(rows)
    if board.empty:
        return board
    board = board.sort_values(["pass rate", "adherence"], ascending=False, na_position="last", kind="stable")
    return board.reset_index(drop=True)


def best_group(board: pd.DataFrame, by: str) -> Mapping[str, Any] | None:
    """The leaderboard's winner: only when there is a contest (two groups or more), the first has a take that
    passed, and it beats the second on pass rate or adherence (a tie has no winner)."""
    if len(board) < 2 or board.iloc[0]["passed"] == 0:
        return None
    first, second = board.iloc[0], board.iloc[1]
    if _same_score(first, second):
        return None
    return first.to_dict()


def tied_groups(board: pd.DataFrame) -> int:
    """How many groups share the top score (pass rate and adherence)."""
    if board.empty:
        return 0
    return int(sum(_same_score(board.iloc[0], row) for _, row in board.iterrows()))


def _same_score(a: pd.Series, b: pd.Series) -> bool:
    def same(x: Any, y: Any) -> bool:
        return (is_missing(x) and is_missing(y)) or (
            not is_missing(x) and not is_missing(y) and abs(float(x) - float(y)) < 1e-9
        )

    return same(a["pass rate"], b["pass rate"]) and same(a["adherence"], b["adherence"])


def run_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """The run in a few facts: when, how, how many of each outcome, time and cost."""
    first = frame.iloc[0] if len(frame) else None
    counts = frame["status"].value_counts()
    facts: dict[str, Any] = {}
    if first is not None:
        started, finished = first["batch_started_at"], first["batch_finished_at"]
        facts["batch"] = first["batch_id"]
        facts["started"] = f"{started:%Y-%m-%d %H:%M} UTC" if not is_missing(started) else "—"
        if not is_missing(started) and not is_missing(finished):
            facts["wall time"] = seconds((finished - started).total_seconds())
        facts["review policy"] = first["policy"]
        facts["renders at once"] = f"{first['concurrency']} ({first['executor']})"
    facts["segments"] = frame[["lecture_id", "asset_id"]].drop_duplicates().shape[0]
    facts["items"] = len(frame)
    for status in ("accepted", "pending", "skipped", "failed", "cancelled"):
        if counts.get(status):
            facts[status] = int(counts[status])
    times = frame["generation_s"].dropna().astype(float)
    if len(times):
        facts["generation time"] = f"median {seconds(times.median())}, total {seconds(times.sum())}"
    costs = frame["cost"].dropna().astype(float)
    facts["reported cost"] = f"{costs.sum():.2f}" if len(costs) else "none reported"
    return pd.DataFrame({"": list(facts.values())}, index=list(facts))


def takes_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every item with its settings, outcome and metrics (numbers kept numeric, for sorting)."""
    labelled = frame if "item" in frame else add_labels(frame)
    out = pd.DataFrame(
        {
            "segment": labelled["title"].where(labelled["title"].astype(bool), labelled["asset_id"]),
            "variant": labelled["variant"].astype("Int64"),
            "status": labelled["status"],
            "checks": [
                "passed"
                if not is_missing(ok) and bool(ok)
                else ("; ".join(c) if c is not None and len(c) else "—")
                for ok, c in zip(labelled["checks_passed"], labelled["checks"], strict=True)
            ],
            "identical to": [
                f"variant {v}" if not is_missing(v) else "" for v in labelled["identical_to_variant"]
            ],
            "movie directions": labelled["movie_directions"],
            **{name: labelled[name] for name in SETTING_FIELDS if name != "movie_directions"},
            "adherence": labelled["adherence"],
            "motion (views)": labelled["motion_amount"],
            "jitter": labelled["jitter"],
            "sharpness": labelled["sharpness"],
            "black frames": labelled["black_share"],
            "frozen frames": labelled["frozen_share"],
            "generation (s)": labelled["generation_s"],
            "queued (s)": labelled["queue_s"],
            "size (bytes)": labelled["size_bytes"],
            "cost": labelled["cost"],
            "error": labelled["error"].fillna(""),
            "take": labelled["take_id"].fillna(""),
        }
    )
    return out.reset_index(drop=True)


def error_list(frame: pd.DataFrame) -> list[str]:
    """Each failure in words: which item, what happened (and the technical detail apart)."""
    labelled = frame if "item" in frame else add_labels(frame)
    out = []
    for row in labelled[labelled["status"].isin(["failed", "cancelled"])].to_dict("records"):
        line = f"{row['item']}: {row.get('error') or row['status']}"
        if not is_missing(row.get("error_detail")):
            line += f" — detail: {row['error_detail']}"
        out.append(line)
    for row in labelled[labelled["checks_passed"].eq(False).fillna(False)].to_dict("records"):
        out.append(f"{row['item']}: the take failed its checks ({'; '.join(row['checks'])})")
    return out


def metrics_measured(frame: pd.DataFrame) -> bool:
    """Whether any take of the batch carries metrics (else the report says they were not measured)."""
    return "metrics_version" in frame and frame["metrics_version"].notna().any()


__all__ += ["NOT_MEASURED", "metrics_measured"]
