"""The camera plan: what the parsed movie directions ask the camera to do, as plain inspectable data.

:func:`workbench.generation.local.directions.describe_directions` builds it from text; the camera path
(:mod:`.camera`) turns it into per-frame poses. Magnitudes are how far a move goes over its step (not per
second), so a slow zoom over 30 s goes as far as over 5 s, only more gently, and never runs off the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FULL_FRAME",
    "SPEEDS",
    "CameraPlan",
    "Easing",
    "Effect",
    "EffectKind",
    "Focus",
    "Move",
    "MoveKind",
    "Step",
]

#: Speed levels, slowest first; ``Move.speed`` is one of these.
SPEEDS = ("very slow", "slow", "normal", "fast", "very fast")


class MoveKind(StrEnum):
    """What the camera does. On a still image dolly = zoom, truck/pedestal = pan/tilt (no parallax), and an
    orbit is a perspective turn of the flat picture (keystone), the closest a single image comes to one."""

    ZOOM = "zoom"
    PAN = "pan"
    TILT = "tilt"
    TRUCK = "truck"
    PEDESTAL = "pedestal"
    ROLL = "roll"
    ORBIT = "orbit"
    STATIC = "static"


class EffectKind(StrEnum):
    """Changes to the picture rather than the camera, each approximating a film technique on a flat image."""

    FOCUS = "rack focus"  # sharp on a region, blurred elsewhere
    SPOTLIGHT = "spotlight"  # everything but a region dims strongly
    HIGHLIGHT = "highlight"  # everything but a region dims a little
    REVEAL = "reveal"  # a region is hidden at first, then wipes in
    LINES = "lines one by one"  # the text lines of a region appear in turn


class Easing(StrEnum):
    """How a step's motion starts and ends. Ease in-out (smoothstep) is the default."""

    EASE_IN_OUT = "ease in-out"
    EASE_IN = "ease in"
    EASE_OUT = "ease out"
    LINEAR = "linear"


@dataclass(frozen=True)
class Move:
    """One camera motion within a step.

    ``magnitude`` is signed and in the move's own unit: for ``zoom`` the factor the view is magnified by
    (> 1 in, < 1 out); for ``pan``/``truck`` a fraction of the image width (+ right); for
    ``tilt``/``pedestal`` a fraction of the image height (+ down); for ``roll`` degrees (+ clockwise); for
    ``orbit`` degrees the picture turns (+ right). ``direction`` is empty when a target decides it.
    """

    kind: MoveKind
    direction: str = ""
    speed: str = "normal"
    magnitude: float = 0.0
    #: True when the amount came from a number in the text ("2x", "10 degrees"), not from the speed.
    explicit_amount: bool = False
    #: A whip pan: so fast the picture smears along the move (motion blur).
    blur: bool = False
    #: True when the text named no direction and the seed chose it.
    chosen: bool = False

    def describe(self) -> str:
        if self.kind is MoveKind.STATIC:
            return "hold still"
        name = "whip pan" if self.blur else self.kind.value
        if self.magnitude == 0 or not self.direction:
            return name
        if self.kind is MoveKind.ZOOM:
            amount = f"×{self.magnitude:.2f}" if self.magnitude >= 1 else f"×{1 / self.magnitude:.2f}"
            return f"zoom {self.direction} {amount}"
        if self.kind in (MoveKind.ROLL, MoveKind.ORBIT):
            return f"{name} {self.direction} {abs(self.magnitude):.0f}°"
        side = "width" if self.kind in (MoveKind.PAN, MoveKind.TRUCK) else "height"
        return f"{name} {self.direction} {abs(self.magnitude) * 100:.2g}% of the {side}"


@dataclass(frozen=True)
class Focus:
    """Where a step aims: a named region of the starting image, a named position, or the centre.

    ``x``/``y`` are the aim point and ``box`` the region (x, y, w, h), all fractions of the image size.
    """

    name: str
    x: float
    y: float
    box: tuple[float, float, float, float] | None = None
    #: "region" (named on the image), "position" ("the top-left"), "whole" (the whole picture) or
    #: "point" (a name the image does not mark, aimed at the centre).
    kind: str = "point"

    def describe(self) -> str:
        return f"the {self.name}" if self.kind in ("position", "whole") else f"'{self.name}'"


#: The whole image ("the whole slide", "a wide shot").
FULL_FRAME = Focus("whole slide", 0.5, 0.5, (0.0, 0.0, 1.0, 1.0), kind="whole")


@dataclass(frozen=True)
class Effect:
    """A picture effect over a step: ``region`` is where it points (sharp, lit, revealed), ``origin`` where a
    rack focus starts. ``strength`` is 0..1 (how far the rest blurs or dims)."""

    kind: EffectKind
    region: Focus | None = None
    origin: Focus | None = None
    strength: float = 1.0

    def describe(self) -> str:
        text = self.kind.value
        if self.kind is EffectKind.LINES:
            return f"text lines of {self.region.describe() if self.region else 'the slide'} appear one by one"
        if self.origin is not None:
            text += f" from {self.origin.describe()}"
        if self.region is not None:
            text += f" {'to' if self.kind is EffectKind.FOCUS else 'on'} {self.region.describe()}"
        return text


@dataclass(frozen=True)
class Step:
    """Moves that happen together; a plan's steps happen one after the other ("… then …")."""

    moves: tuple[Move, ...]
    easing: Easing = Easing.EASE_IN_OUT
    #: Where the view centre ends up ("on the diagram").
    target: Focus | None = None
    #: Where the view centre starts ("from the title"); only honoured on the first step.
    origin: Focus | None = None
    #: True when ``target`` must end fully in view ("revealing the title", "to the whole slide").
    frame_target: bool = False
    #: A region the move travels across, from one side to the other ("across the bullets").
    across: Focus | None = None
    #: Picture effects during this step (they persist afterwards).
    effects: tuple[Effect, ...] = ()
    #: Handheld shake during this step, as a fraction of the view (0 = a steady camera).
    handheld: float = 0.0
    #: Seconds asked for ("for 2 seconds"); ``None`` shares the remaining time.
    seconds: float | None = None
    #: The words this step was parsed from.
    text: str = ""

    @property
    def is_static(self) -> bool:
        """True when the camera does not move (effects and shake may still play)."""
        return all(m.kind is MoveKind.STATIC for m in self.moves)

    @property
    def is_hold(self) -> bool:
        """True when nothing at all changes during the step."""
        return self.is_static and not self.effects and not self.handheld

    @property
    def is_whip(self) -> bool:
        return any(m.blur for m in self.moves)

    def describe(self) -> str:
        parts = [m.describe() for m in self.moves if not (m.kind is MoveKind.STATIC and self.effects)]
        parts += [e.describe() for e in self.effects]
        if self.handheld:
            parts.append("handheld shake")
        text = " and ".join(parts or ["hold still"])
        if self.origin is not None:
            text += f" from {self.origin.describe()}"
        if self.across is not None:
            text += f" across {self.across.describe()}"
        if self.target is not None:
            text += f" {'to show' if self.frame_target else 'towards'} {self.target.describe()}"
        speeds = sorted({m.speed for m in self.moves if m.kind is not MoveKind.STATIC}, key=SPEEDS.index)
        details = [*speeds, self.easing.value] if not self.is_static else []
        if self.seconds is not None:
            details.append(f"{self.seconds:g} s")
        return f"{text} ({', '.join(details)})" if details else text


@dataclass(frozen=True)
class CameraPlan:
    """The whole shot: steps in order, fades, and what was not understood or cannot be shown."""

    steps: tuple[Step, ...]
    fade_in: bool = False
    fade_out: bool = False
    #: Human sentences for the UI, e.g. "not understood: 'wobble'".
    warnings: tuple[str, ...] = ()
    text: str = ""
    seed: int = 0
    #: True when nothing in the text described a camera move and a default move was used.
    is_default: bool = False
    #: Remarks that are not problems, e.g. style words a camera model has no use for.
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line for the UI, e.g. "1. zoom in ×1.30 towards 'diagram' (slow, ease in-out)."."""
        if not self.steps:
            lines = ["Hold still"]
        elif len(self.steps) == 1:
            lines = [_capitalise(self.steps[0].describe())]
        else:
            lines = [f"{i}. {step.describe()}" for i, step in enumerate(self.steps, 1)]
        text = "; then ".join(lines) if len(lines) > 1 else lines[0]
        extras = [
            name
            for name, on in (
                ("fade in from black", self.fade_in),
                ("fade out to black", self.fade_out),
            )
            if on
        ]
        if extras:
            text += "; " + " and ".join(extras)
        if self.is_default:
            text += f" (default move, varied by seed {self.seed})"
        return text + "."


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
