"""Segment Workbench: regenerate, review and batch-compare AI-generated lecture video segments.

The public surface is re-exported here, imported on first use (so a worker process that renders, or a CLI
that finds a mistake, does not pay for the runner, the store and pandas); modules behind it are organised by
layer (domain → store → generation → jobs → ui).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench import errors

if TYPE_CHECKING:
    from workbench.domain import (
        DEFAULT_IMAGE_MODEL,
        DEFAULT_VIDEO_MODEL,
        ImageDefaults,
        ImageOverrides,
        ImageSettings,
        ImageTake,
        Lecture,
        Project,
        Resolution,
        ResolvedSettings,
        SettingSource,
        StartingImage,
        Take,
        TakeStatus,
        TimelineClip,
        VideoAsset,
        VideoDefaults,
        VideoOverrides,
        VideoSettings,
        build_video_asset_url,
        resolve_image_settings,
        resolve_video_settings,
    )
    from workbench.errors import (
        ConflictError,
        CorruptFileError,
        InvalidIdError,
        InvalidSettingError,
        JobBusyError,
        NotFoundError,
        OwnershipError,
        StartingImageMissingError,
        TakeStateError,
        TransientBackendError,
        UnknownFieldError,
        UnknownModelError,
        ValidationError,
        WorkbenchError,
    )
    from workbench.jobs import (
        Event,
        EventBus,
        EventType,
        JobHandle,
        RetryPolicy,
        Runner,
        accept_image_take,
        accept_take,
        cancel_job,
        pending_image_previews,
        pending_previews,
        regenerate_starting_image,
        regenerate_video_segment,
        reject_image_take,
        reject_take,
    )
    from workbench.session import LectureSession
    from workbench.store import LectureStore, open_store

__version__ = "0.1.0"

_EXPORTS = {
    "ConflictError": "workbench.errors",
    "CorruptFileError": "workbench.errors",
    "DEFAULT_IMAGE_MODEL": "workbench.domain",
    "DEFAULT_VIDEO_MODEL": "workbench.domain",
    "Event": "workbench.jobs",
    "EventBus": "workbench.jobs",
    "EventType": "workbench.jobs",
    "ImageDefaults": "workbench.domain",
    "ImageOverrides": "workbench.domain",
    "ImageSettings": "workbench.domain",
    "ImageTake": "workbench.domain",
    "InvalidIdError": "workbench.errors",
    "InvalidSettingError": "workbench.errors",
    "JobBusyError": "workbench.errors",
    "JobHandle": "workbench.jobs",
    "Lecture": "workbench.domain",
    "LectureSession": "workbench.session",
    "LectureStore": "workbench.store",
    "NotFoundError": "workbench.errors",
    "OwnershipError": "workbench.errors",
    "Project": "workbench.domain",
    "Resolution": "workbench.domain",
    "ResolvedSettings": "workbench.domain",
    "RetryPolicy": "workbench.jobs",
    "Runner": "workbench.jobs",
    "SettingSource": "workbench.domain",
    "StartingImage": "workbench.domain",
    "StartingImageMissingError": "workbench.errors",
    "Take": "workbench.domain",
    "TakeStateError": "workbench.errors",
    "TakeStatus": "workbench.domain",
    "TimelineClip": "workbench.domain",
    "TransientBackendError": "workbench.errors",
    "UnknownFieldError": "workbench.errors",
    "UnknownModelError": "workbench.errors",
    "ValidationError": "workbench.errors",
    "VideoAsset": "workbench.domain",
    "VideoDefaults": "workbench.domain",
    "VideoOverrides": "workbench.domain",
    "VideoSettings": "workbench.domain",
    "WorkbenchError": "workbench.errors",
    "accept_image_take": "workbench.jobs",
    "accept_take": "workbench.jobs",
    "build_video_asset_url": "workbench.domain",
    "cancel_job": "workbench.jobs",
    "open_store": "workbench.store",
    "pending_image_previews": "workbench.jobs",
    "pending_previews": "workbench.jobs",
    "regenerate_starting_image": "workbench.jobs",
    "regenerate_video_segment": "workbench.jobs",
    "reject_image_take": "workbench.jobs",
    "reject_take": "workbench.jobs",
    "resolve_image_settings": "workbench.domain",
    "resolve_video_settings": "workbench.domain",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_IMAGE_MODEL",
    "DEFAULT_VIDEO_MODEL",
    "ConflictError",
    "CorruptFileError",
    "Event",
    "EventBus",
    "EventType",
    "ImageDefaults",
    "ImageOverrides",
    "ImageSettings",
    "ImageTake",
    "InvalidIdError",
    "InvalidSettingError",
    "JobBusyError",
    "JobHandle",
    "Lecture",
    "LectureSession",
    "LectureStore",
    "NotFoundError",
    "OwnershipError",
    "Project",
    "Resolution",
    "ResolvedSettings",
    "RetryPolicy",
    "Runner",
    "SettingSource",
    "StartingImage",
    "StartingImageMissingError",
    "Take",
    "TakeStateError",
    "TakeStatus",
    "TimelineClip",
    "TransientBackendError",
    "UnknownFieldError",
    "UnknownModelError",
    "ValidationError",
    "VideoAsset",
    "VideoDefaults",
    "VideoOverrides",
    "VideoSettings",
    "WorkbenchError",
    "accept_image_take",
    "accept_take",
    "build_video_asset_url",
    "cancel_job",
    "errors",
    "open_store",
    "pending_image_previews",
    "pending_previews",
    "regenerate_starting_image",
    "regenerate_video_segment",
    "reject_image_take",
    "reject_take",
    "resolve_image_settings",
    "resolve_video_settings",
]
