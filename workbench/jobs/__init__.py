"""Jobs: the asyncio runner, its event bus and journal, workflows, and the actions that start them.

Names are imported on first use: a worker process that only renders does not load the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

if TYPE_CHECKING:
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

_EXPORTS = {
    "Event": "workbench.jobs.events",
    "EventBus": "workbench.jobs.bus",
    "EventType": "workbench.jobs.events",
    "JobHandle": "workbench.jobs.runner",
    "RetryPolicy": "workbench.domain.retry",
    "Runner": "workbench.jobs.runner",
    "accept_image_take": "workbench.jobs.image_actions",
    "accept_take": "workbench.jobs.actions",
    "cancel_job": "workbench.jobs.actions",
    "pending_image_previews": "workbench.jobs.image_actions",
    "pending_previews": "workbench.jobs.actions",
    "preflight": "workbench.jobs.actions",
    "preflight_image": "workbench.jobs.image_actions",
    "regenerate_starting_image": "workbench.jobs.image_actions",
    "regenerate_video_segment": "workbench.jobs.actions",
    "reject_image_take": "workbench.jobs.image_actions",
    "reject_take": "workbench.jobs.actions",
    "replace_starting_image": "workbench.jobs.actions",
}


__getattr__ = lazy_exports(__name__, globals(), _EXPORTS)
