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

Every write takes the writer lock, validates first, and replaces files atomically, so a notebook and a
papermill batch can share a store. Reads take no lock.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout
from PIL import Image, UnidentifiedImageError

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import check_id, new_id
from workbench.domain.integrity import check_lecture, check_media_path
from workbench.domain.jobs import ACTIVE_JOB_STATUSES, JobRecord
from workbench.domain.models import Lecture, Project, StartingImage, Take, TakeStatus
from workbench.domain.ownership import check_owner, current_user
from workbench.domain.settings import SETTING_FIELDS, resolve_video_settings
from workbench.errors import (
    ConflictError,
    CorruptFileError,
    NotFoundError,
    OwnershipError,
    StoreError,
    ValidationError,
)
from workbench.store.atomic import atomic_write_bytes, is_temp_name
from workbench.store.documents import (
    decode_lecture,
    decode_project,
    encode_lecture,
    encode_project,
    read_json,
)
from workbench.store.drafts import DraftStore
from workbench.store.records import (
    EVENT_SCHEMA,
    JOB_SCHEMA,
    TAKE_SCHEMA,
    job_from_row,
    job_to_row,
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
MAX_IMAGE_BYTES = 50 * 1024 * 1024


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
        self._events = ParquetLog(tables / "events", EVENT_SCHEMA)
        self._lecture_cache: dict[str, tuple[tuple[int, ...], Lecture]] = {}
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
        """Remove temp files a killed writer left behind (safe: we hold the writer lock)."""
        for folder in (self.root / "projects", self.root / "lectures"):
            if folder.is_dir():
                for entry in folder.iterdir():
                    if is_temp_name(entry.name):
                        entry.unlink(missing_ok=True)
        for table in (self._takes.log, self._jobs.log, self._events):
            table.sweep_replaced()

    # -- paths -----------------------------------------------------------------------------------------------

    def _doc_path(self, kind: str, doc_id: str) -> Path:
        return self.root / kind / f"{check_id(doc_id, kind[:-1] + ' id')}.json"

    def media_path(self, relative: str) -> Path:
        """The absolute path of a store-relative media path, refusing anything outside the store."""
        check_media_path(relative)
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValidationError(f"The media path {relative!r} points outside the store.")
        return path

    def media_dir(self, lecture_id: str, kind: str) -> Path:
        if kind not in ("images", "takes", "videos"):
            raise ValueError(kind)
        return self.root / "media" / check_id(lecture_id, "lecture id") / kind

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

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

    def save_project(self, project: Project) -> Project:
        """Create a project, or update one the current user owns."""
        check_id(project.id, "project id")
        path = self._doc_path("projects", project.id)
        with self.writing():
            if path.exists():
                current = decode_project(path, read_json(path))
                if current.owner != self.user:
                    raise OwnershipError(
                        f"Project {project.id!r} belongs to {current.owner!r}, not {self.user!r}; nothing was changed."
                    )
            elif project.owner != self.user:
                raise ValidationError(f"A new project must be owned by the current user ({self.user!r}).")
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

    def create_lecture(self, lecture: Lecture) -> Lecture:
        """Store a new lecture owned by the current user, as version 1."""
        check_lecture(lecture)
        if lecture.owner != self.user:
            raise ValidationError(f"A new lecture must be owned by the current user ({self.user!r}).")
        path = self._doc_path("lectures", lecture.id)
        with self.writing():
            if path.exists():
                raise ConflictError(f"A lecture {lecture.id!r} already exists; choose another id.")
            self.project(lecture.project_id)
            stored = replace(lecture, version=1, updated_at=next_timestamp(lecture.updated_at or None))
            self._write_lecture(path, stored)
        return stored

    def commit_lecture(self, lecture: Lecture, *, expected_version: int) -> Lecture:
        """Replace the stored lecture if it is still at ``expected_version``; returns the new version.

        Checks ownership against the *stored* document and refuses stale writes with :class:`ConflictError`;
        in both cases nothing is written.
        """
        check_lecture(lecture)
        path = self._doc_path("lectures", lecture.id)
        with self.writing():
            current = self.lecture(lecture.id)
            check_owner(current, self.user)
            if lecture.owner != current.owner:
                raise ValidationError("A commit cannot change a lecture's owner.")
            if current.version != expected_version:
                raise ConflictError(
                    f"Lecture {current.title or current.id!r} was changed elsewhere (it is at version "
                    f"{current.version}, you edited version {expected_version}); nothing was overwritten. "
                    "Reload the lecture and apply your change again.",
                )
            stored = replace(
                lecture, version=current.version + 1, updated_at=next_timestamp(current.updated_at)
            )
            self._write_lecture(path, stored)
        return stored

    def _write_lecture(self, path: Path, lecture: Lecture) -> None:
        atomic_write_bytes(path, encode_lecture(lecture))
        st = path.stat()
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        self._lecture_cache[lecture.id] = (key, lecture)

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
        with self.writing():
            current = self.lecture(lecture_id)
            check_owner(current, self.user)
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
    ) -> StartingImage:
        """Validate an image (it must decode) and store it as PNG/JPEG under the lecture's media.

        Only the file is written; attach it to a segment with a lecture commit.
        """
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationError(
                f"The image is {len(data) // 2**20} MB; use one under {MAX_IMAGE_BYTES // 2**20} MB."
            )
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                fmt, width, height = img.format, img.width, img.height
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise ValidationError(
                "The file is not an image the workbench can read. Upload a PNG or JPEG.", detail=str(exc)
            ) from None
        ext = {"PNG": "png", "JPEG": "jpg"}.get(fmt or "")
        if ext is None:
            with Image.open(io.BytesIO(data)) as img:
                buf = io.BytesIO()
                img.convert("RGB").save(buf, format="PNG")
            data, ext = buf.getvalue(), "png"
        image_id = check_id(image_id or new_id("img"), "starting image id")
        path = self.media_dir(lecture_id, "images") / f"{image_id}.{ext}"
        with self.writing():
            atomic_write_bytes(path, data)
        return StartingImage(
            id=image_id,
            path=self.relative(path),
            width=width,
            height=height,
            created_at=next_timestamp(),
            regions=dict(regions or {}),
        )

    def starting_image_file(self, lecture: Lecture, image_id: str | None) -> Path | None:
        """The stored image file of ``image_id``, or ``None`` when the id or the file is missing."""
        image = lecture.starting_image(image_id)
        if image is None:
            return None
        path = self.media_path(image.path)
        return path if path.is_file() else None

    # -- takes -----------------------------------------------------------------------------------------------

    def new_take_path(self, lecture_id: str, take_id: str) -> Path:
        return self.media_dir(lecture_id, "takes") / f"{check_id(take_id, 'take id')}.mp4"

    def record_take(self, take: Take) -> Take:
        """Persist a new take (its file must already be in place)."""
        self.record_takes([take])
        return take

    def record_takes(self, takes: Sequence[Take]) -> None:
        """Persist new takes as one durable append (all or none)."""
        for take in takes:
            check_id(take.id, "take id")
            self.media_path(take.path)
        with self.writing():
            for take in takes:
                if self._takes.get(take.id) is not None:
                    raise ConflictError(f"A take {take.id!r} already exists.")
            self._takes.put_many([(take, 0) for take in takes])

    def update_take(
        self, take: Take, *, expect_status: TakeStatus | None = None, durable: bool = True
    ) -> Take:
        """Append a new revision of ``take``; with ``expect_status`` refuse if its state moved on."""
        with self.writing():
            found = self._takes.get(take.id)
            if found is None:
                raise NotFoundError(f"There is no take {take.id!r}.")
            current, revision = found
            if expect_status is not None and current.status is not expect_status:
                raise ConflictError(
                    f"Take {take.id!r} is already {current.status}; reload to see its current state."
                )
            self._takes.put(take, revision + 1, durable=durable)
        return take

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
        """Takes (latest state of each) as a DataFrame, oldest first; filter by lecture, segment, status."""
        frame = self._takes.latest()
        mask = pd.Series(True, index=frame.index)
        if lecture_id is not None:
            mask &= frame["lecture_id"] == lecture_id
        if asset_id is not None:
            mask &= frame["asset_id"] == asset_id
        if status is not None:
            mask &= frame["status"] == str(status)
        return frame[mask].reset_index(drop=True)

    def take_records(self, frame: pd.DataFrame) -> list[Take]:
        """Turn rows of :meth:`takes` into :class:`Take` values."""
        return self._takes.records(frame)

    # -- jobs ------------------------------------------------------------------------------------------------

    def save_job(self, job: JobRecord, *, durable: bool = True) -> JobRecord:
        """Record the job's new state. ``durable=False`` for states recovery can re-derive (see tables.py)."""
        self.save_jobs([job], durable=durable)
        return job

    def save_jobs(self, jobs: Sequence[JobRecord], *, durable: bool = True) -> None:
        """Record several job states, in order, as one append (the runner's writer groups what waits)."""
        with self.writing():
            revisions: dict[str, int] = {}
            rows = []
            for job in jobs:
                if job.id not in revisions:
                    found = self._jobs.get(job.id)
                    revisions[job.id] = -1 if found is None else found[1]
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

    def append_events(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Journal events (rows of ``EVENT_SCHEMA``); one file per call, so batch them."""
        if rows:
            with self.writing():
                self._events.append(rows)

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
        jobs = self._jobs.latest()
        active = set(jobs.loc[jobs["status"].isin([str(s) for s in ACTIVE_JOB_STATUSES]), "asset_id"])
        rows = []
        for lecture_id in ids:
            lecture = self.lecture(lecture_id)
            project = self.project(lecture.project_id)
            for order, asset in enumerate(lecture.videos):
                resolved = resolve_video_settings(None, project, asset)
                image = lecture.starting_image(asset.starting_image_id)
                image_file = self.starting_image_file(lecture, asset.starting_image_id)
                n_pending = int(pending.get(asset.id, 0))
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
                }
                settings = resolved.settings.to_dict()
                for name in SETTING_FIELDS:
                    row[name] = settings[name]
                    row[f"{name}_source"] = str(resolved.provenance[name])
                rows.append(row)
        return pd.DataFrame(rows)

    def compact(self) -> dict[str, int]:
        """Merge each table's files into one (crash-safe). Returns files merged per table."""
        with self.writing():
            return {
                "takes": self._takes.log.compact(),
                "jobs": self._jobs.log.compact(),
                "events": self._events.compact(),
            }
