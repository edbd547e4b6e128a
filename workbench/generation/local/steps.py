"""Phrases → the plan's steps: each move with its kind, direction, speed and size, each effect with its region.

Magnitudes come from the speed words (tables in :mod:`.vocabulary`) or the amounts in the text; a direction the
text leaves open is chosen by the seed and said; "straightens back out" undoes the roll so far.
"""

from __future__ import annotations

import dataclasses
import math
import random

from workbench.generation.local import vocabulary as vocab
from workbench.generation.local.lexer import Regions
from workbench.generation.local.phrases import Phrase
from workbench.generation.local.plan import (
    FULL_FRAME,
    SPEEDS,
    Easing,
    Effect,
    EffectKind,
    Focus,
    Move,
    MoveKind,
    Step,
)

__all__ = ["NORMAL", "StepBuilder", "direction_word", "last_group", "merge_holds", "resolve_kind"]

NORMAL = SPEEDS.index("normal")
_CHOICES = {
    "pan": ("left", "right"),
    "truck": ("left", "right"),
    "whip": ("left", "right"),
    "tilt": ("up", "down"),
    "pedestal": ("up", "down"),
    "roll": ("clockwise", "counterclockwise"),
    "orbit": ("left", "right"),
    "move": ("left", "right", "up", "down"),
}
_AXIS = {
    MoveKind.ZOOM: "zoom",
    MoveKind.PAN: "x",
    MoveKind.TRUCK: "x",
    MoveKind.TILT: "y",
    MoveKind.PEDESTAL: "y",
    MoveKind.ROLL: "roll",
    MoveKind.ORBIT: "orbit",
    MoveKind.STATIC: "static",
}


class StepBuilder:
    """Builds steps from phrase groups, in plan order (the roll so far and the seed's choices depend on it).

    ``warnings`` and ``unknown`` are the parser's lists (shared); ``fade_in`` is set when a reveal of the whole
    picture turns into a fade from black.
    """

    def __init__(self, regions: Regions, rng: random.Random, warnings: list[str], unknown: list[str]) -> None:
        self.regions, self.rng, self.warnings, self.unknown = regions, rng, warnings, unknown
        self.fade_in = False
        self.roll = 0.0  # degrees rolled so far, for "straightens back out"

    def axis(self, phrase: Phrase) -> str | None:
        if phrase.effect is not None:
            return f"effect:{phrase.effect}"
        if phrase.static or phrase.group is None:
            return None
        kind = self.kind(phrase)
        return _AXIS.get(kind, phrase.group) if kind is not None else phrase.group

    def kind(self, phrase: Phrase) -> MoveKind | None:
        group = phrase.group or "move"
        direction = phrase.direction or vocab.GROUPS[group][3]
        if not direction:
            return {
                "pan": MoveKind.PAN,
                "whip": MoveKind.PAN,
                "tilt": MoveKind.TILT,
                "truck": MoveKind.TRUCK,
                "pedestal": MoveKind.PEDESTAL,
                "roll": MoveKind.ROLL,
                "orbit": MoveKind.ORBIT,
                "move": MoveKind.TRUCK,
            }.get(group)
        return resolve_kind(group, direction)

    def step(self, phrases: list[Phrase]) -> Step | None:
        moves: list[Move] = []
        effects: list[Effect] = []
        handheld = 0.0
        for phrase in phrases:
            if phrase.handheld is not None:
                level = max(0, min(len(SPEEDS) - 1, NORMAL + phrase.handheld))
                handheld = max(handheld, vocab.SHAKE_AMPLITUDES[level])
            if phrase.effect is not None:
                effect = self.effect(phrase)
                if effect is not None:
                    effects.append(effect)
            elif phrase.static:
                moves.append(Move(MoveKind.STATIC))
            elif phrase.group is not None:
                moves.extend(self.moves(phrase))
        if not moves and not effects and not handheld:
            return None
        if any(m.kind is not MoveKind.STATIC for m in moves):
            moves = [m for m in moves if m.kind is not MoveKind.STATIC]
        target = next(
            (p.target for p in reversed(phrases) if p.target is not None and p.effect is None), None
        )
        origin = next((p.origin for p in phrases if p.origin is not None and p.effect is None), None)
        across = next((p.across for p in phrases if p.across is not None), None)
        frame = any(p.frame_target for p in phrases if p.target is target and target is not None)
        easing = next((p.easing for p in phrases if p.easing is not None), None)
        seconds = next((p.seconds for p in phrases if p.seconds is not None), None)
        if target is not None and target.kind == "whole":
            frame = True
        return Step(
            moves=tuple(moves) if moves else (Move(MoveKind.STATIC),),
            easing=easing or Easing.EASE_IN_OUT,
            target=target,
            origin=origin,
            frame_target=frame,
            across=across,
            effects=tuple(effects),
            handheld=handheld,
            seconds=seconds,
            text=" ".join(w for p in phrases for w in p.words),
        )

    def moves(self, phrase: Phrase) -> list[Move]:
        group = str(phrase.group)
        if group == "kenburns":
            return self.ken_burns(phrase)
        if group == "level":  # "straightens back out": undo the roll so far
            if abs(self.roll) < 1e-9:
                return []
            back = -self.roll
            self.roll = 0.0
            direction = "clockwise" if back > 0 else "counterclockwise"
            return [Move(MoveKind.ROLL, direction, SPEEDS[self.level(phrase, default=NORMAL)], back, True)]
        anchored = phrase.target is not None or phrase.across is not None or phrase.origin is not None
        if (
            not phrase.direction
            and phrase.origin is not None
            and phrase.target is not None
            and not vocab.GROUPS[group][3]
            and group not in ("orbit", "roll", "level")
        ):
            phrase.direction = _direction_between(group, phrase.origin, phrase.target)
        if not phrase.direction and phrase.across is not None and phrase.target is None:
            # "pan across the slide": the way we read, left to right (or top to bottom for a tilt)
            phrase.direction = "down" if group in ("tilt", "pedestal") else "right"
        direction = phrase.direction or vocab.GROUPS[group][3]
        vague = False
        if not direction:
            if anchored and group != "orbit":
                kind = self.kind(phrase)
                if group == "move" or kind is None:
                    kind = MoveKind.TRUCK
                level = self.level(phrase, default=NORMAL)
                return [Move(kind, "", SPEEDS[level], 0.0, blur=group == "whip")]
            choices = _CHOICES.get(group, ("left", "right"))
            direction = self.rng.choice(choices)
            vague = group == "move"
            self.warnings.append(
                f"No direction given for '{phrase.words[0] if phrase.words else group}'; "
                f"going {direction} (chosen by the seed)."
            )
        kind = resolve_kind(group, direction)
        if kind is None:
            self.unknown.append(f"{phrase.words[0] if phrase.words else group} {direction}")
            return []
        whip = group == "whip"
        level = self.level(
            phrase, default=len(SPEEDS) - 1 if whip else SPEEDS.index("slow") if vague else NORMAL
        )
        magnitude, explicit = self.magnitude(kind, direction, level, phrase.amount)
        chosen = not phrase.direction and not vocab.GROUPS[group][3]
        if kind is MoveKind.ROLL:
            self.roll += magnitude
        return [
            Move(
                kind,
                direction_word(kind, direction),
                SPEEDS[level],
                magnitude,
                explicit,
                blur=whip,
                chosen=chosen,
            )
        ]

    def ken_burns(self, phrase: Phrase) -> list[Move]:
        """A slow push-in with a gentle drift: towards the target, the named side, or one the seed picks."""
        level = self.level(phrase, default=SPEEDS.index("slow"))
        factor, explicit = self.magnitude(MoveKind.ZOOM, "in", level, phrase.amount)
        moves = [Move(MoveKind.ZOOM, "in", SPEEDS[level], factor, explicit)]
        if phrase.target is not None:
            return moves
        direction = phrase.direction if phrase.direction in ("left", "right", "up", "down") else ""
        if not direction:
            direction = self.rng.choice(("left", "right", "up", "down"))
        kind = MoveKind.TRUCK if direction in ("left", "right") else MoveKind.PEDESTAL
        shift = vocab.SHIFT_FRACTIONS[0] * (1 if direction in ("right", "down") else -1)
        moves.append(Move(kind, direction, SPEEDS[0], shift, chosen=not phrase.direction))
        return moves

    def effect(self, phrase: Phrase) -> Effect | None:
        kind = EffectKind[str(phrase.effect)]
        region = phrase.target
        if kind is EffectKind.REVEAL and phrase.one_by_one:
            kind = EffectKind.LINES
        if kind is EffectKind.LINES and region is None:
            region = self.region_named("bullets") or FULL_FRAME
        if kind is EffectKind.REVEAL and (region is None or region.kind == "whole"):
            self.fade_in = True  # revealing the whole picture is a fade from black
            return None
        if region is None and kind is not EffectKind.LINES:
            self.warnings.append(
                f"'{phrase.words[0] if phrase.words else kind.value}' needs a region to act "
                "on (e.g. 'spotlight the diagram'); it was left out."
            )
            return None
        strength = 1.0
        if phrase.speed is not None and kind in (
            EffectKind.SPOTLIGHT,
            EffectKind.HIGHLIGHT,
            EffectKind.FOCUS,
        ):
            strength = (0.5, 0.75, 1.0, 1.0, 1.0)[max(0, min(4, NORMAL + phrase.speed))]
        return Effect(kind, region, phrase.origin if kind is EffectKind.FOCUS else None, strength)

    def region_named(self, name: str) -> Focus | None:
        for key, (label, box) in self.regions.items():
            if key == (name,):
                return Focus(label, box[0] + box[2] / 2, box[1] + box[3] / 2, box, kind="region")
        return None

    def level(self, phrase: Phrase, *, default: int) -> int:
        if phrase.speed is None:
            return default
        return max(0, min(len(SPEEDS) - 1, NORMAL + phrase.speed))

    def magnitude(
        self, kind: MoveKind, direction: str, level: int, amount: tuple[str, float] | None
    ) -> tuple[float, bool]:
        if kind is MoveKind.ZOOM:
            factor, explicit = vocab.ZOOM_FACTORS[level], False
            if amount is not None:
                unit, value = amount
                # "20%" adds 20 percent; "150%" means 1.5x.
                pct = value / 100 if value > 100 else 1 + value / 100
                candidate = value if unit == "x" else pct if unit == "pct" else math.nan
                if math.isfinite(candidate) and candidate > 1.0:
                    factor, explicit = min(candidate, vocab.MAX_ZOOM_FACTOR), True
                    if candidate > vocab.MAX_ZOOM_FACTOR:
                        self.warnings.append(f"Zoom limited to {vocab.MAX_ZOOM_FACTOR:g}x per step.")
                else:
                    self.warnings.append(f"not understood: a zoom of '{value:g}{unit}' (use e.g. 2x or 20%)")
            return (factor if direction == "in" else 1 / factor), explicit
        if kind in (MoveKind.ROLL, MoveKind.ORBIT):
            table, limit = (
                (vocab.ROLL_DEGREES, vocab.MAX_ROLL_DEGREES)
                if kind is MoveKind.ROLL
                else (vocab.ORBIT_DEGREES, vocab.MAX_ORBIT_DEGREES)
            )
            degrees, explicit = table[level], False
            if amount is not None and amount[0] == "deg" and math.isfinite(amount[1]) and amount[1] > 0:
                degrees, explicit = min(amount[1], limit), True
                if amount[1] > limit:
                    self.warnings.append(f"{kind.value.capitalize()} limited to {limit:g} degrees per step.")
            elif amount is not None:
                self.warnings.append(
                    f"not understood: the amount '{amount[1]:g} {amount[0]}' for a {kind.value}"
                )
            positive = direction in ("clockwise", "right")
            return (degrees if positive else -degrees), explicit
        fraction, explicit = vocab.SHIFT_FRACTIONS[level], False
        if amount is not None and amount[0] == "pct" and math.isfinite(amount[1]) and amount[1] > 0:
            fraction, explicit = min(amount[1], 100.0) / 100, True
        elif amount is not None:
            self.warnings.append(f"not understood: the amount '{amount[1]:g} {amount[0]}' for a {kind.value}")
        sign = 1.0 if direction in ("right", "down") else -1.0
        return sign * fraction, explicit

    def anchor_first(self, steps: list[Step]) -> list[Step]:
        """A first hold framed on something ("start on the full slide and hold") is where the shot starts."""
        if steps and steps[0].is_static and steps[0].target is not None and steps[0].origin is None:
            first = steps[0]
            steps[0] = dataclasses.replace(first, origin=first.target, target=None)
        if len(steps) > 1 and steps[0].is_hold and steps[0].origin is not None and steps[1].origin is None:
            steps[1] = dataclasses.replace(steps[1], origin=steps[0].origin)
        return steps

    def default_step(self) -> Step:
        """A gentle push-in with a slow drift whose direction the seed picks (any angle)."""
        angle = self.rng.uniform(0.0, 2 * math.pi)
        dx, dy = vocab.SHIFT_FRACTIONS[0] * math.cos(angle), vocab.SHIFT_FRACTIONS[0] * math.sin(angle)
        moves = [Move(MoveKind.ZOOM, "in", "slow", vocab.ZOOM_FACTORS[1])]
        if abs(dx) > 1e-3:
            moves.append(Move(MoveKind.TRUCK, "right" if dx > 0 else "left", "very slow", dx))
        if abs(dy) > 1e-3:
            moves.append(Move(MoveKind.PEDESTAL, "down" if dy > 0 else "up", "very slow", dy))
        return Step(moves=tuple(moves), text="(default)")


# -- helpers ------------------------------------------------------------------------------------------------


def last_group(phrases: list[Phrase]) -> str:
    for phrase in reversed(phrases):
        if phrase.group is not None:
            return phrase.group
    return "move"


def merge_holds(steps: list[Step]) -> list[Step]:
    """Neighbouring steps where the camera stays still are one hold ("Static shot, locked-off camera")."""
    out: list[Step] = []
    for step in steps:
        last = out[-1] if out else None
        if (
            last is not None
            and last.is_static
            and step.is_static
            and last.seconds is None
            and step.seconds is None
            and not (last.effects and step.effects)
        ):
            out[-1] = dataclasses.replace(
                last,
                effects=last.effects + step.effects,
                handheld=max(last.handheld, step.handheld),
                origin=last.origin or step.origin,
                target=last.target or step.target,
                text=f"{last.text} {step.text}",
            )
            continue
        out.append(step)
    return out


def _direction_between(group: str, origin: Focus, target: Focus) -> str:
    """ "pan from the bullets to the diagram": the way from one place to the other, along the move's axis."""
    dx, dy = target.x - origin.x, target.y - origin.y
    horizontal = group in ("pan", "truck", "whip") or (group == "move" and abs(dx) >= abs(dy))
    if group in ("tilt", "pedestal", "rise", "lower"):
        horizontal = False
    if horizontal and abs(dx) > 0.02:
        return "right" if dx > 0 else "left"
    if not horizontal and abs(dy) > 0.02:
        return "down" if dy > 0 else "up"
    return ""


def resolve_kind(group: str, direction: str) -> MoveKind | None:
    inout, leftright, updown, _ = vocab.GROUPS[group]
    if direction in ("in", "out"):
        name = inout
    elif direction in ("left", "right"):
        name = leftright
    elif direction in ("up", "down"):
        name = updown
    else:
        name = "roll" if group in ("roll", "tilt", "move") else None
    return MoveKind(name) if name else None


def direction_word(kind: MoveKind, direction: str) -> str:
    if kind is MoveKind.ROLL and direction in ("left", "right"):
        return "counterclockwise" if direction == "left" else "clockwise"
    return direction
