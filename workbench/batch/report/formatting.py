"""Numbers as a reader wants them: units, sensible precision, words for what is missing."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["NOT_MEASURED", "is_missing", "readable", "seconds", "share", "size"]

#: Shown where a metric was not measured for a take (or not at all in this batch).
NOT_MEASURED = "not measured"
#: Shown where a value does not apply (a failed item has no generation time).
NONE = "—"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA (raises), NaT
    except (TypeError, ValueError):
        return True


def seconds(value: Any) -> str:
    if is_missing(value):
        return NONE
    value = float(value)
    if value >= 90:
        return f"{int(value // 60)} min {value % 60:.0f} s"
    return f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def size(value: Any) -> str:
    if is_missing(value):
        return NONE
    value = float(value)
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def share(value: Any, *, missing: str = NOT_MEASURED) -> str:
    if is_missing(value):
        return missing
    return f"{float(value) * 100:.0f} %"


def readable(value: Any, digits: int = 2, *, missing: str = NOT_MEASURED) -> str:
    """A plain number with at most ``digits`` significant decimals (small values keep theirs)."""
    if is_missing(value):
        return missing
    value = float(value)
    if value == 0:
        return "0"
    places = max(digits - math.floor(math.log10(abs(value))) - 1, 0)
    return f"{value:.{min(places, 6)}f}"
