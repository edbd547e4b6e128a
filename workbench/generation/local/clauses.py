"""One chunk of movie directions (the words between commas, "then"s and full stops) → its phrases.

A :class:`ChunkReader` reads lexemes left to right, one handler per kind of lexeme. Modifiers belong to the
phrase they stand in ("truck right slowly | while zooming in slightly"): a modifier before any verb waits for the
next verb, one after a verb qualifies it, and "and"/"while" close a phrase. It also notices a chunk's subject
("the arrow animates", "the bullets appear"), what a flat image cannot show (the rest of that clause goes into
the warning), negations ("no shake") and "otherwise the composition holds".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workbench.generation.local import vocabulary as vocab
from workbench.generation.local.lexer import Lexeme
from workbench.generation.local.phrases import Phrase
from workbench.generation.local.plan import Easing, Focus, MoveKind
from workbench.generation.local.steps import last_group, resolve_kind

__all__ = ["Chunk", "ChunkReader", "Reading"]

#: "while …", "as …", "with …" after a comma join the step before; ", and …" starts the next one.
_JOINING = frozenset(
    {"while", "whilst", "as", "with", "meanwhile", "simultaneously", "at the same time", "at once"}
)
_EVERY = frozenset({"both", "together", "simultaneously", "at the same time", "at once"})
_PRONOUNS = frozenset(vocab.PRONOUNS.split())
_ARTICLES = frozenset({"the", "a", "an"})
_CAMERA_WORDS = frozenset(vocab.CAMERA_SUBJECTS.split())
BARE_SIDES = frozenset(
    f"{article}{side}" for article in ("", "the ") for side in ("left", "right", "top", "bottom")
)
_SIDES = frozenset({"left", "right", "up", "down"})
_SIDE_TO_DIRECTION = {"left": "left", "right": "right", "top": "up", "bottom": "down"}
_PLACE_MODES = ("target", "origin", "across", "revealing")
#: Lexemes that end a clause a flat image cannot show.
_UNBLOCKING = frozenset({"together", "verb", "effect", "static", "fade", "impossible", "sep"})
#: What a negation cancels ("no shake", "without zooming", "no flicker").
_NEGATABLE = frozenset({"verb", "effect", "handheld", "impossible", "style", "static", "subject_motion"})
#: Verbs that, after a named thing, are that thing moving ("the title slides in"), not the camera.
_SUBJECT_VERBS = frozenset({"roll", "move", "orbit", "rise", "lower"})


@dataclass
class Chunk:
    """The lexemes between two commas, "then"s or full stops, and what came before them."""

    lexemes: list[Lexeme]
    joiner: str  # "start" (of a sentence), "comma", "then", "after"


@dataclass(frozen=True)
class Reading:
    """A chunk's phrases, leftover modifiers, whether it joins the previous step ("while …"), and whether its
    modifiers qualify every move of that step ("both slowly")."""

    phrases: list[Phrase]
    rest: Phrase | None
    together: bool
    everything: bool


class Context(Protocol):
    """What the reader reports to the parser (warnings, unknown words, fades) and reads from it."""

    unknown: list[str]
    warnings: list[str]
    styles: list[str]
    last_place: Focus | None

    def cannot_show(self, blocked: list[str]) -> None: ...
    def unmarked_place(self, phrase: Phrase, name: str, mode: str) -> None: ...
    def fade(self, which: str) -> None: ...


class ChunkReader:
    def __init__(self, chunk: Chunk, context: Context) -> None:
        self.chunk, self.context = chunk, context
        self.phrases: list[Phrase] = []
        self.current: Phrase | None = None
        self.pending = Phrase()
        self.mode = ""  # what the next place is: "target", "origin", "across", "revealing"
        first = chunk.lexemes[0] if chunk.lexemes else None
        self.together = first is not None and first.cat == "together" and first.text in _JOINING
        self.otherwise = self.everything = self.negated = False
        self.blocked: list[str] | None = (
            None  # a clause a flat image cannot show: its warning, then its words
        )
        self.shake: int | None = None
        self.subject: list[Lexeme] = []  # what comes before the first verb ("the arrow …", "the bullets …")
        self.noun_subject = False  # the subject names a thing: a region, or an unknown word after an article
        self.camera_subject = False
        self.unknown_run: list[str] = []
        self.name_run: list[str] = []  # an unmarked place after "on the …"
        self.previous_cat = self.previous_text = ""
        self.index = 0
        self._handlers: dict[str, Callable[[Lexeme], None]] = {
            "unknown": self._unknown,
            "noun": self._noun,
            "counter": self._noun,
            "verb": self._verb,
            "effect": self._effect,
            "static": self._static,
            "handheld": self._handheld,
            "dir": self._dir,
            "dir_target": self._dir_place,
            "dir_origin": self._dir_place,
            "speed": lambda lx: setattr(self.holder, "speed", int(lx.value)),  # type: ignore[call-overload]
            "amount": lambda lx: setattr(self.holder, "amount", lx.value),
            "seconds": self._seconds,
            "easing": lambda lx: setattr(self.holder, "easing", lx.value),
            "target": self._target,
            "origin": lambda lx: setattr(self, "mode", "origin"),
            "across": lambda lx: setattr(self, "mode", "across"),
            "revealing": lambda lx: setattr(self, "mode", "revealing"),
            "frame_hint": self._frame_hint,
            "one_by_one": lambda lx: setattr(self.holder, "one_by_one", True),
            "focus": self._focus,
            "together": self._together,
            "otherwise": lambda lx: setattr(self, "otherwise", True),
            "fade": lambda lx: self.context.fade(str(lx.value)),
            "impossible": lambda lx: self._block("impossible", lx.text, str(lx.value)),
            "subject_motion": self._subject_motion,
            "style": lambda lx: self.context.styles.append(lx.text),
            "filler": self._filler,
        }

    # ---- the reading ----

    def read(self) -> Reading:
        for index, lx in enumerate(self.chunk.lexemes):
            self.index = index
            if lx.cat not in ("unknown", "noun"):
                self._flush()
            if self.blocked is not None:
                if lx.cat not in _UNBLOCKING:
                    self.blocked.append(lx.text)  # part of what cannot be shown
                    continue
                self._unblock()
            if lx.cat == "negation":
                self.negated = True
                continue
            if self.negated and lx.cat != "filler":
                self.negated = False
                if lx.cat in _NEGATABLE:
                    continue  # "no shake", "without zooming": not asked for
            handler = self._handlers.get(lx.cat)
            if handler is not None:
                handler(lx)
            if lx.cat != "filler":
                self.previous_cat = lx.cat
            self.previous_text = lx.text
        return self._finish()

    @property
    def holder(self) -> Phrase:
        """The phrase a modifier belongs to: the current one, or the one the next verb will start."""
        return self.current if self.current is not None else self.pending

    def _start(self, phrase: Phrase) -> None:
        if self.current is not None:
            self.phrases.append(self.current)
        phrase.absorb(self.pending)
        self.current, self.pending = phrase, Phrase()

    def _finish(self) -> Reading:
        self._flush()
        self._unblock()
        phrases, pending = self.phrases, self.pending
        if self.current is not None:
            phrases.append(self.current)
        if self.otherwise:
            phrases = [p for p in phrases if not (p.static and p.handheld is None)]
        if pending.direction and not pending.has_verb and (phrases or pending.direction in _SIDES):
            pending.group = last_group(phrases)  # "pan left and up"; "ease down to the diagram" moves
            phrases.append(pending)
            pending = Phrase()
        if self.shake is not None:
            movers = [p for p in phrases if p.has_verb]
            if movers:
                for phrase in movers:
                    phrase.handheld = self.shake
            else:
                handheld = Phrase(static=True, handheld=self.shake, words=["handheld"])
                handheld.absorb(pending)
                phrases.append(handheld)
                pending = Phrase()
        rest = pending if (pending.has_modifiers or pending.frame_target or pending.one_by_one) else None
        return Reading(phrases, rest, self.together, self.everything)

    # ---- clauses a flat image cannot show, unknown words ----

    def _unblock(self) -> None:
        if self.blocked is not None:
            self.context.cannot_show(self.blocked)
            self.blocked = None

    def _block(self, kind: str, head: str, reason: str) -> None:
        self._unblock()
        self.blocked = [kind, head, reason]
        self.pending, self.subject, self.noun_subject, self.mode = Phrase(), [], False, ""
        self.unknown_run.clear()
        self.name_run.clear()

    def _flush(self) -> None:
        if self.unknown_run:
            self.context.unknown.append(" ".join(self.unknown_run))
            self.unknown_run.clear()
        if self.name_run:
            self.context.unmarked_place(self.holder, " ".join(self.name_run), self.mode)
            self.name_run.clear()
            self.mode = ""

    # ---- handlers, one per kind of lexeme ----

    def _unknown(self, lx: Lexeme) -> None:
        if self.mode in _PLACE_MODES:
            self.name_run.append(lx.text)
            return
        self.unknown_run.append(lx.text)
        if self.current is None:
            self.subject.append(lx)
            self.noun_subject = self.noun_subject or self.previous_text in _ARTICLES

    def _noun(self, lx: Lexeme) -> None:
        if self.mode in _PLACE_MODES:
            self.name_run.append(lx.text)  # "push in on the graph": a place the image does not mark
        elif self.current is None:
            self.subject.append(lx)
            self.noun_subject = True

    def _verb(self, lx: Lexeme) -> None:
        group = str(lx.value)
        if self.noun_subject and not self.camera_subject and group in _SUBJECT_VERBS:
            self._block("subject", " ".join([*(x.text for x in self.subject), lx.text]), "")
            return
        current = self.current
        if (
            current is not None
            and current.group is not None
            and (
                (current.group == "kenburns" and group == "zoom")
                or (self.mode and current.group == group)
                or (group == "move" and self.previous_cat in ("verb", "dir", "speed"))
            )
        ):
            self.mode = ""
            return  # "Ken Burns zoom", "rotate into a Dutch angle", "tracking shot moving left"
        phrase = Phrase(group=group, words=[lx.text])
        phrase.reference = self.previous_text in _ARTICLES and self.chunk.joiner == "comma"
        self._start(phrase)
        self.mode = ""

    def _effect(self, lx: Lexeme) -> None:
        kind = str(lx.value)
        if kind == "REVEAL" and self.current is not None and self.current.group is not None:
            self.mode = "revealing"  # "pulls back and reveals the diagram": where the move ends
            return
        phrase = Phrase(effect=kind, words=[lx.text])
        places = [s.value for s in self.subject if isinstance(s.value, Focus)]
        if places:
            phrase.target = places[-1]
        self._start(phrase)
        self.mode = ""

    def _static(self, lx: Lexeme) -> None:
        if (self.current is not None and self.current.static) or (
            self.noun_subject and not self.camera_subject
        ):
            return  # "the slide itself stays still", "the text staying sharp": not a camera hold
        self._start(Phrase(static=True, words=[lx.text]))

    def _handheld(self, lx: Lexeme) -> None:
        level = _level_near(self.chunk.lexemes, self.index)
        self.shake = level if level is not None else (self.shake if self.shake is not None else 0)

    def _dir(self, lx: Lexeme) -> None:
        self._direction(str(lx.value))

    def _dir_place(self, lx: Lexeme) -> None:
        if self.current is None or not self.current.direction:
            self._direction(str(lx.value))
        self.mode = "target" if lx.cat == "dir_target" else "origin"

    def _seconds(self, lx: Lexeme) -> None:
        value = float(lx.value)  # type: ignore[arg-type]
        if value <= 0:
            self.context.warnings.append(f"A step of {lx.text} was ignored.")
        else:
            self.holder.seconds = min(value, vocab.MAX_STEP_SECONDS)

    def _target(self, lx: Lexeme) -> None:
        self.mode = "target"
        if lx.value:  # "settles on": ends gently
            self.holder.easing = self.holder.easing or Easing.EASE_OUT

    def _frame_hint(self, lx: Lexeme) -> None:
        if self.holder.target is not None:
            self.holder.frame_target = True

    def _focus(self, lx: Lexeme) -> None:
        focus = lx.value
        assert isinstance(focus, Focus)
        if lx.text not in BARE_SIDES:  # "to the right" is a direction, not a place "it" can mean
            self.context.last_place = focus
        if self.mode:
            phrase = self.holder
            side = _SIDE_TO_DIRECTION.get(focus.name) if lx.text in BARE_SIDES else None
            group = phrase.group or "move"
            if (
                self.mode == "target"
                and side
                and not phrase.direction
                and phrase.effect is None
                and resolve_kind(group, side) not in (None, MoveKind.ZOOM)
            ):
                phrase.direction = side  # "pan to the left", "arc shot to the left around …"
            else:
                place(phrase, focus, self.mode)
            self.mode = ""
        elif self.current is None:
            self.subject.append(lx)  # "the bullets appear …", "the title slides in"
            self.noun_subject = True
        elif self.current.effect is not None or self.previous_cat in ("verb", "dir"):
            place(self.current, focus, "target")  # "highlight the diagram", "frame the title"
        # otherwise it describes the picture ("with a blue title bar"): nothing to do

    def _together(self, lx: Lexeme) -> None:
        self.camera_subject = False
        if (
            self.current is not None
        ):  # a subject named before "and" still stands ("the diagram … and is revealed")
            self.subject, self.noun_subject = [], False
        if lx.text in _EVERY:
            self.everything = True
        if self.current is not None:
            self.phrases.append(self.current)
            self.current = None
        self.mode = ""

    def _subject_motion(self, lx: Lexeme) -> None:
        if self.camera_subject and self.current is None:
            self._start(Phrase(group="move", words=[lx.text]))  # "the camera turns left"
            return
        self._block("subject", " ".join([*(x.text for x in self.subject), lx.text]), "")

    def _filler(self, lx: Lexeme) -> None:
        last_place = self.context.last_place
        if lx.text in _PRONOUNS and last_place is not None:
            if self.mode:
                place(self.holder, last_place, self.mode)
                self.mode = ""
            elif self.current is None:
                self.subject.append(dataclasses.replace(lx, cat="focus", value=last_place))
        elif self.current is None and lx.text in _CAMERA_WORDS:
            self.camera_subject = True
            self.subject.clear()

    # ---- directions ----

    def _direction(self, direction: str) -> None:
        current, pending = self.current, self.pending
        if current is None:
            if not pending.direction or (pending.direction == "out" and direction not in ("in", "out")):
                pending.direction = direction  # "back left": "back" meant returning
            return
        if (
            current.direction == "out"
            and direction not in ("in", "out")
            and current.group is not None
            and vocab.GROUPS[current.group][0] is None
        ):
            current.direction = direction  # "roll back counter-clockwise"
            return
        if not current.direction:
            if current.group is None:
                return  # "the bullets appear in …": not a camera direction
            current.direction = direction
            return
        if current.direction == direction or current.group is None:
            return  # "zoom back out", "push in in"
        # "tilt up, left": a second direction for the same verb family.
        self.phrases.append(dataclasses.replace(current, words=list(current.words)))
        current.direction = direction
        current.target = current.origin = current.across = None


def place(phrase: Phrase, focus: Focus, mode: str) -> None:
    """Give ``phrase`` a place by how it was named: where it starts, travels, ends, or ends fully in view."""
    if mode == "origin":
        phrase.origin = focus
    elif mode == "across":
        phrase.across = focus
    elif mode == "revealing":
        phrase.target, phrase.frame_target = focus, True
    else:
        phrase.target = focus


def _level_near(lexemes: list[Lexeme], index: int) -> int | None:
    """The speed word right next to ``lexemes[index]`` ("subtle handheld", "handheld, very shaky")."""
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(lexemes) and lexemes[j].cat == "filler":
            j += step
        if 0 <= j < len(lexemes) and lexemes[j].cat == "speed":
            return int(lexemes[j].value)  # type: ignore[call-overload]
    return None
