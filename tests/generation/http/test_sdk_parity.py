"""Wire parity with the official SDKs (replicate, runwayml, lumaai, fal-client) as oracles.

Each SDK and our backend talk to one local fake of the provider, which records every request; the create
requests are compared (method, path, the headers that matter, the JSON body), and so are the paths of
status, cancel and — for fal's namespaced apps — the queue URLs. The fake answers in each provider's
documented shapes (``provider_shapes``), so our backend runs a whole job against it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.generation.http.conftest import SECRET, mp4_bytes, settings
from tests.generation.http.provider_shapes import (
    fal_status,
    luma_generation,
    replicate_prediction,
    runway_task,
)
from workbench.domain.models import Resolution

pytest.importorskip("replicate")
pytest.importorskip("runwayml")
pytest.importorskip("lumaai")
pytest.importorskip("fal_client")


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Fake:
    """One provider's API on loopback: records requests, answers from ``routes`` (first matching prefix)."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    routes: list[tuple[str, str, int, Any]] = field(default_factory=list)

    def answer(self, method: str, path: str) -> tuple[int, Any]:
        for want_method, prefix, status, body in self.routes:
            if method == want_method and path.startswith(prefix):
                return status, body(self.url) if callable(body) else body
        return 404, {"detail": "not in the fake"}

    def creates(self) -> list[Seen]:
        return [
            s for s in self.seen if s.method == "POST" and "cancel" not in s.path and "/files" not in s.path
        ]


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            parts = urlsplit(self.path)
            state.seen.append(
                Seen(
                    self.command,
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            if parts.path == "/video.mp4":
                data, kind = mp4_bytes(5.0, 12), "video/mp4"
                status = 200
            else:
                status, answer = state.answer(self.command, parts.path)
                data, kind = json.dumps(answer).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()


def same_request(ours: Seen, sdk: Seen, headers: tuple[str, ...]) -> None:
    assert (ours.method, ours.path) == (sdk.method, sdk.path)
    for name in headers:
        assert ours.headers.get(name) == sdk.headers.get(name), name
    assert ours.headers["content-type"].split(";")[0] == sdk.headers["content-type"].split(";")[0]
    assert ours.body == sdk.body


async def test_replicate_requests_match_the_replicate_sdk(fake, make_backend, request_for, recorder, token):
    import replicate

    pid = "rrr9q2v1"
    fake.routes = [
        ("POST", "/v1/models/", 201, replicate_prediction(pid, "starting")),
        ("POST", f"/v1/predictions/{pid}/cancel", 200, replicate_prediction(pid, "canceled")),
        ("GET", f"/v1/predictions/{pid}", 200, lambda url: replicate_prediction(pid, "succeeded", output=f"{url}/video.mp4", predict_time=2.0)),
    ]  # fmt: skip
    entry = {
        "name": "wan", "provider": "replicate", "model": "acme/lecture-i2v", "token_env": "REPLICATE_API_TOKEN",
        "base_url": f"{fake.url}/v1", "inputs": {"duration": {"name": "duration", "format": "int"}, "seed": "seed"},
    }  # fmt: skip
    await make_backend(entry).generate(request_for(settings("wan", duration_s=5.0)), recorder)
    ours = fake.creates()[0]

    client = replicate.Client(api_token=SECRET, base_url=fake.url)
    client.predictions.create(model="acme/lecture-i2v", input=ours.body["input"])
    client.predictions.get(pid)
    client.predictions.cancel(pid)
    sdk = fake.creates()[1]
    same_request(ours, sdk, ("authorization",))
    paths = [(s.method, s.path) for s in fake.seen]
    assert ("GET", f"/v1/predictions/{pid}") in paths and ("POST", f"/v1/predictions/{pid}/cancel") in paths


async def test_runway_requests_match_the_runwayml_sdk(fake, make_backend, request_for, recorder, token):
    from runwayml import RunwayML

    task = "17f20503-6c24-4c16-946b-35dbbce2af2f"
    fake.routes = [
        ("POST", "/v1/image_to_video", 200, {"id": task}),
        ("GET", f"/v1/tasks/{task}", 200, lambda url: {**runway_task(task, "SUCCEEDED", output=[f"{url}/video.mp4"]), "cost": {"credits": 25}}),
        ("DELETE", f"/v1/tasks/{task}", 204, None),
    ]  # fmt: skip
    entry = {
        "name": "gen4", "provider": "runway", "model": "gen4_turbo", "token_env": "RUNWAYML_API_SECRET",
        "base_url": f"{fake.url}/v1",
    }  # fmt: skip
    result = await make_backend(entry).generate(
        request_for(settings("gen4", duration_s=5.0, resolution=Resolution(1280, 720))), recorder
    )
    assert result.cost == 0.25  # 25 credits at $0.01 each, read from the finished task
    ours = fake.creates()[0]

    client = RunwayML(api_key=SECRET, base_url=fake.url)
    body = ours.body
    client.image_to_video.create(
        model="gen4_turbo", prompt_image=body["promptImage"], ratio=body["ratio"], prompt_text=body["promptText"],
        duration=body["duration"], seed=body["seed"],
    )  # fmt: skip
    client.tasks.retrieve(task)
    client.tasks.delete(task)
    sdk = fake.creates()[1]
    same_request(ours, sdk, ("authorization", "x-runway-version"))
    paths = [(s.method, s.path) for s in fake.seen]
    assert ("GET", f"/v1/tasks/{task}") in paths and ("DELETE", f"/v1/tasks/{task}") in paths


async def test_luma_requests_match_the_lumaai_sdk(fake, make_backend, request_for, recorder, token):
    from lumaai import LumaAI

    gid = "123e4567-e89b-12d3-a456-426614174000"
    fake.routes = [
        ("POST", "/dream-machine/v1/generations/video", 201, luma_generation(gid, "queued")),
        ("GET", f"/dream-machine/v1/generations/{gid}", 200, lambda url: luma_generation(gid, "completed", video=f"{url}/video.mp4")),
        ("DELETE", f"/dream-machine/v1/generations/{gid}", 204, None),
    ]  # fmt: skip
    entry = {
        "name": "ray2", "provider": "luma", "model": "ray-2", "token_env": "LUMA_API_KEY",
        "base_url": f"{fake.url}/dream-machine/v1", "inputs": {"image": {"base_url": "https://media.example.org/s"}},
    }  # fmt: skip
    await make_backend(entry).generate(
        request_for(settings("ray2", duration_s=5.0, resolution=Resolution(1280, 720))), recorder
    )
    ours = fake.creates()[0]

    client = LumaAI(auth_token=SECRET, base_url=f"{fake.url}/dream-machine/v1")
    body = ours.body
    client.generations.create(
        model="ray-2", prompt=body["prompt"], keyframes=body["keyframes"], aspect_ratio=body["aspect_ratio"],
        duration=body["duration"], resolution=body["resolution"],
    )  # fmt: skip
    client.generations.get(gid)
    client.generations.delete(gid)
    sdk = fake.creates()[1]
    same_request(ours, sdk, ("authorization",))
    paths = [(s.method, s.path) for s in fake.seen]
    assert ("GET", f"/dream-machine/v1/generations/{gid}") in paths
    assert ("DELETE", f"/dream-machine/v1/generations/{gid}") in paths


@pytest.mark.parametrize(
    "model",
    ["fal-ai/kling-video/v1/standard/image-to-video", "workflows/acme/lecture-flow/video", "comfy/acme/i2v"],
)
async def test_fal_requests_match_fal_client_including_namespaced_apps(
    fake, make_backend, request_for, recorder, token, monkeypatch, model
):
    import fal_client
    import fal_client.client

    rid = "80e732af-660e-45cd-bd63-580e4f2a94cc"
    queue = fal_client.client.AppId.from_endpoint_id(model)
    app = "/".join(p for p in (queue.namespace, queue.owner, queue.alias) if p)
    base = f"/{app}/requests/{rid}"
    fake.routes = [
        ("GET", f"{base}/status", 200, fal_status("COMPLETED")),
        ("GET", base, 200, lambda url: {"video": {"url": f"{url}/video.mp4"}}),
        ("PUT", f"{base}/cancel", 202, {"status": "CANCELLATION_REQUESTED"}),
        ("POST", f"/{model}", 200, lambda url: {"request_id": rid, "status_url": f"{url}{base}/status", "response_url": f"{url}{base}", "cancel_url": f"{url}{base}/cancel"}),
    ]  # fmt: skip
    entry = {
        "name": "kling", "provider": "fal", "model": model, "token_env": "FAL_KEY", "base_url": fake.url,
        "schema": None, "inputs": {"duration": {"name": "duration", "format": "{seconds}", "allowed": [5, 10]}},
    }  # fmt: skip
    await make_backend(entry).generate(request_for(settings("kling", duration_s=5.0)), recorder)
    ours = fake.creates()[0]
    our_paths = [(s.method, s.path) for s in fake.seen]

    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", f"{fake.url}/")
    client = fal_client.SyncClient(key=SECRET)
    client.submit(model, ours.body)
    handle = client.get_handle(model, rid)
    handle.status(with_logs=True)
    handle.cancel()
    sdk = fake.creates()[1]
    same_request(ours, sdk, ("authorization",))
    sdk_paths = [(s.method, s.path) for s in fake.seen[len(our_paths) :]]
    assert ("GET", f"{base}/status") in our_paths and ("GET", f"{base}/status") in sdk_paths
    assert ("GET", base) in our_paths  # the result, under the app id without its endpoint path
    assert ("PUT", f"{base}/cancel") in sdk_paths
