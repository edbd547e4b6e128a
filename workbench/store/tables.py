"""Append-only parquet tables that survive crashes without ever rewriting a file in place.

Parquet cannot be appended to (its footer is written last), so each append is one small file: written under
a ``_``-prefixed name, fsynced, then renamed into place. Readers only look at complete, renamed files, so a
crash mid-append leaves at worst an ignored ``_`` file. :meth:`ParquetLog.compact` merges the files into one;
the merged file names the files it replaces in its metadata, so a crash between writing it and deleting the
old ones never double-counts rows.

Reads are cached per file: a second read only opens files appended since the first one.

A file that cannot be read (torn by a disk fault, edited by hand, written by a foreign tool) is skipped with
a warning naming it, and never rewritten, compacted or deleted: the rest of the table keeps working, and
:meth:`ParquetLog.damaged_files` lists what was skipped.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import CorruptFileError
from workbench.store.atomic import fsync_dir

__all__ = ["ParquetLog", "added_later"]

log = logging.getLogger("workbench.store")

#: Field metadata key of a column added to a schema after files were written: older files read it as null.
ADDED_LATER = b"workbench.added_later"

_REPLACES_KEY = b"workbench.replaces"
#: An append that finds more files than this compacts the table, so cold reads stay fast.
AUTO_COMPACT_FILES = 128


class ParquetLog:
    """One append-only table: a folder of parquet files with a fixed schema, read as one DataFrame."""

    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder = folder
        self.schema = schema
        self._mutex = threading.RLock()  # jobs journal from worker threads while the kernel reads
        self._tables: dict[str, pa.Table] = {}
        self._replaces: dict[str, frozenset[str]] = {}
        self._frame_key: tuple[str, ...] | None = None
        self._frame: pd.DataFrame | None = None
        #: Files that could not be read: name → reason. Skipped by every read and write, never touched.
        self._damaged: dict[str, str] = {}
        #: Increases whenever :meth:`read` returns different rows; lets derived views cache safely.
        self.generation = 0

    # -- writing (callers hold the store's writer lock) -----------------------------------------------------

    def append(self, rows: Sequence[Mapping[str, Any]], *, durable: bool = True) -> str | None:
        """Write ``rows`` as one new file; returns its name (``None`` for no rows).

        The file's bytes are always fsynced (a torn file can never appear). ``durable=False`` skips the
        folder fsync: after a power cut the append may be missing, which is fine for state that recovery
        can re-derive (a job's status after its take was decided).
        """
        if not rows:
            return None
        table = pa.Table.from_pylist(list(rows), schema=self.schema)
        with self._mutex:
            # uncompressed: an append is one small file, where zstd doubles the write's CPU and saves nothing
            # worth it; compaction, which makes the file that stays, compresses
            name = self._publish(table, metadata=None, durable=durable, compression="none")
            # Keep what we wrote: readers in this process then never read their own appends back from disk.
            self._tables[name], self._replaces[name] = table, frozenset()
            if len(self._names()) > AUTO_COMPACT_FILES:
                self.compact()
        return name

    def _publish(
        self,
        table: pa.Table,
        metadata: Mapping[bytes, bytes] | None,
        durable: bool = True,
        compression: str = "zstd",
    ) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}.parquet"
        staged = self.folder / f"_{name}"
        if metadata:
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
        try:
            with open(staged, "wb") as fh:
                pq.write_table(table, fh, compression=compression)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(staged, self.folder / name)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        if durable:
            fsync_dir(self.folder)
        return name

    def compact(self) -> int:
        """Merge every file into one (crash-safe); returns how many files were merged."""
        with self._mutex:
            return self._compact()

    def _compact(self) -> int:
        names = self._live_names()
        if len(names) <= 1:
            return 0
        table = pa.concat_tables([self._read_file(n) for n in names])
        self._publish(table, {_REPLACES_KEY: json.dumps(names).encode()})
        self.sweep_replaced()
        return len(names)

    def sweep_replaced(self) -> None:
        """Delete files that a compacted file already contains, and staged files left by a crash.

        Only call this holding the store's writer lock: every writer holds it, so a ``_`` file seen here
        belongs to a writer that died.
        """
        names = self._names()
        for name in names:
            for replaced in self._replaced_by(name):
                (self.folder / replaced).unlink(missing_ok=True)
        for entry in self._listdir():
            if entry.startswith("_"):
                (self.folder / entry).unlink(missing_ok=True)
        if self.folder.exists():
            fsync_dir(self.folder)

    # -- reading ---------------------------------------------------------------------------------------------

    def read(self) -> pd.DataFrame:
        """All rows in append order. Cached: only files new since the last call are opened."""
        with self._mutex:
            return self._read()

    def _read(self) -> pd.DataFrame:
        for _attempt in range(5):
            try:
                names = tuple(self._live_names())
                if names == self._frame_key and self._frame is not None:
                    return self._frame
                tables = [self._read_file(n) for n in names]
            except FileNotFoundError:
                continue  # a compaction removed a file between listing and reading: list again
            table = pa.concat_tables(tables) if tables else self.schema.empty_table()
            self._frame = table.to_pandas()
            self._frame_key = names
            self.generation += 1
            for stale in set(self._tables) - set(names):
                self._tables.pop(stale, None)
            return self._frame
        raise CorruptFileError(self.folder, "files kept disappearing while reading; is a compaction looping?")

    def file_count(self) -> int:
        return len(self._live_names())

    def live_files(self) -> list[str]:
        """Names of the complete files that make up the table now, in append order."""
        with self._mutex:
            return self._live_names()

    def read_file(self, name: str) -> pa.Table:
        """One file's rows (cached); raises FileNotFoundError if a compaction removed it meanwhile."""
        with self._mutex:
            return self._read_file(name)

    def _listdir(self) -> list[str]:
        try:
            return sorted(os.listdir(self.folder))
        except FileNotFoundError:
            return []

    def _names(self) -> list[str]:
        return [n for n in self._listdir() if n.endswith(".parquet") and not n.startswith(("_", "."))]

    def _live_names(self) -> list[str]:
        names = self._names()
        replaced: set[str] = set()
        for name in names:
            replaced |= self._replaced_by(name)
        return [n for n in names if n not in replaced and n not in self._damaged]

    def _replaced_by(self, name: str) -> frozenset[str]:
        if name not in self._replaces and name not in self._damaged:
            try:
                self._read_file(name)
            except CorruptFileError as exc:
                self._damaged[name] = exc.detail or exc.message
                log.warning(
                    "Skipping the damaged table file %s (%s). Its rows are left out; the file is kept as it is: "
                    "restore it from a backup, or move it out of the store to silence this warning.",
                    self.folder / name,
                    self._damaged[name],
                )
        return self._replaces.get(name, frozenset())

    def damaged_files(self) -> dict[Path, str]:
        """Files skipped because they cannot be read (path → reason), as far as reads have seen."""
        with self._mutex:
            self._live_names()
            present = set(self._listdir())
            return {self.folder / n: why for n, why in self._damaged.items() if n in present}

    def _read_file(self, name: str) -> pa.Table:
        cached = self._tables.get(name)
        if cached is not None:
            return cached
        path = self.folder / name
        try:
            table = pq.read_table(path)
            meta = table.schema.metadata or {}
            table = _conform(table.replace_schema_metadata(None), self.schema)
        except FileNotFoundError:
            raise
        except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, OSError) as exc:
            raise CorruptFileError(path, str(exc)) from None
        raw = meta.get(_REPLACES_KEY)
        self._replaces[name] = frozenset(json.loads(raw)) if raw else frozenset()
        self._tables[name] = table
        return table

    def __repr__(self) -> str:
        return f"ParquetLog({str(self.folder)!r})"


#: Field metadata marking a column a schema gained later (see :func:`added_later`).
_ADDED_LATER = b"workbench.added_later"


def added_later(name: str, type_: pa.DataType) -> pa.Field:
    """A nullable column added to a table after files were written without it: those files read it as nulls.

    Files are never rewritten to migrate them; any other difference from the schema is damage.
    """
    return pa.field(name, type_, nullable=True, metadata={_ADDED_LATER: b"1"})


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` in ``schema``'s columns and types (raises ``KeyError`` for a missing original column)."""
    present = set(table.schema.names)
    for name in schema.names:
        field = schema.field(name)
        if name not in present and (field.metadata or {}).get(_ADDED_LATER):
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    return table.select(schema.names).cast(schema)
