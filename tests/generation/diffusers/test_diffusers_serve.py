"""``workbench serve --model <open model>``: the Cog predictions API in front of a loaded tiny pipeline."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time

import av
import httpx

from tests.generation.diffusers.conftest import entry
from tests.serve.test_server import IMAGE

INPUT = {"image": IMAGE, "prompt": "slow push in on the diagram", "duration_s": 0.75, "resolution": "64x64",
         "fps": 12, "seed": 3}  # fmt: skip


def serve(models_json, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "serve", "--model", "wan", "--models", str(models_json),
         "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip


def test_serve_loads_the_pipeline_once_and_answers_predictions_with_per_step_logs(tiny_models, tmp_path):
    models_json = tmp_path / "models.json"
    models_json.write_text(json.dumps({"models": [entry("wan", tiny_models["wan-ti2v"], steps=120)]}))

    refused = serve(models_json, "--concurrency", "2")
    assert refused.wait(120) != 0
    assert (
        "runs one prediction at a time on its loaded pipeline, so --concurrency must be 1"
        in refused.stderr.read()
    )

    process = serve(models_json)
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving 'wan' on http://127.0.0.1:"), process.stderr.read()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        deadline = time.monotonic() + 300
        while httpx.get(f"{url}/health-check", timeout=10).json()["status"] != "READY":  # loading the weights
            assert time.monotonic() < deadline, "the pipeline never finished loading"
            time.sleep(0.2)
        for seed in (3, 4):
            answer = httpx.post(f"{url}/predictions", json={"input": {**INPUT, "seed": seed}}, timeout=300)
            body = answer.json()
            assert answer.status_code == 200 and body["status"] == "succeeded", body
            data = base64.b64decode(body["output"].split(",", 1)[1])
            with av.open(io.BytesIO(data)) as container:
                frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
            assert len(frames) == 9 and frames[0].shape == (64, 64, 3)
            assert (
                "Denoising step" in body["logs"]
            )  # per step, at most 4 lines a second: 120 steps span several
            assert "Loading" not in body["logs"]  # loaded at start-up, kept between predictions
    finally:
        process.send_signal(2)  # SIGINT, as Ctrl-C
        assert process.wait(60) == 0
