"""Plain-English movie directions → :class:`CameraPlan`.

The grammar is a small vocabulary (:mod:`.vocabulary`), not a language model, so it must say what it ignored or
cannot show: every word it does not know comes back as a warning ("not understood: 'wobble'"), and every move a
flat image cannot show is named with the reason ("'dolly zoom' needs depth …"). It never raises, whatever the text.

How a text is read (each rule is what people mean when they prompt image-to-video models):

- **Order.** Full stops, commas, "then", "after that", "followed by", "before" and "finally" put moves in order;
  "A after B" puts B first. "and", "while", "as", "with" inside one clause make moves happen together, except
  two moves on the same axis ("pan left and right"), which take turns.
- **Scope.** A speed, amount, easing or duration belongs to the move it stands next to in its clause
  ("truck right slowly while zooming in slightly"); a clause of modifiers alone (", slowly") qualifies the move
  before it, and ", both slowly" every move of that step. "across X" is a path, never a speed.
- **Targets and paths.** "on/to/towards X" ends the move on X, "from X" starts it there, "across X" travels over
  X, "settles/ends/lands on X" ends on X with easing out, "revealing X"/"to reveal X" ends with X fully in view.
  X is a named region of the starting image, a position ("the top-left", "the top of the slide") or the whole
  slide.
- **Effects.** Rack focus, spotlight, highlight, a region revealed, text lines appearing one by one, handheld
  shake, whip pans (motion blur), Ken Burns (slow push-in with a drift) and orbits (a perspective turn).
- **Honesty.** Dolly zooms, parallax, drone shots, subject motion ("the arrow animates"), lighting changes and
  transitions are named in a warning; "otherwise the composition holds" adds no step; style words ("cinematic,
  4k") and sentences that describe the picture rather than the camera are noted, not obeyed.

The seed only matters where the text leaves a choice open (a pan with no direction, a Ken Burns drift, or no
move at all), so the same text and seed always give the same plan.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.generation.local import vocabulary as vocab
from workbench.generation.local.lexer import Lexeme, known_words, lex, normalise_regions, tokenise
from workbench.generation.local.plan import (
    FULL_FRAME,
    SPEEDS,
    CameraPlan,
    Easing,
    Effect,
    EffectKind,
    Focus,
    Move,
    MoveKind,
    Step,
)

__all__ = ["describe_directions", "known_words"]

NORMAL = SPEEDS.index("normal")
MAX_WARNED_PHRASES = 10
#: Categories that make a sentence about the camera (a sentence with none describes the picture).
_CAMERA_CATEGORIES = frozenset(
    {
        "verb",
        "dir",
        "static",
        "effect",
        "fade",
        "handheld",
        "revealing",
        "impossible",
        "subject_motion",
        "one_by_one",
        "dir_target",
        "dir_origin",
    }
)
#: "while …", "as …", "with …" after a comma join the step before; ", and …" starts the next one.
_JOINING = frozenset(
    {"while", "whilst", "as", "with", "meanwhile", "simultaneously", "at the same time", "at once"}
)
_EVERY = frozenset({"both", "together", "simultaneously", "at the same time", "at once"})
_PRONOUNS = frozenset(vocab.PRONOUNS.split())
_ARTICLES = frozenset({"the", "a", "an"})
_CAMERA_WORDS = frozenset(vocab.CAMERA_SUBJECTS.split())
_BARE_SIDES = frozenset(
    f"{article}{side}" for article in ("", "the ") for side in ("left", "right", "top", "bottom")
)
_SIDES = frozenset({"left", "right", "up", "down"})
_SIDE_TO_DIRECTION = {"left": "left", "right": "right", "top": "up", "bottom": "down"}
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


@dataclass
class _Phrase:
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

    def absorb(self, other: _Phrase, *, overwrite: bool = False) -> None:
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


@dataclass
class _Chunk:
    """The lexemes between two commas, "then"s or full stops."""

    lexemes: list[Lexeme]
    joiner: str  # "start" (of a sentence), "comma", "then", "after"


class _Parser:
    def __init__(self, regions: Mapping[str, object] | None, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.unknown: list[str] = []
        self.styles: list[str] = []
        self.regions = normalise_regions(regions, self.warnings)
        self.regions_known = regions is not None
        self.fade_in = False
        self.fade_out = False
        self.steps: list[list[_Phrase]] = []
        self.step_text: list[str] = []
        self.cannot = False  # something was asked that a flat image cannot show
        self.last_place: Focus | None = None  # for "it" ("push in on it")
        self.roll = 0.0  # degrees rolled so far, for "straightens back out"

    # ---- text → sentences → chunks → phrases → steps ----

    def parse(self, text: str) -> CameraPlan:
        lexemes = lex(tokenise(text), self.regions)
        sentences, headers = _sentences(lexemes)
        # A sentence with nothing for the camera describes the picture, unless no sentence is about the camera
        # (then its words are reported as not understood).
        about_camera = [any(lx.cat in _CAMERA_CATEGORIES for lx in s) for s in sentences]
        header_steps: list[list[_Phrase]] = []
        for sentence, camera, header in zip(sentences, about_camera, headers, strict=True):
            before = len(self.steps)
            if camera or not any(about_camera):
                self._sentence(sentence)
            else:
                self._description(sentence)
            if header:
                header_steps += self.steps[before:]
        self._drop_repeated_headers(header_steps)
        steps = _merge_holds([s for s in (self._step(group) for group in self.steps) if s is not None])
        steps = self._anchor_first(steps)
        is_default = not steps and not self.cannot and not (self.fade_in or self.fade_out)
        if is_default:
            steps = [self._default_step()]
            self.warnings.append(
                "No camera move was understood; using a gentle push-in (a different seed gives a different drift)."
            )
        elif not steps:
            steps = [Step(moves=(Move(MoveKind.STATIC),), text="(nothing the camera can do)")]
        if self.unknown:
            shown = [f"'{p}'" for p in self.unknown[:MAX_WARNED_PHRASES]]
            more = len(self.unknown) - len(shown)
            suffix = f" and {more} more" if more > 0 else ""
            self.warnings.insert(0, f"not understood: {', '.join(shown)}{suffix} (ignored)")
        if self.styles:
            styles = ", ".join(f"'{s}'" for s in dict.fromkeys(self.styles))
            self.notes.append(f"Style words do not change a camera move over a still image: {styles}.")
        return CameraPlan(
            steps=tuple(steps),
            fade_in=self.fade_in,
            fade_out=self.fade_out,
            warnings=tuple(dict.fromkeys(self.warnings)),
            text=text,
            seed=self.seed,
            is_default=is_default,
            notes=tuple(dict.fromkeys(self.notes)),
        )

    def _sentence(self, lexemes: list[Lexeme]) -> None:
        chunks = _chunks(lexemes)
        # "Before panning right, zoom in": the clause after "before" comes second.
        first_after = lexemes[0].cat == "then" and lexemes[0].text == "before" and len(chunks) > 1
        steps_before = len(self.steps)
        lead: _Phrase | None = None  # a sentence-initial modifier chunk ("Slowly, the camera …")
        previous: list[_Phrase] | None = None  # the step the last chunk added to
        for index, chunk in enumerate(chunks):
            phrases, rest, together, everything = self._chunk(chunk)
            if (
                previous is not None
                and chunk.joiner == "comma"
                and phrases
                and all(_is_drift(p) for p in phrases)
            ):
                # ", moving across the bullet points", ", drifting right": more about the move before
                last = previous[-1]
                if all(not p.direction or not last.direction for p in phrases):
                    for phrase in phrases:
                        last.absorb(phrase, overwrite=True)
                    phrases = []
                else:
                    together = True
            if previous is not None and phrases:
                phrases = self._resolve_references(phrases, previous)
            if (
                previous is not None
                and phrases
                and chunk.joiner == "comma"
                and all(p.static and p.handheld is not None for p in phrases)
            ):
                for phrase in previous:  # ", slight camera shake": how the move before is shot
                    phrase.handheld = phrases[0].handheld
                phrases = []
            if previous is not None and phrases and chunk.joiner == "comma" and _participle(chunk):
                together = True  # "pan right, zooming out as it goes": at the same time
            if not phrases and rest is not None and rest.direction and previous and chunk.joiner != "comma":
                rest.group = _last_group(previous)  # "tilt up and then down"
                phrases, rest = [rest], None
            if not phrases:
                if rest is None:
                    continue
                if previous:
                    for phrase in previous if everything else previous[-1:]:
                        phrase.absorb(rest, overwrite=True)
                elif lead is None:
                    lead = rest
                continue
            if lead is not None:
                for phrase in phrases:
                    phrase.absorb(lead)
                lead = None
            if rest is not None:
                phrases[-1].absorb(rest)
            joins = previous is not None and (
                together or (chunk.joiner == "comma" and _only_effects(phrases))
            )
            groups = self._group(phrases, previous if joins else None)
            if chunk.joiner == "after" and index > 0 and previous is not None:
                # "pan left after zooming out": what follows "after" happens first.
                at = next(k for k, step in enumerate(self.steps) if step is previous)
                for offset, group in enumerate(groups):
                    self.steps.insert(at + offset, group)
                previous = groups[-1]
                continue
            for group in groups:
                if group is not previous:
                    self.steps.append(group)
            previous = groups[-1]
        if lead is not None and self.steps:  # "Zoom in. Slowly."
            self.steps[-1][-1].absorb(lead, overwrite=True)
        if first_after and len(self.steps) > steps_before + 1:
            self.steps.append(self.steps.pop(steps_before))

    def _chunk(self, chunk: _Chunk) -> tuple[list[_Phrase], _Phrase | None, bool, bool]:
        """Phrases of one chunk, leftover modifiers, whether it joins the previous step ("while …"), and
        whether its modifiers qualify every move of that step ("both slowly")."""
        phrases: list[_Phrase] = []
        current: _Phrase | None = None
        pending = _Phrase()
        mode = ""  # what the next place is: "target", "origin", "across", "revealing"
        first = chunk.lexemes[0] if chunk.lexemes else None
        together = first is not None and first.cat == "together" and first.text in _JOINING
        otherwise = everything = negated = False
        blocked: list[str] | None = None  # a clause a flat image cannot show: its warning, then its words
        shake: int | None = None
        subject: list[Lexeme] = []  # what comes before the first verb ("the arrow …", "the bullets …")
        noun_subject = False  # the subject names a thing: a region, or an unknown word after an article
        camera_subject = False
        unknown_run: list[str] = []
        name_run: list[str] = []  # an unmarked place after "on the …"
        previous_cat = previous_text = ""

        def unblock() -> None:
            nonlocal blocked
            if blocked is not None:
                self._cannot_show(blocked)
                blocked = None

        def block(kind: str, head: str, reason: str) -> None:
            nonlocal blocked, pending, subject, noun_subject, mode
            unblock()
            blocked = [kind, head, reason]
            pending, subject, noun_subject, mode = _Phrase(), [], False, ""
            unknown_run.clear()
            name_run.clear()

        def flush() -> None:
            nonlocal mode
            if unknown_run:
                self.unknown.append(" ".join(unknown_run))
                unknown_run.clear()
            if name_run:
                self._unmarked_place(holder(), " ".join(name_run), mode)
                name_run.clear()
                mode = ""

        def holder() -> _Phrase:
            return current if current is not None else pending

        def start(phrase: _Phrase) -> None:
            nonlocal current, pending
            if current is not None:
                phrases.append(current)
            phrase.absorb(pending)
            current, pending = phrase, _Phrase()

        for index, lx in enumerate(chunk.lexemes):
            cat = lx.cat
            if cat not in ("unknown", "noun"):
                flush()
            if blocked is not None:
                if cat not in ("together", "verb", "effect", "static", "fade", "impossible", "sep"):
                    blocked.append(lx.text)  # part of what cannot be shown
                    continue
                unblock()
            if cat == "negation":
                negated = True
                continue
            if negated and cat != "filler":
                negated = False
                if cat in ("verb", "effect", "handheld", "impossible", "style", "static", "subject_motion"):
                    continue  # "no shake", "without zooming": not asked for
            if cat == "unknown":
                if mode in ("target", "origin", "across", "revealing"):
                    name_run.append(lx.text)
                else:
                    unknown_run.append(lx.text)
                    if current is None:
                        subject.append(lx)
                        noun_subject = noun_subject or previous_text in _ARTICLES
            elif cat in ("noun", "counter"):
                if mode in ("target", "origin", "across", "revealing"):
                    name_run.append(lx.text)  # "push in on the graph": a place the image does not mark
                elif current is None:
                    subject.append(lx)
                    noun_subject = True
            elif cat == "verb":
                group = str(lx.value)
                if (
                    noun_subject
                    and not camera_subject
                    and group in ("roll", "move", "orbit", "rise", "lower")
                ):
                    block("subject", " ".join([*(x.text for x in subject), lx.text]), "")
                    continue
                if (
                    current is not None
                    and current.group is not None
                    and (
                        (current.group == "kenburns" and group == "zoom")
                        or (mode and current.group == group)
                        or (group == "move" and previous_cat in ("verb", "dir", "speed"))
                    )
                ):
                    mode = ""
                    continue  # "Ken Burns zoom", "rotate into a Dutch angle", "tracking shot moving left"
                phrase = _Phrase(group=group, words=[lx.text])
                phrase.reference = previous_text in _ARTICLES and chunk.joiner == "comma"
                start(phrase)
                mode = ""
            elif cat == "effect":
                kind = str(lx.value)
                if kind == "REVEAL" and current is not None and current.group is not None:
                    mode = "revealing"  # "pulls back and reveals the diagram": where the move ends
                    continue
                phrase = _Phrase(effect=kind, words=[lx.text])
                places = [s.value for s in subject if isinstance(s.value, Focus)]
                if places:
                    phrase.target = places[-1]
                start(phrase)
                mode = ""
            elif cat == "static":
                if (current is not None and current.static) or (noun_subject and not camera_subject):
                    continue  # "the slide itself stays still", "the text staying sharp": not a camera hold
                start(_Phrase(static=True, words=[lx.text]))
            elif cat == "handheld":
                level = _level_near(chunk.lexemes, index)
                shake = level if level is not None else (shake if shake is not None else 0)
            elif cat == "dir":
                self._direction(str(lx.value), current, pending, phrases, lx)
            elif cat in ("dir_target", "dir_origin"):
                if current is None or not current.direction:
                    self._direction(str(lx.value), current, pending, phrases, lx)
                mode = "target" if cat == "dir_target" else "origin"
            elif cat == "speed":
                holder().speed = int(lx.value)  # type: ignore[call-overload]
            elif cat == "amount":
                holder().amount = lx.value  # type: ignore[assignment]
            elif cat == "seconds":
                value = float(lx.value)  # type: ignore[arg-type]
                if value <= 0:
                    self.warnings.append(f"A step of {lx.text} was ignored.")
                else:
                    holder().seconds = min(value, vocab.MAX_STEP_SECONDS)
            elif cat == "easing":
                holder().easing = lx.value  # type: ignore[assignment]
            elif cat == "target":
                mode = "target"
                if lx.value:  # "settles on": ends gently
                    holder().easing = holder().easing or Easing.EASE_OUT
            elif cat == "origin":
                mode = "origin"
            elif cat == "across":
                mode = "across"
            elif cat == "revealing":
                mode = "revealing"
            elif cat == "frame_hint":
                if holder().target is not None:
                    holder().frame_target = True
            elif cat == "one_by_one":
                holder().one_by_one = True
            elif cat == "focus":
                focus = lx.value
                assert isinstance(focus, Focus)
                if lx.text not in _BARE_SIDES:  # "to the right" is a direction, not a place "it" can mean
                    self.last_place = focus
                if mode:
                    phrase = holder()
                    side = _SIDE_TO_DIRECTION.get(focus.name) if lx.text in _BARE_SIDES else None
                    group = phrase.group or "move"
                    if (
                        mode == "target"
                        and side
                        and not phrase.direction
                        and phrase.effect is None
                        and (_resolve_kind(group, side) not in (None, MoveKind.ZOOM))
                    ):
                        phrase.direction = side  # "pan to the left", "arc shot to the left around …"
                    else:
                        self._focus(phrase, focus, mode)
                    mode = ""
                elif current is None:
                    subject.append(lx)  # "the bullets appear …", "the title slides in"
                    noun_subject = True
                elif current is not None and (current.effect is not None or previous_cat in ("verb", "dir")):
                    self._focus(current, focus, "target")  # "highlight the diagram", "frame the title"
                # otherwise it describes the picture ("with a blue title bar"): nothing to do
            elif cat == "together":
                camera_subject = False
                if (
                    current is not None
                ):  # a subject named before "and" still stands ("the diagram … and is revealed")
                    subject, noun_subject = [], False
                if lx.text in _EVERY:
                    everything = True
                if current is not None:
                    phrases.append(current)
                    current = None
                mode = ""
            elif cat == "otherwise":
                otherwise = True
            elif cat == "fade":
                self._fade(str(lx.value))
            elif cat == "impossible":
                block("impossible", lx.text, str(lx.value))
            elif cat == "subject_motion":
                if camera_subject and current is None:
                    start(_Phrase(group="move", words=[lx.text]))
                    continue
                block("subject", " ".join([*(x.text for x in subject), lx.text]), "")
            elif cat == "style":
                self.styles.append(lx.text)
            elif cat == "filler":
                if lx.text in _PRONOUNS and self.last_place is not None:
                    if mode:
                        self._focus(holder(), self.last_place, mode)
                        mode = ""
                    elif current is None:
                        subject.append(dataclasses.replace(lx, cat="focus", value=self.last_place))
                elif current is None and lx.text in _CAMERA_WORDS:
                    camera_subject = True
                    subject.clear()
            if cat not in ("filler",):
                previous_cat = cat
            previous_text = lx.text
        flush()
        unblock()
        if current is not None:
            phrases.append(current)
        if otherwise:
            phrases = [p for p in phrases if not (p.static and p.handheld is None)]
        if pending.direction and not pending.has_verb and (phrases or pending.direction in _SIDES):
            pending.group = _last_group(phrases)  # "pan left and up"; "ease down to the diagram" moves
            phrases.append(pending)
            pending = _Phrase()
        if shake is not None:
            movers = [p for p in phrases if p.has_verb]
            if movers:
                for phrase in movers:
                    phrase.handheld = shake
            else:
                handheld = _Phrase(static=True, handheld=shake, words=["handheld"])
                handheld.absorb(pending)
                phrases.append(handheld)
                pending = _Phrase()
        rest = pending if (pending.has_modifiers or pending.frame_target or pending.one_by_one) else None
        return phrases, rest, together, everything

    def _direction(
        self, direction: str, current: _Phrase | None, pending: _Phrase, phrases: list[_Phrase], lx: Lexeme
    ) -> None:
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
        phrases.append(dataclasses.replace(current, words=list(current.words)))
        current.direction = direction
        current.target = current.origin = current.across = None

    def _focus(self, phrase: _Phrase, focus: Focus, mode: str) -> None:
        if mode == "origin":
            phrase.origin = focus
        elif mode == "across":
            phrase.across = focus
        elif mode == "revealing":
            phrase.target, phrase.frame_target = focus, True
        else:
            phrase.target = focus

    def _resolve_references(self, phrases: list[_Phrase], previous: list[_Phrase]) -> list[_Phrase]:
        """Apply "the push fast, the crane slow" to the push and the crane of the step before."""
        out = []
        for phrase in phrases:
            target = next((p for p in previous if phrase.reference and p.group == phrase.group), None)
            if target is None:
                out.append(phrase)
                continue
            direction = phrase.direction
            phrase.direction = ""
            target.absorb(phrase, overwrite=True)
            if direction and not target.direction:
                target.direction = direction
        return out

    def _drop_repeated_headers(self, header_steps: list[list[_Phrase]]) -> None:
        """ "Dutch angle: the frame slowly rolls …", "Slow push-in: … the camera slowly pushes in …": a header
        before a colon names a move the text then describes; it is not a second move."""
        for group in header_steps:
            later = [p for step in self.steps[self.steps.index(group) + 1 :] for p in step]
            if all(
                any(
                    self._axis(p) == self._axis(q) and (not p.direction or p.direction == q.direction)
                    for q in later
                )
                for p in group
                if p.has_verb
            ):
                self.steps.remove(group)

    def _unmarked_place(self, phrase: _Phrase, name: str, mode: str) -> None:
        """A place the image does not mark ("push in on the graph"): aim at the centre, and say so."""
        if self.regions_known:
            known = ", ".join(sorted({n for n, _ in self.regions.values()})) or "none"
            self.warnings.append(
                f"not understood: the region '{name}' is not marked on this image (known regions: {known}); "
                "aiming at the centre."
            )
        self._focus(phrase, Focus(name, 0.5, 0.5), mode or "target")

    def _cannot_show(self, blocked: list[str]) -> None:
        """Warn about a clause a flat image cannot show, quoting all of it ([kind, head, reason, words…])."""
        kind, head, reason, *rest = blocked
        clause = " ".join([head, *rest])
        self.cannot = True
        if kind == "subject":
            self.warnings.append(
                f"'{clause}' is motion of what is in the picture: the local model moves a camera over a still "
                "image and cannot animate it; it was left out."
            )
        else:
            self.warnings.append(f"'{clause}' cannot be shown: '{head}' {reason}; it was left out.")

    def _description(self, lexemes: list[Lexeme]) -> None:
        """A sentence with nothing for the camera describes the picture: say so once, obey nothing."""
        for lx in lexemes:
            if lx.cat == "style":
                self.styles.append(lx.text)
        words = [lx.text for lx in lexemes if lx.cat not in ("comma",)]
        if any(lx.cat == "unknown" for lx in lexemes):
            text = " ".join(words)
            short = text if len(text) <= 60 else text[:57].rstrip() + "…"
            self.notes.append(f"Read as a description of the picture, not of the camera: '{short}'.")

    def _fade(self, which: str) -> None:
        if which in ("in", "both") or (which == "" and not self.steps):
            self.fade_in = True
        if which in ("out", "both") or (which == "" and self.steps):
            self.fade_out = True

    # ---- phrases → steps ----

    def _group(self, phrases: list[_Phrase], join: list[_Phrase] | None) -> list[list[_Phrase]]:
        """Phrases of one chunk into steps: together unless they share an axis; holds stand alone."""
        groups: list[list[_Phrase]] = [join] if join is not None else []
        for phrase in phrases:
            if not phrase.has_verb:
                if groups and phrase.direction:
                    phrase.group = _last_group(groups[-1])
                elif groups:
                    groups[-1][-1].absorb(phrase)
                    continue
                else:
                    phrase.group = "move"
            current = groups[-1] if groups else None
            if current is None:
                groups.append([phrase])
                continue
            if phrase.static and not phrase.handheld and not current[-1].static:
                groups.append([phrase])
                continue
            if any(p.static and not p.handheld for p in current) and not phrase.static:
                groups.append([phrase])
                continue
            axes = {self._axis(p) for p in current}
            axis = self._axis(phrase)
            if axis is not None and axis in axes:
                groups.append([phrase])
            else:
                current.append(phrase)
        return groups

    def _axis(self, phrase: _Phrase) -> str | None:
        if phrase.effect is not None:
            return f"effect:{phrase.effect}"
        if phrase.static or phrase.group is None:
            return None
        kind = self._kind(phrase)
        return _AXIS.get(kind, phrase.group) if kind is not None else phrase.group

    def _kind(self, phrase: _Phrase) -> MoveKind | None:
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
        return _resolve_kind(group, direction)

    def _step(self, phrases: list[_Phrase]) -> Step | None:
        moves: list[Move] = []
        effects: list[Effect] = []
        handheld = 0.0
        for phrase in phrases:
            if phrase.handheld is not None:
                level = max(0, min(len(SPEEDS) - 1, NORMAL + phrase.handheld))
                handheld = max(handheld, vocab.SHAKE_AMPLITUDES[level])
            if phrase.effect is not None:
                effect = self._effect(phrase)
                if effect is not None:
                    effects.append(effect)
            elif phrase.static:
                moves.append(Move(MoveKind.STATIC))
            elif phrase.group is not None:
                moves.extend(self._moves(phrase))
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

    def _moves(self, phrase: _Phrase) -> list[Move]:
        group = str(phrase.group)
        if group == "kenburns":
            return self._ken_burns(phrase)
        if group == "level":  # "straightens back out": undo the roll so far
            if abs(self.roll) < 1e-9:
                return []
            back = -self.roll
            self.roll = 0.0
            direction = "clockwise" if back > 0 else "counterclockwise"
            return [Move(MoveKind.ROLL, direction, SPEEDS[self._level(phrase, default=NORMAL)], back, True)]
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
                kind = self._kind(phrase)
                if group == "move" or kind is None:
                    kind = MoveKind.TRUCK
                level = self._level(phrase, default=NORMAL)
                return [Move(kind, "", SPEEDS[level], 0.0, blur=group == "whip")]
            choices = _CHOICES.get(group, ("left", "right"))
            direction = self.rng.choice(choices)
            vague = group == "move"
            self.warnings.append(
                f"No direction given for '{phrase.words[0] if phrase.words else group}'; "
                f"going {direction} (chosen by the seed)."
            )
        kind = _resolve_kind(group, direction)
        if kind is None:
            self.unknown.append(f"{phrase.words[0] if phrase.words else group} {direction}")
            return []
        whip = group == "whip"
        level = self._level(
            phrase, default=len(SPEEDS) - 1 if whip else SPEEDS.index("slow") if vague else NORMAL
        )
        magnitude, explicit = self._magnitude(kind, direction, level, phrase.amount)
        chosen = not phrase.direction and not vocab.GROUPS[group][3]
        if kind is MoveKind.ROLL:
            self.roll += magnitude
        return [
            Move(
                kind,
                _direction_word(kind, direction),
                SPEEDS[level],
                magnitude,
                explicit,
                blur=whip,
                chosen=chosen,
            )
        ]

    def _ken_burns(self, phrase: _Phrase) -> list[Move]:
        """A slow push-in with a gentle drift: towards the target, the named side, or one the seed picks."""
        level = self._level(phrase, default=SPEEDS.index("slow"))
        factor, explicit = self._magnitude(MoveKind.ZOOM, "in", level, phrase.amount)
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

    def _effect(self, phrase: _Phrase) -> Effect | None:
        kind = EffectKind[str(phrase.effect)]
        region = phrase.target
        if kind is EffectKind.REVEAL and phrase.one_by_one:
            kind = EffectKind.LINES
        if kind is EffectKind.LINES and region is None:
            region = self._region_named("bullets") or FULL_FRAME
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

    def _region_named(self, name: str) -> Focus | None:
        for key, (label, box) in self.regions.items():
            if key == (name,):
                return Focus(label, box[0] + box[2] / 2, box[1] + box[3] / 2, box, kind="region")
        return None

    def _level(self, phrase: _Phrase, *, default: int) -> int:
        if phrase.speed is None:
            return default
        return max(0, min(len(SPEEDS) - 1, NORMAL + phrase.speed))

    def _magnitude(
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

    def _anchor_first(self, steps: list[Step]) -> list[Step]:
        """A first hold framed on something ("start on the full slide and hold") is where the shot starts."""
        if steps and steps[0].is_static and steps[0].target is not None and steps[0].origin is None:
            first = steps[0]
            steps[0] = dataclasses.replace(first, origin=first.target, target=None)
        if len(steps) > 1 and steps[0].is_hold and steps[0].origin is not None and steps[1].origin is None:
            steps[1] = dataclasses.replace(steps[1], origin=steps[0].origin)
        return steps

    def _default_step(self) -> Step:
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


def _sentences(lexemes: list[Lexeme]) -> tuple[list[list[Lexeme]], list[bool]]:
    """Sentences, and for each whether it is a header (it ends with a colon)."""
    parts: list[list[Lexeme]] = [[]]
    headers: list[bool] = [False]
    for lx in lexemes:
        if lx.cat == "sep":
            headers[-1] = ":" in lx.text and bool(parts[-1])
            parts.append([])
            headers.append(False)
        else:
            parts[-1].append(lx)
    kept = [(p, h) for p, h in zip(parts, headers, strict=True) if p]
    return [p for p, _ in kept], [h for _, h in kept]


def _chunks(sentence: list[Lexeme]) -> list[_Chunk]:
    """Split a sentence at commas, "then" and "after", remembering which of them came before each chunk."""
    chunks: list[_Chunk] = []
    joiner = "start"
    current: list[Lexeme] = []
    for lx in sentence:
        if lx.cat in ("comma", "then", "after"):
            if current:
                chunks.append(_Chunk(current, joiner))
                current = []
                joiner = {"comma": "comma", "then": "then", "after": "after"}[lx.cat]
            elif lx.cat != "comma" and chunks:
                joiner = "then" if lx.cat == "then" else "after"
            continue
        current.append(lx)
    if current:
        chunks.append(_Chunk(current, joiner))
    return chunks


def _last_group(phrases: list[_Phrase]) -> str:
    for phrase in reversed(phrases):
        if phrase.group is not None:
            return phrase.group
    return "move"


def _merge_holds(steps: list[Step]) -> list[Step]:
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


def _participle(chunk: _Chunk) -> bool:
    """The chunk's first verb is an -ing form ("zooming out", "tilting up")."""
    verb = next((lx for lx in chunk.lexemes if lx.cat == "verb"), None)
    return verb is not None and verb.text.split()[0].endswith("ing")


def _is_drift(phrase: _Phrase) -> bool:
    """A generic "moving …/drifting …" phrase, which continues the move before it after a comma."""
    return phrase.group == "move" and phrase.effect is None and not phrase.static


def _only_effects(phrases: list[_Phrase]) -> bool:
    return all(p.effect is not None for p in phrases)


def _level_near(lexemes: list[Lexeme], index: int) -> int | None:
    """The speed word right next to ``lexemes[index]`` ("subtle handheld", "handheld, very shaky")."""
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(lexemes) and lexemes[j].cat == "filler":
            j += step
        if 0 <= j < len(lexemes) and lexemes[j].cat == "speed":
            return int(lexemes[j].value)  # type: ignore[call-overload]
    return None


def _resolve_kind(group: str, direction: str) -> MoveKind | None:
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


def _direction_word(kind: MoveKind, direction: str) -> str:
    if kind is MoveKind.ROLL and direction in ("left", "right"):
        return "counterclockwise" if direction == "left" else "clockwise"
    return direction


def describe_directions(
    text: str, regions: Mapping[str, tuple[float, float, float, float]] | None = None, *, seed: int = 0
) -> CameraPlan:
    """Parse movie directions into a :class:`CameraPlan` (``.summary`` for people, ``.warnings`` for what it
    ignored or cannot show). ``regions`` are the starting image's named areas; ``None`` means "not known yet",
    so names after "on the …" are accepted without a warning. Never raises.

    The plan is a pure function of its arguments and immutable, so one Regenerate click parses once: the
    editor's reading, the action's check, the render and the storyboard share the parse (per process).
    """
    key = None if regions is None else tuple(sorted((str(k), tuple(v)) for k, v in regions.items()))
    return _parse_cached(text if isinstance(text, str) else str(text), key, seed)


@functools.lru_cache(maxsize=64)
def _parse_cached(
    text: str, regions: tuple[tuple[str, tuple[float, ...]], ...] | None, seed: int
) -> CameraPlan:
    return _parse(text, None if regions is None else dict(regions), seed)


def _parse(text: str, regions: Mapping[str, object] | None, seed: int) -> CameraPlan:
    try:
        return _Parser(regions, seed).parse(text)
    except Exception as exc:  # pragma: no cover - a parser bug must not stop a render
        return CameraPlan(
            steps=(_Parser(None, seed)._default_step(),),
            warnings=(f"The directions could not be read ({type(exc).__name__}); using a gentle push-in.",),
            text=str(text),
            seed=seed,
            is_default=True,
        )
