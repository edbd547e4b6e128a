"""Noticing what other processes wrote to a store, cheaply enough to ask twice a second.

Other notebooks and batch runs write the same store: they commit lectures (a new file, a new version) and
journal every job event (one new parquet file per batch of events). A watcher therefore only needs, per poll,
a ``stat`` of the lecture and project documents and a listing of the journal folder; it reads nothing but the
journal files that are new since the last poll. Cost grows with what changed, not with the lecture's size.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from workbench.domain.clock import next_timestamp
from workbench.store.tables import ParquetLog

__all__ = ["StoreChanges", "StoreWatcher"]

Signature = tuple[int, int, int, int] | None


def _signature(path: Path) -> Signature:
    """What an atomic replace always changes (inode, size, mtime, ctime); ``None`` when the file is gone."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass(frozen=True)
class StoreChanges:
    """One poll's findings. ``events`` are new journal rows of the lecture, oldest first."""

    events: tuple[Mapping[str, Any], ...] = ()
    lecture: bool = False
    project: bool = False

    def __bool__(self) -> bool:
        return bool(self.events) or self.lecture or self.project


class StoreWatcher:
    """Polls one lecture's document, its project's document and the event journal (see the module doc).

    Created "caught up": only what is written after it exists is reported. Events since then may be reported
    again when a compaction merges journal files; callers drop ids they have seen.
    """

    def __init__(self, journal: ParquetLog, lecture_path: Path, project_path: Path, lecture_id: str) -> None:
        self._journal = journal
        self._lecture_path = lecture_path
        self._project_path = project_path
        self.lecture_id = lecture_id
        self._lecture_sig = _signature(lecture_path)
        self._project_sig = _signature(project_path)
        self._seen_files = set(journal.live_files())
        self._started = next_timestamp()

    def poll(self) -> StoreChanges:
        lecture_sig, project_sig = _signature(self._lecture_path), _signature(self._project_path)
        lecture, project = lecture_sig != self._lecture_sig, project_sig != self._project_sig
        self._lecture_sig, self._project_sig = lecture_sig, project_sig
        return StoreChanges(self._new_events(), lecture, project)

    def _new_events(self) -> tuple[Mapping[str, Any], ...]:
        live = self._journal.live_files()
        fresh = [name for name in live if name not in self._seen_files]
        # Files we saw that are no longer live were merged by a compaction: the merged file is among the fresh
        # ones and repeats the whole journal, so from it only events since this watcher started can be news.
        compacted = not self._seen_files.issubset(live)
        rows: list[Mapping[str, Any]] = []
        for name in fresh:
            try:
                table = self._journal.read_file(name)
            except FileNotFoundError:
                continue  # compacted away between listing and reading: its rows are in the merged file
            mask = pc.equal(table["lecture_id"], self.lecture_id)
            if compacted:
                mask = pc.and_(mask, pc.greater_equal(table["time"], self._started))
            rows.extend(table.filter(mask).to_pylist())
        self._seen_files = set(live)
        rows.sort(key=lambda row: row["time"])
        return tuple(rows)
