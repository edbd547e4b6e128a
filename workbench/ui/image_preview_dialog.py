"""The image preview dialog: the new starting image (``?preview=<token>``) against the committed one (``?v=``),
side by side or as a wipe over the same frame, the settings that made it next to the committed image's, and
Accept / Reject. The editor's committed image never shows a preview; only this dialog does."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import ipyvuetify as v

from workbench.domain.models import ImageTake, TakeStatus

__all__ = ["ImagePreviewDialog"]

_LABELS = {"prompt": "Prompt", "model": "Model", "size": "Size", "seed": "Seed"}
_IMG = "display:block;max-width:100%;max-height:360px;border-radius:4px;background:#000"


class ImagePreviewDialog(v.Dialog):
    def __init__(self, *, on_accept: Callable[[str], None], on_reject: Callable[[str], None]) -> None:
        self.take: ImageTake | None = None
        self.preview_url: str | None = None
        self.committed_url: str | None = None
        self.heading = v.CardTitle(class_="wb-image-preview-title", children=["Starting image preview"])
        self.mode = v.BtnToggle(
            v_model="side",
            mandatory=True,
            density="compact",
            variant="outlined",
            class_="wb-image-compare-mode mb-2",
            children=[
                v.Btn(value="side", size="small", class_="wb-image-side", children=["Side by side"]),
                v.Btn(value="wipe", size="small", class_="wb-image-wipe", children=["Wipe"]),
            ],
        )
        self.wipe = v.Slider(
            v_model=50,
            min=0,
            max=100,
            step=1,
            density="compact",
            hide_details=True,
            class_="wb-image-wipe-slider",
        )
        self.view = v.Html(tag="div", class_="wb-image-compare", children=[])
        self.compare = v.Html(tag="div", class_="wb-image-preview-compare", children=[])
        self.notes = v.Html(tag="div", class_="wb-image-preview-notes", children=[])
        self.accept_btn = v.Btn(
            color="success",
            variant="flat",
            prepend_icon="mdi-check",
            class_="wb-image-accept",
            children=["Accept"],
        )
        self.reject_btn = v.Btn(
            color="error",
            variant="outlined",
            prepend_icon="mdi-close",
            class_="wb-image-reject",
            children=["Reject"],
        )
        self.later_btn = v.Btn(variant="text", class_="wb-image-later", children=["Decide later"])
        self.accept_btn.on_event("click", lambda *_: self.take and on_accept(self.take.id))
        self.reject_btn.on_event("click", lambda *_: self.take and on_reject(self.take.id))
        self.later_btn.on_event("click", lambda *_: self.dismiss())
        self.mode.observe(lambda _change: self._render_view(), "v_model")
        self.wipe.observe(lambda _change: self._render_view(), "v_model")
        self.actions = v.CardActions(children=[self.later_btn, v.Spacer(), self.reject_btn, self.accept_btn])
        card = v.Card(
            class_="wb-image-preview-card",
            children=[
                self.heading,
                v.CardText(children=[self.mode, self.view, self.notes, self.compare]),
                self.actions,
            ],
        )
        super().__init__(
            v_model=False,
            persistent=True,
            max_width=1100,
            scrollable=True,
            class_="wb-image-preview-dialog",
            children=[card],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def show_take(
        self,
        take: ImageTake,
        *,
        preview_url: str,
        committed_url: str | None,
        committed: Mapping[str, str],
        segment_title: str,
        shared_with: Sequence[str] = (),
    ) -> None:
        self.take = take
        self.preview_url, self.committed_url = preview_url, committed_url
        decidable = take.status is TakeStatus.PENDING
        with self.hold_sync():
            self.heading.children = [
                f"Starting image preview · {segment_title}"
                if decidable
                else f"Image take ({take.status}) · {segment_title}"
            ]
            self._render_view()
            self.compare.children = [_comparison(take, committed)]
            notes: list[v.VuetifyWidget] = [
                v.Alert(type="warning", density="compact", variant="tonal", class_="mb-2", text=w)
                for w in take.warnings
            ]
            if shared_with and decidable:
                notes.append(
                    v.Alert(
                        type="info",
                        density="compact",
                        variant="tonal",
                        class_="wb-image-shared-note mb-2",
                        text=f"Accepting changes the starting image of {', '.join(shared_with)} too: they share it.",
                    )
                )
            regions = ", ".join(sorted(take.regions)) or "none"
            notes.append(
                v.Html(
                    tag="div",
                    class_="text-caption mb-2",
                    children=[
                        f"{take.width}x{take.height} · {take.size_bytes / 1e6:.2f} MB · made in "
                        f"{take.timings.get('total_s', 0):.2f} s with {take.backend} · regions: {regions}"
                    ],
                )
            )
            self.notes.children = notes
            self.accept_btn.style_ = "" if decidable else "display:none"
            self.reject_btn.style_ = "" if decidable else "display:none"
            self.set_busy(False)
            self.v_model = True

    def _render_view(self) -> None:
        if self.preview_url is None:
            self.view.children = []
            return
        preview = v.Html(
            tag="img",
            class_="wb-image-preview-img",
            attributes={"src": self.preview_url, "alt": "new starting image"},
            style_=_IMG,
        )
        if self.committed_url is None:
            committed: v.Html = v.Html(
                tag="div",
                class_="wb-image-no-committed text-caption pa-6 text-center",
                children=["No committed starting image yet."],
            )
        else:
            committed = v.Html(
                tag="img",
                class_="wb-image-committed-img",
                attributes={"src": self.committed_url, "alt": "committed starting image"},
                style_=_IMG,
            )
        if self.mode.v_model == "wipe" and self.committed_url is not None:
            cut = 100 - int(self.wipe.v_model or 0)
            self.view.children = [
                v.Html(
                    tag="div",
                    class_="wb-image-wipe-frame",
                    style_="position:relative;display:inline-block;max-width:100%",
                    children=[
                        committed,
                        v.Html(
                            tag="div",
                            style_=f"position:absolute;inset:0;clip-path:inset(0 {cut}% 0 0)",
                            children=[preview],
                        ),
                    ],
                ),
                v.Html(tag="div", class_="text-caption", children=["new ◀ drag ▶ committed"]),
                self.wipe,
            ]
            return
        self.view.children = [
            v.Html(
                tag="div",
                class_="wb-image-side-by-side",
                style_="display:grid;grid-template-columns:1fr 1fr;gap:12px;align-items:start",
                children=[
                    v.Html(
                        tag="div",
                        children=[v.Html(tag="div", class_="text-caption", children=[label]), picture],
                    )
                    for label, picture in (("This preview", preview), ("Committed", committed))
                ],
            )
        ]

    def set_busy(self, busy: bool) -> None:
        self.accept_btn.loading = busy
        self.accept_btn.disabled = busy
        self.reject_btn.disabled = busy

    def dismiss(self) -> None:
        self.v_model = False


def _comparison(take: ImageTake, committed: Mapping[str, str]) -> v.Table:
    new = take.settings.to_dict()
    rows = []
    for name, label in _LABELS.items():
        after, before = str(new.get(name, "")), str(committed.get(name, "not recorded"))
        rows.append(
            v.Html(
                tag="tr",
                class_="wb-compare-row" + (" font-weight-bold" if after != before else ""),
                children=[
                    v.Html(tag="td", children=[label]),
                    v.Html(
                        tag="td", class_="wb-compare-new", style_="white-space:pre-wrap", children=[after]
                    ),
                    v.Html(
                        tag="td",
                        class_="wb-compare-committed text-medium-emphasis",
                        style_="white-space:pre-wrap",
                        children=[before],
                    ),
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
