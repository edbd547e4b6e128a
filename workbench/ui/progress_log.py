"""The progress log: one entry per job event with its time, segment and a human message, and above it the
status line and progress bar *of the selected segment* (another segment's job never shows there).

Widget updates are batched (at most one render per ``flush_interval_s``) so a burst of events never floods
the browser; errors are shown in words, with their detail beneath, never as a bare traceback. Events made
by other processes (a batch, another notebook) are marked as such.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import ipyvuetify as v

from workbench.domain.clock import next_timestamp
from workbench.jobs.events import Event, EventType

__all__ = ["LogEntry", "ProgressLog"]

_STYLE = {
    EventType.JOB_QUEUED: ("mdi-timer-sand", "grey"),
    EventType.JOB_STARTED: ("mdi-play-circle-outline", "primary"),
    EventType.JOB_PROGRESS: ("mdi-progress-clock", "primary"),
    EventType.JOB_RETRYING: ("mdi-refresh", "warning"),
    EventType.VIDEO_PREVIEW: ("mdi-movie-open-check-outline", "info"),
    EventType.VIDEO_COMPLETE: ("mdi-check-circle", "success"),
    EventType.VIDEO_REJECTED: ("mdi-close-circle-outline", "grey"),
    EventType.IMAGE_PREVIEW: ("mdi-image-search-outline", "info"),
    EventType.IMAGE_COMPLETE: ("mdi-image-check", "success"),
    EventType.IMAGE_REJECTED: ("mdi-image-remove", "grey"),
    EventType.JOB_FAILED: ("mdi-alert-circle", "error"),
    EventType.JOB_CANCELLED: ("mdi-cancel", "grey"),
    EventType.JOB_INTERRUPTED: ("mdi-alert", "warning"),
}


@dataclass(frozen=True)
class LogEntry:
    time: str  # HH:MM:SS
    kind: str  # an event type, or "error" / "note"
    message: str
    detail: str | None = None
    segment: str | None = None
    external: bool = False
    id: int = field(default_factory=itertools.count().__next__, compare=False)

    @property
    def is_error(self) -> bool:
        return self.kind in ("error", str(EventType.JOB_FAILED), str(EventType.JOB_INTERRUPTED))


class ProgressLog(v.Card):
    """Shows events; :meth:`add_event` is the bus callback. ``entries`` is the plain data (for tests)."""

    def __init__(self, *, max_entries: int = 300, flush_interval_s: float = 0.1, **kwargs: object) -> None:
        self.entries: list[LogEntry] = []
        self.max_entries = max_entries
        self.flush_interval_s = flush_interval_s
        self._progress_entry: dict[str, int] = {}
        self._dirty = False
        self._timer: asyncio.TimerHandle | None = None
        #: per segment: (percent, status line, bar active); the shown one is the selected segment's
        self._bars: dict[str, tuple[int, str, bool]] = {}
        self.showing: str | None = None
        self._fallback = ""
        self._shown_bar: tuple[int, str, bool] | None = None
        self._last_flush = 0.0
        self._rendered: dict[int, v.Html] = {}  # entry id → its widget, reused across renders
        self.bar = v.ProgressLinear(
            v_model=0, model_value=0, active=False, height=6, color="primary", class_="wb-progress"
        )
        self.bar_label = v.Html(
            tag="div", class_="wb-progress-label wb-status-line text-caption", children=[""]
        )
        self.heading = v.Html(
            tag="div", class_="text-subtitle-2 mb-1 wb-progress-heading", children=["Progress"]
        )
        self.list = v.Html(
            tag="div", class_="wb-log-list", children=[], style_="max-height: 260px; overflow-y: auto;"
        )
        super().__init__(
            class_="wb-progress-log pa-3",
            variant="outlined",
            children=[
                self.heading,
                self.bar,
                self.bar_label,
                self.list,
            ],
            **kwargs,
        )

    # -- input -----------------------------------------------------------------------------------------------

    def add_event(self, event: Event, *, segment: str | None = None, external: bool = False) -> None:
        detail = event.payload.get("detail") if isinstance(event.payload, dict) else None
        entry = LogEntry(
            _clock(event.time), str(event.type), event.message, detail, segment or event.asset_id, external
        )
        if event.type is EventType.JOB_PROGRESS:
            # progress updates rewrite the job's one progress entry instead of adding lines
            index = self._progress_entry.get(event.job_id)
            if index is not None and index < len(self.entries):
                self.entries[index] = entry
            else:
                self._progress_entry[event.job_id] = len(self.entries)
                self.entries.append(entry)
            self._set_bar(event.asset_id, event.fraction or 0.0, event.message, active=True)
        else:
            self.entries.append(entry)
            if event.type in (EventType.JOB_QUEUED, EventType.JOB_RETRYING):
                self._set_bar(event.asset_id, 0.0, event.message, active=True)
            elif event.type is EventType.JOB_STARTED:
                self._set_bar(event.asset_id, 0.0, "Generating…", active=True)
            elif event.type in (
                EventType.VIDEO_PREVIEW,
                EventType.VIDEO_COMPLETE,
                EventType.IMAGE_PREVIEW,
                EventType.IMAGE_COMPLETE,
            ):
                self._set_bar(event.asset_id, 1.0, event.message, active=False)
            else:  # rejected, failed, cancelled, interrupted
                self._set_bar(event.asset_id, 0.0, event.message, active=False)
        self._trim()
        self._schedule()

    def show_status_of(self, asset_id: str | None, *, title: str = "", fallback: str = "") -> None:
        """Show the status line of ``asset_id`` (the selected segment); ``fallback`` when it has had no job."""
        self.showing = asset_id
        self._fallback = fallback
        self.heading.children = [f"Progress · {title}" if title else "Progress"]
        self._schedule()

    def status_of(self, asset_id: str) -> tuple[int, str, bool] | None:
        """(percent, status line, active) of a segment's latest job event, if any."""
        return self._bars.get(asset_id)

    def add_error(self, message: str, detail: str | None = None) -> None:
        self.entries.append(LogEntry(_clock(next_timestamp()), "error", message, detail))
        self._trim()
        self._schedule()

    def add_note(self, message: str) -> None:
        self.entries.append(LogEntry(_clock(next_timestamp()), "note", message))
        self._trim()
        self._schedule()

    def _set_bar(self, asset_id: str, fraction: float, label: str, *, active: bool) -> None:
        self._bars[asset_id] = (round(fraction * 100), label, active)

    def _trim(self) -> None:
        overflow = len(self.entries) - self.max_entries
        if overflow > 0:
            del self.entries[:overflow]
            self._progress_entry = {k: i - overflow for k, i in self._progress_entry.items() if i >= overflow}

    # -- rendering (batched) ---------------------------------------------------------------------------------

    def _schedule(self) -> None:
        self._dirty = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._timer is not None:
            return
        wait = self.flush_interval_s - (time.monotonic() - self._last_flush)
        if wait <= 0:  # quiet until now: show it at once; a burst that follows is batched
            self.flush()
        else:
            self._timer = loop.call_later(wait, self.flush)

    def flush(self) -> None:
        """Render pending entries now."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        if not self._dirty:
            return
        self._dirty = False
        self._last_flush = time.monotonic()
        state = self._bars.get(self.showing or "") or (0, self._fallback, False)
        with self.hold_sync():
            if state != self._shown_bar:
                self._shown_bar = state
                percent, label, active = state
                self.bar.v_model = percent
                self.bar.model_value = percent
                self.bar.active = active
                self.bar_label.children = [label]
            widgets = {e.id: self._rendered.get(e.id) or _render(e) for e in self.entries}
            self._rendered = widgets
            self.list.children = [widgets[e.id] for e in reversed(self.entries)]


def _clock(timestamp: str) -> str:
    return timestamp[11:19] if len(timestamp) >= 19 else timestamp


def _render(entry: LogEntry) -> v.Html:
    kind = EventType(entry.kind) if entry.kind in EventType._value2member_map_ else None
    icon, color = _STYLE.get(
        kind, ("mdi-alert-circle", "error") if entry.kind == "error" else ("mdi-information-outline", "grey")
    )
    parts: list = [
        v.Html(tag="span", class_="wb-log-time text-caption mr-2", children=[entry.time]),
        v.Icon(children=[icon], color=color, size="small", class_="mr-1"),
    ]
    if entry.segment:
        parts.append(v.Html(tag="span", class_="wb-log-segment text-caption mr-2", children=[entry.segment]))
    if entry.external:
        parts.append(
            v.Chip(size="x-small", variant="outlined", class_="wb-log-elsewhere mr-2", children=["elsewhere"])
        )
    parts.append(v.Html(tag="span", class_="wb-log-message", children=[entry.message]))
    if entry.detail:
        parts.append(v.Html(tag="div", class_="wb-log-detail text-caption ml-8", children=[entry.detail]))
    css = "wb-log-entry py-1" + (" wb-log-error text-error" if entry.is_error else "")
    css += " wb-log-external" if entry.external else ""
    return v.Html(tag="div", class_=css, attributes={"data-kind": entry.kind}, children=parts)
