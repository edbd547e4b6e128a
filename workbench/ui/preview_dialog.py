"""The preview dialog (a modal): the preview video (``?preview=<token>``), alone or A/B against the committed
video (side by side or a wipe, in step), the settings that differ from the committed ones (whose effective
values say where they came from), the take's metrics beside the committed take's, and Accept / Reject.
The committed player never shows a preview; only this dialog does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import ipyvuetify as v

from workbench.domain.compare import Column, settings_diff
from workbench.domain.metrics import TakeMetrics
from workbench.domain.models import Take
from workbench.domain.settings import ResolvedSettings
from workbench.ui.compare_player import ComparePlayer, CompareSource
from workbench.ui.metrics_view import adherence_list, metrics_table, settings_table

__all__ = ["PreviewDialog", "PreviewView"]


@dataclass(frozen=True)
class PreviewView:
    """What the dialog shows for one take."""

    take: Take
    preview_url: str
    segment_title: str
    committed: ResolvedSettings
    committed_url: str | None = None
    metrics: TakeMetrics | None = None
    committed_metrics: TakeMetrics | None = None
    #: The committed video is being measured (no take made it): its column says so until it is done.
    committed_measuring: bool = False
    identical_to: tuple[str, ...] = ()


class PreviewDialog(v.Dialog):
    def __init__(
        self,
        *,
        on_accept: Callable[[str], None],
        on_reject: Callable[[str], None],
        on_use_settings: Callable[[str], None] = lambda _take_id: None,
    ) -> None:
        self.take: Take | None = None
        self.view: PreviewView | None = None
        self.show_all = False
        self.video = ComparePlayer(placeholder="Loading preview…")
        self.heading = v.CardTitle(class_="wb-preview-title", children=["Preview"])
        self.ab_btn = v.Btn(
            size="small",
            variant="outlined",
            prepend_icon="mdi-compare",
            class_="wb-preview-ab",
            children=["A/B with committed"],
        )
        self.ab_btn.on_event("click", lambda *_: self.set_ab(not self.ab))
        self.ab = False
        self.all_btn = v.Btn(
            size="x-small", variant="text", class_="wb-preview-all-settings", children=["Show all"]
        )
        self.all_btn.on_event("click", lambda *_: self._toggle_all())
        self.compare = v.Html(tag="div", class_="wb-preview-compare", children=[])
        self.metrics = v.Html(tag="div", class_="wb-preview-metrics", children=[])
        self.notes = v.Html(tag="div", class_="wb-preview-notes", children=[])
        # Inside v-card-actions Vuetify 3 defaults buttons to variant "text": the main action must say "flat".
        self.accept_btn = v.Btn(
            color="success", variant="flat", prepend_icon="mdi-check", class_="wb-accept", children=["Accept"]
        )
        self.reject_btn = v.Btn(
            color="error",
            variant="outlined",
            prepend_icon="mdi-close",
            class_="wb-reject",
            children=["Reject"],
        )
        self.later_btn = v.Btn(variant="text", class_="wb-later", children=["Decide later"])
        self.use_btn = v.Btn(
            variant="text",
            prepend_icon="mdi-tray-arrow-down",
            class_="wb-preview-use-settings",
            children=["Use these settings"],
        )
        self.accept_btn.on_event("click", lambda *_: self.take and on_accept(self.take.id))
        self.reject_btn.on_event("click", lambda *_: self.take and on_reject(self.take.id))
        self.later_btn.on_event("click", lambda *_: self.dismiss())
        self.use_btn.on_event("click", lambda *_: self.take and on_use_settings(self.take.id))
        settings_head = v.Html(
            tag="div",
            class_="d-flex align-center text-subtitle-2 mt-2",
            children=["Settings that differ from the committed video", v.Spacer(), self.all_btn],
        )
        card = v.Card(
            class_="wb-preview-card",
            children=[
                self.heading,
                v.CardText(
                    children=[
                        v.Html(tag="div", class_="d-flex mb-1", children=[v.Spacer(), self.ab_btn]),
                        self.video,
                        self.notes,
                        settings_head,
                        self.compare,
                        v.Html(tag="div", class_="text-subtitle-2 mt-2", children=["Metrics"]),
                        self.metrics,
                    ]
                ),
                v.CardActions(
                    children=[self.later_btn, self.use_btn, v.Spacer(), self.reject_btn, self.accept_btn]
                ),
            ],
        )
        super().__init__(
            v_model=False,
            persistent=True,
            max_width=1100,
            scrollable=True,
            class_="wb-preview-dialog",
            children=[card],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def show(self, view: PreviewView) -> None:
        self.take, self.view = view.take, view
        take = view.take
        with self.hold_sync():
            self.heading.children = [f"Preview · {view.segment_title}"]
            self.ab_btn.disabled = view.committed_url is None
            self.ab_btn.children = (
                ["A/B with committed"] if view.committed_url else ["No committed video to compare"]
            )
            self.set_ab(False)
            self._render_settings()
            self._render_metrics()
            identical = (
                [
                    v.Alert(
                        type="info",
                        density="compact",
                        variant="tonal",
                        class_="wb-identical mb-2",
                        text=f"This video is byte-identical to {len(view.identical_to)} other take(s) of this "
                        "segment: " + ", ".join(view.identical_to) + ".",
                    )
                ]
                if view.identical_to
                else []
            )
            self.notes.children = [
                *[
                    v.Alert(type="warning", density="compact", variant="tonal", class_="mb-2", text=w)
                    for w in take.warnings
                ],
                *identical,
                v.Html(
                    tag="div",
                    class_="text-caption mb-2",
                    children=[
                        f"{take.frame_count} frames · {take.size_bytes / 1e6:.2f} MB · generated in "
                        f"{take.timings.get('total_s', 0):.1f} s with {take.backend}"
                    ],
                ),
            ]
            self.set_busy(False)
            self.v_model = True

    def set_committed_metrics(self, take_id: str, metrics: TakeMetrics | None) -> None:
        """The committed video's metrics, measured after the dialog opened (ignored if it shows another take)."""
        if self.view is None or self.view.take.id != take_id:
            return
        self.view = replace(self.view, committed_metrics=metrics, committed_measuring=False)
        self._render_metrics()

    def _render_metrics(self) -> None:
        view = self.view
        if view is None:
            return
        committed_missing = "measuring…" if view.committed_measuring else "not measured"
        self.metrics.children = [
            metrics_table(
                [("This preview", view.metrics), ("Committed", view.committed_metrics)],
                missing=("not measured", committed_missing),
            ),
            v.Html(tag="div", class_="text-subtitle-2 mt-1", children=["Direction adherence, move by move"]),
            adherence_list(view.metrics),
        ]

    def set_ab(self, on: bool) -> None:
        """Preview alone, or A (preview) / B (committed) in step."""
        view = self.view
        if view is None:
            return
        self.ab = bool(on and view.committed_url)
        preview = CompareSource(view.preview_url, "A · this preview", css="wb-preview-video")
        sources = [preview]
        if self.ab and view.committed_url:
            sources.append(CompareSource(view.committed_url, "B · committed", css="wb-ab-committed"))
        self.video.show(sources, fps=view.take.settings.fps)
        self.ab_btn.variant = "flat" if self.ab else "outlined"
        self.ab_btn.color = "primary" if self.ab else None

    def _toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._render_settings()

    def _render_settings(self) -> None:
        view = self.view
        if view is None:
            return
        columns = [
            Column("This preview", view.take.settings),
            Column("Committed", view.committed.settings, view.committed.provenance),
        ]
        rows = settings_diff(columns, only_differences=not self.show_all)
        self.all_btn.children = ["Only differences"] if self.show_all else ["Show all"]
        self.compare.children = [
            settings_table(
                rows,
                ("This preview", "Committed (in effect)"),
                css=("wb-compare-new", "wb-compare-committed text-medium-emphasis"),
                empty="Same settings as the committed video.",
                bold_differences=self.show_all,
            )
        ]

    def set_busy(self, busy: bool) -> None:
        self.accept_btn.loading = busy
        self.accept_btn.disabled = busy
        self.reject_btn.disabled = busy

    def dismiss(self) -> None:
        self.v_model = False
        self.video.show([])
