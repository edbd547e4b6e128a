"""Typed job events: what the progress log shows and what the store journals.

Every event carries job id, lecture id, asset id, time, a human ``message`` and a JSON-friendly ``payload``.
The journal lets a progress log be rebuilt after a kernel restart, so no "completed" message is ever lost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id

__all__ = ["IMAGE_EVENTS", "LIFECYCLE_EVENTS", "PREVIEW_EVENTS", "Event", "EventType"]


class EventType(StrEnum):
    JOB_QUEUED = "job-queued"
    JOB_STARTED = "job-started"
    JOB_PROGRESS = "job-progress"
    JOB_RETRYING = "job-retrying"
    VIDEO_PREVIEW = "video-preview"
    VIDEO_COMPLETE = "video-complete"
    VIDEO_REJECTED = "video-rejected"
    IMAGE_PREVIEW = "image-preview"
    IMAGE_COMPLETE = "image-complete"
    IMAGE_REJECTED = "image-rejected"
    JOB_FAILED = "job-failed"
    JOB_CANCELLED = "job-cancelled"
    JOB_INTERRUPTED = "job-interrupted"


#: Events that end a phase of a job: never throttled, journaled promptly.
LIFECYCLE_EVENTS = frozenset(EventType) - {EventType.JOB_PROGRESS}

#: A job's outcome awaiting review, per kind of take.
PREVIEW_EVENTS = frozenset({EventType.VIDEO_PREVIEW, EventType.IMAGE_PREVIEW})
#: The starting-image flow's own events (the job-* events are shared by both flows).
IMAGE_EVENTS = frozenset({EventType.IMAGE_PREVIEW, EventType.IMAGE_COMPLETE, EventType.IMAGE_REJECTED})

#: Events after which a job holds no runner slot.
TERMINAL_EVENTS = frozenset(
    {
        EventType.VIDEO_PREVIEW,
        EventType.VIDEO_COMPLETE,
        EventType.VIDEO_REJECTED,
        EventType.IMAGE_PREVIEW,
        EventType.IMAGE_COMPLETE,
        EventType.IMAGE_REJECTED,
        EventType.JOB_FAILED,
        EventType.JOB_CANCELLED,
        EventType.JOB_INTERRUPTED,
    }
)


@dataclass(frozen=True)
class Event:
    type: EventType
    job_id: str
    lecture_id: str
    asset_id: str
    message: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    time: str = field(default_factory=next_timestamp)
    id: str = field(default_factory=lambda: new_id("evt"))

    @property
    def fraction(self) -> float | None:
        """Progress in [0, 1] for progress events."""
        value = self.payload.get("fraction")
        return None if value is None else float(value)

    @property
    def is_error(self) -> bool:
        return self.type in (EventType.JOB_FAILED, EventType.JOB_INTERRUPTED)

    def to_row(self) -> dict[str, Any]:
        return {
            "event_id": self.id,
            "type": str(self.type),
            "time": self.time,
            "job_id": self.job_id,
            "lecture_id": self.lecture_id,
            "asset_id": self.asset_id,
            "message": self.message,
            "payload_json": json.dumps(dict(self.payload), sort_keys=True, default=str),
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Event:
        return cls(
            type=EventType(row["type"]),
            job_id=row["job_id"],
            lecture_id=row["lecture_id"],
            asset_id=row["asset_id"],
            message=row["message"],
            payload=json.loads(row["payload_json"] or "{}"),
            time=row["time"],
            id=row["event_id"],
        )
