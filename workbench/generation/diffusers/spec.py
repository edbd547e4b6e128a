"""A model run in process through ``diffusers``, as typed values: a validated ``"provider": "diffusers"`` entry.

Plain frozen dataclasses with no I/O and no torch, so the ``models.json`` parser, the kernel-side backend and
the worker process all import them cheaply (and they pickle to the worker as they are). Build one with
:func:`workbench.generation.http.parsing.parse_model_config`; nothing else constructs them but tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_STEPS",
    "DEFAULT_TIMEOUT_S",
    "DEVICES",
    "DTYPES",
    "OFFLOADS",
    "PROVIDER",
    "DiffusersSpec",
    "LoadKey",
]

#: The ``provider`` value of these entries in ``models.json``.
PROVIDER = "diffusers"
#: Numeric types the weights can be loaded in (``torch.<name>``).
DTYPES = ("bfloat16", "float16", "float32")
#: Where the pipeline runs: a CUDA GPU (``cuda``, ``cuda:1``), Apple's ``mps``, or the ``cpu``.
DEVICES = ("cuda", "mps", "cpu")
#: ``none``: the whole pipeline on the device; ``model``: each component moved there while it runs (less GPU
#: memory, a little slower; needs ``accelerate``); ``sequential``: layer by layer (least memory, slowest).
OFFLOADS = ("none", "model", "sequential")
DEFAULT_STEPS = 30
#: One generation's time limit: real 14B models at 720p take many minutes on one GPU, more than the runner's
#: default for other models.
DEFAULT_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class LoadKey:
    """What decides a loaded pipeline: two entries with the same key share one worker and its memory."""

    path: str
    pipeline: str | None
    device: str
    dtype: str
    vae_dtype: str | None
    offload: str
    threads: int | None


@dataclass(frozen=True)
class DiffusersSpec:
    """One configured diffusers model: the weights folder ``path`` and how to run it.

    ``pipeline`` is the diffusers class that loads the folder (``None``: the one its ``model_index.json``
    names, or that class's image-to-video sibling).
    """

    name: str
    label: str
    path: Path
    pipeline: str | None = None
    device: str = "cuda"
    dtype: str = "bfloat16"
    #: The VAE's own type (``None``: the family's default, float32 for Wan as its authors recommend).
    vae_dtype: str | None = None
    steps: int = DEFAULT_STEPS
    guidance: float | None = None
    negative_prompt: str = ""
    #: The frame rate the model was trained at; takes at another rate are retimed (``None``: the take's rate).
    model_fps: int | None = None
    #: The longest clip the model makes, in frames (``None``: no limit but memory).
    max_frames: int | None = None
    #: torch's CPU threads in the worker (output bits depend on it; ``None``: torch's default).
    threads: int | None = None
    offload: str = "none"
    #: More keyword arguments for the pipeline call, sent as they are (``max_sequence_length``…).
    extra: Mapping[str, Any] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    description: str = ""
    #: The file this entry came from (for messages).
    source: Path | None = None

    provider: str = PROVIDER

    @property
    def load_key(self) -> LoadKey:
        return LoadKey(
            str(self.path), self.pipeline, self.device, self.dtype, self.vae_dtype, self.offload, self.threads
        )

    @property
    def device_kind(self) -> str:
        """``cuda``, ``mps`` or ``cpu`` (without a GPU index)."""
        return self.device.split(":", 1)[0]
