"""The store watcher sees what another process wrote (lecture commits, journaled events) and reads only that."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import OWNER
from workbench import Lecture, open_store
from workbench.jobs.events import Event, EventType


def _event(lecture_id: str, asset_id: str, kind: EventType = EventType.JOB_QUEUED) -> dict:
    return Event(kind, "job-1", lecture_id, asset_id, "Queued.").to_row()


def test_a_new_watcher_is_caught_up_and_quiet(store, lecture):
    store.append_events([_event("lec", "seg-1")])
    watcher = store.watch("lec")
    assert not watcher.poll()
    assert not watcher.poll()


def test_it_reports_another_process_commits_and_events_of_its_lecture_only(store, lecture):
    watcher = store.watch("lec")
    other = open_store(store.root)  # another process's view: its own caches
    other.update_lecture("lec", lambda lec: lec.with_asset(replace(lec.asset("seg-1"), title="Renamed")))
    other.create_lecture(Lecture("another-lecture", "proj", "Another", OWNER, 0, (), ()))
    other.append_events([_event("lec", "seg-1"), _event("another-lecture", "seg-9")])
    found = watcher.poll()
    assert found.lecture and not found.project
    assert [(row["lecture_id"], row["asset_id"]) for row in found.events] == [("lec", "seg-1")]
    assert store.lecture("lec").asset("seg-1").title == "Renamed"
    assert not watcher.poll()  # each change is reported once


def test_it_reads_only_the_journal_files_that_are_new(store, lecture, monkeypatch):
    for i in range(20):
        store.append_events([_event("lec", f"seg-{i % 3 + 1}")])
    watcher = store.watch("lec")
    reads: list[str] = []
    journal = store._events
    original = journal.read_file
    monkeypatch.setattr(journal, "read_file", lambda name: reads.append(name) or original(name))
    open_store(store.root).append_events([_event("lec", "seg-2", EventType.VIDEO_COMPLETE)])
    found = watcher.poll()
    assert len(reads) == 1 and [r["type"] for r in found.events] == ["video-complete"]


def test_project_defaults_changed_elsewhere_are_noticed(store, lecture):
    watcher = store.watch("lec")
    project = store.project("proj")
    open_store(store.root).save_project(replace(project, name="Renamed project"))
    assert watcher.poll().project


def test_a_compaction_elsewhere_does_not_replay_the_journal(store, lecture):
    for _ in range(5):
        store.append_events([_event("lec", "seg-1")])  # history from before the watcher
    watcher = store.watch("lec")
    other = open_store(store.root)
    first = _event("lec", "seg-2", EventType.VIDEO_PREVIEW)
    other.append_events([first])
    assert [r["event_id"] for r in watcher.poll().events] == [first["event_id"]]
    second = _event("lec", "seg-3", EventType.VIDEO_COMPLETE)
    other.append_events([second])
    assert other.compact()["events"] == 7  # merged before the watcher looked again
    reported = {r["event_id"] for r in watcher.poll().events}
    assert second["event_id"] in reported and reported <= {first["event_id"], second["event_id"]}
    assert not watcher.poll()
