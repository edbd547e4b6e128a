"""Variants: asking for several takes from one edit, and reviewing them together.

:class:`VariantsDialog` asks what varies (N seeds, alternative directions one per line, or models), shows the
takes that would be made, flags those whose video would only repeat another's before anything runs, and runs
them. :class:`VariantsGrid` plays the resulting takes in step, in a grid, each with the settings that differ
and its metrics; one click keeps a take (accept) and rejects the others (they stay in history).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipyvuetify as v

from workbench.domain.compare import SETTING_LABELS, Column, setting_text, settings_diff
from workbench.domain.metrics import MeasuredTake, metric_text
from workbench.domain.models import TakeStatus
from workbench.domain.variants import MAX_VARIANTS, VariantKind
from workbench.errors import WorkbenchError
from workbench.generation.base import BackendInfo
from workbench.ui.compare_player import ComparePlayer, CompareSource
from workbench.ui.metrics_view import adherence_list, metrics_badges

__all__ = ["GridEntry", "VariantsDialog", "VariantsGrid"]

_KINDS = {
    VariantKind.SEEDS: "Seeds",
    VariantKind.DIRECTIONS: "Directions, one per line",
    VariantKind.MODELS: "Models",
}


def _stop_keys(widget: v.VuetifyWidget) -> v.VuetifyWidget:
    widget.on_event("keydown.stop", lambda *_: None)
    return widget


class VariantsDialog(v.Dialog):
    """Ask for variants of the selected segment's draft (see the module docstring)."""

    def __init__(
        self,
        *,
        on_plan: Callable[[str, dict[str, Any]], Sequence[Any]],
        on_run: Callable[[Sequence[Any], bool], None],
    ) -> None:
        self._on_plan = on_plan
        self._on_run = on_run
        self.planned: list[Any] = []
        self.heading = v.CardTitle(class_="wb-variants-title", children=["Variants"])
        self.kind = v.BtnToggle(
            v_model=str(VariantKind.SEEDS),
            mandatory=True,
            density="compact",
            variant="outlined",
            class_="wb-variants-kind mb-3",
            children=[
                v.Btn(value=str(kind), size="small", class_=f"wb-variants-kind-{kind}", children=[label])
                for kind, label in _KINDS.items()
            ],
        )
        self.count = _stop_keys(
            v.TextField(
                v_model="3",
                type="number",
                label=f"How many seeds (2-{MAX_VARIANTS})",
                density="compact",
                variant="outlined",
                class_="wb-variants-count",
                hide_details="auto",
            )
        )
        self.lines = _stop_keys(
            v.Textarea(
                v_model="",
                label="Alternative directions, one per line",
                rows=4,
                auto_grow=True,
                variant="outlined",
                class_="wb-variants-lines",
                hide_details="auto",
            )
        )
        self.models = v.Select(
            v_model=[],
            label="Models to compare",
            items=[],
            item_title="title",
            item_value="value",
            multiple=True,
            chips=True,
            density="compact",
            variant="outlined",
            class_="wb-variants-models",
            hide_details="auto",
        )
        self.inputs = v.Html(tag="div", class_="wb-variants-inputs", children=[self.count])
        self.plan = v.Html(tag="div", class_="wb-variants-plan mt-2", children=[])
        self.repeats = v.Checkbox(
            v_model=False,
            label="Also run the repeats",
            density="compact",
            hide_details=True,
            class_="wb-variants-repeats",
        )
        self.run_btn = v.Btn(
            color="primary",
            variant="flat",
            class_="wb-variants-run",
            prepend_icon="mdi-play",
            children=["Run"],
        )
        cancel = v.Btn(variant="text", class_="wb-variants-cancel", children=["Cancel"])
        cancel.on_event("click", lambda *_: self.dismiss())
        self.run_btn.on_event("click", lambda *_: self._run())
        self.kind.observe(lambda _change: self._kind_changed(), "v_model")
        for widget in (self.count, self.lines, self.models):
            widget.observe(lambda _change: self.check(), "v_model")
        self.repeats.observe(lambda _change: self._update_run(), "v_model")
        super().__init__(
            v_model=False,
            max_width=720,
            scrollable=True,
            class_="wb-variants-dialog",
            children=[
                v.Card(
                    class_="wb-variants-card",
                    children=[
                        self.heading,
                        v.CardText(
                            children=[
                                v.Html(
                                    tag="div",
                                    class_="text-caption mb-2",
                                    children=[
                                        "Several takes from this edit, queued together and reviewed side by side. "
                                        "Everything else comes from the editor."
                                    ],
                                ),
                                self.kind,
                                self.inputs,
                                self.plan,
                            ]
                        ),
                        v.CardActions(children=[self.repeats, v.Spacer(), cancel, self.run_btn]),
                    ],
                )
            ],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def ask(self, *, title: str, directions: str, models: Sequence[BackendInfo], current_model: str) -> None:
        with self.hold_sync():
            self.heading.children = [f"Variants · {title}"]
            self.lines.v_model = directions
            self.models.items = [{"title": m.label, "value": m.name} for m in models]
            self.models.v_model = [current_model]
            self.v_model = True
        self.check()

    def request(self) -> tuple[str, dict[str, Any]]:
        kind = str(self.kind.v_model)
        if kind == VariantKind.SEEDS:
            try:
                count = int(float(self.count.v_model or 0))
            except ValueError:
                count = 0
            return kind, {"count": count}
        if kind == VariantKind.DIRECTIONS:
            return kind, {"lines": str(self.lines.v_model or "")}
        return kind, {"models": list(self.models.v_model or [])}

    def _kind_changed(self) -> None:
        kind = str(self.kind.v_model)
        self.inputs.children = [
            {
                VariantKind.SEEDS: self.count,
                VariantKind.DIRECTIONS: self.lines,
                VariantKind.MODELS: self.models,
            }[VariantKind(kind)]
        ]
        self.check()

    def check(self) -> None:
        """Plan the variants now (validated, repeats flagged) and show them; nothing runs."""
        kind, request = self.request()
        try:
            self.planned = list(self._on_plan(kind, request))
        except WorkbenchError as exc:
            self.planned = []
            self.plan.children = [
                v.Alert(
                    type="error",
                    variant="tonal",
                    density="compact",
                    class_="wb-variants-error",
                    text=exc.message,
                )
            ]
            self._update_run()
            return
        rows = []
        for i, p in enumerate(self.planned):
            repeat = p.same_as is not None
            rows.append(
                v.Html(
                    tag="li",
                    class_="wb-variant-planned"
                    + (" wb-variant-repeat text-medium-emphasis" if repeat else ""),
                    attributes={"data-repeat": str(repeat).lower()},
                    children=[f"{i + 1}. {p.label}" + (f" — {p.why}" if repeat else "")],
                )
            )
        repeats = sum(1 for p in self.planned if p.same_as is not None)
        notes = (
            [
                v.Alert(
                    type="warning",
                    variant="tonal",
                    density="compact",
                    class_="wb-variants-repeats-note mb-2",
                    text=f"{repeats} of these would render a video identical to another one: they are left out "
                    "unless you tick “Also run the repeats”.",
                )
            ]
            if repeats
            else []
        )
        self.plan.children = [
            *notes,
            v.Html(tag="ul", class_="text-body-2 ml-2", style_="list-style:none", children=rows),
        ]
        self._update_run()

    def _chosen(self) -> list[Any]:
        return [p for p in self.planned if self.repeats.v_model or p.same_as is None]

    def _update_run(self) -> None:
        n = len(self._chosen())
        self.run_btn.disabled = n < 1
        self.run_btn.children = [f"Run {n} variant{'s' if n != 1 else ''}"]

    def _run(self) -> None:
        if self._chosen():
            self._on_run(self.planned, bool(self.repeats.v_model))

    def dismiss(self) -> None:
        self.v_model = False


@dataclass(frozen=True)
class GridEntry:
    """One variant in the grid: its label, and its take once made (else what is happening: queued, failed…)."""

    label: str
    take: MeasuredTake | None = None
    state: str = ""


class VariantsGrid(v.Dialog):
    """Review several takes of one segment together: in step, side by side, keep one and reject the rest."""

    def __init__(
        self,
        *,
        take_url: Callable[[Any], str],
        on_keep: Callable[[str, list[str]], None],
        on_reject_all: Callable[[list[str]], None],
        on_use_settings: Callable[[str], None] = lambda _take_id: None,
    ) -> None:
        self._take_url = take_url
        self._on_keep = on_keep
        self._on_reject_all = on_reject_all
        self._on_use_settings = on_use_settings
        self.entries: list[GridEntry] = []
        self.run_id: str | None = None
        self.heading = v.CardTitle(class_="wb-grid-title", children=["Variants"])
        self.player = ComparePlayer(placeholder="The variants are being made…")
        self.cards = v.Html(tag="div", class_="wb-grid-cards mt-2", children=[])
        self.reject_all_btn = v.Btn(
            variant="outlined", color="error", class_="wb-grid-reject-all", children=["Reject all"]
        )
        self.reject_all_btn.on_event("click", lambda *_: self._on_reject_all(self.pending_ids()))
        later = v.Btn(variant="text", class_="wb-grid-later", children=["Decide later"])
        later.on_event("click", lambda *_: self.dismiss())
        super().__init__(
            v_model=False,
            persistent=True,
            max_width=1400,
            scrollable=True,
            class_="wb-grid-dialog",
            children=[
                v.Card(
                    class_="wb-grid-card",
                    children=[
                        self.heading,
                        v.CardText(children=[self.player, self.cards]),
                        v.CardActions(children=[later, v.Spacer(), self.reject_all_btn]),
                    ],
                )
            ],
        )

    @property
    def is_open(self) -> bool:
        return bool(self.v_model)

    def pending_ids(self) -> list[str]:
        return [e.take.take.id for e in self.entries if e.take and e.take.take.status is TakeStatus.PENDING]

    def show(self, entries: Sequence[GridEntry], *, segment_title: str, run_id: str | None = None) -> None:
        self.entries = list(entries)
        self.run_id = run_id
        made = [e for e in self.entries if e.take is not None]
        columns = min(max(len(self.entries), 1), 4)
        with self.hold_sync():
            self.heading.children = [f"Variants · {segment_title} · {len(made)} of {len(self.entries)} ready"]
            fps = made[0].take.take.settings.fps if made else 24  # type: ignore[union-attr]
            self.player.columns = columns
            self.player.show(
                [
                    CompareSource(
                        self._take_url(e.take.take), e.label, css=f"wb-grid-video wb-grid-video-{i}"
                    )  # type: ignore[union-attr]
                    for i, e in enumerate(made)
                ],
                fps=fps,
            )
            settings = [Column(e.label, e.take.take.settings) for e in made]  # type: ignore[union-attr]
            differing = {row.name for row in settings_diff(settings)} if len(settings) > 1 else set()
            ordered = made + [e for e in self.entries if e.take is None]
            self.cards.style_ = (
                f"display:grid;gap:8px;grid-template-columns:repeat({columns}, minmax(0, 1fr))"
            )
            self.cards.children = [self._card(e, differing) for e in ordered]
            self.reject_all_btn.disabled = not self.pending_ids()
            self.v_model = True

    def _card(self, entry: GridEntry, differing: set[str]) -> v.Card:
        if entry.take is None:
            return v.Card(
                variant="outlined",
                class_="wb-grid-variant wb-grid-waiting pa-2",
                children=[
                    v.Html(
                        tag="div",
                        class_="text-subtitle-2 text-truncate",
                        attributes={"title": entry.label},
                        children=[entry.label],
                    ),
                    v.Html(tag="div", class_="text-caption", children=[entry.state or "waiting…"]),
                    v.ProgressLinear(indeterminate=not entry.state.startswith("failed"), class_="mt-1"),
                ],
            )
        take, metrics = entry.take.take, entry.take.metrics
        facts = [
            f"{SETTING_LABELS[name]}: {setting_text(name, getattr(take.settings, name))}"
            for name in sorted(differing)
        ]
        buttons = []
        if take.status is TakeStatus.PENDING:
            keep = v.Btn(
                size="small",
                color="success",
                variant="flat",
                prepend_icon="mdi-check",
                class_="wb-grid-keep",
                children=["Keep this, reject the others"],
            )
            others = [t for t in self.pending_ids() if t != take.id]
            keep.on_event("click", lambda *_, take_id=take.id, rest=others: self._on_keep(take_id, rest))
            buttons.append(keep)
        use = v.Btn(size="small", variant="text", class_="wb-grid-use", children=["Use settings"])
        use.on_event("click", lambda *_, take_id=take.id: self._on_use_settings(take_id))
        buttons.append(use)
        return v.Card(
            variant="outlined",
            class_="wb-grid-variant pa-2",
            attributes={"data-take-id": take.id, "data-status": str(take.status)},
            children=[
                v.Html(
                    tag="div",
                    class_="d-flex align-center",
                    children=[
                        v.Html(
                            tag="div",
                            class_="text-subtitle-2 text-truncate flex-grow-1",
                            attributes={"title": f"{entry.label} · {take.settings.movie_directions}"},
                            style_="min-width:0",
                            children=[entry.label],
                        ),
                        v.Chip(size="x-small", class_="ml-1", children=[str(take.status)]),
                    ],
                ),
                *[
                    v.Html(
                        tag="div",
                        class_="text-caption text-truncate wb-grid-setting",
                        attributes={"title": f},
                        children=[f],
                    )
                    for f in facts
                ],
                v.Html(
                    tag="div",
                    class_="d-flex flex-wrap my-1",
                    children=metrics_badges(metrics, identical=bool(entry.take.identical_to)),
                ),
                v.Html(
                    tag="div",
                    class_="text-caption",
                    children=[
                        f"motion {metric_text(metrics, 'motion_amount')} · sharpness {metric_text(metrics, 'sharpness')}"
                    ],
                ),
                adherence_list(metrics),
                v.Html(tag="div", class_="d-flex flex-wrap mt-1", children=buttons),
            ],
        )

    def dismiss(self) -> None:
        self.v_model = False
        self.player.show([])
