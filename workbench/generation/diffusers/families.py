"""The image-to-video pipelines this backend runs, and the rules each one's folder implies (a table of facts).

Each rule here is read from the folder's own ``config.json`` files, the way the pipeline itself derives it
when it loads, so it holds for real weights as for the tiny test models (the tests compare both):

- **Wan** (``WanImageToVideoPipeline``: Wan 2.1 I2V, Wan 2.2 I2V A14B, Wan 2.2 TI2V 5B): ``num_frames`` must be
  ``scale_factor_temporal``·k+1 (4k+1; it rounds others down, with only a log line); sides must be multiples
  of 16 (``check_inputs`` raises) and of ``scale_factor_spatial`` × the transformer's patch (32 for TI2V 5B,
  which otherwise floors them).
- **LTX-Video** (``LTXImageToVideoPipeline``): frames ``temporal_compression_ratio``·k+1 (8k+1, floored
  silently); sides multiples of 32 (it raises), and of the VAE's spatial ratio; it takes ``frame_rate``.

Sources: diffusers 0.42 ``pipelines/wan/pipeline_wan_i2v.py`` (``__call__``, ``check_inputs``) and
``pipelines/ltx/pipeline_ltx_image2video.py`` (``check_inputs``, ``prepare_latents``);
``models/autoencoders/autoencoder_kl_ltx.py`` for how the LTX VAE's ratios follow from its config.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FAMILIES", "PipelineFamily", "Rules", "family_for_index"]


@dataclass(frozen=True)
class Rules:
    """What a loaded pipeline accepts: frames ``frame_step``·k+1, sides multiples of ``side_multiple``."""

    frame_step: int
    side_multiple: int


Configs = Mapping[str, Mapping[str, Any]]


def _wan_rules(configs: Configs) -> Rules:
    vae, transformer = (
        configs.get("vae", {}),
        configs.get("transformer") or configs.get("transformer_2") or {},
    )
    temporal = int(vae.get("scale_factor_temporal") or 4)
    spatial = int(vae.get("scale_factor_spatial") or 8)
    patch = transformer.get("patch_size") or (1, 2, 2)
    patch_h, patch_w = (int(patch[1]), int(patch[2])) if isinstance(patch, list | tuple) else (2, 2)
    return Rules(temporal, math.lcm(16, spatial * patch_h, spatial * patch_w))


def _ltx_rules(configs: Configs) -> Rules:
    vae, transformer = configs.get("vae", {}), configs.get("transformer", {})
    scaling = vae.get("spatio_temporal_scaling") or (True, True, True, False)
    doublings = sum(1 for s in scaling if s)
    spatial = vae.get("spatial_compression_ratio") or int(vae.get("patch_size", 4)) * 2**doublings
    temporal = vae.get("temporal_compression_ratio") or int(vae.get("patch_size_t", 1)) * 2**doublings
    patch = int(transformer.get("patch_size", 1))
    return Rules(int(temporal), math.lcm(32, int(spatial) * patch))


@dataclass(frozen=True)
class PipelineFamily:
    """One diffusers pipeline class and what its folder must hold."""

    pipeline: str
    label: str
    #: Components the folder must have (its ``model_index.json`` entries, each a subfolder).
    required: tuple[str, ...]
    #: At least one of these must be there too (Wan 2.2 A14B may hold only ``transformer_2``).
    one_of: tuple[str, ...]
    #: ``model_index.json`` classes this pipeline loads (a text-to-video folder of the same family too).
    loads: frozenset[str]
    rules: Callable[[Configs], Rules]
    default_guidance: float
    #: The pipeline takes the frame rate as an input (LTX's ``frame_rate``, for its positional encoding).
    takes_frame_rate: bool = False
    #: The VAE runs in float32 unless the entry says otherwise (Wan's authors load it so).
    vae_float32: bool = False


FAMILIES: dict[str, PipelineFamily] = {
    f.pipeline: f
    for f in (
        PipelineFamily(
            "WanImageToVideoPipeline",
            "Wan image-to-video",
            ("tokenizer", "text_encoder", "vae", "scheduler"),
            ("transformer", "transformer_2"),
            frozenset({"WanImageToVideoPipeline", "WanPipeline"}),
            _wan_rules,
            default_guidance=5.0,
            vae_float32=True,
        ),
        PipelineFamily(
            "LTXImageToVideoPipeline",
            "LTX-Video image-to-video",
            ("tokenizer", "text_encoder", "vae", "scheduler", "transformer"),
            (),
            frozenset({"LTXImageToVideoPipeline", "LTXPipeline"}),
            _ltx_rules,
            default_guidance=3.0,
            takes_frame_rate=True,
        ),
    )
}


def family_for_index(index_class: str) -> PipelineFamily | None:
    """The family whose pipeline loads a folder whose ``model_index.json`` names ``index_class``."""
    for family in FAMILIES.values():
        if index_class in family.loads:
            return family
    return None
