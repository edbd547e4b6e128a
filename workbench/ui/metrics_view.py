"""Tables shared by the preview dialog, the compare dialog and the variants grid: settings that differ (with
where each value came from) and take metrics side by side, with the per-move evidence of direction adherence."""

from __future__ import annotations

from collections.abc import Sequence

import ipyvuetify as v

from workbench.domain.compare import SettingRow
from workbench.domain.metrics import METRIC_LABELS, TakeMetrics, metric_text

__all__ = ["SHOWN_METRICS", "adherence_list", "metrics_badges", "metrics_table", "settings_table"]

#: Metrics shown side by side, in this order.
SHOWN_METRICS = (
    "adherence",
    "similarity_ssim",
    "motion_amount",
    "jitter",
    "reversals",
    "stalls",
    "sharpness",
    "black_share",
    "frozen_share",
    "decoded_frames",
    "decoded_duration_s",
)

_MEANING = {
    "adherence": "Share of the moves the directions ask for that the video shows, in order.",
    "similarity_ssim": "Mean structural similarity to the committed video at the same moments (1 = the same).",
    "motion_amount": "How far the camera travels, in view widths (zoom counted in log steps).",
    "jitter": "RMS change of the camera's speed from frame to frame, in thousandths of a view.",
    "reversals": "Times the camera went back against the move it was making.",
    "stalls": "Pauses in the middle of a move.",
    "sharpness": "Detail of the frames relative to the starting image seen the same way (1 = as sharp).",
    "black_share": "Share of the frames that are black.",
    "frozen_share": "Share of consecutive frames that are identical (a still shot is all frozen).",
    "decoded_frames": "Frames decoded back from the file.",
    "decoded_duration_s": "Length of the decoded video.",
}


def _cell(tag: str, text: str, css: str = "", title: str = "") -> v.Html:
    attributes = {"title": title} if title else {}
    return v.Html(tag=tag, class_=css, attributes=attributes, children=[text])


def settings_table(
    rows: Sequence[SettingRow],
    titles: Sequence[str],
    *,
    css: Sequence[str] = (),
    empty: str = "Same settings.",
    bold_differences: bool = False,
) -> v.Html:
    """One row per setting in ``rows``, a column per title; each value with its source beneath when known.

    ``css`` gives each value column a class (the preview dialog's ``wb-compare-new``/``wb-compare-committed``).
    """
    if not rows:
        return v.Html(
            tag="div", class_="wb-diff-empty text-caption text-medium-emphasis mb-2", children=[empty]
        )
    body = []
    for row in rows:
        cells = [_cell("td", row.label, "wb-diff-label text-no-wrap")]
        for i, (value, source) in enumerate(zip(row.values, row.sources, strict=True)):
            column_css = css[i] if i < len(css) else f"wb-diff-col-{i}"
            parts: list = [
                v.Html(
                    tag="div",
                    class_="wb-diff-value text-truncate"
                    if row.name != "movie_directions"
                    else "wb-diff-value",
                    attributes={"title": value},
                    style_="max-width: 360px",
                    children=[value],
                )
            ]
            if source:
                parts.append(
                    v.Html(
                        tag="div",
                        class_="wb-diff-source text-caption text-medium-emphasis",
                        children=[source],
                    )
                )
            cells.append(v.Html(tag="td", class_=column_css, children=parts))
        bold = " font-weight-bold" if bold_differences and row.differs else ""
        body.append(
            v.Html(
                tag="tr",
                class_="wb-compare-row" + bold,
                attributes={"data-field": row.name, "data-differs": str(row.differs).lower()},
                children=cells,
            )
        )
    head = v.Html(tag="thead", children=[v.Html(tag="tr", children=[_cell("th", t) for t in ("", *titles)])])
    return v.Table(density="compact", class_="wb-diff", children=[head, v.Html(tag="tbody", children=body)])


def metrics_table(
    columns: Sequence[tuple[str, TakeMetrics | None]], *, missing: Sequence[str] = ()
) -> v.Html:
    """Metrics side by side: a column per (title, metrics); where a column has none, its ``missing`` text
    ("not measured" by default)."""
    head = v.Html(
        tag="thead",
        children=[
            v.Html(tag="tr", children=[_cell("th", t) for t in ("", *(title for title, _ in columns))])
        ],
    )
    rows = []
    for name in SHOWN_METRICS:
        cells = [_cell("td", METRIC_LABELS[name], "wb-metric-label text-no-wrap", _MEANING.get(name, ""))]
        for i, (_, metrics) in enumerate(columns):
            text = missing[i] if metrics is None and i < len(missing) else metric_text(metrics, name)
            cells.append(_cell("td", text, f"wb-metric wb-metric-col-{i}"))
        rows.append(
            v.Html(tag="tr", class_="wb-metric-row", attributes={"data-metric": name}, children=cells)
        )
    return v.Table(
        density="compact", class_="wb-metrics", children=[head, v.Html(tag="tbody", children=rows)]
    )


def adherence_list(metrics: TakeMetrics | None) -> v.Html:
    """The evidence per expected move: seen (✓), not seen (✗) or not measurable (?), with what was measured."""
    if metrics is None:
        return v.Html(tag="div", class_="wb-adherence text-caption", children=["Not measured yet."])
    if not metrics.adherence_moves:
        text = metrics.adherence_reason or "The directions ask for no camera move to check."
        return v.Html(tag="div", class_="wb-adherence text-caption", children=[text])
    items = []
    for check in metrics.adherence_moves:
        mark = {True: "✓", False: "✗", None: "?"}[check.ok]
        items.append(
            v.Html(
                tag="li",
                class_="wb-adherence-move",
                attributes={"data-ok": str(check.ok).lower()},
                children=[f"{mark} step {check.step + 1}: {check.move} — {check.measured}"],
            )
        )
    reason = (
        [v.Html(tag="div", class_="text-caption text-medium-emphasis", children=[metrics.adherence_reason])]
        if metrics.adherence_reason
        else []
    )
    return v.Html(
        tag="div",
        class_="wb-adherence text-caption",
        children=[*reason, v.Html(tag="ul", class_="ml-4", style_="list-style: none", children=items)],
    )


def metrics_badges(metrics: TakeMetrics | None, *, identical: bool = False) -> list[v.Html]:
    """A take's key metrics as small chips for lists (adherence, similarity, frozen/black warnings)."""
    if metrics is None:
        return [
            v.Chip(
                size="x-small", variant="outlined", class_="wb-badge wb-badge-unmeasured mr-1", children=["…"]
            )
        ]
    chips = []
    if metrics.adherence is not None:
        good = metrics.adherence >= 0.999
        chips.append(
            v.Chip(
                size="x-small",
                color="success" if good else "warning",
                variant="tonal",
                class_="wb-badge wb-badge-adherence mr-1",
                children=[f"follows {metric_text(metrics, 'adherence')}"],
            )
        )
    if metrics.similarity_ssim is not None:
        chips.append(
            v.Chip(
                size="x-small",
                variant="tonal",
                class_="wb-badge wb-badge-similarity mr-1",
                children=[f"SSIM {metrics.similarity_ssim:.2f}"],
            )
        )
    if metrics.black_share >= 0.5:
        chips.append(
            v.Chip(size="x-small", color="error", variant="tonal", class_="wb-badge mr-1", children=["black"])
        )
    if identical:
        chips.append(
            v.Chip(
                size="x-small",
                color="info",
                variant="tonal",
                class_="wb-badge wb-badge-identical mr-1",
                children=["identical"],
            )
        )
    return chips
