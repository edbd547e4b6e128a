"""The README's models.json examples, each checked against its model's documented input schema (the
snapshots in the package) with the settings a researcher would use — the demo's 4 s, 1280x720, 24 fps
segments — so no example wastes money: what a model can make is sent as it documents it, and what it
cannot make is refused before any job starts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.generation.http.conftest import settings
from workbench.domain.models import Resolution
from workbench.errors import InvalidSettingError
from workbench.generation.http import HttpVideoBackend, parse_model_config
from workbench.generation.http.input_schema import load_snapshot, snapshots
from workbench.generation.http.inputs import build_inputs

README = Path(__file__).resolve().parents[3] / "README.md"
DEMO = {"duration_s": 4.0, "resolution": Resolution(1280, 720), "fps": 24}


def readme_models() -> dict[str, HttpVideoBackend]:
    block = re.search(r"## Hosted and self-hosted models.*?```json\n(.*?)```", README.read_text(), re.S)
    assert block is not None, "the README's models.json example is missing"
    specs = parse_model_config(json.loads(block.group(1)))
    return {spec.name: HttpVideoBackend(spec, store_root=Path("/store")) for spec in specs}


@pytest.fixture(scope="module")
def models() -> dict[str, HttpVideoBackend]:
    return readme_models()


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REPLICATE_API_TOKEN", "FAL_KEY", "RUNWAYML_API_SECRET", "LUMA_API_KEY"):
        monkeypatch.setenv(name, "x" * 24)


def sent(backend: HttpVideoBackend, **changes: object) -> dict:
    """What the backend would send (checked against the model's schema first, as ``check`` does)."""
    video = settings(backend.spec.name, **{**DEMO, **changes})
    backend.check(video)
    return build_inputs(backend.spec, video, image="https://media.example.org/img.png")


def test_every_hosted_example_is_checked_against_a_documented_snapshot(models):
    hosted = {name: b for name, b in models.items() if b.spec.provider != "cog"}
    assert set(hosted) == {"wan-480p", "gen4", "ray2", "kling"}
    for backend in hosted.values():
        assert backend.spec.schema in snapshots(), backend.spec.name
        assert load_snapshot(backend.spec.schema).source.startswith("https://")


def test_wan_480p_gets_frame_counts_it_takes_at_the_rate_it_is_told(models):
    wan = models["wan-480p"]
    demo = sent(wan)  # 4 s at 24 fps: 97 frames (4k+1, within 81-100), played at 24 fps: 4.04 s
    assert (demo["num_frames"], demo["frames_per_second"]) == (97, 24)
    assert "aspect_ratio" not in demo and demo["sample_steps"] == 30
    slow = sent(wan, duration_s=5.0, fps=16)
    assert (slow["num_frames"], slow["frames_per_second"]) == (81, 16)
    with pytest.raises(InvalidSettingError, match=r"81–97 frames \(4k\+1\): at 16 fps that is 5\.06–6\.06 s"):
        sent(wan, duration_s=4.0, fps=16)  # the old mapping paid for a 6 s clip and then rejected it
    with pytest.raises(InvalidSettingError, match=r"at 24 fps that is 3\.38–4\.04 s"):
        sent(wan, duration_s=5.0)
    with pytest.raises(InvalidSettingError, match="makes 5–24 fps video, not 30 fps"):
        sent(wan, fps=30)
    assert wan.spec.price is not None and wan.spec.price.estimate(4.04, None, frames=97) == pytest.approx(
        0.09 * 97 / 16  # Replicate bills Wan's video seconds at 16 fps
    )


def test_runway_gen4_turbo_takes_whole_seconds_from_2_to_10(models):
    gen4 = models["gen4"]
    assert sent(gen4)["duration"] == 4 and sent(gen4)["ratio"] == "1280:720"
    assert sent(gen4, duration_s=2.0)["duration"] == 2 and sent(gen4, duration_s=10.0)["duration"] == 10
    with pytest.raises(InvalidSettingError, match="makes 2–10 s of video, not 11 s"):
        sent(gen4, duration_s=11.0)
    assert gen4.spec.poll_interval_s == 5.0


def test_luma_ray2_and_fal_kling_refuse_the_demo_s_4_s_before_paying(models):
    with pytest.raises(InvalidSettingError, match="offers durations of 5 or 9 s, not 4 s"):
        sent(models["ray2"])
    ray = sent(models["ray2"], duration_s=5.0)
    assert (ray["duration"], ray["aspect_ratio"], ray["resolution"]) == ("5s", "16:9", "720p")
    with pytest.raises(InvalidSettingError, match="offers durations of 5 or 10 s, not 4 s"):
        sent(models["kling"])
    assert sent(models["kling"], duration_s=10.0)["duration"] == "10"


def test_the_editor_lists_each_model_s_other_inputs(models):
    extras = {e.name: e for e in models["wan-480p"].extra_inputs()}
    assert {"max_area", "fast_mode", "sample_guide_scale", "sample_shift", "lora_weights"} <= set(extras)
    assert extras["sample_steps"].fixed == 30 and extras["sample_steps"].summary.startswith(
        "sample_steps (integer, 1–40"
    )
    assert "num_frames" not in extras and "prompt" not in extras  # those are the settings
    assert {e.name for e in models["kling"].extra_inputs()} >= {
        "negative_prompt",
        "cfg_scale",
        "tail_image_url",
    }
