"""``workbench serve``'s Cog predictions API over a real loopback socket, wrapping the real local model."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import time

import av
import httpx
import pytest
from PIL import Image

from tests.generation.http.conftest import settings
from workbench.errors import BackendError
from workbench.generation.http.sse import server_sent_events
from workbench.generation.registry import default_registry
from workbench.serve import ServerThread, tls_context


def png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (30, 120, 90)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


IMAGE = png_data_uri()
SMALL = {"image": IMAGE, "prompt": "slow zoom in", "duration_s": 0.5, "resolution": "160x90", "fps": 12}
LONG = {**SMALL, "duration_s": 60.0, "fps": 60, "resolution": "640x360"}


def wait_done(server, prediction_id: str, timeout_s: float = 60) -> dict:
    """The prediction once it has finished (``GET /predictions/{id}``, workbench serve's own endpoint)."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = httpx.get(f"{server.url}/predictions/{prediction_id}", timeout=10).json()
        if state["status"] not in ("starting", "processing"):
            return state
        assert time.monotonic() < deadline, f"{prediction_id} did not finish"
        time.sleep(0.05)


def frames_in(data_uri: str) -> int:
    data = base64.b64decode(data_uri.split(",", 1)[1])
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.fixture(scope="module")
def server():
    with ServerThread(default_registry().get("local-camera"), concurrency=2) as running:
        yield running


def test_sync_prediction_returns_the_video_as_a_data_url(server):
    answer = httpx.post(f"{server.url}/predictions", json={"input": SMALL}, timeout=60)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "succeeded" and body["output"].startswith("data:video/mp4;base64,")
    assert frames_in(body["output"]) == 6 and body["metrics"]["predict_time"] > 0
    assert "100%" in body["logs"]


def test_input_the_schema_refuses_is_a_422_naming_the_field_and_starts_nothing(server):
    for given, field in (
        ({"prompt": "x"}, "image"),
        ({**SMALL, "colour": "red"}, "colour"),
        ({**SMALL, "fps": 12.5}, "fps"),
        ({**SMALL, "resolution": "wide"}, "resolution"),
        ({**SMALL, "image": "file:///etc/passwd"}, "image"),
    ):
        answer = httpx.put(f"{server.url}/predictions/p-bad", json={"input": given}, timeout=10)
        assert answer.status_code == 422, given
        assert answer.json()["detail"][0]["loc"] == ["body", "input", field]  # the shape cog predict reads
    assert "p-bad" not in server.server.service.predictions


def test_input_the_schema_allows_but_the_model_cannot_render_fails_the_prediction(server):
    answer = httpx.put(
        f"{server.url}/predictions/p-odd", json={"input": {**SMALL, "resolution": "161x90"}}, timeout=30
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "failed" and "161x90" in answer.json()["error"]


def test_repeating_a_put_reattaches_instead_of_starting_another(server):
    started = httpx.put(
        f"{server.url}/predictions/p-idem",
        json={"input": {**SMALL, "duration_s": 20.0}},
        headers={"Prefer": "respond-async"},
        timeout=10,
    )
    assert started.status_code == 202 and started.json()["status"] in ("starting", "processing")
    # While it runs, a repeat answers its state now (202), as Cog does; any body re-joins, even an invalid one.
    again = httpx.put(f"{server.url}/predictions/p-idem", json={"input": {}}, timeout=60)
    assert again.status_code == 202 and again.json()["created_at"] == started.json()["created_at"]
    finished = wait_done(server, "p-idem")
    later = httpx.put(
        f"{server.url}/predictions/p-idem", json={"input": {**SMALL, "duration_s": 20.0}}, timeout=60
    )
    assert later.status_code == 200 and later.json() == finished  # kept after it finished: not run again
    assert finished["status"] == "succeeded"
    assert server.server.service.started_ids.count("p-idem") == 1


async def test_server_sent_events_carry_start_progress_and_the_final_prediction(server):
    async with httpx.AsyncClient(timeout=60) as client:
        headers = {"Accept": "text/event-stream"}
        url = f"{server.url}/predictions/p-sse"
        async with client.stream("PUT", url, json={"input": SMALL}, headers=headers) as response:
            assert response.headers["content-type"] == "text/event-stream"
            events = [(e.event, e.json()) async for e in server_sent_events(response.aiter_lines())]
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "completed" and "log" in names
    assert events[-1][1]["status"] == "succeeded" and "%" in events[1][1]["data"]


def test_busy_slots_answer_409_and_cancel_stops_a_prediction(server):
    for pid in ("p-long-1", "p-long-2"):
        answer = httpx.put(
            f"{server.url}/predictions/{pid}",
            json={"input": LONG},
            headers={"Prefer": "respond-async"},
            timeout=10,
        )
        assert answer.status_code == 202
    busy = httpx.put(f"{server.url}/predictions/p-third", json={"input": SMALL}, timeout=10)
    assert busy.status_code == 409 and "slots" in busy.json()["detail"]
    assert httpx.get(f"{server.url}/health-check").json()["status"] == "BUSY"
    for pid in ("p-long-1", "p-long-2"):
        assert httpx.post(f"{server.url}/predictions/{pid}/cancel", timeout=10).status_code == 200
    finals = [wait_done(server, pid) for pid in ("p-long-1", "p-long-2")]
    assert [f["status"] for f in finals] == ["canceled", "canceled"]
    assert httpx.post(f"{server.url}/predictions/nope/cancel").status_code == 404
    assert server.server.service.peak_running <= 2


def test_a_token_is_required_when_configured():
    with ServerThread(default_registry().get("local-camera"), token="s3cret-serve-token") as guarded:
        assert httpx.get(f"{guarded.url}/health-check").status_code == 200  # health is open
        refused = httpx.post(f"{guarded.url}/predictions", json={"input": SMALL}, timeout=10)
        assert refused.status_code == 401
        allowed = httpx.post(
            f"{guarded.url}/predictions",
            json={"input": SMALL},
            headers={"Authorization": "Bearer s3cret-serve-token"},
            timeout=60,
        )
        assert allowed.json()["status"] == "succeeded"


def test_the_cli_serves_on_a_free_port_and_stops_on_interrupt(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving 'local-camera' on http://127.0.0.1:"), process.stderr.read()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert httpx.get(f"{url}/health-check", timeout=5).json()["status"] == "READY"
        assert json.loads(httpx.get(f"{url}/").text)["predictions_url"] == "/predictions"
    finally:
        process.send_signal(2)  # SIGINT, as Ctrl-C
        assert process.wait(10) == 0


@pytest.fixture
def self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no CA signed."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return tls_context(str(cert), str(key))


async def test_tls_is_verified_so_a_self_signed_server_gets_nothing(
    self_signed, make_backend, request_for, recorder
):
    with ServerThread(default_registry().get("local-camera"), tls=self_signed) as server:
        assert server.url.startswith("https://127.0.0.1:")
        backend = make_backend({"name": "box", "provider": "cog", "base_url": server.url})
        with pytest.raises(BackendError, match="TLS certificate could not be verified"):
            await backend.generate(request_for(settings("box")), recorder)
        assert server.server.service.predictions == {}  # nothing reached the model
