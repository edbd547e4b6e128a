"""Running a batch on the job runner: every item on its own, failures isolated, resumable, with live updates.

Items of one segment run one after another (the runner allows one active job per segment); segments run in
parallel up to ``concurrency``. A failing item (a missing starting image, say) fails alone with its human
message; the others go on. Re-running the same batch skips items that already produced a take.

Cancelling the task that awaits :func:`run_batch` (Ctrl-C in ``workbench batch``) cancels the running renders
through the runner: their half-written files are removed and their jobs recorded as cancelled.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.batch.checks import check_video
from workbench.batch.plan import plan_batch
from workbench.batch.request import BatchRequest, ReviewPolicy, apply_policy
from workbench.domain.clock import next_timestamp
from workbench.domain.ids import new_id
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import ImageTake, Take
from workbench.errors import WorkbenchError
from workbench.generation.local.encoder import THROUGHPUT, ThreadingPlan
from workbench.generation.registry import BackendRegistry
from workbench.jobs.actions import accept_take, regenerate_video_segment
from workbench.jobs.bus import EventBus
from workbench.jobs.events import Event, EventType
from workbench.jobs.metrics import is_current, metrics_columns
from workbench.jobs.runner import Runner
from workbench.store import LectureStore

__all__ = ["BatchResult", "ItemUpdate", "batch_registry", "run_batch"]

#: How long a batch's re-derivable writes (job states, measurements, events) wait to share a file with other
#: jobs' (see ``GroupWriter``): its jobs end a few at a time, and each append costs about a millisecond of the
#: main process's CPU that the renders could use.
BATCH_LINGER_S = 0.5

#: Statuses of a batch item, in the order reports list them.
ITEM_STATUSES = ("accepted", "pending", "skipped", "failed", "cancelled")


@dataclass(frozen=True)
class ItemUpdate:
    """What happened to one item, for live progress: ``state`` is "started", "progress" or "done".

    ``fraction`` is the render's progress (0..1) while it runs; ``row`` the item's result row once done.
    """

    index: int
    total: int
    label: str
    state: str
    fraction: float | None = None
    row: Mapping[str, Any] | None = None


UpdateCallback = Callable[[ItemUpdate], None]


@dataclass
class BatchResult:
    """The batch's outcome: one row per (segment, variant) in ``results``.

    ``results`` stays out of the repr: ``asyncio.run`` formats the repr of the task that returned this (in
    Python 3.11, while it restores the Ctrl-C handler), and a whole table's repr cost a tenth of a second.
    """

    results: pd.DataFrame = field(repr=False)
    batch_id: str
    started_at: str
    finished_at: str
    wall_s: float
    concurrency: int
    executor: str
    policy: str = ReviewPolicy.REVIEW.value
    directions_template: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: ``"video"``, or ``"image"`` for a batch of starting images.
    kind: str = "video"

    @property
    def failed(self) -> int:
        return int((self.results["status"] == "failed").sum()) if not self.results.empty else 0


def batch_registry(store_root: str | Path, plan: ThreadingPlan = THROUGHPUT) -> BackendRegistry:
    """The store's models, with the local model rendering for throughput (several renders at once)."""
    from workbench.generation.local.backend import LocalCameraBackend
    from workbench.generation.registry import default_registry

    registry = default_registry(store_root)
    registry.register(LocalCameraBackend(threading_plan=plan))
    return registry


def item_label(item: Mapping[str, Any]) -> str:
    """How progress lines and reports name an item: its title (or id) and variant."""
    return f"{item.get('title') or item['asset_id']} · variant {item['variant']}"


async def run_batch(
    store: LectureStore,
    request: BatchRequest,
    *,
    concurrency: int = 2,
    executor: concurrent.futures.Executor | None = None,
    registry: BackendRegistry | None = None,
    on_update: UpdateCallback | None = None,
    measure: bool = True,
    batch_id: str | None = None,
) -> BatchResult:
    """Run ``request``. ``on_update`` hears each item start, progress and finish (on the event loop).

    ``measure`` adds the take metrics (adherence, motion…) to each row; ``batch_id`` names the batch in the
    results dataset (a fresh id by default).
    """
    started, t0 = next_timestamp(), time.perf_counter()
    batch_id = batch_id or new_id("batch")
    label = f"batch run of {started[:16].replace('T', ' ')} UTC"
    registry = registry or batch_registry(store.root)
    bus = EventBus(store, journal_delay_s=BATCH_LINGER_S, lifecycle_delay_s=BATCH_LINGER_S)
    runner = Runner(
        store, registry, executor=executor, max_concurrent=concurrency, label=label, bus=bus,
        linger_s=BATCH_LINGER_S,
    )  # fmt: skip
    try:
        plan = plan_batch(runner, request)
        total = len(plan)
        results: dict[int, dict[str, Any]] = {}
        chains: dict[tuple[str, str], list[int]] = {}
        for index, item in plan.iterrows():
            chains.setdefault((item["lecture_id"], item["asset_id"]), []).append(int(index))

        def tell(index: int, state: str, fraction: float | None = None, row: Mapping | None = None) -> None:
            if on_update is not None:
                on_update(ItemUpdate(index, total, item_label(plan.loc[index]), state, fraction, row))

        async def run_chain(indices: list[int]) -> None:
            accepted = False
            for index in indices:
                item = plan.loc[index].to_dict()
                results[index] = await _run_item(
                    runner, request, item, accept=not accepted, measure=measure,
                    tell=lambda *a, i=index: tell(i, *a),
                )  # fmt: skip
                accepted = accepted or results[index]["status"] == "accepted"
                tell(index, "done", row=results[index])

        await asyncio.gather(*(run_chain(indices) for indices in chains.values()))
        await runner.join()
    finally:
        await runner.shutdown()
    rows = [{**plan.loc[i].to_dict(), **results.get(i, {})} for i in plan.index]
    frame = pd.DataFrame(rows, columns=list(plan.columns) + list(_EMPTY_OUTCOME) if not rows else None)
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    return BatchResult(
        results=frame,
        batch_id=batch_id,
        started_at=started,
        finished_at=next_timestamp(),
        wall_s=time.perf_counter() - t0,
        concurrency=concurrency,
        executor=type(executor).__name__ if executor is not None else "threads",
        policy=request.policy.value,
        directions_template=request.directions_template,
        counts={str(k): int(v) for k, v in counts.items()},
        kind="image" if request.images else "video",
    )


_EMPTY_OUTCOME: dict[str, Any] = {
    "job_id": None, "take_id": None, "status": None, "detail": None, "queue_s": None, "generation_s": None,
    "size_bytes": None, "frame_count": None, "checks": [], "take_path": None, "take_created_at": None,
    "backend": None, "provider": None, "provider_job_id": None, "cost": None,
}  # fmt: skip


async def _run_item(
    runner: Runner,
    request: BatchRequest,
    item: dict[str, Any],
    *,
    accept: bool,
    measure: bool,
    tell: Callable[..., None],
) -> dict[str, Any]:
    out: dict[str, Any] = {**_EMPTY_OUTCOME, "take_id": item.get("done_take_id"), "checks": []}
    if request.images:
        from workbench.batch.images import run_image_item

        return await run_image_item(runner, request, item, accept=accept, out=out, tell=tell)
    if item["error"]:
        return {**out, "status": "failed"}
    if not item["will_run"]:
        take = runner.store.take(item["done_take_id"])
        metrics = await asyncio.to_thread(metrics_columns, runner.store, take) if measure else {}
        return {
            **out,
            **take_columns(take),
            **metrics,
            "status": "skipped",
            "detail": f"already generated (take {take.id}, {take.status})",
        }
    submitted = time.perf_counter()
    try:
        handle = regenerate_video_segment(runner, item["lecture_id"], item["asset_id"], item["overrides"])
    except WorkbenchError as exc:
        return {**out, "status": "failed", "error": exc.message, "error_detail": exc.detail}

    def on_event(event: Event) -> None:  # queued jobs wait for a free slot: "started" is when one runs
        if event.type is EventType.JOB_STARTED:
            tell("started", 0.0)
        elif event.type is EventType.JOB_PROGRESS and "fraction" in event.payload:
            tell("progress", float(event.payload["fraction"]))

    subscription = runner.bus.subscribe(on_event, job_id=handle.id)
    try:
        record = await handle.ended()  # the batch reads the record; the store gets it with others (written)
    finally:
        subscription.close()
    out["job_id"] = record.id
    if record.status is not JobStatus.AWAITING_REVIEW:
        return job_failed(record, out)
    take = runner.store.take(record.take_id)
    out.update(take_columns(take), status="pending")
    out["queue_s"] = max(0.0, time.perf_counter() - submitted - (take.timings.get("wall_s") or 0.0))
    # A full decode only when it decides an accept; otherwise a demux-only structural check. Off the loop.
    full = request.policy is ReviewPolicy.ACCEPT_PASSING
    problems = await asyncio.to_thread(
        check_video, runner.store.media_path(take.path), take.settings, decode=full
    )
    out["checks"] = problems
    if measure:
        # what the job measured (the store may not have it yet); else the store's or measured now, off the loop
        known = runner.measurement(take.id)
        if is_current(known):
            out.update(known.to_dict())
        else:
            out.update(await asyncio.to_thread(metrics_columns, runner.store, take))
    await apply_policy(
        request.policy, problems, out, accept=accept, accept_take=lambda: accept_take(runner, take.id)
    )
    return out


def take_columns(take: Take | ImageTake) -> dict[str, Any]:
    """A stored take's part of its item's row (a video take or a starting-image take)."""
    return {
        "take_id": take.id,
        "take_path": take.path,
        "take_created_at": take.created_at,
        "generation_s": take.timings.get("total_s", take.timings.get("wall_s")),
        "size_bytes": take.size_bytes,
        "frame_count": getattr(take, "frame_count", None),
        "backend": take.backend,
        "provider": take.provider,
        "provider_job_id": take.provider_job_id,
        "cost": take.cost,
        "warnings": list(take.warnings),
    }


def job_failed(record: JobRecord, out: dict[str, Any]) -> dict[str, Any]:
    """The row of an item whose job ended without a take: failed or cancelled, message and detail apart."""
    status = "cancelled" if record.status is JobStatus.CANCELLED else "failed"
    return {**out, "status": status, "error": record.error or str(record.status),
            "error_detail": record.error_detail}  # fmt: skip
