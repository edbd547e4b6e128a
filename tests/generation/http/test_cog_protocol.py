"""The Cog client's decisions, one by one, against Cog-shaped answers (respx): what it reads before creating,
what it refuses before paying, how it waits, and what it never sends. The same behaviours against real
servers are in ``test_cog_real``."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json

import httpx
import pytest
import respx

from tests.generation.http.cog_harness import openapi_schema
from tests.generation.http.conftest import mp4_bytes, settings
from tests.generation.http.provider_shapes import cog_prediction, sse
from workbench.errors import BackendError, ModelConfigError
from workbench.generation.http.cog_facts import _cache, facts_from

BOX = "http://127.0.0.1:5999"
PREDICTION = rf"{BOX}/predictions/\w+"
VIDEO = "data:video/mp4;base64," + base64.b64encode(mp4_bytes()).decode()


@pytest.fixture(autouse=True)
def _forget_servers():
    _cache.clear()  # what a server said about itself is cached for 30 s; each test has its own server
    yield
    _cache.clear()


def cog_server(mock: respx.MockRouter, version: str, *, streaming: bool = False, health: list | None = None):
    """The three documents a Cog server publishes, for ``version`` (0.14: FastAPI; later: coglet)."""
    index = {"cog_version": version, "predictions_url": "/predictions"}
    ready = {"status": "READY", "setup": {"status": "succeeded"}}
    if version >= "0.17":
        ready["version"] = {"coglet": version}
    mock.get(f"{BOX}/").respond(200, json=index)
    route = mock.get(f"{BOX}/health-check")
    if health:
        route.mock(
            side_effect=[httpx.Response(200, json=h) for h in health] + [httpx.Response(200, json=ready)] * 50
        )
    else:
        route.respond(200, json=ready)
    mock.get(f"{BOX}/openapi.json").respond(200, json=openapi_schema(streaming=streaming))


def box(make_backend, **entry):
    return make_backend({"name": "box", "provider": "cog", "base_url": BOX, **entry})


async def test_fastapi_cog_gets_one_plain_put_and_its_json_is_the_result(make_backend, request_for, recorder):
    backend = box(make_backend)
    with respx.mock() as mock:
        cog_server(mock, "0.14.12")
        put = mock.put(url__regex=PREDICTION).mock(
            side_effect=lambda request: httpx.Response(
                200, json=cog_prediction(request.url.path.rsplit("/", 1)[1], "succeeded", output=VIDEO)
            )
        )
        result = await backend.generate(request_for(settings("box")), recorder)
    (call,) = put.calls
    assert "text/event-stream" not in call.request.headers.get("accept", "")  # 0.14 never streams: not asked
    assert "prefer" not in call.request.headers and json.loads(call.request.content)["input"]["prompt"]
    assert recorder.journaled == [result.provider_job_id]  # journaled before the PUT went out
    assert any("reports no progress until it finishes" in m for m in recorder.messages)


async def test_streaming_coglet_creates_asynchronously_then_follows_with_a_body_that_cannot_start_a_run(
    make_backend, request_for, recorder
):
    backend = box(make_backend)
    bodies: list[tuple[dict, dict]] = []

    def put(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append((dict(request.headers), body))
        pid = request.url.path.rsplit("/", 1)[1]
        if request.headers.get("prefer") == "respond-async":
            return httpx.Response(202, json=cog_prediction(pid, "starting"))
        events = sse(
            ("start", {"id": pid, "status": "processing"}),
            ("log", {"source": "stdout", "data": "step 1/2\n"}),
            ("completed", cog_prediction(pid, "succeeded", output=VIDEO)),
        )
        return httpx.Response(200, content=events, headers={"Content-Type": "text/event-stream"})

    with respx.mock() as mock:
        cog_server(mock, "0.23.1", streaming=True)
        mock.put(url__regex=PREDICTION).mock(side_effect=put)
        result = await backend.generate(request_for(settings("box")), recorder)
    (create_headers, create), (follow_headers, follow) = bodies
    assert (
        create_headers["prefer"] == "respond-async"
        and create["input"]["prompt"] == "slow push-in on the diagram"
    )
    assert follow_headers["accept"] == "text/event-stream" and follow["input"] == {}  # misses required inputs
    assert "step 1/2" in recorder.messages and result.frame_count == 12


async def test_inputs_the_server_does_not_have_are_refused_before_anything_is_sent(
    make_backend, request_for, recorder
):
    backend = box(
        make_backend, inputs={"duration": {"name": "durations"}}
    )  # a typo: Cog would drop it silently
    with respx.mock(assert_all_called=False) as mock:
        cog_server(mock, "0.23.1", streaming=True)
        put = mock.put(url__regex=PREDICTION).respond(500)
        with pytest.raises(
            ModelConfigError, match=r"has no input 'durations' \(its inputs are duration_s, fps"
        ):
            await backend.generate(request_for(settings("box")), recorder)
        with pytest.raises(ModelConfigError, match="has no input 'durations'"):
            backend.check(settings("box"))  # and before the job is even queued (the schema is at hand)
    assert put.call_count == 0 and recorder.journaled == []


async def test_a_restarted_kernel_on_fastapi_cog_is_told_why_and_nothing_is_sent(
    make_backend, request_for, recorder
):
    backend = box(make_backend)
    with respx.mock(assert_all_called=False) as mock:
        cog_server(mock, "0.14.12")
        put = mock.put(url__regex=PREDICTION).respond(500)
        with pytest.raises(
            BackendError, match="forgets a prediction once the client that started it has gone"
        ):
            await backend.generate(request_for(settings("box"), resume_provider_job_id="abc"), recorder)
    assert put.call_count == 0


async def test_busy_and_loading_are_waited_for_and_said(make_backend, request_for, recorder, sleeps):
    loading = {"status": "STARTING", "setup": {"status": "starting"}}
    backend = box(make_backend)
    with respx.mock() as mock:
        cog_server(mock, "0.14.12", health=[loading, loading])
        put = mock.put(url__regex=PREDICTION).mock(
            side_effect=[
                httpx.Response(409, json={"detail": "Already running a prediction"}),
                httpx.Response(200, json=cog_prediction("x", "succeeded", output=VIDEO)),
            ]
        )
        await backend.generate(request_for(settings("box")), recorder)
    assert put.call_count == 2  # the 409 created nothing; the second PUT is the one run
    assert any("is loading; waiting" in m for m in recorder.messages)
    assert any("busy with other work" in m for m in recorder.messages) and sleeps


async def test_jobs_of_one_kernel_take_turns_on_a_one_slot_server(
    make_backend, request_for, recorder, tmp_path
):
    backend = box(make_backend, slots=1)
    running = 0
    most = 0

    async def put(request: httpx.Request) -> httpx.Response:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1
        return httpx.Response(200, json=cog_prediction("x", "succeeded", output=VIDEO))

    with respx.mock() as mock:
        cog_server(mock, "0.14.12")
        mock.put(url__regex=PREDICTION).mock(side_effect=put)
        first = request_for(settings("box"), job_id="job-1")
        second = dataclasses.replace(first, job_id="job-2", output_path=tmp_path / "second.mp4")
        await asyncio.gather(backend.generate(first, recorder), backend.generate(second, recorder))
    assert most == 1
    assert any("Waiting for a free slot on box (1 job of this kernel ahead)" in m for m in recorder.messages)


async def test_a_job_that_never_got_a_slot_says_so_when_its_time_runs_out(
    make_backend, request_for, recorder
):
    backend = box(make_backend, timeout_s=1, poll_interval_s=0.05)
    backend._sleep = asyncio.sleep
    busy = {"status": "BUSY", "setup": {"status": "succeeded"}}
    with respx.mock() as mock:
        cog_server(mock, "0.14.12", health=[{"status": "READY"}] + [busy] * 40)
        mock.put(url__regex=PREDICTION).respond(409, json={"detail": "Already running a prediction"})
        mock.post(url__regex=rf"{BOX}/predictions/\w+/cancel").respond(404)
        with pytest.raises(
            BackendError, match=r"did not start the job within 1 s .*busy with other work.*nothing ran"
        ):
            await backend.generate(request_for(settings("box")), recorder)


@pytest.mark.parametrize(
    ("index", "health", "streaming", "expected"),
    [
        ({"cog_version": "0.14.12"}, {}, False, ("fastapi", False, False)),
        ({"cog_version": "0.19.3"}, {"version": {"coglet": "0.19.3"}}, True, ("coglet", False, False)),
        ({"cog_version": "0.23.1"}, {"version": {"coglet": "0.23.1"}}, False, ("coglet", False, True)),
        ({"cog_version": "0.23.1"}, {"version": {"coglet": "0.23.1"}}, True, ("coglet", True, True)),
        (
            {"workbench": {"version": "0.1.0"}},
            {"workbench": {"concurrency": 3}},
            False,
            ("workbench", True, True),
        ),
    ],
)
def test_what_each_server_generation_is_trusted_with(index, health, streaming, expected):
    """Events only where the server streams them (coglet 0.21+ with @cog.streaming, workbench serve); the
    re-joining probe only where it was measured safe (not FastAPI Cog, which validates before re-joining)."""
    facts = facts_from(index, {"status": "READY", **health}, openapi_schema(streaming=streaming), where=BOX)
    assert (facts.kind, facts.streaming, facts.probe is not None) == expected
    assert facts.follows_after_restart == (expected[1] and expected[2])
    if facts.kind == "workbench":
        assert facts.slots == 3
