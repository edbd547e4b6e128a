"""What ``workbench serve`` refuses, and how: the token before the body (measured in the server's memory),
body size and nesting caps (never a 500), JSON 404/405 with ``Allow``, and no fetch from private,
loopback, link-local or metadata addresses — after redirects too — unless the operator allows a network."""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from PIL import Image

from tests.generation.http.cog_harness import ScriptedBackend
from workbench.serve import ServerThread
from workbench.serve.app import MAX_BODY_BYTES

TOKEN = "guard-test-token-5b2e9c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 20, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


class _Files(BaseHTTPRequestHandler):
    """A little "internal" web server: /img.png, /hop → a redirect to ``target``, /secret (not an image)."""

    target = ""

    def do_GET(self) -> None:
        if self.path == "/img.png":
            body, kind = png(), "image/png"
        elif self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", type(self).target)
            self.end_headers()
            return
        elif self.path == "/error":
            self.send_response(500)
            self.end_headers()
            return
        else:
            body, kind = b"internal secret", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def predict(server, image: str, **extra: object) -> dict:
    body = {
        "input": {"image": image, "prompt": "pan left", "duration_s": 1.0, "resolution": "160x90", "fps": 12}
    }
    answer = httpx.post(f"{server.url}/predictions", json={**body, **extra}, headers=AUTH, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def guarded():
    with ServerThread(ScriptedBackend(), token=TOKEN) as running:
        yield running


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/img.png",
        "http://localhost:{port}/img.png",
        "http://[::1]:{port}/img.png",
        "http://[::ffff:127.0.0.1]:{port}/img.png",
        "http://2130706433:{port}/img.png",  # 127.0.0.1 spelled as one number
        "http://0.0.0.0:{port}/img.png",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://10.0.0.1/img.png",
        "http://192.168.1.10/img.png",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_never_fetched(guarded, files, url):
    port = files.rsplit(":", 1)[1]
    result = predict(guarded, url.format(port=port))
    assert result["status"] == "failed" and result["output"] is None
    assert "refused" in result["error"] and "non-public address" in result["error"]


def test_a_redirect_is_checked_like_the_first_url(files):
    """Allowed: this one address and port. The redirect to another port on it is refused all the same."""
    host, port = files.removeprefix("http://").split(":")
    _Files.target = f"http://127.0.0.1:{_closed_port()}/img.png"
    with ServerThread(ScriptedBackend(), token=TOKEN, allow_fetch_from=[f"{host}:{port}"]) as server:
        assert predict(server, f"{files}/img.png")["status"] == "succeeded"  # the allowed place works
        hopped = predict(server, f"{files}/hop")
        assert hopped["status"] == "failed" and "non-public address" in hopped["error"]
        not_image = predict(server, f"{files}/secret")
        assert not_image["status"] == "failed" and "not an image" in not_image["error"]  # never a "video"


def test_failures_to_fetch_read_the_same_whatever_the_cause(files):
    """Closed port, server error: one message, so the server cannot be used to tell ports apart."""
    closed = _closed_port()
    with ServerThread(ScriptedBackend(), token=TOKEN, allow_fetch_from=["127.0.0.0/8"]) as server:
        errors = {
            predict(server, url)["error"] for url in (f"http://127.0.0.1:{closed}/img.png", f"{files}/error")
        }
    assert errors == {"The starting image could not be fetched from that URL."}


def test_404_and_405_are_json_and_405_says_what_is_allowed(guarded):
    missing = httpx.get(f"{guarded.url}/nothing-here", timeout=10)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
    assert "openapi.json" in missing.json()["detail"]
    wrong = httpx.delete(f"{guarded.url}/predictions", headers=AUTH, timeout=10)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST" and wrong.json()["detail"]
    wrong = httpx.post(f"{guarded.url}/predictions/abc", headers=AUTH, json={}, timeout=10)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, PUT"


def test_a_deeply_nested_body_is_a_422_not_a_500(guarded):
    for depth in (40, 5000, 200_000):
        body = b'{"input": ' + b"[" * depth + b"]" * depth + b"}"
        answer = httpx.post(
            f"{guarded.url}/predictions", content=body, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert answer.status_code == 422, (depth, answer.text[:200])
        assert "nested" in answer.json()["detail"][0]["msg"]


def test_an_oversized_body_is_refused_from_its_length_before_it_is_read(guarded):
    def body() -> Iterator[bytes]:
        yield b'{"input": {"image": "data:image/png;base64,'
        for _ in range((MAX_BODY_BYTES // 2**20) + 2):
            yield b"A" * 2**20
        yield b'"}}'

    size = (MAX_BODY_BYTES // 2**20 + 2) * 2**20 + 60
    answer = httpx.post(
        f"{guarded.url}/predictions",
        content=body(),
        headers={**AUTH, "Content-Length": str(size)},
        timeout=60,
    )
    assert answer.status_code == 413 and "larger than" in answer.json()["detail"]


def _memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (the most it was ever resident) of a process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the server's memory")
def test_the_token_is_checked_before_the_body_is_read(tmp_path, record_property):
    """Four unauthenticated 95 MB bodies at once: each answered 401 from its headers; the server's peak
    memory (``VmHWM``) stays where it was."""
    env = {**os.environ, "SERVE_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "serve", "--port", "0", "--token-env", "SERVE_TOKEN"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        httpx.get(f"{url}/health-check", timeout=10)
        before = _memory_mb(process.pid, "VmHWM")
        chunk = b"x" * 2**20
        answers: list[int] = []

        def send(length: str | None) -> None:
            headers = {"Content-Type": "application/json"}
            if length:
                headers["Content-Length"] = length
            try:
                body = (chunk for _ in range(95))
                answers.append(
                    httpx.post(f"{url}/predictions", content=body, headers=headers, timeout=60).status_code
                )
            except httpx.HTTPError:
                answers.append(401)  # answered 401 and closed while the body was still coming

        senders = [
            threading.Thread(target=send, args=(n,)) for n in (str(95 * 2**20), None, str(95 * 2**20), None)
        ]
        for sender in senders:  # two with a declared length, two chunked
            sender.start()
        for sender in senders:
            sender.join(120)
        peak = _memory_mb(process.pid, "VmHWM")
        record_property("serve_peak_rss_before_mb", round(before, 1))
        record_property("serve_peak_rss_after_4x95mb_unauthenticated_mb", round(peak, 1))
        print(
            f"server peak RSS: {before:.1f} MB before, {peak:.1f} MB after four unauthenticated 95 MB bodies"
        )
        assert answers == [401] * 4
        assert peak - before < 40, (before, peak)
    finally:
        process.send_signal(2)
        process.wait(10)


def test_webhooks_are_called_as_cog_calls_them(files):
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            import json

            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_port}/hook"
    image = "data:image/png;base64," + base64.b64encode(png()).decode()
    try:
        with ServerThread(ScriptedBackend(), allow_fetch_from=["127.0.0.1"]) as server:
            predict(server, image, webhook=url)
            deadline = time.monotonic() + 10
            while not received or received[-1]["status"] != "succeeded":
                assert time.monotonic() < deadline, received
                time.sleep(0.05)
            statuses = [r["status"] for r in received]
            assert statuses[0] == "processing" and statuses[-1] == "succeeded"
            assert received[-1]["output"].startswith("data:video/mp4;base64,")
            received.clear()
            predict(server, image, webhook=url, webhook_events_filter=["completed"])
            deadline = time.monotonic() + 10
            while not received:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.3)
            assert [r["status"] for r in received] == ["succeeded"]  # only what was asked for
        received.clear()
        with ServerThread(ScriptedBackend()) as closed:  # no allow-list: loopback webhooks are not called
            predict(closed, image, webhook=url)
            time.sleep(0.5)
        assert received == []
    finally:
        hook.shutdown()
