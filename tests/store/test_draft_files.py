"""Drafts on disk: per user and lecture, merged per segment, atomic, and a damaged file is set aside."""

from __future__ import annotations

import json

import pytest

from workbench import VideoAsset, open_store
from workbench.domain.drafts import SegmentDraft
from workbench.errors import InvalidIdError, StoreError
from workbench.store.drafts import DRAFTS_FORMAT

_ASSET = VideoAsset("seg-1", None, "push in")


def _draft(**overrides) -> SegmentDraft:
    return SegmentDraft().changed(overrides, _ASSET)


def test_saved_drafts_come_back_in_a_new_process_view(store):
    store.drafts().save(
        "lec", {"seg-1": _draft(resolution="854x480"), "seg-2": _draft(movie_directions="tilt")}
    )
    again = open_store(store.root).drafts().load("lec")
    assert again["seg-1"].overrides.as_dict() == {"resolution": "854x480"}
    assert again["seg-2"].base == {"movie_directions": "push in"}
    path = store.root / "drafts" / "ada" / "lec.json"
    assert json.loads(path.read_text())["format"] == DRAFTS_FORMAT
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_saves_merge_per_segment_so_two_kernels_keep_both_edits(store):
    one, two = store.drafts(), open_store(store.root).drafts()
    one.save("lec", {"seg-1": _draft(seed=1)})
    two.save("lec", {"seg-2": _draft(seed=2)})
    one.save("lec", {"seg-1": _draft(seed=3)})
    loaded = store.drafts().load("lec")
    assert {k: d.overrides.seed for k, d in loaded.items()} == {"seg-1": 3, "seg-2": 2}
    one.save("lec", {"seg-1": None})
    two.save("lec", {"seg-2": SegmentDraft()})  # an empty draft removes the entry
    assert store.drafts().load("lec") == {}
    assert not (store.root / "drafts" / "ada" / "lec.json").exists()


def test_each_user_has_their_own_drafts(store):
    store.drafts().save("lec", {"seg-1": _draft(seed=1)})
    bob = open_store(store.root, user="bob").drafts()
    assert bob.load("lec") == {}
    bob.save("lec", {"seg-1": _draft(seed=7)})
    assert store.drafts().load("lec")["seg-1"].overrides.seed == 1
    with pytest.raises(InvalidIdError):
        store.drafts().save("../escape", {"seg-1": _draft(seed=1)})


def test_a_damaged_file_is_moved_aside_and_reported_never_overwritten(store):
    path = store.root / "drafts" / "ada" / "lec.json"
    path.parent.mkdir(parents=True)
    path.write_text("{ not json")
    with pytest.raises(StoreError, match=r"moved to lec\.json\.damaged-"):
        store.drafts().load("lec")
    aside = [p for p in path.parent.iterdir() if p.name.startswith("lec.json.damaged-")]
    assert len(aside) == 1 and aside[0].read_text() == "{ not json"
    store.drafts().save("lec", {"seg-1": _draft(seed=1)})
    assert store.drafts().load("lec")["seg-1"].overrides.seed == 1


def test_an_entry_that_no_longer_validates_is_skipped_alone(store):
    path = store.root / "drafts" / "ada" / "lec.json"
    path.parent.mkdir(parents=True)
    good = _draft(seed=1).to_json()
    path.write_text(
        json.dumps(
            {"format": DRAFTS_FORMAT, "segments": {"seg-1": good, "seg-2": {"overrides": {"fps": 999}}}}
        )
    )
    assert list(store.drafts().load("lec")) == ["seg-1"]
