"""The clip's timeline: how long each step of the plan lasts, and how its motion eases in and out.

Steps asked for in seconds ("hold for 2 seconds") get those first; the rest share the remaining time by weight
(a hold counts half a move). A whip pan is quick whatever its share: the rest of its step holds around it.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.generation.local.plan import Easing, Move, MoveKind, Step

__all__ = ["HOLD_WEIGHT", "MIN_STEP_SHARE", "WHIP_MAX_S", "Timed", "ease", "timeline"]

#: Implicitly timed steps keep at least this share of the clip, so no move becomes a jump cut.
MIN_STEP_SHARE = 0.15
#: A whip pan lasts at most this long; the rest of its step holds before and after it.
WHIP_MAX_S = 0.6
#: Relative time weights of implicitly timed steps: a hold is shorter than a move.
HOLD_WEIGHT = 0.5


def ease(easing: Easing, s: float) -> float:
    """Progress through a step (0..1) → eased progress (0..1)."""
    s = min(max(s, 0.0), 1.0)
    if easing is Easing.LINEAR:
        return s
    if easing is Easing.EASE_IN:
        return s * s
    if easing is Easing.EASE_OUT:
        return 1 - (1 - s) * (1 - s)
    return s * s * (3 - 2 * s)


# -- geometry -----------------------------------------------------------------------------------------------


@dataclass
class Timed:
    step: Step
    plan_index: int | None
    share: float = 0.0


def timeline(steps: tuple[Step, ...], duration_s: float, warnings: list[str]) -> list[Timed]:
    """Each step's share of the clip: asked-for seconds first, the rest shared by weight (holds count half)."""
    timed = [Timed(step, index) for index, step in enumerate(steps)]
    explicit = [t.step.seconds / duration_s if t.step.seconds is not None else None for t in timed]
    asked = sum(e for e in explicit if e is not None)
    weights = [
        0.0 if e is not None else (HOLD_WEIGHT if t.step.is_hold else 1.0)
        for t, e in zip(timed, explicit, strict=True)
    ]
    implicit = sum(weights)
    min_share = min(MIN_STEP_SHARE, 0.5 / len(timed))
    if implicit == 0 and asked < 1.0 - 1e-9:
        timed.append(Timed(Step(moves=(Move(MoveKind.STATIC),), text="(rest of the clip)"), None))
        explicit.append(1.0 - asked)
        weights.append(0.0)
    elif (implicit and asked > 1.0 - len([w for w in weights if w]) * min_share) or (
        not implicit and asked > 1.0 + 1e-9
    ):
        room = 1.0 - len([w for w in weights if w]) * min_share
        explicit = [e * room / asked if e is not None else None for e in explicit]
        warnings.append("The step timings add up to more than the clip; they were shortened to fit.")
        asked = room
    rest = (1.0 - asked) / implicit if implicit else 0.0
    for t, e, w in zip(timed, explicit, weights, strict=True):
        t.share = e if e is not None else rest * w
    return _short_whips(timed, duration_s)


def _short_whips(timed: list[Timed], duration_s: float) -> list[Timed]:
    """A whip pan is quick: past ``WHIP_MAX_S`` its step holds before (40 %) and after (60 %) the whip."""
    out: list[Timed] = []
    hold = Step(moves=(Move(MoveKind.STATIC),), text="(hold around the whip pan)")
    for t in timed:
        whip_share = WHIP_MAX_S / duration_s
        if not t.step.is_whip or t.share <= whip_share * 1.2:
            out.append(t)
            continue
        spare = t.share - whip_share
        out += [
            Timed(hold, None, 0.4 * spare),
            Timed(t.step, t.plan_index, whip_share),
            Timed(hold, None, 0.6 * spare),
        ]
    return out
