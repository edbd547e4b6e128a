"""The preview dialog (a modal): the preview video (``?preview=<token>``), the settings that made it next to
the committed ones, and Accept / Reject. The committed player never shows a preview; only this dialog does."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipyvuetify as v

from workbench.domain.models import Take
from workbench.ui.media import VideoView

__all__ = ["PreviewDialog"]

_LABELS = {
    "movie_directions": "Movie directions",
    "model": "Model",
    "duration_s": "Duration (s)",
    "resolution": "Resolution",
    "fps": "FPS",
    "seed": "Seed",
}


class PreviewDialog(v.Dialog):
    def __init__(
        self,
        *,
        on_accept: Callable[[str], None],
        on_reject: Callable[[str], None],
    ) -> None:
        self.take: Take | None = None
        self.video = VideoView(css_class="wb-preview-video", placeholder="Loading preview…")
        self.heading = v.CardTitle(class_="wb-preview-title", children=["Preview"])
        self.compare = v.Html(tag="div", class_="wb-preview-compare", children=[])
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
        self.accept_btn.on_event("click", lambda *_: self.take and on_accept(self.take.id))
        self.reject_btn.on_event("click", lambda *_: self.take and on_reject(self.take.id))
        self.later_btn.on_event("click", lambda *_: self.dismiss())
        card = v.Card(
            class_="wb-preview-card",
            children=[
                self.heading,
                v.CardText(children=[self.video, self.notes, self.compare]),
                v.CardActions(children=[self.later_btn, v.Spacer(), self.reject_btn, self.accept_btn]),
            ],
        )
        super().__init__(
            v_model=False,
            persistent=True,
            max_width=980,
            scrollable=True,
            class_="wb-preview-dialog",
            children=[card],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def show_take(
        self, take: Take, *, preview_url: str, committed: Mapping[str, str], segment_title: str
    ) -> None:
        self.take = take
        with self.hold_sync():
            self.heading.children = [f"Preview · {segment_title}"]
            self.video.set_url(preview_url)
            self.compare.children = [_comparison(take.settings.to_dict(), committed)]
            self.notes.children = [
                v.Alert(type="warning", density="compact", variant="tonal", class_="mb-2", text=w)
                for w in take.warnings
            ] + [
                v.Html(
                    tag="div",
                    class_="text-caption mb-2",
                    children=[
                        f"{take.frame_count} frames · {take.size_bytes / 1e6:.2f} MB · generated in "
                        f"{take.timings.get('total_s', 0):.1f} s with {take.backend}"
                    ],
                )
            ]
            self.set_busy(False)
            self.v_model = True

    def set_busy(self, busy: bool) -> None:
        self.accept_btn.loading = busy
        self.accept_btn.disabled = busy
        self.reject_btn.disabled = busy

    def dismiss(self) -> None:
        self.v_model = False


def _comparison(new: Mapping[str, object], committed: Mapping[str, str]) -> v.Table:
    rows = []
    for name, label in _LABELS.items():
        after, before = str(new.get(name, "")), str(committed.get(name, "—"))
        changed = after != before
        rows.append(
            v.Html(
                tag="tr",
                class_="wb-compare-row" + (" font-weight-bold" if changed else ""),
                children=[
                    v.Html(tag="td", children=[label]),
                    v.Html(tag="td", class_="wb-compare-new", children=[after]),
                    v.Html(tag="td", class_="wb-compare-committed text-medium-emphasis", children=[before]),
                ],
            )
        )
    head = v.Html(
        tag="thead",
        children=[
            v.Html(
                tag="tr", children=[v.Html(tag="th", children=[h]) for h in ("", "This preview", "Committed")]
            )
        ],
    )
    return v.Table(density="compact", children=[head, v.Html(tag="tbody", children=rows)])
