"""The camera plan: what the parsed movie directions ask the camera to do, as plain inspectable data.

:func:`workbench.generation.local.directions.describe_directions` builds it from text; the camera path
(:mod:`.camera`) turns it into per-frame poses. Magnitudes are how far a move goes over its step (not per
second), so a slow zoom over 30 s goes as far as over 5 s, only more gently, and never runs off the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "SPEEDS",
    "CameraPlan",
    "Easing",
    "Focus",
    "Move",
    "MoveKind",
    "Step",
]

#: Speed levels, slowest first; ``Move.speed`` is one of these.
SPEEDS = ("very slow", "slow", "normal", "fast", "very fast")


class MoveKind(StrEnum):
    """What the camera does. On a still image dolly = zoom, and truck/pedestal = pan/tilt (no parallax)."""

    ZOOM = "zoom"
    PAN = "pan"
    TILT = "tilt"
    TRUCK = "truck"
    PEDESTAL = "pedestal"
    ROLL = "roll"
    STATIC = "static"


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
    ``tilt``/``pedestal`` a fraction of the image height (+ down); for ``roll`` degrees (+ clockwise).
    """

    kind: MoveKind
    direction: str = ""
    speed: str = "normal"
    magnitude: float = 0.0
    #: True when the amount came from a number in the text ("2x", "10 degrees"), not from the speed.
    explicit_amount: bool = False

    def describe(self) -> str:
        if self.kind is MoveKind.STATIC:
            return "hold still"
        if self.magnitude == 0:
            return self.kind.value
        if self.kind is MoveKind.ZOOM:
            amount = f"×{self.magnitude:.2f}" if self.magnitude >= 1 else f"×{1 / self.magnitude:.2f}"
            return f"zoom {self.direction} {amount}"
        if self.kind is MoveKind.ROLL:
            return f"roll {self.direction} {abs(self.magnitude):.0f}°"
        side = "width" if self.kind in (MoveKind.PAN, MoveKind.TRUCK) else "height"
        return f"{self.kind.value} {self.direction} {abs(self.magnitude) * 100:.2g}% of the {side}"


@dataclass(frozen=True)
class Focus:
    """Where a step aims: a named region of the starting image, a named position, or the centre.

    ``x``/``y`` are the aim point and ``box`` the region (x, y, w, h), all fractions of the image size.
    """

    name: str
    x: float
    y: float
    box: tuple[float, float, float, float] | None = None

    def describe(self) -> str:
        return f"'{self.name}'" if self.box is not None else f"the {self.name}"


@dataclass(frozen=True)
class Step:
    """Moves that happen together; a plan's steps happen one after the other ("… then …")."""

    moves: tuple[Move, ...]
    easing: Easing = Easing.EASE_IN_OUT
    #: Where the view centre ends up ("on the diagram").
    target: Focus | None = None
    #: Where the view centre starts ("from the title"); only honoured on the first step.
    origin: Focus | None = None
    #: Seconds asked for ("for 2 seconds"); ``None`` shares the remaining time equally.
    seconds: float | None = None
    #: The words this step was parsed from.
    text: str = ""

    @property
    def is_static(self) -> bool:
        return all(m.kind is MoveKind.STATIC for m in self.moves)

    def describe(self) -> str:
        parts = [m.describe() for m in self.moves] or ["hold still"]
        text = " and ".join(parts)
        if self.origin is not None:
            text += f" from {self.origin.describe()}"
        if self.target is not None:
            text += f" towards {self.target.describe()}"
        speeds = sorted({m.speed for m in self.moves if m.kind is not MoveKind.STATIC}, key=SPEEDS.index)
        details = [*speeds, self.easing.value] if not self.is_static else []
        if self.seconds is not None:
            details.append(f"{self.seconds:g} s")
        return f"{text} ({', '.join(details)})" if details else text


@dataclass(frozen=True)
class CameraPlan:
    """The whole shot: steps in order, fades, and what was not understood."""

    steps: tuple[Step, ...]
    fade_in: bool = False
    fade_out: bool = False
    #: Human sentences for the UI, e.g. "not understood: 'wobble'".
    warnings: tuple[str, ...] = ()
    text: str = ""
    seed: int = 0
    #: True when nothing in the text described a camera move and a default move was used.
    is_default: bool = False

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
        fades = [
            name
            for name, on in (("fade in from black", self.fade_in), ("fade out to black", self.fade_out))
            if on
        ]
        if fades:
            text += "; " + " and ".join(fades)
        if self.is_default:
            text += f" (default move, varied by seed {self.seed})"
        return text + "."


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
