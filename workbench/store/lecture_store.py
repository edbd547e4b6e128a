"""The embedded lecture store: one folder on disk that a researcher can back up, inspect and share.

Layout (all names are checked ids, so no id can become a path outside the store)::

    <root>/workbench-store.json          marker and format version
    <root>/.writer.lock                  one writer at a time, across processes (filelock)
    <root>/projects/<project_id>.json
    <root>/lectures/<lecture_id>.json    version-checked (compare-and-swap) on every commit
    <root>/media/<lecture_id>/images/    starting images
    <root>/media/<lecture_id>/takes/     generated videos; an accepted take becomes the committed video
    <root>/media/<lecture_id>/videos/    committed videos that came from elsewhere (imports, the demo)
    <root>/tables/{takes,jobs,events}/   append-only parquet (see ``tables.py``)
    <root>/tables/metrics/               each take's measurements (see ``record_metrics``), joined onto takes
    <root>/trash/<time>/...              what recovery swept away (orphaned take files), kept until purged

Every write takes the writer lock, checks ownership (see ``guard.py``: one mechanism for every mutator),
validates first, and replaces files atomically, so a notebook and a papermill batch can share a store.
Reads take no lock. Damage stays local: an unreadable table file is skipped with a warning, a damaged lecture
fails only that lecture, a damaged segment only that segment (see ``documents.py``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from workbench.domain.clock import next_timestamp, utc_now
from workbench.domain.ids import check_id, new_id
from workbench.domain.images import check_image_covers
from workbench.domain.integrity import check_lecture, check_media_path
from workbench.domain.jobs import ACTIVE_JOB_STATUSES, JobRecord
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import ImageTake, Lecture, Project, Resolution, StartingImage, Take, TakeStatus
from workbench.domain.ownership import check_owner, current_user
from workbench.domain.settings import SETTING_FIELDS, resolve_video_settings
from workbench.domain.text import check_plain_text
from workbench.errors import (
    ConflictError,
    CorruptFileError,
    NotFoundError,
    OwnershipError,
    StoreError,
    ValidationError,
)
from workbench.store.atomic import atomic_write_bytes, fsync_dir, fsync_file, is_temp_name
from workbench.store.documents import (
    decode_lecture,
    decode_project,
    encode_lecture,
    encode_project,
    read_json,
)
from workbench.store.drafts import DraftStore
from workbench.store.guard import Touches, writes
from workbench.store.images import prepare_upload
from workbench.store.records import (
    EVENT_SCHEMA,
    IMAGE_TAKE_SCHEMA,
    JOB_SCHEMA,
    METRICS_COLUMNS,
    METRICS_SCHEMA,
    TAKE_SCHEMA,
    event_row,
    image_take_from_row,
    image_take_to_row,
    job_from_row,
    job_to_row,
    metrics_from_row,
    metrics_to_row,
    take_from_row,
    take_to_row,
)
from workbench.store.tables import ParquetLog
from workbench.store.versioned import VersionedTable
from workbench.store.watch import StoreWatcher

__all__ = ["STORE_FORMAT", "LectureStore", "open_store"]

STORE_FORMAT = "workbench.store/1"
MARKER = "workbench-store.json"
LOCK_TIMEOUT_S = 30.0
#: How often a writer waiting for another process's writer lock checks again.
LOCK_POLL_S = 0.005
#: A temporary file in the samples cache older than this was left by a killed measurement (one takes seconds).
STALE_CACHE_TEMP_S = 3600.0
TRASH = "trash"

log = logging.getLogger("workbench.store")


def open_store(
    path: str | os.PathLike[str], *, create: bool = False, user: str | None = None
) -> LectureStore:
    """Open the store at ``path`` (``create=True`` makes an empty one). ``user`` defaults to the current user."""
    root = Path(path).expanduser()
    marker = root / MARKER
    if not marker.exists():
        if not create:
            raise StoreError(
                f"{root} is not a workbench store. Create one with `workbench demo init {root}` or "
                "open_store(path, create=True)."
            )
        if root.exists() and any(root.iterdir()):
            raise StoreError(
                f"{root} exists and is not empty; choose an empty or new folder for a new store."
            )
        root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(marker, b'{"format": "%s"}\n' % STORE_FORMAT.encode())
    data = read_json(marker)
    if data.get("format") != STORE_FORMAT:
        raise CorruptFileError(marker, f"format {data.get('format')!r} is not {STORE_FORMAT!r}")
    return LectureStore(root, user=current_user(user))


class LectureStore:
    """Projects, lectures, media, takes, jobs and events of one store folder."""

    def __init__(self, root: Path, *, user: str) -> None:
        self.root = root.resolve()
        self.user = user
        self._lock = FileLock(self.root / ".writer.lock", timeout=LOCK_TIMEOUT_S)
        self._thread_lock = threading.RLock()
        tables = self.root / "tables"
        self._takes: VersionedTable[Take] = VersionedTable(
            tables / "takes", TAKE_SCHEMA, "take_id", take_to_row, take_from_row
        )
        self._jobs: VersionedTable[JobRecord] = VersionedTable(
            tables / "jobs", JOB_SCHEMA, "job_id", job_to_row, job_from_row
        )
        self._image_takes: VersionedTable[ImageTake] = VersionedTable(
            tables / "image_takes", IMAGE_TAKE_SCHEMA, "take_id", image_take_to_row, image_take_from_row
        )
        self._events = ParquetLog(tables / "events", EVENT_SCHEMA)
        self._metrics = ParquetLog(tables / "metrics", METRICS_SCHEMA)
        self._metrics_cache: tuple[object, pd.DataFrame] | None = None
        self._joined_cache: tuple[object, object, pd.DataFrame] | None = None
        self._lecture_cache: dict[str, tuple[tuple[int, ...], Lecture]] = {}
        self._media_folders: dict[str, Path] = {}
        with self.writing():
            self._sweep_leftovers()

    def __repr__(self) -> str:
        return f"LectureStore({str(self.root)!r}, user={self.user!r})"

    # -- locking ---------------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's writer lock (re-entrant within a thread).

        Threads of this process queue on a plain lock first: the file lock is per thread and waits by polling,
        so two of our own writer threads (job states, takes, the event journal) once stalled each other by
        a whole poll interval (50 ms) per write. Other processes still meet the file lock, polled every 5 ms.
        """
        with self._thread_lock:
            try:
                self._lock.acquire(poll_interval=LOCK_POLL_S)
            except Timeout:
                raise StoreError(
                    f"Another process has held the store's writer lock for over {LOCK_TIMEOUT_S:g} s. "
                    "Wait for it to finish, or remove .writer.lock if no workbench process is running.",
                ) from None
            try:
                yield
            finally:
                self._lock.release()

    def _sweep_leftovers(self) -> None:
        """Remove temp files a killed writer left behind (safe: we hold the writer lock, and every atomic
        write of a document or an image happens under it, so a temp file seen now has no live writer)."""
        folders = [self.root / "projects", self.root / "lectures"]
        media = self.root / "media"
        if media.is_dir():
            folders += [p / "images" for p in media.iterdir()]
        for folder in folders:
            if folder.is_dir():
                for entry in folder.iterdir():
                    if is_temp_name(entry.name):
                        entry.unlink(missing_ok=True)
        for table in self._logs().values():
            table.sweep_replaced()
        # the samples cache is written without the lock (by measurements in any process): only a temporary
        # file no writer can still be writing is a leftover
        if self.samples_cache.is_dir():
            stale = time.time() - STALE_CACHE_TEMP_S
            for entry in self.samples_cache.iterdir():
                if is_temp_name(entry.name):
                    with contextlib.suppress(OSError):
                        if entry.stat().st_mtime < stale:
                            entry.unlink()

    def _logs(self) -> dict[str, ParquetLog]:
        return {
            "takes": self._takes.log,
            "image_takes": self._image_takes.log,
            "jobs": self._jobs.log,
            "events": self._events,
            "metrics": self._metrics,
        }

    # -- paths -----------------------------------------------------------------------------------------------

    def _doc_path(self, kind: str, doc_id: str) -> Path:
        return self.root / kind / f"{check_id(doc_id, kind[:-1] + ' id')}.json"

    @property
    def samples_cache(self) -> Path:
        """Where measurements keep committed videos' decoded samples, by content, for the next take compared
        with them (any process, any session). Derived data: safe to delete, rebuilt on demand."""
        return self.root / "cache" / "samples"

    def media_path(self, relative: str, lecture_id: str | None = None) -> Path:
        """The absolute path of a store-relative media path, refusing anything outside the store (or, with
        ``lecture_id``, outside that lecture's media folder), also through a symbolic link."""
        check_media_path(relative, lecture_id)
        path = self.root / relative
        if not _passes_a_link(self.root, relative):
            # the root is resolved and the path has no "..": with no link on the way it is already resolved,
            # and inside the store (the lecture's folder, which check_media_path checked it names)
            return path
        path = path.resolve()
        if not path.is_relative_to(self._media_folder(lecture_id) if lecture_id is not None else self.root):
            raise ValidationError(f"The media path {relative!r} points outside the store.")
        return path

    def _media_folder(self, lecture_id: str) -> Path:
        """A lecture's media folder, resolved (once: a folder moved since can only make paths refused)."""
        found = self._media_folders.get(lecture_id)
        if found is None:
            found = self._media_folders[lecture_id] = (self.root / "media" / lecture_id).resolve()
        return found

    def media_dir(self, lecture_id: str, kind: str) -> Path:
        if kind not in ("images", "takes", "videos"):
            raise ValueError(kind)
        return self.root / "media" / check_id(lecture_id, "lecture id") / kind

    def relative(self, path: Path) -> str:
        """``path`` (inside the store) as a store-relative media path."""
        if path.is_absolute() and path.is_relative_to(self.root):
            relative = path.relative_to(self.root).as_posix()
            if ".." not in relative.split("/") and not _passes_a_link(self.root, relative):
                return relative  # already resolved: no link or ".." below the resolved root
        return path.resolve().relative_to(self.root).as_posix()

    # -- ownership (used by guard.writes; see guard.py) --------------------------------------------------------

    def check_may_write(self, lecture_id: str, *, job_id: str | None = None) -> None:
        """Raise unless the current user owns the stored lecture ``lecture_id``.

        A lecture whose file is damaged has no readable owner, so writes about it are refused, except the
        records of a job the current user started earlier (``job_id``): a job that was running when the
        file was damaged can still record how it ended.
        """
        try:
            lecture = self.lecture(lecture_id)
        except CorruptFileError:
            if job_id is not None and self._job_user(job_id) == self.user:
                return
            raise
        check_owner(lecture, self.user)

    def may_write(self, lecture_id: str) -> bool:
        """Whether :meth:`check_may_write` would pass (recovery uses it to leave others' lectures alone)."""
        try:
            self.check_may_write(lecture_id)
        except (OwnershipError, CorruptFileError, NotFoundError, ValidationError):
            return False
        return True

    def check_may_write_project(self, project_id: str) -> None:
        """Raise unless the stored project ``project_id`` (if it exists) belongs to the current user."""
        path = self._doc_path("projects", project_id)
        if not path.exists():
            return
        current = decode_project(path, read_json(path))
        if current.owner != self.user:
            raise OwnershipError(
                f"Project {project_id!r} belongs to {current.owner!r}, not {self.user!r}; nothing was changed."
            )

    def _job_user(self, job_id: str) -> str | None:
        found = self._jobs.get(job_id)
        return None if found is None else found[0].user

    # -- projects --------------------------------------------------------------------------------------------

    def project(self, project_id: str) -> Project:
        path = self._doc_path("projects", project_id)
        if not path.exists():
            raise NotFoundError(f"There is no project {project_id!r} in this store.")
        return decode_project(path, read_json(path))

    def projects(self) -> list[Project]:
        folder = self.root / "projects"
        ids = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        return [self.project(i) for i in ids]

    @writes(lambda store, a: Touches(projects=(check_id(a["project"].id, "project id"),)))
    def save_project(self, project: Project) -> Project:
        """Create a project, or update one the current user owns."""
        path = self._doc_path("projects", project.id)
        if project.owner != self.user:
            raise OwnershipError(
                f"You ({self.user!r}) cannot save a project owned by {project.owner!r}; nothing was changed. "
                "A project is owned by the user who saves it."
            )
        check_plain_text(project.name, "project name", max_chars=500)
        atomic_write_bytes(path, encode_project(project))
        return project

    # -- lectures --------------------------------------------------------------------------------------------

    def lecture_ids(self) -> list[str]:
        folder = self.root / "lectures"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def lecture(self, lecture_id: str) -> Lecture:
        """The stored lecture. Decoded once per file version: an unchanged file (same inode, size and
        mtime, which every atomic replace changes) is served from memory."""
        path = self._doc_path("lectures", lecture_id)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise NotFoundError(
                f"There is no lecture {lecture_id!r} in this store. Known lectures: "
                f"{', '.join(self.lecture_ids()) or 'none'}."
            ) from None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        cached = self._lecture_cache.get(lecture_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        lecture = decode_lecture(path, read_json(path))
        if lecture.id != lecture_id:
            raise CorruptFileError(path, f"the file holds lecture {lecture.id!r}, not {lecture_id!r}")
        self._lecture_cache[lecture_id] = (key, lecture)
        return lecture

    @writes(lambda store, a: Touches())
    def create_lecture(self, lecture: Lecture) -> Lecture:
        """Store a new lecture owned by the current user, as version 1."""
        check_lecture(lecture)
        if lecture.owner != self.user:
            raise OwnershipError(
                f"You ({self.user!r}) cannot create a lecture owned by {lecture.owner!r}; nothing was written. "
                "A new lecture is owned by the user who creates it."
            )
        if any(a.damage for a in lecture.videos) or any(i.damage for i in lecture.starting_images):
            raise ValidationError("A new lecture cannot contain damaged entries.")
        path = self._doc_path("lectures", lecture.id)
        if path.exists():
            raise ConflictError(f"A lecture {lecture.id!r} already exists; choose another id.")
        self.project(lecture.project_id)
        stored = replace(lecture, version=1, updated_at=next_timestamp(lecture.updated_at or None))
        self._write_lecture(path, stored)
        return stored

    @writes(lambda store, a: Touches.lecture(check_id(a["lecture"].id, "lecture id")))
    def commit_lecture(self, lecture: Lecture, *, expected_version: int) -> Lecture:
        """Replace the stored lecture if it is still at ``expected_version``; returns the new version.

        Checks ownership against the *stored* document and refuses stale writes with :class:`ConflictError`;
        in both cases nothing is written. Damaged entries can be carried unchanged, never introduced.
        """
        check_lecture(lecture)
        path = self._doc_path("lectures", lecture.id)
        current = self.lecture(lecture.id)
        if lecture.owner != current.owner:
            raise ValidationError("A commit cannot change a lecture's owner.")
        if current.version != expected_version:
            raise ConflictError(
                f"Lecture {current.title or current.id!r} was changed elsewhere (it is at version "
                f"{current.version}, you edited version {expected_version}); nothing was overwritten. "
                "Reload the lecture and apply your change again.",
            )
        _check_damage_is_carried(current, lecture)
        stored = replace(lecture, version=current.version + 1, updated_at=next_timestamp(current.updated_at))
        self._write_lecture(path, stored)
        return stored

    def _write_lecture(self, path: Path, lecture: Lecture) -> None:
        atomic_write_bytes(path, encode_lecture(lecture))
        st = path.stat()
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        self._lecture_cache[lecture.id] = (key, lecture)

    @writes(lambda store, a: Touches.lecture(check_id(a["lecture_id"], "lecture id")))
    def update_lecture(
        self,
        lecture_id: str,
        change: Callable[[Lecture], Lecture],
        *,
        expected_version: int | None = None,
    ) -> Lecture:
        """Load, apply ``change`` and commit, all under the writer lock.

        With ``expected_version`` the change is refused if the lecture moved on since the caller read it.
        """
        current = self.lecture(lecture_id)
        version = current.version if expected_version is None else expected_version
        return self.commit_lecture(change(current), expected_version=version)

    # -- starting images -------------------------------------------------------------------------------------

    def import_starting_image(
        self,
        lecture_id: str,
        source: bytes | os.PathLike[str] | str,
        *,
        image_id: str | None = None,
        regions: Mapping[str, tuple[float, float, float, float]] | None = None,
        for_resolution: Resolution | None = None,
    ) -> StartingImage:
        """Validate an image and store it under the lecture's media; only the file is written (attach it to a
        segment with a lecture commit).

        Refused with :class:`~workbench.errors.InvalidImageError` before anything is written: unreadable or
        truncated files, more than ``MAX_IMAGE_PIXELS`` (checked from the header: a decompression bomb is never
        decoded), fewer than ``MIN_IMAGE_SIDE`` pixels a side, or, with ``for_resolution``, too small for that
        video. Stored as uploaded when it is a plain PNG/JPEG, else as an 8-bit RGB PNG (CMYK, palette, alpha,
        16-bit and EXIF rotation resolved), at most ``WORKING_MAX_PIXELS`` large.
        The lecture may not exist yet (a new lecture's images come first); if it does, you must own it.
        """
        lecture_id = check_id(lecture_id, "lecture id")
        image_id = check_id(image_id or new_id("img"), "starting image id")
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        prepared = prepare_upload(data)
        if for_resolution is not None:
            check_image_covers(prepared.width, prepared.height, for_resolution)
        clean_regions = _check_regions(regions or {})
        path = self.media_dir(lecture_id, "images") / f"{image_id}.{prepared.extension}"
        self._store_image(lecture_id, path, prepared.data)
        return StartingImage(
            id=image_id,
            path=self.relative(path),
            width=prepared.width,
            height=prepared.height,
            created_at=next_timestamp(),
            regions=clean_regions,
        )

    @writes(
        lambda store, a: Touches.lecture(a["lecture_id"]) if store.has_lecture(a["lecture_id"]) else Touches()
    )
    def _store_image(self, lecture_id: str, path: Path, data: bytes) -> None:
        atomic_write_bytes(path, data)

    def has_lecture(self, lecture_id: str) -> bool:
        return self._doc_path("lectures", lecture_id).exists()

    def starting_image_file(self, lecture: Lecture, image_id: str | None) -> Path | None:
        """The stored image file of ``image_id``, or ``None`` when the id or the file is missing (or its
        record is damaged)."""
        image = lecture.starting_image(image_id)
        if image is None:
            return None
        try:
            path = self.media_path(image.path, lecture.id)
        except ValidationError:
            return None
        return path if path.is_file() else None

    # -- takes -----------------------------------------------------------------------------------------------

    def new_take_path(self, lecture_id: str, take_id: str) -> Path:
        return self.media_dir(lecture_id, "takes") / f"{check_id(take_id, 'take id')}.mp4"

    def record_take(self, take: Take) -> Take:
        """Persist a new take (its file must already be in place)."""
        self.record_takes([take])
        return take

    @writes(lambda store, a: Touches.of((check_id(t.lecture_id, "lecture id"), t.job_id) for t in a["takes"]))
    def record_takes(self, takes: Sequence[Take]) -> None:
        """Persist new takes as one durable append (all or none).

        Each take's file must be in place in its lecture's ``takes`` folder; it is fsynced (with its folder)
        before the record is written, so a recorded take never points at a file a power cut could lose.
        """
        self._take_files(takes)
        self._takes.put_many([(take, 0) for take in takes])

    def _take_files(self, takes: Sequence[Take | ImageTake]) -> list[Path]:
        """Check new takes' ids and files (in their lecture's media folder), then fsync the files and folders."""
        files = []
        for take in takes:
            check_id(take.id, "take id")
            check_id(take.asset_id, "segment id")
            check_id(take.job_id, "job id")
            path = self.media_path(take.path, take.lecture_id)
            if not path.is_file():
                raise NotFoundError(
                    f"The file of take {take.id!r} ({take.path}) is missing; nothing was recorded."
                )
            files.append(path)
            if self._takes.get(take.id) is not None or self._image_takes.get(take.id) is not None:
                raise ConflictError(f"A take {take.id!r} already exists.")
        for path in files:
            fsync_file(path)
        for folder in {path.parent for path in files}:
            fsync_dir(folder)
        return files

    @writes(lambda store, a: Touches.lecture(*store._stored_take_owner(a["take"].id)))
    def update_take(
        self, take: Take, *, expect_status: TakeStatus | None = None, durable: bool = True
    ) -> Take:
        """Append a new revision of ``take``; with ``expect_status`` refuse if its state moved on.

        Only its review state may change: its lecture, segment, job, file and settings are fixed.
        """
        current, revision = self._takes.get(take.id)  # type: ignore[misc]  (the guard found it)
        if expect_status is not None and current.status is not expect_status:
            raise ConflictError(
                f"Take {take.id!r} is already {current.status}; reload to see its current state."
            )
        fixed = ("lecture_id", "asset_id", "job_id", "path", "settings", "preview_token", "created_at")
        changed = [name for name in fixed if getattr(take, name) != getattr(current, name)]
        if changed:
            raise ValidationError(
                f"Take {take.id!r}: {', '.join(changed)} cannot change after it was generated; only its review "
                "state can. Nothing was written."
            )
        self._takes.put(take, revision + 1, durable=durable)
        return take

    def _stored_take_owner(self, take_id: str) -> tuple[str, str]:
        found = self._takes.get(check_id(take_id, "take id"))
        if found is None:
            raise NotFoundError(f"There is no take {take_id!r}.")
        return found[0].lecture_id, found[0].job_id

    def take(self, take_id: str) -> Take:
        found = self._takes.get(check_id(take_id, "take id"))
        if found is None:
            raise NotFoundError(f"There is no take {take_id!r}. It may belong to another store.")
        return found[0]

    def takes(
        self,
        lecture_id: str | None = None,
        asset_id: str | None = None,
        status: TakeStatus | str | None = None,
    ) -> pd.DataFrame:
        """Takes (latest state of each) as a DataFrame, oldest first; filter by lecture, segment, status.

        Each row carries the take's metrics (``METRICS_COLUMNS``; nulls until it is measured, see
        :meth:`record_metrics`).
        """
        frame = self._takes_with_metrics()
        mask = pd.Series(True, index=frame.index)
        if lecture_id is not None:
            mask &= frame["lecture_id"] == lecture_id
        if asset_id is not None:
            mask &= frame["asset_id"] == asset_id
        if status is not None:
            mask &= frame["status"] == str(status)
        return frame[mask].reset_index(drop=True)

    def _takes_with_metrics(self) -> pd.DataFrame:
        """Latest takes left-joined with their latest metrics (cached until either table changes)."""
        takes, metrics = self._takes.latest(), self._latest_metrics()
        cached = self._joined_cache
        if cached is not None and cached[0] is takes and cached[1] is metrics:
            return cached[2]
        joined = takes.merge(metrics[["take_id", *METRICS_COLUMNS]], on="take_id", how="left")
        for name in ("metrics_version", "decoded_frames", "reversals", "stalls"):
            joined[name] = joined[name].astype("Int64")  # whole numbers stay whole beside the nulls
        self._joined_cache = (takes, metrics, joined)
        return joined

    def _latest_metrics(self) -> pd.DataFrame:
        """The metrics table, one row per take: its newest ``metrics_version``, then its latest measurement."""
        raw = self._metrics.read()
        cached = self._metrics_cache
        if cached is not None and cached[0] is raw:
            return cached[1]
        latest = (
            raw.sort_values(["metrics_version", "measured_at"], kind="stable")
            .drop_duplicates("take_id", keep="last")
            .reset_index(drop=True)
        )
        self._metrics_cache = (raw, latest)
        return latest

    def metrics(self, lecture_id: str | None = None) -> pd.DataFrame:
        """Each measured take's latest metrics (``take_id``, ``lecture_id``, ``measured_at`` and the metrics)."""
        frame = self._latest_metrics()
        if lecture_id is not None:
            frame = frame[frame["lecture_id"] == lecture_id].reset_index(drop=True)
        return frame

    def take_metrics(self, take_id: str) -> TakeMetrics | None:
        """One take's latest metrics, or ``None`` when it has not been measured."""
        frame = self._latest_metrics()
        rows = frame[frame["take_id"] == check_id(take_id, "take id")]
        return None if rows.empty else metrics_from_row(rows.iloc[-1].to_dict())

    @writes(lambda store, a: Touches.of(store._stored_take_owner(take_id) for take_id, _ in a["measured"]))
    def record_metrics(self, measured: Sequence[tuple[str, TakeMetrics]]) -> None:
        """Store measurements of stored takes, as one append. A take measured again (a newer
        ``metrics_version``, a backfill) gets a new row; reads use its latest. Re-derivable, so not fsynced
        to the folder (a power cut may cost a measurement, never a take)."""
        rows = []
        for take_id, metrics in measured:
            lecture_id, _job = self._stored_take_owner(take_id)
            if not isinstance(metrics, TakeMetrics):
                raise ValidationError(
                    f"Metrics of take {take_id!r} must be TakeMetrics; nothing was written."
                )
            rows.append(metrics_to_row(take_id, lecture_id, metrics, next_timestamp()))
        self._metrics.append(rows, durable=False)

    def take_records(self, frame: pd.DataFrame) -> list[Take]:
        """Turn rows of :meth:`takes` into :class:`Take` values."""
        return self._takes.records(frame)

    # -- image takes (generated starting images; see ``jobs/workflows/regenerate_image.py``) ----------------

    def new_image_take_path(self, lecture_id: str, take_id: str) -> Path:
        return self.media_dir(lecture_id, "takes") / f"{check_id(take_id, 'take id')}.png"

    def record_image_take(self, take: ImageTake) -> ImageTake:
        """Persist a new image take (its file must already be in place)."""
        self.record_image_takes([take])
        return take

    @writes(lambda store, a: Touches.of((check_id(t.lecture_id, "lecture id"), t.job_id) for t in a["takes"]))
    def record_image_takes(self, takes: Sequence[ImageTake]) -> None:
        """Persist new image takes as one durable append (all or none); each file is fsynced first."""
        self._take_files(takes)
        self._image_takes.put_many([(take, 0) for take in takes])

    @writes(lambda store, a: Touches.lecture(*store._stored_image_take_owner(a["take"].id)))
    def update_image_take(self, take: ImageTake, *, expect_status: TakeStatus | None = None) -> ImageTake:
        """Append a new revision of an image take; only its review state may change."""
        current, revision = self._image_takes.get(take.id)  # type: ignore[misc]  (the guard found it)
        if expect_status is not None and current.status is not expect_status:
            raise ConflictError(
                f"Image take {take.id!r} is already {current.status}; reload to see its current state."
            )
        fixed = (
            "lecture_id",
            "asset_id",
            "job_id",
            "path",
            "settings",
            "preview_token",
            "created_at",
            "regions",
        )
        changed = [name for name in fixed if getattr(take, name) != getattr(current, name)]
        if changed:
            raise ValidationError(
                f"Image take {take.id!r}: {', '.join(changed)} cannot change after it was generated; only its "
                "review state can. Nothing was written."
            )
        self._image_takes.put(take, revision + 1)
        return take

    def _stored_image_take_owner(self, take_id: str) -> tuple[str, str]:
        found = self._image_takes.get(check_id(take_id, "take id"))
        if found is None:
            raise NotFoundError(f"There is no image take {take_id!r}.")
        return found[0].lecture_id, found[0].job_id

    def image_take(self, take_id: str) -> ImageTake:
        found = self._image_takes.get(check_id(take_id, "take id"))
        if found is None:
            raise NotFoundError(f"There is no image take {take_id!r}. It may belong to another store.")
        return found[0]

    def image_takes(
        self,
        lecture_id: str | None = None,
        asset_id: str | None = None,
        status: TakeStatus | str | None = None,
    ) -> pd.DataFrame:
        """Image takes (latest state of each) as a DataFrame, oldest first; filter like :meth:`takes`."""
        frame = self._image_takes.latest()
        mask = pd.Series(True, index=frame.index)
        if lecture_id is not None:
            mask &= frame["lecture_id"] == lecture_id
        if asset_id is not None:
            mask &= frame["asset_id"] == asset_id
        if status is not None:
            mask &= frame["status"] == str(status)
        return frame[mask].reset_index(drop=True)

    def image_take_records(self, frame: pd.DataFrame) -> list[ImageTake]:
        return self._image_takes.records(frame)

    # -- jobs ------------------------------------------------------------------------------------------------

    def save_job(self, job: JobRecord, *, durable: bool = True) -> JobRecord:
        """Record the job's new state. ``durable=False`` for states recovery can re-derive (see tables.py)."""
        self.save_jobs([job], durable=durable)
        return job

    @writes(lambda store, a: Touches.of((check_id(j.lecture_id, "lecture id"), j.id) for j in a["jobs"]))
    def save_jobs(self, jobs: Sequence[JobRecord], *, durable: bool = True) -> None:
        """Record several job states, in order, as one append (the runner's writer groups what waits).

        A job's lecture, segment, kind and user are fixed once recorded.
        """
        for job in jobs:
            check_id(job.id, "job id")
            check_id(job.asset_id, "segment id")
        revisions: dict[str, int] = {}
        first: dict[str, JobRecord] = {}
        rows = []
        for job in jobs:
            if job.id not in revisions:
                found = self._jobs.get(job.id)
                revisions[job.id] = -1 if found is None else found[1]
                if found is not None:
                    first[job.id] = found[0]
                else:
                    first[job.id] = job
            anchor = first[job.id]
            moved = [
                n for n in ("lecture_id", "asset_id", "kind", "user") if getattr(job, n) != getattr(anchor, n)
            ]
            if moved:
                raise ValidationError(
                    f"Job {job.id!r}: {', '.join(moved)} cannot change once recorded. Nothing was written."
                )
            revisions[job.id] += 1
            rows.append((job, revisions[job.id]))
        self._jobs.put_many(rows, durable=durable)

    def active_jobs(self, lecture_id: str | None = None) -> list[JobRecord]:
        """Jobs queued or running (in any process), without building a DataFrame: the busy check is hot."""
        active = {str(s) for s in ACTIVE_JOB_STATUSES}
        return [
            job_from_row(row)
            for row in self._jobs.rows()
            if row["status"] in active and (lecture_id is None or row["lecture_id"] == lecture_id)
        ]

    def job(self, job_id: str) -> JobRecord:
        found = self._jobs.get(check_id(job_id, "job id"))
        if found is None:
            raise NotFoundError(f"There is no job {job_id!r} in this store.")
        return found[0]

    def jobs(self, lecture_id: str | None = None, status: Iterable[str] | None = None) -> pd.DataFrame:
        frame = self._jobs.latest()
        mask = pd.Series(True, index=frame.index)
        if lecture_id is not None:
            mask &= frame["lecture_id"] == lecture_id
        if status is not None:
            mask &= frame["status"].isin([str(s) for s in status])
        return frame[mask].reset_index(drop=True)

    def job_records(self, frame: pd.DataFrame) -> list[JobRecord]:
        return self._jobs.records(frame)

    # -- events ----------------------------------------------------------------------------------------------

    @writes(
        lambda store, a: Touches.of(
            (check_id(r.get("lecture_id"), "lecture id"), r.get("job_id") or None) for r in a["rows"]
        )
    )
    def append_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Journal events (rows of ``EVENT_SCHEMA``, messages redacted); one file per call, so batch them."""
        if rows:
            self._events.append([event_row(row) for row in rows])

    def events(self, lecture_id: str | None = None, job_id: str | None = None) -> pd.DataFrame:
        frame = self._events.read()
        mask = pd.Series(True, index=frame.index)
        if lecture_id is not None:
            mask &= frame["lecture_id"] == lecture_id
        if job_id is not None:
            mask &= frame["job_id"] == job_id
        return frame[mask].reset_index(drop=True)

    # -- drafts and freshness (see drafts.py and watch.py) --------------------------------------------------

    def drafts(self) -> DraftStore:
        """The current user's saved editor drafts (per lecture; a kernel restart keeps them)."""
        return DraftStore(self.root, self.user, self.writing)

    def watch(self, lecture_id: str) -> StoreWatcher:
        """A cheap poller for what other processes change about ``lecture_id``: its document, its project's,
        and its journaled events."""
        lecture = self.lecture(lecture_id)
        return StoreWatcher(
            self._events,
            self._doc_path("lectures", lecture_id),
            self._doc_path("projects", lecture.project_id),
            lecture_id,
        )

    # -- views and maintenance -------------------------------------------------------------------------------

    def segments(self, lecture_ids: str | Iterable[str] | None = None) -> pd.DataFrame:
        """One row per segment: its effective settings (with provenance), starting image and review state."""
        if lecture_ids is None:
            ids = self.lecture_ids()
        elif isinstance(lecture_ids, str):
            ids = [lecture_ids]
        else:
            ids = list(lecture_ids)
        takes = self._takes.latest()
        pending = takes[takes["status"] == TakeStatus.PENDING].groupby("asset_id").size()
        take_counts = takes.groupby("asset_id").size()
        image_takes = self._image_takes.latest()
        pending_images = image_takes[image_takes["status"] == TakeStatus.PENDING].groupby("asset_id").size()
        jobs = self._jobs.latest()
        active = set(jobs.loc[jobs["status"].isin([str(s) for s in ACTIVE_JOB_STATUSES]), "asset_id"])
        rows = []
        for lecture_id in ids:
            try:
                lecture = self.lecture(lecture_id)
                project = self.project(lecture.project_id)
            except (CorruptFileError, NotFoundError) as exc:
                if isinstance(lecture_ids, str):
                    raise  # asked for this one lecture: say why it cannot be shown
                log.warning("Leaving lecture %r out of the segment list: %s", lecture_id, exc)
                continue
            for order, asset in enumerate(lecture.videos):
                if asset.damage is not None:
                    rows.append(_damaged_row(lecture.id, order, asset))
                    continue
                resolved = resolve_video_settings(None, project, asset)
                image = lecture.starting_image(asset.starting_image_id)
                image_file = self.starting_image_file(lecture, asset.starting_image_id)
                n_pending = int(pending.get(asset.id, 0)) + int(pending_images.get(asset.id, 0))
                if image_file is None:
                    state = "needs starting image"
                elif asset.id in active:
                    state = "generating"
                elif n_pending:
                    state = "preview pending"
                elif asset.path is None:
                    state = "no video"
                else:
                    state = "ready"
                row: dict[str, Any] = {
                    "lecture_id": lecture.id,
                    "order": order,
                    "asset_id": asset.id,
                    "title": asset.title,
                    "status": state,
                    "starting_image_id": asset.starting_image_id,
                    "starting_image_path": image.path if image else None,
                    "has_starting_image": image_file is not None,
                    "path": asset.path,
                    "updated_at": asset.updated_at,
                    "pending_previews": n_pending,
                    "takes": int(take_counts.get(asset.id, 0)),
                    "video_outdated": lecture.video_is_outdated(asset.id),
                }
                settings = resolved.settings.to_dict()
                for name in SETTING_FIELDS:
                    row[name] = settings[name]
                    row[f"{name}_source"] = str(resolved.provenance[name])
                rows.append(row)
        return pd.DataFrame(rows)

    @writes(None, maintenance=True)
    def compact(self) -> dict[str, int]:
        """Merge each table's files into one (crash-safe). Returns files merged per table.

        Store-wide maintenance that changes no record, so any user may run it (damaged files stay as they are).
        """
        return {name: log.compact() for name, log in self._logs().items()}

    def damaged_table_files(self, table: str) -> dict[Path, str]:
        """Unreadable files of one table (``"takes"``, ``"image_takes"``, ``"jobs"``, ``"events"`` or
        ``"metrics"``) that reads skip."""
        return self._logs()[table].damaged_files()

    def damaged_files(self) -> dict[Path, str]:
        """Files the store skips because they cannot be read (path → reason): table files and documents."""
        found: dict[Path, str] = {}
        for table in self._logs().values():
            found.update(table.damaged_files())
        for kind, decode in (("projects", decode_project), ("lectures", decode_lecture)):
            folder = self.root / kind
            for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                try:
                    decoded = decode(path, read_json(path))
                except CorruptFileError as exc:
                    found[path] = exc.detail or exc.message
                    continue
                for entry in (*getattr(decoded, "videos", ()), *getattr(decoded, "starting_images", ())):
                    if entry.damage is not None:
                        found.setdefault(path, f"{entry.damage.entry}: {entry.damage.reason}")
        return found

    # -- trash -----------------------------------------------------------------------------------------------

    @writes(lambda store, a: Touches.lecture(_lecture_of_media(a["relative"])))
    def move_to_trash(self, relative: str, *, reason: str) -> Path:
        """Move a media file of a lecture into ``trash/<time>/<same path>`` (never deleted: it may have cost
        money); logs one line saying what moved and why. Returns the new path."""
        folder, _, name = relative.rpartition("/")
        if name in ("", ".", "..") or "\x00" in name:
            raise ValidationError(f"{relative!r} does not name a file.")
        source = (
            self.media_path(f"{folder}/{name.lstrip('.')}").parent / name
        )  # half-written files are hidden
        stamp = utc_now().strftime("%Y%m%dT%H%M%S")
        target = self.root / TRASH / stamp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target = target.with_name(f"{target.stem}-{time.time_ns()}{target.suffix}")
        shutil.move(source, target)
        fsync_dir(source.parent)
        fsync_dir(target.parent)
        log.warning("Moved %s to %s: %s", relative, self.relative(target), reason)
        return target

    def media_files(self, lecture_id: str, kind: str) -> list[tuple[str, float]]:
        """Files in one of a lecture's media folders, as (store-relative path, mtime), hidden ones included."""
        folder = self.media_dir(lecture_id, kind)
        out = []
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            if entry.is_file() and not entry.is_symlink():
                out.append((self.relative(entry), entry.stat().st_mtime))
        return out

    def media_lecture_ids(self) -> list[str]:
        """Lecture ids that have a media folder (some may have no lecture document)."""
        media = self.root / "media"
        return sorted(p.name for p in media.iterdir() if p.is_dir()) if media.is_dir() else []


def _lecture_of_media(relative: str) -> str:
    parts = relative.split("/")
    if len(parts) < 4 or parts[0] != "media":
        raise ValidationError(f"{relative!r} is not a lecture's media file.")
    return check_id(parts[1], "lecture id")


def _check_damage_is_carried(current: Lecture, new: Lecture) -> None:
    """A commit may keep a damaged entry exactly as stored, never add or alter one."""
    stored = {("video", a.id): a.damage for a in current.videos if a.damage is not None}
    stored |= {("image", i.id): i.damage for i in current.starting_images if i.damage is not None}
    for kind, entries in (("video", new.videos), ("image", new.starting_images)):
        for entry in entries:
            if entry.damage is not None and stored.get((kind, entry.id)) != entry.damage:
                raise ValidationError(
                    f"{entry.damage.entry} is damaged and cannot be committed in a changed form; fix the file "
                    "by hand or leave the entry as it is."
                )


def _check_regions(
    regions: Mapping[str, tuple[float, float, float, float]],
) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for name, box in regions.items():
        check_plain_text(str(name), "region name", max_chars=200)
        values = tuple(float(v) for v in box)
        if len(values) != 4 or not all(v == v and abs(v) != float("inf") for v in values):
            raise ValidationError(f"Region {name!r} must be four finite numbers: x, y, width, height.")
        out[str(name)] = values
    return out  # type: ignore[return-value]


def _damaged_row(lecture_id: str, order: int, asset: Any) -> dict[str, Any]:
    """A segment-list row for a damaged segment: the same columns, no settings, the reason in ``problem``."""
    assert asset.damage is not None
    row: dict[str, Any] = {
        "lecture_id": lecture_id,
        "order": order,
        "asset_id": asset.id,
        "title": asset.title,
        "status": "damaged",
        "starting_image_id": None,
        "starting_image_path": None,
        "has_starting_image": False,
        "path": None,
        "updated_at": "",
        "pending_previews": 0,
        "takes": 0,
        "video_outdated": False,
    }
    for name in SETTING_FIELDS:
        row[name] = row[f"{name}_source"] = None
    row["problem"] = (
        f"{asset.damage.entry} is damaged ({asset.damage.reason}); fix it in {asset.damage.file}."
    )
    return row


def _passes_a_link(root: Path, relative: str) -> bool:
    """Whether a part of ``root/relative`` below ``root`` is a symbolic link (one ``lstat`` per part, where
    resolving the whole path costs one per part from ``/``: media paths are resolved for every take)."""
    here = str(root)
    for part in relative.split("/"):
        here = os.path.join(here, part)
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                return True
        except (FileNotFoundError, NotADirectoryError):
            return False  # nothing below a missing part exists, so no link either
        except OSError:
            return True  # let resolving the whole path decide
    return False
