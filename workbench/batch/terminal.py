"""Live per-take progress of a batch in a terminal, and the plan of a dry run as text.

On a terminal, a status line under the finished items shows every running take with its percentage; in a log
(not a terminal) each take gets a line when it starts and one when it ends, nothing in between.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

import pandas as pd

from workbench.batch.run import ItemUpdate

__all__ = ["TerminalProgress", "format_plan", "outcome_words"]

#: Status line redraws at most this often (seconds).
REDRAW_S = 0.2


class TerminalProgress:
    """``on_update`` for :func:`~workbench.batch.run.run_batch` that writes to ``stream`` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.running: dict[int, tuple[str, float]] = {}
        self.done = 0
        self.total = 0
        self._drawn = False
        self._last_draw = 0.0

    def __call__(self, update: ItemUpdate) -> None:
        self.total = update.total
        if update.state == "started":
            self.running[update.index] = (update.label, 0.0)
            if not self.live:
                self._line(f"[{self.done}/{self.total}] started  {update.label}")
        elif update.state == "progress":
            if update.index in self.running:
                self.running[update.index] = (update.label, update.fraction or 0.0)
        elif update.state == "done":
            self.running.pop(update.index, None)
            self.done += 1
            self._line(f"[{self.done}/{self.total}] {outcome_words(update.row or {})}  {update.label}")
        self._draw(force=update.state != "progress")

    def close(self) -> None:
        """Clear the status line (call once the batch has ended, or was interrupted)."""
        if self.live and self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False

    def _line(self, text: str) -> None:
        self.close()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self, *, force: bool) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_S:
            return
        self._last_draw = now
        parts = [f"{label} {fraction:4.0%}" for label, fraction in self.running.values()]
        text = f"{self.done}/{self.total} done" + (" · running: " + " · ".join(parts) if parts else "")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\x1b[2K" + text[:width])
        self.stream.flush()
        self._drawn = True


def outcome_words(row: Mapping[str, Any]) -> str:
    """One item's outcome in a few words: status, time, checks, adherence (or what went wrong)."""
    status = str(row.get("status") or "?")
    if status in ("failed", "cancelled"):
        return f"{status}: {row.get('error') or 'no reason given'}"
    words = [status]
    seconds = row.get("generation_s")
    if isinstance(seconds, (int, float)) and seconds == seconds:
        words.append(f"{seconds:.1f} s")
    checks = row.get("checks")
    if checks:
        words.append("checks failed: " + "; ".join(checks))
    adherence = row.get("adherence")
    if isinstance(adherence, (int, float)) and adherence == adherence:
        words.append(f"adherence {adherence:.0%}")
    return ", ".join(words)


def format_plan(plan: pd.DataFrame) -> str:
    """The dry run's table: one line per item with the settings it would run with and where each came from."""
    if plan.empty:
        return "Nothing selected."
    lines = []
    for row in plan.to_dict("records"):
        head = f"{row['asset_id']} · variant {row['variant']}  ({row['title']})"
        if row.get("error"):
            lines.append(f"{head}\n    refused: {row['error']}")
            continue
        action = "runs" if row.get("will_run") else f"skipped: already generated as {row.get('done_take_id')}"
        lines.append(f"{head}: {action}")
        for name in ("movie_directions", "model", "duration_s", "resolution", "fps", "seed"):
            lines.append(f"    {name:<16} {row[name]!s:<40} ({row[f'{name}_source']})")
        if row.get("note"):
            lines.append(f"    note: {row['note']}")
        for warning in row.get("warnings") or []:
            lines.append(f"    warning: {warning}")
    runs = int(plan["will_run"].fillna(False).astype(bool).sum())
    lines.append(f"{len(plan)} items, {runs} to generate.")
    return "\n".join(lines)
