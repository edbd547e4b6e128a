"""The directions corpora, checked on rendered video: every entry renders what it says or says why not.

Two corpora of realistic directions (``corpus/directions.jsonl``, and ``corpus/heldout.jsonl`` written apart from
the parser and first scored before any tuning to it) give each direction's expected moves, targets and warnings.
Each entry is rendered on a lecture slide, the camera is measured on the video by registering every frame
(:mod:`workbench.analysis`), and the measured motion is matched to the corpus's expectation in order. An entry
passes when the video is right, or when the model warns about the moves it could not show; a wrong or still
video with no warning (silently wrong) fails.
"""

from __future__ import annotations

import re

import pytest

from tests.generation.local import corpus_cases as cc
from workbench.analysis import expected_from_plan
from workbench.generation.local import describe_directions

CASES = cc.all_cases()


@pytest.mark.parametrize("name", cc.FILES)
def test_corpus_is_well_formed(name: str) -> None:
    cases = cc.cases(name)
    assert len(cases) >= (150 if name == "directions.jsonl" else 60)
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids))
    for case in cases:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case.id), case.id
        assert case.text.strip()
        for warn in case.warn:
            assert warn == warn.lower() and warn in case.text.lower(), (case.id, warn)
        for step in case.steps:
            assert step, case.id
            for move in step:
                assert set(move) <= {"move", "dir", "speed", "to", "from", "across", "blur"}, case.id
                assert move["move"] in cc.MOVES, case.id
                if "dir" in move:
                    assert move["dir"] in cc.DIRECTIONS[move["move"]], case.id
                assert move.get("speed", "normal") in cc.SPEEDS, case.id
                for key in ("to", "from", "across"):
                    assert move.get(key) is None or move[key] in cc.PLACES, (case.id, move)


def _plan_moves(text: str) -> list[list[tuple[str, str]]]:
    """The plan's steps as (kind, direction) pairs, read the way adherence reads any take's directions."""
    plan = describe_directions(text, cc.slide()[1], seed=0)
    return [[(m.kind, m.direction) for m in step] for step in expected_from_plan(plan)] or [[("hold", "")]]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_reads_the_directions(case: cc.Case) -> None:
    """Text → plan: the expected moves, in order, each in its stated direction (extra moves are allowed only
    where the directions leave a choice open, e.g. a Ken Burns drift)."""
    got = _plan_moves(case.text)
    if not case.steps:
        assert all(m == [("hold", "")] for m in got), got
        return
    assert len(got) == len(case.steps), (case.text, got)
    for step, moves in zip(case.steps, got, strict=True):
        for move in step:
            matches = [
                m for m in moves if m[0] == move["move"] and (not move.get("dir") or m[1] == move["dir"])
            ]
            assert matches, (case.text, step, moves)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("corpus-videos")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_video_does_what_the_directions_say(case: cc.Case, videos) -> None:
    """Text → video: right, or honestly warned; never silently wrong."""
    outcome = cc.run(case, videos)
    assert outcome.verdict in ("right", "warned"), outcome.explain()
