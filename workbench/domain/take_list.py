"""Sorting and filtering a segment's takes by status, model, date and metrics (what the takes list offers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from workbench.domain.metrics import MeasuredTake

__all__ = ["SINCE", "SORTS", "TakeQuery", "query_takes", "take_label"]

#: Sort keys → what the list says. Metric sorts put takes without that metric last.
SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "adherence": "Follows directions best",
    "similarity": "Most like the committed video",
    "sharpness": "Sharpest",
    "motion": "Most camera motion",
    "smooth": "Smoothest (least jitter)",
}
#: Date filters → how far back (``None``: any time).
SINCE = {"any": None, "hour": timedelta(hours=1), "today": timedelta(days=1), "week": timedelta(days=7)}
_METRIC = {
    "adherence": ("adherence", True),
    "similarity": ("similarity_ssim", True),
    "sharpness": ("sharpness", True),
    "motion": ("motion_amount", True),
    "smooth": ("jitter", False),
}


@dataclass(frozen=True)
class TakeQuery:
    """``status``/``model`` ``""`` for any; ``min_adherence`` keeps takes whose adherence is at least that
    (unmeasurable ones are dropped by any threshold above 0)."""

    sort: str = "newest"
    status: str = ""
    model: str = ""
    since: str = "any"
    min_adherence: float = 0.0


def _parse(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def query_takes(takes: Sequence[MeasuredTake], query: TakeQuery, *, now: datetime) -> list[MeasuredTake]:
    """The takes ``query`` keeps, in its order (ties: newest first)."""
    window = SINCE.get(query.since)
    kept = []
    for item in takes:
        take, metrics = item.take, item.metrics
        if query.status and str(take.status) != query.status:
            continue
        if query.model and take.settings.model != query.model:
            continue
        if window is not None:
            made = _parse(take.created_at)
            if made is None or now - made > window:
                continue
        if query.min_adherence > 0 and (
            metrics is None or metrics.adherence is None or metrics.adherence < query.min_adherence - 1e-9
        ):
            continue
        kept.append(item)
    kept.sort(key=lambda m: m.take.created_at, reverse=query.sort != "oldest")
    if query.sort in _METRIC:
        name, high_first = _METRIC[query.sort]

        def key(item: MeasuredTake) -> tuple[bool, float]:
            value = getattr(item.metrics, name) if item.metrics is not None else None
            if value is None:
                return (True, 0.0)
            return (False, -value if high_first else value)

        kept.sort(key=key)  # stable: equal values stay newest first
    return kept


def take_label(item: MeasuredTake) -> str:
    """The one line that says what a take is (the list shows it cut short, the full text on hover)."""
    s = item.take.settings
    return (
        f"{item.take.created_at[:10]} {item.take.created_at[11:19]} · {s.model} · {s.duration_s:g} s · "
        f"{s.resolution} · {s.fps} fps · seed {s.seed} · “{s.movie_directions}”"
    )
