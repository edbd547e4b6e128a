"""Fixtures for open models: tiny random Wan and LTX folders (built once per session), specs and backends.

The folders are built in a subprocess (:mod:`.tiny_pipelines`), so this test process never imports torch:
that is what lets the tests check that the kernel side stays light. Everything runs offline: the hub is
switched off for every process the tests start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.diffusers import DiffusersBackend, DiffusersSpec, WorkerPool, default_pool
from workbench.generation.http.parsing import parse_model_config

ROOT = Path(__file__).resolve().parents[3]
#: Every worker of the tests: CPU, float32, one torch thread (repeatable bits), few steps.
BASE = {"provider": "diffusers", "device": "cpu", "dtype": "float32", "threads": 1, "steps": 2}
#: Small, quick settings: 9 frames at 12 fps on sides that suit every tiny model.
SMALL = {"duration_s": 0.75, "resolution": Resolution(64, 64), "fps": 12}

os.environ["HF_HUB_OFFLINE"] = "1"  # inherited by every worker the tests start


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders ``wan-ti2v``, ``wan-a14b``, ``wan-21`` and ``ltx``, as ``save_pretrained`` writes them."""
    out = tmp_path_factory.mktemp("tiny-models")
    built = subprocess.run(
        [sys.executable, "-m", "tests.generation.diffusers.tiny_pipelines", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    if built.returncode != 0:  # never a skip: make test installs the [diffusers] extra these tests need
        pytest.fail(
            "Could not build the tiny pipelines (is the [diffusers] extra installed? `make venv` installs it):\n"
            + built.stderr[-3000:],
            pytrace=False,
        )
    return {name: out / name for name in ("wan-ti2v", "wan-a14b", "wan-21", "ltx")}


def entry(name: str, folder: Path, **changes: Any) -> dict[str, Any]:
    """A ``models.json`` entry for a tiny model."""
    return {"name": name, "label": f"Tiny {name}", "path": str(folder), **BASE, **changes}


def spec_for(name: str, folder: Path, **changes: Any) -> DiffusersSpec:
    (spec,) = parse_model_config({"models": [entry(name, folder, **changes)]})
    assert isinstance(spec, DiffusersSpec)
    return spec


@pytest.fixture(scope="session")
def pool() -> Iterator[WorkerPool]:
    """Workers shared by the tests (each loads its tiny model once); stopped at the end of the session.

    This process's default pool, so backends the runner makes from a store's models.json share them too.
    """
    workers = default_pool()
    yield workers
    workers.stop_all()


@pytest.fixture
def backend_for(tiny_models: dict[str, Path], pool: WorkerPool):
    def make(model: str = "wan-ti2v", name: str | None = None, **changes: Any) -> DiffusersBackend:
        return DiffusersBackend(spec_for(name or model, tiny_models[model], **changes), pool=pool)

    return make


def settings(model: str, **changes: Any) -> VideoSettings:
    values: dict[str, Any] = {"movie_directions": "slow push in on the diagram", "model": model, "seed": 7}
    values.update(SMALL)
    values.update(changes)
    return VideoSettings(**values)


@pytest.fixture
def image_path(tmp_path: Path) -> Path:
    path = tmp_path / "start.png"
    pixels = np.zeros((90, 160, 3), dtype=np.uint8)
    pixels[:, :80] = (200, 60, 40)
    pixels[30:60, 100:140] = (20, 160, 220)
    Image.fromarray(pixels).save(path)
    return path


def decoded(path: Path) -> tuple[list[np.ndarray], float]:
    """Every frame of an MP4 as RGB arrays, and its frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        return frames, float(stream.average_rate or 0)


@pytest.fixture
def copy_of(tiny_models: dict[str, Path], tmp_path: Path):
    """A private copy of a tiny folder, to break."""

    def make(model: str) -> Path:
        target = tmp_path / f"copy-{model}"
        shutil.copytree(tiny_models[model], target)
        return target

    return make
