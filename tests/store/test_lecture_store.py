from __future__ import annotations

import dataclasses
import json

import pytest

from tests.conftest import OWNER, small_slide_png, snapshot
from workbench import (
    ConflictError,
    CorruptFileError,
    InvalidIdError,
    NotFoundError,
    OwnershipError,
    Resolution,
    ValidationError,
    VideoAsset,
    open_store,
)
from workbench.domain.models import TakeStatus
from workbench.errors import StoreError


def test_round_trip_keeps_every_field(store, lecture):
    again = open_store(store.root).lecture("lec")
    assert again == lecture
    assert again.version == 1
    assert again.asset("seg-2").fps == 12
    assert again.starting_images[0].path == "media/lec/images/img-1.png"
    assert (store.root / "lectures" / "lec.json").read_text().startswith("{")


def test_commit_is_compare_and_swap(store, lecture):
    edited = lecture.with_asset(dataclasses.replace(lecture.asset("seg-1"), movie_directions="tilt up"))
    committed = store.commit_lecture(edited, expected_version=1)
    assert committed.version == 2
    assert committed.updated_at > lecture.updated_at
    before = snapshot(store.root)
    with pytest.raises(ConflictError, match="version 2, you edited version 1"):
        store.commit_lecture(edited, expected_version=1)
    assert snapshot(store.root) == before


def test_update_lecture_applies_a_change_under_the_lock(store, lecture):
    updated = store.update_lecture("lec", lambda lec: dataclasses.replace(lec, title="Renamed"))
    assert (updated.title, updated.version) == ("Renamed", 2)
    with pytest.raises(ConflictError):
        store.update_lecture("lec", lambda lec: lec, expected_version=1)


def test_someone_elses_lecture_is_refused_and_nothing_written(store, lecture, monkeypatch):
    before = snapshot(store.root)
    intruder = open_store(store.root, user="mallory")
    with pytest.raises(OwnershipError, match="belongs to 'ada', not 'mallory'"):
        intruder.commit_lecture(dataclasses.replace(lecture, title="mine now"), expected_version=1)
    with pytest.raises(OwnershipError):
        intruder.update_lecture("lec", lambda lec: lec)
    assert snapshot(store.root) == before


def test_owner_cannot_be_changed_by_a_commit(store, lecture):
    with pytest.raises(ValidationError, match="owner"):
        store.commit_lecture(dataclasses.replace(lecture, owner="bob"), expected_version=1)


@pytest.mark.parametrize("bad_id", ["../x", "/etc/passwd", "", "a/b", ".git"])
def test_bad_ids_raise_and_leave_the_store_unchanged(store, lecture, bad_id):
    before = snapshot(store.root)
    with pytest.raises(InvalidIdError):
        store.lecture(bad_id)
    with pytest.raises(InvalidIdError):
        store.import_starting_image(bad_id, small_slide_png())
    with pytest.raises(InvalidIdError):
        store.commit_lecture(dataclasses.replace(lecture, id=bad_id), expected_version=1)
    bad_asset = (*lecture.videos, VideoAsset(bad_id, None, "pan"))
    with pytest.raises(InvalidIdError):
        store.commit_lecture(dataclasses.replace(lecture, videos=bad_asset), expected_version=1)
    assert snapshot(store.root) == before


@pytest.mark.parametrize("path", ["../outside.mp4", "/abs.mp4", "media/../../x.mp4", "media/.hidden.mp4"])
def test_media_paths_outside_the_store_are_refused(store, lecture, path):
    before = snapshot(store.root)
    bad = lecture.with_asset(dataclasses.replace(lecture.asset("seg-1"), path=path))
    with pytest.raises(ValidationError, match="not inside the store"):
        store.commit_lecture(bad, expected_version=1)
    with pytest.raises(ValidationError):
        store.media_path(path)
    assert snapshot(store.root) == before


def test_a_symbolic_link_cannot_lead_a_media_path_out_of_the_store_or_its_lecture(store, lecture, tmp_path):
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"not the store's")
    takes = store.media_dir("lec", "takes")
    takes.mkdir(parents=True, exist_ok=True)
    (takes / "escape.mp4").symlink_to(outside)
    with pytest.raises(ValidationError, match="outside the store"):
        store.media_path("media/lec/takes/escape.mp4")
    # a lecture's media folder kept elsewhere (a symbolic link to a bigger disk) is still that lecture's own
    elsewhere = tmp_path / "big-disk" / "other"
    (elsewhere / "takes").mkdir(parents=True)
    (elsewhere / "takes" / "t.mp4").write_bytes(b"take")
    (store.root / "media" / "other").symlink_to(elsewhere)
    assert store.media_path("media/other/takes/t.mp4", "other").read_bytes() == b"take"
    # ...but not another lecture's: a path of lecture "lec" cannot lead into it
    (takes / "sideways.mp4").symlink_to(elsewhere / "takes" / "t.mp4")
    with pytest.raises(ValidationError, match="outside the store"):
        store.media_path("media/lec/takes/sideways.mp4", "lec")
    # the way back, from a file to its store-relative path, resolves ".." and links the same way
    assert store.relative(takes / ".." / "takes" / "t.mp4") == "media/lec/takes/t.mp4"
    assert store.relative(takes / "t.mp4") == "media/lec/takes/t.mp4"
    with pytest.raises(ValueError):
        store.relative(takes / "escape.mp4")


def test_timeline_must_reference_existing_segments(store, lecture):
    broken = dataclasses.replace(lecture, videos=lecture.videos[1:])
    with pytest.raises(ValidationError, match=r"clip-0.*seg-1"):
        store.commit_lecture(broken, expected_version=1)


def test_unknown_lecture_lists_known_ones(store, lecture):
    with pytest.raises(NotFoundError, match="Known lectures: lec"):
        store.lecture("nope")


def test_corrupt_lecture_file_is_named_and_never_overwritten(store, lecture):
    path = store.root / "lectures" / "lec.json"
    path.write_text('{"format": "workbench.lecture/1", "id": ')
    before = snapshot(store.root)
    with pytest.raises(CorruptFileError, match=r"lec\.json") as info:
        store.lecture("lec")
    assert "restore it from a backup" in str(info.value).lower()
    with pytest.raises(CorruptFileError):
        store.commit_lecture(lecture, expected_version=1)
    with pytest.raises(CorruptFileError):
        store.segments("lec")
    assert snapshot(store.root) == before


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d.pop("owner"), "missing key 'owner'"),
        (lambda d: d.update(version="2"), "'version' must be a whole number"),
        (lambda d: d.update(version=-5), "'version' is -5; it must be at least 1"),
        (lambda d: d["timeline"][0].update(asset_id="seg-9"), "not a segment of this lecture"),
        (lambda d: d.update(format="other/9"), "another workbench version"),
        (lambda d: d["videos"][0].update(id="../x"), "not a valid id"),
    ],
)
def test_hand_edits_with_mistakes_are_reported_precisely(store, lecture, mutate, words):
    path = store.root / "lectures" / "lec.json"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(CorruptFileError, match=words):
        store.lecture("lec")


def test_not_a_store(tmp_path):
    with pytest.raises(StoreError, match=r"not a workbench store.*demo init"):
        open_store(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(StoreError, match="not empty"):
        open_store(tmp_path, create=True)


def test_import_starting_image_validates_the_bytes(store):
    before = snapshot(store.root)
    with pytest.raises(ValidationError, match="Upload a PNG or JPEG"):
        store.import_starting_image("lec", b"definitely not an image")
    assert snapshot(store.root) == before
    image = store.import_starting_image("lec", small_slide_png(), regions={"diagram": (0.5, 0.2, 0.4, 0.7)})
    assert (image.width, image.height) == (1920, 1080)
    assert store.media_path(image.path).read_bytes()[:4] == b"\x89PNG"


def test_segments_view_has_effective_settings_provenance_and_state(store, lecture):
    frame = store.segments("lec")
    assert list(frame["asset_id"]) == ["seg-1", "seg-2", "seg-3"]
    seg1, seg2, seg3 = (frame.iloc[i] for i in range(3))
    assert (seg1["duration_s"], seg1["duration_s_source"]) == (2.0, "asset")
    assert (seg1["resolution"], seg1["resolution_source"]) == ("640x360", "project")
    assert (seg2["fps"], seg2["fps_source"]) == (24, "project")  # project default beats the segment's 12
    assert seg1["status"] == "no video"
    assert seg3["status"] == "needs starting image"
    assert not seg3["has_starting_image"]
    store.media_path("media/lec/images/img-1.png").unlink()
    assert store.segments("lec").iloc[0]["status"] == "needs starting image"


def test_takes_and_jobs_keep_their_latest_state(store, lecture):
    from workbench.domain.jobs import JobRecord, JobStatus
    from workbench.domain.models import SettingSource, Take, VideoSettings

    settings = VideoSettings("pan", "local-camera", 2.0, Resolution(640, 360), 24, 0)
    path = store.new_take_path("lec", "take-1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"video")
    take = Take(
        "take-1", "lec", "seg-1", "job-1", store.relative(path), settings,
        {"model": SettingSource.DEFAULT}, "tok", created_at="t0", timings={"total_s": 1.5},
    )  # fmt: skip
    store.record_take(take)
    with pytest.raises(ConflictError):
        store.record_take(take)
    accepted = dataclasses.replace(take, status=TakeStatus.ACCEPTED, decided_by=OWNER)
    store.update_take(accepted, expect_status=TakeStatus.PENDING)
    with pytest.raises(ConflictError, match="already accepted"):
        store.update_take(accepted, expect_status=TakeStatus.PENDING)
    assert open_store(store.root).take("take-1") == accepted
    frame = store.takes(asset_id="seg-1")
    assert list(frame["status"]) == ["accepted"] and frame.iloc[0]["generation_s"] == 1.5

    job = JobRecord(
        "job-1", "app/regenerate-video-segment", "lec", "seg-1", OWNER, JobStatus.RUNNING, "t0", "t0"
    )
    store.save_job(job)
    store.save_job(dataclasses.replace(job, status=JobStatus.AWAITING_REVIEW, take_id="take-1"))
    reopened = open_store(store.root)
    assert reopened.job("job-1").status is JobStatus.AWAITING_REVIEW
    assert list(reopened.jobs(status=[JobStatus.AWAITING_REVIEW])["job_id"]) == ["job-1"]


def test_events_are_journaled_and_filterable(store, lecture):
    rows = [
        {"event_id": f"e{i}", "type": "job-progress", "time": f"t{i}", "job_id": "j1" if i < 3 else "j2",
         "lecture_id": "lec", "asset_id": "seg-1", "message": f"{i}", "payload_json": "{}"}
        for i in range(5)
    ]  # fmt: skip
    store.append_events(rows[:3])
    store.append_events(rows[3:])
    assert list(open_store(store.root).events(job_id="j1")["event_id"]) == ["e0", "e1", "e2"]
    assert len(store.events(lecture_id="lec")) == 5
