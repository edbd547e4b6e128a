"""Tiny random Wan and LTX-Video pipelines, built entirely in code and saved as diffusers folders.

Run as ``python -m tests.generation.diffusers.tiny_pipelines OUT`` (the tests' session fixture does, in a
subprocess, so the test process never imports torch). Each folder is what ``save_pretrained`` writes, so the
backend loads it exactly as it loads downloaded weights: ``from_pretrained(folder, local_files_only=True)``.

Nothing comes from the hub: the transformer, VAE and scheduler are built from small configs (the shapes
diffusers' own fast tests use), the text encoder from a tiny UMT5/T5 config, and the tokenizer from a
vocabulary written here (transformers 5 builds a Unigram tokenizer from it). The weights are random, so the
videos are noise: tests check the plumbing (frames, sizes, events, cancel, repeatability), not the content.

- ``wan-ti2v``: Wan 2.2 TI2V 5B's shape (48-channel VAE, 16x spatial, ``expand_timesteps``): sides in
  multiples of 32, frames 4k+1.
- ``wan-a14b``: Wan 2.2 I2V A14B's shape (two expert transformers, 8x spatial VAE): multiples of 16, 4k+1.
- ``ltx``: LTX-Video's shape with a three-stage VAE (8x in time and space): multiples of 32, frames 8k+1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_WORDS = (
    "a the slow push in on zoom out pan left right camera slide diagram dolly tilt up down hold still towards"
)
WORDS = (*_WORDS.split(), "title", "text", "chart", "and", "to", "of")
NAMES = ("wan-ti2v", "wan-a14b", "wan-21", "ltx")


def _tokenizer():
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [("▁" + word, -5.0) for word in WORDS]
    vocab += [(char, -10.0) for char in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-"]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def _text_encoder(kind: str, vocab_size: int):
    import torch
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    shape = dict(d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4, relative_attention_num_buckets=8)
    if kind == "umt5":
        return UMT5EncoderModel(UMT5Config(vocab_size=vocab_size, **shape)).eval()
    return T5EncoderModel(T5Config(vocab_size=vocab_size, **shape)).eval()


def _wan_transformer(channels_in: int, channels_out: int, **more: int):
    import torch
    from diffusers import WanTransformer3DModel

    torch.manual_seed(0)
    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=channels_in,
        out_channels=channels_out, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, **more,
    )  # fmt: skip


def _flow_scheduler():
    from diffusers import UniPCMultistepScheduler

    return UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)


def build_wan_ti2v(folder: Path) -> None:
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
        latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True],
    )  # fmt: skip
    pipe = WanImageToVideoPipeline(
        transformer=_wan_transformer(48, 48), vae=vae, scheduler=_flow_scheduler(),
        text_encoder=_text_encoder("umt5", len(tokenizer)), tokenizer=tokenizer, transformer_2=None,
        image_encoder=None, image_processor=None, boundary_ratio=None, expand_timesteps=True,
    )  # fmt: skip
    pipe.save_pretrained(folder)


def build_wan_a14b(folder: Path) -> None:
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )
    pipe = WanImageToVideoPipeline(
        transformer=_wan_transformer(36, 16), vae=vae, scheduler=_flow_scheduler(),
        text_encoder=_text_encoder("umt5", len(tokenizer)), tokenizer=tokenizer,
        transformer_2=_wan_transformer(36, 16), image_encoder=None, image_processor=None, boundary_ratio=0.875,
    )  # fmt: skip
    pipe.save_pretrained(folder)


def build_wan_21(folder: Path) -> None:
    """Wan 2.1 I2V: a CLIP image encoder beside the text encoder (the transformer's ``image_dim``)."""
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )
    torch.manual_seed(0)
    shape = {"hidden_size": 4, "projection_dim": 4, "num_hidden_layers": 2, "num_attention_heads": 2}
    vision = CLIPVisionConfig(**shape, image_size=32, intermediate_size=16, patch_size=1)
    image_encoder = CLIPVisionModelWithProjection(vision).eval()
    pipe = WanImageToVideoPipeline(
        transformer=_wan_transformer(36, 16, image_dim=4), vae=vae, scheduler=_flow_scheduler(),
        text_encoder=_text_encoder("umt5", len(tokenizer)), tokenizer=tokenizer, transformer_2=None,
        image_encoder=image_encoder, image_processor=CLIPImageProcessor(crop_size=32, size=32),
    )  # fmt: skip
    pipe.save_pretrained(folder)


def build_ltx(folder: Path) -> None:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )

    tokenizer = _tokenizer()
    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=32,
    )  # fmt: skip
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    )  # fmt: skip
    pipe = LTXImageToVideoPipeline(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_text_encoder("t5", len(tokenizer)), tokenizer=tokenizer,
    )  # fmt: skip
    pipe.save_pretrained(folder)


BUILDERS = {"wan-ti2v": build_wan_ti2v, "wan-a14b": build_wan_a14b, "wan-21": build_wan_21, "ltx": build_ltx}


def build_all(out: Path) -> dict[str, Path]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    folders = {}
    for name, build in BUILDERS.items():
        folders[name] = out / name
        build(folders[name])
    return folders


if __name__ == "__main__":
    build_all(Path(sys.argv[1]))
