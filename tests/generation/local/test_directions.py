"""Movie directions → camera plan: what is understood, in what order, how far, and what is reported back."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.generation.local import CameraPlan, Easing, MoveKind, describe_directions, known_words
from workbench.generation.local.plan import SPEEDS

REGIONS = {
    "diagram": (0.53, 0.21, 0.43, 0.71),
    "title": (0.0, 0.0, 1.0, 0.16),
    "bar chart": (0.1, 0.5, 0.3, 0.3),
}


def moves(plan: CameraPlan) -> list[list[tuple[str, str]]]:
    return [[(m.kind.value, m.direction) for m in step.moves] for step in plan.steps]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zoom in", [[("zoom", "in")]]),
        ("Zoom out.", [[("zoom", "out")]]),
        ("slow push-in", [[("zoom", "in")]]),
        ("dolly in", [[("zoom", "in")]]),
        ("dolly out", [[("zoom", "out")]]),
        ("pull back", [[("zoom", "out")]]),
        ("pan left", [[("pan", "left")]]),
        ("pan to the right", [[("pan", "right")]]),
        ("tilt up", [[("tilt", "up")]]),
        ("tilt down", [[("tilt", "down")]]),
        ("pan up", [[("tilt", "up")]]),
        ("truck left", [[("truck", "left")]]),
        ("track right", [[("truck", "right")]]),
        ("crane up", [[("pedestal", "up")]]),
        ("roll clockwise", [[("roll", "clockwise")]]),
        ("rotate counter-clockwise", [[("roll", "counterclockwise")]]),
        ("rotate left", [[("roll", "counterclockwise")]]),
        ("static shot", [[("static", "")]]),
        ("locked-off camera", [[("static", "")]]),
        ("hold", [[("static", "")]]),
        ("zoom in and pan left", [[("zoom", "in"), ("pan", "left")]]),
        ("zoom in then pan left", [[("zoom", "in")], [("pan", "left")]]),
        ("pan left, then tilt up, then zoom out", [[("pan", "left")], [("tilt", "up")], [("zoom", "out")]]),
        ("pan left and right", [[("pan", "left")], [("pan", "right")]]),
        ("pan left followed by a slow zoom in", [[("pan", "left")], [("zoom", "in")]]),
        ("hold for 1 second then push in", [[("static", "")], [("zoom", "in")]]),
        ("zoom back out", [[("zoom", "out")]]),
        ("pan left and up", [[("pan", "left"), ("tilt", "up")]]),
    ],
)
def test_moves_are_understood(text: str, expected: list[list[tuple[str, str]]]) -> None:
    plan = describe_directions(text, REGIONS)
    assert moves(plan) == expected
    assert not any(w.startswith("not understood") for w in plan.warnings), plan.warnings
    assert not plan.is_default


def _size(plan: CameraPlan) -> float:
    move = plan.steps[0].moves[0]
    return abs(math.log(move.magnitude)) if move.kind is MoveKind.ZOOM else abs(move.magnitude)


@pytest.mark.parametrize(
    "move", ["zoom in", "zoom out", "pan left", "tilt down", "truck right", "roll clockwise"]
)
def test_speed_words_order_magnitudes(move: str) -> None:
    sizes = {
        speed: _size(describe_directions(f"{speed} {move}".strip()))
        for speed in ("very slow", "slow", "gentle", "", "quick", "fast", "very fast")
    }
    assert sizes["very slow"] < sizes["slow"] < sizes[""] < sizes["fast"] < sizes["very fast"]
    assert sizes["gentle"] == sizes["slow"]
    assert sizes["quick"] == sizes["fast"]


def test_speeds_are_recorded() -> None:
    assert describe_directions("slowly zoom in").steps[0].moves[0].speed == "slow"
    assert describe_directions("zoom in quickly").steps[0].moves[0].speed == "fast"
    assert describe_directions("zoom in").steps[0].moves[0].speed == "normal"
    assert describe_directions("pan far left").steps[0].moves[0].speed == "fast"
    plan = describe_directions("slow zoom in and pan left fast")
    assert [m.speed for m in plan.steps[0].moves] == ["slow", "fast"]


def test_explicit_amounts() -> None:
    assert describe_directions("zoom in 2x").steps[0].moves[0].magnitude == pytest.approx(2.0)
    assert describe_directions("zoom out 2x").steps[0].moves[0].magnitude == pytest.approx(0.5)
    assert describe_directions("zoom in 20%").steps[0].moves[0].magnitude == pytest.approx(1.2)
    assert describe_directions("rotate clockwise 10 degrees").steps[0].moves[0].magnitude == pytest.approx(10)
    assert describe_directions("pan left 30%").steps[0].moves[0].magnitude == pytest.approx(-0.3)


@pytest.mark.parametrize(
    ("text", "easing"),
    [
        ("zoom in", Easing.EASE_IN_OUT),
        ("zoom in, ease in", Easing.EASE_IN),
        ("ease out zoom in", Easing.EASE_OUT),
        ("zoom in, ease in and out", Easing.EASE_IN_OUT),
        ("linear zoom in", Easing.LINEAR),
        ("zoom in at constant speed", Easing.LINEAR),
    ],
)
def test_easing(text: str, easing: Easing) -> None:
    plan = describe_directions(text)
    assert plan.steps[0].easing is easing
    assert moves(plan) == [[("zoom", "in")]]


@pytest.mark.parametrize(
    ("text", "name", "point"),
    [
        ("push in on the diagram", "diagram", (0.53 + 0.43 / 2, 0.21 + 0.71 / 2)),
        ("zoom into the bar chart", "bar chart", (0.25, 0.65)),
        ("zoom in on the top-left", "top-left", (0.25, 0.25)),
        ("zoom in towards the upper right corner", "top-right", (0.75, 0.25)),
        ("zoom in on the centre", "centre", (0.5, 0.5)),
        ("slow zoom to the bottom", "bottom", (0.5, 0.75)),
        ("tilt up to the title", "title", (0.5, 0.08)),
    ],
)
def test_focus_targets(text: str, name: str, point: tuple[float, float]) -> None:
    plan = describe_directions(text, REGIONS)
    target = plan.steps[-1].target
    assert target is not None
    assert target.name == name
    assert (target.x, target.y) == pytest.approx(point)
    assert not plan.warnings


def test_origin_and_unknown_region() -> None:
    plan = describe_directions("zoom out from the title", REGIONS)
    assert plan.steps[0].origin is not None and plan.steps[0].origin.name == "title"
    plan = describe_directions("start on the diagram, then pull back", REGIONS)
    assert moves(plan) == [[("zoom", "out")]]
    assert plan.steps[0].origin is not None and plan.steps[0].origin.name == "diagram"

    plan = describe_directions("push in on the graph", REGIONS)
    target = plan.steps[0].target
    assert target is not None and (target.x, target.y) == (0.5, 0.5)
    assert any("graph" in w and "centre" in w for w in plan.warnings)
    # Without the image's regions (a settings check), region names are not flagged.
    assert not describe_directions("push in on the graph").warnings


def test_fades() -> None:
    plan = describe_directions("fade in, slow zoom in, fade out")
    assert plan.fade_in and plan.fade_out
    assert moves(plan) == [[("zoom", "in")]]
    assert describe_directions("fade from black then pan left").fade_in
    plan = describe_directions("pan left and fade to black")
    assert plan.fade_out and not plan.fade_in


def test_durations() -> None:
    plan = describe_directions("hold for 2 seconds then zoom in for 1.5s")
    assert [s.seconds for s in plan.steps] == [2.0, 1.5]


def test_unknown_words_are_reported_not_dropped() -> None:
    plan = describe_directions("zoom in with a squiggly banana motion")
    assert moves(plan)[0] == [("zoom", "in")]
    (warning,) = [w for w in plan.warnings if w.startswith("not understood")]
    assert "squiggly banana" in warning


def test_filler_words_are_not_reported() -> None:
    plan = describe_directions("The camera slowly and gently pushes in on the slide, a smooth shot.")
    assert plan.warnings == ()
    assert moves(plan) == [[("zoom", "in")]]


def test_vague_directions_get_a_seeded_default() -> None:
    a = describe_directions("something nice", seed=1)
    b = describe_directions("something nice", seed=1)
    assert a == b
    assert a.is_default
    assert any("not understood" in w for w in a.warnings)
    assert any("push-in" in w for w in a.warnings)
    drifts = {describe_directions("something nice", seed=s).steps[0].moves[1].direction for s in range(20)}
    assert len(drifts) > 1  # the seed varies the drift


def test_missing_direction_is_chosen_by_seed_and_said() -> None:
    plan = describe_directions("pan", seed=3)
    assert plan.steps[0].moves[0].direction in ("left", "right")
    assert any("chosen by the seed" in w for w in plan.warnings)
    assert {describe_directions("pan", seed=s).steps[0].moves[0].direction for s in range(20)} == {
        "left",
        "right",
    }


def test_summary_is_human_readable() -> None:
    plan = describe_directions("slow push in on the diagram then pan left; fade out", REGIONS)
    assert plan.summary.startswith("1. zoom in")
    assert "'diagram'" in plan.summary
    assert "then 2. pan left" in plan.summary
    assert "fade out to black" in plan.summary


# -- fuzzing ------------------------------------------------------------------------------------------------

VOCABULARY = sorted(known_words())
EXTRA = [
    "wobble",
    "banana",
    "2",
    "3.5",
    "x",
    "%",
    "°",
    "seconds",
    ",",
    ".",
    "then",
    "-",
    "🙂",
    "ß",
    "1e9",
    "00",
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses(text: str) -> None:
    plan = describe_directions(text, REGIONS, seed=7)
    assert plan.steps
    assert not any("could not be read" in w for w in plan.warnings)
    assert plan.summary


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY + EXTRA), max_size=25),
    st.integers(min_value=0, max_value=2**31 - 1),
)
def test_word_soups_parse_and_report_every_unknown_word(words: list[str], seed: int) -> None:
    text = " ".join(words)
    plan = describe_directions(text, REGIONS, seed=seed)
    assert not any("could not be read" in w for w in plan.warnings)
    assert plan == describe_directions(text, REGIONS, seed=seed)
    said = " ".join(plan.warnings)
    for word in words:
        if re.fullmatch(r"[a-zß]+", word) and word not in known_words():
            assert word.casefold() in said
    for step in plan.steps:
        assert step.moves
        for move in step.moves:
            assert math.isfinite(move.magnitude)
            assert move.speed in SPEEDS
