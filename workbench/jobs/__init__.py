"""Jobs: the asyncio runner, its event bus and journal, workflows, and the actions that start them."""

from workbench.domain.retry import RetryPolicy
from workbench.jobs.actions import (
    accept_take,
    cancel_job,
    pending_previews,
    preflight,
    regenerate_video_segment,
    reject_take,
    replace_starting_image,
)
from workbench.jobs.bus import EventBus
from workbench.jobs.events import Event, EventType
from workbench.jobs.runner import JobHandle, Runner

__all__ = [
    "Event",
    "EventBus",
    "EventType",
    "JobHandle",
    "RetryPolicy",
    "Runner",
    "accept_take",
    "cancel_job",
    "pending_previews",
    "preflight",
    "regenerate_video_segment",
    "reject_take",
    "replace_starting_image",
]
