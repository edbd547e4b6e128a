"""Two takes of a segment (or a take and the committed video) played in step, side by side or with a wipe,
with the settings that differ, their metrics side by side and each one's direction-adherence evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import ipyvuetify as v

from workbench.domain.compare import Column, settings_diff
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import SettingSource, VideoSettings
from workbench.ui.compare_player import ComparePlayer, CompareSource
from workbench.ui.metrics_view import adherence_list, metrics_table, settings_table

__all__ = ["CompareDialog", "CompareSide"]


@dataclass(frozen=True)
class CompareSide:
    """One side: a title, its video, its settings (with provenance for the committed side) and metrics;
    ``take_id`` is ``None`` for a committed video that did not come from a take."""

    title: str
    url: str
    settings: VideoSettings
    provenance: dict[str, SettingSource] | None = None
    metrics: TakeMetrics | None = None
    take_id: str | None = None
    detail: str = ""
    #: Its metrics are being measured (a committed video no take made): the column says so until then.
    measuring: bool = False


class CompareDialog(v.Dialog):
    def __init__(self, *, on_use_settings: Callable[[str], None] = lambda _take_id: None) -> None:
        self.sides: list[CompareSide] = []
        self._on_use_settings = on_use_settings
        self.heading = v.CardTitle(class_="wb-compare-title", children=["Compare"])
        self.player = ComparePlayer()
        self.settings = v.Html(tag="div", class_="wb-compare-settings", children=[])
        self.metrics = v.Html(tag="div", class_="wb-compare-metrics", children=[])
        self.uses = v.Html(tag="div", class_="d-flex", children=[])
        close = v.Btn(variant="text", class_="wb-compare-close", children=["Close"])
        close.on_event("click", lambda *_: self.dismiss())
        super().__init__(
            v_model=False,
            max_width=1100,
            scrollable=True,
            class_="wb-compare-dialog",
            children=[
                v.Card(
                    class_="wb-compare-card",
                    children=[
                        self.heading,
                        v.CardText(
                            children=[
                                self.player,
                                v.Html(
                                    tag="div",
                                    class_="text-subtitle-2 mt-2",
                                    children=["Settings that differ"],
                                ),
                                self.settings,
                                v.Html(tag="div", class_="text-subtitle-2 mt-2", children=["Metrics"]),
                                self.metrics,
                            ]
                        ),
                        v.CardActions(children=[self.uses, v.Spacer(), close]),
                    ],
                )
            ],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def show(self, sides: Sequence[CompareSide], *, segment_title: str, fps: float) -> None:
        self.sides = list(sides)
        with self.hold_sync():
            self.heading.children = [f"Compare · {segment_title}"]
            self.player.show(
                [
                    CompareSource(
                        s.url, f"{'AB'[i]} · {s.title}", s.detail or s.title, css=f"wb-compare-side-{i}"
                    )
                    for i, s in enumerate(sides)
                ],
                fps=fps,
            )
            columns = [Column(s.title, s.settings, s.provenance) for s in sides]
            self.settings.children = [
                settings_table(
                    settings_diff(columns),
                    [s.title for s in sides],
                    empty="Same settings: only the video differs.",
                )
            ]
            self._render_metrics()
            buttons = []
            for i, side in enumerate(sides):
                if side.take_id is None:
                    continue
                btn = v.Btn(
                    variant="text",
                    prepend_icon="mdi-tray-arrow-down",
                    class_=f"wb-compare-use wb-compare-use-{i}",
                    children=[f"Use {'AB'[i]}'s settings"],
                )
                btn.on_event("click", lambda *_, take_id=side.take_id: self._use(take_id))
                buttons.append(btn)
            self.uses.children = buttons
            self.v_model = True

    def set_committed_metrics(self, url: str, metrics: TakeMetrics | None) -> None:
        """The committed side's metrics, measured after the dialog opened (ignored once it shows others)."""
        if not any(s.take_id is None and s.url == url for s in self.sides):
            return
        self.sides = [
            replace(s, metrics=metrics, measuring=False) if s.take_id is None and s.url == url else s
            for s in self.sides
        ]
        self._render_metrics()

    def _render_metrics(self) -> None:
        sides = self.sides
        evidence = [
            v.Col(
                cols=12 // max(len(sides), 1),
                children=[
                    v.Html(tag="div", class_="text-caption font-weight-bold", children=[f"{s.title}: moves"]),
                    adherence_list(s.metrics) if s.metrics is not None else v.Html(tag="div"),
                ],
            )
            for s in sides
        ]
        self.metrics.children = [
            metrics_table(
                [(s.title, s.metrics) for s in sides],
                missing=["measuring…" if s.measuring else "not measured" for s in sides],
            ),
            v.Row(dense=True, children=evidence),
        ]

    def _use(self, take_id: str) -> None:
        self._on_use_settings(take_id)
        self.dismiss()

    def dismiss(self) -> None:
        self.v_model = False
        self.player.show([])
