"""The camera plan drawn on the starting image: where each step's view starts and ends, and the path between.

The editor shows it next to the plan in words, so a misreading ("pan left" that starts on the wrong side, a
zoom that aims at the wrong region) is seen before anything is rendered. It is computed from the same camera
path the renderer uses, at a few dozen samples, on a thumbnail: cheap enough to redraw on every keystroke.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from workbench.domain.models import VideoSettings
from workbench.generation.local.camera import CameraPath, CameraPose, plan_camera_path
from workbench.generation.local.directions import describe_directions
from workbench.generation.local.plan import CameraPlan
from workbench.generation.local.source import load_starting_image

__all__ = ["STORYBOARD_WIDTH", "draw_storyboard", "storyboard_png"]

#: Width of the storyboard image, in pixels.
STORYBOARD_WIDTH = 480
#: Camera path samples drawn (the path line), independent of the clip's frame count.
SAMPLES = 48
_START, _END, _STEP, _PATH, _PLACE = (46, 160, 67), (214, 48, 49), (90, 90, 90), (255, 165, 0), (52, 101, 164)


def storyboard_png(
    image_path: str | Path,
    settings: VideoSettings,
    regions: Mapping[str, tuple[float, float, float, float]] | None = None,
) -> bytes:
    """The storyboard of ``settings`` over the image at ``image_path``, as PNG bytes."""
    rgb = load_starting_image(image_path)
    plan = describe_directions(settings.movie_directions, regions or {}, seed=settings.seed)
    size = (settings.resolution.width, settings.resolution.height)
    image = draw_storyboard(rgb, plan, size)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def draw_storyboard(rgb: np.ndarray, plan: CameraPlan, output_size: tuple[int, int]) -> Image.Image:
    """Draw ``plan`` over ``rgb``: the first view (green), the last (red), each step's end (grey, numbered),
    the path of the view's centre (orange, with an arrow), and the regions the plan aims at (blue)."""
    height, width = rgb.shape[:2]
    path = plan_camera_path(plan, (width, height), output_size, SAMPLES, SAMPLES / 4)
    scale = STORYBOARD_WIDTH / width
    thumb = Image.fromarray(rgb).resize(
        (STORYBOARD_WIDTH, max(1, round(height * scale))), Image.Resampling.BILINEAR
    )
    # Dim the picture a little so the drawing reads on any image.
    canvas = Image.blend(thumb, Image.new("RGB", thumb.size, (255, 255, 255)), 0.25)
    draw = ImageDraw.Draw(canvas, "RGBA")
    font = ImageFont.load_default(size=13)
    for step in plan.steps:
        for place in (step.target, step.origin, step.across, *(e.region for e in step.effects)):
            if place is not None and place.box is not None and place.kind == "region":
                x, y, w, h = place.box
                box = (
                    x * width * scale,
                    y * height * scale,
                    (x + w) * width * scale,
                    (y + h) * height * scale,
                )
                draw.rectangle(box, outline=(*_PLACE, 200), width=1)
                draw.text((box[0] + 3, box[1] + 2), place.name, fill=(*_PLACE, 255), font=font)
    for span in path.spans[:-1]:
        _view(draw, path.poses[span.last], path, scale, _STEP, 1)
    centres = [(p.cx * scale, p.cy * scale) for p in path.poses]
    if len(centres) > 1:
        draw.line(centres, fill=(*_PATH, 255), width=2)
        _arrow(draw, centres)
    _view(draw, path.poses[0], path, scale, _START, 3)
    _view(draw, path.poses[-1], path, scale, _END, 3)
    numbered = [span for span in path.spans if span.plan_index is not None]
    for span in numbered if len(numbered) > 1 else ():
        x, y = path.poses[span.last].cx * scale, path.poses[span.last].cy * scale
        draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=(255, 255, 255, 230), outline=(*_STEP, 255))
        draw.text((x, y), str(span.plan_index + 1), fill=(0, 0, 0, 255), font=font, anchor="mm")
    draw.text((6, canvas.height - 18), "start", fill=(*_START, 255), font=font)
    draw.text((48, canvas.height - 18), "end", fill=(*_END, 255), font=font)
    return canvas


def _view(
    draw: ImageDraw.ImageDraw,
    pose: CameraPose,
    path: CameraPath,
    scale: float,
    colour: tuple[int, ...],
    width: int,
) -> None:
    corners = pose.corners(*path.output_size) * scale
    draw.polygon([tuple(c) for c in corners], outline=(*colour, 255), width=width)


def _arrow(draw: ImageDraw.ImageDraw, centres: list[tuple[float, float]]) -> None:
    """An arrowhead at the end of the path, pointing the way it last moved (if it moved at all)."""
    end = np.array(centres[-1])
    for previous in reversed(centres[:-1]):
        direction = end - np.array(previous)
        if np.hypot(*direction) > 2:
            break
    else:
        return
    direction /= np.hypot(*direction)
    normal = np.array([-direction[1], direction[0]])
    tip = end
    left, right = tip - 9 * direction + 5 * normal, tip - 9 * direction - 5 * normal
    draw.polygon([tuple(tip), tuple(left), tuple(right)], fill=(*_PATH, 255))
