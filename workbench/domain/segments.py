"""One line per segment, as a lecture overview shows it: its committed settings, review state and drafts.

Pure: the session fills it from what it already holds in memory (the lecture, take counts, busy segments),
so changing one segment re-derives one summary, not the lecture's thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.models import Project, VideoAsset
from workbench.domain.settings import resolve_video_settings

__all__ = ["SEGMENT_STATUSES", "SegmentSummary", "damaged_summary", "segment_status", "summarize_segment"]

#: Review states in the words the segment table uses, most urgent first.
SEGMENT_STATUSES = ("damaged", "needs starting image", "generating", "preview pending", "no video", "ready")


def segment_status(*, has_starting_image: bool, busy: bool, pending_previews: int, has_video: bool) -> str:
    if not has_starting_image:
        return "needs starting image"
    if busy:
        return "generating"
    if pending_previews:
        return "preview pending"
    if not has_video:
        return "no video"
    return "ready"


@dataclass(frozen=True)
class SegmentSummary:
    asset_id: str
    order: int
    title: str
    model: str
    duration_s: float
    status: str
    updated_at: str
    pending_previews: int
    takes: int
    thumbnail_url: str | None
    has_draft: bool = False
    conflict: bool = False
    #: The committed video was made from an older starting image than the segment has now.
    video_outdated: bool = False

    @property
    def label(self) -> str:
        return self.title or self.asset_id


def summarize_segment(
    asset: VideoAsset,
    order: int,
    project: Project,
    *,
    thumbnail_url: str | None,
    busy: bool,
    pending_previews: int,
    takes: int,
    has_draft: bool,
    conflict: bool,
    video_outdated: bool = False,
) -> SegmentSummary:
    """The committed view of ``asset`` (drafts do not change its model or duration here, only flag it)."""
    settings = resolve_video_settings(None, project, asset).settings
    return SegmentSummary(
        asset_id=asset.id,
        order=order,
        title=asset.title,
        model=settings.model,
        duration_s=settings.duration_s,
        status=segment_status(
            has_starting_image=thumbnail_url is not None,
            busy=busy,
            pending_previews=pending_previews,
            has_video=asset.path is not None,
        ),
        updated_at=asset.updated_at,
        pending_previews=pending_previews,
        takes=takes,
        thumbnail_url=thumbnail_url,
        has_draft=has_draft,
        conflict=conflict,
        video_outdated=video_outdated,
    )


def damaged_summary(asset: VideoAsset, order: int) -> SegmentSummary:
    """A segment whose stored entry is damaged: listed, never used (its fields cannot be trusted)."""
    return SegmentSummary(
        asset_id=asset.id,
        order=order,
        title=asset.title if isinstance(asset.title, str) else "",
        model="",
        duration_s=0.0,
        status="damaged",
        updated_at="",
        pending_previews=0,
        takes=0,
        thumbnail_url=None,
    )
