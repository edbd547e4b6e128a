"""The lecture store on disk: JSON documents, media files, append-only parquet tables.

The store (and pandas with it) is imported on first use, so importing a helper module such as
``workbench.store.images`` (a render does, in its worker process) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.store.lecture_store import STORE_FORMAT, LectureStore, open_store

__all__ = ["STORE_FORMAT", "LectureStore", "open_store"]

__getattr__ = lazy_exports(__name__, globals(), dict.fromkeys(__all__, "workbench.store.lecture_store"))
