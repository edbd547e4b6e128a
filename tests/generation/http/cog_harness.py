"""Real Cog servers from PyPI, each in its own venv (built by ``make cog-venvs``), running a tiny predictor.

The predictor takes the inputs a workbench ``"provider": "cog"`` entry sends by default (image, prompt,
duration_s, resolution, fps, seed) and answers with a real H.264 clip of the asked shape, written beforehand
with PyAV (the cog venvs have no PyAV). A prompt that starts with ``sleep:N`` makes it work N seconds, in
steps that print ``step k/n`` (progress); ``TEST_SETUP_S`` makes its ``setup()`` take that long. Runs are
counted from the server's own log (``starting prediction`` with the prediction id, in both generations).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.generation.http.conftest import mp4_bytes

__all__ = ["COG_VERSIONS", "CogServer", "cog_python", "venv_root"]

#: One FastAPI-era server and one coglet server with server-sent events (see the Makefile).
COG_VERSIONS = ("0.14.12", "0.23.1")
REPO = Path(__file__).resolve().parents[3]

PREDICT_PY = """
import os
import re
import shutil
import tempfile
import time

from cog import BasePredictor, Input, Path

HERE = os.path.dirname(os.path.abspath(__file__))


class Predictor(BasePredictor):
    def setup(self) -> None:
        time.sleep(float(os.environ.get("TEST_SETUP_S", "0")))

    def predict(
        self,
        image: str = Input(description="starting image (data URL or URL)"),
        prompt: str = Input(description="movie directions"),
        duration_s: float = Input(default=1.0, ge=0.5, le=60.0),
        resolution: str = Input(default="160x90"),
        fps: int = Input(default=12, ge=1, le=60),
        seed: int = Input(default=0),
    ) -> Path:
        match = re.match(r"sleep:([0-9.]+)", prompt)
        work = float(match.group(1)) if match else 0.2
        steps = max(1, min(20, int(work * 4)))
        for step in range(steps):
            time.sleep(work / steps)
            print(f"step {step + 1}/{steps}", flush=True)
        frames = round(duration_s * fps)
        clip = os.path.join(HERE, "clips", f"{resolution}_{fps}_{frames}.mp4")
        if not os.path.exists(clip):
            raise ValueError(f"no test clip for {resolution} at {fps} fps, {frames} frames")
        out = os.path.join(tempfile.mkdtemp(), "out.mp4")
        shutil.copy(clip, out)
        return Path(out)
"""


def _prop(title: str, kind: str, order: int, **more: object) -> dict:
    return {"title": title, "type": kind, "x-order": order, **more}


def openapi_schema(*, streaming: bool) -> dict:
    """The schema ``cog build`` writes to ``.cog/openapi_schema.json`` for the predictor (coglet needs it)."""
    inputs = {
        "title": "Input",
        "type": "object",
        "required": ["image", "prompt"],
        "properties": {
            "image": _prop("Image", "string", 0, description="starting image (data URL or URL)"),
            "prompt": _prop("Prompt", "string", 1, description="movie directions"),
            "duration_s": _prop("Duration S", "number", 2, default=1.0, minimum=0.5, maximum=60.0),
            "resolution": _prop("Resolution", "string", 3, default="160x90"),
            "fps": _prop("Fps", "integer", 4, default=12, minimum=1, maximum=60),
            "seed": _prop("Seed", "integer", 5, default=0),
        },
    }
    post: dict = {
        "summary": "Predict",
        "operationId": "predict_predictions_post",
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PredictionRequest"}}}
        },
        "responses": {
            "200": {
                "description": "Successful Response",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PredictionResponse"}}
                },
            }
        },
    }
    if streaming:
        post["x-cog-streaming"] = True
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": {
            "/predictions": {"post": post},
            "/predictions/{prediction_id}/cancel": {"post": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                "Input": inputs,
                "Output": {"title": "Output", "type": "string", "format": "uri"},
                "PredictionRequest": {
                    "title": "PredictionRequest",
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "input": {"$ref": "#/components/schemas/Input"}},
                },
                "PredictionResponse": {
                    "title": "PredictionResponse",
                    "type": "object",
                    "properties": {
                        "output": {"$ref": "#/components/schemas/Output"},
                        "status": {"type": "string"},
                    },
                },
            }
        },
    }


def venv_root() -> Path:
    return Path(os.environ.get("WORKBENCH_COG_VENVS", REPO / ".cache" / "cog-venvs"))


def cog_python(version: str) -> Path:
    """The venv's python for ``cog==version``; skips (saying how to build it) when it is not built."""
    python = venv_root() / f"cog-{version}" / "bin" / "python"
    if not python.exists():
        if os.environ.get("WORKBENCH_REQUIRE_COG_VENVS"):
            pytest.fail(f"cog {version} venv missing at {python}: `make cog-venvs` should have built it")
        pytest.skip(f"cog {version} is not installed here; `make cog-venvs` builds {python.parent.parent}")
    return python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CogServer:
    """``python -m cog.server.http`` from a cog venv, in ``folder``, on a free loopback port."""

    def __init__(
        self,
        version: str,
        folder: Path,
        *,
        streaming: bool = True,
        setup_s: float = 0.0,
        clips: tuple[tuple[str, int, int], ...] = (("160x90", 12, 12),),
    ) -> None:
        self.version, self.folder = version, folder
        self.python = cog_python(version)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "predict.py").write_text(PREDICT_PY)
        (folder / "cog.yaml").write_text(
            'build:\n  python_version: "3.11"\npredict: "predict.py:Predictor"\n'
        )
        (folder / ".cog").mkdir(exist_ok=True)
        (folder / ".cog" / "openapi_schema.json").write_text(json.dumps(openapi_schema(streaming=streaming)))
        (folder / "clips").mkdir(exist_ok=True)
        for resolution, fps, frames in clips:
            width, height = (int(v) for v in resolution.split("x"))
            (folder / "clips" / f"{resolution}_{fps}_{frames}.mp4").write_bytes(
                mp4_bytes(frames / fps, fps, width, height)
            )
        env = {
            **os.environ,
            "PATH": f"{self.python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PORT": str(self.port),
            "COG_PREDICT_TYPE_STUB": "predict.py:Predictor",
            "TEST_SETUP_S": str(setup_s),
            "COG_LOG_LEVEL": "INFO",
        }
        env.pop("VIRTUAL_ENV", None)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(self.python), "-m", "cog.server.http", "--host", "127.0.0.1"],
            cwd=folder,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its worker processes go with it
        )

    def wait_listening(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cog {self.version} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                httpx.get(f"{self.url}/health-check", timeout=1.0)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"cog {self.version} did not listen within {timeout_s} s")

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        self.wait_listening(timeout_s)
        deadline = time.monotonic() + timeout_s
        while httpx.get(f"{self.url}/health-check", timeout=5).json().get("status") != "READY":
            assert time.monotonic() < deadline, f"cog {self.version} never became READY"
            time.sleep(0.1)

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def runs(self) -> Counter[str]:
        """How many predictions the server started, by id, from its own log."""
        counts: Counter[str] = Counter()
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            fields = entry.get("fields", entry) if isinstance(entry, dict) else {}
            message = str(fields.get("message", "")).lower()
            if message == "starting prediction" and fields.get("prediction_id"):
                counts[str(fields["prediction_id"])] += 1
        return counts

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()

    def __enter__(self) -> CogServer:
        try:
            self.wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ScriptedBackend:
    """A video model for ``workbench serve`` in tests: the cog predictor's behaviour (``sleep:N`` prompts,
    a slow ``setup()``), with a real clip of the asked shape as its output."""

    def __init__(self, setup_s: float = 0.0) -> None:
        from workbench.generation.base import BackendInfo

        self.info = BackendInfo(name="scripted", label="Scripted test model")
        self.setup_s = setup_s

    async def setup(self) -> None:
        await asyncio.sleep(self.setup_s)

    def check(self, settings, regions=None) -> tuple[str, ...]:
        return ()

    async def generate(self, request, progress):
        import re

        from workbench.generation.base import GenerationResult, Progress

        settings = request.settings
        match = re.match(r"sleep:([0-9.]+)", settings.movie_directions)
        work = float(match.group(1)) if match else 0.2
        steps = max(1, min(20, int(work * 4)))
        for step in range(steps):
            await asyncio.sleep(work / steps)
            progress(Progress((step + 1) / steps, f"step {step + 1}/{steps}"))
        data = mp4_bytes(
            settings.duration_s, settings.fps, settings.resolution.width, settings.resolution.height
        )
        await asyncio.to_thread(Path(request.output_path).write_bytes, data)
        frames = round(settings.duration_s * settings.fps)
        return GenerationResult(
            Path(request.output_path), frames, float(settings.fps), settings.resolution.width,
            settings.resolution.height, "h264", len(data),
        )  # fmt: skip
