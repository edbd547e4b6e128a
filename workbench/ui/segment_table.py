"""The lecture's segments as a table to pick from: order, thumbnail, title, model, duration, status, updated,
pending previews. It only renders rows and reports which one was clicked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ipyvuetify as v

__all__ = ["SegmentRow", "SegmentTable"]

_STATUS_COLOR = {
    "ready": "success",
    "preview pending": "info",
    "generating": "primary",
    "needs starting image": "error",
    "no video": "grey",
    "damaged": "error",
}


@dataclass(frozen=True)
class SegmentRow:
    asset_id: str
    order: int
    title: str
    thumbnail_url: str | None
    model: str
    duration_s: float
    status: str
    updated_at: str
    pending_previews: int


class SegmentTable(v.Card):
    def __init__(self, on_select: Callable[[str], None]) -> None:
        self._on_select = on_select
        self.rows: list[SegmentRow] = []
        self.selected: str | None = None
        # Row widgets are reused while their data is unchanged: new widgets cost a comm message and a view.
        self._row_widgets: dict[str, tuple[SegmentRow, bool, v.Html]] = {}
        self.body = v.Html(tag="tbody", children=[])
        head = v.Html(
            tag="thead",
            children=[
                v.Html(
                    tag="tr",
                    children=[
                        v.Html(tag="th", children=[h])
                        for h in ("#", "", "Segment", "Model", "Duration", "Status", "Updated", "Previews")
                    ],
                )
            ],
        )
        super().__init__(
            class_="wb-segment-table",
            variant="outlined",
            children=[
                v.CardTitle(class_="text-subtitle-1", children=["Segments"]),
                v.Table(density="compact", hover=True, children=[head, self.body]),
            ],
        )

    def render(self, rows: Sequence[SegmentRow], selected: str | None) -> None:
        self.rows, self.selected = list(rows), selected
        widgets = []
        for row in self.rows:
            chosen = row.asset_id == selected
            cached = self._row_widgets.get(row.asset_id)
            if cached is None or cached[0] != row or cached[1] != chosen:
                cached = (row, chosen, self._row(row))
                self._row_widgets[row.asset_id] = cached
            widgets.append(cached[2])
        if widgets != list(self.body.children):
            self.body.children = widgets

    def _row(self, row: SegmentRow) -> v.Html:
        thumb = (
            v.Html(
                tag="img",
                attributes={"src": row.thumbnail_url, "alt": "", "loading": "lazy"},
                style_="height:36px;width:64px;object-fit:cover;border-radius:3px",
            )
            if row.thumbnail_url
            else v.Icon(children=["mdi-image-off-outline"], color="error", size="small")
        )
        status = v.Chip(
            size="x-small",
            color=_STATUS_COLOR.get(row.status, "grey"),
            variant="tonal",
            class_="wb-status",
            children=[row.status],
        )
        previews = (
            v.Chip(size="x-small", color="info", class_="wb-pending", children=[str(row.pending_previews)])
            if row.pending_previews
            else ""
        )
        cells = [
            str(row.order + 1),
            thumb,
            row.title or row.asset_id,
            row.model,
            f"{row.duration_s:g} s",
            status,
            _when(row.updated_at),
            previews,
        ]
        tr = v.Html(
            tag="tr",
            class_="wb-segment-row"
            + (" wb-selected bg-primary-lighten-5 font-weight-bold" if row.asset_id == self.selected else ""),
            attributes={"data-asset-id": row.asset_id},
            style_="cursor: pointer",
            children=[v.Html(tag="td", children=[c]) for c in cells],
        )
        tr.on_event("click", lambda *_: self._on_select(row.asset_id))
        return tr


def _when(timestamp: str) -> str:
    """``2026-11-24 15:17`` from an ISO timestamp (UTC), or a dash."""
    return timestamp[:16].replace("T", " ") if timestamp else "—"
