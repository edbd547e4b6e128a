"""Directions benchmark: how much of each directions corpus the local model renders right, measured on the video.

Every entry of ``tests/generation/local/corpus/*.jsonl`` is rendered on the corpus slide, its camera measured
by registering every frame on the starting image, and matched in order against the entry's expected moves
(the same pipeline as ``tests/generation/local/test_directions_corpus.py``). Each entry is:

- right: every expected move seen on the video (and every warning the entry asks for given);
- warned: not all seen, but the model said why (a warning about the moves, not only unknown words);
- wrong: not all seen, warned only about unknown words;
- silently wrong: not all seen and nothing said.

Targets: ≥ 95 % right or honestly warned, 0 silently wrong. Also reported: render and analysis seconds per entry
(analysis ÷ render is the cost of checking a take's direction adherence).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import report

from tests.generation.local import corpus_cases as cc


def main() -> None:
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in cc.FILES:
            counts = {"right": 0, "warned": 0, "wrong": 0, "silently_wrong": 0}
            started = time.perf_counter()
            cases = cc.cases(name)
            for case in cases:
                outcome = cc.run(case, Path(folder))
                verdict = outcome.verdict
                if verdict == "silent":
                    verdict = "wrong" if outcome.warnings else "silently_wrong"
                    print(f"  {verdict}: {outcome.explain()}")
                counts[verdict] += 1
            total = len(cases)
            key = Path(name).stem
            figures[f"{key}_entries"] = total
            for verdict, count in counts.items():
                figures[f"{key}_{verdict}"] = count
            figures[f"{key}_right_or_warned_pct"] = round(
                100 * (counts["right"] + counts["warned"]) / total, 1
            )
            figures[f"{key}_seconds_per_entry"] = round((time.perf_counter() - started) / total, 3)
    report("directions", figures)


if __name__ == "__main__":
    main()
