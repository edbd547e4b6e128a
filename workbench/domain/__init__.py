"""Pure data and rules: no I/O, no widgets. Everything above imports from here."""

from workbench.domain.clock import next_timestamp
from workbench.domain.defaults import DEFAULT_IMAGE_MODEL, DEFAULT_VIDEO_MODEL
from workbench.domain.ids import check_id, new_id
from workbench.domain.image_settings import ImageOverrides, ResolvedImageSettings, resolve_image_settings
from workbench.domain.models import (
    ImageDefaults,
    ImageSettings,
    ImageTake,
    Lecture,
    Project,
    Resolution,
    SettingSource,
    StartingImage,
    Take,
    TakeStatus,
    TimelineClip,
    VideoAsset,
    VideoDefaults,
    VideoSettings,
)
from workbench.domain.ownership import check_owner, current_user
from workbench.domain.settings import (
    ResolvedSettings,
    VideoOverrides,
    resolve_video_settings,
    validate_settings,
)
from workbench.domain.urls import build_video_asset_url

__all__ = [
    "DEFAULT_IMAGE_MODEL",
    "DEFAULT_VIDEO_MODEL",
    "ImageDefaults",
    "ImageOverrides",
    "ImageSettings",
    "ImageTake",
    "Lecture",
    "Project",
    "Resolution",
    "ResolvedImageSettings",
    "ResolvedSettings",
    "SettingSource",
    "StartingImage",
    "Take",
    "TakeStatus",
    "TimelineClip",
    "VideoAsset",
    "VideoDefaults",
    "VideoOverrides",
    "VideoSettings",
    "build_video_asset_url",
    "check_id",
    "check_owner",
    "current_user",
    "new_id",
    "next_timestamp",
    "resolve_image_settings",
    "resolve_video_settings",
    "validate_settings",
]
