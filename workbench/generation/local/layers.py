"""Picture effects over the clip's timeline: per frame, the layers the renderer draws over the camera's view.

Each effect starts with its step and persists after it: a rack focus crossfades which region is sharp, a
spotlight or highlight dims the rest, a reveal wipes a region in, and text lines appear one after another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from workbench.generation.local.plan import Easing, Effect, EffectKind, Focus
from workbench.generation.local.pose import Box, Layer
from workbench.generation.local.timeline import Timed, ease

__all__ = ["HIGHLIGHT_DIM", "LINE_FADE_SHARE", "SPOTLIGHT_DIM", "EffectTimeline"]

#: How much an effect's "rest" changes: spotlight and highlight darken it, rack focus blurs it.
SPOTLIGHT_DIM = 0.65
HIGHLIGHT_DIM = 0.35
#: Each text line of a line-by-line reveal fades in over this share of its slot.
LINE_FADE_SHARE = 0.6


class EffectTimeline:
    """Per-frame picture layers from the plan's effects: each starts with its step and persists after."""

    def __init__(
        self, timed: list[Timed], bounds: np.ndarray, lines: Mapping[str, Sequence[Box]], warnings: list[str]
    ) -> None:
        self.items: list[tuple[float, float, Effect, tuple[Box, ...]]] = []
        for index, t in enumerate(timed):
            for effect in t.step.effects:
                boxes: tuple[Box, ...] = ()
                if effect.kind is EffectKind.LINES:
                    name = effect.region.name if effect.region is not None else ""
                    boxes = tuple(lines.get(name, ()))
                    if not boxes:
                        where = effect.region.describe() if effect.region is not None else "the slide"
                        warnings.append(
                            f"No text lines were found in {where}; they cannot appear one by one."
                        )
                        continue
                self.items.append((float(bounds[index]), float(bounds[index + 1]), effect, boxes))

    def at(self, p: float) -> tuple[Layer, ...]:
        layers: list[Layer] = []
        blur = self._latest(p, (EffectKind.FOCUS,))
        if blur is not None:
            layers.append(self._focus_layer(p, *blur))
        dim = self._latest(p, (EffectKind.SPOTLIGHT, EffectKind.HIGHLIGHT))
        if dim is not None:
            a, b, effect, _ = dim
            depth = SPOTLIGHT_DIM if effect.kind is EffectKind.SPOTLIGHT else HIGHLIGHT_DIM
            layers.append(
                Layer("dim", ((_box(effect.region), 1.0),), depth * effect.strength * _progress(p, a, b))
            )
        covers: list[tuple[Box, float]] = []
        for a, b, effect, lines in self.items:
            if effect.kind is EffectKind.REVEAL and effect.region is not None:
                x, y, w, h = _box(effect.region)
                done = _progress(p, a, b)
                if done < 1.0:
                    covers.append(((x + done * w, y, (1 - done) * w, h), 1.0))
            elif effect.kind is EffectKind.LINES:
                n = len(lines)
                s = (p - a) / (b - a) if b > a else 1.0
                for i, line in enumerate(lines):
                    shown = min(max((s * n - i) / LINE_FADE_SHARE, 0.0), 1.0)
                    if shown < 1.0:
                        covers.append((line, 1.0 - shown))
        if covers:
            layers.insert(0, Layer("cover", tuple(covers)))
        return tuple(layers)

    def _latest(
        self, p: float, kinds: tuple[EffectKind, ...]
    ) -> tuple[float, float, Effect, tuple[Box, ...]] | None:
        started = [
            item
            for item in self.items
            if item[2].kind in kinds and (p >= item[0] or item[2].origin is not None)
        ]
        return started[-1] if started else None

    def _focus_layer(self, p: float, a: float, b: float, effect: Effect, _lines: tuple[Box, ...]) -> Layer:
        e = ease(Easing.EASE_IN_OUT, _progress(p, a, b))
        boxes: list[tuple[Box, float]] = []
        if effect.region is not None:
            boxes.append((_box(effect.region), e))
        if effect.origin is not None:
            boxes.append((_box(effect.origin), 1.0 - e))
            amount = effect.strength
        else:
            amount = effect.strength * e
        return Layer("blur", tuple(boxes), amount)


def _box(focus: Focus | None) -> Box:
    if focus is None or focus.box is None:
        x, y = (focus.x, focus.y) if focus is not None else (0.5, 0.5)
        return (x - 0.1, y - 0.1, 0.2, 0.2)
    return focus.box


def _progress(p: float, a: float, b: float) -> float:
    return 1.0 if b <= a else min(max((p - a) / (b - a), 0.0), 1.0)
