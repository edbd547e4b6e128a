"""The workbench's compare-and-decide intents: the preview dialog's A/B and metrics, comparing two takes,
reviewing several together, variants, and "Use these settings". A part of :class:`ReviewWorkbench` kept in
its own module (it only wires the session to the dialogs; the rules live in the session and below)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from workbench.domain.metrics import MeasuredTake
from workbench.domain.models import Take
from workbench.jobs.variants import VariantRun
from workbench.ui.compare_dialog import CompareSide
from workbench.ui.preview_dialog import PreviewView
from workbench.ui.takes_panel import COMMITTED
from workbench.ui.variants_grid import GridEntry

if TYPE_CHECKING:
    from workbench.ui.workbench import ReviewWorkbench

__all__ = ["DecideMixin"]

_JOB_WORDS = {
    "queued": "queued…",
    "running": "generating…",
    "failed": "failed",
    "cancelled": "cancelled",
    "interrupted": "interrupted",
}


class DecideMixin:
    """Mixed into :class:`ReviewWorkbench` (``self`` is the workbench)."""

    def _measured(self: ReviewWorkbench, asset_id: str) -> dict[str, MeasuredTake]:
        return {m.take.id: m for m in self.session.measured_takes(asset_id)}

    def _title_of(self: ReviewWorkbench, asset_id: str) -> str:
        asset = self.session.asset(asset_id)
        return asset.title or asset.id

    # -- the preview dialog ----------------------------------------------------------------------------------

    def preview_view(self: ReviewWorkbench, take: Take) -> PreviewView:
        """Everything the preview dialog shows for ``take``: the committed side's effective settings with their
        provenance, its video for the A/B, and both takes' metrics."""
        session, asset_id = self.session, take.asset_id
        measured = self._measured(asset_id)
        this = measured.get(take.id)
        return PreviewView(
            take=take,
            preview_url=session.preview_url(take),
            segment_title=self._title_of(asset_id),
            committed=session.committed_settings(asset_id),
            committed_url=session.committed_url(asset_id),
            metrics=this.metrics if this else None,
            committed_metrics=session.committed_metrics(asset_id),
            committed_measuring=not session.committed_metrics_known(asset_id),
            identical_to=this.identical_to if this else (),
        )

    async def measure_committed_for(self: ReviewWorkbench, take: Take) -> None:
        """Measure the committed video (one no take made) while the dialog shows ``take``, then show it."""
        metrics = await self.session.measure_committed(take.asset_id)
        self.dialog.set_committed_metrics(take.id, metrics)

    # -- "Use these settings" --------------------------------------------------------------------------------

    def use_settings(self: ReviewWorkbench, take_id: str) -> None:
        take = self.session.store.take(take_id)
        self.session.use_take_settings(take_id)
        if self.selected != take.asset_id:
            self.select(take.asset_id)
        self.field_errors = {}
        self._render_selected(values_too=True)
        self.progress_log.add_note(
            f"Loaded the settings of take {take.created_at[11:19]} ({take.id}) into the editor as your draft: "
            "edit them or press Regenerate video."
        )
        self.progress_log.flush()

    def origins(self: ReviewWorkbench, asset_id: str) -> dict[str, str]:
        """Draft fields loaded from a take, with the take in words for the editor's captions."""
        found = self.session.segment_draft(asset_id).origins
        words: dict[str, str] = {}
        for name, take_id in found.items():
            try:
                take = self.session.store.take(take_id)
                words[name] = f"take {take.created_at[11:19]} ({take_id})"
            except Exception:  # purged meanwhile: still say where it came from
                words[name] = f"take {take_id}"
        return words

    # -- compare two -----------------------------------------------------------------------------------------

    def compare(self: ReviewWorkbench, ids: Sequence[str]) -> None:
        """Two takes of the selected segment (or one and ``COMMITTED``) in step, with what differs."""
        assert self.selected is not None
        session, asset_id = self.session, self.selected
        measured = self._measured(asset_id)
        sides = []
        for key in ids:
            if key == COMMITTED:
                url = session.committed_url(asset_id)
                if url is None:
                    continue
                resolved = session.committed_settings(asset_id)
                made_by = session.committed_take(asset_id)
                sides.append(
                    CompareSide(
                        "Committed",
                        url,
                        resolved.settings,
                        dict(resolved.provenance),
                        session.committed_metrics(asset_id),
                        made_by.id if made_by else None,
                        measuring=not session.committed_metrics_known(asset_id),
                    )
                )
            elif key in measured:
                m = measured[key]
                sides.append(
                    CompareSide(
                        f"take {m.take.created_at[11:19]}",
                        session.preview_url(m.take),
                        m.take.settings,
                        metrics=m.metrics,
                        take_id=m.take.id,
                        detail=f"{m.take.id} · {m.take.status}",
                    )
                )
        if len(sides) != 2:
            self.progress_log.add_note("Select two takes (or a take and the committed video) to compare.")
            return
        fps = max(s.settings.fps for s in sides)
        self.compare_dialog.show(sides, segment_title=self._title_of(asset_id), fps=fps)
        for side in sides:
            if side.measuring:
                self._spawn(self._measure_committed_beside(asset_id, side.url))

    async def _measure_committed_beside(self: ReviewWorkbench, asset_id: str, url: str) -> None:
        self.compare_dialog.set_committed_metrics(url, await self.session.measure_committed(asset_id))

    # -- several together: pending takes, variants -------------------------------------------------------------

    def review_together(self: ReviewWorkbench, take_ids: Sequence[str]) -> None:
        """The given takes of the selected segment in the grid (e.g. every pending one)."""
        assert self.selected is not None
        measured = self._measured(self.selected)
        entries = [
            GridEntry(f"take {measured[t].take.created_at[11:19]}", measured[t])
            for t in take_ids
            if t in measured
        ]
        self.grid.show(entries, segment_title=self._title_of(self.selected))

    def open_variants(self: ReviewWorkbench) -> None:
        assert self.selected is not None
        resolved = self.session.effective(self.selected).settings
        self.variants_dialog.ask(
            title=self._title_of(self.selected),
            directions=resolved.movie_directions,
            models=self._models,
            current_model=resolved.model,
        )

    def plan_variants(self: ReviewWorkbench, kind: str, request: dict[str, Any]) -> list[Any]:
        assert self.selected is not None
        return self.session.plan_variants(self.selected, kind, **request)

    def run_variants(self: ReviewWorkbench, planned: Sequence[Any], include_repeats: bool) -> None:
        assert self.selected is not None
        run = self.session.run_variants(self.selected, planned, include_repeats=include_repeats)
        self.variants_dialog.dismiss()
        self.progress_log.add_note(
            f"Queued {len(run.entries)} variants of {self._title_of(run.asset_id)}: "
            + ", ".join(label for label, _ in run.entries)
            + ". They open together in the grid."
        )
        self.variants_changed(run)
        self._flush()

    def variants_changed(self: ReviewWorkbench, run: VariantRun) -> None:
        """A variant's job moved on: show the grid of its run (opening it, as a preview dialog would open)."""
        if self.grid.is_open and self.grid.run_id not in (None, run.id):
            return  # another run's grid is open: it is not replaced under the researcher's eyes
        measured = {m.take.job_id: m for m in self.session.measured_takes(run.asset_id)}
        entries = []
        for label, job_id in run.entries:
            if job_id in measured:
                entries.append(GridEntry(label, measured[job_id]))
                continue
            try:
                status = str(self.session.runner.handle(job_id).status)
            except Exception:
                status = "queued"
            entries.append(GridEntry(label, None, _JOB_WORDS.get(status, status)))
        self.grid.show(entries, segment_title=self._title_of(run.asset_id), run_id=run.id)

    def refresh_grid(self: ReviewWorkbench) -> None:
        """Takes in the open grid were decided (here or elsewhere): show their new state."""
        ids = [e.take.take.id for e in self.grid.entries if e.take is not None]
        if not ids:
            return
        asset_id = self.grid.entries[0].take.take.asset_id if self.grid.entries[0].take else self.selected
        measured = self._measured(str(asset_id))
        entries = [
            GridEntry(e.label, measured.get(e.take.take.id, e.take)) if e.take is not None else e
            for e in self.grid.entries
        ]
        self.grid.show(entries, segment_title=self._title_of(str(asset_id)), run_id=self.grid.run_id)

    def keep_variant(self: ReviewWorkbench, take_id: str, others: Sequence[str]) -> None:
        """Accept ``take_id`` and reject the other pending takes shown, in one step."""
        self.grid.reject_all_btn.loading = True

        def done(error: BaseException | None) -> None:
            self.grid.reject_all_btn.loading = False
            if error is None:
                self.progress_log.add_note(
                    f"Kept take {take_id} and rejected {len(others)} other(s); they stay in the takes list."
                )
                self.grid.dismiss()
            self.progress_log.flush()

        self._spawn(self.session.decide_variants(take_id, others), done)

    def reject_variants(self: ReviewWorkbench, take_ids: Sequence[str]) -> None:
        async def reject_all() -> None:
            for take_id in take_ids:
                await self.session.reject(take_id)

        def done(error: BaseException | None) -> None:
            if error is None:
                self.grid.dismiss()

        self._spawn(reject_all(), done)
