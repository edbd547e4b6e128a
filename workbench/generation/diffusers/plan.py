"""Effective settings → what the pipeline is asked for, and what is said about it before the job starts.

A diffusers pipeline takes only some frame counts and frame sizes (:mod:`.families`), and rounds others
itself — down, sometimes silently. Here nothing is left to it:

- **Length.** The take must be exactly ``duration × fps`` frames (what every other model delivers and what
  the batch checks). The pipeline is asked for the smallest count it accepts that covers it (Wan: 4k+1, so
  4 s at 24 fps = 96 frames → 97 generated) and the extra frames at the end are dropped. A model trained at
  another rate (``model_fps``: Wan 2.1 moves at 16 fps) is asked for its own frames for the duration and
  retimed to the take's rate, each output frame showing the model frame nearest its time.
- **Size.** Sides are rounded *up* to the multiple the pipeline needs (1280x720 → 1280x736 on Wan 2.2 TI2V,
  multiples of 32) and the result is centre-cropped back to the asked resolution, so pixels are never scaled
  and the take has exactly the segment's size. The starting image is crop-filled to the generated size.
- Each adjustment is a note returned by ``check()``: the editor and the batch dry run show it before
  anything runs, and the take keeps it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.domain.models import VideoSettings
from workbench.errors import InvalidSettingError
from workbench.generation.diffusers.families import Rules
from workbench.generation.diffusers.spec import DiffusersSpec

__all__ = ["GenerationPlan", "plan_generation"]


@dataclass(frozen=True)
class GenerationPlan:
    """One generation: what the pipeline makes and how it becomes the take."""

    #: Frames the pipeline is asked for (valid for it) and the size it makes them at.
    generate_frames: int
    generate_width: int
    generate_height: int
    #: The take: ``frame_count`` frames of ``width`` × ``height`` at ``fps``.
    frame_count: int
    width: int
    height: int
    fps: int
    #: The rate the model's frames stand for (``fps`` unless the model has its own).
    model_fps: int
    #: Which generated frame each take frame shows (``None``: the first ``frame_count``, in order).
    frame_map: tuple[int, ...] | None
    steps: int
    guidance: float
    seed: int
    prompt: str
    negative_prompt: str
    #: What was adjusted, in words, said before the job starts.
    notes: tuple[str, ...]

    @property
    def crop(self) -> tuple[int, int]:
        """Left and top offsets of the take inside the generated frames (centred)."""
        return (self.generate_width - self.width) // 2, (self.generate_height - self.height) // 2


def plan_generation(
    spec: DiffusersSpec, rules: Rules, settings: VideoSettings, *, guidance: float
) -> GenerationPlan:
    """The plan for ``settings`` on a pipeline with ``rules``; :class:`InvalidSettingError` if it cannot be made."""
    fps, frames = settings.fps, settings.frame_count
    model_fps = spec.model_fps or fps
    step = rules.frame_step
    notes: list[str] = []
    if model_fps == fps:
        frame_map = None
        needed = frames
    else:
        # take frame i is at i/fps seconds; the model's frame nearest that time is round(i * model_fps / fps)
        frame_map = tuple(math.floor(i * model_fps / fps + 0.5) for i in range(frames))
        needed = frame_map[-1] + 1
    generate = _covering(needed, step)
    if spec.max_frames is not None and generate > spec.max_frames:
        longest = (spec.max_frames - 1) // step * step + 1
        raise InvalidSettingError(
            f"{spec.label} makes at most {longest} frames ({longest / model_fps:.2f} s at {model_fps} fps), so "
            f"{settings.duration_s:g} s cannot be made in one take. Choose a shorter duration."
        )
    if frame_map is not None:
        notes.append(
            f"{spec.label} moves at {model_fps} fps: it makes {generate} frames for {settings.duration_s:g} s, "
            f"retimed to {fps} fps ({frames} frames; each shows the model's frame nearest its time)."
        )
    elif generate != frames:
        notes.append(
            f"{spec.label} makes {step}k+1 frames: it makes {generate} and the last {generate - frames} "
            f"{'is' if generate - frames == 1 else 'are'} dropped, for exactly {frames} frames "
            f"({settings.duration_s:g} s at {fps} fps)."
        )
    width, height = settings.resolution.width, settings.resolution.height
    multiple = rules.side_multiple
    gen_w, gen_h = _round_up(width, multiple), _round_up(height, multiple)
    if (gen_w, gen_h) != (width, height):
        notes.append(
            f"{spec.label} makes sides in multiples of {multiple}: it makes {gen_w}x{gen_h}, centre-cropped to "
            f"{width}x{height}."
        )
    return GenerationPlan(
        generate_frames=generate,
        generate_width=gen_w,
        generate_height=gen_h,
        frame_count=frames,
        width=width,
        height=height,
        fps=fps,
        model_fps=model_fps,
        frame_map=frame_map,
        steps=spec.steps,
        guidance=guidance,
        seed=settings.seed,
        prompt=settings.movie_directions,
        negative_prompt=spec.negative_prompt,
        notes=tuple(notes),
    )


def _covering(frames: int, step: int) -> int:
    """The smallest ``step``·k+1 that is at least ``frames``."""
    return max(0, math.ceil((frames - 1) / step)) * step + 1


def _round_up(value: int, multiple: int) -> int:
    return math.ceil(value / multiple) * multiple
