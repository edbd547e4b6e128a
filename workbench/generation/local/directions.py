"""Plain-English movie directions → :class:`CameraPlan`.

The grammar is a small vocabulary, not a language model, so it must say what it ignored: every word it does
not know comes back as a warning ("not understood: 'wobble'"), never silently dropped. Filler ("a", "the",
"camera", "shot", "and") is known and ignored. It never raises, whatever the text.

- Moves: zoom/push/dolly in and out, pull back, pan left/right, tilt up/down, truck/track left/right,
  pedestal/crane up/down, roll/rotate clockwise/counterclockwise, static/locked off/hold.
- Speeds: very slow, slow/gentle/slowly, normal, fast/quick/far, very fast; or amounts: "2x", "20%",
  "10 degrees". Easing: ease in, ease out, ease in and out (default), linear/constant speed.
- Sequences: "… then …", "followed by", full stops. Moves in one clause run together ("zoom in and pan left");
  two moves on the same axis in one clause run in turn ("pan left and right").
- Focus: "on/to/towards/into/at X" aims the step at X, "from X" starts there. X is a named region of the
  starting image ("the diagram"), a position ("the top-left", "the left side", "the centre").
- Fades: "fade in", "fade out", "fade in and out", "from black", "to black". Durations: "for 2 seconds".

The seed only matters where the text leaves a choice open (a pan with no direction, or no move at all),
so the same text and seed always give the same plan.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.generation.local.plan import SPEEDS, CameraPlan, Easing, Focus, Move, MoveKind, Step

__all__ = ["describe_directions", "known_words"]

# -- magnitudes by speed level (index into SPEEDS) ----------------------------------------------------------

ZOOM_FACTORS = (1.08, 1.15, 1.3, 1.6, 2.0)
SHIFT_FRACTIONS = (0.05, 0.1, 0.15, 0.25, 0.35)
ROLL_DEGREES = (2.0, 4.0, 8.0, 15.0, 25.0)
NORMAL = SPEEDS.index("normal")

MAX_ZOOM_FACTOR = 8.0
MAX_ROLL_DEGREES = 45.0
MAX_STEP_SECONDS = 3600.0
MAX_WARNED_PHRASES = 10

# -- vocabulary ---------------------------------------------------------------------------------------------
# Each phrase (a tuple of words) maps to (category, value). The longest phrase wins at each position.

_GROUPS = {
    # group: (kind for in/out, kind for left/right, kind for up/down, default direction or "" = seeded)
    "zoom": ("zoom", None, None, "in"),
    "pull": ("zoom", None, None, "out"),
    "reveal": ("zoom", None, None, "out"),
    "dolly": ("zoom", "truck", "pedestal", "in"),
    "truck": ("zoom", "truck", "pedestal", ""),
    "pan": (None, "pan", "tilt", ""),
    "tilt": (None, "roll", "tilt", ""),
    "pedestal": (None, "truck", "pedestal", ""),
    "roll": (None, "roll", None, ""),
    "move": ("zoom", "truck", "pedestal", ""),
}

_VERBS = {
    "zoom": "zoom zooms zooming zoomed push pushes pushing punch magnify enlarge close closeup",
    "pull": "pull pulls pulling widen widens widening wider",
    "reveal": "reveal reveals revealing",
    "dolly": "dolly dollies dollying",
    "truck": "truck trucks trucking track tracks tracking crab crabs crabbing strafe",
    "pan": "pan pans panning panned sweep sweeps sweeping",
    "tilt": "tilt tilts tilting tilted",
    "pedestal": "pedestal crane cranes craning boom booms jib rise rises rising raise",
    "roll": "roll rolls rolling rotate rotates rotating rotation spin spins spinning twist twists dutch",
    "move": "move moves moving drift drifts drifting glide glides gliding slide slides sliding travel "
    "travels float floats floating wander go goes",
}

_DIRECTIONS = {
    "in": "in inwards inward forward forwards closer",
    "out": "out outwards outward back backward backwards away",
    "left": "left leftward leftwards",
    "right": "right rightward rightwards",
    "up": "up upward upwards upwardly",
    "down": "down downward downwards",
    "clockwise": "clockwise cw",
    "counterclockwise": "counterclockwise anticlockwise ccw widdershins",
}

_SPEED_WORDS = {
    -2: "slight slightly subtle subtly tiny barely imperceptibly",
    -1: "slow slowly gentle gently soft softly small leisurely calm calmly lazy lazily gradual gradually",
    0: "normal medium moderate moderately regular",
    1: "fast quick quickly rapid rapidly swift swiftly big large dramatic dramatically strong strongly far "
    "sharp sharply across",
    2: "whip extreme huge",
}

_EASING_WORDS = {
    Easing.EASE_IN_OUT: "eased easing ease smooth smoothly",
    Easing.LINEAR: "linear linearly constant constantly steady steadily even evenly uniform uniformly",
    Easing.EASE_IN: "accelerate accelerates accelerating",
    Easing.EASE_OUT: "decelerate decelerates decelerating settle settles settling",
}

_STATIC_WORDS = (
    "static still locked lockoff hold holds holding pause pauses freeze fixed stationary tripod stay stays "
    "motionless rest"
)

_FILLER = (
    "a an the camera cam shot lens and with of slide image picture photo frame view scene whole entire please "
    "it its we us over for during just really nice nicely continuous continuously direction way bit little "
    "some somewhat by motion movement is are be should will that this there so as while whilst very "
    "super extremely really quite more much footage clip video content start starting begin beginning "
    "corner side edge half part area region quadrant portion ending end finish finishing all speed "
    "shots gets get keep keeps keeping angle"
)

_POSITIONS: dict[tuple[str, ...], tuple[str, float, float]] = {}


def _add_position(words: str, name: str, x: float, y: float) -> None:
    _POSITIONS[tuple(words.split())] = (name, x, y)


for _v, _vy in (("top", 0.25), ("upper", 0.25), ("bottom", 0.75), ("lower", 0.75)):
    _vname = "top" if _vy < 0.5 else "bottom"
    for _h, _hx in (("left", 0.25), ("right", 0.75)):
        _add_position(f"{_v} {_h}", f"{_vname}-{_h}", _hx, _vy)
        _add_position(f"{_h} {_v}", f"{_vname}-{_h}", _hx, _vy)
    _add_position(_v, _vname, 0.5, _vy)
_add_position("left", "left", 0.25, 0.5)
_add_position("right", "right", 0.75, 0.5)
for _c in ("center", "centre", "middle"):
    _add_position(_c, "centre", 0.5, 0.5)

_PHRASES: dict[tuple[str, ...], tuple[str, object]] = {}


def _add(words: str, category: str, value: object = None) -> None:
    for word in words.split():
        _PHRASES[(word,)] = (category, value)


for _group, _words in _VERBS.items():
    _add(_words, "verb", _group)
for _dir, _words in _DIRECTIONS.items():
    _add(_words, "direction", _dir)
for _level, _words in _SPEED_WORDS.items():
    _add(_words, "speed", _level)
for _easing, _words in _EASING_WORDS.items():
    _add(_words, "easing", _easing)
_add(_STATIC_WORDS, "static")
_add(_FILLER, "filler")
_add("on to towards toward at onto", "target")
_add("from", "origin")
_add("fade fades fading", "fade", "")
_add("s sec secs second seconds", "unit_s")
_add("x times fold", "unit_x")
_add("percent", "unit_pct")
_add("degree degrees deg", "unit_deg")
_add("then afterwards afterward next finally later subsequently", "then")
_add("black", "filler")

_MULTI = {
    "locked off": ("static", None),
    "lock off": ("static", None),
    "no movement": ("static", None),
    "no motion": ("static", None),
    "no camera movement": ("static", None),
    "no camera motion": ("static", None),
    "close up": ("verb", "zoom"),
    "dutch angle": ("verb", "roll"),
    "pull back": ("verb", "pull"),
    "ease in": ("easing", Easing.EASE_IN),
    "eases in": ("easing", Easing.EASE_IN),
    "easing in": ("easing", Easing.EASE_IN),
    "ease out": ("easing", Easing.EASE_OUT),
    "eases out": ("easing", Easing.EASE_OUT),
    "easing out": ("easing", Easing.EASE_OUT),
    "ease in out": ("easing", Easing.EASE_IN_OUT),
    "ease in and out": ("easing", Easing.EASE_IN_OUT),
    "eased in and out": ("easing", Easing.EASE_IN_OUT),
    "easing in and out": ("easing", Easing.EASE_IN_OUT),
    "constant speed": ("easing", Easing.LINEAR),
    "speeding up": ("easing", Easing.EASE_IN),
    "slowing down": ("easing", Easing.EASE_OUT),
    "come to rest": ("easing", Easing.EASE_OUT),
    "coming to rest": ("easing", Easing.EASE_OUT),
    "fade in": ("fade", "in"),
    "fades in": ("fade", "in"),
    "fading in": ("fade", "in"),
    "fade up": ("fade", "in"),
    "fade from black": ("fade", "in"),
    "fade out": ("fade", "out"),
    "fades out": ("fade", "out"),
    "fading out": ("fade", "out"),
    "fade down": ("fade", "out"),
    "fade to black": ("fade", "out"),
    "fade in and out": ("fade", "both"),
    "fade in out": ("fade", "both"),
    "from black": ("fade", "in"),
    "to black": ("fade", "out"),
    "counter clockwise": ("direction", "counterclockwise"),
    "anti clockwise": ("direction", "counterclockwise"),
    "a little": ("speed", -2),
    "a bit": ("speed", -2),
    "a touch": ("speed", -2),
    "all the way": ("speed", 2),
    "a lot": ("speed", 1),
    "very slow": ("speed", -2),
    "very slowly": ("speed", -2),
    "very gentle": ("speed", -2),
    "very gently": ("speed", -2),
    "super slow": ("speed", -2),
    "extremely slow": ("speed", -2),
    "very fast": ("speed", 2),
    "very quick": ("speed", 2),
    "very quickly": ("speed", 2),
    "super fast": ("speed", 2),
    "extremely fast": ("speed", 2),
    "per cent": ("unit_pct", None),
    "after that": ("then", None),
    "after which": ("then", None),
    "followed by": ("then", None),
    "and then": ("then", None),
    "focus on": ("target", None),
    "focused on": ("target", None),
    "focusing on": ("target", None),
    "centre on": ("target", None),
    "center on": ("target", None),
    "centred on": ("target", None),
    "centered on": ("target", None),
    "aim at": ("target", None),
    "look at": ("target", None),
    "land on": ("target", None),
    "end on": ("target", None),
    "ending on": ("target", None),
    "finish on": ("target", None),
    "in on": ("direction_target", "in"),
    "into": ("direction_target", "in"),
    "starting from": ("origin", None),
    "starting on": ("origin", None),
    "starting at": ("origin", None),
    "start on": ("origin", None),
    "start at": ("origin", None),
    "start from": ("origin", None),
    "begin on": ("origin", None),
    "begin at": ("origin", None),
    "out of": ("direction_origin", "out"),
    "out from": ("direction_origin", "out"),
}
for _phrase, _entry in _MULTI.items():
    _PHRASES[tuple(_phrase.split())] = _entry
_PHRASES[("into",)] = ("direction_target", "in")

_MAX_PHRASE = max(len(p) for p in (*_PHRASES, *_POSITIONS))
_SIDE_TO_DIRECTION = {"left": "left", "right": "right", "top": "up", "bottom": "down"}
_AXIS = {
    MoveKind.ZOOM: "zoom",
    MoveKind.PAN: "x",
    MoveKind.TRUCK: "x",
    MoveKind.TILT: "y",
    MoveKind.PEDESTAL: "y",
    MoveKind.ROLL: "roll",
}


def known_words() -> frozenset[str]:
    """Every word the parser understands (for the UI's hints and for fuzz tests)."""
    words = {w for phrase in (*_PHRASES, *_POSITIONS) for w in phrase}
    return frozenset(words)


# -- tokens -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|°|×|x(?![^\W\d_]))?"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<sep>[.;!?]+)"
    r"|(?P<soft>[,:()\[\]{}\"/&+*_=<>|#~`^@$\\-]+)"
    r"|(?P<other>\S)"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "word", "sep", "other"
    text: str
    number: float = 0.0
    unit: str = ""


def _tokenise(text: str) -> list[_Token]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("->", " then ").replace("→", " then ").replace("’", "'").replace("'s ", " ")
    text = re.sub(r"'s\b", "", text).replace("'", "")
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text):
        if m.group("num") is not None:
            raw = m.group("num")
            try:
                value = float(raw)
            except (ValueError, OverflowError):
                value = math.nan
            tokens.append(_Token("num", m.group(0).strip(), value, _unit(m.group("unit") or "")))
        elif m.group("word") is not None:
            tokens.append(_Token("word", m.group("word")))
        elif m.group("sep") is not None:
            tokens.append(_Token("sep", m.group("sep")))
        elif m.group("other") is not None:
            tokens.append(_Token("other", m.group("other")))
    return tokens


def _unit(symbol: str) -> str:
    return {"%": "pct", "°": "deg", "×": "x", "x": "x"}.get(symbol, "")


# -- parsing ------------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    group: str
    pos: int
    direction: str = ""
    speed_level: int | None = None
    amount: tuple[str, float] | None = None


@dataclass
class _Clause:
    """What one clause (between "then"s) said, before it becomes steps."""

    units: list[_Draft | int] = field(default_factory=list)  # drafts, and static markers (their position)
    speeds: list[tuple[int, int]] = field(default_factory=list)  # (pos, level)
    amounts: list[tuple[int, str, float]] = field(default_factory=list)  # (pos, unit, value)
    seconds: list[tuple[int, float]] = field(default_factory=list)
    targets: list[tuple[int, Focus, bool]] = field(default_factory=list)  # (pos, focus, bare side word)
    origins: list[tuple[int, Focus]] = field(default_factory=list)
    easing: Easing | None = None
    words: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, regions: Mapping[str, object] | None, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.warnings: list[str] = []
        self.unknown: list[str] = []
        self.regions = _normalise_regions(regions, self.warnings)
        self.regions_known = regions is not None
        self.fade_in = False
        self.fade_out = False
        self.pending_origin: Focus | None = None

    # ---- splitting into clauses and items ----

    def parse(self, text: str) -> CameraPlan:
        tokens = _tokenise(text)
        clauses = self._split(tokens)
        steps: list[Step] = []
        for index, clause_tokens in enumerate(clauses):
            clause = self._read_clause(clause_tokens, last=index == len(clauses) - 1 and len(clauses) > 1)
            new_steps = self._steps_of(clause)
            if new_steps and self.pending_origin is not None:
                if new_steps[0].origin is None:
                    new_steps[0] = dataclasses.replace(new_steps[0], origin=self.pending_origin)
                self.pending_origin = None
            steps.extend(new_steps)
        is_default = not steps
        if is_default:
            steps = [self._default_step()]
            if self.pending_origin is not None:
                steps[0] = dataclasses.replace(steps[0], origin=self.pending_origin)
            self.warnings.append(
                "No camera move was understood; using a gentle push-in (a different seed gives a different drift)."
            )
        if self.unknown:
            shown = [f"'{p}'" for p in self.unknown[:MAX_WARNED_PHRASES]]
            more = len(self.unknown) - len(shown)
            suffix = f" and {more} more" if more > 0 else ""
            self.warnings.insert(0, f"not understood: {', '.join(shown)}{suffix} (ignored)")
        return CameraPlan(
            steps=tuple(steps),
            fade_in=self.fade_in,
            fade_out=self.fade_out,
            warnings=tuple(dict.fromkeys(self.warnings)),
            text=text,
            seed=self.seed,
            is_default=is_default,
        )

    def _split(self, tokens: list[_Token]) -> list[list[_Token]]:
        clauses: list[list[_Token]] = [[]]
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "sep":
                clauses.append([])
                i += 1
                continue
            if tok.kind == "word":
                length, entry = self._match(tokens, i)
                if entry is not None and entry[0] == "then":
                    clauses.append([])
                    i += length
                    continue
            clauses[-1].append(tok)
            i += 1
        return [c for c in clauses if c]

    def _match(self, tokens: list[_Token], i: int) -> tuple[int, tuple[str, object] | None]:
        """The longest vocabulary phrase starting at ``tokens[i]``."""
        for length in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            window = tokens[i : i + length]
            if any(t.kind != "word" for t in window):
                continue
            entry = _PHRASES.get(tuple(t.text for t in window))
            if entry is not None:
                return length, entry
        return 0, None

    def _match_focus(self, tokens: list[_Token], i: int) -> tuple[int, Focus | None, bool]:
        """A region name or a position at ``tokens[i]`` (after an optional "the")."""
        j = i
        while j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in ("the", "a", "an"):
            j += 1
        for length in range(min(8, len(tokens) - j), 0, -1):
            window = tokens[j : j + length]
            if any(t.kind != "word" for t in window):
                continue
            key = tuple(t.text for t in window)
            if key in self.regions:
                name, box = self.regions[key]
                return j - i + length, Focus(name, box[0] + box[2] / 2, box[1] + box[3] / 2, box), False
            if key in _POSITIONS:
                name, x, y = _POSITIONS[key]
                end = j + length
                while end < len(tokens) and tokens[end].text in ("corner", "side", "edge", "half", "part"):
                    end += 1
                bare = length == 1 and key[0] in _SIDE_TO_DIRECTION
                return end - i, Focus(name, x, y), bare
        return 0, None, False

    def _read_clause(self, tokens: list[_Token], *, last: bool) -> _Clause:
        clause = _Clause(words=[t.text for t in tokens])
        unknown_run: list[str] = []

        def flush_unknown() -> None:
            if unknown_run:
                self.unknown.append(" ".join(unknown_run))
                unknown_run.clear()

        def add_draft(group: str, pos: int, direction: str = "") -> None:
            clause.units.append(_Draft(group, pos, direction))

        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "num":
                consumed = self._read_number(tokens, i, clause)
                if consumed:
                    flush_unknown()
                    i += consumed
                    continue
                unknown_run.append(tok.text)
                i += 1
                continue
            if tok.kind != "word":
                unknown_run.append(tok.text)
                i += 1
                continue
            length, focus, bare = self._match_focus(tokens, i)
            if focus is not None and (focus.box is not None or focus.name not in ("left", "right")):
                # A region name or a position ("the top-left", "centre") without "on"/"to" still aims.
                flush_unknown()
                clause.targets.append((i, focus, bare))
                i += length
                continue
            length, entry = self._match(tokens, i)
            if entry is None:
                unknown_run.append(tok.text)
                i += 1
                continue
            flush_unknown()
            category, value = entry
            i += length
            if category == "verb":
                add_draft(str(value), i - length)
            elif category == "direction":
                self._attach_direction(clause, str(value), i - length)
            elif category in ("direction_target", "direction_origin"):
                self._attach_direction(clause, str(value), i - length)
                i = self._read_focus(tokens, i, clause, origin=category == "direction_origin")
            elif category == "speed":
                clause.speeds.append((i - length, int(value)))  # type: ignore[call-overload]
            elif category == "easing":
                clause.easing = value  # type: ignore[assignment]
            elif category == "static":
                clause.units.append(i - length)
            elif category == "target":
                i = self._read_focus(tokens, i, clause, origin=False)
            elif category == "origin":
                i = self._read_focus(tokens, i, clause, origin=True)
            elif category == "fade":
                self._fade(str(value or ""), last=last)
            elif category.startswith("unit_"):
                unknown_run.append(" ".join(t.text for t in tokens[i - length : i]))
            # filler: nothing to do
        flush_unknown()
        return clause

    def _read_focus(self, tokens: list[_Token], i: int, clause: _Clause, *, origin: bool) -> int:
        """After "on"/"to"/"from": a region, a position, or an unknown name (→ centre, with a warning)."""
        length, focus, bare = self._match_focus(tokens, i)
        if focus is not None:
            if origin:
                clause.origins.append((i, focus))
            else:
                clause.targets.append((i, focus, bare))
            return i + length
        j = i
        while j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in ("the", "a", "an"):
            j += 1
        name: list[str] = []
        while j < len(tokens) and tokens[j].kind == "word" and self._match(tokens, j)[1] is None:
            name.append(tokens[j].text)
            j += 1
        if not name:
            return i
        label = " ".join(name)
        if self.regions_known:
            known = ", ".join(sorted(n for n, _ in self.regions.values())) or "none"
            self.warnings.append(
                f"not understood: the region '{label}' is not marked on this image (known regions: {known}); "
                "aiming at the centre."
            )
        focus = Focus(label, 0.5, 0.5)
        if origin:
            clause.origins.append((i, focus))
        else:
            clause.targets.append((i, focus, False))
        return j

    def _read_number(self, tokens: list[_Token], i: int, clause: _Clause) -> int:
        tok = tokens[i]
        unit, consumed = tok.unit, 1
        if not unit and i + 1 < len(tokens) and tokens[i + 1].kind == "word":
            length, entry = self._match(tokens, i + 1)
            if entry is not None and entry[0].startswith("unit_"):
                unit, consumed = entry[0][5:], 1 + length
        value = tok.number
        if not unit or not math.isfinite(value):
            return 0
        if unit == "s":
            if value <= 0:
                self.warnings.append(f"A step of {tok.text} seconds was ignored.")
            else:
                clause.seconds.append((i, min(value, MAX_STEP_SECONDS)))
        else:
            clause.amounts.append((i, unit, value))
        return consumed

    def _attach_direction(self, clause: _Clause, direction: str, pos: int) -> None:
        drafts = [u for u in clause.units if isinstance(u, _Draft)]
        last = drafts[-1] if drafts else None
        if last is not None and clause.units[-1] is last and not last.direction:
            last.direction = direction
            return
        if last is not None and last.direction == direction:
            return  # "zoom back out", "push in in"
        if last is not None and clause.units[-1] is last:
            # "pan left and up": a second direction for the same verb family.
            clause.units.append(_Draft(last.group, pos, direction))
            return
        clause.units.append(_Draft("move", pos, direction))

    def _fade(self, which: str, *, last: bool) -> None:
        if which in ("in", "both") or (which == "" and not last):
            self.fade_in = True
        if which in ("out", "both") or (which == "" and last):
            self.fade_out = True

    # ---- clause → steps ----

    def _steps_of(self, clause: _Clause) -> list[Step]:
        # Bare sides after "to" ("pan to the left") are directions for moves that have none.
        for pos, focus, bare in list(clause.targets):
            if not bare:
                continue
            draft = _nearest([u for u in clause.units if isinstance(u, _Draft)], pos)
            side = _SIDE_TO_DIRECTION[focus.name]
            if (
                draft is not None
                and not draft.direction
                and _resolve_kind(draft.group, side)
                not in (
                    None,
                    MoveKind.ZOOM,
                )
            ):
                draft.direction = side
                clause.targets.remove((pos, focus, bare))
        groups: list[list[_Draft | int]] = []
        for unit in clause.units:
            if not groups:
                groups.append([unit])
                continue
            current = groups[-1]
            if isinstance(unit, int):
                if any(isinstance(u, _Draft) for u in current):
                    groups.append([unit])
                continue
            if any(isinstance(u, int) for u in current):
                groups.append([unit])
                continue
            axes = {self._axis(u) for u in current if isinstance(u, _Draft)}
            if self._axis(unit) in axes:
                groups.append([unit])
            else:
                current.append(unit)
        drafts = [u for u in clause.units if isinstance(u, _Draft)]
        if len(clause.speeds) == 1:
            for d in drafts:
                d.speed_level = clause.speeds[0][1]
        else:
            for pos, level in clause.speeds:
                nearest = _nearest(drafts, pos)
                if nearest is not None:
                    nearest.speed_level = level
        for pos, unit, value in clause.amounts:
            fitting = [d for d in drafts if _amount_fits(self._kind(d), unit)]
            nearest = _nearest(fitting, pos)
            if nearest is None:
                self.warnings.append(
                    f"not understood: the amount '{value:g} {unit}' matches no move (ignored)"
                )
            else:
                nearest.amount = (unit, value)
        steps: list[Step] = []
        for group in groups:
            moves = tuple(self._move(u) for u in group if isinstance(u, _Draft))
            moves = tuple(m for m in moves if m is not None)
            if not moves and not any(isinstance(u, int) for u in group):
                continue
            steps.append(
                Step(
                    moves=moves or (Move(MoveKind.STATIC, speed="normal"),),
                    easing=clause.easing or Easing.EASE_IN_OUT,
                    text=" ".join(clause.words),
                )
            )
        if not steps:
            if clause.targets:
                steps.append(
                    Step(
                        moves=(Move(MoveKind.PAN, "", "normal", 0.0),),
                        easing=clause.easing or Easing.EASE_IN_OUT,
                        text=" ".join(clause.words),
                    )
                )
            elif clause.seconds:
                steps.append(Step(moves=(Move(MoveKind.STATIC),), text=" ".join(clause.words)))
            else:
                if clause.origins:  # "start on the title, then zoom out": the origin of the next step
                    self.pending_origin = clause.origins[-1][1]
                return []
        positions = [_group_pos(g) for g in groups if g] or [0]
        steps = self._place(steps, positions, clause)
        return steps

    def _place(self, steps: list[Step], positions: list[int], clause: _Clause) -> list[Step]:
        """Give targets, origins and durations to the step nearest before them in the clause."""
        positions = positions[: len(steps)] + [positions[-1]] * (len(steps) - len(positions))

        def index_for(pos: int) -> int:
            before = [k for k, p in enumerate(positions) if p <= pos]
            return before[-1] if before else 0

        out = list(steps)
        for pos, focus, _ in clause.targets:
            k = index_for(pos)
            out[k] = dataclasses.replace(out[k], target=focus)
        for pos, focus in clause.origins:
            k = index_for(pos)
            out[k] = dataclasses.replace(out[k], origin=focus)
        for pos, seconds in clause.seconds:
            k = index_for(pos)
            out[k] = dataclasses.replace(out[k], seconds=seconds)
        return out

    def _axis(self, draft: _Draft) -> str:
        kind = self._kind(draft)
        return _AXIS.get(kind, draft.group) if kind is not None else draft.group

    def _kind(self, draft: _Draft) -> MoveKind | None:
        direction = draft.direction or _GROUPS[draft.group][3]
        if not direction:
            return {
                "pan": MoveKind.PAN,
                "tilt": MoveKind.TILT,
                "truck": MoveKind.TRUCK,
                "pedestal": MoveKind.PEDESTAL,
                "roll": MoveKind.ROLL,
            }.get(draft.group)
        return _resolve_kind(draft.group, direction)

    def _move(self, draft: _Draft) -> Move | None:
        direction = draft.direction or _GROUPS[draft.group][3]
        vague = False
        if not direction:
            choices = {
                "pan": ("left", "right"),
                "truck": ("left", "right"),
                "tilt": ("up", "down"),
                "pedestal": ("up", "down"),
                "roll": ("clockwise", "counterclockwise"),
                "move": ("left", "right", "up", "down"),
            }[draft.group]
            direction = self.rng.choice(choices)
            vague = draft.group == "move"
            self.warnings.append(
                f"No direction given for '{draft.group}'; going {direction} (chosen by the seed)."
            )
        kind = _resolve_kind(draft.group, direction)
        if kind is None:
            self.unknown.append(f"{draft.group} {direction}")
            return None
        if draft.speed_level is not None:
            level = max(0, min(len(SPEEDS) - 1, NORMAL + draft.speed_level))
        else:
            level = SPEEDS.index("slow") if vague else NORMAL
        speed = SPEEDS[level]
        magnitude, explicit = self._magnitude(kind, direction, level, draft.amount)
        return Move(kind, _direction_word(kind, direction), speed, magnitude, explicit)

    def _magnitude(
        self, kind: MoveKind, direction: str, level: int, amount: tuple[str, float] | None
    ) -> tuple[float, bool]:
        if kind is MoveKind.ZOOM:
            factor, explicit = ZOOM_FACTORS[level], False
            if amount is not None:
                unit, value = amount
                # "20%" adds 20 percent; "150%" means 1.5x.
                pct = value / 100 if value > 100 else 1 + value / 100
                candidate = value if unit == "x" else pct if unit == "pct" else math.nan
                if math.isfinite(candidate) and candidate > 1.0:
                    factor, explicit = min(candidate, MAX_ZOOM_FACTOR), True
                    if candidate > MAX_ZOOM_FACTOR:
                        self.warnings.append(f"Zoom limited to {MAX_ZOOM_FACTOR:g}x per step.")
                else:
                    self.warnings.append(f"not understood: a zoom of '{value:g}{unit}' (use e.g. 2x or 20%)")
            return (factor if direction == "in" else 1 / factor), explicit
        if kind is MoveKind.ROLL:
            degrees, explicit = ROLL_DEGREES[level], False
            if amount is not None and amount[0] == "deg" and math.isfinite(amount[1]) and amount[1] > 0:
                degrees, explicit = min(amount[1], MAX_ROLL_DEGREES), True
                if amount[1] > MAX_ROLL_DEGREES:
                    self.warnings.append(f"Roll limited to {MAX_ROLL_DEGREES:g} degrees per step.")
            return (degrees if direction == "clockwise" else -degrees), explicit
        fraction, explicit = SHIFT_FRACTIONS[level], False
        if amount is not None and amount[0] == "pct" and math.isfinite(amount[1]) and amount[1] > 0:
            fraction, explicit = min(amount[1], 100.0) / 100, True
        sign = 1.0 if direction in ("right", "down") else -1.0
        return sign * fraction, explicit

    def _default_step(self) -> Step:
        """A gentle push-in with a slow drift whose direction the seed picks (any angle)."""
        angle = self.rng.uniform(0.0, 2 * math.pi)
        dx, dy = SHIFT_FRACTIONS[0] * math.cos(angle), SHIFT_FRACTIONS[0] * math.sin(angle)
        moves = [Move(MoveKind.ZOOM, "in", "slow", ZOOM_FACTORS[1])]
        if abs(dx) > 1e-3:
            moves.append(Move(MoveKind.TRUCK, "right" if dx > 0 else "left", "very slow", dx))
        if abs(dy) > 1e-3:
            moves.append(Move(MoveKind.PEDESTAL, "down" if dy > 0 else "up", "very slow", dy))
        return Step(moves=tuple(moves), text="(default)")


def _resolve_kind(group: str, direction: str) -> MoveKind | None:
    inout, leftright, updown, _ = _GROUPS[group]
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


def _amount_fits(kind: MoveKind | None, unit: str) -> bool:
    if kind is MoveKind.ZOOM:
        return unit in ("x", "pct")
    if kind is MoveKind.ROLL:
        return unit == "deg"
    return kind is not None and unit == "pct"


def _nearest(drafts: list[_Draft], pos: int) -> _Draft | None:
    if not drafts:
        return None
    return min(drafts, key=lambda d: (abs(d.pos - pos), d.pos < pos))


def _group_pos(group: list[_Draft | int]) -> int:
    first = group[0]
    return first.pos if isinstance(first, _Draft) else first


def _normalise_regions(
    regions: Mapping[str, object] | None, warnings: list[str]
) -> dict[tuple[str, ...], tuple[str, tuple[float, float, float, float]]]:
    """Region names as word tuples → (name, box clipped to the image). Bad boxes are skipped with a warning."""
    out: dict[tuple[str, ...], tuple[str, tuple[float, float, float, float]]] = {}
    for name, box in (regions or {}).items():
        key = tuple(t.text for t in _tokenise(str(name)) if t.kind == "word")
        try:
            x, y, w, h = (float(v) for v in box)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            warnings.append(f"The region '{name}' has no usable box (x, y, w, h); ignored.")
            continue
        if not key or not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
            warnings.append(f"The region '{name}' has no usable box (x, y, w, h); ignored.")
            continue
        x0, y0 = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
        x1, y1 = min(max(x + w, 0.0), 1.0), min(max(y + h, 0.0), 1.0)
        if x1 <= x0 or y1 <= y0:
            warnings.append(f"The region '{name}' lies outside the image; ignored.")
            continue
        out[key] = (str(name), (x0, y0, x1 - x0, y1 - y0))
    return out


def describe_directions(
    text: str, regions: Mapping[str, tuple[float, float, float, float]] | None = None, *, seed: int = 0
) -> CameraPlan:
    """Parse movie directions into a :class:`CameraPlan` (``.summary`` for people, ``.warnings`` for words
    it ignored). ``regions`` are the starting image's named areas; ``None`` means "not known yet", so names
    after "on the …" are accepted without a warning. Never raises.
    """
    try:
        return _Parser(regions, seed).parse(text if isinstance(text, str) else str(text))
    except Exception as exc:  # pragma: no cover - a parser bug must not stop a render
        return CameraPlan(
            steps=(_Parser(None, seed)._default_step(),),
            warnings=(f"The directions could not be read ({type(exc).__name__}); using a gentle push-in.",),
            text=str(text),
            seed=seed,
            is_default=True,
        )
