"""The torch side: load a pipeline from its folder once, then run jobs on it one at a time.

Only the places that hold a pipeline import this module (the worker process, a Dask worker, the benchmark's
in-process comparison); the kernel never does, so it never pays for torch.

- **Offline, always.** ``from_pretrained(folder, local_files_only=True)`` with ``HF_HUB_OFFLINE=1``: weights
  come from the folder or not at all, never from the hub.
- **Progress per step, cancel between steps.** ``callback_on_step_end`` runs after every denoising step; it
  reports the step and raises :class:`Cancelled` when asked to stop, which ends the call at once without the
  VAE decode (the pipelines' own ``_interrupt`` flag would still decode a full video for nothing).
- **Repeatable.** The noise comes from a CPU ``torch.Generator`` seeded with the take's seed (the same on any
  device); torch's thread count is pinned when the entry says ``threads`` (output bits depend on it); the
  MP4 is written by the project's :class:`~workbench.generation.local.encoder.H264Writer`, whose bytes
  depend only on the frames.
"""

from __future__ import annotations

import inspect
import itertools
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workbench.errors import BackendError, ModelConfigError, StartingImageMissingError
from workbench.generation.diffusers.plan import GenerationPlan
from workbench.generation.diffusers.protocol import GenerateJob, failure_kind
from workbench.generation.diffusers.spec import LoadKey
from workbench.generation.local.encoder import H264Writer
from workbench.generation.local.frames import i420_planes, new_i420_buffer
from workbench.generation.local.source import load_starting_image, rgb_to_bt709_planes

__all__ = ["Cancelled", "LoadedPipeline", "execute_job", "go_offline", "peak_rss_bytes"]

Report = Callable[[str, int | None, int | None], None]

#: Keyword arguments the backend itself sets; ``extra`` may not override them.
_OWN_ARGUMENTS = frozenset(
    {
        "image", "prompt", "negative_prompt", "height", "width", "num_frames", "num_inference_steps",
        "guidance_scale", "generator", "output_type", "callback_on_step_end", "frame_rate", "return_dict",
    }
)  # fmt: skip


class Cancelled(Exception):
    """Raised from the step callback to stop a generation between two steps."""


def go_offline() -> None:
    """Never reach the hub from this process (set before huggingface_hub reads its constants)."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ[name] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def peak_rss_bytes() -> int:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class LoadedPipeline:
    """One pipeline for one :class:`LoadKey`, loaded on first use and kept."""

    def __init__(self, key: LoadKey) -> None:
        self.key = key
        self.pipe: Any = None
        self.pipeline: str | None = None
        #: Seconds to import torch and diffusers, and to load the weights after that (first load only).
        self.import_s: float | None = None
        self.load_s: float | None = None
        self.loads = 0
        self._unreported_load_s: float | None = None
        self._call_parameters: frozenset[str] = frozenset()

    @property
    def loaded(self) -> bool:
        return self.pipe is not None

    def load(self, pipeline: str, vae_dtype: str | None) -> dict[str, Any]:
        """Load the folder (once); returns what was measured and what the pipeline says of itself."""
        if self.pipe is not None:
            return self.facts()
        go_offline()
        started = time.perf_counter()
        import diffusers
        import torch
        from diffusers.utils import logging as diffusers_logging

        self.import_s = time.perf_counter() - started

        diffusers_logging.set_verbosity_error()
        diffusers_logging.disable_progress_bar()
        if self.key.threads:
            torch.set_num_threads(self.key.threads)
        device = self.key.device
        if device.startswith("cuda") and not torch.cuda.is_available():
            build = "a CPU-only build" if "+cpu" in torch.__version__ else "no usable CUDA driver"
            raise ModelConfigError(
                f"This machine has no CUDA GPU that torch {torch.__version__} can use ({build}), so the model "
                f'cannot load on "{device}". Run it on the GPU machine (workbench serve there), or set '
                '"device": "cpu" in models.json to try it, very slowly, on this one.'
            )
        if device == "mps" and not torch.backends.mps.is_available():
            raise ModelConfigError('This machine has no Apple GPU (mps); set "device" to "cuda" or "cpu".')
        cls = getattr(diffusers, pipeline, None)
        if cls is None:
            raise ModelConfigError(
                f"diffusers {diffusers.__version__} has no {pipeline}. Install the version the workbench pins: "
                "pip install 'segment-workbench[diffusers]'."
            )
        try:
            pipe = cls.from_pretrained(
                self.key.path, dtype=getattr(torch, self.key.dtype), local_files_only=True
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelConfigError(
                f"The weights in {self.key.path} could not be loaded as {pipeline}. Check that the folder holds "
                "the -Diffusers version of the model, complete.",
                detail=f"{type(exc).__name__}: {exc}"[:600],
            ) from None
        vae_type = self.key.vae_dtype or vae_dtype
        if vae_type and getattr(pipe, "vae", None) is not None:
            pipe.vae.to(getattr(torch, vae_type))
        pipe.set_progress_bar_config(disable=True)
        if self.key.offload == "model":
            pipe.enable_model_cpu_offload(device=device)
        elif self.key.offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=device)
        else:
            pipe.to(device)
        self.pipe, self.pipeline = pipe, pipeline
        self._call_parameters = frozenset(inspect.signature(pipe.__call__).parameters)
        self.load_s = self._unreported_load_s = time.perf_counter() - started - (self.import_s or 0.0)
        self.loads += 1
        return self.facts()

    def facts(self) -> dict[str, Any]:
        """The loaded pipeline's own rules (the tests hold :mod:`.families` to them) and what loading cost."""
        pipe = self.pipe
        temporal = getattr(pipe, "vae_scale_factor_temporal", None) or getattr(
            pipe, "vae_temporal_compression_ratio", None
        )
        spatial = getattr(pipe, "vae_scale_factor_spatial", None) or getattr(
            pipe, "vae_spatial_compression_ratio", None
        )
        transformer = getattr(pipe, "transformer", None) or getattr(pipe, "transformer_2", None)
        patch = transformer.config.patch_size if transformer is not None else None
        return {
            "pipeline": self.pipeline,
            "import_s": round(self.import_s or 0.0, 4),
            "load_s": round(self.load_s or 0.0, 4),
            "loads": self.loads,
            "frame_step": temporal,
            "spatial": spatial,
            "patch_size": list(patch) if isinstance(patch, list | tuple) else patch,
            "peak_rss_bytes": peak_rss_bytes(),
        }

    def run(self, job: GenerateJob, report: Report, cancelled: Callable[[], bool]) -> dict[str, Any]:
        """Generate ``job`` and write its MP4; raises :class:`Cancelled` if asked to stop between steps."""
        import torch

        plan = job.plan
        timings: dict[str, float] = {}
        if not self.loaded:
            report("loading", None, None)
            self.load(job.pipeline, job.vae_dtype)
        if self._unreported_load_s is not None:  # this job paid for loading: its timings say so
            timings["import_s"] = round(self.import_s or 0.0, 4)
            timings["load_s"] = round(self._unreported_load_s, 4)
            self._unreported_load_s = None
        unknown = sorted(set(job.extra) - self._call_parameters)
        clashing = sorted(set(job.extra) & _OWN_ARGUMENTS)
        if unknown or clashing:
            raise ModelConfigError(
                f'{job.label}\'s "extra" in models.json has {", ".join(unknown + clashing)}, which '
                + (
                    f"{job.pipeline} does not take"
                    if unknown
                    else "the workbench sets from the take's settings"
                )
                + ". Remove it."
            )
        started = time.perf_counter()
        image = _fill(load_starting_image(job.image_path), plan.generate_width, plan.generate_height)
        report("encoding", 0, plan.steps)
        marks: list[float] = []

        def on_step(pipe: Any, i: int, t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
            marks.append(time.perf_counter())
            total = int(getattr(pipe, "num_timesteps", 0) or plan.steps)
            report("step", i + 1, total)
            if cancelled():
                raise Cancelled
            if i + 1 >= total:
                report("decoding", None, None)
            return kwargs

        arguments: dict[str, Any] = {
            "image": image,
            "prompt": plan.prompt,
            "negative_prompt": plan.negative_prompt or None,
            "height": plan.generate_height,
            "width": plan.generate_width,
            "num_frames": plan.generate_frames,
            "num_inference_steps": plan.steps,
            "guidance_scale": plan.guidance,
            "generator": torch.Generator("cpu").manual_seed(plan.seed),
            "output_type": "np",
            "callback_on_step_end": on_step,
            **job.extra,
        }
        if job.takes_frame_rate:
            arguments["frame_rate"] = plan.model_fps
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        try:
            with torch.inference_mode():
                frames = self.pipe(**arguments).frames[0]
        except torch.cuda.OutOfMemoryError:
            raise BackendError(
                f"{job.label} ran out of GPU memory making {plan.generate_frames} frames at "
                f"{plan.generate_width}x{plan.generate_height}. Try a shorter duration or a smaller resolution, "
                'or set "offload": "model" for this model in models.json.'
            ) from None
        finished = time.perf_counter()
        if cancelled():
            raise Cancelled
        needed = (max(plan.frame_map) + 1) if plan.frame_map is not None else plan.frame_count
        if frames.shape[0] < needed or frames.shape[1:3] != (plan.generate_height, plan.generate_width):
            raise BackendError(
                f"{job.label} made {frames.shape[0]} frames of {frames.shape[2]}x{frames.shape[1]}, not the "
                f"{plan.generate_frames} of {plan.generate_width}x{plan.generate_height} asked for, so nothing was "
                "kept. Report it: the workbench's rules for this pipeline need updating."
            )
        if marks:
            timings["encode_and_first_step_s"] = round(marks[0] - started, 4)
            steps = [b - a for a, b in itertools.pairwise(marks)]
            timings["step_s"] = round(sum(steps) / len(steps), 4) if steps else round(marks[0] - started, 4)
            timings["decode_s"] = round(finished - marks[-1], 4)
        report("writing", None, None)
        written = time.perf_counter()
        _write(frames, plan, Path(job.output_path), job.quality or "standard", cancelled)
        timings["write_s"] = round(time.perf_counter() - written, 4)
        timings["generate_s"] = round(time.perf_counter() - started, 4)
        result: dict[str, Any] = {
            "frame_count": plan.frame_count,
            "width": plan.width,
            "height": plan.height,
            "fps": plan.fps,
            "generated_frames": int(frames.shape[0]),
            "timings": timings,
            "peak_rss_bytes": peak_rss_bytes(),
        }
        if torch.cuda.is_available():
            result["peak_gpu_bytes"] = int(torch.cuda.max_memory_allocated())
        return result


def execute_job(pipeline: LoadedPipeline, job: GenerateJob, send: Callable[[tuple[Any, ...]], None],
                cancelled: Callable[[], bool]) -> tuple[Any, ...]:  # fmt: skip
    """Run ``job`` on ``pipeline``, sending progress through ``send``; returns the final message.

    Any failure removes the partial MP4 and comes back as a ``failed`` message in words (never a traceback).
    """
    output = Path(job.output_path)

    def report(phase: str, step: int | None, total: int | None) -> None:
        send(("progress", job.job_id, phase, step, total))

    try:
        if cancelled():
            raise Cancelled
        return ("done", job.job_id, pipeline.run(job, report, cancelled))
    except Cancelled:
        output.unlink(missing_ok=True)
        return ("cancelled", job.job_id)
    except StartingImageMissingError as exc:
        output.unlink(missing_ok=True)
        return ("failed", job.job_id, "image", exc.message, exc.detail)
    except (ModelConfigError, BackendError) as exc:
        output.unlink(missing_ok=True)
        return ("failed", job.job_id, failure_kind(exc), exc.message, exc.detail)
    except Exception as exc:
        output.unlink(missing_ok=True)
        import traceback

        traceback.print_exc(file=sys.stderr)
        return (
            "failed",
            job.job_id,
            "backend",
            f"{job.label} failed while generating. Try again; if it keeps failing, report it with the detail "
            "below.",
            f"{type(exc).__name__}: {exc}"[:600],
        )


def _fill(rgb: np.ndarray, width: int, height: int) -> Any:
    """Crop-fill the starting image to exactly ``width`` × ``height`` (centred, never stretched)."""
    from PIL import Image

    h, w = rgb.shape[:2]
    scale = max(width / w, height / h)
    crop_w, crop_h = min(w, round(width / scale)), min(h, round(height / scale))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    region = rgb[top : top + crop_h, left : left + crop_w]
    shrinking = crop_w >= width and crop_h >= height
    resized = cv2.resize(
        np.ascontiguousarray(region),
        (width, height),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
    )
    return Image.fromarray(resized)


def _write(
    frames: np.ndarray, plan: GenerationPlan, path: Path, quality: str, cancelled: Callable[[], bool]
) -> None:
    """Crop, retime and encode the pipeline's float frames ``(n, h, w, 3)`` in [0, 1] as H.264."""
    left, top = plan.crop
    order = plan.frame_map if plan.frame_map is not None else range(plan.frame_count)
    with H264Writer(path, plan.width, plan.height, plan.fps, quality) as writer:
        for index in order:
            if cancelled():
                raise Cancelled
            region = frames[index, top : top + plan.height, left : left + plan.width]
            rgb = np.clip(np.rint(region * 255.0), 0, 255).astype(np.uint8)
            buffer = new_i420_buffer(plan.width, plan.height)
            y, u, v = i420_planes(buffer, plan.width, plan.height)
            y[...], u[...], v[...] = rgb_to_bt709_planes(rgb)
            writer.write(buffer)
