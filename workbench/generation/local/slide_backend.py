"""``local-slide``: the embedded starting-image model (no GPU, no network), a slide drawn from an outline.

See :mod:`.slide_prompt` for what it reads and :mod:`.slide_render` for how it draws. It records where the
title, the bullets and each named figure are, so the camera model's directions can aim at them.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from pathlib import Path

from workbench.domain.defaults import DEFAULT_IMAGE_MODEL
from workbench.domain.image_settings import validate_image_settings
from workbench.domain.models import ImageSettings
from workbench.generation.base import BackendInfo, Progress, ProgressCallback
from workbench.generation.image_base import ImageRequest, ImageResult
from workbench.generation.local.slide_prompt import parse_slide_prompt
from workbench.generation.local.slide_render import RenderedSlide, render_slide

__all__ = ["LocalSlideBackend", "render_slide_png"]


class LocalSlideBackend:
    info = BackendInfo(
        name=DEFAULT_IMAGE_MODEL,
        label="Slide from an outline (local, no GPU)",
        supports=frozenset({"prompt", "size", "seed"}),
        local=True,
        kind="image",
        description=(
            "Draws a clean slide from a short outline: a title line, bullet lines starting with '-', an optional "
            "'accent: teal' and named figures ('figure diagram: lens'). Renders here in a fraction of a second."
        ),
    )

    def check(self, settings: ImageSettings) -> tuple[str, ...]:
        """What the outline cannot show (warnings); the current image is not used by this model."""
        return parse_slide_prompt(settings.prompt).warnings + _reference_note(settings)

    async def generate(self, request: ImageRequest, progress: ProgressCallback) -> ImageResult:
        if not request.settings_checked:
            validate_image_settings(request.settings)
        started = time.perf_counter()
        progress(Progress(0.05, "Drawing the slide…"))
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(
            request.executor, render_slide_png, request.settings, Path(request.output_path)
        )
        try:
            slide, size_bytes = await asyncio.shield(job)
        except asyncio.CancelledError:
            # the drawing takes a fraction of a second: let it finish, then remove what it wrote
            await asyncio.wait({job})
            if not job.cancelled() and job.exception() is None:
                await asyncio.to_thread(Path(request.output_path).unlink, missing_ok=True)
            raise
        progress(Progress(1.0, "Slide drawn"))
        return ImageResult(
            path=Path(request.output_path),
            width=slide.image.width,
            height=slide.image.height,
            size_bytes=size_bytes,
            regions=slide.regions,
            timings={"total_s": round(time.perf_counter() - started, 4)},
            warnings=slide.warnings + _reference_note(request.settings),
        )


def render_slide_png(settings: ImageSettings, output_path: Path) -> tuple[RenderedSlide, int]:
    """Draw the slide of ``settings`` and write it as a PNG at ``output_path`` (atomically). CPU work."""
    prompt = parse_slide_prompt(settings.prompt)
    slide = render_slide(prompt, settings.size.width, settings.size.height, seed=settings.seed)
    buffer = io.BytesIO()
    slide.image.save(buffer, format="PNG", compress_level=6)
    data = buffer.getvalue()
    partial = output_path.with_name(f".{output_path.name}.part")
    try:
        with open(partial, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, output_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return slide, len(data)


def _reference_note(settings: ImageSettings) -> tuple[str, ...]:
    if not settings.reference:
        return ()
    return ("The local slide model draws from the outline only; it does not start from the current image.",)
