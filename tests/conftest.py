"""Shared fixtures: real stores in tmp_path, a fixed current user, and a byte-level snapshot of a folder."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from workbench import Lecture, Project, Resolution, TimelineClip, VideoAsset, VideoDefaults, open_store
from workbench.demo.slides import SlideSpec, draw_slide

OWNER = "ada"
# Every process the suite starts (papermill kernels, the JupyterLab server's kernels) acts as this user.
os.environ["WORKBENCH_USER"] = OWNER

# Property tests draw the same examples on every run, so `make test` (and CI) pass or fail on the code alone;
# `make fuzz` explores fresh random examples (and more of them) to find new counterexamples, which then become
# explicit @example cases.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=2000, print_blob=True)
settings.load_profile(os.environ.get("WORKBENCH_HYPOTHESIS", "repeatable"))


@pytest.fixture(autouse=True)
def _current_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_USER", OWNER)


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (lock file excluded) mapped to a hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".writer.lock"
    }


@pytest.fixture
def store(tmp_path: Path):
    """An empty store with one project (video defaults: 640x360 at 24 fps)."""
    st = open_store(tmp_path / "store", create=True)
    st.save_project(
        Project("proj", "Test project", OWNER, VideoDefaults(resolution=Resolution(640, 360), fps=24))
    )
    return st


def small_slide_png(title: str = "Slide") -> bytes:
    import io

    img, _ = draw_slide(SlideSpec(title, ("one", "two"), "lens", (40, 80, 150)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def lecture(store) -> Lecture:
    """A lecture of three segments: two with starting images, one legacy without."""
    image = store.import_starting_image("lec", small_slide_png(), image_id="img-1")
    videos = (
        VideoAsset("seg-1", "img-1", "slow push-in on the diagram", duration_s=2.0, seed=1),
        VideoAsset("seg-2", "img-1", "pan right", model="local-camera", fps=12),
        VideoAsset("seg-3", None, "zoom out"),
    )
    clips = tuple(TimelineClip(f"clip-{i}", v.id, float(i)) for i, v in enumerate(videos))
    return store.create_lecture(
        Lecture("lec", "proj", "Test lecture", OWNER, 0, videos, clips, starting_images=(image,))
    )


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from workbench.demo.builder import init_demo_store

    root = tmp_path_factory.mktemp("demo-template") / "demo"
    init_demo_store(root, user=OWNER)
    return root


@pytest.fixture
def demo_store(_demo_template: Path, tmp_path: Path):
    """A private copy of the demo store (built once per test session: rendering its videos takes seconds)."""
    root = tmp_path / "demo"
    shutil.copytree(_demo_template, root)
    return open_store(root)
