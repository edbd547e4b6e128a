"""The review workbench: segment table, editor form, committed player, takes, progress log, preview dialog.

It wires widgets to a :class:`LectureSession`: widget intents call the session, session and job events
re-render the widgets (batched). Every callback is guarded: an error raised while handling a click is shown
in the progress log in words, never lost in a hidden console.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import ipyvuetify as v

from workbench.domain.models import Take
from workbench.errors import WorkbenchError
from workbench.jobs.events import Event, EventType
from workbench.session import LectureSession
from workbench.ui.editor_form import EditorForm, EditorState
from workbench.ui.media import VideoView
from workbench.ui.preview_dialog import PreviewDialog
from workbench.ui.progress_log import ProgressLog
from workbench.ui.segment_table import SegmentRow, SegmentTable
from workbench.ui.takes_panel import TakesPanel

__all__ = ["ReviewWorkbench"]


class ReviewWorkbench(v.Container):
    def __init__(
        self, session: LectureSession, *, media_problem: str | None = None, refresh_delay_s: float = 0.03
    ) -> None:
        self.session = session
        self.refresh_delay_s = refresh_delay_s
        self.selected: str | None = session.committed.videos[0].id if session.committed.videos else None
        self.field_errors: dict[str, str] = {}
        self._refresh_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        self.progress_log = ProgressLog()
        self.table = SegmentTable(on_select=self._guard(self.select))
        self.editor = EditorForm(
            on_edit=self._guard(self.edit),
            on_regenerate=self._guard(self.regenerate),
            on_cancel=self._guard(self.cancel),
            on_reset=self._guard(self.reset),
            on_upload=self._guard(self.upload),
        )
        self.player = VideoView(
            css_class="wb-committed-player",
            placeholder="No committed video yet: regenerate, then accept a preview.",
        )
        self.takes = TakesPanel(on_review=self._guard(self.review), take_url=session.preview_url)
        self.dialog = PreviewDialog(on_accept=self._guard(self.accept), on_reject=self._guard(self.reject))
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
        super().__init__(
            fluid=True,
            class_="wb-workbench",
            children=[
                *banner,
                header,
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
                self.dialog,
            ],
        )
        session.runner.bus.on_callback_error = lambda exc, event: self.progress_log.add_error(
            f"A display update failed while handling {event.type}.", f"{type(exc).__name__}: {exc}"
        )
        self._unsubscribe = session.on_change(lambda kind, asset_id: self._schedule_refresh())
        self._subscription = session.runner.bus.subscribe(self._on_event, lecture_id=session.lecture_id)
        for event in session.history()[-50:]:
            self.progress_log.add_event(event)
        self.refresh(values_too=True)
        pending = session.pending_previews()
        if pending:  # after a kernel restart the dialog re-opens for what still awaits review
            self.progress_log.add_note(f"{len(pending)} preview(s) await review.")
            self.review(pending[-1].id)

    def close(self) -> None:
        if hasattr(self, "_subscription"):
            self._unsubscribe()
            self._subscription.close()
        super().close()

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
        self.refresh(values_too=True)

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
        self.refresh(values_too=False)

    def reset(self) -> None:
        assert self.selected is not None
        self.session.discard_draft(self.selected)
        self.field_errors = {}
        self.refresh(values_too=True)

    def regenerate(self) -> None:
        assert self.selected is not None
        handle = self.session.regenerate(self.selected)
        for warning in handle.warnings:
            self.progress_log.add_note(f"Directions: {warning}")
        self.refresh(values_too=False)  # disable Regenerate and show Cancel before the next click can land

    def cancel(self) -> None:
        assert self.selected is not None
        if not self.session.cancel(self.selected):
            self.progress_log.add_note("Nothing to cancel: the job already finished generating.")

    def upload(self, name: str, data: bytes) -> None:
        assert self.selected is not None
        self.session.replace_starting_image(self.selected, data)
        self.progress_log.add_note(f"Starting image replaced with {name}. Regenerate to use it.")
        self.refresh(values_too=False)

    def review(self, take_id: str) -> None:
        take = self.session.store.take(take_id)
        if take.lecture_id != self.session.lecture_id:
            return
        asset = self.session.asset(take.asset_id)
        if self.selected != take.asset_id:
            self.selected = take.asset_id
            self.refresh(values_too=True)
        # What the committed video was made with, as the segment records it (older segments may not).
        committed = {
            name: "not recorded" if value in (None, "") else str(value)
            for name, value in (
                ("movie_directions", asset.movie_directions),
                ("model", asset.model),
                ("duration_s", asset.duration_s),
                ("resolution", asset.resolution),
                ("fps", asset.fps),
                ("seed", asset.seed),
            )
        }
        self.dialog.show_take(
            take,
            preview_url=self.session.preview_url(take),
            committed=committed,
            segment_title=asset.title or asset.id,
        )

    def accept(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.accept(take_id), lambda error: self._decided(error))

    def reject(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.reject(take_id), lambda error: self._decided(error))

    def _decided(self, error: BaseException | None) -> None:
        if error is None:
            self.dialog.dismiss()
        else:
            self.dialog.set_busy(False)
        self.refresh(values_too=False)

    # -- events ----------------------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        title = self._title(event.asset_id)
        self.progress_log.add_event(event, segment=title)
        if event.type is EventType.VIDEO_PREVIEW:
            self.review(str(event.payload["take_id"]))
        if event.type is EventType.VIDEO_COMPLETE:
            self.refresh(values_too=event.asset_id == self.selected)

    def _title(self, asset_id: str) -> str:
        with contextlib.suppress(WorkbenchError):
            asset = self.session.asset(asset_id)
            return asset.title or asset.id
        return asset_id

    # -- rendering -------------------------------------------------------------------------------------------

    def _schedule_refresh(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.refresh(values_too=False)
            return
        if self._refresh_timer is None:
            self._refresh_timer = loop.call_later(
                self.refresh_delay_s, lambda: self.refresh(values_too=False)
            )

    def refresh(self, *, values_too: bool) -> None:
        """Re-render everything from the session (inputs only when ``values_too``)."""
        self._refresh_timer = None
        session = self.session
        segments = session.store.segments(session.lecture_id)
        rows = []
        for rec in segments.to_dict("records"):
            asset = session.asset(rec["asset_id"])
            image = session.committed.starting_image(asset.starting_image_id)
            thumb = (
                session.media_url(image.path, version=image.created_at)
                if image and rec["has_starting_image"]
                else None
            )
            busy = session.active_job(asset.id) is not None
            rows.append(
                SegmentRow(
                    asset_id=asset.id,
                    order=rec["order"],
                    title=asset.title,
                    thumbnail_url=thumb,
                    model=rec["model"],
                    duration_s=rec["duration_s"],
                    status="generating" if busy else rec["status"],
                    updated_at=rec["updated_at"],
                    pending_previews=rec["pending_previews"],
                )
            )
            if asset.id == self.selected:
                editor_state = self._editor_state(asset.id, thumb, rec)
        with self.hold_sync():
            self.table.render(rows, self.selected)
            if self.selected is not None:
                self.editor.render(editor_state, values_too=values_too)
                self.player.set_url(session.committed_url(self.selected))
                self.takes.render(session.takes(self.selected))
            self.progress_log.flush()

    def _editor_state(self, asset_id: str, thumb: str | None, row: dict[str, Any]) -> EditorState:
        session = self.session
        resolved = session.effective(asset_id)
        values = {k: str(val) for k, val in resolved.settings.to_dict().items()}
        warnings: tuple[str, ...] = ()
        summary = ""
        extra_inputs: tuple[str, ...] = ()
        image = session.committed.starting_image(session.asset(asset_id).starting_image_id)
        regions = dict(image.regions) if image else None
        if "movie_directions" not in self.field_errors and resolved.settings.model in session.runner.registry:
            backend = session.runner.registry.get(resolved.settings.model)
            try:
                warnings = tuple(backend.check(resolved.settings, regions))
            except (
                WorkbenchError
            ) as exc:  # e.g. a hosted model whose token is not set: say so before Regenerate
                warnings = (exc.message,)
            describe = getattr(backend, "describe", None)  # optional: models that can explain their reading
            if callable(describe):
                with contextlib.suppress(WorkbenchError):
                    summary = str(describe(resolved.settings, regions))
            extras = getattr(backend, "extra_inputs", None)  # optional: hosted models list their other inputs
            if callable(extras):
                with contextlib.suppress(WorkbenchError):
                    extra_inputs = tuple(item.line for item in extras())
        problem = None
        if thumb is None:
            asset = session.asset(asset_id)
            problem = (
                "This segment never had a starting image."
                if asset.starting_image_id is None
                else "Its starting image file is missing from the store."
            )
        return EditorState(
            asset_id=asset_id,
            title=session.asset(asset_id).title,
            values=values,
            sources=resolved.provenance,
            models=session.runner.registry.infos(),
            warnings=warnings,
            plan_summary=summary,
            extra_inputs=extra_inputs,
            image_url=thumb,
            image_problem=problem,
            busy=session.active_job(asset_id) is not None,
            errors=dict(self.field_errors),
            has_draft=not session.draft(asset_id).is_empty(),
        )

    def preview_take(self) -> Take | None:
        return self.dialog.take if self.dialog.is_open else None
