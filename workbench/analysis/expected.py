"""What a take's directions ask the camera to do, as checkable moves (the input of direction adherence).

The words are read by the local model's parser (:func:`describe_directions`), whichever model made the take: its
plan is the project's reading of the directions. Each step becomes the moves a video must show, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench.generation.local.directions import describe_directions
from workbench.generation.local.plan import CameraPlan, EffectKind, Focus, MoveKind

__all__ = ["CAMERA_KINDS", "ExpectedMove", "ExpectedStep", "expected_from_directions", "expected_from_plan"]

#: Kinds a camera track can show (the rest are picture effects, checked on the pixels).
CAMERA_KINDS = frozenset({"pan", "tilt", "zoom", "roll", "orbit", "hold", "shake"})
_KINDS = {
    MoveKind.PAN: "pan",
    MoveKind.TRUCK: "pan",
    MoveKind.TILT: "tilt",
    MoveKind.PEDESTAL: "tilt",
    MoveKind.ZOOM: "zoom",
    MoveKind.ROLL: "roll",
    MoveKind.ORBIT: "orbit",
    MoveKind.STATIC: "hold",
}
_EFFECTS = {
    EffectKind.FOCUS: "focus",
    EffectKind.SPOTLIGHT: "spotlight",
    EffectKind.HIGHLIGHT: "highlight",
    EffectKind.REVEAL: "reveal",
    EffectKind.LINES: "lines",
}
_DIRECTIONS = {"clockwise": "cw", "counterclockwise": "ccw"}


@dataclass(frozen=True)
class ExpectedMove:
    """One thing a video should show: ``kind`` is pan, tilt, zoom, roll, orbit, hold, shake (camera) or focus,
    spotlight, highlight, reveal, lines (picture); ``direction`` left/right/up/down/in/out/cw/ccw or empty;
    ``to``/``origin``/``across`` where the move ends, starts or travels."""

    kind: str
    direction: str = ""
    speed: str | None = None
    to: Focus | None = None
    origin: Focus | None = None
    across: Focus | None = None
    blur: bool = False

    def describe(self) -> str:
        parts = [self.kind, self.direction]
        if self.origin is not None:
            parts.append(f"from {self.origin.describe()}")
        if self.across is not None:
            parts.append(f"across {self.across.describe()}")
        if self.to is not None:
            parts.append(f"to {self.to.describe()}")
        return " ".join(p for p in parts if p)


ExpectedStep = tuple[ExpectedMove, ...]


def expected_from_plan(plan: CameraPlan) -> tuple[ExpectedStep, ...]:
    """The plan's steps as expected moves (holds only where the plan holds on purpose)."""
    steps: list[ExpectedStep] = []
    for step in plan.steps:
        moves: list[ExpectedMove] = []
        for move in step.moves:
            kind = _KINDS[move.kind]
            if kind == "hold" and (step.effects or step.handheld):
                continue
            moves.append(
                ExpectedMove(
                    kind,
                    "" if move.chosen else _DIRECTIONS.get(move.direction, move.direction),
                    move.speed if kind != "hold" else None,
                    step.target if kind != "hold" else None,
                    step.origin if kind != "hold" else None,
                    step.across if kind != "hold" else None,
                    move.blur,
                )
            )
        for effect in step.effects:
            moves.append(ExpectedMove(_EFFECTS[effect.kind], to=effect.region, origin=effect.origin))
        if step.handheld:
            moves.append(ExpectedMove("shake"))
        if moves:
            steps.append(tuple(moves))
    return tuple(steps)


def expected_from_directions(
    text: str, regions: Mapping[str, tuple[float, float, float, float]] | None = None, *, seed: int = 0
) -> tuple[tuple[ExpectedStep, ...], CameraPlan]:
    """Parse ``text`` and return the expected moves with the plan they came from (its warnings say what the
    words ask that no camera can show; a default plan expects nothing)."""
    plan = describe_directions(text, regions, seed=seed)
    return (() if plan.is_default else expected_from_plan(plan)), plan
