"""The lecture store on disk: JSON documents, media files, append-only parquet tables."""

from workbench.store.lecture_store import STORE_FORMAT, LectureStore, open_store

__all__ = ["STORE_FORMAT", "LectureStore", "open_store"]
