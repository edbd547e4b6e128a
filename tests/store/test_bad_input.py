"""The bad-input matrix: every bad id, direction, duration, resolution, model, image and store file is refused
with a clear :class:`WorkbenchError` before anything starts, and the store stays byte-for-byte unchanged."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from PIL import Image

from tests.conftest import snapshot
from tests.store.image_files import encode, zero_png
from workbench import Runner, open_store
from workbench.errors import (
    CorruptFileError,
    InvalidIdError,
    InvalidImageError,
    InvalidSettingError,
    NotFoundError,
    OwnershipError,
    UnknownFieldError,
    UnknownModelError,
    WorkbenchError,
)
from workbench.jobs.actions import accept_take, regenerate_video_segment, reject_take, replace_starting_image

OVERRIDES = [
    # directions
    ({"movie_directions": ""}, InvalidSettingError, "directions are empty"),
    ({"movie_directions": "   \n\t"}, InvalidSettingError, "directions are empty"),
    ({"movie_directions": "\x00\x00\x00"}, InvalidSettingError, "control character"),
    ({"movie_directions": "pan left\x00"}, InvalidSettingError, r"U\+0000 at position 9"),
    ({"movie_directions": "zoom \x1b[2J"}, InvalidSettingError, "control character"),
    ({"movie_directions": "x" * 4001}, InvalidSettingError, "at most 4000"),
    ({"movie_directions": 42}, InvalidSettingError, "wrong type"),
    # durations
    ({"duration_s": 0}, InvalidSettingError, "out of range"),
    ({"duration_s": -1}, InvalidSettingError, "out of range"),
    ({"duration_s": math.nan}, InvalidSettingError, "out of range"),
    ({"duration_s": math.inf}, InvalidSettingError, "out of range"),
    ({"duration_s": 1000}, InvalidSettingError, "between 0.5 and 60"),
    ({"duration_s": "long"}, InvalidSettingError, "wrong type"),
    ({"duration_s": True}, InvalidSettingError, "wrong type"),
    # resolutions
    ({"resolution": "0x0"}, InvalidSettingError, "out of range"),
    ({"resolution": "641x360"}, InvalidSettingError, "odd side"),
    ({"resolution": "7680x4320"}, InvalidSettingError, "out of range"),
    ({"resolution": "100000x100000"}, InvalidSettingError, "out of range"),
    ({"resolution": "huge"}, InvalidSettingError, "not understood"),
    ({"resolution": [1, 2, 3]}, InvalidSettingError, "not understood"),
    ({"resolution": "3840x2160"}, InvalidImageError, "enlarge it"),  # 1920x1080 slide at 4K is fine…
    # models
    ({"model": "no-such-model"}, UnknownModelError, "no-such-model"),
    ({"model": ""}, InvalidSettingError, "model name is empty"),
    ({"model": "local-camera\x1b"}, InvalidSettingError, "control character"),
    # frame rates, seeds, fields
    ({"fps": 0}, InvalidSettingError, "out of range"),
    ({"fps": 2.5}, InvalidSettingError, "wrong type"),
    ({"seed": -1}, InvalidSettingError, "out of range"),
    ({"seed": 2**40}, InvalidSettingError, "out of range"),
    ({"colour": "blue"}, UnknownFieldError, "Unknown setting 'colour'"),
    ("not a mapping", InvalidSettingError, "must be a mapping"),
]


@pytest.fixture
async def runner(store, lecture):
    r = Runner(store)
    yield r
    await r.shutdown()


def _ids(case) -> str:
    return json.dumps(case[0], default=str)[:40]


@pytest.mark.parametrize(("overrides", "error", "words"), OVERRIDES, ids=[_ids(c) for c in OVERRIDES])
async def test_bad_settings_are_refused_before_anything_starts(runner, overrides, error, words) -> None:
    if overrides == {"resolution": "3840x2160"}:  # …but a 640x360 starting image is not (6x at 4K)
        small = encode(Image.new("RGB", (640, 360), "white"))
        image = runner.store.import_starting_image("lec", small, image_id="img-s")
        runner.store.update_lecture("lec", lambda lec: _attach(lec, image))
    before = snapshot(runner.store.root)
    with pytest.raises(error, match=words) as info:
        regenerate_video_segment(runner, "lec", "seg-1", overrides)
    assert isinstance(info.value, WorkbenchError) and info.value.message.endswith((".", ")"))
    assert runner.handles() == []
    assert snapshot(runner.store.root) == before


def _attach(lec, image):
    asset = dataclasses.replace(lec.asset("seg-1"), starting_image_id=image.id)
    return dataclasses.replace(lec.with_asset(asset), starting_images=(*lec.starting_images, image))


@pytest.mark.parametrize("bad_id", ["../x", "", "a/b", "/etc/passwd", ".hidden", "x" * 65, "lec\x00"])
async def test_bad_ids_are_refused_everywhere(runner, bad_id) -> None:
    before = snapshot(runner.store.root)
    with pytest.raises(InvalidIdError):
        regenerate_video_segment(runner, bad_id, "seg-1")
    with pytest.raises((InvalidIdError, NotFoundError)):
        regenerate_video_segment(runner, "lec", bad_id)
    with pytest.raises(InvalidIdError):
        await accept_take(runner, bad_id)
    with pytest.raises(InvalidIdError):
        await reject_take(runner, bad_id)
    with pytest.raises(InvalidIdError):
        replace_starting_image(runner.store, bad_id, "seg-1", encode(Image.new("RGB", (640, 360))))
    assert snapshot(runner.store.root) == before


IMAGES = [
    (zero_png(16000, 16000), "256 MP; the limit is 150 MP"),
    (encode(Image.new("RGB", (1, 1))), "at least 64 pixels"),
    (encode(Image.new("RGB", (100, 64))), "enlarge it"),  # the segment renders 640x360
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image the workbench can read"),
    (encode(Image.new("RGB", (800, 600), "red"))[:200], "not an image the workbench can read"),
]


@pytest.mark.parametrize(("data", "words"), IMAGES, ids=["bomb", "1x1", "too-small", "svg", "truncated"])
def test_bad_starting_images_are_refused(store, lecture, data, words) -> None:
    before = snapshot(store.root)
    with pytest.raises(InvalidImageError, match=words):
        replace_starting_image(store, "lec", "seg-1", data)
    assert snapshot(store.root) == before
    assert store.lecture("lec").asset("seg-1").starting_image_id == "img-1"


async def test_store_files_that_cannot_be_trusted_are_refused(runner) -> None:
    store = runner.store
    project = store.root / "projects" / "proj.json"
    data = json.loads(project.read_text())
    data["video_defaults"]["fps"] = -24
    project.write_text(json.dumps(data))
    before = snapshot(store.root)
    with pytest.raises(CorruptFileError, match=r"proj\.json") as info:
        regenerate_video_segment(runner, "lec", "seg-1")
    assert "video_defaults.'fps' is -24" in info.value.detail
    assert snapshot(store.root) == before


async def test_another_users_request_is_refused(store, lecture) -> None:
    before = snapshot(store.root)
    intruder = Runner(open_store(store.root, user="mallory"))
    with pytest.raises(OwnershipError, match="belongs to 'ada', not 'mallory'"):
        regenerate_video_segment(intruder, "lec", "seg-1")
    with pytest.raises(OwnershipError):
        replace_starting_image(intruder.store, "lec", "seg-1", encode(Image.new("RGB", (640, 360))))
    await intruder.shutdown()
    assert snapshot(store.root) == before
