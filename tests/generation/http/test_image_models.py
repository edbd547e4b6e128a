"""Hosted starting-image models (FLUX-class on Replicate and fal): contract tests on the providers' documented
request/response shapes (respx: these are paid APIs), token handling, and exactly one paid run per job — also
across a kernel restart, where the journaled provider job is followed instead of created again."""

from __future__ import annotations

import asyncio
import io
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from PIL import Image

from tests.generation.http.conftest import SECRET
from tests.generation.http.provider_shapes import (
    FAL,
    REPLICATE,
    fal_status,
    fal_submitted,
    replicate_prediction,
)
from workbench import EventType, Runner, TakeStatus, accept_image_take
from workbench.domain.jobs import JobStatus
from workbench.domain.models import ImageSettings, Resolution
from workbench.errors import BackendError, InvalidSettingError, ModelConfigError
from workbench.generation.base import Progress
from workbench.generation.http import CallRetry
from workbench.generation.http.image_backend import HttpImageBackend
from workbench.generation.http.image_catalog import image_model_specs
from workbench.generation.http.image_config import parse_image_models
from workbench.generation.image_base import ImageRequest
from workbench.generation.registry import BackendRegistry, default_registry

SCHNELL = {
    "name": "flux-schnell",
    "kind": "image",
    "label": "FLUX.1 schnell (Replicate)",
    "provider": "replicate",
    "model": "black-forest-labs/flux-schnell",
    "token_env": "REPLICATE_API_TOKEN",
    "price": {"per_image": 0.003},
}
FAL_I2I = {
    "name": "flux-i2i",
    "kind": "image",
    "provider": "fal",
    "model": "fal-ai/flux/dev/image-to-image",
    "token_env": "FAL_KEY",
    "inputs": {"reference": {"name": "image_url"}, "extra": {"strength": 0.85, "output_format": "png"}},
}
CREATE = f"{REPLICATE}/models/black-forest-labs/flux-schnell/predictions"
POLL = f"{REPLICATE}/predictions/rrr9q2v1"
CANCEL = f"{REPLICATE}/predictions/rrr9q2v1/cancel"
OUTPUT = "https://replicate.delivery/xezq/abc/out-0.png"
FAL_ID = "80e732af-660e-45cd-bd63-580e4f2a94cc"
FAL_APP = f"{FAL}/fal-ai/flux"
FAL_CDN = "https://v3.fal.media/files/koala/slide.jpeg"


def picture(fmt: str = "PNG", size: tuple[int, int] = (1280, 720), colour=(40, 120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def spec_of(entry: dict[str, Any]):
    return parse_image_models({"version": 1, "models": [{"poll_interval_s": 0.5, **entry}]})[0]


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", SECRET)
    monkeypatch.setenv("FAL_KEY", SECRET)
    return SECRET


@pytest.fixture
def make(tmp_path):
    async def no_sleep(_seconds: float) -> None:
        await asyncio.sleep(0)

    def build(entry: dict[str, Any]) -> HttpImageBackend:
        return HttpImageBackend(
            spec_of(entry),
            store_root=tmp_path,
            sleep=no_sleep,
            rng=random.Random(3),
            retry=CallRetry(max_attempts=4),
        )

    return build


class Journal:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.progress: list[Progress] = []

    async def __call__(self, job_id: str) -> None:
        self.ids.append(job_id)


def request(tmp_path: Path, journal: Journal, **changes: Any) -> ImageRequest:
    settings = ImageSettings("A slide about lenses, clean vector style", "m", Resolution(1920, 1080), 7)
    values: dict[str, Any] = {
        "output_path": tmp_path / "takes" / "itake-1.png",
        "on_provider_job": journal,
        "job_id": "job-1",
    }
    values.update(changes)
    values["output_path"].parent.mkdir(parents=True, exist_ok=True)
    return ImageRequest(
        changes.pop("settings", settings), **{k: v for k, v in values.items() if k != "settings"}
    )


async def test_replicate_flux_maps_the_documented_inputs_journals_then_downloads_a_png(make, token, tmp_path):
    journal = Journal()
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        poll = mock.get(POLL).mock(
            side_effect=[
                httpx.Response(200, json=replicate_prediction(status="processing", logs="50%|█████")),
                httpx.Response(
                    200, json=replicate_prediction(status="succeeded", output=[OUTPUT], predict_time=1.2)
                ),
            ]
        )
        download = mock.get(OUTPUT).respond(200, content=picture(), headers={"Content-Type": "image/png"})
        result = await make(SCHNELL).generate(request(tmp_path, journal), journal.progress.append)
    body = json.loads(create.calls[0].request.content)
    # https://replicate.com/black-forest-labs/flux-schnell/api
    assert body == {
        "input": {
            "prompt": "A slide about lenses, clean vector style",
            "aspect_ratio": "16:9",
            "seed": 7,
            "output_format": "png",
            "num_outputs": 1,
        }
    }
    assert create.calls[0].request.headers["Authorization"] == f"Bearer {SECRET}"
    assert "authorization" not in download.calls[0].request.headers  # the token stays with the API host
    assert journal.ids == ["rrr9q2v1"] and poll.call_count == 2
    with Image.open(result.path) as img:
        assert (img.format, img.size) == ("PNG", (1280, 720))
    assert result.provider_job_id == "rrr9q2v1" and result.cost == 0.003
    assert any("made 1280x720, not 1920x1080" in w for w in result.warnings)
    assert not any(SECRET in p.message for p in journal.progress)


async def test_fal_image_to_image_sends_the_current_image_and_object_size_with_key_auth(
    make, token, tmp_path
):
    journal = Journal()
    reference = tmp_path / "media" / "lec" / "images" / "img-1.png"
    reference.parent.mkdir(parents=True)
    reference.write_bytes(picture(size=(640, 360), colour=(200, 10, 10)))
    settings = ImageSettings("The same slide in blue", "flux-i2i", Resolution(1280, 720), 0, reference=True)
    with respx.mock(assert_all_called=True) as mock:
        submit = mock.post(f"{FAL}/fal-ai/flux/dev/image-to-image").respond(
            200, json=fal_submitted(FAL_ID, "fal-ai/flux")
        )
        mock.get(f"{FAL_APP}/requests/{FAL_ID}/status", params={"logs": "1"}).mock(
            side_effect=[
                httpx.Response(202, json=fal_status("IN_QUEUE", position=2)),
                httpx.Response(200, json=fal_status("COMPLETED")),
            ]
        )
        # https://fal.ai/models/fal-ai/flux/dev/image-to-image/llms.txt (output: images[] with url, width, height)
        mock.get(f"{FAL_APP}/requests/{FAL_ID}").respond(
            200,
            json={
                "images": [{"url": FAL_CDN, "width": 1280, "height": 720, "content_type": "image/jpeg"}],
                "has_nsfw_concepts": [False],
                "seed": 42,
                "prompt": "The same slide in blue",
                "timings": {"inference": 1.9},
            },
        )
        mock.get(FAL_CDN).respond(200, content=picture("JPEG"), headers={"Content-Type": "image/jpeg"})
        backend = make(FAL_I2I)
        result = await backend.generate(
            request(tmp_path, journal, settings=settings, reference_path=reference), journal.progress.append
        )
    body = json.loads(submit.calls[0].request.content)
    assert submit.calls[0].request.headers["Authorization"] == f"Key {SECRET}"
    assert body["image_size"] == {"width": 1280, "height": 720} and body["strength"] == 0.85
    assert (
        body["image_url"].startswith("data:image/png;base64,") and body["prompt"] == "The same slide in blue"
    )
    with Image.open(result.path) as img:  # a JPEG from the CDN is stored as PNG
        assert (img.format, img.size) == ("PNG", (1280, 720))
    assert journal.ids == [FAL_ID]


async def test_a_restart_follows_the_journaled_job_and_never_creates_another(make, token, tmp_path):
    journal = Journal()
    with respx.mock(assert_all_called=False) as mock:
        create = mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).respond(200, json=replicate_prediction(status="succeeded", output=OUTPUT))
        mock.get(OUTPUT).respond(200, content=picture())
        result = await make(SCHNELL).generate(
            request(tmp_path, journal, resume_provider_job_id="rrr9q2v1"), journal.progress.append
        )
    assert create.call_count == 0 and journal.ids == []
    assert result.provider_job_id == "rrr9q2v1"
    assert any("not started again" in p.message for p in journal.progress)


async def test_a_500_on_create_is_not_repeated_and_a_429_is(make, token, tmp_path):
    with respx.mock(assert_all_called=False) as mock:
        create = mock.post(CREATE).respond(500, json={"detail": "boom"})
        with pytest.raises(BackendError):
            await make(SCHNELL).generate(request(tmp_path, Journal()), lambda _p: None)
    assert create.call_count == 1  # it may have started (and been billed): never sent twice
    with respx.mock(assert_all_called=False) as mock:
        create = mock.post(CREATE).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "1"}, json={"detail": "slow down"}),
                httpx.Response(201, json=replicate_prediction(status="succeeded", output=OUTPUT)),
            ]
        )
        mock.get(OUTPUT).respond(200, content=picture())
        await make(SCHNELL).generate(
            request(tmp_path, Journal(), output_path=tmp_path / "b.png"), lambda _p: None
        )
    assert create.call_count == 2  # nothing ran on a 429


async def test_a_blank_image_is_refused_as_moderation_and_nothing_is_kept(make, token, tmp_path):
    req = request(tmp_path, Journal())
    with respx.mock(assert_all_called=False) as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="succeeded", output=OUTPUT))
        mock.get(OUTPUT).respond(200, content=picture(colour=(0, 0, 0)))
        with pytest.raises(BackendError, match="content moderation"):
            await make(SCHNELL).generate(req, lambda _p: None)
    assert not list(req.output_path.parent.iterdir())


async def test_a_failed_prediction_is_explained_and_a_cancel_cancels_there(make, token, tmp_path):
    with respx.mock(assert_all_called=False) as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).respond(200, json=replicate_prediction(status="failed", error="NSFW content detected"))
        with pytest.raises(BackendError, match="content moderation"):
            await make(SCHNELL).generate(request(tmp_path, Journal()), lambda _p: None)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).respond(200, json=replicate_prediction(status="processing"))
        cancel = mock.post(CANCEL).respond(200, json=replicate_prediction(status="canceled"))
        task = asyncio.ensure_future(make(SCHNELL).generate(request(tmp_path, Journal()), lambda _p: None))
        while not mock.calls or len(mock.calls) < 3:  # noqa: ASYNC110 - waiting for the fake provider's polls
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert cancel.call_count == 1


def test_what_a_model_cannot_honour_is_refused_before_any_request(make, token, monkeypatch):
    backend = make(SCHNELL)
    with pytest.raises(InvalidSettingError, match="offers 1:1, 16:9"):
        backend.check(ImageSettings("x", "flux-schnell", Resolution(1000, 700), 0))
    with pytest.raises(InvalidSettingError, match="text only"):
        backend.check(ImageSettings("x", "flux-schnell", Resolution(1920, 1080), 0, reference=True))
    monkeypatch.delenv("REPLICATE_API_TOKEN")
    with pytest.raises(ModelConfigError, match="REPLICATE_API_TOKEN, which is not set") as info:
        backend.check(ImageSettings("x", "flux-schnell", Resolution(1920, 1080), 0))
    assert SECRET not in info.value.message


def test_models_json_image_entries_beside_video_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    video = {"name": "wan", "provider": "replicate", "model": "a/b", "token_env": "REPLICATE_API_TOKEN"}
    (tmp_path / "models.json").write_text(json.dumps({"version": 1, "models": [video, SCHNELL, FAL_I2I]}))
    registry = default_registry(tmp_path)
    assert registry.names() == ["local-camera", "wan"]
    assert [i.name for i in registry.image_infos()] == ["flux-i2i", "flux-schnell", "local-slide"]
    assert registry.info("flux-i2i", "image").supports >= {"reference"}
    clash = {**SCHNELL, "name": "wan"}
    (tmp_path / "models.json").write_text(json.dumps({"version": 1, "models": [video, clash]}))
    with pytest.raises(ModelConfigError, match="has the name of a video model"):
        image_model_specs(tmp_path)
    for bad, words in [
        ({**SCHNELL, "colour": "red"}, "unknown key 'colour'"),
        ({**SCHNELL, "base_url": "http://api.example.org/v1"}, "must use https"),
        ({**SCHNELL, "token_env": "r8_abc123"}, "name of an environment variable"),
        ({**SCHNELL, "provider": "runway"}, "image models can use fal, replicate"),
        ({**SCHNELL, "inputs": {"extra": {"api_key": "x"}}}, "looks like a credential"),
        ({**SCHNELL, "kind": "sound"}, None),
    ]:
        (tmp_path / "models.json").write_text(json.dumps({"version": 1, "models": [bad]}))
        with pytest.raises(ModelConfigError, match=words or "kind") as info:
            default_registry(tmp_path)
        assert "models.json" in info.value.message


async def test_through_the_runner_a_kernel_restart_resumes_the_image_job_exactly_once(store, lecture, token):
    """What a kernel that died mid-generation leaves: a job still "running", its runner gone, its provider job
    id journaled. The next runner follows that prediction (no create at all), records the take, and the image
    can be accepted."""
    from workbench.domain.clock import next_timestamp
    from workbench.domain.jobs import JobRecord
    from workbench.jobs.workflows.regenerate_image import KIND

    settings = ImageSettings("A slide", "flux-schnell", Resolution(1280, 720), 0)
    now = next_timestamp()
    store.save_job(
        JobRecord(
            "job-died", KIND, "lec", "seg-1", "ada", JobStatus.RUNNING, now, now,
            overrides={"prompt": "A slide", "model": "flux-schnell"}, settings=settings.to_dict(),
            provenance={"prompt": "override", "model": "override", "size": "project", "seed": "default",
                        "reference": "default"},
            attempts=1, provider_job_id="rrr9q2v1", runner="runner-of-a-dead-kernel",
        )
    )  # fmt: skip
    backend = HttpImageBackend(spec_of({**SCHNELL, "poll_interval_s": 0.01}), store_root=store.root)
    runner = Runner(store, BackendRegistry([backend]))
    events = []
    runner.bus.subscribe(events.append)
    try:
        with respx.mock(assert_all_called=False) as mock:
            create = mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
            mock.get(POLL).respond(200, json=replicate_prediction(status="succeeded", output=[OUTPUT]))
            mock.get(OUTPUT).respond(200, content=picture())
            async with runner:
                await runner.join()
        assert create.call_count == 0
        record = store.job("job-died")
        assert record.status is JobStatus.AWAITING_REVIEW and record.take_id
        assert [e.type for e in events if e.job_id == "job-died"][-1] is EventType.IMAGE_PREVIEW
        lecture_after = await accept_image_take(runner, record.take_id)
        assert lecture_after.starting_image("img-1").model == "flux-schnell"
        assert store.image_take(record.take_id).status is TakeStatus.ACCEPTED
    finally:
        await runner.shutdown()
