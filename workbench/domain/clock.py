"""Timestamps for ``updated_at`` and events.

``updated_at`` is the committed player's cache key (``?v=``): the Jupyter server tells browsers to cache a
``?v=`` URL for years, so every commit must produce a value never used before, even two commits in the same
microsecond. :func:`next_timestamp` guarantees that against the previous value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["format_timestamp", "next_timestamp", "parse_timestamp", "utc_now"]

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds, e.g. ``2026-11-24T14:02:33.123456Z`` (sorts as text)."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def next_timestamp(previous: str | None = None, now: datetime | None = None) -> str:
    """A timestamp strictly later than ``previous`` (now, or previous + 1 µs if the clock has not moved)."""
    moment = now or utc_now()
    if previous:
        try:
            last = parse_timestamp(previous)
        except ValueError:
            last = None
        if last is not None and moment <= last:
            moment = last + timedelta(microseconds=1)
    return format_timestamp(moment)
