"""An append-only table of records that change state: the latest ``revision`` of each id wins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd
import pyarrow as pa

from workbench.store.tables import ParquetLog

__all__ = ["VersionedTable"]

R = TypeVar("R")


class VersionedTable(Generic[R]):
    """Rows keyed by ``key``; :meth:`latest` is one row per key, cached until a new file appears."""

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
        self._latest_of: int | None = None
        self._latest: pd.DataFrame | None = None

    def latest(self) -> pd.DataFrame:
        with self.log._mutex:
            return self._latest_frame()

    def _latest_frame(self) -> pd.DataFrame:
        frame = self.log.read()
        if self._latest is None or self._latest_of != self.log.generation:
            ordered = frame.sort_values([self.key, "revision"], kind="stable")
            latest = ordered.drop_duplicates(self.key, keep="last")
            self._latest = latest.sort_index().reset_index(drop=True)
            self._latest_of = self.log.generation
        return self._latest

    def get(self, record_id: str) -> tuple[R, int] | None:
        """The current record and its revision, or ``None``."""
        frame = self.latest()
        hit = frame[frame[self.key] == record_id]
        if hit.empty:
            return None
        row = hit.iloc[-1]
        return self._from_row(row), int(row["revision"])

    def put(self, record: R, revision: int) -> None:
        """Append ``record`` as ``revision`` (callers hold the writer lock and pass current + 1)."""
        self.log.append([self._to_row(record, revision)])

    def records(self, frame: pd.DataFrame) -> list[R]:
        return [self._from_row(row) for row in frame.to_dict("records")]
