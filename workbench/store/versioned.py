"""An append-only table of records that change state: the latest ``revision`` of each id wins.

Lookups use an in-memory index that is brought up to date incrementally: each call lists the folder and reads
only files it has not seen (a compaction, which changes the file set, triggers one full rebuild). So
``get`` costs a directory listing, not a scan of 100,000 rows, and two processes still see each other's
writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd
import pyarrow as pa

from workbench.store.tables import ParquetLog

__all__ = ["VersionedTable"]

R = TypeVar("R")


class VersionedTable(Generic[R]):
    """Rows keyed by ``key``; one current row per key."""

    def __init__(
        self,
        folder: Path,
        schema: pa.Schema,
        key: str,
        to_row: Callable[[R, int], dict[str, Any]],
        from_row: Callable[[Mapping[str, Any]], R],
    ) -> None:
        self.log = ParquetLog(folder, schema)
        self.key = key
        self._to_row, self._from_row = to_row, from_row
        self._seen: list[str] = []
        self._tables: list[pa.Table] = []
        #: id → (revision, file position, row position) of its current row; insertion order = first seen
        self._where: dict[str, tuple[int, int, int]] = {}
        self._frame: pd.DataFrame | None = None
        self._records: dict[str, tuple[tuple[int, int, int], R]] = {}

    # -- index maintenance -----------------------------------------------------------------------------------

    def _sync(self) -> None:
        with self.log._mutex:
            for _attempt in range(5):
                names = self.log.live_files()
                try:
                    if names[: len(self._seen)] != self._seen:  # compacted: rebuild from scratch
                        self._seen, self._tables, self._where = [], [], {}
                    fresh = names[len(self._seen) :]
                    for name in fresh:
                        self._absorb(self.log.read_file(name))
                        self._seen.append(name)
                except FileNotFoundError:
                    self._seen, self._tables, self._where = [], [], {}
                    continue
                if fresh:
                    self._frame = None
                return

    def _absorb(self, table: pa.Table) -> None:
        position = len(self._tables)
        self._tables.append(table)
        where = self._where
        ids = table.column(self.key).to_pylist()
        revisions = table.column("revision").to_pylist()
        for row, (record_id, revision) in enumerate(zip(ids, revisions, strict=True)):
            current = where.get(record_id)
            if current is None or revision >= current[0]:
                where[record_id] = (revision, position, row)

    def _row(self, at: tuple[int, int, int]) -> dict[str, Any]:
        table, row = self._tables[at[1]], at[2]
        # column by column: half the cost of slicing a one-row table and converting it
        return {
            name: column[row].as_py() for name, column in zip(table.column_names, table.columns, strict=True)
        }

    # -- reading ---------------------------------------------------------------------------------------------

    def get(self, record_id: str) -> tuple[R, int] | None:
        """The current record and its revision, or ``None``."""
        self._sync()
        at = self._where.get(record_id)
        if at is None:
            return None
        cached = self._records.get(record_id)
        if cached is None or cached[0] != at:
            cached = self._records[record_id] = (at, self._from_row(self._row(at)))
        return cached[1], at[0]

    def rows(self) -> Iterator[dict[str, Any]]:
        """Current rows, in first-appended order (meant for small tables such as jobs)."""
        self._sync()
        return iter([self._row(at) for at in list(self._where.values())])

    def latest(self) -> pd.DataFrame:
        """Current rows as a DataFrame, in append order of their latest revision (cached)."""
        self._sync()
        if self._frame is None:
            keep: dict[int, list[int]] = {}
            for _revision, position, row in self._where.values():
                keep.setdefault(position, []).append(row)
            parts = [self._tables[p].take(sorted(rows)) for p, rows in sorted(keep.items())]
            table = pa.concat_tables(parts) if parts else self.log.schema.empty_table()
            self._frame = table.to_pandas()
        return self._frame

    def records(self, frame: pd.DataFrame) -> list[R]:
        return [self._from_row(row) for row in frame.to_dict("records")]

    # -- writing ---------------------------------------------------------------------------------------------

    def put(self, record: R, revision: int, *, durable: bool = True) -> None:
        """Append ``record`` as ``revision`` (callers hold the writer lock and pass current + 1)."""
        self.put_many([(record, revision)], durable=durable)

    def put_many(self, records: Sequence[tuple[R, int]], *, durable: bool = True) -> None:
        """Append several ``(record, revision)`` pairs as one file (one fsync)."""
        self.log.append([self._to_row(record, revision) for record, revision in records], durable=durable)
