"""The report's charts, failures included: outcomes per variant, generation time per item, adherence per variant.

Standalone matplotlib Figures (no pyplot global state), rendered as SVG so text stays sharp at any width.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from workbench.batch.report.tables import add_labels

__all__ = ["STATUS_COLOURS", "adherence_chart", "generation_time_chart", "outcome_chart", "svg"]

STATUS_COLOURS = {
    "accepted": "#1a7f37",
    "pending": "#0969da",
    "skipped": "#8c959f",
    "failed": "#cf222e",
    "cancelled": "#bc4c00",
}


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame if "item" in frame else add_labels(frame)


def outcome_chart(frame: pd.DataFrame) -> Figure:
    """Items per variant, split by outcome (failed and cancelled included)."""
    data = _labelled(frame)
    table = pd.crosstab(data["variant_label"], data["status"]).reindex(
        columns=[s for s in STATUS_COLOURS if s in set(data["status"])]
    )
    table = table.reindex(list(dict.fromkeys(data["variant_label"])))
    fig = Figure(figsize=(11, 0.5 * len(table) + 1.4))
    ax = fig.subplots()
    left = np.zeros(len(table))
    for status in table.columns:
        ax.barh(table.index, table[status], left=left, color=STATUS_COLOURS[status], label=status)
        left += table[status].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("items")
    ax.set_title("Outcome per variant")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    fig.tight_layout()
    return fig


def generation_time_chart(frame: pd.DataFrame) -> Figure:
    """Generation time per item, coloured by outcome; a failed item is drawn as a red cross, labelled."""
    data = _labelled(frame)
    fig = Figure(figsize=(11, max(2.0, 0.32 * len(data) + 1.2)))
    ax = fig.subplots()
    times = data["generation_s"].astype(float).fillna(0.0).to_numpy()
    colours = [STATUS_COLOURS.get(s, "#6e7781") for s in data["status"]]
    ax.barh(data["item"], times, color=colours)
    failed = data["status"].isin(["failed", "cancelled"]).to_numpy()
    for y in np.flatnonzero(failed):
        ax.plot([0], [y], marker="x", color=STATUS_COLOURS["failed"], markersize=9, mew=2)
        ax.annotate(
            f"  {data['status'].iloc[y]}: {str(data['error'].iloc[y] or '')[:70]}",
            (0, y),
            va="center",
            fontsize="small",
            color=STATUS_COLOURS["failed"],
        )
    ax.invert_yaxis()
    ax.set_xlabel("generation time (s)")
    ax.set_title("Generation time per item")
    shown = list(dict.fromkeys(data["status"]))
    ax.legend(
        handles=[Patch(color=STATUS_COLOURS.get(s, "#6e7781"), label=s) for s in shown],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize="small",
    )
    fig.tight_layout()
    return fig


def adherence_chart(frame: pd.DataFrame) -> Figure | None:
    """Direction adherence of every take, per variant (dots, the mean as a bar); ``None`` if none measured."""
    data = _labelled(frame)
    if "adherence" not in data or data["adherence"].notna().sum() == 0:
        return None
    labels = list(dict.fromkeys(data["variant_label"]))
    fig = Figure(figsize=(11, 0.5 * len(labels) + 1.4))
    ax = fig.subplots()
    for y, label in enumerate(labels):
        values = data.loc[data["variant_label"] == label, "adherence"].dropna().astype(float)
        if len(values):
            ax.barh([y], [values.mean()], color="#ddf4ff", edgecolor="#0969da")
            jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(values, y + jitter, color="#0969da", s=18, zorder=3)
        else:
            ax.annotate("  not measured", (0, y), va="center", fontsize="small", color="#6e7781")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(0, 1.02)
    ax.invert_yaxis()
    ax.set_xlabel("direction adherence (share of the asked moves seen)")
    ax.set_title("Direction adherence per variant")
    fig.tight_layout()
    return fig


def svg(fig: Figure) -> str:
    """The figure as inline SVG markup."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.find("<svg") :]
