"""The batch report: what the notebook shows, as HTML and Markdown built from the results dataset.

A reader who never opens a notebook gets: the verdict (which variant, directions and model did best), the run's
facts, leaderboards, every segment's committed video beside each variant (playable), charts that include
failures, every take in a sortable and filterable table, and the problems in words. Numbers carry units;
metrics a take lacks say "not measured".
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.batch.report import charts
from workbench.batch.report.formatting import NOT_MEASURED, readable, seconds, share
from workbench.batch.report.gallery import gallery_html
from workbench.batch.report.interactive import TABLE_CSS, init_offline_html, interactive_table_html
from workbench.batch.report.media import committed_name, link_video, poster
from workbench.batch.report.tables import (
    LEADERBOARD_METRICS,
    add_labels,
    best_group,
    error_list,
    leaderboard,
    metrics_measured,
    run_facts,
    takes_table,
    tied_groups,
)
from workbench.batch.results import read_results, results_folder
from workbench.errors import BatchItemsFailedError
from workbench.store import LectureStore

__all__ = [
    "BatchReport",
    "add_labels",
    "charts",
    "error_list",
    "leaderboard",
    "run_facts",
    "takes_table",
]

_GROUPINGS = {"variant_label": "variant", "directions_label": "directions", "model": "model"}

_LEADERBOARD_FORMATS = {
    "pass rate": "share",
    "adherence": "share",
    "motion (views)": "number",
    "jitter": "number",
    "sharpness": "number",
    "black frames": "share",
    "frozen frames": "share",
    "median generation (s)": "seconds",
    "cost": "number",
}
_TAKES_FORMATS = {
    "adherence": "share",
    "motion (views)": "number",
    "jitter": "number",
    "sharpness": "number",
    "black frames": "share",
    "frozen frames": "share",
    "generation (s)": "seconds",
    "queued (s)": "seconds",
    "size (bytes)": "bytes",
    "cost": "number",
    "duration_s": "number",
    "fps": "number",
    "seed": "number",
}
_METRIC_HEADINGS = {heading for heading, _ in LEADERBOARD_METRICS.values()} | {"adherence"}


@dataclass
class BatchReport:
    """One batch's rows of the results dataset, with the store its videos are in (``None``: no videos)."""

    results: pd.DataFrame
    output_dir: Path
    store: LectureStore | None = None

    @classmethod
    def load(cls, output_dir: str | Path, batch_id: str, store: LectureStore | None = None) -> BatchReport:
        return cls(add_labels(read_results(output_dir, batch_id)), Path(output_dir), store)

    @property
    def batch_id(self) -> str:
        return str(self.results["batch_id"].iloc[0])

    @property
    def images(self) -> bool:
        """A batch of starting images: camera metrics do not apply, the pictures are compared instead."""
        kinds = self.results["kind"] if "kind" in self.results else pd.Series(dtype=object)
        return bool(len(kinds)) and bool((kinds == "image").all())

    @property
    def failed(self) -> int:
        return int(self.results["status"].isin(["failed", "cancelled"]).sum())

    # -- sections --------------------------------------------------------------------------------------------

    def verdict_markdown(self) -> str:
        """The answer first: what won, by how much, and what went wrong, in a few sentences."""
        frame = self.results
        counts = frame["status"].value_counts()
        outcome = ", ".join(f"{int(counts[s])} {s}" for s in ("accepted", "pending", "skipped", "failed",
                                                               "cancelled") if counts.get(s))  # fmt: skip
        segments = frame[["lecture_id", "asset_id"]].drop_duplicates().shape[0]
        items = f"{len(frame)} item{'s' if len(frame) != 1 else ''}"
        lines = [f"**{items} over {segments} segment{'s' if segments != 1 else ''}:** {outcome}."]
        for column, word in _GROUPINGS.items():
            board = leaderboard(frame, column)
            best = best_group(board, column)
            if best is None:
                if tied_groups(board) > 1:
                    lines.append(
                        f"**No {word} wins:** {tied_groups(board)} tie on pass rate and adherence "
                        f"({share(board.iloc[0]['pass rate'])} passed, adherence {share(board.iloc[0]['adherence'])})."
                    )
                continue
            lines.append(
                f"**Best {word}:** {best[column]} — {best['passed']} of {best['items']} passed, adherence "
                f"{share(best['adherence'])}, median generation {seconds(best['median generation (s)'])}."
            )
        if self.images:
            lines.append(
                "A batch of **starting images**: each is checked (it decodes, at the size asked for); the camera "
                "metrics (adherence, motion…) are for videos. Compare the pictures below."
            )
        elif not metrics_measured(frame):
            lines.append("Take metrics (adherence, motion, sharpness…) were **not measured** for this batch.")
        identical = int(frame["identical_to_variant"].notna().sum())
        if identical:
            lines.append(
                f"**{identical} take{'s are' if identical > 1 else ' is'} identical** to an earlier variant of the "
                "same segment (same bytes): those variants changed nothing the model uses (a seed, for directions "
                "that leave nothing to chance). Review one of each."
            )
        if self.failed:
            lines.append(
                f"**{self.failed} item{'s' if self.failed > 1 else ''} failed**: see Problems below."
            )
        return "\n\n".join(lines)

    def facts_html(self) -> str:
        return run_facts(self.results).to_html(header=False, classes="wb-facts", border=0)

    def leaderboards_html(self) -> str:
        """One sortable leaderboard per grouping that has a contest (two groups or more), the variants always."""
        parts = [init_offline_html(), TABLE_CSS]
        measured = metrics_measured(self.results)
        for column, word in _GROUPINGS.items():
            board = leaderboard(self.results, column)
            if column != "variant_label" and len(board) < 2:
                continue
            board = board.rename(columns={column: word})
            empty = {h: NOT_MEASURED for h in _METRIC_HEADINGS} if not measured else {}
            parts.append(f"<h4>By {word}</h4>")
            parts.append(interactive_table_html(board, _LEADERBOARD_FORMATS, empty=empty, controls=False))
        return "".join(parts)

    def gallery_html(self) -> str:
        return gallery_html(self.results, self._video_url)

    def charts_html(self) -> str:
        figures = [charts.outcome_chart(self.results), charts.generation_time_chart(self.results)]
        adherence = charts.adherence_chart(self.results)
        parts = [f'<div class="wb-chart">{charts.svg(f)}</div>' for f in figures]
        parts.append(
            f'<div class="wb-chart">{charts.svg(adherence)}</div>'
            if adherence is not None
            else "<p>Direction adherence: not measured for this batch.</p>"
        )
        return "<style>.wb-chart svg { width: 100%; max-width: 1100px; height: auto; }</style>" + "".join(
            parts
        )

    def takes_html(self) -> str:
        empty = {h: NOT_MEASURED for h in _METRIC_HEADINGS if h in _TAKES_FORMATS}
        return interactive_table_html(takes_table(self.results), _TAKES_FORMATS, empty=empty)

    def problems_markdown(self) -> str:
        errors = error_list(self.results)
        if not errors:
            return "No problems: every item produced a take that passed its checks."
        return "\n".join(f"- {_md(line)}" for line in errors)

    def data_markdown(self) -> str:
        folder = results_folder(self.output_dir)
        return (
            f"Every batch adds one file to the results dataset `{folder}` (this one: batch `{self.batch_id}`). "
            "Read all batches at once with `pandas.read_parquet(...)` on the folder, or "
            f"`duckdb.sql(\"select * from '{folder}/*.parquet'\")`; `workbench.batch.results.read_results` gives "
            "nullable types. Columns: settings (new and committed, with where each came from), outcome, timings, "
            "and the take metrics."
        )

    def check(self, allow_failures: bool = False) -> str:
        """Raise :class:`BatchItemsFailedError` when items failed and failures are not allowed."""
        if self.failed and not allow_failures:
            raise BatchItemsFailedError(
                f"{self.failed} of {len(self.results)} items failed (listed under Problems). Fix them and run the "
                "batch again (what succeeded is skipped), or allow failures (allow_failures=True, "
                "--allow-failures)."
            )
        return f"{len(self.results) - self.failed} of {len(self.results)} items produced a take."

    # -- helpers ---------------------------------------------------------------------------------------------

    def _video_url(self, row: Mapping[str, Any], which: str) -> tuple[str | None, str | None]:
        if self.store is None:
            return None, None
        if which == "committed":
            path = row.get("committed_path")
            name = committed_name(str(row["asset_id"]), path) if isinstance(path, str) else None
        else:
            path, take_id = row.get("take_path"), row.get("take_id")
            name = take_id if isinstance(path, str) and isinstance(take_id, str) else None
        if name is None:
            return None, None
        url = link_video(self.store, path, self.output_dir, name=name)
        return url, poster(self.output_dir, url) if url else None


def _md(text: str) -> str:
    return html.escape(text, quote=False).replace("*", "\\*").replace("_", "\\_")


__all__ += ["readable"]
