"""Segment Workbench: regenerate, review and batch-compare AI-generated lecture video segments.

The public surface is re-exported here; modules behind it are organised by layer (domain → store →
generation → jobs → ui).
"""

from workbench import errors
from workbench.domain import (
    DEFAULT_VIDEO_MODEL,
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
    resolve_video_settings,
)
from workbench.errors import (
    ConflictError,
    CorruptFileError,
    InvalidIdError,
    InvalidSettingError,
    NotFoundError,
    OwnershipError,
    StartingImageMissingError,
    UnknownFieldError,
    UnknownModelError,
    ValidationError,
    WorkbenchError,
)
from workbench.store import LectureStore, open_store

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_VIDEO_MODEL",
    "ConflictError",
    "CorruptFileError",
    "InvalidIdError",
    "InvalidSettingError",
    "Lecture",
    "LectureStore",
    "NotFoundError",
    "OwnershipError",
    "Project",
    "Resolution",
    "ResolvedSettings",
    "SettingSource",
    "StartingImage",
    "StartingImageMissingError",
    "Take",
    "TakeStatus",
    "TimelineClip",
    "UnknownFieldError",
    "UnknownModelError",
    "ValidationError",
    "VideoAsset",
    "VideoDefaults",
    "VideoOverrides",
    "VideoSettings",
    "WorkbenchError",
    "build_video_asset_url",
    "errors",
    "open_store",
    "resolve_video_settings",
]
