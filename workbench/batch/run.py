"""Running a batch on the job runner: every item on its own, failures isolated, resumable, with progress.

Items of one segment run one after another (the runner allows one active job per segment); segments run in
parallel up to ``concurrency``. A failing item (a missing starting image, say) fails alone with its human
message; the others go on. Re-running the same batch skips items that already produced a take.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.batch.checks import check_video
from workbench.batch.plan import plan_batch
from workbench.batch.request import BatchRequest, ReviewPolicy
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobStatus
from workbench.errors import WorkbenchError
from workbench.generation.registry import BackendRegistry
from workbench.jobs.actions import accept_take, regenerate_video_segment
from workbench.jobs.runner import Runner
from workbench.store import LectureStore

__all__ = ["BatchResult", "run_batch"]

ProgressFactory = Callable[[int], Any]


@dataclass
class BatchResult:
    """The batch's outcome: one row per (segment, variant) in ``results``."""

    results: pd.DataFrame
    started_at: str
    finished_at: str
    wall_s: float
    concurrency: int
    executor: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return int((self.results["status"] == "failed").sum()) if not self.results.empty else 0

    def to_parquet(self, path: str | Path) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.results.to_parquet(out, index=False)
        return out


async def run_batch(
    store: LectureStore,
    request: BatchRequest,
    *,
    concurrency: int = 2,
    executor: concurrent.futures.Executor | None = None,
    registry: BackendRegistry | None = None,
    progress: ProgressFactory | None = None,
) -> BatchResult:
    """Run ``request``; ``progress(total)`` may return a tqdm-like bar (``update(n)``, ``close()``)."""
    started, t0 = next_timestamp(), time.perf_counter()
    label = f"batch run of {started[:16].replace('T', ' ')} UTC"
    runner = Runner(store, registry, executor=executor, max_concurrent=concurrency, label=label)
    try:
        plan = plan_batch(runner, request)
        bar = progress(len(plan)) if progress is not None else None
        results: dict[int, dict[str, Any]] = {}
        chains: dict[tuple[str, str], list[int]] = {}
        for index, item in plan.iterrows():
            chains.setdefault((item["lecture_id"], item["asset_id"]), []).append(int(index))

        async def run_chain(indices: list[int]) -> None:
            accepted = False
            for index in indices:
                item = plan.loc[index].to_dict()
                results[index] = await _run_item(runner, request, item, accept=not accepted)
                accepted = accepted or results[index]["status"] == "accepted"
                if bar is not None:
                    bar.update(1)

        await asyncio.gather(*(run_chain(indices) for indices in chains.values()))
        if bar is not None:
            bar.close()
        await runner.join()
    finally:
        await runner.shutdown()
    rows = [{**plan.loc[i].to_dict(), **results.get(i, {})} for i in plan.index]
    frame = pd.DataFrame(rows)
    counts = frame["status"].value_counts().to_dict() if not frame.empty else {}
    return BatchResult(
        results=frame,
        started_at=started,
        finished_at=next_timestamp(),
        wall_s=time.perf_counter() - t0,
        concurrency=concurrency,
        executor=type(executor).__name__ if executor is not None else "threads",
        counts={str(k): int(v) for k, v in counts.items()},
    )


async def _run_item(
    runner: Runner, request: BatchRequest, item: dict[str, Any], *, accept: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"job_id": None, "take_id": item.get("done_take_id"), "status": None, "detail": None,
                           "queue_s": None, "generation_s": None, "size_bytes": None, "frame_count": None,
                           "checks": "", "take_path": None, "backend": None, "provider": None,
                           "provider_job_id": None, "cost": None}  # fmt: skip
    if request.images:
        from workbench.batch.images import run_image_item

        return await run_image_item(runner, request, item, accept=accept)
    if item["error"]:
        return {**out, "status": "failed"}
    if not item["will_run"]:
        take = runner.store.take(item["done_take_id"])
        return {
            **out,
            **_take_columns(take),
            "status": "skipped",
            "detail": f"already generated (take {take.id}, {take.status})",
        }
    submitted = time.perf_counter()
    try:
        handle = regenerate_video_segment(
            runner, item["lecture_id"], item["asset_id"], json.loads(item["overrides"])
        )
    except WorkbenchError as exc:
        return {**out, "status": "failed", "error": exc.message, "detail": exc.detail}
    record = await handle.wait()
    out["job_id"] = record.id
    if record.status is not JobStatus.AWAITING_REVIEW:
        message, _, detail = (record.error or "").partition(" (")
        return {**out, "status": "failed" if record.status is not JobStatus.CANCELLED else "cancelled",
                "error": message or str(record.status), "detail": detail.rstrip(")") or None}  # fmt: skip
    take = runner.store.take(record.take_id)
    out.update(_take_columns(take), status="pending")
    out["queue_s"] = round(max(0.0, time.perf_counter() - submitted - (take.timings.get("wall_s") or 0.0)), 3)
    # A full decode only when it decides an accept; otherwise a demux-only structural check. Off the loop.
    full = request.policy is ReviewPolicy.ACCEPT_PASSING
    problems = await asyncio.to_thread(
        check_video, runner.store.media_path(take.path), take.settings, decode=full
    )
    out["checks"] = "; ".join(problems) if problems else "passed"
    wants = request.policy is ReviewPolicy.ACCEPT_ALL or (
        request.policy is ReviewPolicy.ACCEPT_PASSING and not problems
    )
    if accept and wants:
        try:
            await accept_take(runner, take.id)
            out["status"] = "accepted"
        except WorkbenchError as exc:
            out.update(detail=f"not accepted: {exc.message}")
    return out


def _take_columns(take) -> dict[str, Any]:
    return {
        "take_id": take.id,
        "take_path": take.path,
        "generation_s": take.timings.get("total_s", take.timings.get("wall_s")),
        "size_bytes": take.size_bytes,
        "frame_count": take.frame_count,
        "backend": take.backend,
        "provider": take.provider,
        "provider_job_id": take.provider_job_id,
        "cost": take.cost,
        "warnings": "; ".join(take.warnings),
    }
