"""A phrase of movie directions: one verb (a camera move, an effect or a hold) and what qualifies it.

The grammar (:mod:`.directions`) gathers phrases from the text; :mod:`.steps` turns them into the plan's steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.generation.local.plan import Easing, Focus

__all__ = ["Phrase"]


@dataclass
class Phrase:
    """One verb (a camera move, an effect or a hold) and what qualifies it."""

    group: str | None = None
    effect: str | None = None
    static: bool = False
    direction: str = ""
    speed: int | None = None
    amount: tuple[str, float] | None = None
    easing: Easing | None = None
    seconds: float | None = None
    target: Focus | None = None
    origin: Focus | None = None
    across: Focus | None = None
    frame_target: bool = False
    one_by_one: bool = False
    #: "the push fast": a noun for a move named before, so these are its modifiers
    reference: bool = False
    handheld: int | None = None  # speed level of the shake, when the phrase says "handheld"
    words: list[str] = field(default_factory=list)

    @property
    def has_verb(self) -> bool:
        return self.group is not None or self.effect is not None or self.static

    @property
    def has_modifiers(self) -> bool:
        return any(
            v is not None and v is not False and v != ""
            for v in (
                self.direction,
                self.speed,
                self.amount,
                self.easing,
                self.seconds,
                self.target,
                self.origin,
                self.across,
                self.handheld,
            )
        )

    def absorb(self, other: Phrase, *, overwrite: bool = False) -> None:
        """Take ``other``'s modifiers (where this phrase has none, or all of them with ``overwrite``)."""
        for name in ("speed", "amount", "easing", "seconds", "target", "origin", "across", "handheld"):
            value = getattr(other, name)
            if value is not None and (overwrite or getattr(self, name) is None):
                setattr(self, name, value)
        self.frame_target = self.frame_target or other.frame_target
        self.one_by_one = self.one_by_one or other.one_by_one
        if other.direction and not self.direction:
            self.direction = other.direction
        self.words.extend(other.words)
