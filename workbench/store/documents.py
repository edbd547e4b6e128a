"""JSON documents for projects and lectures: encoding, and strict decoding that names the broken file.

The format is plain, sorted, indented JSON so a researcher can read, diff and back up a store by hand.
Decoding refuses unknown keys and wrong types rather than guessing: a hand edit with a typo is reported with
the file name, and the store then refuses to overwrite that file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import orjson

from workbench.domain.ids import check_id
from workbench.domain.models import (
    Lecture,
    Project,
    Resolution,
    StartingImage,
    TimelineClip,
    VideoAsset,
    VideoDefaults,
)
from workbench.errors import CorruptFileError, WorkbenchError

__all__ = [
    "LECTURE_FORMAT",
    "PROJECT_FORMAT",
    "decode_lecture",
    "decode_project",
    "encode_lecture",
    "encode_project",
    "read_json",
]

LECTURE_FORMAT = "workbench.lecture/1"
PROJECT_FORMAT = "workbench.project/1"

T = TypeVar("T")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object, raising :class:`CorruptFileError` (naming the file) if it cannot be parsed."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise CorruptFileError(
            path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise CorruptFileError(path, "the top level is not a JSON object")
    return data


def dumps(data: Mapping[str, Any]) -> bytes:
    """Indented, key-sorted UTF-8 JSON with a final newline (diff-friendly; orjson keeps it fast)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


# -- encoding ----------------------------------------------------------------------------------------------


def _resolution(value: Resolution | None) -> str | None:
    return None if value is None else str(value)


def encode_project(project: Project) -> bytes:
    d = project.video_defaults
    return dumps(
        {
            "format": PROJECT_FORMAT,
            "id": project.id,
            "name": project.name,
            "owner": project.owner,
            "video_defaults": {
                "model": d.model,
                "duration_s": d.duration_s,
                "resolution": _resolution(d.resolution),
                "fps": d.fps,
            },
        }
    )


def encode_lecture(lecture: Lecture) -> bytes:
    return dumps(
        {
            "format": LECTURE_FORMAT,
            "id": lecture.id,
            "project_id": lecture.project_id,
            "title": lecture.title,
            "owner": lecture.owner,
            "version": lecture.version,
            "updated_at": lecture.updated_at,
            "starting_images": [
                {
                    "id": img.id,
                    "path": img.path,
                    "width": img.width,
                    "height": img.height,
                    "created_at": img.created_at,
                    "regions": {name: list(box) for name, box in img.regions.items()},
                }
                for img in lecture.starting_images
            ],
            "videos": [
                {
                    "id": a.id,
                    "title": a.title,
                    "starting_image_id": a.starting_image_id,
                    "movie_directions": a.movie_directions,
                    "model": a.model,
                    "duration_s": a.duration_s,
                    "resolution": _resolution(a.resolution),
                    "fps": a.fps,
                    "seed": a.seed,
                    "path": a.path,
                    "updated_at": a.updated_at,
                }
                for a in lecture.videos
            ],
            "timeline": [
                {"id": c.id, "asset_id": c.asset_id, "start_s": c.start_s} for c in lecture.timeline
            ],
        }
    )


# -- decoding ----------------------------------------------------------------------------------------------


class _Reader:
    """Pulls typed fields out of a mapping; any mismatch becomes a CorruptFileError naming file and key."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path, self.data, self.where = path, data, where
        self.seen: set[str] = set()

    def fail(self, reason: str) -> CorruptFileError:
        return CorruptFileError(self.path, f"{self.where}{reason}")

    def get(
        self, key: str, kind: type | tuple[type, ...], *, optional: bool = False, default: Any = None
    ) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if optional:
                return default
            raise self.fail(f"missing key {key!r}")
        value = self.data[key]
        if value is None and optional:
            return default
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(f"{key!r} must be {_kind_name(kind)}, not a boolean")
        if not isinstance(value, kind):
            raise self.fail(f"{key!r} must be {_kind_name(kind)}, not {type(value).__name__}")
        return value

    def convert(self, key: str, value: Any, fn: Callable[[Any], T]) -> T:
        try:
            return fn(value)
        except (WorkbenchError, ValueError, TypeError) as exc:
            raise self.fail(f"{key!r}: {exc}") from None

    def nested(self, key: str, item: Any, index: int | None = None) -> _Reader:
        if not isinstance(item, dict):
            raise self.fail(f"{key!r} entries must be objects")
        label = f"{key}[{index}]." if index is not None else f"{key}."
        return _Reader(self.path, item, self.where + label)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.seen)
        if extra:
            raise self.fail(f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _check_format(r: _Reader, expected: str) -> None:
    fmt = r.get("format", str)
    if fmt != expected:
        raise r.fail(
            f"format {fmt!r} is not {expected!r}; this store was written by another workbench version"
        )


def _opt_resolution(r: _Reader, key: str) -> Resolution | None:
    raw = r.get(key, str, optional=True)
    return None if raw is None else r.convert(key, raw, Resolution.parse)


def _opt_number(r: _Reader, key: str) -> float | None:
    raw = r.get(key, (int, float), optional=True)
    return None if raw is None else float(raw)


def decode_project(path: Path, data: Mapping[str, Any]) -> Project:
    r = _Reader(path, data)
    _check_format(r, PROJECT_FORMAT)
    d = r.nested("video_defaults", r.get("video_defaults", dict))
    defaults = VideoDefaults(
        model=d.get("model", str, optional=True),
        duration_s=_opt_number(d, "duration_s"),
        resolution=_opt_resolution(d, "resolution"),
        fps=d.get("fps", int, optional=True),
    )
    d.done()
    project = Project(
        id=r.convert("id", r.get("id", str), lambda v: check_id(v, "project id")),
        name=r.get("name", str),
        owner=r.get("owner", str),
        video_defaults=defaults,
    )
    r.done()
    return project


def decode_lecture(path: Path, data: Mapping[str, Any]) -> Lecture:
    r = _Reader(path, data)
    _check_format(r, LECTURE_FORMAT)
    images = []
    for i, raw in enumerate(r.get("starting_images", list)):
        s = r.nested("starting_images", raw, i)
        regions_raw = s.get("regions", dict, optional=True, default={})
        regions = {
            str(name): s.convert("regions", box, lambda b: tuple(float(x) for x in b)[:4])
            for name, box in regions_raw.items()
        }
        images.append(
            StartingImage(
                id=s.convert("id", s.get("id", str), lambda v: check_id(v, "image id")),
                path=s.get("path", str),
                width=s.get("width", int),
                height=s.get("height", int),
                created_at=s.get("created_at", str),
                regions=regions,
            )
        )
        s.done()
    videos = []
    for i, raw in enumerate(r.get("videos", list)):
        v = r.nested("videos", raw, i)
        image_id = v.get("starting_image_id", str, optional=True)
        videos.append(
            VideoAsset(
                id=v.convert("id", v.get("id", str), lambda x: check_id(x, "segment id")),
                title=v.get("title", str, optional=True, default=""),
                starting_image_id=None
                if image_id is None
                else v.convert("starting_image_id", image_id, check_id),
                movie_directions=v.get("movie_directions", str),
                model=v.get("model", str, optional=True),
                duration_s=_opt_number(v, "duration_s"),
                resolution=_opt_resolution(v, "resolution"),
                fps=v.get("fps", int, optional=True),
                seed=v.get("seed", int, optional=True),
                path=v.get("path", str, optional=True),
                updated_at=v.get("updated_at", str, optional=True, default=""),
            )
        )
        v.done()
    clips = []
    for i, raw in enumerate(r.get("timeline", list)):
        c = r.nested("timeline", raw, i)
        clips.append(
            TimelineClip(
                id=c.convert("id", c.get("id", str), lambda x: check_id(x, "clip id")),
                asset_id=c.get("asset_id", str),
                start_s=float(c.get("start_s", (int, float))),
            )
        )
        c.done()
    lecture = Lecture(
        id=r.convert("id", r.get("id", str), lambda v: check_id(v, "lecture id")),
        project_id=r.convert("project_id", r.get("project_id", str), lambda v: check_id(v, "project id")),
        title=r.get("title", str),
        owner=r.get("owner", str),
        version=r.get("version", int),
        updated_at=r.get("updated_at", str, optional=True, default=""),
        starting_images=tuple(images),
        videos=tuple(videos),
        timeline=tuple(clips),
    )
    r.done()
    return lecture
