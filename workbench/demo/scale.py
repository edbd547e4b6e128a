"""A large generated lecture (1,000 segments by default) to check that the workbench's cost follows what
changed, not the lecture's size: the UI scale benchmark and the browser's paging test open it.

Segments cycle through a dozen drawn slides (shared starting images, as a real deck reuses layouts) and
share one small rendered video, so building it takes seconds, not a render per segment.
"""

from __future__ import annotations

import io
from pathlib import Path

from workbench.demo.slides import SlideSpec, draw_slide
from workbench.domain.clock import next_timestamp
from workbench.domain.models import (
    Lecture,
    Project,
    Resolution,
    StartingImage,
    TimelineClip,
    VideoAsset,
    VideoDefaults,
    VideoSettings,
)
from workbench.store import LectureStore, open_store

__all__ = ["SCALE_LECTURE_ID", "init_scale_store"]

SCALE_PROJECT_ID = "scale"
SCALE_LECTURE_ID = "big-lecture"

_TOPICS = ("lens", "bars", "wave", "rays", "mirror", "eye")
_DIRECTIONS = (
    "Slow push-in on the diagram",
    "Pan right across the slide, gentle ease in and out",
    "Tilt down from the title to the diagram, then hold",
    "Fade in, then quick zoom in on the diagram",
    "Static shot, fade out at the end",
    "Slow zoom out from the title",
)
_ACCENTS = ((46, 84, 150), (32, 120, 100), (120, 60, 140), (170, 90, 30), (150, 40, 60), (60, 60, 60))


def init_scale_store(path: str | Path, *, segments: int = 1000, user: str | None = None) -> LectureStore:
    """Create a store at ``path`` holding one lecture of ``segments`` segments (``SCALE_LECTURE_ID``)."""
    store = open_store(path, create=True, user=user)
    store.save_project(
        Project(
            id=SCALE_PROJECT_ID,
            name="Scale check",
            owner=store.user,
            video_defaults=VideoDefaults(resolution=Resolution(1280, 720), fps=24),
        )
    )
    images = []
    for index in range(12):
        topic = _TOPICS[index % len(_TOPICS)]
        picture, regions = draw_slide(
            SlideSpec(
                f"Slide layout {index + 1}", ("First point", "Second point"), topic, _ACCENTS[index % 6]
            )
        )
        buf = io.BytesIO()
        picture.resize((960, 540)).save(buf, format="PNG")
        images.append(
            store.import_starting_image(
                SCALE_LECTURE_ID, buf.getvalue(), image_id=f"img-{index:02d}", regions=regions
            )
        )
    video = _render_shared_video(store, images[0])
    stamp = next_timestamp()
    videos, clips = [], []
    for index in range(segments):
        stamp = next_timestamp(stamp)
        asset_id = f"seg-{index + 1:04d}"
        videos.append(
            VideoAsset(
                id=asset_id,
                title=f"Part {index // 10 + 1}.{index % 10 + 1}: {_TOPICS[index % len(_TOPICS)]} slide",
                starting_image_id=images[index % len(images)].id,
                movie_directions=_DIRECTIONS[index % len(_DIRECTIONS)],
                duration_s=4.0,
                seed=index,
                path=video,
                updated_at=stamp,
            )
        )
        clips.append(TimelineClip(id=f"clip-{index + 1:04d}", asset_id=asset_id, start_s=4.0 * index))
    store.create_lecture(
        Lecture(
            id=SCALE_LECTURE_ID,
            project_id=SCALE_PROJECT_ID,
            title=f"A {segments}-segment lecture",
            owner=store.user,
            version=0,
            videos=tuple(videos),
            timeline=tuple(clips),
            starting_images=tuple(images),
        )
    )
    return store


def _render_shared_video(store: LectureStore, image: StartingImage) -> str:
    from workbench.generation.local.render import render_video

    folder = store.media_dir(SCALE_LECTURE_ID, "videos")
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / "shared-v1.mp4"
    settings = VideoSettings("Slow push-in on the diagram", "local-camera", 1.0, Resolution(320, 180), 12, 0)
    render_video(store.media_path(image.path), output, settings, regions=dict(image.regions))
    return store.relative(output)
