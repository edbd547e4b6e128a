"""Whole-lecture rules checked before every commit, so a bad document is refused instead of stored."""

from __future__ import annotations

from pathlib import PurePosixPath

from workbench.domain.ids import check_id
from workbench.domain.models import Lecture
from workbench.errors import ValidationError

__all__ = ["check_lecture", "check_media_path"]


def check_media_path(path: str) -> str:
    """A store-relative POSIX path with no ``..``, no absolute start and no hidden parts."""
    parts = PurePosixPath(path).parts
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(p in ("..", ".") or p.startswith(".") for p in parts)
    ):
        raise ValidationError(
            f"The media path {path!r} is not inside the store; use a path the store created."
        )
    return path


def check_lecture(lecture: Lecture) -> Lecture:
    check_id(lecture.id, "lecture id")
    check_id(lecture.project_id, "project id")
    check_id(lecture.owner, "owner")
    seen: set[str] = set()
    for asset in lecture.videos:
        check_id(asset.id, "segment id")
        if asset.id in seen:
            raise ValidationError(
                f"Lecture {lecture.id!r} has two segments with id {asset.id!r}; ids must be unique."
            )
        seen.add(asset.id)
        if asset.starting_image_id is not None:
            check_id(asset.starting_image_id, "starting image id")
        if asset.path is not None:
            check_media_path(asset.path)
    image_ids: set[str] = set()
    for image in lecture.starting_images:
        check_id(image.id, "starting image id")
        check_media_path(image.path)
        if image.id in image_ids:
            raise ValidationError(f"Lecture {lecture.id!r} has two starting images with id {image.id!r}.")
        image_ids.add(image.id)
    for clip in lecture.timeline:
        check_id(clip.id, "clip id")
        if clip.asset_id not in seen:
            raise ValidationError(
                f"Timeline clip {clip.id!r} refers to segment {clip.asset_id!r}, which the lecture does not have. "
                "Remove the clip or restore the segment."
            )
    return lecture
