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
from workbench.jobs.image_actions import (
    accept_image_take,
    pending_image_previews,
    preflight_image,
    regenerate_starting_image,
    reject_image_take,
)
from workbench.jobs.runner import JobHandle, Runner

__all__ = [
    "Event",
    "EventBus",
    "EventType",
    "JobHandle",
    "RetryPolicy",
    "Runner",
    "accept_image_take",
    "accept_take",
    "cancel_job",
    "pending_image_previews",
    "pending_previews",
    "preflight",
    "preflight_image",
    "regenerate_starting_image",
    "regenerate_video_segment",
    "reject_image_take",
    "reject_take",
    "replace_starting_image",
]
