"""The weights folder is checked before any job starts: what is missing or truncated is named, in one line."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from workbench.errors import ModelFolderError
from workbench.generation.diffusers import inspect_folder


def test_complete_folders_give_each_pipeline_s_rules(tiny_models):
    wan, a14b, ltx = (inspect_folder(tiny_models[name]) for name in ("wan-ti2v", "wan-a14b", "ltx"))
    assert (wan.pipeline, wan.rules.frame_step, wan.rules.side_multiple) == ("WanImageToVideoPipeline", 4, 32)
    assert (a14b.pipeline, a14b.rules.frame_step, a14b.rules.side_multiple) == (
        "WanImageToVideoPipeline",
        4,
        16,
    )
    assert "transformer_2" in a14b.components
    wan21 = inspect_folder(tiny_models["wan-21"])  # Wan 2.1 I2V: a CLIP image encoder too
    assert (wan21.pipeline, wan21.rules.frame_step, wan21.rules.side_multiple) == (
        "WanImageToVideoPipeline",
        4,
        16,
    )
    assert {"image_encoder", "image_processor"} <= set(wan21.components)
    assert (ltx.pipeline, ltx.rules.frame_step, ltx.rules.side_multiple) == ("LTXImageToVideoPipeline", 8, 32)
    assert wan.size_bytes > 0


def test_a_missing_folder_says_where_it_looked_and_what_to_do(tmp_path):
    with pytest.raises(
        ModelFolderError,
        match=r"The model 'wan' loads its weights from .*nowhere, which does not exist\. Download",
    ):
        inspect_folder(tmp_path / "nowhere", model="wan")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFolderError, match="which is not a folder"):
        inspect_folder(tmp_path / "file")
    with pytest.raises(
        ModelFolderError, match=r"has no model_index\.json: it is not a diffusers pipeline folder"
    ):
        inspect_folder(tmp_path)


def test_missing_components_and_files_are_each_named(copy_of):
    folder = copy_of("wan-ti2v")
    shutil.rmtree(folder / "vae")
    (folder / "text_encoder" / "config.json").unlink()
    (folder / "tokenizer" / "tokenizer.json").unlink()
    (folder / "scheduler" / "scheduler_config.json").unlink()
    with pytest.raises(ModelFolderError) as caught:
        inspect_folder(folder, model="wan")
    message = caught.value.message
    assert "is incomplete. Missing or damaged:" in message
    for named in ("vae/ (the whole AutoencoderKLWan component)", "text_encoder/config.json",
                  "tokenizer/tokenizer.json", "scheduler/scheduler_config.json"):  # fmt: skip
        assert named in message
    assert message.endswith(
        "Download those files again (a download that stopped part-way leaves such gaps), then try again."
    )


def test_a_truncated_safetensors_file_is_caught_from_its_header(copy_of):
    folder = copy_of("ltx")
    weights = folder / "transformer" / "diffusion_pytorch_model.safetensors"
    full = weights.stat().st_size
    with weights.open("r+b") as handle:
        handle.truncate(full - 100)
    with pytest.raises(
        ModelFolderError, match=r"transformer/diffusion_pytorch_model\.safetensors \(truncated: .* of .*KiB\)"
    ):
        inspect_folder(folder)


def test_a_sharded_download_missing_a_shard_names_the_shard(copy_of):
    folder = copy_of("wan-ti2v")
    sub = folder / "transformer"
    single = sub / "diffusion_pytorch_model.safetensors"
    shard = "diffusion_pytorch_model-0000{}-of-00002.safetensors"
    single.rename(sub / "diffusion_pytorch_model-00001-of-00002.safetensors")
    (sub / "diffusion_pytorch_model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": shard.format(1), "b": shard.format(2)}})
    )
    with pytest.raises(
        ModelFolderError, match=r"transformer/diffusion_pytorch_model-00002-of-00002\.safetensors"
    ):
        inspect_folder(folder)
    (sub / "diffusion_pytorch_model-00002-of-00002.safetensors").write_bytes(
        (sub / "diffusion_pytorch_model-00001-of-00002.safetensors").read_bytes()
    )
    assert inspect_folder(folder).rules.side_multiple == 32


def test_the_wrong_kind_of_folder_or_pipeline_is_refused(tiny_models, copy_of):
    with pytest.raises(
        ModelFolderError,
        match=r"holds a WanImageToVideoPipeline model .*which LTXImageToVideoPipeline cannot load",
    ):
        inspect_folder(tiny_models["wan-ti2v"], "LTXImageToVideoPipeline")
    folder = copy_of("ltx")
    index = json.loads((folder / "model_index.json").read_text())
    (folder / "model_index.json").write_text(json.dumps({**index, "_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(
        ModelFolderError,
        match=r"holds a StableDiffusionPipeline pipeline .*this workbench runs WanImageToVideoPipeline, LTXImageToVideoPipeline",
    ):
        inspect_folder(folder)
    del index["vae"]
    (folder / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(
        ModelFolderError, match=r"has no vae in its model_index\.json, which LTXImageToVideoPipeline needs"
    ):
        inspect_folder(folder)


def test_a_text_to_video_folder_of_the_family_loads_as_image_to_video(copy_of):
    folder = copy_of("wan-ti2v")  # Wan-AI's TI2V 5B folder says "WanPipeline"
    index = json.loads((folder / "model_index.json").read_text())
    (folder / "model_index.json").write_text(json.dumps({**index, "_class_name": "WanPipeline"}))
    assert inspect_folder(folder).pipeline == "WanImageToVideoPipeline"


def test_the_answer_is_cached_until_a_file_changes(copy_of):
    folder = copy_of("wan-ti2v")
    first = inspect_folder(folder)
    assert inspect_folder(folder) is first
    weights = folder / "vae" / "diffusion_pytorch_model.safetensors"
    kept = weights.read_bytes()
    weights.unlink()
    with pytest.raises(ModelFolderError, match=r"vae/diffusion_pytorch_model\.safetensors"):
        inspect_folder(folder)
    weights.write_bytes(kept)
    os.utime(weights)
    assert inspect_folder(folder) == first
