"""Editor drafts on disk: one small JSON document per user and lecture, so a kernel restart keeps edits.

Layout: ``<root>/drafts/<user>/<lecture_id>.json``. The user in the path is the store's current user, so a
session can only ever write its own drafts. Saves merge per segment under the store's writer lock (two
kernels of the same user editing different segments both keep their edits) and replace the file atomically.
A file that cannot be read is moved aside (``*.damaged-<time>``) and reported, never silently overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.drafts import SegmentDraft
from workbench.domain.ids import check_id
from workbench.errors import StoreError, WorkbenchError
from workbench.store.atomic import atomic_write_bytes

__all__ = ["DRAFTS_FORMAT", "DraftStore"]

DRAFTS_FORMAT = "workbench.drafts/1"


class DraftStore:
    """The current user's drafts in one store (get it from :meth:`LectureStore.drafts`)."""

    def __init__(self, root: Path, user: str, writing: Callable[[], AbstractContextManager[None]]) -> None:
        self.folder = root / "drafts" / check_id(user, "user name")
        self.user = user
        self._writing = writing

    def path(self, lecture_id: str) -> Path:
        return self.folder / f"{check_id(lecture_id, 'lecture id')}.json"

    def load(self, lecture_id: str) -> dict[str, SegmentDraft]:
        """Drafts by segment id (empty when none were saved).

        An unreadable file is moved aside and reported with :class:`StoreError`, so the caller can say so and
        go on without drafts; single entries that no longer validate are skipped.
        """
        segments = self._read(self.path(lecture_id))
        drafts: dict[str, SegmentDraft] = {}
        for asset_id, entry in segments.items():
            try:
                drafts[check_id(asset_id, "segment id")] = SegmentDraft.from_json(entry)
            except (WorkbenchError, TypeError, AttributeError):
                continue  # e.g. a value a newer version no longer accepts: drop that one entry only
        return drafts

    def save(self, lecture_id: str, changed: Mapping[str, SegmentDraft | None]) -> None:
        """Write the drafts of the segments in ``changed`` (``None`` or an empty draft removes one).

        Segments not named are left as they are on disk. Removing the last draft removes the file.
        """
        if not changed:
            return
        for asset_id in changed:
            check_id(asset_id, "segment id")
        path = self.path(lecture_id)
        with self._writing():
            try:
                current = self._read(path)
            except StoreError:
                current = {}  # the damaged file was moved aside; start a new one
            for asset_id, draft in changed.items():
                if draft is None or draft.is_empty():
                    current.pop(asset_id, None)
                else:
                    current[asset_id] = draft.to_json()
            if not current:
                path.unlink(missing_ok=True)
                return
            document = {
                "format": DRAFTS_FORMAT,
                "user": self.user,
                "lecture_id": lecture_id,
                "segments": current,
            }
            atomic_write_bytes(path, json.dumps(document, indent=1, sort_keys=True).encode() + b"\n")

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != DRAFTS_FORMAT:
                raise ValueError(f"not a {DRAFTS_FORMAT} document")
            segments = data.get("segments")
            if not isinstance(segments, dict):
                raise ValueError("no segments mapping")
            return segments
        except ValueError as exc:
            aside = path.with_name(f"{path.name}.damaged-{next_timestamp().replace(':', '')}")
            path.replace(aside)
            raise StoreError(
                f"Your saved drafts in {path.name} could not be read, so they were moved to {aside.name} "
                "(nothing was overwritten). The editor starts without them.",
                detail=str(exc),
            ) from None
