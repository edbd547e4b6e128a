from __future__ import annotations

import pytest

from workbench import InvalidIdError
from workbench.domain.ids import check_id, new_id


@pytest.mark.parametrize(
    "bad", ["", "../x", "/abs", "a/b", ".hidden", "a b", "é", "x" * 65, None, 3, "a\x00"]
)
def test_ids_that_could_escape_or_confuse_are_refused(bad):
    with pytest.raises(InvalidIdError):
        check_id(bad, "segment id")


def test_messages_name_the_kind():
    with pytest.raises(InvalidIdError, match="segment id"):
        check_id("../x", "segment id")


@pytest.mark.parametrize("good", ["a", "seg-01", "Take_3", "0abc"])
def test_good_ids_pass(good):
    assert check_id(good) == good


def test_new_ids_are_valid_and_unique():
    ids = {new_id("take") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(check_id(i) for i in ids)
