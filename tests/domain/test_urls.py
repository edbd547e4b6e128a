from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import InvalidSettingError, NotFoundError, VideoAsset, build_video_asset_url
from workbench.domain.clock import next_timestamp

BASE = "http://127.0.0.1:8888/files/store/"


def test_committed_url_uses_v_and_preview_url_uses_preview():
    asset = VideoAsset(
        "a", "img", "d", path="media/lec/takes/take-1.mp4", updated_at="2026-01-01T00:00:00.000001Z"
    )
    committed = build_video_asset_url(asset, base_url=BASE, updated_at=asset.updated_at)
    preview = build_video_asset_url(asset, base_url=BASE, preview_token="tok-1")
    assert committed == BASE + "media/lec/takes/take-1.mp4?v=2026-01-01T00%3A00%3A00.000001Z"
    assert preview == BASE + "media/lec/takes/take-1.mp4?preview=tok-1"


@pytest.mark.parametrize("keys", [{}, {"updated_at": "1", "preview_token": "t"}])
def test_exactly_one_cache_key(keys):
    with pytest.raises(InvalidSettingError, match="exactly one"):
        build_video_asset_url("a.mp4", base_url=BASE, **keys)


def test_relative_base_and_missing_video_are_refused():
    with pytest.raises(InvalidSettingError, match="not absolute"):
        build_video_asset_url("a.mp4", base_url="files/store/", updated_at="1")
    with pytest.raises(InvalidSettingError, match="not absolute"):
        build_video_asset_url("a.mp4", base_url="//evil.example/", updated_at="1")
    assert build_video_asset_url("a.mp4", base_url="/files/s/", updated_at="1") == "/files/s/a.mp4?v=1"
    with pytest.raises(NotFoundError, match="no video yet"):
        build_video_asset_url(VideoAsset("a", None, "d"), base_url=BASE, updated_at="1")


def test_base_url_without_trailing_slash():
    assert (
        build_video_asset_url("x.mp4", base_url="http://h/files", updated_at="1")
        == "http://h/files/x.mp4?v=1"
    )


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"), min_size=1, max_size=20
)


@given(parts=st.lists(_text, min_size=1, max_size=4), key=_text, preview=st.booleans())
def test_property_url_round_trips_path_and_key(parts, key, preview):
    path = "/".join(parts)
    kwargs = {"preview_token": key} if preview else {"updated_at": key}
    url = build_video_asset_url(path, base_url=BASE, **kwargs)
    split = urlsplit(url)
    assert url.startswith(BASE)
    assert [unquote(p) for p in split.path.removeprefix("/files/store/").split("/")] == parts
    query = parse_qs(split.query, keep_blank_values=True)
    assert query == {("preview" if preview else "v"): [key]}


def test_updated_at_changes_on_every_commit_even_in_the_same_microsecond():
    from datetime import UTC, datetime

    frozen = datetime(2026, 1, 1, tzinfo=UTC)
    stamps = [next_timestamp(None, frozen)]
    for _ in range(100):
        stamps.append(next_timestamp(stamps[-1], frozen))
    assert len(set(stamps)) == len(stamps)
    assert stamps == sorted(stamps)
