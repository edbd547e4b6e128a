"""A pandas table of the lecture's segments that stays current, for the notebook cell under the workbench.

A plain DataFrame in a cell is a snapshot: it never changes after the cell ran. This widget re-renders the
table (at most every ``interval_s``) whenever the session changes, from summaries the session already holds,
and shows its first ``max_rows`` rows (``session.segments_frame()`` has them all, for your own analysis).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence

import ipywidgets as widgets

from workbench.domain.clock import format_timestamp, utc_now
from workbench.session import LectureSession, SessionChange

__all__ = ["DEFAULT_COLUMNS", "LiveFrame"]

DEFAULT_COLUMNS = (
    "order",
    "asset_id",
    "title",
    "status",
    "model",
    "duration_s",
    "pending_previews",
    "has_draft",
)


class LiveFrame(widgets.HTML):
    def __init__(
        self,
        session: LectureSession,
        *,
        columns: Sequence[str] | None = None,
        max_rows: int = 20,
        interval_s: float = 0.5,
    ) -> None:
        super().__init__()
        self.add_class("wb-live-frame")
        self.session = session
        self.columns = list(columns or DEFAULT_COLUMNS)
        self.max_rows = max_rows
        self.interval_s = interval_s
        self._timer: asyncio.TimerHandle | None = None
        self.renders = 0
        self._unsubscribe = session.subscribe(self._changed)
        self.render()

    def close(self) -> None:
        self._unsubscribe()
        super().close()

    def _changed(self, change: SessionChange) -> None:
        if change.kind == "problem":
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.render()
            return
        if self._timer is None:
            self._timer = loop.call_later(self.interval_s, self.render)

    def render(self) -> None:
        self._timer = None
        frame = self.session.segments_frame()
        shown = frame[self.columns].head(self.max_rows)
        table = shown.to_html(index=False, border=0, classes="wb-live-frame-table", escape=True)
        more = len(frame) - len(shown)
        caption = (
            f"{len(frame)} segments, first {len(shown)} shown; "
            if more
            else f"{len(frame)} segment{'s' if len(frame) != 1 else ''}; "
        ) + f"kept current (last update {format_timestamp(utc_now())[11:19]} UTC). "
        caption += "workbench.session.segments_frame() returns them all as a DataFrame."
        self.value = f'<div class="wb-live-frame-caption" style="font-size:12px;opacity:.7">{html.escape(caption)}</div>{table}'
        self.renders += 1
