"""``workbench demo init DIR``: a demo project and a six-segment lecture to try the workbench on.

Deterministic (same slides, ids and directions every time) and harmless to run twice: an existing demo
store is left as it is, so edits made while exploring are never wiped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

from workbench.demo.slides import SlideSpec, draw_slide
from workbench.domain.models import Lecture, Project, Resolution, TimelineClip, VideoAsset, VideoDefaults
from workbench.store import LectureStore, open_store
from workbench.store.lecture_store import MARKER

__all__ = ["DEMO_LECTURE_ID", "DEMO_PROJECT_ID", "DemoResult", "init_demo_store", "open_store_or_demo"]

DEMO_PROJECT_ID = "demo"
DEMO_LECTURE_ID = "lenses-101"
LEGACY_ASSET_ID = "seg-06"

_SEGMENTS: tuple[tuple[str, SlideSpec | None, str], ...] = (
    (
        "Why lenses bend light",
        SlideSpec(
            "Why lenses bend light",
            ("Light slows in glass", "Curved faces steer rays", "Focus = rays meet"),
            "lens",
            (46, 84, 150),
        ),
        "Slow push-in on the diagram",
    ),
    (
        "Measuring focal length",
        SlideSpec(
            "Measuring focal length",
            ("Move the screen", "Find the sharpest image", "Repeat three times"),
            "bars",
            (32, 120, 100),
        ),
        "Pan right across the slide, gentle ease in and out",
    ),
    (
        "Light as a wave",
        SlideSpec(
            "Light as a wave", ("Wavelength sets colour", "Amplitude sets brightness"), "wave", (120, 60, 140)
        ),
        "Tilt down from the title to the diagram, then hold",
    ),
    (
        "Rays from a point source",
        SlideSpec(
            "Rays from a point source", ("Rays spread out", "Intensity falls off"), "rays", (170, 90, 30)
        ),
        "Fade in, then quick zoom in on the diagram",
    ),
    (
        "Curved mirrors",
        SlideSpec(
            "Curved mirrors",
            ("Concave mirrors converge", "Convex mirrors diverge", "Same focal rule"),
            "mirror",
            (150, 40, 60),
        ),
        "Static shot, fade out at the end",
    ),
    (
        "The eye as a camera",
        None,  # a legacy segment: made before starting images were stored
        "Slow zoom out from the pupil",
    ),
)


@dataclass(frozen=True)
class DemoResult:
    store: LectureStore
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return f"Created the demo store at {self.store.root} (lecture {DEMO_LECTURE_ID!r}, 6 segments)."
        return f"The demo store at {self.store.root} already exists; left unchanged."


def init_demo_store(path: str | Path, *, user: str | None = None, render_videos: bool = True) -> DemoResult:
    """Create the demo store at ``path`` unless it already holds one.

    With ``render_videos`` each segment also gets a committed video (rendered locally, a few seconds), so the
    committed player and the batch report's contact sheets have something to show from the start.
    """
    root = Path(path)
    if (root / MARKER).exists():
        store = open_store(root, user=user)
        if DEMO_LECTURE_ID in store.lecture_ids():
            return DemoResult(store, created=False)
    else:
        store = open_store(root, create=True, user=user)
    store.save_project(
        Project(
            id=DEMO_PROJECT_ID,
            name="Demo: Optics for first-years",
            owner=store.user,
            video_defaults=VideoDefaults(resolution=Resolution(1280, 720), fps=24),
        )
    )
    images, videos, clips = [], [], []
    start = 0.0
    for index, (title, spec, directions) in enumerate(_SEGMENTS, start=1):
        asset_id = f"seg-{index:02d}"
        image_id = None
        if spec is not None:
            picture, regions = draw_slide(spec)
            buf = io.BytesIO()
            picture.save(buf, format="PNG", optimize=False)
            image = store.import_starting_image(
                DEMO_LECTURE_ID, buf.getvalue(), image_id=f"img-{index:02d}", regions=regions
            )
            images.append(replace(image, created_at="2026-01-05T09:00:00.000000Z"))
            image_id = image.id
        duration = 4.0
        videos.append(
            VideoAsset(
                id=asset_id,
                title=title,
                starting_image_id=image_id,
                movie_directions=directions,
                duration_s=duration,
                seed=index,
            )
        )
        clips.append(TimelineClip(id=f"clip-{index:02d}", asset_id=asset_id, start_s=start))
        start += duration
    lecture = store.create_lecture(
        Lecture(
            id=DEMO_LECTURE_ID,
            project_id=DEMO_PROJECT_ID,
            title="Lenses 101",
            owner=store.user,
            version=0,
            videos=tuple(videos),
            timeline=tuple(clips),
            starting_images=tuple(images),
        )
    )
    if render_videos:
        _render_initial_videos(store, lecture)
    return DemoResult(store, created=True)


def _render_initial_videos(store: LectureStore, lecture: Lecture) -> None:
    """Give every segment a first committed video, made with the local model from its directions."""
    import tempfile

    from workbench.domain.clock import next_timestamp
    from workbench.domain.settings import resolve_video_settings
    from workbench.generation.local.render import render_video

    project = store.project(lecture.project_id)
    folder = store.media_dir(lecture.id, "videos")
    folder.mkdir(parents=True, exist_ok=True)
    videos = []
    with tempfile.TemporaryDirectory() as tmp:
        for asset in lecture.videos:
            settings = resolve_video_settings(None, project, asset).settings
            image = lecture.starting_image(asset.starting_image_id)
            if image is not None:
                source, regions = store.media_path(image.path), dict(image.regions)
            else:  # the legacy segment: its original still was never stored, so draw a stand-in title card
                picture, regions = draw_slide(
                    SlideSpec(asset.title, ("(original still not kept)",), "eye", (60, 60, 60))
                )
                source = Path(tmp) / f"{asset.id}.png"
                picture.save(source)
            output = folder / f"{asset.id}-v1.mp4"
            render_video(source, output, settings, regions=regions)
            videos.append(replace(asset, path=store.relative(output), updated_at=next_timestamp()))
    store.commit_lecture(replace(lecture, videos=tuple(videos)), expected_version=lecture.version)


def open_store_or_demo(path: str | Path, *, user: str | None = None) -> LectureStore:
    """Open the store at ``path``; a folder that does not exist yet becomes the demo store.

    This is what the notebooks call, so they run top to bottom on a fresh clone.
    """
    root = Path(path)
    return init_demo_store(root, user=user).store if not root.exists() else open_store(root, user=user)
