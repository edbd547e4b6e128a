"""One bad file stays one bad file: a damaged table file, lecture, segment or starting image record is
skipped with a message naming it, never rewritten or deleted, and everything else keeps working."""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest

from tests.conftest import OWNER, snapshot
from workbench import Lecture, Runner, open_store
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.models import Resolution, SettingSource, Take, TakeStatus, VideoAsset, VideoSettings
from workbench.errors import CorruptFileError, DamagedEntryError, StartingImageMissingError, ValidationError
from workbench.jobs.actions import accept_take, preflight


def _pending_take(store, take_id: str, asset_id: str) -> Take:
    path = store.new_take_path("lec", take_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"video")
    settings = VideoSettings("tilt up", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    take = Take(take_id, "lec", asset_id, f"job-{take_id}", store.relative(path), settings,
                dict.fromkeys(("model",), SettingSource.DEFAULT), "tok", created_at=next_timestamp())  # fmt: skip
    store.record_take(take)
    return take


def _edit(store, change) -> None:
    path = store.root / "lectures" / "lec.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=1))


# -- table files -------------------------------------------------------------------------------------------


def test_a_torn_table_file_is_skipped_with_a_warning_and_never_touched(store, lecture, caplog) -> None:
    good = _pending_take(store, "take-1", "seg-1")
    torn = store.root / "tables" / "takes" / "00000000000000000001-1-abcdef.parquet"
    torn.write_bytes(b"PAR1 this file was cut short by a disk fault")
    _pending_take(store, "take-2", "seg-2")
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        reopened = open_store(store.root)  # once failed for the whole store
        assert list(reopened.takes()["take_id"]) == ["take-1", "take-2"]
    assert any(str(torn) in r.getMessage() and "damaged table file" in r.getMessage() for r in caplog.records)
    assert reopened.take(good.id) == good
    assert torn in reopened.damaged_files()
    before = torn.read_bytes()
    reopened.update_take(dataclasses.replace(good, status=TakeStatus.REJECTED))
    assert reopened.compact()["takes"] == 3  # the readable files merge; the torn one stays as it is
    assert torn.read_bytes() == before
    assert open_store(store.root).take("take-1").status is TakeStatus.REJECTED


# -- lectures ----------------------------------------------------------------------------------------------


def test_a_damaged_lecture_affects_only_that_lecture(store, lecture, caplog) -> None:
    other = store.create_lecture(Lecture("lec-b", "proj", "Other", OWNER, 0, (VideoAsset("s", None, "pan"),)))
    path = store.root / "lectures" / "lec.json"
    path.write_bytes(path.read_bytes()[:100])  # truncated
    before = snapshot(store.root)
    with caplog.at_level(logging.WARNING, logger="workbench.store"):
        rows = store.segments()
    assert list(rows["lecture_id"]) == ["lec-b"]
    assert any("'lec'" in r.getMessage() for r in caplog.records)
    with pytest.raises(CorruptFileError, match=r"lec\.json"):
        store.segments("lec")  # asked for it by name: say why
    with pytest.raises(CorruptFileError):  # its owner cannot be read, so nothing is written about it
        store.save_job(JobRecord("job-x", "k", "lec", "seg-1", OWNER, JobStatus.QUEUED, "t", "t"))
    assert snapshot(store.root) == before
    store.update_lecture("lec-b", lambda lec: dataclasses.replace(lec, title="Still works"))
    assert store.lecture("lec-b").version == other.version + 1
    assert path in store.damaged_files()


def test_version_and_paths_are_checked_when_a_lecture_is_read(store, lecture) -> None:
    _edit(store, lambda d: d.update(version=-5))
    before = snapshot(store.root)
    with pytest.raises(CorruptFileError, match="'version' is -5") as info:
        store.lecture("lec")
    assert "lec.json" in info.value.message
    with pytest.raises(CorruptFileError):
        store.update_lecture("lec", lambda lec: lec)  # never rewritten with a repaired version
    assert snapshot(store.root) == before


# -- segments and starting images ------------------------------------------------------------------------


async def test_a_bad_segment_affects_only_that_segment(store, lecture) -> None:
    take = _pending_take(store, "take-1", "seg-1")
    _edit(store, lambda d: d["videos"][1].update(path="../../etc/passwd"))
    raw = json.loads((store.root / "lectures" / "lec.json").read_text())["videos"][1]
    damaged = store.lecture("lec")  # the lecture still loads
    with pytest.raises(DamagedEntryError, match=r"Segment 'seg-2'") as info:
        damaged.asset("seg-2")
    assert "videos[1].'path'" in info.value.detail and "lec.json" in info.value.message
    rows = store.segments("lec").set_index("asset_id")
    assert rows.loc["seg-2", "status"] == "damaged" and "videos[1].'path'" in rows.loc["seg-2", "problem"]
    assert rows.loc["seg-1", "status"] == "preview pending"
    async with Runner(store) as runner:
        with pytest.raises(DamagedEntryError):
            preflight(runner, "lec", "seg-2")  # refused before anything starts
        committed = await accept_take(runner, take.id)  # another segment of the same lecture still accepts
    assert committed.asset("seg-1").path == take.path
    stored = json.loads((store.root / "lectures" / "lec.json").read_text())
    assert stored["videos"][1] == raw  # the damaged entry is carried exactly as it was read
    # damage can be carried, never introduced or altered
    fake = dataclasses.replace(damaged.videos[1].damage, raw={**raw, "path": "/etc/shadow"})
    altered = dataclasses.replace(
        committed, videos=(committed.videos[0], dataclasses.replace(committed.videos[1], damage=fake), *committed.videos[2:])
    )  # fmt: skip
    with pytest.raises(ValidationError, match="cannot be committed in a changed form"):
        store.commit_lecture(altered, expected_version=committed.version)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("movie_directions", "pan\u0000left"),
        ("fps", True),
        ("duration_s", -3),
        ("resolution", "huge"),
        ("starting_image_id", "../img"),
        ("path", "media/other-lecture/takes/x.mp4"),
        ("updated_at", "yesterday"),
    ],
)
def test_each_segment_field_the_code_trusts_is_checked(store, lecture, field, value) -> None:
    _edit(store, lambda d: d["videos"][0].update({field: value}))
    with pytest.raises(DamagedEntryError) as info:
        store.lecture("lec").asset("seg-1")
    assert f"videos[0].'{field}'" in info.value.detail
    assert store.lecture("lec").asset("seg-2").movie_directions == "pan right"


def test_a_damaged_starting_image_record_reads_as_missing(store, lecture) -> None:
    _edit(store, lambda d: d["starting_images"][0].update(path="/etc/passwd"))
    lec = store.lecture("lec")
    assert lec.starting_image("img-1") is None
    assert store.starting_image_file(lec, "img-1") is None
    assert set(store.segments("lec")["status"]) == {"needs starting image"}
    assert "Starting image 'img-1'" in next(iter(store.damaged_files().values()))


async def test_regenerating_from_a_damaged_image_record_says_regenerate_the_image(store, lecture) -> None:
    _edit(store, lambda d: d["starting_images"][0].update(width=0))
    async with Runner(store) as runner:
        from workbench.jobs.actions import regenerate_video_segment

        handle = regenerate_video_segment(runner, "lec", "seg-1", {"resolution": "320x180", "duration_s": 1})
        record = await handle.wait()
    assert record.error is not None and record.error.startswith(StartingImageMissingError().message)
    assert store.takes().empty
