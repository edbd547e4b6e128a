"""JSON documents for projects and lectures: encoding, and strict decoding that names the broken file.

The format is plain, sorted, indented JSON so a researcher can read, diff and back up a store by hand.
Decoding refuses unknown keys, wrong types and values the code would trust blindly (a version below 1, a
media path outside the lecture's folder, an id that could name a path, control characters) rather than
guessing: a hand edit with a typo is reported as :class:`CorruptFileError` naming the file and the field, and
the store then refuses to overwrite that file.

Damage is contained: a bad *segment* or *starting image* entry does not fail the lecture. It is decoded with
a :class:`~workbench.domain.models.Damage` that names the field, the lecture works for every other segment,
and the entry is written back exactly as read. Only lecture-level fields, entry ids (which everything else
refers to) and timeline clips fail the whole lecture.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import orjson

from workbench.domain.ids import ID_PATTERN, check_id
from workbench.domain.integrity import check_media_path
from workbench.domain.models import (
    Damage,
    ImageDefaults,
    Lecture,
    Project,
    Resolution,
    StartingImage,
    TimelineClip,
    VideoAsset,
    VideoDefaults,
)
from workbench.domain.text import check_plain_text, find_control_character, strip_control_characters
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
#: ``clock.format_timestamp``'s shape (checked by pattern: ``strptime`` would triple a big lecture's load time).
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


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


def _present(entries: Mapping[str, Any]) -> dict[str, Any]:
    """Optional keys added after a format's first version are written only when set (older files stay as
    they were, and a file that never used them reads the same)."""
    return {key: value for key, value in entries.items() if value not in (None, "")}


def encode_project(project: Project) -> bytes:
    d = project.video_defaults
    images = _present(
        {"model": project.image_defaults.model, "size": _resolution(project.image_defaults.size)}
    )
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
            **({"image_defaults": images} if images else {}),
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
                dict(img.damage.raw)
                if img.damage is not None
                else {
                    "id": img.id,
                    "path": img.path,
                    "width": img.width,
                    "height": img.height,
                    "created_at": img.created_at,
                    "regions": {name: list(box) for name, box in img.regions.items()},
                    **_present(
                        {
                            "updated_at": img.updated_at,
                            "prompt": img.prompt,
                            "model": img.model,
                            "seed": img.seed,
                        }
                    ),
                }
                for img in lecture.starting_images
            ],
            "videos": [
                dict(a.damage.raw)
                if a.damage is not None
                else {
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
                    **_present({"starting_image_version": a.starting_image_version}),
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

    def text(self, key: str, *, optional: bool = False, default: Any = None) -> Any:
        """A string field without control characters."""
        value = self.get(key, str, optional=optional, default=default)
        if isinstance(value, str) and (found := find_control_character(value)) is not None:
            raise self.fail(f"{key!r} contains the control character U+{ord(found[1]):04X}")
        return value

    def number(self, key: str, kind: type | tuple[type, ...], *, low: float, optional: bool = False) -> Any:
        """A number field of at least ``low`` (and finite)."""
        value = self.get(key, kind, optional=optional)
        if value is not None and not (math.isfinite(value) and value >= low):
            raise self.fail(f"{key!r} is {value!r}; it must be at least {low:g}")
        return value

    def id(self, key: str, kind: str, *, optional: bool = False) -> Any:
        value = self.get(key, str, optional=optional)
        if value is None or ID_PATTERN.match(value):
            return value
        return self.convert(key, value, lambda v: check_id(v, kind))  # raises, naming the field

    def timestamp(self, key: str) -> str:
        value = self.get(key, str, optional=True, default="")
        if value and not _TIMESTAMP.fullmatch(value):
            raise self.fail(f"{key!r} is {value[:40]!r}, not a time like 2026-11-24T14:02:33.123456Z")
        return value

    def convert(self, key: str, value: Any, fn: Callable[[Any], T]) -> T:
        try:
            return fn(value)
        except WorkbenchError as exc:
            raise self.fail(f"{key!r}: {exc.message}") from None
        except (ValueError, TypeError) as exc:
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
    raw = r.number(key, (int, float), low=0.0, optional=True)
    return None if raw is None else float(raw)


def decode_project(path: Path, data: Mapping[str, Any]) -> Project:
    r = _Reader(path, data)
    _check_format(r, PROJECT_FORMAT)
    d = r.nested("video_defaults", r.get("video_defaults", dict))
    defaults = VideoDefaults(
        model=d.text("model", optional=True),
        duration_s=_opt_number(d, "duration_s"),
        resolution=_opt_resolution(d, "resolution"),
        fps=d.number("fps", int, low=1, optional=True),
    )
    d.done()
    i = r.nested("image_defaults", r.get("image_defaults", dict, optional=True, default={}))
    image_defaults = ImageDefaults(model=i.text("model", optional=True), size=_opt_resolution(i, "size"))
    i.done()
    project = Project(
        id=r.id("id", "project id"),
        name=r.text("name"),
        owner=r.id("owner", "owner"),
        video_defaults=defaults,
        image_defaults=image_defaults,
    )
    r.done()
    return project


def _region(box: Any) -> tuple[float, float, float, float]:
    if not isinstance(box, list) or len(box) != 4:
        raise ValueError("a region is a list of four numbers: x, y, width, height")
    values = tuple(float(x) for x in box if isinstance(x, int | float) and not isinstance(x, bool))
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"{box!r} is not four finite numbers")
    return values  # type: ignore[return-value]


def _decode_image(s: _Reader, image_id: str, lecture_id: str) -> StartingImage:
    regions_raw = s.get("regions", dict, optional=True, default={})
    regions = {
        s.convert("regions", name, lambda n: check_plain_text(n, "region name", max_chars=200)): s.convert(
            "regions", box, _region
        )
        for name, box in regions_raw.items()
    }
    image = StartingImage(
        id=image_id,
        path=s.convert("path", s.get("path", str), lambda v: check_media_path(v, lecture_id)),
        width=s.number("width", int, low=1),
        height=s.number("height", int, low=1),
        created_at=s.timestamp("created_at"),
        regions=regions,
        updated_at=s.timestamp("updated_at"),
        prompt=s.text("prompt", optional=True),
        model=s.text("model", optional=True),
        seed=s.number("seed", int, low=0, optional=True),
    )
    s.done()
    return image


def _decode_video(v: _Reader, asset_id: str, lecture_id: str) -> VideoAsset:
    path = v.get("path", str, optional=True)
    asset = VideoAsset(
        id=asset_id,
        title=v.text("title", optional=True, default=""),
        starting_image_id=v.id("starting_image_id", "starting image id", optional=True),
        movie_directions=v.text("movie_directions"),
        model=v.text("model", optional=True),
        duration_s=_opt_number(v, "duration_s"),
        resolution=_opt_resolution(v, "resolution"),
        fps=v.number("fps", int, low=1, optional=True),
        seed=v.number("seed", int, low=0, optional=True),
        path=None if path is None else v.convert("path", path, lambda p: check_media_path(p, lecture_id)),
        updated_at=v.timestamp("updated_at"),
        starting_image_version=v.text("starting_image_version", optional=True),
    )
    v.done()
    return asset


def _damage(path: Path, label: str, exc: CorruptFileError, raw: Mapping[str, Any]) -> Damage:
    return Damage(file=str(path), entry=label, reason=exc.detail or exc.message, raw=dict(raw))


def decode_lecture(path: Path, data: Mapping[str, Any]) -> Lecture:
    r = _Reader(path, data)
    _check_format(r, LECTURE_FORMAT)
    lecture_id = r.id("id", "lecture id")
    images = []
    for i, raw in enumerate(r.get("starting_images", list)):
        s = r.nested("starting_images", raw, i)
        image_id = s.id("id", "starting image id")
        try:
            images.append(_decode_image(s, image_id, lecture_id))
        except CorruptFileError as exc:
            damage = _damage(path, f"Starting image {image_id!r}", exc, raw)
            images.append(StartingImage(image_id, "", 0, 0, "", damage=damage))
    videos = []
    for i, raw in enumerate(r.get("videos", list)):
        v = r.nested("videos", raw, i)
        asset_id = v.id("id", "segment id")
        try:
            videos.append(_decode_video(v, asset_id, lecture_id))
        except CorruptFileError as exc:
            title = raw.get("title") if isinstance(raw.get("title"), str) else ""
            damage = _damage(path, f"Segment {asset_id!r}", exc, raw)
            videos.append(
                VideoAsset(asset_id, None, "", title=strip_control_characters(title), damage=damage)
            )
    for key, entries in (("starting_images", images), ("videos", videos)):
        ids = [e.id for e in entries]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise r.fail(f"{key!r} has more than one entry with id {', '.join(map(repr, twice))}")
    segment_ids = {v.id for v in videos}
    clips = []
    for i, raw in enumerate(r.get("timeline", list)):
        c = r.nested("timeline", raw, i)
        clip = TimelineClip(
            id=c.id("id", "clip id"),
            asset_id=c.id("asset_id", "segment id"),
            start_s=float(c.number("start_s", (int, float), low=0.0)),
        )
        if clip.asset_id not in segment_ids:
            raise c.fail(f"'asset_id' {clip.asset_id!r} is not a segment of this lecture")
        c.done()
        clips.append(clip)
    lecture = Lecture(
        id=lecture_id,
        project_id=r.id("project_id", "project id"),
        title=r.text("title"),
        owner=r.id("owner", "owner"),
        version=r.number("version", int, low=1),
        updated_at=r.timestamp("updated_at"),
        starting_images=tuple(images),
        videos=tuple(videos),
        timeline=tuple(clips),
    )
    r.done()
    return lecture
