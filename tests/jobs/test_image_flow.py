"""The seed's QA 1-5 restated for starting images, plus the rules of the image flow: accept keeps the
``startingImageId``, a video made from an older image says so, precedence with provenance, ownership and
validation before anything starts, and a segment without an image going image → video end to end."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from PIL import Image

from tests.conftest import snapshot
from tests.jobs.conftest import SMALL, types
from workbench import (
    EventType,
    ImageDefaults,
    InvalidSettingError,
    JobBusyError,
    LectureSession,
    OwnershipError,
    Resolution,
    TakeStatus,
    UnknownFieldError,
    UnknownModelError,
    accept_image_take,
    accept_take,
    open_store,
    regenerate_starting_image,
    regenerate_video_segment,
)
from workbench.domain.jobs import JobStatus
from workbench.domain.models import SettingSource
from workbench.errors import TakeStateError
from workbench.jobs.workflows.regenerate_image import NO_REFERENCE

BASE = "http://127.0.0.1:8888/files/store/"
OUTLINE = (
    "Measuring focal length\n- Move the screen\n- Find the sharpest image\nfigure chart: bars\naccent: teal"
)


def _lecture_bytes(store) -> bytes:
    return (store.root / "lectures" / "lec.json").read_bytes()


async def _image_preview(runner, asset_id: str, overrides: dict) -> str:
    handle = regenerate_starting_image(runner, "lec", asset_id, overrides)
    record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW, record.error
    return record.take_id


async def _video(runner, asset_id: str, accept: bool = True) -> str:
    record = await regenerate_video_segment(
        runner, "lec", asset_id, {**SMALL, "movie_directions": "pan right"}
    ).wait()
    assert record.status is JobStatus.AWAITING_REVIEW, record.error
    if accept:
        await accept_take(runner, record.take_id)
    return record.take_id


async def test_happy_path_image_committed_only_after_completion_and_id_kept(runner, events):
    """QA 1 + 4: edit the prompt, regenerate, review, accept; the committed image URL switches from nothing new to
    ``?v=`` only on completion, and the segment keeps its starting image id."""
    store = runner.store
    session = LectureSession(runner, "lec", media_base_url=BASE)
    before_url = session.image_url("seg-1")
    assert before_url is not None and "?v=" in before_url
    session.edit_image("seg-1", prompt=OUTLINE, size="640x360")
    assert session.effective_image("seg-1").provenance["prompt"] is SettingSource.OVERRIDE
    handle = session.regenerate_image("seg-1")
    assert handle.spec.kind == "app/regenerate-starting-image"
    record = await handle.wait()
    assert record.status is JobStatus.AWAITING_REVIEW
    preview = [e for e in events if e.type is EventType.IMAGE_PREVIEW][-1]
    take = store.image_take(preview.payload["take_id"])
    assert take.status is TakeStatus.PENDING and take.settings.prompt == OUTLINE
    with Image.open(store.media_path(take.path)) as img:
        assert (img.format, img.size) == ("PNG", (640, 360))
    assert set(take.regions) == {"title", "bullets", "chart"}
    preview_url = session.preview_url(take)
    assert "?preview=" in preview_url and "?v=" not in preview_url
    assert session.image_url("seg-1") == before_url  # the committed image never swaps to the preview

    seen: list[tuple[str, str | None]] = []
    session.on_change(
        lambda kind, asset: asset == "seg-1" and seen.append((kind, session.image_url("seg-1")))
    )
    lecture = await session.accept_image(take.id)
    assert seen[0] == ("draft", before_url)  # optimistic: the draft first, the committed image unchanged
    assert seen[-1][0] == "committed" and seen[-1][1] != before_url and "?v=" in seen[-1][1]
    asset = lecture.asset("seg-1")
    assert asset.starting_image_id == "img-1"  # same id: everything that referenced it still resolves
    image = lecture.starting_image("img-1")
    assert image.path == take.path and (image.width, image.height) == (640, 360)
    assert (
        image.prompt == OUTLINE and image.model == "local-slide" and dict(image.regions) == dict(take.regions)
    )
    assert lecture.asset("seg-2").starting_image_id == "img-1"  # seg-2 shares it, and now shows it too
    assert store.image_take(take.id).status is TakeStatus.ACCEPTED
    assert store.job(handle.id).status is JobStatus.ACCEPTED
    assert types(events, handle.id)[-1] == "image-complete"
    # the committed prompt now says what the draft said: the draft no longer needs it
    assert "prompt" not in session.image_draft("seg-1").as_dict()
    assert session.effective_image("seg-1").settings.prompt == OUTLINE


async def test_reject_keeps_the_prompt_in_the_draft_and_the_lecture_byte_for_byte(runner, events):
    """QA 2."""
    session = LectureSession(runner, "lec", media_base_url=BASE)
    session.edit_image("seg-2", prompt="Pan across the lens\n- a bullet")
    before = _lecture_bytes(runner.store)
    url = session.image_url("seg-2")
    record = await session.regenerate_image("seg-2").wait()
    take = await session.reject_image(record.take_id)
    assert take.status is TakeStatus.REJECTED
    assert _lecture_bytes(runner.store) == before
    assert session.image_url("seg-2") == url
    assert session.image_draft("seg-2").prompt == "Pan across the lens\n- a bullet"
    assert runner.store.media_path(take.path).exists()  # rejected takes stay in history
    assert [e.type for e in events if e.job_id == record.id][-1] is EventType.IMAGE_REJECTED
    with pytest.raises(TakeStateError):
        await accept_image_take(runner, take.id)


async def test_a_segment_without_an_image_goes_image_then_video_end_to_end(runner):
    """QA 3 restated: the segment that says "Regenerate the starting image first." gets one here, under a new
    id, and its video can then be regenerated from it."""
    store = runner.store
    with pytest.raises(InvalidSettingError, match="no starting image to start from"):
        regenerate_starting_image(runner, "lec", "seg-3", {"reference": True, "prompt": "The eye"})
    assert NO_REFERENCE.startswith("This segment has no starting image to start from")
    with pytest.raises(InvalidSettingError, match="prompt is empty"):  # untitled, no prompt on record
        regenerate_starting_image(runner, "lec", "seg-3")
    assert store.jobs().empty
    session = LectureSession(runner, "lec", media_base_url=BASE)
    resolved = session.effective_image("seg-3")
    assert resolved.settings.size == Resolution(640, 360)  # the project's video resolution
    assert resolved.provenance["size"] is SettingSource.PROJECT
    take_id = await _image_preview(runner, "seg-3", {"prompt": "The eye as a camera"})
    lecture = await accept_image_take(runner, take_id)
    image_id = lecture.asset("seg-3").starting_image_id
    assert image_id is not None and image_id != "img-1"
    video_take = await _video(runner, "seg-3", accept=False)
    take = store.take(video_take)
    assert take.starting_image_version == lecture.starting_image(image_id).version
    committed = await accept_take(runner, video_take)
    assert committed.asset("seg-3").path == take.path
    assert not committed.video_is_outdated("seg-3")


async def test_a_video_made_from_an_older_image_says_so_until_regenerated(runner):
    store = runner.store
    await _video(runner, "seg-2")
    assert not store.lecture("lec").video_is_outdated("seg-2")
    # a video preview made from the current image, accepted only after the image changed, is outdated too
    stale_take = await _video(runner, "seg-1", accept=False)
    await accept_image_take(runner, await _image_preview(runner, "seg-2", {"prompt": OUTLINE}))
    lecture = store.lecture("lec")
    assert lecture.video_is_outdated("seg-2")
    lecture = await accept_take(runner, stale_take)
    assert lecture.video_is_outdated("seg-1")
    assert store.segments("lec").set_index("asset_id").loc["seg-2", "video_outdated"]
    session = LectureSession(runner, "lec", media_base_url=BASE)
    assert session.segment("seg-2").video_outdated and session.video_outdated("seg-2")
    await _video(runner, "seg-2")
    assert not store.lecture("lec").video_is_outdated("seg-2")  # never regenerated by itself: we did it here


async def test_cache_urls_switch_from_preview_to_v_after_completion(runner):
    """QA 4: capture the image URL before and after acceptance."""
    session = LectureSession(runner, "lec", media_base_url=BASE)
    take_id = await _image_preview(runner, "seg-1", {"prompt": OUTLINE})
    take = runner.store.image_take(take_id)
    dialog_url = session.preview_url(take)
    assert dialog_url.endswith(f"?preview={take.preview_token}")
    await session.accept_image(take_id)
    committed = session.image_url("seg-1")
    image = session.committed.starting_image("img-1")
    assert committed.endswith(f"?v={image.version.replace(':', '%3A')}")
    assert committed.split("?")[0] == dialog_url.split("?")[0]  # the same file, now under its ?v= key


async def test_progress_shows_preview_and_completion_and_survives_in_the_journal(runner, events):
    """QA 5."""
    take_id = await _image_preview(runner, "seg-1", {"prompt": OUTLINE})
    await accept_image_take(runner, take_id)
    job_id = runner.store.image_take(take_id).job_id
    live = types(events, job_id)
    assert live[0] == "job-queued" and "job-started" in live and "job-progress" in live
    assert live[-2:] == ["image-preview", "image-complete"]
    await runner.bus.flush()
    journal = open_store(runner.store.root).events(job_id=job_id)
    assert list(journal["type"])[-2:] == ["image-preview", "image-complete"]


async def test_someone_elses_lecture_is_refused_before_anything_starts(store, lecture, runner):
    before = snapshot(store.root)
    other = open_store(store.root, user="mallory")
    from workbench import Runner

    intruder = Runner(other)
    try:
        with pytest.raises(OwnershipError):
            regenerate_starting_image(intruder, "lec", "seg-1", {"prompt": "mine now"})
    finally:
        await intruder.shutdown()
    assert {k: v for k, v in snapshot(store.root).items() if not k.startswith("runners/")} == {
        k: v for k, v in before.items() if not k.startswith("runners/")
    }


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"prompt": "   "}, InvalidSettingError, "prompt is empty"),
        ({"prompt": "x", "size": "10x10"}, InvalidSettingError, "out of range"),
        ({"prompt": "x", "colour": "red"}, UnknownFieldError, "colour"),
        ({"prompt": "x", "model": "dall-e"}, UnknownModelError, "local-slide"),
        ({"prompt": "x", "model": "local-camera"}, UnknownModelError, "video model"),
        ({"prompt": "bad \x00 byte"}, InvalidSettingError, "control character"),
    ],
)
async def test_bad_image_overrides_are_refused_before_any_job_starts(runner, overrides, error, words):
    with pytest.raises(error, match=words):
        regenerate_starting_image(runner, "lec", "seg-1", overrides)
    assert runner.store.jobs().empty


async def test_precedence_end_to_end_is_recorded_on_the_take(runner):
    store = runner.store
    project = store.project("proj")
    store.save_project(dataclasses.replace(project, image_defaults=ImageDefaults(size=Resolution(800, 450))))
    take_id = await _image_preview(runner, "seg-2", {"prompt": OUTLINE, "seed": 7})
    take = store.image_take(take_id)
    assert take.settings.size == Resolution(800, 450) and take.settings.seed == 7
    assert take.provenance == {
        "prompt": SettingSource.OVERRIDE,
        "model": SettingSource.DEFAULT,
        "size": SettingSource.PROJECT,
        "seed": SettingSource.OVERRIDE,
        "reference": SettingSource.DEFAULT,
    }
    await accept_image_take(runner, take_id)
    # the accepted image's own settings are now "this segment" for the next regeneration
    take2 = store.image_take(await _image_preview(runner, "seg-2", {}))
    assert take2.settings.prompt == OUTLINE and take2.settings.seed == 7
    assert (
        take2.provenance["prompt"] is SettingSource.ASSET and take2.provenance["seed"] is SettingSource.ASSET
    )


async def test_one_job_per_segment_whatever_it_makes(runner):
    handle = regenerate_starting_image(runner, "lec", "seg-1", {"prompt": OUTLINE, "size": "3840x2160"})
    with pytest.raises(JobBusyError):
        regenerate_video_segment(runner, "lec", "seg-1", SMALL)
    await handle.wait()


async def test_the_same_outline_gives_the_same_pixels(runner):
    first = runner.store.image_take(await _image_preview(runner, "seg-1", {"prompt": OUTLINE, "seed": 3}))
    second = runner.store.image_take(await _image_preview(runner, "seg-2", {"prompt": OUTLINE, "seed": 3}))
    assert first.path != second.path
    assert (
        runner.store.media_path(first.path).read_bytes() == runner.store.media_path(second.path).read_bytes()
    )


async def test_cancel_leaves_no_image_file(runner, events):
    handle = regenerate_starting_image(runner, "lec", "seg-1", {"prompt": OUTLINE, "size": "3840x2160"})
    handle.cancel()
    record = await handle.wait()
    assert record.status is JobStatus.CANCELLED
    takes = runner.store.media_dir("lec", "takes")
    assert not takes.exists() or not [p for p in takes.iterdir() if p.suffix == ".png"]
    assert runner.store.image_takes().empty


async def test_crash_between_commit_and_take_update_is_completed_on_reopen(runner, monkeypatch):
    from workbench.jobs.recovery import recover_store
    from workbench.store import LectureStore

    take_id = await _image_preview(runner, "seg-1", {"prompt": OUTLINE})

    def crash(self, take, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(LectureStore, "update_image_take", crash)
    with pytest.raises(RuntimeError):
        await accept_image_take(runner, take_id)
    monkeypatch.undo()
    store = open_store(runner.store.root)
    assert store.lecture("lec").starting_image("img-1").path == store.image_take(take_id).path
    report = recover_store(store)
    assert take_id in report.completed_accepts
    assert store.image_take(take_id).status is TakeStatus.ACCEPTED


async def test_recovery_keeps_committed_and_recorded_images_and_trashes_orphans(runner):
    from workbench.jobs.recovery import recover_store

    accepted = await _image_preview(runner, "seg-1", {"prompt": OUTLINE})
    await accept_image_take(runner, accepted)
    pending = await _image_preview(runner, "seg-2", {"prompt": OUTLINE})
    store = runner.store
    orphan = store.new_image_take_path("lec", "itake-orphan")
    orphan.write_bytes(store.media_path(store.image_take(pending).path).read_bytes())
    await runner.shutdown()
    report = recover_store(open_store(store.root))
    assert report.trashed == ("media/lec/takes/itake-orphan.png",)
    assert store.media_path(store.image_take(accepted).path).exists()
    assert store.media_path(store.image_take(pending).path).exists()


async def test_a_kernel_restart_finds_pending_image_previews(runner):
    from workbench import pending_image_previews

    take_id = await _image_preview(runner, "seg-1", {"prompt": OUTLINE})
    fresh = open_store(runner.store.root)
    assert [t.id for t in pending_image_previews(fresh, "lec")] == [take_id]
    assert fresh.segments("lec").set_index("asset_id").loc["seg-1", "status"] == "preview pending"
    await asyncio.sleep(0)
