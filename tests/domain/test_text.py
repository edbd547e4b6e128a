"""Control characters in free text are refused with a message that says where they are."""

from __future__ import annotations

import pytest

from workbench.domain.settings import VideoOverrides
from workbench.domain.text import check_plain_text, find_control_character, strip_control_characters
from workbench.errors import InvalidSettingError, ValidationError


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("\x00\x00\x00", (0, "\x00")),
        ("pan left\x00", (8, "\x00")),
        ("zoom \x1b[31min", (5, "\x1b")),
        ("tilt\x7f", (4, "\x7f")),
        ("push \x85in", (5, "\x85")),  # a C1 control (NEL)
        ("orbit \ud800", (6, "\ud800")),  # a lone surrogate cannot even be written as UTF-8
        ("\ufffe", (0, "\ufffe")),
    ],
)
def test_control_characters_are_found(text, where) -> None:
    assert find_control_character(text) == where
    with pytest.raises(InvalidSettingError, match=rf"U\+{ord(where[1]):04X} at position {where[0] + 1}"):
        VideoOverrides.from_mapping({"movie_directions": text})


@pytest.mark.parametrize("text", ["slow push-in\non the diagram", "pan\tleft\r\n", "zoom → 2×, café ✓ 🎥"])
def test_ordinary_text_passes(text) -> None:
    assert find_control_character(text) is None
    assert VideoOverrides.from_mapping({"movie_directions": text}).movie_directions == text


def test_only_nul_directions_are_refused_not_treated_as_text() -> None:
    with pytest.raises(InvalidSettingError, match="control character"):
        VideoOverrides(movie_directions="\x00" * 20)


def test_model_names_and_titles_are_checked_too() -> None:
    with pytest.raises(InvalidSettingError, match="model name contains"):
        VideoOverrides.from_mapping({"model": "local-camera\x00"})
    with pytest.raises(ValidationError, match="lecture title contains"):
        check_plain_text("Lenses\x07", "lecture title")
    with pytest.raises(ValidationError, match="at most 5"):
        check_plain_text("123456", "title", max_chars=5)


def test_strip_removes_only_what_check_refuses() -> None:
    assert strip_control_characters("a\x00b\nc\x1b") == "ab\nc"
