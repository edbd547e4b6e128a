"""Drafts know what they were typed against: conflicts with newer commits, and values equal to the committed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workbench import Resolution, VideoAsset
from workbench.domain.drafts import SegmentDraft, committed_value
from workbench.errors import InvalidSettingError

ASSET = VideoAsset("seg-1", "img-1", "slow push-in", duration_s=4.0, seed=3)


def test_a_first_edit_records_the_committed_value_it_was_typed_against():
    draft = SegmentDraft().changed({"resolution": "854x480", "movie_directions": "pan left"}, ASSET)
    assert draft.overrides.as_dict() == {"resolution": "854x480", "movie_directions": "pan left"}
    assert draft.base == {"resolution": None, "movie_directions": "slow push-in"}
    again = draft.changed({"movie_directions": "pan right"}, replace(ASSET, movie_directions="moved on"))
    assert again.base["movie_directions"] == "slow push-in"  # an edit keeps its original base
    assert again.without(["movie_directions"]).base == {"resolution": None}


def test_a_refused_value_changes_nothing():
    draft = SegmentDraft().changed({"duration_s": 2}, ASSET)
    with pytest.raises(InvalidSettingError):
        draft.changed({"duration_s": 999}, ASSET)
    assert draft.overrides.duration_s == 2.0


def test_a_commit_that_changes_an_edited_field_is_a_conflict_until_resolved():
    draft = SegmentDraft().changed({"resolution": "854x480", "seed": 3}, ASSET)
    assert draft.conflicts(ASSET) == ()
    moved = replace(ASSET, resolution=Resolution(640, 360), seed=9)
    clash = {c.name: c for c in draft.conflicts(moved)}
    assert set(clash) == {"resolution", "seed"}
    assert (clash["resolution"].mine, clash["resolution"].base, clash["resolution"].committed) == (
        "854x480",
        None,
        "640x360",
    )
    assert draft.rebased(moved, ["resolution"]).conflicts(moved)[0].name == "seed"
    assert draft.rebased(moved).conflicts(moved) == ()


def test_a_commit_that_lands_on_my_value_is_no_conflict_but_is_shown_as_committed():
    draft = SegmentDraft().changed({"resolution": "640x360", "duration_s": 4}, ASSET)
    accepted = replace(ASSET, resolution=Resolution(640, 360))
    assert draft.conflicts(accepted) == ()
    assert draft.same_as_committed(accepted) == {"resolution", "duration_s"}  # 4 == 4.0
    assert committed_value(replace(ASSET, movie_directions=""), "movie_directions") is None


def test_stored_form_round_trips_and_is_validated():
    draft = SegmentDraft().changed(
        {"fps": 12, "model": "local-camera"}, ASSET, at="2026-01-01T00:00:00.000000Z"
    )
    assert SegmentDraft.from_json(draft.to_json()) == draft
    with pytest.raises(InvalidSettingError):
        SegmentDraft.from_json({"overrides": {"fps": 1000}})
    loaded = SegmentDraft.from_json({"overrides": {"seed": 1}, "base": {"seed": 0, "bogus": 1, "fps": 2}})
    assert loaded.base == {"seed": 0}
