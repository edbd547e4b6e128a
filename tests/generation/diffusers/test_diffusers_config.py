"""``"provider": "diffusers"`` entries in models.json: defaults, paths, and errors that name the key to fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench.errors import ModelConfigError
from workbench.generation.diffusers import DiffusersBackend, DiffusersSpec
from workbench.generation.http import HttpVideoBackend, load_model_config, parse_model_config
from workbench.generation.registry import default_registry

WAN = {"name": "wan22-ti2v", "provider": "diffusers", "path": "/models/Wan2.2-TI2V-5B-Diffusers"}


def test_the_issue_s_example_entry_is_read_with_every_value_typed():
    (spec,) = parse_model_config(
        {
            "models": [
                {
                    **WAN,
                    "label": "Wan 2.2 TI2V 5B (this machine)",
                    "pipeline": "WanImageToVideoPipeline",
                    "device": "cuda",
                    "dtype": "bfloat16",
                    "steps": 30,
                    "guidance": 5.0,
                }
            ]
        }
    )
    assert isinstance(spec, DiffusersSpec)
    assert (spec.path, spec.pipeline, spec.device, spec.dtype) == (
        Path("/models/Wan2.2-TI2V-5B-Diffusers"),
        "WanImageToVideoPipeline",
        "cuda",
        "bfloat16",
    )
    assert (spec.steps, spec.guidance, spec.offload, spec.threads, spec.extra) == (30, 5.0, "none", None, {})


def test_defaults_and_a_path_relative_to_the_models_json(tmp_path):
    config = tmp_path / "store" / "models.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps({"models": [{"name": "ltx", "provider": "diffusers", "path": "weights/ltx"}]})
    )
    (spec,) = load_model_config(config)
    assert isinstance(spec, DiffusersSpec)
    assert spec.path == tmp_path / "store" / "weights" / "ltx"
    assert (spec.pipeline, spec.device, spec.dtype, spec.steps, spec.guidance) == (
        None,
        "cuda",
        "bfloat16",
        30,
        None,
    )
    assert spec.label == "ltx" and spec.source == config


def test_hosted_and_local_entries_live_in_one_file_and_become_their_own_backends(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    (tmp_path / "models.json").write_text(
        json.dumps({"models": [WAN, {"name": "box", "provider": "cog", "base_url": "http://127.0.0.1:5000"}]})
    )
    registry = default_registry(tmp_path)
    assert isinstance(registry.get("wan22-ti2v"), DiffusersBackend)
    assert isinstance(registry.get("box"), HttpVideoBackend)
    info = registry.get("wan22-ti2v").info
    assert info.local and info.runs_on == "diffusers:cuda" and info.timeout_s == 3600


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"path": None}, r"path is required: the folder holding the downloaded weights"),
        (
            {"path": "https://huggingface.co/Wan-AI/x"},
            "must be a folder on this machine; weights are never downloaded",
        ),
        (
            {"pipeline": "WanPipeline"},
            "pipeline is 'WanPipeline'; choose one of WanImageToVideoPipeline, LTXImageToVideoPipeline",
        ),
        ({"device": "gpu"}, r"device is 'gpu'; use one of cuda, mps, cpu \(or cuda:N for GPU N\)"),
        ({"dtype": "fp8"}, "dtype is 'fp8'; use one of bfloat16, float16, float32"),
        ({"offload": "model", "device": "cpu"}, "offload moves weights between the CPU and a CUDA GPU"),
        ({"steps": 0}, "steps must be at least 1"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"guidance": "high"}, "guidance must be a number"),
        ({"extra": {"hf_token": "x"}}, "extra.hf_token looks like a credential"),
        ({"extra": [1]}, "extra must be a JSON object"),
        ({"base_url": "http://x"}, "has an unknown key 'base_url'"),
        ({"name": "local-camera"}, "is the built-in local model"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_file_and_the_key(change, words):
    raw = {**WAN, **change}
    with pytest.raises(ModelConfigError, match=words) as caught:
        parse_model_config({"models": [{k: v for k, v in raw.items() if v is not None}]})
    assert caught.value.message.startswith("models.json: models[0]")


def test_a_misspelled_provider_lists_diffusers_among_the_choices():
    with pytest.raises(ModelConfigError, match="choose one of cog, diffusers, fal, luma, replicate, runway"):
        parse_model_config({"models": [{**WAN, "provider": "difusers"}]})


def test_two_entries_on_one_folder_share_one_loaded_pipeline():
    a, b = parse_model_config(
        {"models": [{**WAN, "steps": 10}, {**WAN, "name": "wan-slow", "steps": 50, "guidance": 7}]}
    )
    assert isinstance(a, DiffusersSpec) and isinstance(b, DiffusersSpec)
    assert a.load_key == b.load_key  # steps and guidance are per call, not per load
    (c,) = parse_model_config({"models": [{**WAN, "dtype": "float16"}]})
    assert isinstance(c, DiffusersSpec) and c.load_key != a.load_key


def test_the_readme_s_example_entry_is_a_valid_diffusers_entry():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = re.search(r"### Open models on your own GPU.*?```json\n(.*?)```", readme, re.S)
    assert block is not None, "the README's diffusers example is missing"
    (spec,) = parse_model_config({"models": [json.loads(block.group(1))]})
    assert isinstance(spec, DiffusersSpec) and spec.name == "wan22-ti2v"
