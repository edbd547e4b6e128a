"""The lecture store on disk: JSON documents, media files, append-only parquet tables.

The store (and pandas with it) is imported on first use, so importing a helper module such as
``workbench.store.images`` (a render does, in its worker process) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.store.lecture_store import STORE_FORMAT, LectureStore, open_store

__all__ = ["STORE_FORMAT", "LectureStore", "open_store"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'workbench.store' has no attribute {name!r}")
    from workbench.store import lecture_store

    return getattr(lecture_store, name)
