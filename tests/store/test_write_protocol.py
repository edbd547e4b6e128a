"""The durable-write protocol itself, observed with spies on ``os.fsync`` and ``os.replace``.

Crash tests cannot see a missing fsync (a SIGKILL does not lose the page cache; only a power cut does), so
these watch the calls: the new file's bytes are fsynced *before* it is renamed into place, and its folder is
fsynced *after* the rename. Dropping either fsync from ``atomic.py`` or ``tables.py`` fails a test here.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tests.conftest import small_slide_png
from workbench.domain.clock import next_timestamp
from workbench.domain.models import Resolution, SettingSource, Take, VideoSettings
from workbench.store.atomic import atomic_write_bytes


class Spy:
    """Records ("fsync", path) and ("replace", src, dst) in call order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, ...]] = []
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(fd: int) -> None:
            self.calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
            real_fsync(fd)

        def replace(src, dst, *args, **kwargs) -> None:
            self.calls.append(("replace", str(Path(src).resolve()), str(Path(dst).resolve())))
            real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "replace", replace)

    def index(self, call: tuple[str, ...]) -> int:
        assert call in self.calls, f"{call} never happened; calls were {self.calls}"
        return self.calls.index(call)

    def replaced_into(self, dst: Path) -> tuple[str, str, str]:
        found = [c for c in self.calls if c[0] == "replace" and c[2] == str(dst.resolve())]
        assert found, f"nothing was renamed into {dst}; calls were {self.calls}"
        return found[-1]  # type: ignore[return-value]

    def assert_durable_replace(self, dst: Path) -> None:
        """fsync(temp) → replace(temp, dst) → fsync(folder of dst)."""
        replace = self.replaced_into(dst)
        temp = replace[1]
        at = self.calls.index(replace)
        assert ("fsync", temp) in self.calls[:at], f"{temp} was not fsynced before it replaced {dst.name}"
        assert ("fsync", str(dst.resolve().parent)) in self.calls[at + 1 :], (
            f"the folder of {dst.name} was not fsynced after the rename"
        )


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to name file descriptors")
    return Spy(monkeypatch)


def test_atomic_write_fsyncs_the_file_before_the_rename_and_the_folder_after(tmp_path, spy) -> None:
    target = tmp_path / "doc.json"
    atomic_write_bytes(target, b"{}")
    spy.assert_durable_replace(target)
    assert target.read_bytes() == b"{}"
    assert not [p for p in tmp_path.iterdir() if p.name != "doc.json"], "a temp file was left behind"


def test_lecture_commit_follows_the_protocol(store, lecture, spy) -> None:
    edited = lecture.with_asset(dataclasses.replace(lecture.asset("seg-1"), movie_directions="tilt up"))
    store.commit_lecture(edited, expected_version=1)
    spy.assert_durable_replace(store.root / "lectures" / "lec.json")


def test_image_import_follows_the_protocol(store, spy) -> None:
    image = store.import_starting_image("lec", small_slide_png(), image_id="img-7")
    spy.assert_durable_replace(store.root / image.path)


def test_a_table_append_follows_the_protocol(store, lecture, spy) -> None:
    store.append_events(
        [{"event_id": "e1", "type": "job-progress", "time": next_timestamp(), "job_id": "j", "lecture_id": "lec",
          "asset_id": "seg-1", "message": "m", "payload_json": "{}"}]
    )  # fmt: skip
    (name,) = store._events.live_files()
    spy.assert_durable_replace(store.root / "tables" / "events" / name)


def test_a_take_file_is_durable_before_its_record(store, lecture, spy) -> None:
    path = store.new_take_path("lec", "take-1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"video bytes")
    settings = VideoSettings("pan", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    take = Take("take-1", "lec", "seg-1", "job-1", store.relative(path), settings,
                {"model": SettingSource.DEFAULT}, "tok", created_at=next_timestamp())  # fmt: skip
    spy.calls.clear()
    store.record_take(take)
    (name,) = store._takes.log.live_files()
    record = spy.calls.index(spy.replaced_into(store.root / "tables" / "takes" / name))
    assert spy.index(("fsync", str(path.resolve()))) < record, (
        "the take file was not fsynced before its record"
    )
    assert spy.index(("fsync", str(path.parent.resolve()))) < record, "the takes folder was not fsynced first"
    spy.assert_durable_replace(store.root / "tables" / "takes" / name)
