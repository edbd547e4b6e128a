"""Pending takes without a render: a real take record whose file is a copy of a video already in the store.

For tests and benchmarks about reviewing and committing (not generating): a finished job leaves exactly this.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.models import SettingSource, Take
from workbench.domain.settings import resolve_video_settings
from workbench.store import LectureStore


def pending_take(
    store: LectureStore,
    lecture_id: str,
    asset_id: str,
    source: Path,
    overrides: Mapping[str, Any] | None = None,
) -> Take:
    """Record a pending take of ``asset_id`` made with ``overrides``; its video is a copy of ``source``."""
    lecture = store.lecture(lecture_id)
    resolved = resolve_video_settings(
        dict(overrides or {}), store.project(lecture.project_id), lecture.asset(asset_id)
    )
    take_id = new_id("take")
    path = store.new_take_path(lecture_id, take_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, path)
    take = Take(
        id=take_id,
        lecture_id=lecture_id,
        asset_id=asset_id,
        job_id=new_id("job"),
        path=store.relative(path),
        settings=resolved.settings,
        provenance={k: SettingSource(v) for k, v in resolved.provenance.items()},
        preview_token=new_id("tok"),
        created_at=next_timestamp(),
        backend="copy",
    )
    return store.record_take(take)
