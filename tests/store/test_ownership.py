"""Ownership is enforced by the store itself: every public mutator, called as another user, is refused and
leaves the store byte-for-byte unchanged; the same call as the owner writes (so each refusal is real)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import OWNER, small_slide_png, snapshot
from workbench import Lecture, Project, Resolution, VideoDefaults, open_store
from workbench.domain.clock import next_timestamp
from workbench.domain.jobs import JobRecord, JobStatus
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import ImageSettings, ImageTake, SettingSource, Take, TakeStatus, VideoSettings
from workbench.errors import OwnershipError, ValidationError
from workbench.store import LectureStore
from workbench.store.guard import is_guarded

KIND = "app/regenerate-video-segment"

#: Public methods that only read (or only check). A new public method fails ``test_every_public_method_is_
#: classified`` until it is listed here or declared with ``guard.writes`` and covered by the matrix below.
READERS = {
    "active_jobs", "check_may_write", "check_may_write_project", "damaged_files", "damaged_table_files",
    "events", "has_lecture", "image_take", "image_take_records", "image_takes", "job", "job_records", "jobs",
    "lecture", "lecture_ids", "may_write", "media_dir", "media_files", "media_lecture_ids", "media_path", "metrics",
    "new_image_take_path", "new_take_path", "project", "projects", "relative",
    "segments", "starting_image_file", "take", "take_metrics", "take_records", "takes", "watch", "writing",
}  # fmt: skip
MAINTENANCE = {"compact"}
#: Writes only under the current user's own folder (``drafts/<user>/``): nothing of anyone else's to guard.
OWN_FILES = {"drafts"}


def _settings() -> VideoSettings:
    return VideoSettings("pan right", "local-camera", 1.0, Resolution(320, 180), 12, 0)


def _take(store: LectureStore, take_id: str, job_id: str = "job-1") -> Take:
    path = store.new_take_path("lec", take_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not really a video, the store does not decode it")
    return Take(
        take_id, "lec", "seg-1", job_id, store.relative(path), _settings(),
        dict.fromkeys(("model",), SettingSource.DEFAULT), "token-1", created_at=next_timestamp(),
    )  # fmt: skip


def _image_take(store: LectureStore, take_id: str, job_id: str = "job-1") -> ImageTake:
    path = store.new_image_take_path("lec", take_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(small_slide_png("generated"))
    settings = ImageSettings("A slide", "local-slide", Resolution(320, 180), 0)
    return ImageTake(
        take_id, "lec", "seg-1", job_id, store.relative(path), settings,
        dict.fromkeys(("prompt",), SettingSource.OVERRIDE), "token-i", 320, 180, created_at=next_timestamp(),
    )  # fmt: skip


def _job(job_id: str = "job-1", status: JobStatus = JobStatus.AWAITING_REVIEW) -> JobRecord:
    now = next_timestamp()
    return JobRecord(job_id, KIND, "lec", "seg-1", OWNER, status, now, now, settings=_settings().to_dict())


def _event(event_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id, "type": "job-progress", "time": next_timestamp(), "job_id": "job-1",
        "lecture_id": "lec", "asset_id": "seg-1", "message": "50 %", "payload_json": "{}",
    }  # fmt: skip


@pytest.fixture
def owned(store, lecture):
    """Ada's store with a lecture, a pending take (and its file), its job and an event."""
    store.save_job(_job())
    store.record_take(_take(store, "take-1"))
    store.record_image_take(_image_take(store, "itake-1"))
    store.append_events([_event("evt-0")])
    _take(store, "take-2", "job-2")  # a file for the record_take calls below
    _image_take(store, "itake-2", "job-2")
    return store


def _renamed(st: LectureStore) -> Lecture:
    lec = st.lecture("lec")
    return dataclasses.replace(lec, title="Renamed")


#: name → the call, given a store opened as some user. Each is a write the owner may make.
MUTATORS: dict[str, Callable[[LectureStore], object]] = {
    "save_project": lambda st: st.save_project(
        Project("proj", "Renamed project", OWNER, VideoDefaults(resolution=Resolution(640, 360)))
    ),
    "create_lecture": lambda st: st.create_lecture(Lecture("lec-2", "proj", "Another", OWNER, 0)),
    "commit_lecture": lambda st: st.commit_lecture(_renamed(st), expected_version=1),
    "update_lecture": lambda st: st.update_lecture(
        "lec", lambda lec: dataclasses.replace(lec, title="Renamed")
    ),
    "import_starting_image": lambda st: st.import_starting_image(
        "lec", small_slide_png("x"), image_id="img-9"
    ),
    "record_take": lambda st: st.record_take(_take(st, "take-2", "job-2")),
    "record_takes": lambda st: st.record_takes([_take(st, "take-2", "job-2")]),
    "update_take": lambda st: st.update_take(
        dataclasses.replace(st.take("take-1"), status=TakeStatus.REJECTED, decided_by=st.user),
        expect_status=TakeStatus.PENDING,
    ),
    "record_image_take": lambda st: st.record_image_take(_image_take(st, "itake-2", "job-2")),
    "record_image_takes": lambda st: st.record_image_takes([_image_take(st, "itake-2", "job-2")]),
    "update_image_take": lambda st: st.update_image_take(
        dataclasses.replace(st.image_take("itake-1"), status=TakeStatus.REJECTED, decided_by=st.user),
        expect_status=TakeStatus.PENDING,
    ),
    "save_job": lambda st: st.save_job(_job(status=JobStatus.REJECTED)),
    "save_jobs": lambda st: st.save_jobs([_job(status=JobStatus.REJECTED)]),
    "append_events": lambda st: st.append_events([_event("evt-1")]),
    "move_to_trash": lambda st: st.move_to_trash("media/lec/takes/take-2.mp4", reason="test"),
    "record_metrics": lambda st: st.record_metrics([("take-1", TakeMetrics("0" * 64, 24, 1.0, 0.0, 0.0))]),
}


def test_every_public_method_is_classified() -> None:
    public = {
        name
        for name, member in inspect.getmembers(LectureStore)
        if not name.startswith("_") and callable(member) and not isinstance(member, type)
    }
    assert public == READERS | set(MUTATORS) | MAINTENANCE | OWN_FILES
    # the mutators that write themselves carry the guard (the others delegate to one that does)
    delegating = {
        "record_take": "record_takes",
        "record_image_take": "record_image_takes",
        "save_job": "save_jobs",
        "import_starting_image": "_store_image",
    }
    for name in MUTATORS:
        assert is_guarded(getattr(LectureStore, delegating.get(name, name))) == "owner", name
    assert is_guarded(LectureStore.compact) == "maintenance"


@pytest.mark.parametrize("name", sorted(MUTATORS))
def test_every_mutator_refuses_another_user_and_writes_nothing(owned, name) -> None:
    before = snapshot(owned.root)
    intruder = open_store(owned.root, user="mallory")
    with pytest.raises(OwnershipError) as info:
        MUTATORS[name](intruder)
    assert "mallory" in info.value.message and "nothing was" in info.value.message
    assert snapshot(owned.root) == before, f"{name} as another user changed the store"
    # the same call as the owner writes: the refusal above was about ownership, not a malformed call
    MUTATORS[name](open_store(owned.root))
    assert snapshot(owned.root) != before, (
        f"{name} as the owner wrote nothing; the matrix would prove nothing"
    )


def test_compaction_is_maintenance_that_changes_no_record(owned) -> None:
    owned.append_events([_event("evt-1")])
    takes, jobs, events = owned.takes(), owned.jobs(), owned.events()
    merged = open_store(owned.root, user="mallory").compact()
    assert merged["events"] == 2
    fresh = open_store(owned.root)
    assert fresh.takes().equals(takes) and fresh.jobs().equals(jobs) and fresh.events().equals(events)


def test_a_take_cannot_be_moved_to_a_lecture_its_writer_owns(owned) -> None:
    """Mallory owns a lecture of her own; ada's take, relabelled as hers, is still ada's."""
    mallory = open_store(owned.root, user="mallory")
    mallory.save_project(Project("mproj", "Mallory's", "mallory"))
    mallory.create_lecture(Lecture("mlec", "mproj", "Mine", "mallory", 0))
    before = snapshot(owned.root)
    spoofed = dataclasses.replace(owned.take("take-1"), lecture_id="mlec", status=TakeStatus.REJECTED)
    with pytest.raises(OwnershipError):
        mallory.update_take(spoofed)
    spoofed_job = dataclasses.replace(_job(status=JobStatus.FAILED), lecture_id="mlec", user="mallory")
    with pytest.raises(ValidationError, match="cannot change once recorded"):
        mallory.save_job(spoofed_job)
    assert snapshot(owned.root) == before
    # even the owner cannot rewrite what a take is, only its review state
    with pytest.raises(ValidationError, match="path cannot change"):
        owned.update_take(dataclasses.replace(owned.take("take-1"), path="media/lec/takes/take-2.mp4"))
    assert snapshot(owned.root) == before


def test_a_take_must_live_in_its_own_lecture_folder(owned) -> None:
    elsewhere = dataclasses.replace(_take(owned, "take-3"), path="media/other/takes/take-3.mp4")
    before = snapshot(owned.root)
    with pytest.raises(ValidationError, match="media folder of lecture 'lec'"):
        owned.record_take(elsewhere)
    assert snapshot(owned.root) == before


def test_images_for_a_lecture_not_created_yet_are_allowed(store) -> None:
    """A new lecture's starting images are imported before the lecture document that refers to them."""
    image = open_store(store.root, user="mallory").import_starting_image("new-lec", small_slide_png())
    assert image.path.startswith("media/new-lec/images/")


def test_drafts_are_written_only_in_the_current_users_folder(tmp_path) -> None:
    from workbench.domain.drafts import SegmentDraft
    from workbench.domain.settings import VideoOverrides

    alice = open_store(tmp_path / "store", user="alice", create=True)
    mallory = open_store(tmp_path / "store", user="mallory")
    mallory.drafts().save(
        "lec", {"seg-01": SegmentDraft(VideoOverrides.from_mapping({"movie_directions": "zoom out"}))}
    )
    assert not (tmp_path / "store" / "drafts" / "alice").exists()
    assert alice.drafts().load("lec") == {}
