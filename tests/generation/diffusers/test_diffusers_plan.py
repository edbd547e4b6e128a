"""Settings → what the pipeline is asked for: exact take lengths and sizes, every adjustment said up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.domain.models import Resolution, VideoSettings
from workbench.errors import InvalidSettingError
from workbench.generation.diffusers import DiffusersSpec, Rules, plan_generation

WAN_TI2V = Rules(frame_step=4, side_multiple=32)
WAN_21 = Rules(frame_step=4, side_multiple=16)
LTX = Rules(frame_step=8, side_multiple=32)


def spec(**changes) -> DiffusersSpec:
    return DiffusersSpec(name="wan", label="Wan 2.2 TI2V", path=Path("/m"), **changes)


def plan(rules: Rules, duration_s: float, fps: int, resolution: str, **spec_changes):
    settings = VideoSettings("push in", "wan", duration_s, Resolution.parse(resolution), fps, 3)
    return plan_generation(spec(**spec_changes), rules, settings, guidance=5.0)


@pytest.mark.parametrize(
    ("rules", "duration_s", "fps", "generated"),
    [
        (WAN_TI2V, 4.0, 24, 97),  # 96 frames asked: 4k+1 covering is 97, one dropped
        (WAN_TI2V, 5.0, 24, 121),  # exactly 4k+1: nothing dropped
        (WAN_TI2V, 0.75, 12, 9),
        (LTX, 4.0, 24, 97),  # 8k+1: 97 = 8*12+1
        (LTX, 2.0, 25, 57),  # 50 frames → 57
        (WAN_21, 1.0, 12, 13),
    ],
)
def test_the_take_is_exactly_duration_times_fps_from_the_smallest_count_the_model_takes(
    rules, duration_s, fps, generated
):
    p = plan(rules, duration_s, fps, "1280x704")
    assert p.generate_frames == generated
    assert (p.generate_frames - 1) % rules.frame_step == 0
    assert p.frame_count == round(duration_s * fps) and p.frame_map is None
    dropped = generated - p.frame_count
    assert bool(dropped) == any("dropped" in note for note in p.notes)


def test_the_frame_note_says_what_is_made_and_what_is_kept():
    (note,) = plan(WAN_TI2V, 4.0, 24, "1280x704").notes
    assert note == (
        "Wan 2.2 TI2V makes 4k+1 frames: it makes 97 and the last 1 is dropped, for exactly 96 frames "
        "(4 s at 24 fps)."
    )


def test_sides_round_up_to_the_model_s_multiple_and_are_cropped_back():
    p = plan(WAN_TI2V, 5.0, 24, "1280x720")
    assert (p.generate_width, p.generate_height, p.width, p.height, p.crop) == (1280, 736, 1280, 720, (0, 8))
    assert any(
        "makes sides in multiples of 32: it makes 1280x736, centre-cropped to 1280x720." in n for n in p.notes
    )
    assert not any(
        "multiples of" in n for n in plan(WAN_21, 5.0, 24, "1280x720").notes
    )  # 720 is a multiple of 16
    p = plan(LTX, 5.0, 24, "854x480")
    assert (p.generate_width, p.generate_height, p.crop) == (864, 480, (5, 0))


def test_a_model_trained_at_16_fps_is_asked_for_its_own_frames_and_retimed():
    p = plan(WAN_21, 4.0, 24, "832x480", model_fps=16)
    assert p.frame_count == 96 and p.model_fps == 16
    assert p.frame_map is not None and len(p.frame_map) == 96
    assert p.frame_map[:7] == (0, 1, 1, 2, 3, 3, 4)  # each take frame shows the model frame nearest its time
    assert p.frame_map[-1] == 63 and p.generate_frames == 65  # 4k+1 covering 64 model frames
    assert "moves at 16 fps: it makes 65 frames for 4 s, retimed to 24 fps (96 frames" in p.notes[0]


def test_a_clip_longer_than_the_model_makes_is_refused_before_it_starts():
    with pytest.raises(
        InvalidSettingError, match=r"makes at most 121 frames \(5\.04 s at 24 fps\), so 6 s cannot be made"
    ):
        plan(WAN_TI2V, 6.0, 24, "1280x704", max_frames=121)
    assert plan(WAN_TI2V, 5.0, 24, "1280x704", max_frames=121).generate_frames == 121


def test_prompt_seed_steps_and_guidance_travel_as_set():
    p = plan(WAN_TI2V, 1.0, 24, "1280x704", steps=12, negative_prompt="blurry")
    assert (p.prompt, p.seed, p.steps, p.guidance, p.negative_prompt) == ("push in", 3, 12, 5.0, "blurry")
