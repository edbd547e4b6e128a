"""The words of movie directions, as tables: what each word or phrase means to the local camera model.

Data only; :mod:`.lexer` compiles these tables into a phrase index and :mod:`.directions` reads the result.
Phrases are written as they are typed, lower case; hyphens and apostrophes are dropped before matching
("push-in" is "push in", "bird's-eye" is "birds eye"). The longest phrase wins at each position.
"""

from __future__ import annotations

from workbench.generation.local.plan import Easing

# -- magnitudes by speed level (index into plan.SPEEDS) -------------------------------------------------------

ZOOM_FACTORS = (1.08, 1.15, 1.3, 1.6, 2.0)
SHIFT_FRACTIONS = (0.05, 0.1, 0.15, 0.25, 0.35)
ROLL_DEGREES = (2.0, 4.0, 8.0, 15.0, 25.0)
ORBIT_DEGREES = (6.0, 9.0, 14.0, 20.0, 26.0)
#: Handheld shake amplitude (fraction of the view) by speed level: "subtle handheld" … "very shaky".
SHAKE_AMPLITUDES = (0.003, 0.005, 0.008, 0.012, 0.018)

MAX_ZOOM_FACTOR = 8.0
MAX_ROLL_DEGREES = 45.0
MAX_ORBIT_DEGREES = 35.0
MAX_STEP_SECONDS = 3600.0

# -- camera moves -------------------------------------------------------------------------------------------

#: group: (kind for in/out, kind for left/right, kind for up/down, default direction or "" = chosen later)
GROUPS: dict[str, tuple[str | None, str | None, str | None, str]] = {
    "zoom": ("zoom", None, None, "in"),
    "pull": ("zoom", None, None, "out"),
    "dolly": ("zoom", "truck", "pedestal", "in"),
    "truck": ("zoom", "truck", "pedestal", ""),
    "pan": (None, "pan", "tilt", ""),
    "tilt": (None, "roll", "tilt", ""),
    "pedestal": (None, "truck", "pedestal", ""),
    "rise": (None, None, "pedestal", "up"),
    "lower": (None, None, "pedestal", "down"),
    "roll": (None, "roll", None, ""),
    "orbit": (None, "orbit", None, ""),
    "move": ("zoom", "truck", "pedestal", ""),
    "whip": (None, "pan", "tilt", ""),
    "kenburns": ("zoom", None, None, "in"),
    "level": (None, "roll", None, ""),
}

#: Verbs by group. Inflections are listed, not derived, so the table is the whole truth.
VERBS: dict[str, str] = {
    "zoom": "zoom zooms zooming zoomed push pushes pushing punch punches magnify magnifies enlarge close closeup "
    "closes approach approaches approaching dive dives diving plunge plunges plunging swoop swoops swooping",
    "pull": "pull pulls pulling widen widens widening wider",
    "dolly": "dolly dollies dollying",
    "truck": "truck trucks trucking track tracks tracking crab crabs crabbing strafe strafes",
    "pan": "pan pans panning panned sweep sweeps sweeping",
    "tilt": "tilt tilts tilting tilted",
    "pedestal": "pedestal pedestals crane cranes craning boom booms booming jib jibs",
    "rise": "rise rises rising raise raises raising ascend ascends ascending",
    "lower": "descend descends descending sink sinks sinking lowers lowering lowered",
    "roll": "roll rolls rolling rotate rotates rotating rotation spin spins spinning twist twists dutch",
    "orbit": "orbit orbits orbiting circle circles circling arc arcs arcing",
    "move": "move moves moving drift drifts drifting glide glides gliding slide slides sliding travel "
    "travels traveling travelling float floats floating wander wanders go goes going head heads heading",
}

#: Multi-word verbs and set phrases that stand for a move.
VERB_PHRASES: dict[str, str] = {
    "close up": "zoom",
    "push in": "zoom",
    "dutch angle": "roll",
    "dutch tilt": "roll",
    "canted angle": "roll",
    "pull back": "pull",
    "pulls back": "pull",
    "pulling back": "pull",
    "arc shot": "orbit",
    "orbit shot": "orbit",
    "whip pan": "whip",
    "whip pans": "whip",
    "whip panning": "whip",
    "swish pan": "whip",
    "flash pan": "whip",
    "whip tilt": "whip",
    "ken burns": "kenburns",
    "ken burns effect": "kenburns",
    "tracking shot": "truck",
    "crane shot": "pedestal",
    "boom shot": "pedestal",
    "ease back": "pull",
    "eases back": "pull",
    "easing back": "pull",
    "straighten": "level",
    "straightens": "level",
    "straightening": "level",
    "straighten out": "level",
    "straightens out": "level",
    "straightens back out": "level",
    "straighten back out": "level",
    "levels out": "level",
    "level out": "level",
    "levels off": "level",
    "back to level": "level",
    "returns to level": "level",
    "rights itself": "level",
}

DIRECTIONS: dict[str, str] = {
    "in": "in inwards inward forward forwards closer",
    "out": "out outwards outward back backward backwards away",
    "left": "left leftward leftwards",
    "right": "right rightward rightwards",
    "up": "up upward upwards upwardly",
    "down": "down downward downwards",
    "clockwise": "clockwise cw",
    "counterclockwise": "counterclockwise anticlockwise ccw widdershins",
}

DIRECTION_PHRASES: dict[str, str] = {
    "counter clockwise": "counterclockwise",
    "anti clockwise": "counterclockwise",
    **{
        f"{start}{a} to {the}{b}": direction
        for a, b, direction in (
            ("left", "right", "right"),
            ("right", "left", "left"),
            ("top", "bottom", "down"),
            ("bottom", "top", "up"),
        )
        for start in ("from ", "from the ", "")
        for the in ("", "the ")
    },
}

#: Speed words by level relative to "normal". Amount words ("slightly", "a lot") read as speeds, because
#: a move's size over its step is what a speed means here.
SPEED_WORDS: dict[int, str] = {
    -2: "slight slightly subtle subtly tiny barely imperceptibly imperceptible minimal minimally",
    -1: "slow slowly gentle gently soft softly small leisurely calm calmly lazy lazily gradual gradually "
    "unhurried",
    0: "normal medium moderate moderately regular",
    1: "fast quick quickly rapid rapidly swift swiftly big large dramatic dramatically strong strongly far "
    "sharp sharply brisk briskly",
    2: "extreme extremely huge",
}

SPEED_PHRASES: dict[str, int] = {
    "a little": -2,
    "a bit": -2,
    "a touch": -2,
    "almost imperceptibly": -2,
    "all the way": 2,
    "a lot": 1,
    "very slow": -2,
    "very slowly": -2,
    "very gentle": -2,
    "very gently": -2,
    "super slow": -2,
    "extremely slow": -2,
    "extremely slowly": -2,
    "very fast": 2,
    "very quick": 2,
    "very quickly": 2,
    "super fast": 2,
    "extremely fast": 2,
    "at normal speed": 0,
    "normal speed": 0,
}

EASING_WORDS: dict[Easing, str] = {
    Easing.EASE_IN_OUT: "eased easing ease smooth smoothly",
    Easing.LINEAR: "linear linearly constant constantly steady steadily even evenly uniform uniformly",
    Easing.EASE_IN: "accelerate accelerates accelerating",
    Easing.EASE_OUT: "decelerate decelerates decelerating settle settles settling",
}

EASING_PHRASES: dict[str, Easing] = {
    "ease in": Easing.EASE_IN,
    "eases in": Easing.EASE_IN,
    "easing in": Easing.EASE_IN,
    "ease out": Easing.EASE_OUT,
    "eases out": Easing.EASE_OUT,
    "easing out": Easing.EASE_OUT,
    "ease in out": Easing.EASE_IN_OUT,
    "ease in and out": Easing.EASE_IN_OUT,
    "eased in and out": Easing.EASE_IN_OUT,
    "easing in and out": Easing.EASE_IN_OUT,
    "constant speed": Easing.LINEAR,
    "speeding up": Easing.EASE_IN,
    "slowing down": Easing.EASE_OUT,
    "come to rest": Easing.EASE_OUT,
    "comes to rest": Easing.EASE_OUT,
    "coming to rest": Easing.EASE_OUT,
}

STATIC_WORDS = (
    "static still locked lockoff hold holds holding held pause pauses paused pausing freeze freezes fixed "
    "stationary tripod stay stays staying remain remains motionless rest rests"
)

STATIC_PHRASES = (
    "locked off",
    "lock off",
    "no movement",
    "no motion",
    "no camera movement",
    "no camera motion",
    "static camera",
    "static shot",
    "locked off camera",
    "locked off shot",
    "brief pause",
    "a brief pause",
    "a beat",
    "for a beat",
    "for a moment",
)

# -- picture effects ----------------------------------------------------------------------------------------

#: Phrases naming an effect: (effect kind name, strength). Kinds are EffectKind member names.
EFFECT_PHRASES: dict[str, str] = {
    "rack focus": "FOCUS",
    "racks focus": "FOCUS",
    "racking focus": "FOCUS",
    "focus pull": "FOCUS",
    "pull focus": "FOCUS",
    "pulls focus": "FOCUS",
    "pulling focus": "FOCUS",
    "shift focus": "FOCUS",
    "shifts focus": "FOCUS",
    "shifting focus": "FOCUS",
    "focus shifts": "FOCUS",
    "focus racks": "FOCUS",
    "focus pulls": "FOCUS",
    "focus moves": "FOCUS",
    "focus goes": "FOCUS",
    "focus slides": "FOCUS",
    "focus travels": "FOCUS",
    "spotlight": "SPOTLIGHT",
    "spotlights": "SPOTLIGHT",
    "spotlit": "SPOTLIGHT",
    "vignette": "SPOTLIGHT",
    "highlight": "HIGHLIGHT",
    "highlights": "HIGHLIGHT",
    "highlighted": "HIGHLIGHT",
    "highlighting": "HIGHLIGHT",
    "emphasise": "HIGHLIGHT",
    "emphasize": "HIGHLIGHT",
    "emphasised": "HIGHLIGHT",
    "emphasized": "HIGHLIGHT",
    "draw attention to": "HIGHLIGHT",
    "draws attention to": "HIGHLIGHT",
    "reveal": "REVEAL",
    "reveals": "REVEAL",
    "revealed": "REVEAL",
    "is revealed": "REVEAL",
    "are revealed": "REVEAL",
    "uncover": "REVEAL",
    "uncovers": "REVEAL",
    "uncovered": "REVEAL",
    "unveil": "REVEAL",
    "unveils": "REVEAL",
    "unveiled": "REVEAL",
    "appear": "REVEAL",
    "appears": "REVEAL",
    "appearing": "REVEAL",
    "pop in": "REVEAL",
    "pops in": "REVEAL",
    "wipe in": "REVEAL",
    "wipes in": "REVEAL",
    "build in": "REVEAL",
    "builds in": "REVEAL",
    "bring": "REVEAL",
    "brings": "REVEAL",
    "bring in": "REVEAL",
    "brings in": "REVEAL",
    "animate in": "REVEAL",
    "animates in": "REVEAL",
    "fly in": "REVEAL",
    "flies in": "REVEAL",
}

#: Words that make a reveal go line by line ("the bullets appear one by one").
ONE_BY_ONE = (
    "one by one",
    "one at a time",
    "one after another",
    "one after the other",
    "line by line",
    "a line at a time",
    "one line at a time",
    "bullet by bullet",
    "in sequence",
    "sequentially",
    "in turn",
)

#: "revealing X", "to reveal X": the move ends with X in view (not a reveal effect).
REVEALING = (
    "revealing",
    "that shows",
    "that reveals",
    "which shows",
    "which reveals",
    "shows",
    "to reveal",
    "to show",
    "showing",
    "to expose",
    "exposing",
    "to bring",
    "bringing",
    "until you see",
    "to include",
    "including",
)

#: After a target: it must end fully in view ("until the whole slide is visible").
FRAME_HINTS = (
    "in view",
    "into view",
    "is visible",
    "are visible",
    "visible",
    "fully visible",
    "is in view",
    "comes into view",
    "come into view",
    "in frame",
    "in the frame",
    "fills the frame",
    "fill the frame",
    "in full",
)

HANDHELD = (
    "handheld",
    "hand held",
    "shaky",
    "shaky cam",
    "shakycam",
    "camera shake",
    "shake",
    "shakes",
    "shaking",
    "jittery",
    "wobbly",
    "wobble",
    "sway",
    "sways",
    "swaying",
    "found footage",
    "verite",
)

# -- structure ----------------------------------------------------------------------------------------------

#: Start a new step ("then"); "after" is handled apart because it reverses the order.
THEN = (
    "then",
    "afterwards",
    "afterward",
    "next",
    "finally",
    "later",
    "subsequently",
    "after that",
    "after which",
    "after this",
    "followed by",
    "and then",
    "and finally",
    "before",
    "before finally",
    "eventually",
    "at the end",
    "to finish",
    "once there",
)
AFTER = ("after",)
#: Join moves into one step ("zoom in while panning left").
TOGETHER = (
    "and",
    "while",
    "whilst",
    "as",
    "with",
    "meanwhile",
    "simultaneously",
    "at the same time",
    "at once",
    "together",
    "plus",
    "both",
)
#: Nouns for what is in the picture: a clause about them is not about the camera ("the text stays sharp").
PICTURE_NOUNS = (
    "text content words letters background diagram figure chart graph picture presenter people person"
)
#: Phrases that only say "meanwhile" ("zooming out as it goes").
DURING = (
    "as it goes",
    "as it moves",
    "as it travels",
    "along the way",
    "on the way",
    "halfway through",
    "midway",
)

#: Words that negate what follows ("no shake", "without zooming"): that move is not asked for.
NEGATIONS = "no without not never avoid dont doesnt nor"
#: Words before a number that only count ("Shot 1", "step 2").
COUNTERS = "shot step scene part beat stage phase"

#: "Otherwise the composition holds": statics in such a clause add no step.
OTHERWISE = (
    "otherwise",
    "everything else",
    "the rest",
    "rest of the frame",
    "the rest of the frame",
    "the composition",
    "composition",
    "background stays",
    "apart from that",
    "no other movement",
    "no other camera movement",
    "nothing else moves",
)

TARGET_WORDS = "on to towards toward at onto around"
TARGET_PHRASES = (
    "focus on",
    "focused on",
    "focusing on",
    "centre on",
    "center on",
    "centred on",
    "centered on",
    "centring on",
    "centering on",
    "aim at",
    "look at",
    "land on",
    "lands on",
    "landing on",
    "end on",
    "ends on",
    "ending on",
    "finish on",
    "finishes on",
    "finishing on",
    "stop on",
    "stops on",
    "stopping on",
    "settle on",
    "settles on",
    "settling on",
    "settle into",
    "settles into",
    "come to rest on",
    "comes to rest on",
    "coming to rest on",
    "frames",
    "framing",
    "arrive at",
    "arrives at",
    "all the way to",
    "until",
    "over to",
    "across to",
    "back to",
)
#: Target phrases that also say how the move ends.
SETTLING = ("settle", "settles", "settling", "rest", "come", "comes", "coming")

ORIGIN_PHRASES = (
    "from",
    "starting from",
    "starting on",
    "starting at",
    "start on",
    "start at",
    "start from",
    "starts on",
    "starts at",
    "starts from",
    "begin on",
    "begin at",
    "begins on",
    "begins at",
    "beginning on",
    "beginning at",
    "opens on",
    "open on",
    "opening on",
    "starts close on",
    "start close on",
    "starting close on",
    "begins close on",
    "begin close on",
    "opens close on",
    "starts tight on",
    "start tight on",
    "begins tight on",
    "begin tight on",
    "opens tight on",
    "starts wide on",
    "start wide on",
    "begins wide on",
    "opens wide on",
)
ACROSS_WORDS = ("across", "over", "along", "through the width of")

#: Phrases after which "in"/"out" name a direction and what follows is a target or origin.
DIRECTION_TARGET = {"in on": "in", "into": "in", "closer to": "in", "closer on": "in"}
DIRECTION_ORIGIN = {"out of": "out", "out from": "out", "back from": "out", "away from": "out"}

FADE_PHRASES: dict[str, str] = {
    "fade": "",
    "fades": "",
    "fading": "",
    "fade in": "in",
    "fades in": "in",
    "fading in": "in",
    "fade up": "in",
    "fade from black": "in",
    "fades up from black": "in",
    "fade up from black": "in",
    "fades in from black": "in",
    "fade in from black": "in",
    "opens from black": "in",
    "from black": "in",
    "fade out": "out",
    "fades out": "out",
    "fading out": "out",
    "fade down": "out",
    "fade to black": "out",
    "fades to black": "out",
    "fading to black": "out",
    "fade out to black": "out",
    "fades out to black": "out",
    "cut to black": "out",
    "to black": "out",
    "fade in and out": "both",
    "fade in out": "both",
}

UNITS: dict[str, str] = {
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "x": "x",
    "times": "x",
    "fold": "x",
    "percent": "pct",
    "per cent": "pct",
    "degree": "deg",
    "degrees": "deg",
    "deg": "deg",
}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "half a": 0.5, "a couple of": 2}

#: Words that name the camera as the one moving; a clause whose subject is something else describes the
#: picture ("the arrow rotates"), which a still image cannot do.
CAMERA_SUBJECTS = "camera cam shot view we frame framing operator viewer i"
#: Words that point back at the last place named ("push in on it").
PRONOUNS = "it them there this that"

# -- positions ----------------------------------------------------------------------------------------------

#: Named positions: (name, x, y) as fractions of the image.
POSITIONS: dict[str, tuple[str, float, float]] = {
    **{
        f"{v} {h}": (f"{vn}-{h}", hx, vy)
        for v, vn, vy in (
            ("top", "top", 0.25),
            ("upper", "top", 0.25),
            ("bottom", "bottom", 0.75),
            ("lower", "bottom", 0.75),
        )
        for h, hx in (("left", 0.25), ("right", 0.75))
    },
    **{
        f"{h} {v}": (f"{vn}-{h}", hx, vy)
        for v, vn, vy in (
            ("top", "top", 0.25),
            ("upper", "top", 0.25),
            ("bottom", "bottom", 0.75),
            ("lower", "bottom", 0.75),
        )
        for h, hx in (("left", 0.25), ("right", 0.75))
    },
    "top": ("top", 0.5, 0.25),
    "upper": ("top", 0.5, 0.25),
    "bottom": ("bottom", 0.5, 0.75),
    "lower": ("bottom", 0.5, 0.75),
    "left": ("left", 0.25, 0.5),
    "right": ("right", 0.75, 0.5),
    "center": ("centre", 0.5, 0.5),
    "centre": ("centre", 0.5, 0.5),
    "middle": ("centre", 0.5, 0.5),
}
#: Words that may follow a position ("the left side", "the top-left corner").
POSITION_TAILS = "corner side edge half part area region quadrant portion third"
#: Nouns that may follow a region's name ("the title bar", "the bullet points", "the diagram area").
REGION_TAILS = "bar bars points point list lists area box section panel part region text lines items graphic"
#: Names of the whole picture ("zoom out to reveal the whole slide").
WHOLE_FRAME = (
    "whole slide",
    "entire slide",
    "full slide",
    "whole image",
    "entire image",
    "full image",
    "whole frame",
    "full frame",
    "whole picture",
    "entire picture",
    "whole scene",
    "entire scene",
    "whole thing",
    "wide shot",
    "a wide shot",
    "full view",
    "whole view",
    "the slide",
    "slide",
)

# -- what a flat image cannot show --------------------------------------------------------------------------

#: phrase → why the local model cannot show it (the warning names the phrase, then gives this reason).
IMPOSSIBLE: dict[str, str] = {
    "dolly zoom": "needs depth (the background must stretch while the subject stays), which a flat image lacks",
    "vertigo": "needs depth (a dolly zoom), which a flat image lacks",
    "vertigo effect": "needs depth (a dolly zoom), which a flat image lacks",
    "zolly": "needs depth (a dolly zoom), which a flat image lacks",
    "contra zoom": "needs depth (a dolly zoom), which a flat image lacks",
    "parallax": "needs layers at different depths; a flat image moves as one",
    "3d": "needs depth; a flat image moves as one plane",
    "drone": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "drone shot": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "aerial": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "aerial shot": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "aerial view": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "fpv": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "fly through": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "flies through": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "flythrough": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "fly over": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "flies over": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "flyover": "needs a camera flying through a 3-D scene; a flat image can only be zoomed, panned and turned",
    "birds eye": "needs a new viewpoint; a flat image keeps its own",
    "overhead shot": "needs a new viewpoint; a flat image keeps its own",
    "worms eye": "needs a new viewpoint; a flat image keeps its own",
    "low angle": "needs a new viewpoint; a flat image keeps its own",
    "high angle": "needs a new viewpoint; a flat image keeps its own",
    "glow": "changes the lighting, which a camera over a still image cannot do",
    "glows": "changes the lighting, which a camera over a still image cannot do",
    "glowing": "changes the lighting, which a camera over a still image cannot do",
    "pulse": "changes the lighting, which a camera over a still image cannot do",
    "pulses": "changes the lighting, which a camera over a still image cannot do",
    "pulsing": "changes the lighting, which a camera over a still image cannot do",
    "flicker": "changes the lighting, which a camera over a still image cannot do",
    "flickers": "changes the lighting, which a camera over a still image cannot do",
    "flickering": "changes the lighting, which a camera over a still image cannot do",
    "shimmer": "changes the lighting, which a camera over a still image cannot do",
    "shimmers": "changes the lighting, which a camera over a still image cannot do",
    "sparkle": "changes the lighting, which a camera over a still image cannot do",
    "sparkles": "changes the lighting, which a camera over a still image cannot do",
    "light sweeps": "changes the lighting, which a camera over a still image cannot do",
    "light sweep": "changes the lighting, which a camera over a still image cannot do",
    "lighting changes": "changes the lighting, which a camera over a still image cannot do",
    "lighting shifts": "changes the lighting, which a camera over a still image cannot do",
    "light shifts": "changes the lighting, which a camera over a still image cannot do",
    "light changes": "changes the lighting, which a camera over a still image cannot do",
    "lights up": "changes the lighting, which a camera over a still image cannot do",
    "light up": "changes the lighting, which a camera over a still image cannot do",
    "brightens": "changes the lighting, which a camera over a still image cannot do",
    "darkens": "changes the lighting, which a camera over a still image cannot do",
    "shadows move": "changes the lighting, which a camera over a still image cannot do",
    "lens flare": "changes the lighting, which a camera over a still image cannot do",
    "morph": "changes what is in the picture; the local model only moves the camera",
    "morphs": "changes what is in the picture; the local model only moves the camera",
    "morphing": "changes what is in the picture; the local model only moves the camera",
    "transforms": "changes what is in the picture; the local model only moves the camera",
    "transforming": "changes what is in the picture; the local model only moves the camera",
    "turns into": "changes what is in the picture; the local model only moves the camera",
    "becomes": "changes what is in the picture; the local model only moves the camera",
    "transition": "is a cut between shots; a segment is one shot over one image",
    "transitions": "is a cut between shots; a segment is one shot over one image",
    "dissolve": "is a cut between shots; a segment is one shot over one image",
    "dissolves": "is a cut between shots; a segment is one shot over one image",
    "cross dissolve": "is a cut between shots; a segment is one shot over one image",
    "crossfade": "is a cut between shots; a segment is one shot over one image",
    "cross fade": "is a cut between shots; a segment is one shot over one image",
    "cut to": "is a cut between shots; a segment is one shot over one image",
    "next slide": "is a cut between shots; a segment is one shot over one image",
}

#: Verbs of subject motion: the picture's content moving, which a still image cannot do. Camera verbs
#: ("rotates", "slides") count too when the clause's subject is not the camera ("the title slides in").
SUBJECT_MOTION = (
    "animate animates animated animating walk walks walking run runs running jump jumps jumping bounce "
    "bounces bouncing wave waves waving flow flows flowing grow grows growing shrink shrinks shrinking turn "
    "turns turning blink blinks blinking nod nods talk talks talking speak speaks speaking gesture gestures "
    "gesturing write writes writing type types typing bend bends bending fall falls falling swing swings "
    "swinging vibrate vibrates vibrating oscillate oscillates oscillating breathe breathes breathing dance "
    "dances dancing twirl twirls twirling wiggle wiggles wiggling"
)
SUBJECT_MOTION_PHRASES = (
    "walk in",
    "walks in",
    "walking in",
    "come alive",
    "comes alive",
    "come to life",
    "comes to life",
    "draws itself",
    "writes itself",
    "types itself",
)

#: Words about the look of a picture that a camera over a still image has no use for (said once, as a note).
STYLE = (
    "cinematic",
    "cinematography",
    "4k",
    "8k",
    "hd",
    "uhd",
    "hdr",
    "1080p",
    "720p",
    "16:9",
    "9:16",
    "4:3",
    "1:1",
    "high definition",
    "high quality",
    "high detail",
    "highly detailed",
    "detailed",
    "photorealistic",
    "realistic",
    "hyperrealistic",
    "crisp",
    "sharp focus",
    "in focus",
    "legible",
    "clean",
    "minimalist",
    "elegant",
    "professional",
    "polished",
    "epic",
    "beautiful",
    "stunning",
    "masterpiece",
    "film grain",
    "grain",
    "35mm",
    "35mm film",
    "35mm film look",
    "film look",
    "anamorphic",
    "bokeh",
    "depth of field",
    "shallow depth of field",
    "deep focus",
    "soft light",
    "soft lighting",
    "soft focus",
    "natural light",
    "natural lighting",
    "studio light",
    "studio lighting",
    "soft studio light",
    "soft studio lighting",
    "key light",
    "soft key light",
    "window light",
    "soft window light",
    "diffused light",
    "soft diffused light",
    "golden hour",
    "golden hour light",
    "volumetric light",
    "volumetric lighting",
    "dramatic lighting",
    "cinematic lighting",
    "even lighting",
    "even studio lighting",
    "warm tones",
    "cool tones",
    "color graded",
    "colour graded",
    "vibrant",
    "muted",
    "moody",
    "educational",
    "explainer",
    "explainer style",
    "documentary",
    "presentation",
    "lecture",
    "look",
    "style",
    "aesthetic",
    "cinematic composition",
    "cinematic depth",
    "no distortion",
    "no flicker",
    "no blur",
    "no warping",
    "no artifacts",
    "stable",
    "quality",
    "high",
)

#: Known words with no meaning for the camera ("the", "camera", "slide").
FILLER = (
    "a an the camera cam lens image photo frame view please it its we us for during "
    "just really nice nicely continuous continuously direction way bit little some somewhat by motion movement "
    "is are be should will that this there so very super quite more much footage clip video start "
    "starting begin begins beginning ending end finish finishing all speed shots gets get keep keeps keeping "
    "of but gracefully our you your their them they onscreen screen shown which who what where here now "
    "again once body main itself makes make made does do doing has have having was were been being can could "
    "would might may must shall only also too first firstly initially wide isolates isolate isolating hidden feel vibe dim dims dimmed dimming blur blurs blurred blurry "
    "darker lines line"
)
