"""A job's error and its detail are kept as two fields (data as data), however many parentheses they hold, and
job files written before the detail had its own column still read."""

from __future__ import annotations

import dataclasses

import pyarrow.parquet as pq

from tests.jobs.conftest import SMALL
from workbench.domain.jobs import JobStatus
from workbench.errors import BackendError
from workbench.generation.base import GenerationRequest, GenerationResult, ProgressCallback
from workbench.generation.registry import BackendRegistry, default_registry
from workbench.jobs.actions import regenerate_video_segment
from workbench.jobs.runner import Runner
from workbench.store import open_store

MESSAGE = "The model refused the image (it is too small). Use a larger slide (at least 512 px)."
DETAIL = "HTTP 422 (Unprocessable Entity): {'error': 'min size (512)'}"


class RefusingBackend:
    def __init__(self) -> None:
        self.info = dataclasses.replace(default_registry().get("local-camera").info, name="refusing")

    def check(self, settings, regions=None):
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        raise BackendError(MESSAGE, detail=DETAIL)


async def test_message_and_detail_stay_apart_through_the_store(store, lecture):
    runner = Runner(store, BackendRegistry([RefusingBackend()]))
    record = await regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "refusing"}).wait()
    await runner.shutdown()
    assert record.status is JobStatus.FAILED
    assert (record.error, record.error_detail) == (MESSAGE, DETAIL)
    (stored,) = open_store(store.root).job_records(open_store(store.root).jobs(status=[JobStatus.FAILED]))
    assert (stored.error, stored.error_detail) == (MESSAGE, DETAIL)


async def test_job_files_without_the_detail_column_still_read(store, lecture):
    runner = Runner(store, BackendRegistry([RefusingBackend()]))
    await regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "model": "refusing"}).wait()
    await runner.shutdown()
    folder = store.root / "tables" / "jobs"
    for file in folder.glob("*.parquet"):  # as an older version wrote them
        table = pq.read_table(file)
        pq.write_table(table.drop_columns(["error_detail"]), file)
    assert "error_detail" not in pq.read_schema(next(folder.glob("*.parquet"))).names
    fresh = open_store(store.root)
    (old,) = fresh.job_records(fresh.jobs(status=[JobStatus.FAILED]))
    assert old.error == MESSAGE and old.error_detail is None
    assert not fresh.damaged_table_files("jobs")
