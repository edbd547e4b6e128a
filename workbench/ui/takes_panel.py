"""The takes of the selected segment: every preview ever generated (pending, accepted, rejected), with its
metrics, sorted and filtered by status, model, date and metrics; to play beside the committed video, re-open
for review, compare two (or a take and the committed video) in step, review all pending ones side by side, or
load back into the editor ("Use these settings")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import ipyvuetify as v

from workbench.domain.metrics import MeasuredTake
from workbench.domain.models import Take, TakeStatus
from workbench.domain.take_list import SINCE, SORTS, TakeQuery, query_takes, take_label
from workbench.ui.media import VideoView
from workbench.ui.metrics_view import metrics_badges

__all__ = ["COMMITTED", "TakesPanel"]

#: The id the committed video has in a comparison selection.
COMMITTED = "committed"
_COLOR = {TakeStatus.PENDING: "info", TakeStatus.ACCEPTED: "success", TakeStatus.REJECTED: "grey"}
_SINCE_WORDS = {"any": "Any time", "hour": "Last hour", "today": "Last 24 hours", "week": "Last 7 days"}
_ADHERENCE = [
    {"title": "Any adherence", "value": 0.0},
    {"title": "Follows ≥ 50 %", "value": 0.5},
    {"title": "Follows ≥ 80 %", "value": 0.8},
    {"title": "Follows all moves", "value": 1.0},
]


def _noop(*_args: object) -> None:
    return None


def _select(label: str, items: list, value: object, css: str) -> v.Select:
    return v.Select(
        v_model=value,
        label=label,
        items=items,
        item_title="title",
        item_value="value",
        density="compact",
        variant="outlined",
        hide_details=True,
        class_=f"{css} mr-1 mb-1",
        style_="min-width: 120px; max-width: 190px",
    )


class TakesPanel(v.Card):
    def __init__(
        self,
        *,
        on_review: Callable[[str], None],
        take_url: Callable[[Take], str],
        on_use_settings: Callable[[str], None] = _noop,
        on_compare: Callable[[list[str]], None] = _noop,
        on_review_all: Callable[[list[str]], None] = _noop,
    ) -> None:
        self._on_review = on_review
        self._take_url = take_url
        self._on_use_settings = on_use_settings
        self._on_compare = on_compare
        self._on_review_all = on_review_all
        self.measured: list[MeasuredTake] = []
        #: The takes shown, in the list's order (after sorting and filtering).
        self.takes: list[Take] = []
        self.query = TakeQuery()
        self.selected: list[str] = []
        self.has_committed = False
        self.playing: str | None = None
        self.list = v.Html(tag="div", class_="wb-takes-list", children=[])
        self._empty = v.Html(tag="div", class_="text-caption pa-2 wb-takes-empty", children=[""])
        self.player = VideoView(
            css_class="wb-take-video", placeholder="Pick a take to play it here, beside the committed video."
        )
        self.sort = _select(
            "Sort", [{"title": t, "value": k} for k, t in SORTS.items()], "newest", "wb-takes-sort"
        )
        self.status = _select(
            "Status",
            [{"title": "Any status", "value": ""}, *({"title": str(s), "value": str(s)} for s in TakeStatus)],
            "",
            "wb-takes-status",
        )
        self.model = _select("Model", [{"title": "Any model", "value": ""}], "", "wb-takes-model")
        self.since = _select(
            "Made", [{"title": _SINCE_WORDS[k], "value": k} for k in SINCE], "any", "wb-takes-since"
        )
        self.adherence = _select("Adherence", _ADHERENCE, 0.0, "wb-takes-adherence")
        for name, widget in (
            ("sort", self.sort),
            ("status", self.status),
            ("model", self.model),
            ("since", self.since),
            ("min_adherence", self.adherence),
        ):
            widget.observe(lambda change, name=name: self._query_changed(name, change["new"]), "v_model")
        self.compare_btn = v.Btn(
            size="small",
            variant="tonal",
            prepend_icon="mdi-compare",
            class_="wb-takes-compare mr-2",
            children=["Compare 2 selected"],
            disabled=True,
        )
        self.compare_btn.on_event("click", lambda *_: self._on_compare(list(self.selected)))
        self.review_all_btn = v.Btn(
            size="small",
            variant="tonal",
            color="info",
            prepend_icon="mdi-view-grid",
            class_="wb-takes-review-all",
            children=["Review pending side by side"],
            style_="display:none",
        )
        self.review_all_btn.on_event("click", lambda *_: self._on_review_all(self._pending_ids()))
        self.count = v.Html(
            tag="span", class_="text-caption text-medium-emphasis ml-2 wb-takes-count", children=[""]
        )
        super().__init__(
            class_="wb-takes pa-2",
            variant="outlined",
            children=[
                v.CardTitle(class_="text-subtitle-1 d-flex align-center", children=["Takes", self.count]),
                v.Html(
                    tag="div",
                    class_="d-flex flex-wrap wb-takes-filters",
                    children=[self.sort, self.status, self.model, self.since, self.adherence],
                ),
                v.Html(
                    tag="div",
                    class_="d-flex flex-wrap my-1",
                    children=[self.compare_btn, self.review_all_btn],
                ),
                self.list,
                self.player,
            ],
        )

    # -- rendering -------------------------------------------------------------------------------------------

    def render(
        self,
        takes: Sequence[MeasuredTake | Take],
        *,
        empty: str = "No takes yet: press Regenerate video to make one.",
        has_committed: bool = False,
    ) -> None:
        """Show ``takes`` (with their metrics when given as :class:`MeasuredTake`) under the current sort and
        filters; ``empty`` says what to do when there are none (it depends on why)."""
        self.measured = [t if isinstance(t, MeasuredTake) else MeasuredTake(t) for t in takes]
        self.has_committed = has_committed
        self._empty.children = [empty]
        known = {m.take.id for m in self.measured} | ({COMMITTED} if has_committed else set())
        self.selected = [s for s in self.selected if s in known]
        models = sorted({m.take.settings.model for m in self.measured})
        self.model.items = [{"title": "Any model", "value": ""}, *({"title": m, "value": m} for m in models)]
        self._show()

    def _query_changed(self, name: str, value: object) -> None:
        fields = {
            "sort": self.query.sort,
            "status": self.query.status,
            "model": self.query.model,
            "since": self.query.since,
            "min_adherence": self.query.min_adherence,
        }
        fields[name] = value if name != "min_adherence" else float(value or 0.0)  # type: ignore[arg-type]
        self.query = TakeQuery(**fields)  # type: ignore[arg-type]
        self._show()

    def _show(self) -> None:
        shown = query_takes(self.measured, self.query, now=datetime.now(UTC))
        self.takes = [m.take for m in shown]
        if self.playing not in {t.id for t in self.takes}:
            self.playing = None
            self.player.set_url(None)
        items = [self._committed_item()] if self.has_committed and self.measured else []
        items += [self._item(m) for m in shown]
        if not shown:
            hidden = len(self.measured)
            items.append(
                v.Html(
                    tag="div",
                    class_="text-caption pa-2 wb-takes-filtered",
                    children=[f"{hidden} take(s) hidden by the filters above."],
                )
                if hidden
                else self._empty
            )
        self.list.children = items
        self.count.children = [
            f"{len(shown)} of {len(self.measured)}"
            if len(shown) != len(self.measured)
            else str(len(self.measured))
        ]
        self._update_actions()

    def _update_actions(self) -> None:
        self.compare_btn.disabled = len(self.selected) != 2
        pending = self._pending_ids()
        self.review_all_btn.style_ = "" if len(pending) >= 2 else "display:none"
        self.review_all_btn.children = [f"Review {len(pending)} pending side by side"]

    def _pending_ids(self) -> list[str]:
        return [m.take.id for m in self.measured if m.take.status is TakeStatus.PENDING]

    # -- intents ---------------------------------------------------------------------------------------------

    def play(self, take_id: str) -> None:
        take = next(t for t in self.takes if t.id == take_id)
        self.playing = take_id
        self.player.set_url(self._take_url(take))

    def toggle(self, take_id: str, on: bool) -> None:
        """Select a take (or ``COMMITTED``) for comparison; the oldest selection gives way past two."""
        chosen = [s for s in self.selected if s != take_id]
        if on:
            chosen.append(take_id)
        self.selected = chosen[-2:]
        self._show()

    def _checkbox(self, key: str) -> v.Checkbox:
        box = v.Checkbox(
            v_model=key in self.selected,
            density="compact",
            hide_details=True,
            class_="wb-take-select flex-grow-0 flex-shrink-0 mr-1",
            attributes={"title": "Select to compare"},
        )
        box.observe(lambda change, key=key: self.toggle(key, bool(change["new"])), "v_model")
        return box

    def _committed_item(self) -> v.Html:
        return v.Html(
            tag="div",
            class_="wb-take wb-take-committed d-flex align-center py-1",
            attributes={"data-take-id": COMMITTED},
            children=[
                self._checkbox(COMMITTED),
                v.Chip(size="x-small", color="primary", class_="mr-2 flex-shrink-0", children=["committed"]),
                v.Html(tag="span", class_="text-caption", children=["The segment's committed video"]),
            ],
        )

    def _item(self, item: MeasuredTake) -> v.Html:
        take = item.take
        label = take_label(item)
        # worded buttons: a row of bare icons in a narrow panel says nothing until hovered
        play = v.Btn(
            size="x-small",
            variant="text",
            prepend_icon="mdi-play",
            class_="wb-take-play",
            attributes={"title": "Play it here, beside the committed video"},
            children=["Play"],
        )
        play.on_event("click", lambda *_: self.play(take.id))
        use = v.Btn(
            size="x-small",
            variant="text",
            prepend_icon="mdi-tray-arrow-down",
            class_="wb-take-use",
            attributes={"title": "Use these settings: load them into the editor as your draft"},
            children=["Use settings"],
        )
        use.on_event("click", lambda *_: self._on_use_settings(take.id))
        buttons = [play, use]
        if take.status is TakeStatus.PENDING:
            review = v.Btn(
                size="x-small", variant="tonal", color="info", class_="wb-take-review", children=["Review"]
            )
            review.on_event("click", lambda *_: self._on_review(take.id))
            buttons.append(review)
        identical = f" · byte-identical to {', '.join(item.identical_to)}" if item.identical_to else ""
        # two lines, so a narrow panel keeps the label readable: status and label, then metrics and buttons
        return v.Html(
            tag="div",
            class_="wb-take d-flex align-start py-1",
            attributes={"data-take-id": take.id, "data-status": str(take.status)},
            children=[
                self._checkbox(take.id),
                v.Html(
                    tag="div",
                    class_="flex-grow-1",
                    style_="min-width: 0",
                    children=[
                        v.Html(
                            tag="div",
                            class_="d-flex align-center",
                            children=[
                                v.Chip(
                                    size="x-small",
                                    color=_COLOR[take.status],
                                    class_="mr-2 flex-shrink-0",
                                    children=[str(take.status)],
                                ),
                                v.Html(
                                    tag="span",
                                    class_="wb-take-label text-caption text-truncate flex-grow-1",
                                    attributes={"title": label + identical},
                                    style_="min-width: 0",
                                    children=[label],
                                ),
                            ],
                        ),
                        v.Html(
                            tag="div",
                            class_="d-flex flex-wrap align-center",
                            children=[
                                v.Html(
                                    tag="span",
                                    class_="wb-take-badges d-flex flex-wrap mr-1",
                                    children=metrics_badges(item.metrics, identical=bool(item.identical_to)),
                                ),
                                v.Spacer(),
                                *buttons,
                            ],
                        ),
                    ],
                ),
            ],
        )
