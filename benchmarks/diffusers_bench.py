"""Open models through diffusers: the pipeline in its worker process versus loaded in the kernel's own process.

A tiny random Wan 2.2 TI2V pipeline (built in code and saved as real weights are, by the tests' builder) runs
the same jobs both ways, through the same :class:`DiffusersBackend`, while a 10 ms asyncio ticker measures the
kernel's event-loop lag:

- **worker**: the shipped path, the pipeline loaded in a worker process; the kernel never imports torch.
- **in-process**: the pipeline loaded in the kernel's process and run in a thread (what a backend without a
  worker would do); measured in a fresh process so its imports and memory are its own.

Figures: time to load (import + weights, from the kernel's side), median per-step time, peak RSS of the
kernel's process (and the worker's), and the p50/p99/max loop lag while jobs run. Ratios are worker /
in-process, measured side by side in one run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import report

from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.base import GenerationRequest
from workbench.generation.diffusers import DiffusersBackend, WorkerPool
from workbench.generation.diffusers.protocol import GenerateJob, Ticket
from workbench.generation.http.parsing import parse_model_config

ROOT = Path(__file__).resolve().parents[1]
os.environ["HF_HUB_OFFLINE"] = "1"  # inherited by the worker and the builder: weights only from the folder
JOBS = 3
STEPS = 8


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class ThreadHost:
    """A :class:`PipelineHost` that loads the pipeline in this process and runs jobs in a thread."""

    def __init__(self) -> None:
        self.pipeline: Any = None
        self.lock = threading.Lock()

    def run(self, job: GenerateJob) -> tuple[Ticket, int]:
        from workbench.generation.diffusers.execution import LoadedPipeline, execute_job

        ticket = Ticket(job.job_id)

        def work() -> None:
            with self.lock:
                if self.pipeline is None:
                    self.pipeline = LoadedPipeline(job.key)
                ticket.push(execute_job(self.pipeline, job, ticket.push, lambda: False))

        threading.Thread(target=work, daemon=True).start()
        return ticket, 0

    def cancel(self, job_id: str) -> None:
        pass


async def measure(mode: str, folder: Path, image: Path, out: Path) -> dict[str, Any]:
    model = {"name": "wan", "provider": "diffusers", "path": str(folder), "device": "cpu", "dtype": "float32"}
    (spec,) = parse_model_config({"models": [{**model, "threads": 1, "steps": STEPS}]})
    pool = WorkerPool()
    backend = DiffusersBackend(spec, pool=pool)
    executor = concurrent.futures.ThreadPoolExecutor(1)
    if mode == "in-process":
        executor.pipeline_host = ThreadHost()  # type: ignore[attr-defined]
    lags: list[float] = []
    running = True

    async def ticker() -> None:
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - before - 0.01) * 1000)

    tick = asyncio.create_task(ticker())
    figures: dict[str, Any] = {}
    step_s: list[float] = []
    try:
        for i in range(JOBS):
            settings = VideoSettings("slow push in on the diagram", "wan", 0.75, Resolution(64, 64), 12, i)
            request = GenerationRequest(image, settings, out / f"{mode}-{i}.mp4", executor=executor)
            started = time.perf_counter()
            result = await backend.generate(request, lambda _: None)
            if i == 0:  # the first job pays for starting the worker, importing torch and loading the weights
                figures["first_job_s"] = round(time.perf_counter() - started, 3)
                figures["import_s"] = result.timings.get("import_s")
                figures["load_s"] = result.timings.get("load_s")
            else:
                figures.setdefault("later_job_s", []).append(round(time.perf_counter() - started, 3))
            step_s.append(result.timings["step_s"])
        if mode == "worker":
            worker = pool.existing(spec.load_key)
            assert worker is not None
            facts = await backend.preload()  # already loaded: answers at once, with its peak memory
            figures["worker_process_peak_rss_mib"] = round(facts["peak_rss_bytes"] / 2**20, 1)
    finally:
        running = False
        await tick
        pool.stop_all()
    figures["step_ms"] = round(statistics.median(step_s) * 1000, 2)
    figures["kernel_peak_rss_mib"] = peak_rss_mib()
    figures["kernel_imported_torch"] = "torch" in sys.modules
    figures["lag_p50_ms"] = round(percentile(lags, 0.5), 2)
    figures["lag_p99_ms"] = round(percentile(lags, 0.99), 2)
    figures["lag_max_ms"] = round(max(lags), 2)
    return figures


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        _, _, mode, folder, image = sys.argv
        figures = asyncio.run(measure(mode, Path(folder), Path(image), Path(image).parent))
        print(json.dumps(figures))
        return
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "tests.generation.diffusers.tiny_pipelines", str(base / "models")],
            cwd=ROOT, check=True, capture_output=True, timeout=900,
        )  # fmt: skip
        image = base / "start.png"
        Image.fromarray(
            np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (90, 1))[..., None].repeat(3, 2)
        ).save(image)
        results = {}
        for mode in ("worker", "in-process"):  # each in a fresh process: its own imports and peak memory
            done = subprocess.run(
                [sys.executable, __file__, "--measure", mode, str(base / "models" / "wan-ti2v"), str(image)],
                check=True, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    worker, inproc = results["worker"], results["in-process"]
    figures: dict[str, Any] = {"jobs": JOBS, "steps": STEPS, "frames": 9, "size": "64x64"}
    for mode, values in results.items():
        for key, value in values.items():
            figures[f"{mode}_{key}"] = value
    figures["ratio_step_worker_vs_in_process"] = round(worker["step_ms"] / inproc["step_ms"], 3)
    figures["ratio_kernel_rss_worker_vs_in_process"] = round(
        worker["kernel_peak_rss_mib"] / inproc["kernel_peak_rss_mib"], 3
    )
    figures["ratio_lag_p99_worker_vs_in_process"] = round(
        worker["lag_p99_ms"] / max(inproc["lag_p99_ms"], 0.01), 3
    )
    report("diffusers", figures)


if __name__ == "__main__":
    main()
