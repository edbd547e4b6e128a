"""The lecture's segments as a paged table to pick from: order, thumbnail, title, model, duration, status,
updated, pending previews, and whether the segment has a draft (or a draft in conflict).

One widget whatever the lecture's size: the browser renders one page of rows from a Vue template, and a
change sends that page's rows as data (a few kB), never a thousand row widgets. Find and "Show" filter the
rows kernel-side, over summaries the session already holds. It only renders and reports the clicked row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipyvuetify as v
import traitlets

from workbench.domain.segments import SEGMENT_STATUSES, SegmentSummary

__all__ = ["PAGE_SIZE", "SegmentTable"]

#: Rows per page of the segment table.
PAGE_SIZE = 25

_STATUS_COLOR = {
    "ready": "success",
    "preview pending": "info",
    "generating": "primary",
    "needs starting image": "error",
    "no video": "grey",
    "damaged": "error",
}
_ATTENTION = frozenset(SEGMENT_STATUSES) - {"ready"}
_FILTERS = [
    {"title": "All segments", "value": "all"},
    {"title": "Needs attention", "value": "attention"},
    {"title": "With a draft", "value": "draft"},
    *({"title": status.capitalize(), "value": status} for status in SEGMENT_STATUSES),
]

_TEMPLATE = """
<template>
  <v-card class="wb-segment-table" variant="outlined">
    <div class="d-flex align-center flex-wrap px-4 pt-3 pb-1" style="gap: 12px">
      <div class="text-subtitle-1">Segments</div>
      <div class="text-caption text-medium-emphasis wb-table-caption">{{ caption }}</div>
      <v-spacer></v-spacer>
      <v-text-field v-model="query" class="wb-table-query" label="Find a segment" density="compact"
        variant="outlined" hide-details clearable prepend-inner-icon="mdi-magnify"
        style="min-width: 220px; max-width: 260px" @keydown.stop></v-text-field>
      <v-select v-model="status_filter" :items="filters" item-title="title" item-value="value"
        class="wb-table-filter" label="Show" density="compact" variant="outlined" hide-details
        style="min-width: 200px; max-width: 220px"></v-select>
    </div>
    <v-table density="compact" hover class="wb-table">
      <thead>
        <tr>
          <th style="width: 3em">#</th><th style="width: 76px"></th><th style="min-width: 140px">Segment</th><th>Model</th>
          <th>Duration</th><th>Status</th><th>Updated</th><th title="Previews awaiting review">Pending</th>
        </tr>
      </thead>
      <tbody>
        <tr v-for="row in rows" :key="row.asset_id" class="wb-segment-row"
          :class="{'wb-selected': row.asset_id === selected}" :data-asset-id="row.asset_id"
          :aria-selected="row.asset_id === selected ? 'true' : 'false'" style="cursor: pointer"
          @click="pick(row.asset_id)">
          <td>{{ row.number }}</td>
          <td>
            <img v-if="row.thumb" :src="row.thumb" alt="" loading="lazy" class="wb-thumb">
            <v-icon v-else color="error" size="small" title="No starting image">mdi-image-off-outline</v-icon>
          </td>
          <td class="wb-row-title">
            {{ row.title }}
            <v-icon v-if="row.conflict" color="warning" size="small" class="wb-row-conflict"
              title="Your draft conflicts with a newer commit">mdi-alert</v-icon>
            <v-icon v-else-if="row.draft" size="x-small" class="wb-row-draft text-medium-emphasis"
              title="Has a draft (edits not regenerated yet)">mdi-pencil</v-icon>
          </td>
          <td style="white-space: nowrap">{{ row.model }}</td>
          <td style="white-space: nowrap">{{ row.duration }}</td>
          <td><v-chip size="x-small" variant="tonal" :color="row.color" class="wb-status">{{ row.status }}</v-chip></td>
          <td class="wb-row-updated"><span style="white-space: nowrap">{{ row.updated.split(' ')[0] }}</span
            >{{ ' ' }}<span style="white-space: nowrap">{{ row.updated.split(' ')[1] || '' }}</span></td>
          <td><v-chip v-if="row.previews" size="x-small" color="info" class="wb-pending">{{ row.previews }}</v-chip></td>
        </tr>
        <tr v-if="!rows.length">
          <td colspan="8" class="text-caption text-medium-emphasis pa-4 wb-table-empty">No segment matches.</td>
        </tr>
      </tbody>
    </v-table>
    <v-pagination v-if="pages > 1" v-model="page" :length="pages" :total-visible="7" density="compact"
      class="wb-table-pages my-1"></v-pagination>
  </v-card>
</template>
<style id="wb-segment-table-style">
.wb-segment-table .wb-segment-row.wb-selected > td {
  background: rgba(var(--v-theme-primary), 0.14) !important;
  font-weight: 500;
}
.wb-segment-table .wb-segment-row.wb-selected > td:first-child {
  box-shadow: inset 4px 0 0 rgb(var(--v-theme-primary));
}
.wb-segment-table .wb-thumb {
  height: 36px; width: 64px; object-fit: cover; border-radius: 3px; display: block;
}
</style>
"""


class SegmentTable(v.VuetifyTemplate):
    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    page = traitlets.Int(1).tag(sync=True)
    pages = traitlets.Int(1).tag(sync=True)
    query = traitlets.Unicode("", allow_none=True).tag(sync=True)
    status_filter = traitlets.Unicode("all", allow_none=True).tag(sync=True)
    filters = traitlets.List(_FILTERS).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_select: Callable[[str], None], *, page_size: int = PAGE_SIZE) -> None:
        self._on_select = on_select
        self.page_size = page_size
        self._all: dict[str, SegmentSummary] = {}
        self._matching: list[str] | None = None
        self._rendering = False
        super().__init__()
        self.observe(self._filter_changed, names=["query", "status_filter"])
        self.observe(lambda _change: self._rendering or self._render(), names=["page"])

    # -- data in ---------------------------------------------------------------------------------------------

    def set_segments(self, summaries: Sequence[SegmentSummary], selected: str | None = None) -> None:
        """All segments, in lecture order (the table keeps them; later changes come via :meth:`update`)."""
        self._all = {s.asset_id: s for s in summaries}
        self._matching = None
        if selected is not None:
            self.selected = selected
            self._page_of(selected)
        self._render()

    def update(self, summaries: Iterable[SegmentSummary]) -> None:
        """Some segments changed: re-filter if a filter is on, re-send the page only if it shows them."""
        changed = False
        for summary in summaries:
            if self._all.get(summary.asset_id) != summary:
                self._all[summary.asset_id] = summary
                changed = True
        if changed:
            if self._filtering:
                self._matching = None
            self._render()

    def show_selected(self, asset_id: str) -> None:
        """Highlight ``asset_id`` and turn to its page (if the current filter shows it)."""
        with self.hold_sync():
            self.selected = asset_id
            if not self._page_of(asset_id):
                self._render()

    # -- what it shows (plain data, for tests) ---------------------------------------------------------------

    @property
    def matching(self) -> list[SegmentSummary]:
        """Segments that pass the current find/show filter, in lecture order."""
        return [self._all[a] for a in self._match()]

    @property
    def visible(self) -> list[str]:
        """Asset ids of the rows on the current page."""
        return [row["asset_id"] for row in self.rows]

    # -- browser intents -------------------------------------------------------------------------------------

    def vue_pick(self, asset_id: str) -> None:
        self._on_select(str(asset_id))

    # -- internals -------------------------------------------------------------------------------------------

    @property
    def _filtering(self) -> bool:
        return bool(self.query) or (self.status_filter or "all") != "all"

    def _filter_changed(self, _change: Any) -> None:
        self._matching = None
        with self.hold_sync():
            if self.page != 1:
                self.page = 1  # renders through the observer
            else:
                self._render()

    def _match(self) -> list[str]:
        if self._matching is None:
            needle = (self.query or "").strip().lower()
            show = self.status_filter or "all"
            self._matching = [
                s.asset_id
                for s in self._all.values()
                if _shows(s, show) and (not needle or needle in f"{s.asset_id} {s.title}".lower())
            ]
        return self._matching

    def _page_of(self, asset_id: str) -> bool:
        """Turn to the page holding ``asset_id``; True if the page changed (which renders)."""
        ids = self._match()
        if asset_id not in ids:
            return False
        page = ids.index(asset_id) // self.page_size + 1
        if page == self.page:
            return False
        self.page = page
        return True

    def _render(self) -> None:
        ids = self._match()
        pages = max(1, math.ceil(len(ids) / self.page_size))
        page = min(max(self.page, 1), pages)
        start = (page - 1) * self.page_size
        rows = [_row(self._all[a]) for a in ids[start : start + self.page_size]]
        total = len(self._all)
        caption = f"{total} segment{'s' if total != 1 else ''}"
        if len(ids) != total:
            caption = f"{len(ids)} of {caption} shown"
        self._rendering = True
        try:
            with self.hold_sync():
                self.pages = pages
                self.page = page
                if rows != self.rows:
                    self.rows = rows
                self.caption = caption
        finally:
            self._rendering = False


def _shows(summary: SegmentSummary, show: str) -> bool:
    if show == "all":
        return True
    if show == "attention":
        return summary.status in _ATTENTION or summary.conflict
    if show == "draft":
        return summary.has_draft
    return summary.status == show


def _row(s: SegmentSummary) -> dict[str, Any]:
    return {
        "asset_id": s.asset_id,
        "number": s.order + 1,
        "title": s.label,
        "thumb": s.thumbnail_url,
        "model": s.model,
        "duration": f"{s.duration_s:g} s",
        "status": s.status,
        "color": _STATUS_COLOR.get(s.status, "grey"),
        "updated": _when(s.updated_at),
        "previews": s.pending_previews,
        "draft": s.has_draft,
        "conflict": s.conflict,
    }


def _when(timestamp: str) -> str:
    """``2026-11-24 15:17`` from an ISO timestamp (UTC), or a dash."""
    return timestamp[:16].replace("T", " ") if timestamp else "—"
