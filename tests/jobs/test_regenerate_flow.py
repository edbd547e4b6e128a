"""The seed's Manual QA checklist 1-5, automated, plus ownership, validation and precedence end to end."""

from __future__ import annotations

import av
import pytest

from tests.conftest import snapshot
from tests.jobs.conftest import SMALL, types
from workbench import (
    EventType,
    InvalidSettingError,
    LectureSession,
    OwnershipError,
    StartingImageMissingError,
    TakeStatus,
    UnknownFieldError,
    UnknownModelError,
    accept_take,
    open_store,
    regenerate_video_segment,
    reject_take,
)
from workbench.domain.jobs import JobStatus
from workbench.errors import TakeStateError
from workbench.jobs import Runner


def _lecture_bytes(store) -> bytes:
    return (store.root / "lectures" / "lec.json").read_bytes()


async def test_happy_path_committed_player_refreshes_only_after_completion(runner, events):
    session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
    before_url = session.committed_url("seg-1")
    assert before_url is None  # no video yet; give it one first
    session.edit("seg-1", movie_directions="pan left then zoom in on the diagram", **SMALL)
    handle = session.regenerate("seg-1")
    record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW
    preview = [e for e in events if e.type is EventType.VIDEO_PREVIEW][-1]
    take = runner.store.take(preview.payload["take_id"])
    assert take.status is TakeStatus.PENDING and take.settings.movie_directions.startswith("pan left")
    with av.open(str(runner.store.media_path(take.path))) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 320, 180)
        assert sum(1 for _ in container.decode(stream)) == 12
    assert session.committed_url("seg-1") is None  # the main viewer never swaps to the preview

    seen: list[tuple[str, str | None, str | None]] = []
    session.on_change(
        lambda kind, _asset: seen.append(
            (kind, session.committed_url("seg-1"), session.draft_view("seg-1")["path"])
        )
    )
    lecture = await session.accept(take.id)
    # first the optimistic draft (preview path, committed player unchanged), then the reload on completion
    assert seen[0] == ("draft", None, take.path)
    assert seen[-1][0] == "committed" and seen[-1][1] is not None and "?v=" in seen[-1][1]
    assert lecture.asset("seg-1").path == take.path
    assert session.committed.asset("seg-1").movie_directions == "pan left then zoom in on the diagram"
    assert types(events, handle.id)[-1] == "video-complete"
    assert runner.store.take(take.id).status is TakeStatus.ACCEPTED
    assert runner.store.job(handle.id).status is JobStatus.ACCEPTED
    # same asset id: every timeline clip still resolves
    assert [lecture.asset(c.asset_id).id for c in lecture.timeline] == ["seg-1", "seg-2", "seg-3"]
    assert session.draft("seg-1").is_empty() or "movie_directions" not in session.draft("seg-1").as_dict()


async def test_reject_keeps_the_draft_and_leaves_the_lecture_byte_for_byte(runner, events):
    session = LectureSession(runner, "lec")
    committed_before = _lecture_bytes(runner.store)
    session.edit("seg-2", movie_directions="tilt up slowly", **SMALL)
    handle = session.regenerate("seg-2")
    await handle.wait()
    take_id = handle.take_id
    await session.reject(take_id)
    assert _lecture_bytes(runner.store) == committed_before
    assert session.draft("seg-2").movie_directions == "tilt up slowly"
    assert session.effective("seg-2").settings.movie_directions == "tilt up slowly"
    assert runner.store.take(take_id).status is TakeStatus.REJECTED
    assert runner.store.media_path(runner.store.take(take_id).path).exists()  # kept in history
    assert types(events, handle.id)[-1] == "video-rejected"
    with pytest.raises(TakeStateError, match="already rejected"):
        await accept_take(runner, take_id)
    assert _lecture_bytes(runner.store) == committed_before


@pytest.mark.parametrize("how", ["legacy segment", "file removed", "record removed"])
async def test_missing_starting_image_says_regenerate_it_first_and_writes_nothing(runner, events, how):
    store = runner.store
    asset_id = "seg-3" if how == "legacy segment" else "seg-1"
    if how == "file removed":
        store.media_path("media/lec/images/img-1.png").unlink()
    if how == "record removed":
        store.update_lecture("lec", lambda lec: __import__("dataclasses").replace(lec, starting_images=()))
    before = snapshot(store.root / "lectures"), snapshot(store.root / "media")
    handle = regenerate_video_segment(runner, "lec", asset_id, SMALL)
    record = await handle.wait()
    assert record.status is JobStatus.FAILED
    failure = [e for e in events if e.job_id == handle.id][-1]
    assert failure.type is EventType.JOB_FAILED
    assert failure.message == StartingImageMissingError().message == "Regenerate the starting image first."
    assert failure.payload["detail"]
    assert record.attempts == 1  # never retried
    assert (snapshot(store.root / "lectures"), snapshot(store.root / "media")) == before
    assert store.takes(asset_id=asset_id).empty


async def test_cache_validation_url_switches_from_preview_to_v_after_completion(runner):
    session = LectureSession(runner, "lec", media_base_url="http://127.0.0.1:8888/files/store/")
    session.edit("seg-1", **SMALL)
    first = session.regenerate("seg-1")
    await first.wait()
    await session.accept(first.take_id)
    committed_1 = session.committed_url("seg-1")

    session.edit("seg-1", movie_directions="zoom out fast")
    second = session.regenerate("seg-1")
    await second.wait()
    take = runner.store.take(second.take_id)
    preview_url = session.preview_url(take)
    assert "?preview=" in preview_url and "?v=" not in preview_url
    assert session.committed_url("seg-1") == committed_1  # unchanged while the preview waits
    await session.accept(take.id)
    committed_2 = session.committed_url("seg-1")
    assert committed_2.split("?")[1].startswith("v=") and committed_2 != committed_1
    assert committed_2.split("?")[0].endswith(take.path)


async def test_progress_shows_preview_and_completion_and_survives_in_the_journal(runner, events):
    handle = regenerate_video_segment(runner, "lec", "seg-1", {**SMALL, "duration_s": 3.0})
    await handle.wait()
    await accept_take(runner, handle.take_id)
    got = types(events, handle.id)
    assert got[:2] == ["job-queued", "job-started"]
    assert "job-progress" in got
    assert got[-2:] == ["video-preview", "video-complete"]
    progress = [e.fraction for e in events if e.type is EventType.JOB_PROGRESS]
    assert progress == sorted(progress) and progress[-1] == 1.0
    await runner.bus.flush()
    journal = Runner(open_store(runner.store.root)).bus.history(lecture_id="lec")
    assert [str(e.type) for e in journal if e.job_id == handle.id] == got


async def test_someone_elses_lecture_is_refused_before_anything_starts(store, lecture, runner):
    done = regenerate_video_segment(runner, "lec", "seg-1", SMALL)
    await done.wait()
    await runner.bus.flush()  # the journal writes in the background: let it settle before the snapshot
    before = {k: v for k, v in snapshot(store.root).items() if not k.startswith("runners/")}
    mallory = Runner(open_store(store.root, user="mallory"))
    with pytest.raises(OwnershipError):
        regenerate_video_segment(mallory, "lec", "seg-1", SMALL)
    with pytest.raises(OwnershipError):
        await accept_take(mallory, done.take_id)
    with pytest.raises(OwnershipError):
        await reject_take(mallory, done.take_id)
    await mallory.shutdown()
    after = snapshot(store.root)
    assert {k: v for k, v in after.items() if not k.startswith("runners/")} == before


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"duration_s": 0}, InvalidSettingError),
        ({"resolution": "321x180"}, InvalidSettingError),
        ({"movie_directions": ""}, InvalidSettingError),
        ({"colour": "red"}, UnknownFieldError),
        ({"model": "sora-99"}, UnknownModelError),
    ],
)
async def test_bad_overrides_are_refused_before_any_job_starts(runner, events, overrides, error):
    with pytest.raises(error):
        regenerate_video_segment(runner, "lec", "seg-1", overrides)
    assert events == [] and runner.store.jobs().empty


async def test_unknown_model_error_lists_the_known_ones(runner):
    with pytest.raises(UnknownModelError, match="Known models: local-camera"):
        regenerate_video_segment(runner, "lec", "seg-1", {"model": "nope"})


async def test_precedence_end_to_end_is_recorded_on_the_take(runner):
    # seg-2 has fps 12 on the segment, the project says 24, the editor overrides only the duration
    handle = regenerate_video_segment(runner, "lec", "seg-2", {"duration_s": 1.0, "resolution": "320x180"})
    await handle.wait()
    take = runner.store.take(handle.take_id)
    assert take.settings.fps == 24 and str(take.provenance["fps"]) == "project"
    assert take.settings.duration_s == 1.0 and str(take.provenance["duration_s"]) == "override"
    assert (
        take.settings.movie_directions == "pan right" and str(take.provenance["movie_directions"]) == "asset"
    )
    assert take.settings.model == "local-camera" and str(take.provenance["model"]) == "asset"
    assert take.frame_count == 24
    row = runner.store.takes(asset_id="seg-2").iloc[0]
    assert (row["fps"], row["duration_s"], row["status"]) == (24, 1.0, "pending")
