"""Whole-lecture rules checked before every commit, so a bad document is refused instead of stored.

Damaged entries (see :class:`~workbench.domain.models.Damage`) are exempt: they are carried as they were
read. The store makes sure a commit can only carry damage that is already stored, never introduce it.
"""

from __future__ import annotations

from workbench.domain.ids import check_id
from workbench.domain.models import Lecture
from workbench.domain.text import check_plain_text
from workbench.errors import ValidationError

__all__ = ["MEDIA_KINDS", "check_lecture", "check_media_path"]

#: The folders under ``media/<lecture_id>/`` that the store creates.
MEDIA_KINDS = ("images", "takes", "videos")


def check_media_path(path: str, lecture_id: str | None = None) -> str:
    """A store-relative POSIX path with no ``..``, no absolute start and no hidden parts.

    With ``lecture_id`` it must also lie in that lecture's media folder, ``media/<lecture_id>/<kind>/...``:
    a lecture never points at another lecture's files (or at the store's own documents and tables).
    """
    parts = path.split("/") if isinstance(path, str) else []
    if (
        not parts
        or not path
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or any(not p or p.startswith(".") for p in parts)  # "", ".", "..", hidden names, "a//b", "a/"
    ):
        raise ValidationError(
            f"The media path {path!r} is not inside the store; use a path the store created."
        )
    if lecture_id is not None and (
        len(parts) < 4 or parts[0] != "media" or parts[1] != lecture_id or parts[2] not in MEDIA_KINDS
    ):
        raise ValidationError(
            f"The media path {path!r} is not in the media folder of lecture {lecture_id!r} "
            f"(media/{lecture_id}/images|takes|videos/...); use a path the store created."
        )
    return path


def check_lecture(lecture: Lecture) -> Lecture:
    check_id(lecture.id, "lecture id")
    check_id(lecture.project_id, "project id")
    check_id(lecture.owner, "owner")
    if not isinstance(lecture.version, int) or isinstance(lecture.version, bool) or lecture.version < 0:
        raise ValidationError(
            f"Lecture {lecture.id!r} has version {lecture.version!r}; versions are whole numbers ≥ 1."
        )
    check_plain_text(lecture.title, "lecture title", max_chars=500)
    seen: set[str] = set()
    for asset in lecture.videos:
        check_id(asset.id, "segment id")
        if asset.id in seen:
            raise ValidationError(
                f"Lecture {lecture.id!r} has two segments with id {asset.id!r}; ids must be unique."
            )
        seen.add(asset.id)
        if asset.damage is not None:
            continue
        check_plain_text(asset.title, "segment title", max_chars=500)
        check_plain_text(asset.movie_directions, "movie directions")
        if asset.starting_image_id is not None:
            check_id(asset.starting_image_id, "starting image id")
        if asset.path is not None:
            check_media_path(asset.path, lecture.id)
    image_ids: set[str] = set()
    for image in lecture.starting_images:
        check_id(image.id, "starting image id")
        if image.id in image_ids:
            raise ValidationError(f"Lecture {lecture.id!r} has two starting images with id {image.id!r}.")
        image_ids.add(image.id)
        if image.damage is not None:
            continue
        check_media_path(image.path, lecture.id)
        if image.prompt is not None:
            check_plain_text(image.prompt, "image prompt")
        for name in image.regions:
            check_plain_text(name, "region name", max_chars=200)
    for clip in lecture.timeline:
        check_id(clip.id, "clip id")
        if clip.asset_id not in seen:
            raise ValidationError(
                f"Timeline clip {clip.id!r} refers to segment {clip.asset_id!r}, which the lecture does not have. "
                "Remove the clip or restore the segment."
            )
    return lecture
