"""Batch throughput and overheads: 24 segments (3 s, 640x360), side by side in interleaved rounds.

Figures (medians over rounds):

- ``cores_busy_batch``: the machine's busy cores (``/proc/stat``, steal left out) during a batch as
  ``workbench batch`` runs it: its default concurrency (cores + 1; 2 on threads), renders in worker processes (the default executor, started
  within the timing), the batch's threading plan (target ≥ 1.85 of 2); ``cores_busy_threads`` the same batch
  with ``--executor threads`` (renders on threads of one process, which contend for Python's GIL: each drives
  its encoder and warping frame by frame); ``cores_busy_interactive_plan`` with the one-render-at-a-time
  plan; ``worker_pool_start_s`` opening the worker pool until its workers answer;
- ``cores_busy_local_cluster``, ``batch_local_cluster_s``: the same batch with ``--executor local-cluster``
  (a Dask cluster of local worker processes, started once before the rounds);
- ``side_by_side_s``: the batch's useful work without the batch: plain worker processes, one per core,
  rendering each take measured while it renders (as its job does); ``batch_over_side_by_side`` the batch's wall ÷ that (what the runner,
  the store and the events add), and ``side_by_side_over_ideal`` how far even that is from the ideal below
  (two busy cores slow each other down: shared caches and memory bandwidth);
- ``wall_over_ideal``: the batch's wall time ÷ (CPU time of the same work done one by one ÷ cores), i.e.
  how far the batch is from keeping every core busy with useful work (target ≤ 1.1). Each job measures its
  take while it renders (the take metrics, issue 11), so the work done one by one is the same: renders with
  their live measurement, keeping starting images in a samples cache as a job's store does (``direct_measured_cpu_s``); ``wall_over_ideal_renders_only`` leaves the measuring
  out of the ideal, for comparison;
- ``wall_over_workers_cpu``: the same ratio with the CPU time of the batch's own renders, as they ran (the CPU
  seconds its worker processes used: renders, their measurements, the workers' start): how far the batch is
  from keeping the cores busy with its renders. Where ``wall_over_ideal`` counts against the batch what two
  busy cores cost each other, this counts it as work done;
- ``machine_all_cores_slowdown``: the same pure-Python loop on every core at once ÷ on one core alone (1.0 on
  cores that share nothing): the floor under ``side_by_side_over_ideal`` and ``wall_over_ideal`` that no
  scheduling can go below;
- ``machinery_pct_of_render``: the batch's own cost per job (runner, durable store writes, events, the check
  of each take; measured with a stand-in model that copies a finished take, and with the take measurement
  switched off, as it is the take's work, not the batch's) as a share of one render (target ≤ 5): what one
  more job adds, i.e. (a 48-job batch − a 24-job one) ÷ 24, and ``machinery_fixed_ms`` what every batch
  costs once (planning, the runner's threads, the final flush); ``machinery_ms_per_item`` and
  ``machinery_per_item_pct_of_render`` spread the fixed cost over 24 items; ``machinery_without_check_pct``
  per item without the automatic check (a demux of each take's file). Each is timed after ``sync``, so
  the batch's own fsyncs do not flush what the renders before it wrote;
- ``report_over_render``: writing the report (the notebook under papermill, then HTML) ÷ the batch's wall;
- ``metrics_pct_of_render``: how long each job waited for its take's metrics after its render ended (the
  local model's takes are measured while they render, at the lowest priority, so in a batch that is the part
  the other renders left no CPU for) ÷ one render;
  ``metrics_cpu_pct_of_render_cpu``: what measuring adds to the CPU time of the renders done one by one;
- ``cli_check_s``: ``workbench batch`` finding a mistake (an unknown model) before starting, wall and CPU.

The machine is shared: other processes' load raises the machine's busy cores and slows every figure, so read
them together with ``load_average`` printed beside them (our own renders' threads count in it too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report

from workbench.analysis.live_metrics import LiveMeasurement
from workbench.analysis.take_metrics import forget_references
from workbench.batch import BatchRequest, run_batch
from workbench.batch.cli import _write_report
from workbench.batch.cluster import LOCAL_CLUSTER, THREADS, default_concurrency, open_executor
from workbench.batch.notebook import DEFAULT_NOTEBOOK
from workbench.batch.parameters import BatchParameters
from workbench.batch.results import results_table, write_results
from workbench.batch.run import batch_registry
from workbench.demo.builder import DEMO_LECTURE_ID, init_demo_store
from workbench.domain.settings import resolve_video_settings
from workbench.generation.base import BackendInfo, GenerationRequest, GenerationResult, ProgressCallback
from workbench.generation.local.encoder import INTERACTIVE, THROUGHPUT
from workbench.generation.local.render import render_video
from workbench.generation.registry import BackendRegistry
from workbench.jobs.worker_pool import WorkerProcessPool
from workbench.store import LectureStore

SEGMENTS = 24
OVERRIDES = {"duration_s": 3.0, "resolution": "640x360", "fps": 24}
#: ``--size demo``: the demo lecture's own takes (4 s, 1280x720), fewer of them, and only the figures that
#: compare the batch with its ideal, side-by-side work and machinery (the rest are the same at either size).
DEMO_SIZE = {"duration_s": 4.0, "resolution": "1280x720", "fps": 24}
DEMO_SEGMENTS = 12
DEMO_RUNS = ("direct", "measured", "side_by_side", "batch", "copy", "copy_double")
CORES = os.cpu_count() or 2


def big_lecture(root: Path, segments: int = SEGMENTS) -> LectureStore:
    """The demo lecture grown to ``segments`` segments (reusing its five slides)."""
    store = init_demo_store(root, render_videos=False).store
    lecture = store.lecture(DEMO_LECTURE_ID)
    base = [a for a in lecture.videos if a.starting_image_id]
    videos = tuple(
        dataclasses.replace(base[i % len(base)], id=f"seg-{i + 1:02d}", seed=i) for i in range(segments)
    )
    store.commit_lecture(
        dataclasses.replace(lecture, videos=videos, timeline=()), expected_version=lecture.version
    )
    return store


@contextlib.contextmanager
def measurement_off() -> Iterator[None]:
    """Jobs store their takes without measuring them (to time the batch's own machinery alone)."""
    from workbench.jobs.workflows import regenerate_video

    async def skip(*_args: object, **_kwargs: object) -> None:
        return None

    real = regenerate_video.measure_new_take
    regenerate_video.measure_new_take = skip  # type: ignore[assignment]
    try:
        yield
    finally:
        regenerate_video.measure_new_take = real  # type: ignore[assignment]


@contextlib.contextmanager
def checks_off() -> Iterator[None]:
    """Batch items skip the automatic check of their take (to time the runner and the durable writes alone)."""
    from workbench.batch import run

    real = run.check_video
    run.check_video = lambda *_args, **_kwargs: []  # type: ignore[assignment]
    try:
        yield
    finally:
        run.check_video = real  # type: ignore[assignment]


def _timed(fn) -> tuple[float, float]:
    """Wall seconds and process CPU seconds of ``fn()``."""
    cpu0, start = os.times(), time.perf_counter()
    fn()
    cpu1, wall = os.times(), time.perf_counter() - start
    return wall, cpu1.user + cpu1.system - cpu0.user - cpu0.system


def direct_renders(store: LectureStore, out: Path, *, measured: bool = False) -> None:
    """Render every take one by one in this process; ``measured``: each measured while it renders, as its job
    does (no committed video: the lecture has none)."""
    lecture = store.lecture(DEMO_LECTURE_ID)
    project = store.project(lecture.project_id)
    for asset in lecture.videos:
        settings = resolve_video_settings(OVERRIDES, project, asset).settings
        image = lecture.starting_image(asset.starting_image_id)
        target = out / f"{asset.id}.mp4"
        watching = (
            _measurement(target, settings, store.media_path(image.path), image.regions, out / "cache")
            if measured
            else None
        )
        report = render_video(
            store.media_path(image.path), target, settings, regions=image.regions, observer=watching
        )
        assert not measured or report.metrics is not None


def _measurement(target: Path, settings, image: Path, regions, cache: Path) -> LiveMeasurement:
    """As a job measures its take (``workbench.jobs.metrics.live_measurement``), with ``cache`` for the
    store's samples cache (each way of doing the work starts with its own, empty, as a batch's store does)."""
    return LiveMeasurement(
        target,
        settings.fps,
        settings.frame_count,
        image,
        settings.movie_directions,
        settings.seed,
        dict(regions),
        reference_cache=cache,
    )


class CopyBackend:
    """Stands in for the local model: copies one finished take, so only the batch machinery is timed."""

    info = BackendInfo(name="local-camera", label="copy")

    def __init__(self, template: Path) -> None:
        self.template = template

    def check(self, settings, regions=None) -> tuple[str, ...]:
        return ()

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        shutil.copyfile(self.template, request.output_path)
        s = request.settings
        return GenerationResult(
            request.output_path, s.frame_count, s.fps, s.resolution.width, s.resolution.height, "h264",
            request.output_path.stat().st_size,
        )  # fmt: skip


def batch(
    store: LectureStore,
    registry: BackendRegistry | None = None,
    keep: list | None = None,
    *,
    where: str | None = None,
    executor=None,
    workers_cpu: list[float] | None = None,
    measure: bool = True,
) -> None:
    """The batch as ``workbench batch`` runs it: ``where`` is its ``--executor`` (``None``: worker processes,
    started within the timing), or an ``executor`` already running (the Dask cluster, started once).
    ``workers_cpu`` gets the CPU seconds its worker processes used (their renders and measurements). Renders
    at once: the command's default for that executor. ``measure=False``: the rows leave out the take metrics
    (for the stand-in model's takes, which nothing measured)."""
    request = BatchRequest(overrides=OVERRIDES)
    renders = default_concurrency(where if executor is None else LOCAL_CLUSTER)

    async def run(pool) -> object:
        return await run_batch(
            store, request, concurrency=renders, registry=registry, executor=pool, measure=measure
        )

    if executor is not None:
        result = asyncio.run(run(executor))
    else:
        with open_executor(where, workers=renders) as pool:
            result = asyncio.run(run(pool))
            if workers_cpu is not None:
                workers_cpu.append(_processes_cpu(pool))
    assert result.counts == {"pending": len(store.lecture(DEMO_LECTURE_ID).videos)}, result.counts
    if keep is not None:
        keep.append(result)


def copy_batch(store: LectureStore, copy: BackendRegistry) -> None:
    """The stand-in model's batch: on threads (it never uses the executor), its rows without metrics (nothing
    measured its takes)."""
    batch(store, copy, where=THREADS, measure=False)


def _medians(runs: dict[str, list[tuple[float, float]]]) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall seconds and median CPU seconds of each way of doing the work."""
    wall = {name: statistics.median(w for w, _ in samples) for name, samples in runs.items()}
    cpu = {name: statistics.median(c for _, c in samples) for name, samples in runs.items()}
    return wall, cpu


def _wall_over_workers_cpu(batches: list[tuple[float, float]], workers_cpu: list[float]) -> float:
    """Median over rounds of a batch's wall ÷ (its worker processes' CPU ÷ cores)."""
    return round(
        statistics.median(w / (c / CORES) for (w, _), c in zip(batches, workers_cpu, strict=True)), 3
    )


def _processes_cpu(pool) -> float:
    """CPU seconds (user + system) the pool's worker processes have used so far (``/proc/<pid>/stat``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in list(getattr(pool, "_processes", None) or {}):
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of the line
    return total / ticks


def machine_slowdown() -> float:
    """How much slower the same pure computation runs when every core does it at once than when one core does
    it alone (a loop of Python additions, no shared data; median over seven back-to-back pairs). Above 1 the cores share
    something (a hypervisor's threads, caches, memory bandwidth): work done side by side then cannot reach the
    one-by-one ideal, whoever schedules it."""
    work = range(20_000_000)
    with WorkerProcessPool(CORES) as pool:
        list(pool.map(abs, range(CORES)))

        def timed(copies: int) -> float:
            start = time.perf_counter()
            for job in [pool.submit(sum, work) for _ in range(copies)]:
                job.result()
            return time.perf_counter() - start

        # pairs back to back, the median of their ratios: the machine's load drifts between moments
        return statistics.median(timed(CORES) / timed(1) for _ in range(7))


def pool_start() -> float:
    """Seconds from opening the default worker pool until its workers have answered."""
    start = time.perf_counter()
    with open_executor(None, workers=CORES) as pool:
        list(pool.map(abs, range(CORES)))
        return time.perf_counter() - start


def cli_check(store_root: Path) -> tuple[float, float]:
    env = {**os.environ, "WORKBENCH_USER": "bench"}
    before = os.times()
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "batch", "--store", str(store_root), "--set", "model=nope"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = os.times()
    assert run.returncode == 2, run.stderr
    return wall, after.children_user + after.children_system - before.children_user - before.children_system


def _machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine (/proc/stat): worker processes' CPU counts too. Time the
    hypervisor gave to other machines (steal) is not ours and counts as neither."""
    with open("/proc/stat") as fh:
        user, nice, system, idle, iowait, irq, softirq = (int(v) for v in fh.readline().split()[1:8])
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait


def side_by_side(store: LectureStore, out: Path) -> None:
    """The batch's useful work without the batch: plain worker processes, one per core, render every take,
    each measured while it renders (the machine's limit, which two busy cores also slow down)."""
    lecture = store.lecture(DEMO_LECTURE_ID)
    project = store.project(lecture.project_id)
    work = []
    for asset in lecture.videos:
        settings = resolve_video_settings(OVERRIDES, project, asset).settings
        image = lecture.starting_image(asset.starting_image_id)
        work.append((store.media_path(image.path), out / f"{asset.id}.mp4", settings, dict(image.regions)))
    with WorkerProcessPool(CORES) as pool:  # plain work, but its fork server has the render modules loaded
        list(pool.map(abs, range(CORES)))
        renders = [
            pool.submit(
                render_video,
                i,
                o,
                s,
                regions=r,
                threading_plan=THROUGHPUT,
                observer=_measurement(o, s, i, r, out / "cache"),
            )
            for i, o, s, r in work
        ]
        for job in renders:
            assert job.result().metrics is not None


def _timed_machine(fn) -> tuple[float, float]:
    """Wall seconds and the machine's busy cores during ``fn()`` (for work done in other processes)."""
    before, start = _machine_cpu(), time.perf_counter()
    fn()
    wall, after = time.perf_counter() - start, _machine_cpu()
    busy = (after[0] - before[0]) / max(after[1] - before[1], 1) * CORES
    return wall, busy * wall


def demo_size(rounds: int) -> dict[str, float]:
    """The core figures at the demo lecture's own take size (see ``DEMO_SIZE``)."""
    global OVERRIDES, SEGMENTS
    OVERRIDES, SEGMENTS = DEMO_SIZE, DEMO_SEGMENTS
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in DEMO_RUNS}
    workers_cpu, slowdowns = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            root = Path(tmp) / str(n)
            out, measured, by_hand = root / "direct", root / "measured", root / "side_by_side"
            for folder in (out, measured, by_hand):
                folder.mkdir(parents=True)
            store, fresh = big_lecture(root / "work", SEGMENTS), big_lecture(root / "batch", SEGMENTS)
            runs["direct"].append(_timed(lambda s=store, o=out: direct_renders(s, o)))
            forget_references()
            runs["measured"].append(_timed(lambda s=store, o=measured: direct_renders(s, o, measured=True)))
            runs["side_by_side"].append(_timed_machine(lambda s=store, o=by_hand: side_by_side(s, o)))
            runs["batch"].append(_timed_machine(lambda s=fresh: batch(s, workers_cpu=workers_cpu)))
            slowdowns.append(machine_slowdown())
            copy = BackendRegistry([CopyBackend(next(out.glob("*.mp4")))])
            single, double = (
                big_lecture(root / "copy", SEGMENTS),
                big_lecture(root / "copy_double", 2 * SEGMENTS),
            )
            with measurement_off():
                os.sync()
                runs["copy"].append(_timed(lambda s=single, r=copy: copy_batch(s, r)))
                os.sync()
                runs["copy_double"].append(_timed(lambda s=double, r=copy: copy_batch(s, r)))
    wall, cpu = _medians(runs)
    per_job = (wall["copy_double"] - wall["copy"]) / SEGMENTS
    return {
        "size": f"{SEGMENTS} x {DEMO_SIZE['duration_s']:g} s {DEMO_SIZE['resolution']}",
        "rounds": rounds,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "render_s": round(wall["direct"] / SEGMENTS, 3),
        "batch_s": round(wall["batch"], 2),
        "cores_busy_batch": round(statistics.median(c / w for w, c in runs["batch"]), 2),
        "wall_over_ideal": round(wall["batch"] / (cpu["measured"] / CORES), 3),
        "wall_over_ideal_renders_only": round(wall["batch"] / (cpu["direct"] / CORES), 3),
        "wall_over_workers_cpu": _wall_over_workers_cpu(runs["batch"], workers_cpu),
        "side_by_side_over_ideal": round(wall["side_by_side"] / (cpu["measured"] / CORES), 3),
        "batch_over_side_by_side": round(wall["batch"] / wall["side_by_side"], 3),
        "machine_all_cores_slowdown": round(statistics.median(slowdowns), 3),
        "machinery_ms_per_job": round(per_job * 1000, 1),
        "machinery_pct_of_render": round(per_job / (wall["direct"] / SEGMENTS) * 100, 2),
        "metrics_cpu_pct_of_render_cpu": round((cpu["measured"] / cpu["direct"] - 1) * 100, 1),
    }


def main(rounds: int) -> dict[str, float]:
    runs: dict[str, list[tuple[float, float]]] = {
        "direct": [], "measured": [], "batch": [], "threads": [], "interactive": [], "copy": [], "copy_double": [],
        "unchecked": [],
        "cluster": [], "side_by_side": [],
    }  # fmt: skip
    reports, metrics, checks, starts, workers_cpu, slowdowns = [], [], [], [], [], []
    cluster = open_executor(LOCAL_CLUSTER, workers=default_concurrency(LOCAL_CLUSTER))
    workers = cluster.__enter__()
    assert workers is not None
    list(workers.map(abs, range(CORES)))  # started before it is timed, as a long batch amortises it
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            root = Path(tmp) / str(n)
            out = root / "direct"
            out.mkdir(parents=True)
            stores = {
                name: big_lecture(root / name)
                for name in runs
                if name not in ("measured", "side_by_side", "copy_double")
            }
            runs["direct"].append(_timed(lambda s=stores["direct"], o=out: direct_renders(s, o)))
            forget_references()
            measured = root / "measured"
            measured.mkdir()
            runs["measured"].append(
                _timed(lambda s=stores["direct"], o=measured: direct_renders(s, o, measured=True))
            )
            by_hand = root / "side_by_side"
            by_hand.mkdir()
            runs["side_by_side"].append(
                _timed_machine(lambda s=stores["direct"], o=by_hand: side_by_side(s, o))
            )
            kept: list = []
            runs["batch"].append(
                _timed_machine(lambda s=stores["batch"], k=kept: batch(s, keep=k, workers_cpu=workers_cpu))
            )
            runs["threads"].append(_timed(lambda s=stores["threads"]: batch(s, where=THREADS)))
            runs["cluster"].append(
                _timed_machine(lambda s=stores["cluster"], w=workers: batch(s, executor=w))
            )
            interactive = batch_registry(stores["interactive"].root, INTERACTIVE)
            runs["interactive"].append(
                _timed_machine(lambda s=stores["interactive"], r=interactive: batch(s, r))
            )
            starts.append(pool_start())
            slowdowns.append(machine_slowdown())
            # the stand-in model never uses the executor: the batch's own machinery, without worker processes
            copy = BackendRegistry([CopyBackend(next(out.glob("*.mp4")))])
            double = big_lecture(root / "copy_double", 2 * SEGMENTS)
            with measurement_off():
                os.sync()  # the renders before left data to write: the batch's own fsyncs would flush it
                runs["copy"].append(_timed(lambda s=stores["copy"], r=copy: copy_batch(s, r)))
                os.sync()
                runs["copy_double"].append(_timed(lambda s=double, r=copy: copy_batch(s, r)))
                with checks_off():
                    os.sync()
                    runs["unchecked"].append(_timed(lambda s=stores["unchecked"], r=copy: copy_batch(s, r)))
            # the report of the batch just run, and what measuring its takes cost (recorded by each job)
            result, output = kept[0], root / "report"
            write_results(results_table(result), output)
            params = BatchParameters(store_path=str(stores["batch"].root), output_dir=str(output))
            start = time.perf_counter()
            _write_report(DEFAULT_NOTEBOOK, params, result.batch_id, None)
            reports.append(time.perf_counter() - start)
            store = stores["batch"]
            takes = store.take_records(store.takes())[:6]
            metrics.append(statistics.mean(store.take_metrics(t.id).metrics_s for t in takes))
            checks.append(cli_check(stores["copy"].root))
    cluster.__exit__(None, None, None)
    wall, cpu = _medians(runs)
    busy = {name: statistics.median(c / w for w, c in samples) for name, samples in runs.items()}
    render_s = wall["direct"] / SEGMENTS
    per_job = (wall["copy_double"] - wall["copy"]) / SEGMENTS  # what one more job adds: no fixed costs
    return {
        "segments": SEGMENTS,
        "rounds": rounds,
        "cores": CORES,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "direct_render_loop_s": round(wall["direct"], 2),
        "direct_render_cpu_s": round(cpu["direct"], 2),
        "batch_s": round(wall["batch"], 2),
        "batch_threads_s": round(wall["threads"], 2),
        "batch_interactive_plan_s": round(wall["interactive"], 2),
        "cores_busy_batch": round(busy["batch"], 2),
        "cores_busy_threads": round(busy["threads"], 2),
        "cores_busy_interactive_plan": round(busy["interactive"], 2),
        "worker_pool_start_s": round(statistics.median(starts), 2),
        "cores_busy_direct": round(busy["direct"], 2),
        "cores_busy_target": 1.85,
        "batch_local_cluster_s": round(wall["cluster"], 2),
        "cores_busy_local_cluster": round(busy["cluster"], 2),
        "direct_measured_cpu_s": round(cpu["measured"], 2),
        "wall_over_ideal": round(wall["batch"] / (cpu["measured"] / CORES), 3),
        "wall_over_ideal_renders_only": round(wall["batch"] / (cpu["direct"] / CORES), 3),
        "workers_cpu_s": round(statistics.median(workers_cpu), 2),
        "wall_over_workers_cpu": _wall_over_workers_cpu(runs["batch"], workers_cpu),
        "wall_over_ideal_threads": round(wall["threads"] / (cpu["measured"] / CORES), 3),
        "side_by_side_s": round(wall["side_by_side"], 2),
        "cores_busy_side_by_side": round(busy["side_by_side"], 2),
        "side_by_side_over_ideal": round(wall["side_by_side"] / (cpu["measured"] / CORES), 3),
        "batch_over_side_by_side": round(wall["batch"] / wall["side_by_side"], 3),
        "wall_over_ideal_target": 1.1,
        "machine_all_cores_slowdown": round(statistics.median(slowdowns), 3),
        "machinery_ms_per_job": round(per_job * 1000, 1),
        "machinery_pct_of_render": round(per_job / render_s * 100, 2),
        "machinery_fixed_ms": round((2 * wall["copy"] - wall["copy_double"]) * 1000),
        "machinery_ms_per_item": round(wall["copy"] / SEGMENTS * 1000, 1),
        "machinery_per_item_pct_of_render": round(wall["copy"] / SEGMENTS / render_s * 100, 2),
        "machinery_target_pct": 5,
        "machinery_without_check_ms_per_item": round(wall["unchecked"] / SEGMENTS * 1000, 1),
        "machinery_without_check_pct": round(wall["unchecked"] / SEGMENTS / render_s * 100, 2),
        "report_s": round(statistics.median(reports), 2),
        "report_over_render": round(statistics.median(reports) / wall["batch"], 3),
        "metrics_s_per_take": round(statistics.median(metrics), 3),
        "metrics_pct_of_render": round(statistics.median(metrics) / render_s * 100, 1),
        "metrics_cpu_pct_of_render_cpu": round((cpu["measured"] / cpu["direct"] - 1) * 100, 1),
        "cli_check_wall_s": round(statistics.median(w for w, _ in checks), 2),
        "cli_check_cpu_s": round(statistics.median(c for _, c in checks), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--size", choices=("small", "demo"), default="small",
        help="small: 24 takes of 3 s 640x360, every figure; demo: 12 of the demo's own 4 s 1280x720, the core ones",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")
    if args.size == "demo":
        report("batch_demo_size", demo_size(args.rounds))
    else:
        report("batch", main(args.rounds))
