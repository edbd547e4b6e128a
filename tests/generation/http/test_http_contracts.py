"""Contract tests: each provider's documented request/response shapes, mocked with respx (paid APIs only).

Success for every provider, then the reliability rules on Replicate's shapes (and fal/Runway where they
differ; Cog's own protocol is in ``test_cog_protocol`` and against real servers in ``test_cog_real``): 429 with Retry-After, 500 then success, timeouts, failed predictions in words, cancel at the
provider, resume without a second create, authorization never leaving the API's host, and downloads that
are partial, garbage or the wrong length never becoming the output.
"""

from __future__ import annotations

import asyncio
import base64
import json

import av
import httpx
import pytest
import respx

from tests.generation.http.conftest import SECRET, mp4_bytes, settings
from tests.generation.http.provider_shapes import (
    CDN,
    DELIVERY,
    FAL,
    LUMA,
    REPLICATE,
    RUNWAY,
    fal_status,
    fal_submitted,
    luma_generation,
    replicate_prediction,
    runway_task,
)
from workbench.domain.models import Resolution
from workbench.errors import BackendError, TransientBackendError

WAN = {
    "name": "wan",
    "label": "Lecture i2v (Replicate)",
    "provider": "replicate",
    "model": "acme/lecture-i2v",
    "token_env": "REPLICATE_API_TOKEN",
    "inputs": {
        "duration": {"name": "num_frames", "format": "frames"},
        "resolution": {"name": "resolution", "format": "{short}p"},
        "fps": "frames_per_second",
        "seed": "seed",
    },
    "price": {"per_predict_second": 0.002},
}
CREATE = f"{REPLICATE}/models/acme/lecture-i2v/predictions"
POLL = f"{REPLICATE}/predictions/rrr9q2v1"
CANCEL = f"{REPLICATE}/predictions/rrr9q2v1/cancel"


def video(duration_s: float = 1.0, fps: int = 12) -> httpx.Response:
    return httpx.Response(200, content=mp4_bytes(duration_s, fps), headers={"Content-Type": "video/mp4"})


def decoded_frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def no_leftovers(request) -> bool:
    """Neither the output nor its partial download exists."""
    out = request.output_path
    return not out.exists() and not out.with_name(f".{out.name}.part").exists()


# -- success, provider by provider -----------------------------------------------------------------------------


async def test_replicate_success_maps_inputs_journals_and_records_the_take_facts(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).mock(
            side_effect=[
                httpx.Response(
                    200, json=replicate_prediction(status="processing", logs="loading\n 40%|████ ")
                ),
                httpx.Response(
                    200, json=replicate_prediction(status="succeeded", output=DELIVERY, predict_time=12.5)
                ),
            ]
        )
        download = mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request, recorder)

    sent = create.calls[0].request
    body = json.loads(sent.content)["input"]
    assert body["prompt"] == "slow push-in on the diagram"
    assert (body["num_frames"], body["resolution"], body["frames_per_second"], body["seed"]) == (
        12,
        "90p",
        12,
        3,
    )
    assert body["image"].startswith("data:image/png;base64,")
    assert base64.b64decode(body["image"].split(",", 1)[1]) == request.image_path.read_bytes()
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert "authorization" not in download.calls[0].request.headers  # the CDN never sees the token
    assert recorder.journaled == ["rrr9q2v1"]
    assert (result.provider, result.provider_job_id) == ("replicate", "rrr9q2v1")
    assert result.cost == pytest.approx(12.5 * 0.002)
    assert {"submit_s", "queue_s", "run_s", "predict_s", "download_s", "check_s", "wall_s"} <= set(
        result.timings
    )
    assert result.timings["predict_s"] == 12.5
    assert (result.frame_count, result.width, result.height, result.codec) == (12, 160, 90, "h264")
    assert decoded_frames(result.path) == 12 and result.path == request.output_path
    fractions = [p.fraction for p in recorder.progress]
    assert fractions == sorted(fractions)
    assert max(f for f in fractions if f < 0.9) == pytest.approx(0.05 + 0.85 * 0.4)  # "40%" in the logs
    assert any("Waiting for a Replicate GPU" in m for m in recorder.messages)


async def test_replicate_pinned_version_uses_the_predictions_endpoint(
    make_backend, request_for, recorder, token
):
    backend = make_backend({**WAN, "model": "acme/lecture-i2v:5a8f1c"})
    with respx.mock() as mock:
        create = mock.post(f"{REPLICATE}/predictions").respond(
            201, json=replicate_prediction(status="succeeded", output=[DELIVERY])
        )
        mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request_for(settings("wan")), recorder)
    assert json.loads(create.calls[0].request.content)["version"] == "5a8f1c"
    assert result.frame_count == 12


async def test_replicate_upload_mode_sends_the_image_to_the_files_api_first(
    make_backend, request_for, recorder, token
):
    backend = make_backend({**WAN, "inputs": {**WAN["inputs"], "image": {"as": "upload"}}})
    uploaded = f"{REPLICATE}/files/file-123/download"
    with respx.mock(assert_all_called=True) as mock:
        files = mock.post(f"{REPLICATE}/files").respond(
            201, json={"id": "file-123", "urls": {"get": uploaded}, "content_type": "image/png"}
        )
        create = mock.post(CREATE).respond(
            201, json=replicate_prediction(status="succeeded", output=DELIVERY)
        )
        mock.get(DELIVERY).mock(return_value=video())
        await backend.generate(request_for(settings("wan")), recorder)
    upload = files.calls[0].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data") and b"img-1.png" in upload.content
    assert json.loads(create.calls[0].request.content)["input"]["image"] == uploaded


async def test_an_expired_output_says_to_regenerate(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.get(POLL).respond(200, json=replicate_prediction(status="succeeded", output=DELIVERY))
        mock.get(DELIVERY).respond(404, text="Not Found")
        with pytest.raises(
            BackendError, match=r"no longer available from Lecture i2v \(Replicate\) \(HTTP 404\)"
        ):
            await backend.generate(request_for(settings("wan"), resume_provider_job_id="rrr9q2v1"), recorder)


async def test_fal_queue_success_with_key_auth_queue_position_and_logs(
    make_backend, request_for, recorder, token
):
    backend = make_backend(
        {
            "name": "kling",
            "provider": "fal",
            "model": "fal-ai/kling-video/v1/standard/image-to-video",
            "token_env": "FAL_KEY",
            "inputs": {"duration": {"name": "duration", "format": "{seconds}", "allowed": [5, 10]}},
        }
    )
    rid = "80e732af-660e-45cd-bd63-580e4f2a94cc"
    app = f"{FAL}/fal-ai/kling-video/requests/{rid}"
    with respx.mock(assert_all_called=True) as mock:
        submit = mock.post(f"{FAL}/fal-ai/kling-video/v1/standard/image-to-video").respond(
            200, json=fal_submitted(rid)
        )
        mock.get(f"{app}/status?logs=1").mock(
            side_effect=[
                httpx.Response(202, json=fal_status("IN_QUEUE", position=2)),
                httpx.Response(202, json=fal_status("IN_PROGRESS", logs=["step 10/40"])),
                httpx.Response(200, json=fal_status("COMPLETED")),
            ]
        )
        mock.get(app).respond(200, json={"video": {"url": CDN, "content_type": "video/mp4"}})
        mock.get(CDN).mock(return_value=video(5.0))
        result = await backend.generate(request_for(settings("kling", duration_s=5.0)), recorder)
    assert submit.calls[0].request.headers["Authorization"] == f"Key {SECRET}"
    body = json.loads(submit.calls[0].request.content)
    assert (body["duration"], body["prompt"]) == ("5", "slow push-in on the diagram")
    assert body["image_url"].startswith("data:image/png;base64,")
    assert "In fal's queue (position 2)…" in recorder.messages and "step 10/40" in recorder.messages
    assert (result.provider_job_id, result.timings["predict_s"]) == (rid, 41.5)


async def test_runway_success_sends_version_header_ratio_and_warns_about_the_size_it_made(
    make_backend, request_for, recorder, token
):
    backend = make_backend(
        {"name": "gen4", "provider": "runway", "model": "gen4_turbo", "token_env": "RUNWAYML_API_SECRET"}
    )
    task = "17f20503-6c24-4c16-946b-35dbbce2af2f"
    request = request_for(settings("gen4", duration_s=5.0, resolution=Resolution(1280, 720)))
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(f"{RUNWAY}/image_to_video").respond(200, json={"id": task})
        mock.get(f"{RUNWAY}/tasks/{task}").mock(
            side_effect=[
                httpx.Response(200, json=runway_task(task, "THROTTLED")),
                httpx.Response(200, json=runway_task(task, "RUNNING", progress=0.5)),
                httpx.Response(200, json=runway_task(task, "SUCCEEDED", output=[CDN])),
            ]
        )
        mock.get(CDN).mock(return_value=video(5.0))
        result = await backend.generate(request, recorder)
    sent = create.calls[0].request
    assert sent.headers["X-Runway-Version"] == "2024-11-06"
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    body = json.loads(sent.content)
    assert {k: body[k] for k in ("model", "promptText", "ratio", "duration", "seed")} == {
        "model": "gen4_turbo",
        "promptText": "slow push-in on the diagram",
        "ratio": "1280:720",
        "duration": 5,
        "seed": 3,
    }
    assert body["promptImage"].startswith("data:image/png;base64,")
    assert any("holding the task" in m for m in recorder.messages)
    assert result.warnings == ("gen4 made 160x90, not 1280x720.",) and result.frame_count == 60


async def test_luma_success_sends_the_image_by_url_as_keyframe0(make_backend, request_for, recorder, token):
    backend = make_backend(
        {
            "name": "ray2",
            "provider": "luma",
            "model": "ray-2",
            "token_env": "LUMA_API_KEY",
            "inputs": {"image": {"base_url": "https://media.example.org/store"}},
        }
    )
    gid = "123e4567-e89b-12d3-a456-426614174000"
    with respx.mock(assert_all_called=True) as mock:
        create = mock.post(f"{LUMA}/generations/video").respond(201, json=luma_generation(gid, "queued"))
        mock.get(f"{LUMA}/generations/{gid}").mock(
            side_effect=[
                httpx.Response(200, json=luma_generation(gid, "dreaming")),
                httpx.Response(200, json=luma_generation(gid, "completed", video=CDN)),
            ]
        )
        mock.get(CDN).mock(return_value=video(5.0))
        result = await backend.generate(
            request_for(settings("ray2", duration_s=5.0, resolution=Resolution(1280, 720))), recorder
        )
    body = json.loads(create.calls[0].request.content)
    assert body == {
        "model": "ray-2",
        "prompt": "slow push-in on the diagram",
        "keyframes": {
            "frame0": {"type": "image", "url": "https://media.example.org/store/media/lec/images/img-1.png"}
        },
        "duration": "5s",
        "aspect_ratio": "16:9",
        "resolution": "720p",
    }
    assert "Dreaming on Luma…" in recorder.messages and result.provider_job_id == gid


# -- retries -----------------------------------------------------------------------------------------------------


async def test_429_with_retry_after_waits_that_long_then_creates_once(
    make_backend, request_for, recorder, sleeps, token
):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        create = mock.post(CREATE).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "2"}, json={"detail": "Request was throttled."}),
                httpx.Response(201, json=replicate_prediction(status="succeeded", output=DELIVERY)),
            ]
        )
        mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request_for(settings("wan")), recorder)
    assert create.call_count == 2 and result.provider_job_id == "rrr9q2v1"
    assert 2.0 <= sleeps[0] <= 2.2  # Retry-After honoured, with a little jitter on top
    assert any("rate-limiting" in m and "Retrying in 2." in m for m in recorder.messages)


async def test_500_then_success_while_polling(make_backend, request_for, recorder, sleeps, token):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        poll = mock.get(POLL).mock(
            side_effect=[
                httpx.Response(500, text="Internal Server Error"),
                httpx.Response(503, json={"detail": "overloaded"}, headers={"Retry-After": "1"}),
                httpx.Response(200, json=replicate_prediction(status="succeeded", output=DELIVERY)),
            ]
        )
        mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request_for(settings("wan")), recorder)
    assert poll.call_count == 3 and result.frame_count == 12
    assert 0.25 <= sleeps[0] <= 0.5 and 1.0 <= sleeps[1] <= 1.1  # jittered backoff, then Retry-After
    assert any("server problem (HTTP 500)" in m for m in recorder.messages)


async def test_a_500_on_create_is_not_repeated_because_it_may_have_started(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        create = mock.post(CREATE).respond(500, json={"detail": "internal error"})
        with pytest.raises(BackendError, match="did not confirm the new job") as caught:
            await backend.generate(request_for(settings("wan")), recorder)
    assert create.call_count == 1 and not isinstance(caught.value, TransientBackendError)
    assert "dashboard" in caught.value.message


async def test_a_read_timeout_while_polling_is_retried(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).mock(
            side_effect=[
                httpx.ReadTimeout("timed out"),
                httpx.Response(200, json=replicate_prediction(status="succeeded", output=DELIVERY)),
            ]
        )
        mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request_for(settings("wan")), recorder)
    assert result.frame_count == 12
    assert any("did not answer in time" in m for m in recorder.messages)


async def test_retries_run_out_as_a_transient_error_for_the_runner(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        poll = mock.get(POLL).respond(502, text="Bad Gateway")
        request = request_for(settings("wan"))
        with pytest.raises(TransientBackendError, match="HTTP 502"):
            await backend.generate(request, recorder)
    assert poll.call_count == 4 and no_leftovers(request)
    assert recorder.journaled == [
        "rrr9q2v1"
    ]  # the runner's retry resumes this job, it does not create another


async def test_overall_timeout_cancels_the_job_at_the_provider(make_backend, request_for, recorder, token):
    backend = make_backend({**WAN, "timeout_s": 1, "poll_interval_s": 0.05}, sleep=asyncio.sleep)
    request = request_for(settings("wan"))
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).respond(200, json=replicate_prediction(status="processing"))
        cancel = mock.post(CANCEL).respond(200, json=replicate_prediction(status="canceled"))
        with pytest.raises(
            BackendError, match=r"did not finish within 1 s \(job rrr9q2v1\); it was cancelled"
        ):
            await backend.generate(request, recorder)
    assert cancel.call_count == 1 and no_leftovers(request)


# -- failures in words ---------------------------------------------------------------------------------------------


async def test_a_failed_prediction_becomes_a_human_message(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).respond(
            200,
            json=replicate_prediction(
                status="failed", error="CUDA out of memory. Tried to allocate 2.00 GiB"
            ),
        )
        with pytest.raises(BackendError) as caught:
            await backend.generate(request, recorder)
    assert caught.value.message == (
        "Lecture i2v (Replicate) could not make this video: CUDA out of memory. Tried to allocate 2.00 GiB. "
        "Regenerate to try again; if it keeps failing, try another model."
    )
    assert not isinstance(caught.value, TransientBackendError) and no_leftovers(request)


async def test_moderation_and_invalid_input_get_their_own_advice(make_backend, request_for, recorder, token):
    backend = make_backend(
        {"name": "gen4", "provider": "runway", "model": "gen4_turbo", "token_env": "RUNWAYML_API_SECRET"}
    )
    task = "t-1"
    request = request_for(settings("gen4", duration_s=5.0, resolution=Resolution(1280, 720)))
    with respx.mock() as mock:
        mock.post(f"{RUNWAY}/image_to_video").respond(200, json={"id": task})
        mock.get(f"{RUNWAY}/tasks/{task}").respond(
            200,
            json=runway_task(
                task,
                "FAILED",
                failure="The image did not pass our safety checks.",
                failure_code="SAFETY.INPUT.IMAGE",
            ),
        )
        with pytest.raises(BackendError, match="content moderation") as caught:
            await backend.generate(request, recorder)
    assert "Change the movie directions or the starting image" in caught.value.message

    fal = make_backend(
        {"name": "kling", "provider": "fal", "model": "fal-ai/kling-video/v1", "token_env": "FAL_KEY"}
    )
    app = f"{FAL}/fal-ai/kling-video/requests/r-1"
    with respx.mock() as mock:
        mock.post(f"{FAL}/fal-ai/kling-video/v1").respond(200, json=fal_submitted("r-1"))
        mock.get(f"{app}/status?logs=1").respond(200, json=fal_status("COMPLETED"))
        mock.get(app).respond(
            422,
            json={
                "detail": [
                    {"loc": ["body", "duration"], "msg": "permitted: '5', '10'", "type": "type_error.enum"}
                ]
            },
        )
        with pytest.raises(BackendError, match=r"rejected the inputs: duration: permitted: '5', '10'"):
            await fal.generate(request_for(settings("kling")), recorder)


async def test_a_refused_create_says_what_the_provider_said(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.post(CREATE).respond(
            422, json={"detail": "- input.num_frames: Must be greater than or equal to 81", "status": 422}
        )
        with pytest.raises(BackendError, match=r"HTTP 422.*num_frames: Must be greater.*models\.json"):
            await backend.generate(request_for(settings("wan")), recorder)


# -- cancel and resume -----------------------------------------------------------------------------------------------


async def test_cancel_cancels_at_the_provider_and_leaves_no_file(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    polled = asyncio.Event()

    def processing(request: httpx.Request) -> httpx.Response:
        polled.set()
        return httpx.Response(200, json=replicate_prediction(status="processing", logs="10%"))

    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).mock(side_effect=processing)
        cancel = mock.post(CANCEL).respond(200, json=replicate_prediction(status="canceled"))
        task = asyncio.create_task(backend.generate(request, recorder))
        await asyncio.wait_for(polled.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert cancel.call_count == 1 and no_leftovers(request)


async def test_cancel_during_create_learns_the_id_and_cancels_that_job(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    sent = asyncio.Event()

    async def slow_create(request: httpx.Request) -> httpx.Response:
        sent.set()
        await asyncio.sleep(0.2)
        return httpx.Response(201, json=replicate_prediction(status="starting"))

    with respx.mock() as mock:
        mock.post(CREATE).mock(side_effect=slow_create)
        cancel = mock.post(CANCEL).respond(200, json=replicate_prediction(status="canceled"))
        task = asyncio.create_task(backend.generate(request, recorder))
        await asyncio.wait_for(sent.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert cancel.call_count == 1


async def test_resume_follows_the_journaled_job_without_creating_another(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    request = request_for(settings("wan"), resume_provider_job_id="rrr9q2v1")
    with respx.mock(assert_all_called=False) as mock:
        create = mock.post(CREATE).respond(201, json=replicate_prediction())
        mock.get(POLL).respond(200, json=replicate_prediction(status="succeeded", output=DELIVERY))
        mock.get(DELIVERY).mock(return_value=video())
        result = await backend.generate(request, recorder)
    assert create.call_count == 0 and recorder.journaled == []
    assert result.provider_job_id == "rrr9q2v1" and result.frame_count == 12
    assert recorder.messages[0].startswith("Resuming Lecture i2v (Replicate) job rrr9q2v1 after a restart")


async def test_resuming_a_job_the_provider_forgot_says_to_regenerate(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    with respx.mock() as mock:
        mock.get(POLL).respond(404, json={"detail": "Not found."})
        with pytest.raises(BackendError, match=r"no longer knows job rrr9q2v1.*Regenerate"):
            await backend.generate(request_for(settings("wan"), resume_provider_job_id="rrr9q2v1"), recorder)


# -- where the token goes, and what a download must be ---------------------------------------------------------------


async def test_a_redirect_to_another_host_drops_the_authorization_header(
    make_backend, request_for, recorder, token
):
    backend = make_backend(WAN)
    own = f"{REPLICATE}/files/abc/download"
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="succeeded", output=own))
        hop = mock.get(own).respond(302, headers={"Location": CDN})
        cdn = mock.get(CDN).mock(return_value=video())
        await backend.generate(request_for(settings("wan")), recorder)
    assert hop.calls[0].request.headers["Authorization"] == f"Bearer {SECRET}"
    assert "authorization" not in cdn.calls[0].request.headers


async def test_a_partial_download_is_fetched_again_and_never_kept(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    full = mp4_bytes()
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="succeeded", output=DELIVERY))
        cdn = mock.get(DELIVERY).mock(
            side_effect=[
                httpx.Response(200, content=full[:300], headers={"Content-Length": str(len(full))}),
                video(),
            ]
        )
        result = await backend.generate(request_for(settings("wan")), recorder)
    assert cdn.call_count == 2 and result.size_bytes == len(full)
    assert any("stopped early (300 of" in m for m in recorder.messages)


async def test_a_download_that_does_not_decode_is_refused(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="succeeded", output=DELIVERY))
        cdn = mock.get(DELIVERY).respond(200, content=b"<html>Access denied</html>")
        with pytest.raises(BackendError, match=r"cannot be played: it does not decode.*not kept"):
            await backend.generate(request, recorder)
    assert cdn.call_count == 2 and no_leftovers(request)


async def test_a_video_of_the_wrong_length_is_refused(make_backend, request_for, recorder, token):
    backend = make_backend(WAN)
    request = request_for(settings("wan"))
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="succeeded", output=DELIVERY))
        mock.get(DELIVERY).mock(return_value=video(2.0))
        with pytest.raises(BackendError, match=r"returned 2\.00 s of video, not the 1 s asked for"):
            await backend.generate(request, recorder)
    assert no_leftovers(request)


async def test_tokens_never_reach_messages_progress_or_logs(
    make_backend, request_for, recorder, token, caplog
):
    caplog.set_level("DEBUG")
    backend = make_backend(WAN)
    echo = f"Authorization: Bearer {SECRET} was rejected for {SECRET}"
    with respx.mock() as mock:
        mock.post(CREATE).respond(201, json=replicate_prediction(status="starting"))
        mock.get(POLL).mock(
            side_effect=[
                httpx.Response(
                    200, json=replicate_prediction(status="processing", logs=f"using key {SECRET}\n")
                ),
                httpx.Response(200, json=replicate_prediction(status="failed", error=echo)),
            ]
        )
        with pytest.raises(BackendError) as failed:
            await backend.generate(request_for(settings("wan")), recorder)
    with respx.mock() as mock:
        mock.post(CREATE).respond(401, json={"detail": f"Invalid token {SECRET}"})
        with pytest.raises(BackendError) as refused:
            await backend.generate(request_for(settings("wan")), recorder)
    texts = [str(failed.value), repr(failed.value), str(refused.value), caplog.text, *recorder.messages]
    assert all(SECRET not in text for text in texts)
    assert (
        "[redacted]" in failed.value.message and "refused the API token (HTTP 401)" in refused.value.message
    )
    assert failed.value.__cause__ is None  # no exception chain carries a request (or its headers) along
