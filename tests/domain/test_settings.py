from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import (
    DEFAULT_VIDEO_MODEL,
    InvalidSettingError,
    Resolution,
    SettingSource,
    UnknownFieldError,
    VideoAsset,
    VideoDefaults,
    VideoOverrides,
    resolve_video_settings,
)
from workbench.domain.defaults import DEFAULT_DURATION_S, DEFAULT_FPS
from workbench.domain.models import VideoSettings
from workbench.domain.settings import SETTING_FIELDS, validate_settings

ASSET = VideoAsset(
    "a",
    "img",
    "pan left",
    model="asset-model",
    duration_s=7.0,
    resolution=Resolution(320, 240),
    fps=12,
    seed=5,
)


def test_precedence_override_beats_project_beats_asset_beats_default():
    project = VideoDefaults(model="project-model", duration_s=3.0)
    resolved = resolve_video_settings({"fps": 30}, project, ASSET)
    s, src = resolved.settings, resolved.provenance
    assert (s.fps, src["fps"]) == (30, SettingSource.OVERRIDE)
    assert (s.model, src["model"]) == ("project-model", SettingSource.PROJECT)
    assert (s.duration_s, src["duration_s"]) == (3.0, SettingSource.PROJECT)
    assert (s.resolution, src["resolution"]) == (Resolution(320, 240), SettingSource.ASSET)
    assert (s.movie_directions, src["movie_directions"]) == ("pan left", SettingSource.ASSET)
    assert (s.seed, src["seed"]) == (5, SettingSource.ASSET)


def test_hard_defaults_when_nothing_is_set():
    bare = VideoAsset("a", None, "")
    resolved = resolve_video_settings(None, None, bare)
    assert resolved.settings.model == DEFAULT_VIDEO_MODEL
    assert resolved.settings.duration_s == DEFAULT_DURATION_S
    assert resolved.settings.fps == DEFAULT_FPS
    assert all(resolved.provenance[f] is SettingSource.DEFAULT for f in SETTING_FIELDS)
    with pytest.raises(InvalidSettingError, match="movie directions are empty"):
        validate_settings(resolved.settings)


def test_no_overrides_keeps_batch_compatible_behaviour():
    """The seed: lack of overrides keeps behaviour compatible with batch generation (segment values)."""
    resolved = resolve_video_settings(VideoOverrides(), None, ASSET)
    assert resolved.settings.model == "asset-model"
    assert resolved.settings.duration_s == 7.0


def test_source_labels_are_human():
    assert SettingSource.PROJECT.label == "project default"
    assert SettingSource.ASSET.label == "this segment"
    assert SettingSource.OVERRIDE.label == "your edit"


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"directions": "x"}, UnknownFieldError, "Known settings"),
        ({"duration_s": 0.1}, InvalidSettingError, "out of range"),
        ({"duration_s": float("nan")}, InvalidSettingError, "out of range"),
        ({"duration_s": 61}, InvalidSettingError, "out of range"),
        ({"resolution": "641x360"}, InvalidSettingError, "odd side"),
        ({"resolution": "10x10"}, InvalidSettingError, "out of range"),
        ({"resolution": "big"}, InvalidSettingError, "WIDTHxHEIGHT"),
        ({"fps": 0}, InvalidSettingError, "fps is out of range"),
        ({"fps": 23.5}, InvalidSettingError, "wrong type"),
        ({"fps": True}, InvalidSettingError, "wrong type"),
        ({"seed": -1}, InvalidSettingError, "seed"),
        ({"movie_directions": "   "}, InvalidSettingError, "empty"),
        ({"movie_directions": "x" * 5000}, InvalidSettingError, "shorten"),
        ({"model": ""}, InvalidSettingError, "model"),
    ],
)
def test_bad_overrides_are_refused_with_a_clear_message(overrides, error, words):
    with pytest.raises(error, match=words):
        VideoOverrides.from_mapping(overrides)


def test_overrides_coerce_friendly_types():
    o = VideoOverrides.from_mapping({"duration_s": "4", "resolution": [640, 360], "fps": "30", "seed": 7.0})
    assert (o.duration_s, o.resolution, o.fps, o.seed) == (4.0, Resolution(640, 360), 30, 7)
    assert o.as_dict() == {"duration_s": 4.0, "resolution": "640x360", "fps": 30, "seed": 7}


_maybe = st.one_of(st.none(), st.just("X"))


@given(
    override=st.fixed_dictionaries(
        {"model": st.one_of(st.none(), st.just("o-model")), "fps": st.one_of(st.none(), st.integers(1, 60))}
    ),
    project=st.builds(
        VideoDefaults,
        model=st.one_of(st.none(), st.just("p-model")),
        fps=st.one_of(st.none(), st.integers(1, 60)),
    ),
    asset_model=st.one_of(st.none(), st.just("a-model")),
    asset_fps=st.one_of(st.none(), st.integers(1, 60)),
)
def test_property_each_field_comes_from_the_highest_layer_that_sets_it(
    override, project, asset_model, asset_fps
):
    asset = VideoAsset("a", None, "pan", model=asset_model, fps=asset_fps)
    resolved = resolve_video_settings(override, project, asset)
    for name in ("model", "fps"):
        layers = [
            (SettingSource.OVERRIDE, override[name]),
            (SettingSource.PROJECT, getattr(project, name)),
            (SettingSource.ASSET, getattr(asset, name)),
        ]
        expected = next(((src, v) for src, v in layers if v is not None), None)
        if expected is None:
            assert resolved.provenance[name] is SettingSource.DEFAULT
        else:
            assert (resolved.provenance[name], getattr(resolved.settings, name)) == expected


@pytest.mark.parametrize(
    ("duration_s", "fps", "frames"),
    [
        (2.5, 25, 63),
        (2.48, 25, 62),
        (2.52, 25, 63),
        (5.0, 24, 120),
        (0.5, 1, 1),
        (1.25, 2, 3),
        (60, 60, 3600),
    ],
)
def test_frame_count_is_the_nearest_whole_frame_halves_up(duration_s: float, fps: int, frames: int) -> None:
    settings = VideoSettings("hold", "local-camera", duration_s, Resolution(64, 64), fps, 0)
    assert settings.frame_count == frames
    # never more than half a frame away from what was asked
    assert abs(settings.frame_count / fps - duration_s) <= 0.5 / fps + 1e-9
