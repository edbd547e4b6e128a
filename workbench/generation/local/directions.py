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

import random
from collections.abc import Mapping

from workbench.generation.local.clauses import Chunk, ChunkReader, place
from workbench.generation.local.lexer import Lexeme, known_words, lex, normalise_regions, tokenise
from workbench.generation.local.phrases import Phrase
from workbench.generation.local.plan import (
    CameraPlan,
    Focus,
    Move,
    MoveKind,
    Step,
)
from workbench.generation.local.steps import StepBuilder, last_group, merge_holds

__all__ = ["describe_directions", "known_words"]

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
        self.steps: list[list[Phrase]] = []
        self.step_text: list[str] = []
        self.cannot = False  # something was asked that a flat image cannot show
        self.last_place: Focus | None = None  # for "it" ("push in on it")
        self.builder = StepBuilder(self.regions, self.rng, self.warnings, self.unknown)

    # ---- text → sentences → chunks → phrases → steps ----

    def parse(self, text: str) -> CameraPlan:
        lexemes = lex(tokenise(text), self.regions)
        sentences, headers = _sentences(lexemes)
        # A sentence with nothing for the camera describes the picture, unless no sentence is about the camera
        # (then its words are reported as not understood).
        about_camera = [any(lx.cat in _CAMERA_CATEGORIES for lx in s) for s in sentences]
        header_steps: list[list[Phrase]] = []
        for sentence, camera, header in zip(sentences, about_camera, headers, strict=True):
            before = len(self.steps)
            if camera or not any(about_camera):
                self._sentence(sentence)
            else:
                self._description(sentence)
            if header:
                header_steps += self.steps[before:]
        self._drop_repeated_headers(header_steps)
        steps = merge_holds([s for s in (self.builder.step(group) for group in self.steps) if s is not None])
        steps = self.builder.anchor_first(steps)
        self.fade_in = self.fade_in or self.builder.fade_in  # "reveal the whole slide" fades in
        is_default = not steps and not self.cannot and not (self.fade_in or self.fade_out)
        if is_default:
            steps = [self.builder.default_step()]
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
        lead: Phrase | None = None  # a sentence-initial modifier chunk ("Slowly, the camera …")
        previous: list[Phrase] | None = None  # the step the last chunk added to
        for index, chunk in enumerate(chunks):
            reading = ChunkReader(chunk, self).read()
            phrases, rest, together, everything = (
                reading.phrases,
                reading.rest,
                reading.together,
                reading.everything,
            )
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
                rest.group = last_group(previous)  # "tilt up and then down"
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

    def _resolve_references(self, phrases: list[Phrase], previous: list[Phrase]) -> list[Phrase]:
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

    def _drop_repeated_headers(self, header_steps: list[list[Phrase]]) -> None:
        """ "Dutch angle: the frame slowly rolls …", "Slow push-in: … the camera slowly pushes in …": a header
        before a colon names a move the text then describes; it is not a second move."""
        for group in header_steps:
            later = [p for step in self.steps[self.steps.index(group) + 1 :] for p in step]
            if all(
                any(
                    self.builder.axis(p) == self.builder.axis(q)
                    and (not p.direction or p.direction == q.direction)
                    for q in later
                )
                for p in group
                if p.has_verb
            ):
                self.steps.remove(group)

    def unmarked_place(self, phrase: Phrase, name: str, mode: str) -> None:
        """A place the image does not mark ("push in on the graph"): aim at the centre, and say so."""
        if self.regions_known:
            known = ", ".join(sorted({n for n, _ in self.regions.values()})) or "none"
            self.warnings.append(
                f"not understood: the region '{name}' is not marked on this image (known regions: {known}); "
                "aiming at the centre."
            )
        place(phrase, Focus(name, 0.5, 0.5), mode or "target")

    def cannot_show(self, blocked: list[str]) -> None:
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

    def fade(self, which: str) -> None:
        if which in ("in", "both") or (which == "" and not self.steps):
            self.fade_in = True
        if which in ("out", "both") or (which == "" and self.steps):
            self.fade_out = True

    # ---- phrases → steps ----

    def _group(self, phrases: list[Phrase], join: list[Phrase] | None) -> list[list[Phrase]]:
        """Phrases of one chunk into steps: together unless they share an axis; holds stand alone."""
        groups: list[list[Phrase]] = [join] if join is not None else []
        for phrase in phrases:
            if not phrase.has_verb:
                if groups and phrase.direction:
                    phrase.group = last_group(groups[-1])
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
            axes = {self.builder.axis(p) for p in current}
            axis = self.builder.axis(phrase)
            if axis is not None and axis in axes:
                groups.append([phrase])
            else:
                current.append(phrase)
        return groups


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


def _chunks(sentence: list[Lexeme]) -> list[Chunk]:
    """Split a sentence at commas, "then" and "after", remembering which of them came before each chunk."""
    chunks: list[Chunk] = []
    joiner = "start"
    current: list[Lexeme] = []
    for lx in sentence:
        if lx.cat in ("comma", "then", "after"):
            if current:
                chunks.append(Chunk(current, joiner))
                current = []
                joiner = {"comma": "comma", "then": "then", "after": "after"}[lx.cat]
            elif lx.cat != "comma" and chunks:
                joiner = "then" if lx.cat == "then" else "after"
            continue
        current.append(lx)
    if current:
        chunks.append(Chunk(current, joiner))
    return chunks


def _participle(chunk: Chunk) -> bool:
    """The chunk's first verb is an -ing form ("zooming out", "tilting up")."""
    verb = next((lx for lx in chunk.lexemes if lx.cat == "verb"), None)
    return verb is not None and verb.text.split()[0].endswith("ing")


def _is_drift(phrase: Phrase) -> bool:
    """A generic "moving …/drifting …" phrase, which continues the move before it after a comma."""
    return phrase.group == "move" and phrase.effect is None and not phrase.static


def _only_effects(phrases: list[Phrase]) -> bool:
    return all(p.effect is not None for p in phrases)


def describe_directions(
    text: str, regions: Mapping[str, tuple[float, float, float, float]] | None = None, *, seed: int = 0
) -> CameraPlan:
    """Parse movie directions into a :class:`CameraPlan` (``.summary`` for people, ``.warnings`` for what it
    ignored or cannot show). ``regions`` are the starting image's named areas; ``None`` means "not known yet",
    so names after "on the …" are accepted without a warning. Never raises.
    """
    try:
        return _Parser(regions, seed).parse(text if isinstance(text, str) else str(text))
    except Exception as exc:  # pragma: no cover - a parser bug must not stop a render
        return CameraPlan(
            steps=(_Parser(None, seed).builder.default_step(),),
            warnings=(f"The directions could not be read ({type(exc).__name__}); using a gentle push-in.",),
            text=str(text),
            seed=seed,
            is_default=True,
        )
