"""The review workbench: segment table, editor form, committed player, takes, progress log, preview dialog.

It wires widgets to a :class:`LectureSession`: widget intents call the session; session changes (its own,
job events, and commits made by other processes) mark the rows and panels they touch, and one coalesced
flush re-renders only those. Every callback is guarded: an error raised while handling a click is shown in
the progress log in words, never lost in a hidden console.

When its kernel is gone (restarted, shut down, crashed), the workbench says so in place, greys out its dead
controls, and tells how to get a live one back (see ``_CSS`` and ``kernel_watch.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import ipyvuetify as v

from workbench.domain.models import SettingSource, Take
from workbench.errors import REGENERATE_STARTING_IMAGE, WorkbenchError
from workbench.jobs.events import Event, EventType
from workbench.session import LectureSession, SessionChange
from workbench.ui.compare_dialog import CompareDialog
from workbench.ui.decide import DecideMixin
from workbench.ui.editor_form import EditorForm, EditorState
from workbench.ui.image_review import ImageReview
from workbench.ui.kernel_watch import KernelWatch
from workbench.ui.live_frame import LiveFrame
from workbench.ui.media import VideoView
from workbench.ui.preview_dialog import PreviewDialog
from workbench.ui.progress_log import ProgressLog
from workbench.ui.segment_table import PAGE_SIZE, SegmentTable
from workbench.ui.takes_panel import TakesPanel
from workbench.ui.variants_grid import VariantsDialog, VariantsGrid

__all__ = ["ReviewWorkbench"]

#: How many journaled events the progress log shows when the workbench opens.
HISTORY_ENTRIES = 50

# ipywidgets puts ``jupyter-widgets-disconnected`` on a widget's output when its kernel restarts, and our
# KernelWatch puts ``wb-kernel-gone`` on the workbench when the kernel stops answering (shut down, crashed);
# no kernel code runs then, so the disconnected state is CSS shipped with the widget.
_CSS = """
.wb-workbench .wb-disconnected { display: none !important; }
.jupyter-widgets-disconnected .wb-workbench .wb-disconnected,
.wb-workbench.wb-kernel-gone .wb-disconnected { display: grid !important; }
.jupyter-widgets-disconnected .wb-workbench .wb-live, .wb-workbench.wb-kernel-gone .wb-live {
  opacity: 0.45; filter: grayscale(0.8); pointer-events: none; user-select: none;
}
body:has(.jupyter-widgets-disconnected .wb-workbench) :is(.wb-preview-card, .wb-image-preview-card),
body:has(.wb-workbench.wb-kernel-gone) :is(.wb-preview-card, .wb-image-preview-card) {
  opacity: 0.45; pointer-events: none;
}
/* A model's name is a sentence ("Camera moves on the starting image (local, no GPU)"): wrap, never cut. */
.wb-workbench .wb-model .v-select__selection-text { white-space: normal; overflow: visible; }
.wb-workbench .wb-model .v-select__selection { max-width: 100%; }
"""

_DISCONNECTED = (
    "The kernel behind it was restarted, shut down or stopped answering, so these buttons and fields do "
    "nothing now. To get a live workbench, run the notebook again (Run ▸ Run All Cells, or just the cell that "
    "opens it): your drafts are saved in the store and come back, and previews awaiting review re-open. "
    "If a long cell is still running, wait: this clears itself when the kernel answers again."
)

_STATUS_LINE = {
    "needs starting image": f"Needs a starting image before it can be regenerated. {REGENERATE_STARTING_IMAGE}",
    "generating": "Being regenerated in another session.",
    "preview pending": "A preview awaits review: open it from Takes.",
    "no video": "No committed video yet.",
    "ready": "Ready: no job running for this segment.",
}


#: Seconds of quiet typing before the storyboard is drawn.
STORYBOARD_DELAY_S = 0.3
#: Storyboards kept for settings seen before (each about 100 kB).
STORYBOARDS_KEPT = 32


class ReviewWorkbench(DecideMixin, v.Container):
    def __init__(
        self,
        session: LectureSession,
        *,
        media_problem: str | None = None,
        refresh_delay_s: float = 0.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.session = session
        self.refresh_delay_s = refresh_delay_s
        usable = [
            a.id for a in session.committed.videos if a.damage is None
        ]  # a damaged one cannot be edited
        self.selected: str | None = usable[0] if usable else None
        self.field_errors: dict[str, str] = {}
        self._models = tuple(session.runner.registry.infos())
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flush_handle: asyncio.Handle | None = None
        self._dirty_rows: set[str] = set()
        self._dirty_all = False
        self._dirty_editor = False
        self._dirty_media = False
        self._values_too = False
        self._check_cache: tuple[Any, tuple[tuple[str, ...], str]] | None = None
        self._extras: dict[str, tuple[str, ...]] = {}
        self._storyboard_handle: asyncio.TimerHandle | None = None
        self._storyboards: dict[tuple[Any, ...], tuple[bytes | None, tuple[str, ...]]] = {}
        #: Renders done, by part (for tests and the scale benchmark: work must follow what changed).
        self.renders = {"table": 0, "editor": 0, "media": 0}

        self.progress_log = ProgressLog()
        self.table = SegmentTable(on_select=self._guard(self.select), page_size=page_size)
        self.editor = EditorForm(
            on_edit=self._guard(self.edit),
            on_regenerate=self._guard(self.regenerate),
            on_cancel=self._guard(self.cancel),
            on_reset=self._guard(self.reset),
            on_upload=self._guard(self.upload),
            on_refused=lambda message: self.progress_log.add_error(message),
            on_resolve=self._guard(self.resolve),
            on_variants=self._guard(self.open_variants),
        )
        self.images = ImageReview(
            session,
            upload=self.editor.upload,
            log=self.progress_log,
            guard=self._guard,
            spawn=self._spawn,
            selected=lambda: self.selected,
            on_regenerate_video=self.regenerate,
            on_changed=self._flush,
        )
        self.editor.use_image_section(self.images.panel)
        self.player = VideoView(
            css_class="wb-committed-player",
            placeholder="No committed video yet: regenerate, then accept a preview.",
        )
        self.takes = TakesPanel(
            on_review=self._guard(self.review),
            take_url=session.preview_url,
            on_use_settings=self._guard(self.use_settings),
            on_compare=self._guard(self.compare),
            on_review_all=self._guard(self.review_together),
        )
        self.dialog = PreviewDialog(
            on_accept=self._guard(self.accept),
            on_reject=self._guard(self.reject),
            on_use_settings=self._guard(self.use_settings),
        )
        self.compare_dialog = CompareDialog(on_use_settings=self._guard(self.use_settings))
        self.variants_dialog = VariantsDialog(
            on_plan=self.plan_variants, on_run=self._guard(self.run_variants)
        )
        self.grid = VariantsGrid(
            take_url=session.preview_url,
            on_keep=self._guard(self.keep_variant),
            on_reject_all=self._guard(self.reject_variants),
            on_use_settings=self._guard(self.use_settings),
        )
        self.notice = v.Alert(
            v_model=False,
            type="info",
            variant="tonal",
            density="compact",
            closable=True,
            class_="wb-notice mb-2",
            text="",
        )
        disconnected = v.Alert(
            type="error",
            variant="tonal",
            prominent=True,
            icon="mdi-lan-disconnect",
            class_="wb-disconnected mb-2",
            title="This workbench is disconnected from its kernel",
            text=_DISCONNECTED,
        )
        banner = (
            [v.Alert(type="warning", variant="tonal", class_="wb-media-problem mb-2", text=media_problem)]
            if media_problem
            else []
        )
        header = v.Html(
            tag="div",
            class_="d-flex align-center mb-2",
            children=[
                v.Html(tag="div", class_="text-h6 wb-lecture-title", children=[session.committed.title]),
                v.Spacer(),
                v.Html(
                    tag="div",
                    class_="text-caption text-medium-emphasis",
                    children=[f"{session.store.root} · {session.store.user}"],
                ),
            ],
        )
        committed = v.Card(
            class_="wb-committed pa-2",
            variant="outlined",
            children=[v.CardTitle(class_="text-subtitle-1", children=["Committed video"]), self.player],
        )
        live = v.Html(
            tag="div",
            class_="wb-live",
            children=[
                *banner,
                header,
                self.notice,
                self.table,
                v.Row(
                    class_="mt-1",
                    children=[
                        v.Col(cols=12, md=7, children=[self.editor]),
                        v.Col(
                            cols=12,
                            md=5,
                            children=[
                                committed,
                                v.Html(tag="div", class_="mt-3", children=[self.progress_log]),
                                v.Html(tag="div", class_="mt-3", children=[self.takes]),
                            ],
                        ),
                    ],
                ),
            ],
        )
        super().__init__(
            fluid=True,
            class_="wb-workbench",
            children=[
                v.Html(tag="style", children=[_CSS]),
                KernelWatch(),
                disconnected,
                live,
                self.dialog,
                self.images.dialog,
                self.compare_dialog,
                self.variants_dialog,
                self.grid,
            ],
        )
        session.runner.bus.on_callback_error = lambda exc, event: self.progress_log.add_error(
            f"A display update failed while handling {event.type}.", f"{type(exc).__name__}: {exc}"
        )
        for event in session.history(limit=HISTORY_ENTRIES):
            self.progress_log.add_event(event, segment=self._title(event.asset_id))
        for problem in session.problems:
            self.progress_log.add_error(problem)
        drafted = [s for s in session.segments() if s.has_draft]
        if drafted:
            self.progress_log.add_note(
                f"Restored your drafts for {len(drafted)} segment(s): "
                + ", ".join(s.label for s in drafted[:3])
                + (", …" if len(drafted) > 3 else "")
                + "."
            )
        self._unsubscribe = session.subscribe(self._on_change)
        self._unlisten = session.on_event(self._on_event)
        self.table.set_segments(session.segments(), self.selected)
        self.renders["table"] += 1
        self._render_selected(values_too=True)
        self.progress_log.flush()
        pending = session.pending_previews()
        if pending:  # after a kernel restart the dialog re-opens for what still awaits review
            self.progress_log.add_note(f"{len(pending)} preview(s) await review.")
            self.review(pending[-1].id)
        elif waiting := self.images.reopen_pending():
            self.progress_log.add_note(f"{waiting} starting-image preview(s) await review.")
        if self.selected is not None:  # the segment in front of the researcher: its next take measures faster
            session.prepare_to_compare(self.selected)

    def close(self) -> None:
        if hasattr(self, "_unsubscribe"):
            self._unsubscribe()
            self._unlisten()
        super().close()

    def live_table(self, columns: list[str] | None = None, *, max_rows: int = 20) -> LiveFrame:
        """The segments as a pandas table that stays current (for the notebook cell under the workbench)."""
        return LiveFrame(self.session, columns=columns, max_rows=max_rows)

    # -- guarding --------------------------------------------------------------------------------------------

    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any) -> Any:
            try:
                return fn(*args)
            except WorkbenchError as exc:
                self.progress_log.add_error(exc.message, exc.detail)
            except Exception as exc:
                self.progress_log.add_error(
                    "Something went wrong while handling that action.", f"{type(exc).__name__}: {exc}"
                )
            return None

        return guarded

    def _spawn(
        self, coro: Awaitable[Any], on_done: Callable[[BaseException | None], None] | None = None
    ) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            error = None if t.cancelled() else t.exception()
            if isinstance(error, WorkbenchError):
                self.progress_log.add_error(error.message, error.detail)
            elif error is not None:
                self.progress_log.add_error(
                    "Something went wrong while handling that action.", f"{type(error).__name__}: {error}"
                )
            if on_done is not None:
                on_done(error)

        task.add_done_callback(finished)

    # -- intents ---------------------------------------------------------------------------------------------

    def select(self, asset_id: str) -> None:
        self.session.asset(asset_id)
        self.selected = asset_id
        self.field_errors = {}
        self.images.reset()
        if self.session.recheck_starting_image(asset_id):  # its file may have gone (or come back)
            self.table.update([self.session.segment(asset_id)])
        self.table.show_selected(asset_id)
        self._render_selected(values_too=True)
        self.session.prepare_to_compare(asset_id)  # its next take's measurement then decodes nothing

    def edit(self, name: str, text: str) -> None:
        assert self.selected is not None
        value: str | None = text
        if name != "movie_directions" and not text.strip():
            value = None  # an emptied field falls back to the next layer of precedence
        try:
            self.session.edit(self.selected, **{name: value})
        except WorkbenchError as exc:
            self.field_errors[name] = exc.message
        else:
            self.field_errors.pop(name, None)
        self._dirty_editor = True
        self._flush()  # at once: the field's caption and error follow the keystroke

    def reset(self) -> None:
        assert self.selected is not None
        self.field_errors = {}
        self.images.reset()
        self.session.discard_draft(self.selected)
        self._render_selected(values_too=True)

    def resolve(self, keep_mine: bool) -> None:
        """The conflict alert's buttons: keep my draft values, or take the committed ones."""
        assert self.selected is not None
        if keep_mine:
            self.session.keep_my_edits(self.selected)
        else:
            self.field_errors = {}
            self.session.use_committed(self.selected)
            self._values_too = True
        self._flush()

    def regenerate(self) -> None:
        assert self.selected is not None
        handle = self.session.regenerate(self.selected)
        for warning in handle.warnings:
            self.progress_log.add_note(f"Directions: {warning}")
        self._flush()  # disable Regenerate and show Cancel before the next click can land

    def cancel(self) -> None:
        assert self.selected is not None
        if not self.session.cancel(self.selected):
            self.progress_log.add_note("Nothing to cancel: the job already finished generating.")

    def upload(self, name: str, data: bytes) -> None:
        assert self.selected is not None
        self.session.replace_starting_image(self.selected, data)
        self.progress_log.add_note(f"Starting image replaced with {name}. Regenerate to use it.")
        self._flush()

    def review(self, take_id: str) -> None:
        take = self.session.store.take(take_id)
        if take.lecture_id != self.session.lecture_id:
            return
        if self.selected != take.asset_id:
            self.select(take.asset_id)
        view = self.preview_view(take)
        self.dialog.show(view)
        if view.committed_measuring:
            self._spawn(self.measure_committed_for(take))

    def accept(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.accept(take_id), self._decided)

    def reject(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.reject(take_id), self._decided)

    def _decided(self, error: BaseException | None) -> None:
        if error is None:
            self.dialog.dismiss()
        else:
            self.dialog.set_busy(False)

    # -- session changes and events --------------------------------------------------------------------------

    def _on_event(self, event: Event, external: bool) -> None:
        self.progress_log.add_event(event, segment=self._title(event.asset_id), external=external)
        self.images.on_event(event, external)
        run = self.session.variant_run_of(event.job_id)
        if run is not None:
            self.variants_changed(run)  # variants are reviewed together, in the grid
        elif event.type is EventType.VIDEO_PREVIEW and not external:
            self.review(str(event.payload["take_id"]))
        elif event.type in (EventType.VIDEO_COMPLETE, EventType.VIDEO_REJECTED) and self.grid.is_open:
            self.refresh_grid()
        shown = self.preview_take()
        decided = event.type in (EventType.VIDEO_COMPLETE, EventType.VIDEO_REJECTED)
        if external and decided and shown is not None and shown.id == event.payload.get("take_id"):
            self.dialog.dismiss()  # decided elsewhere: its Accept and Reject can no longer do anything

    def _on_change(self, change: SessionChange) -> None:
        if change.kind == "problem":
            if change.message:
                self.progress_log.add_error(change.message)
            return
        if change.message:
            self._notify(change.message)
        if not change.asset_ids:
            self._dirty_all = True
        else:
            self._dirty_rows |= change.asset_ids
        if self.selected is not None and (not change.asset_ids or self.selected in change.asset_ids):
            self._dirty_editor = True
            if change.kind != "draft":
                self._dirty_media = True
            if change.kind in ("committed", "project"):
                self._values_too = True  # settings committed elsewhere show in the fields (drafts still win)
        self._schedule_flush()

    def _notify(self, message: str) -> None:
        self.notice.text = message
        self.notice.type = "warning" if "conflict" in message or "differs" in message else "info"
        self.notice.v_model = True
        self.progress_log.add_note(message)

    def _title(self, asset_id: str) -> str:
        with contextlib.suppress(WorkbenchError):
            asset = self.session.asset(asset_id)
            return asset.title or asset.id
        return asset_id

    # -- rendering -------------------------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        """Coalesce: every change of this loop turn shares one render, right after it."""
        if self._flush_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush()
            return
        if self.refresh_delay_s > 0:
            self._flush_handle = loop.call_later(self.refresh_delay_s, self._flush)
        else:
            self._flush_handle = loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Render what the changes since the last flush touched, and nothing else."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        session = self.session
        if self._dirty_all:
            self._dirty_all = False
            self._dirty_rows.clear()
            self.table.set_segments(session.segments())
            self.renders["table"] += 1
        elif self._dirty_rows:
            rows, self._dirty_rows = self._dirty_rows, set()
            self.table.update(session.summaries(rows))
            self.renders["table"] += 1
        if self.selected is not None and (self._dirty_editor or self._dirty_media):
            values_too, media = self._values_too, self._dirty_media
            self._dirty_editor = self._dirty_media = self._values_too = False
            self._render_editor(values_too=values_too, committed_only=True)
            if media:
                self._render_media()
        self.progress_log.flush()

    def refresh(self, *, values_too: bool = False) -> None:
        """Re-render everything from the session (inputs too when ``values_too``)."""
        self._dirty_all = True
        self._flush()
        if self.selected is not None:
            self._render_selected(values_too=values_too)

    def _render_selected(self, *, values_too: bool) -> None:
        if self.selected is None:
            return
        self._render_editor(values_too=values_too)
        self._render_media()
        self.progress_log.flush()

    def _render_editor(self, *, values_too: bool, committed_only: bool = False) -> None:
        """``committed_only``: rewrite just the inputs whose value comes from the commit, never the user's edits
        (a commit from elsewhere must not fight the keystrokes of someone typing in that segment)."""
        assert self.selected is not None
        state = self._editor_state(self.selected)
        only = (
            {n for n, src in state.sources.items() if src is not SettingSource.OVERRIDE}
            if committed_only
            else None
        )
        self.editor.render(state, values_too=values_too, only=only)
        self.images.render(values_too=values_too and not committed_only)
        self.renders["editor"] += 1
        self._schedule_storyboard()

    def _render_media(self) -> None:
        """The selected segment's committed player, takes and status line."""
        assert self.selected is not None
        session, asset_id = self.session, self.selected
        summary = session.segment(asset_id)
        self.player.set_url(session.committed_url(asset_id))
        if summary.thumbnail_url is None:
            empty = "No takes yet. This segment needs a starting image before it can be regenerated."
        elif summary.status == "generating":
            empty = "No takes yet: the first one is being generated."
        else:
            empty = "No takes yet: press Regenerate video to make one."
        self.takes.render(
            session.measured_takes(asset_id),
            empty=empty,
            has_committed=session.asset(asset_id).path is not None,
        )
        self.progress_log.show_status_of(
            asset_id, title=summary.label, fallback=_STATUS_LINE.get(summary.status, "")
        )
        self.renders["media"] += 1

    def _editor_state(self, asset_id: str) -> EditorState:
        session = self.session
        resolved = session.effective(asset_id)
        summary = session.segment(asset_id)
        asset = session.asset(asset_id)
        values = {k: str(val) for k, val in resolved.settings.to_dict().items()}
        warnings: tuple[str, ...] = ()
        plan = ""
        if "movie_directions" not in self.field_errors:
            warnings, plan = self._check(resolved.settings, asset.starting_image_id)
        extra_inputs = self._extra_inputs(resolved.settings.model)
        problem = None
        if summary.thumbnail_url is None:
            problem = (
                "This segment never had a starting image."
                if asset.starting_image_id is None
                else "Its starting image file is missing from the store."
            )
        return EditorState(
            asset_id=asset_id,
            title=asset.title,
            values=values,
            sources=resolved.provenance,
            models=self._models,
            warnings=warnings,
            plan_summary=plan,
            extra_inputs=extra_inputs,
            image_url=summary.thumbnail_url,
            image_problem=problem,
            busy=session.busy(asset_id),
            errors=dict(self.field_errors),
            has_draft=summary.has_draft,
            same_as_committed=session.same_as_committed(asset_id),
            conflicts=session.conflicts(asset_id),
            origins=self.origins(asset_id),
        )

    def _extra_inputs(self, model: str) -> tuple[str, ...]:
        """The model's other inputs, one line each (hosted models list them; cached per model)."""
        if model not in self._extras:
            lines: tuple[str, ...] = ()
            registry = self.session.runner.registry
            extras = getattr(registry.get(model), "extra_inputs", None) if model in registry else None
            if callable(extras):
                with contextlib.suppress(WorkbenchError):
                    lines = tuple(item.line for item in extras())
            self._extras[model] = lines
        return self._extras[model]

    def _check(self, settings: Any, image_id: str | None) -> tuple[tuple[str, ...], str]:
        """The model's warnings and plan for these settings (cached: re-renders with the same settings are free)."""
        key = (settings, image_id)
        if self._check_cache is not None and self._check_cache[0] == key:
            return self._check_cache[1]
        registry = self.session.runner.registry
        warnings: tuple[str, ...] = ()
        plan = ""
        if settings.model in registry:
            backend = registry.get(settings.model)
            image = self.session.committed.starting_image(image_id)
            regions = dict(image.regions) if image else None
            try:
                warnings = tuple(backend.check(settings, regions))
            except (
                WorkbenchError
            ) as exc:  # e.g. a hosted model whose token is not set: say so before Regenerate
                warnings = (exc.message,)
            describe = getattr(backend, "describe", None)  # optional: models that can explain their reading
            if callable(describe):
                with contextlib.suppress(WorkbenchError):
                    plan = str(describe(settings, regions))
        self._check_cache = (key, (warnings, plan))
        return warnings, plan

    def _schedule_storyboard(self) -> None:
        """Draw the selected segment's storyboard once typing pauses, off the event loop (drawn boards are kept,
        so going back to earlier settings shows one at once)."""
        if self._storyboard_handle is not None:
            self._storyboard_handle.cancel()
            self._storyboard_handle = None
        key = self._storyboard_key()
        if key is None:
            self.editor.storyboard.show(None)
            return
        if key in self._storyboards:
            self.editor.storyboard.show(*self._storyboards[key])
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a script building widgets): nothing to schedule on
        self._storyboard_handle = loop.call_later(STORYBOARD_DELAY_S, self._draw_storyboard, key)

    def _storyboard_key(self) -> tuple[Any, ...] | None:
        if self.selected is None or "movie_directions" in self.field_errors:
            return None
        session = self.session
        settings = session.effective(self.selected).settings
        registry = session.runner.registry
        backend = registry.get(settings.model) if settings.model in registry else None
        image = session.committed.starting_image(session.asset(self.selected).starting_image_id)
        if image is None or not callable(getattr(backend, "storyboard", None)):
            return None
        return (settings, image.id, image.path, tuple(sorted(image.regions.items())))

    def _draw_storyboard(self, key: tuple[Any, ...]) -> None:
        self._storyboard_handle = None
        settings, image_id, image_path, regions = key
        backend = self.session.runner.registry.get(settings.model)
        path = self.session.store.media_path(image_path)
        image = self.session.committed.starting_image(image_id)
        size = (image.width, image.height) if image is not None else None

        def plan() -> tuple[bytes | None, tuple[str, ...]]:
            """The board, and what the image's size does to the plan (a move with no room to be seen…)."""
            png = backend.storyboard(settings, path, dict(regions))
            limits = getattr(backend, "path_warnings", None)
            notes = tuple(limits(settings, dict(regions), size)) if callable(limits) and size else ()
            return png, notes

        async def draw() -> None:
            loop = asyncio.get_running_loop()
            try:
                drawn = await loop.run_in_executor(None, plan)
            except WorkbenchError:
                drawn = (None, ())
            self._storyboards[key] = drawn
            while len(self._storyboards) > STORYBOARDS_KEPT:
                self._storyboards.pop(next(iter(self._storyboards)))
            if self._storyboard_key() == key:  # still what the editor shows
                self.editor.storyboard.show(*drawn)

        self._spawn(draw())

    def preview_take(self) -> Take | None:
        return self.dialog.take if self.dialog.is_open else None
