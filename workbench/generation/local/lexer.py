"""Movie directions → tokens → lexemes: each word or phrase found in the vocabulary, a region of the image,
a position, a number with its unit, or an unknown word.

The grammar (:mod:`.directions`) reads lexemes only. The phrase index is compiled once from the tables in
:mod:`.vocabulary`; a phrase listed under two meanings is a mistake in the tables and fails at import.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.generation.local import vocabulary as vocab
from workbench.generation.local.plan import FULL_FRAME, Focus

__all__ = [
    "Lexeme",
    "Token",
    "known_words",
    "lex",
    "normalise_regions",
    "position_focus",
    "region_focus",
    "tokenise",
]

Box = tuple[float, float, float, float]
Regions = dict[tuple[str, ...], tuple[str, Box]]

# -- tokens -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<range>\d+(?:\.\d+)?)\s*[-–]\s*(?P<range_end>\d+(?:\.\d+)?)\s*(?=s\b|sec|second)"
    r"|(?P<tag>\d+(?:k|mm|p|fps|hz)\b|\d+:\d+\b)"
    r"|(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>%|°|×|x(?![^\W\d_]))?"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<sep>[.;!?]+)"
    r"|(?P<comma>[,:()\[\]{}\"]+|--|—|–)"
    r"|(?P<soft>[/&+*_=<>|#~`^@$\\-]+)"
    r"|(?P<other>\S)"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "word", "sep", "comma", "other"
    text: str
    number: float = 0.0
    unit: str = ""


def tokenise(text: str) -> list[Token]:
    """Lower-cased tokens; hyphens and apostrophes vanish ("push-in" → push in, "bird's" → birds)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("->", " then ").replace("→", " then ").replace("’", "'")
    text = re.sub(r"'s\b", "s", text).replace("'", "")
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m.group("range") is not None:  # "[3-6s]": a storyboard's time range is its length
            length = float(m.group("range_end")) - float(m.group("range"))
            tokens.append(Token("num", m.group(0).strip(), length, ""))
        elif m.group("tag") is not None:
            tokens.append(Token("word", m.group("tag")))
        elif m.group("num") is not None:
            try:
                value = float(m.group("num"))
            except (ValueError, OverflowError):  # pragma: no cover - the pattern only admits decimals
                value = math.nan
            unit = {"%": "pct", "°": "deg", "×": "x", "x": "x"}.get(m.group("unit") or "", "")
            tokens.append(Token("num", m.group(0).strip(), value, unit))
        elif m.group("word") is not None:
            tokens.append(Token("word", m.group("word")))
        elif m.group("sep") is not None:
            tokens.append(Token("sep", m.group("sep")))
        elif m.group("comma") is not None:
            tokens.append(Token("comma", m.group("comma")))
        elif m.group("other") is not None:
            tokens.append(Token("other", m.group("other")))
    return tokens


# -- the phrase index ---------------------------------------------------------------------------------------

Entry = tuple[str, object]


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenise(phrase) if t.kind in ("word", "num"))


def _build() -> dict[tuple[str, ...], Entry]:
    index: dict[tuple[str, ...], Entry] = {}
    conflicts: list[str] = []

    def add(phrase: str, category: str, value: object = None) -> None:
        key = _words(phrase)
        if not key:
            return
        old = index.get(key)
        if old is not None and old != (category, value):
            conflicts.append(f"{phrase!r} is both {old} and {(category, value)}")
            return
        index[key] = (category, value)

    def add_words(words: str, category: str, value: object = None) -> None:
        for word in words.split():
            add(word, category, value)

    for group, words in vocab.VERBS.items():
        add_words(words, "verb", group)
    for phrase, group in vocab.VERB_PHRASES.items():
        add(phrase, "verb", group)
    for direction, words in vocab.DIRECTIONS.items():
        add_words(words, "dir", direction)
    for phrase, direction in vocab.DIRECTION_PHRASES.items():
        add(phrase, "dir", direction)
    for level, words in vocab.SPEED_WORDS.items():
        add_words(words, "speed", level)
    for phrase, level in vocab.SPEED_PHRASES.items():
        add(phrase, "speed", level)
    for easing, words in vocab.EASING_WORDS.items():
        add_words(words, "easing", easing)
    for phrase, easing in vocab.EASING_PHRASES.items():
        add(phrase, "easing", easing)
    add_words(vocab.STATIC_WORDS, "static")
    for phrase in vocab.STATIC_PHRASES:
        add(phrase, "static")
    for phrase, kind in vocab.EFFECT_PHRASES.items():
        add(phrase, "effect", kind)
    for phrase in vocab.ONE_BY_ONE:
        add(phrase, "one_by_one")
    for phrase in vocab.REVEALING:
        add(phrase, "revealing")
    for phrase in vocab.FRAME_HINTS:
        add(phrase, "frame_hint")
    for phrase in vocab.HANDHELD:
        add(phrase, "handheld")
    for phrase in vocab.THEN:
        add(phrase, "then")
    for phrase in vocab.AFTER:
        add(phrase, "after")
    for phrase in vocab.TOGETHER:
        add(phrase, "together")
    for phrase in vocab.OTHERWISE:
        add(phrase, "otherwise")
    add_words(vocab.TARGET_WORDS, "target", False)
    for phrase in vocab.TARGET_PHRASES:
        add(phrase, "target", phrase.split()[0] in vocab.SETTLING)
    for phrase in vocab.ORIGIN_PHRASES:
        add(phrase, "origin")
    for phrase in vocab.ACROSS_WORDS:
        add(phrase, "across")
    for phrase, direction in vocab.DIRECTION_TARGET.items():
        add(phrase, "dir_target", direction)
    for phrase, direction in vocab.DIRECTION_ORIGIN.items():
        add(phrase, "dir_origin", direction)
    for phrase, which in vocab.FADE_PHRASES.items():
        add(phrase, "fade", which)
    for phrase, unit in vocab.UNITS.items():
        add(phrase, "unit", unit)
    for phrase, reason in vocab.IMPOSSIBLE.items():
        add(phrase, "impossible", reason)
    add_words(vocab.SUBJECT_MOTION, "subject_motion")
    for phrase in vocab.SUBJECT_MOTION_PHRASES:
        add(phrase, "subject_motion")
    for phrase in vocab.STYLE:
        add(phrase, "style")
    add_words(vocab.PICTURE_NOUNS, "noun")
    for phrase in vocab.DURING:
        add(phrase, "filler")
    add_words(vocab.NEGATIONS, "negation")
    add_words(vocab.COUNTERS, "counter")
    add_words(vocab.FILLER, "filler")
    if conflicts:
        raise ValueError("vocabulary: " + "; ".join(conflicts))
    return index


_INDEX = _build()
_NUMBER_WORDS = {_words(k): v for k, v in vocab.NUMBER_WORDS.items()}
_POSITIONS = {_words(k): v for k, v in vocab.POSITIONS.items()}
_WHOLE = {_words(k) for k in vocab.WHOLE_FRAME}
_TAILS = frozenset(vocab.POSITION_TAILS.split())
_REGION_TAILS = frozenset(vocab.REGION_TAILS.split())
_ARTICLES = ("the", "a", "an")
_MAX = max(len(k) for k in (*_INDEX, *_POSITIONS, *_WHOLE, *_NUMBER_WORDS))


def known_words() -> frozenset[str]:
    """Every word the parser understands (for the UI's hints and for fuzz tests)."""
    return frozenset(w for key in (*_INDEX, *_POSITIONS, *_WHOLE, *_NUMBER_WORDS) for w in key)


# -- lexemes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexeme:
    """One reading of tokens ``start``..``end``: ``cat`` is the category (``verb``, ``dir``, ``focus``,
    ``amount``, ``seconds``, ``unknown``, ``sep``, ``comma`` …) and ``value`` its meaning."""

    cat: str
    value: object
    start: int
    end: int
    text: str


def normalise_regions(regions: Mapping[str, object] | None, warnings: list[str]) -> Regions:
    """Region names as word tuples → (name, box clipped to the image). Bad boxes are skipped with a warning."""
    out: Regions = {}
    for name, box in (regions or {}).items():
        key = _words(str(name))
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
        entry = (str(name), (x0, y0, x1 - x0, y1 - y0))
        out[key] = entry
        # "the bullet points" finds "bullets", "the diagrams" finds "diagram".
        last = key[-1]
        other = last[:-1] if last.endswith("s") and len(last) > 3 else last + "s"
        out.setdefault((*key[:-1], other), entry)
    return out


def lex(tokens: list[Token], regions: Regions) -> list[Lexeme]:
    """Read ``tokens`` left to right, taking the longest reading at each position."""
    out: list[Lexeme] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind in ("sep", "comma"):
            # "Slow push-in: a slide with …": a colon ends a header, like a full stop
            kind = "sep" if tok.kind == "comma" and ":" in tok.text else tok.kind
            out.append(Lexeme(kind, tok.text, i, i + 1, tok.text))
            i += 1
            continue
        if tok.kind == "num" and out and out[-1].cat == "counter" and not tok.unit:
            out.append(Lexeme("filler", None, i, i + 1, tok.text))  # "Shot 1"
            i += 1
            continue
        if tok.kind == "num":
            lexeme = _number(tokens, i, tok.number, tok.unit, 1)
            out.append(lexeme)
            i = lexeme.end
            continue
        if tok.kind != "word":
            out.append(Lexeme("unknown", None, i, i + 1, tok.text))
            i += 1
            continue
        candidates = [
            c for c in (_focus(tokens, i, regions), _phrase(tokens, i), _number_word(tokens, i)) if c
        ]
        if not candidates:
            out.append(Lexeme("unknown", None, i, i + 1, tok.text))
            i += 1
            continue
        best = max(candidates, key=lambda c: c.end)  # ties: the earliest reader wins (focus, then vocabulary)
        best = _yield_to_impossible(tokens, i, best)
        out.append(best)
        i = best.end
    return out


def _yield_to_impossible(tokens: list[Token], i: int, best: Lexeme) -> Lexeme:
    """A phrase that swallows the start of something a flat image cannot show ("soft light sweeps": "light
    sweeps") ends before it, so the warning is never lost to a style word."""
    for j in range(i + 1, best.end):
        later = _phrase(tokens, j)
        if later is not None and later.cat == "impossible" and later.end > best.end:
            shorter = _phrase_upto(tokens, i, j - i)
            return shorter or Lexeme("unknown", None, i, j, _span(tokens, i, j))
    return best


def _phrase_upto(tokens: list[Token], i: int, most: int) -> Lexeme | None:
    for length in range(min(most, len(tokens) - i), 0, -1):
        key = _key(tokens, i, length)
        if key is not None and key in _INDEX:
            category, value = _INDEX[key]
            return Lexeme(category, value, i, i + length, " ".join(key))
    return None


def _span(tokens: list[Token], i: int, j: int) -> str:
    return " ".join(t.text for t in tokens[i:j])


def _key(tokens: list[Token], i: int, length: int) -> tuple[str, ...] | None:
    window = tokens[i : i + length]
    if len(window) < length or any(t.kind != "word" for t in window):
        return None
    return tuple(t.text for t in window)


def _phrase(tokens: list[Token], i: int) -> Lexeme | None:
    for length in range(min(_MAX, len(tokens) - i), 0, -1):
        key = _key(tokens, i, length)
        if key is not None and key in _INDEX:
            category, value = _INDEX[key]
            return Lexeme(category, value, i, i + length, " ".join(key))
    return None


def _number_word(tokens: list[Token], i: int) -> Lexeme | None:
    for length in range(min(3, len(tokens) - i), 0, -1):
        key = _key(tokens, i, length)
        if key is not None and key in _NUMBER_WORDS:
            lexeme = _number(tokens, i, float(_NUMBER_WORDS[key]), "", length)
            return lexeme if lexeme.cat != "unknown" else None
    return None


def _number(tokens: list[Token], i: int, value: float, unit: str, consumed: int) -> Lexeme:
    """A number and its unit ("2x", "20 %", "10 degrees", "2.5 s", "two seconds"); unknown without a unit."""
    j = i + consumed
    if not unit and j < len(tokens) and tokens[j].kind == "word":
        unit_lexeme = _phrase(tokens, j)
        if unit_lexeme is not None and unit_lexeme.cat == "unit":
            unit, j = str(unit_lexeme.value), unit_lexeme.end
    text = _span(tokens, i, j)
    if not unit or not math.isfinite(value):
        return Lexeme("unknown", None, i, j, text)
    if unit == "s":
        return Lexeme("seconds", value, i, j, text)
    return Lexeme("amount", (unit, value), i, j, text)


def _focus(tokens: list[Token], i: int, regions: Regions) -> Lexeme | None:
    """A region name, the whole picture, or a position, after optional articles ("the top-left corner")."""
    j = i
    while j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in _ARTICLES:
        j += 1
    has_article = j > i
    for length in range(min(8, len(tokens) - j), 0, -1):
        key = _key(tokens, j, length)
        if key is None:
            continue
        end = j + length
        if key in regions:
            name, box = regions[key]
            while end < len(tokens) and tokens[end].kind == "word" and tokens[end].text in _REGION_TAILS:
                end += 1
            return Lexeme("focus", region_focus(name, box), i, end, _span(tokens, i, end))
        if key in _WHOLE:
            return Lexeme("focus", FULL_FRAME, i, end, _span(tokens, i, end))
        if key in _POSITIONS and (has_article or key not in (("left",), ("right",))):
            name, x, y = _POSITIONS[key]
            while end < len(tokens) and tokens[end].kind == "word" and tokens[end].text in _TAILS:
                end += 1
            focus = position_focus(name, x, y)
            within = _of_region(tokens, end, regions)
            if within is not None:
                inner, end = within
                focus = position_focus(name, x, y, inner)
            return Lexeme("focus", focus, i, end, _span(tokens, i, end))
    return None


def _of_region(tokens: list[Token], i: int, regions: Regions) -> tuple[Focus, int] | None:
    """ "… of the diagram" / "… of the slide" after a position."""
    if i < len(tokens) and tokens[i].kind == "word" and tokens[i].text == "of":
        found = _focus(tokens, i + 1, regions)
        if found is not None and isinstance(found.value, Focus) and found.value.kind != "position":
            return found.value, found.end
    return None


def region_focus(name: str, box: Box) -> Focus:
    return Focus(name, box[0] + box[2] / 2, box[1] + box[3] / 2, box, kind="region")


def position_focus(name: str, x: float, y: float, within: Focus | None = None) -> Focus:
    """A named position, as a point and the part of the picture (or of a region) it names."""
    xs = (0.0, 0.5) if x < 0.5 else (0.5, 1.0) if x > 0.5 else (0.0, 1.0)
    ys = (0.0, 0.4) if y < 0.5 else (0.6, 1.0) if y > 0.5 else (0.0, 1.0)
    if x == 0.5 and y == 0.5:
        xs = ys = (0.25, 0.75)
    if within is None or within.box is None or within.kind == "whole":
        return Focus(name, x, y, (xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]), kind="position")
    bx, by, bw, bh = within.box
    box = (bx + xs[0] * bw, by + ys[0] * bh, (xs[1] - xs[0]) * bw, (ys[1] - ys[0]) * bh)
    return Focus(f"{name} of {within.name}", bx + x * bw, by + y * bh, box, kind="region")
