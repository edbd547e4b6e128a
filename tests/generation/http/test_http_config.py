"""models.json: validation that names the file and key, where tokens may (not) be, and how a store's
models join the registry; settings a model cannot honour are refused before any job starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.generation.http.conftest import settings
from workbench import InvalidSettingError, Runner, regenerate_video_segment
from workbench.domain.models import Resolution
from workbench.errors import ModelConfigError
from workbench.generation.http import (
    HttpVideoBackend,
    load_model_config,
    model_config_paths,
    parse_model_config,
)
from workbench.generation.registry import default_registry


def write_models(folder: Path, *models: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "models.json"
    path.write_text(json.dumps({"version": 1, "models": list(models)}))
    return path


def test_errors_name_the_file_and_the_key(tmp_path):
    path = write_models(tmp_path, {"name": "wan", "provider": "replicat", "model": "a/b"})
    with pytest.raises(ModelConfigError) as caught:
        load_model_config(path)
    assert str(path) in caught.value.message
    assert (
        "models[0] (wan).provider is 'replicat'; choose one of cog, fal, luma, replicate, runway"
        in caught.value.message
    )

    path.write_text('{"version": 1, "models": [')
    with pytest.raises(ModelConfigError, match=r"not valid JSON at line 1"):
        load_model_config(path)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"token_env": "r8_S3cretTokenValue_4f9d2c81e7a6b5"},
            "must be the name of an environment variable, not a token",
        ),
        ({"token_env": None}, "token_env is required"),
        ({"inputs": {"extra": {"api_key": "abc"}}}, "extra.api_key looks like a credential"),
        ({"base_url": "http://api.example.org/v1"}, "must use https when a token is sent"),
        ({"mode": "sync"}, "mode is only for Cog servers"),
        ({"inputs": {"image": {"as": "url"}}}, 'base_url is required with "as": "url"'),
        ({"inputs": {"duration": {"name": "d", "format": "minutes"}}}, "duration.format is 'minutes'"),
        ({"name": "local-camera"}, "is the built-in local model"),
    ],
)
def test_entries_that_cannot_work_are_refused(entry, problem):
    base = {"name": "wan", "provider": "replicate", "model": "a/b", "token_env": "REPLICATE_API_TOKEN"}
    with pytest.raises(ModelConfigError, match=r"models\.json") as caught:
        parse_model_config({"version": 1, "models": [{**base, **entry}]})
    assert problem in caught.value.message


def test_cog_needs_a_base_url_but_no_token_and_plain_http_is_fine_on_loopback():
    with pytest.raises(ModelConfigError, match=r"base_url is required for Cog server"):
        parse_model_config({"models": [{"name": "box", "provider": "cog"}]})
    (spec,) = parse_model_config(
        {"models": [{"name": "box", "provider": "cog", "base_url": "http://127.0.0.1:5000"}]}
    )
    assert (spec.mode, spec.token_env, spec.supports) == (
        "auto",
        None,
        frozenset({"movie_directions", "duration_s", "resolution", "fps", "seed"}),
    )


def test_the_store_file_overrides_the_user_file_and_both_reach_the_runner(store, monkeypatch, tmp_path):
    user_dir = tmp_path / "xdg" / "workbench"
    write_models(
        user_dir,
        {"name": "box", "label": "Mine", "provider": "cog", "base_url": "http://127.0.0.1:5000"},
        {"name": "kling", "provider": "fal", "model": "fal-ai/kling-video/v1", "token_env": "FAL_KEY"},
    )
    write_models(
        store.root,
        {"name": "box", "label": "Team GPU box", "provider": "cog", "base_url": "http://127.0.0.1:6000"},
    )
    assert model_config_paths(store.root) == [user_dir / "models.json", store.root / "models.json"]
    runner = Runner(store)
    labels = {info.name: info.label for info in runner.registry.infos()}
    assert labels == {"box": "Team GPU box", "kling": "kling", "local-camera": labels["local-camera"]}
    box = runner.registry.get("box")
    assert isinstance(box, HttpVideoBackend) and box.spec.base_url == "http://127.0.0.1:6000"
    assert box.info.resumable and not box.info.local
    assert default_registry().names() == ["local-camera"]  # without a store: only the local model


def test_a_broken_store_file_stops_the_runner_with_the_key_to_fix(store):
    write_models(
        store.root, {"name": "box", "provider": "cog", "base_url": "http://127.0.0.1:5000", "mode": "poll"}
    )
    with pytest.raises(ModelConfigError, match=r"models\.json: models\[0\] \(box\)\.mode is 'poll'"):
        Runner(store)


# -- check(): before the job starts ----------------------------------------------------------------------------


RUNWAY = {"name": "gen4", "provider": "runway", "model": "gen4_turbo", "token_env": "RUNWAYML_API_SECRET"}


def test_settings_a_model_cannot_honour_are_refused_naming_what_it_offers(make_backend, token):
    backend = make_backend(RUNWAY)
    ok = settings("gen4", duration_s=5.0, resolution=Resolution(1280, 720))
    assert backend.check(ok) == ()
    assert backend.check(settings("gen4", duration_s=4.0, resolution=Resolution(1280, 720))) == ()  # 2–10 s
    with pytest.raises(InvalidSettingError, match=r"makes 2–10 s of video, not 11 s"):
        backend.check(settings("gen4", duration_s=11.0, resolution=Resolution(1280, 720)))
    with pytest.raises(InvalidSettingError, match=r"takes whole seconds; 4.5 s is not"):
        backend.check(settings("gen4", duration_s=4.5, resolution=Resolution(1280, 720)))
    with pytest.raises(
        InvalidSettingError, match=r"offers ratio 1280:720, .* the resolution 160x90 would be 160:90"
    ):
        backend.check(settings("gen4", duration_s=5.0))
    luma = make_backend(
        {
            "name": "ray2",
            "provider": "luma",
            "model": "ray-2",
            "token_env": "LUMA_API_KEY",
            "inputs": {"image": {"base_url": "https://media.example.org/s"}},
        }
    )
    with pytest.raises(InvalidSettingError, match=r"offers aspect ratios 16:9, .*; 1440x720 is 2:1"):
        luma.check(settings("ray2", duration_s=5.0, resolution=Resolution(1440, 720)))


def test_settings_a_model_ignores_are_warnings_not_silent(make_backend, token):
    backend = make_backend(
        {
            "name": "kling",
            "label": "Kling",
            "provider": "fal",
            "model": "fal-ai/kling-video/v1",
            "token_env": "FAL_KEY",
            "inputs": {"fps": {"fixed": 30}},
        }
    )
    assert backend.check(settings("kling")) == (
        "Kling picks its own length; the take may not be 1 s long.",
        "Kling picks its own frame size; the take may not be 160x90.",
        "Kling always makes 30 fps video; this take will be 30 fps, not 12.",
        "Kling takes no seed; seed 3 is not sent, so takes will vary.",
        "No input schema is known for Kling, so a misnamed input would only show up after the run "
        '(add "schema" to its models.json entry).',
    )


async def test_a_missing_token_is_reported_before_any_job_is_queued(store, lecture, monkeypatch):
    monkeypatch.delenv("RUNWAYML_API_SECRET", raising=False)
    write_models(store.root, RUNWAY)
    runner = Runner(store)
    seen = []
    runner.bus.subscribe(seen.append)
    with pytest.raises(ModelConfigError, match="environment variable RUNWAYML_API_SECRET, which is not set"):
        regenerate_video_segment(
            runner, "lec", "seg-1", {"model": "gen4", "duration_s": 5, "resolution": "1280x720"}
        )
    with pytest.raises(InvalidSettingError, match="makes 2–10 s of video, not 11 s"):
        monkeypatch.setenv("RUNWAYML_API_SECRET", "x" * 20)
        regenerate_video_segment(
            runner, "lec", "seg-1", {"model": "gen4", "duration_s": 11, "resolution": "1280x720"}
        )
    assert seen == [] and store.jobs().empty
    await runner.shutdown()
