"""Wires the starting-image panel and its preview dialog to a :class:`LectureSession` for the workbench.

The workbench owns layout, selection, guarding and rendering cadence; this owns the image flow's intents
(edit the image form, regenerate the image, review / accept / reject an image take, regenerate the video of
a segment whose video is outdated) and builds the panel's state from the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from workbench.errors import WorkbenchError
from workbench.jobs.events import Event, EventType
from workbench.session import LectureSession
from workbench.ui.image_panel import ImagePanel, ImagePanelState
from workbench.ui.image_preview_dialog import ImagePreviewDialog
from workbench.ui.progress_log import ProgressLog

__all__ = ["ImageReview"]

Guard = Callable[[Callable[..., Any]], Callable[..., Any]]
Spawn = Callable[[Awaitable[Any], Callable[[BaseException | None], None] | None], None]


class ImageReview:
    def __init__(
        self,
        session: LectureSession,
        *,
        upload: Any,
        log: ProgressLog,
        guard: Guard,
        spawn: Spawn,
        selected: Callable[[], str | None],
        on_regenerate_video: Callable[[], None],
        on_changed: Callable[[], None],
    ) -> None:
        self.session = session
        self.log = log
        self._spawn = spawn
        self._selected = selected
        self._on_changed = on_changed
        self.field_errors: dict[str, str] = {}
        self._models = tuple(session.runner.registry.image_infos())
        self._check_cache: tuple[Any, tuple[str, ...]] | None = None
        self.panel = ImagePanel(
            upload=upload,
            on_edit=guard(self.edit),
            on_regenerate=guard(self.regenerate),
            on_regenerate_video=guard(on_regenerate_video),
            on_review=guard(self.review),
        )
        self.dialog = ImagePreviewDialog(on_accept=guard(self.accept), on_reject=guard(self.reject))

    # -- intents ---------------------------------------------------------------------------------------------

    def edit(self, name: str, text: str) -> None:
        asset_id = self._selected()
        assert asset_id is not None
        value: Any = text
        if name == "reference":
            value = text == "true" or None  # unticked: back to the default (no reference)
        elif name != "prompt" and not text.strip():
            value = None
        try:
            self.session.edit_image(asset_id, **{name: value})
        except WorkbenchError as exc:
            self.field_errors[name] = exc.message
        else:
            self.field_errors.pop(name, None)
        self.render(values_too=False)

    def regenerate(self) -> None:
        asset_id = self._selected()
        assert asset_id is not None
        handle = self.session.regenerate_image(asset_id)
        for warning in handle.warnings:
            self.log.add_note(f"Starting image: {warning}")
        self._on_changed()

    def review(self, take_id: str) -> None:
        take = self.session.store.image_take(take_id)
        if take.lecture_id != self.session.lecture_id:
            return
        asset = self.session.asset(take.asset_id)
        image = self.session.committed.starting_image(asset.starting_image_id)
        committed = (
            {"prompt": image.prompt or "not recorded", "model": image.model or "not recorded",
             "size": f"{image.width}x{image.height}", "seed": "not recorded" if image.seed is None else str(image.seed)}
            if image is not None
            else {}
        )  # fmt: skip
        self.dialog.show_take(
            take,
            preview_url=self.session.preview_url(take),
            committed_url=self.session.image_url(take.asset_id),
            committed=committed,
            segment_title=asset.title or asset.id,
            shared_with=self._shared_with(take.asset_id),
        )

    def accept(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.accept_image(take_id), self._decided)

    def reject(self, take_id: str) -> None:
        self.dialog.set_busy(True)
        self._spawn(self.session.reject_image(take_id), self._decided)

    def _decided(self, error: BaseException | None) -> None:
        if error is None:
            self.dialog.dismiss()
        else:
            self.dialog.set_busy(False)

    # -- events ----------------------------------------------------------------------------------------------

    def on_event(self, event: Event, external: bool) -> None:
        """Open the dialog for our own image previews; close it when its take was decided elsewhere."""
        if event.type is EventType.IMAGE_PREVIEW and not external:
            self.review(str(event.payload["take_id"]))
        shown = self.dialog.take if self.dialog.is_open else None
        decided = event.type in (EventType.IMAGE_COMPLETE, EventType.IMAGE_REJECTED)
        if external and decided and shown is not None and shown.id == event.payload.get("take_id"):
            self.dialog.dismiss()

    def reopen_pending(self) -> int:
        """After a kernel restart: re-open the dialog for the newest image preview still awaiting review."""
        pending = self.session.pending_image_previews()
        if pending:
            self.review(pending[-1].id)
        return len(pending)

    # -- rendering -------------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.field_errors = {}

    def render(self, *, values_too: bool) -> None:
        asset_id = self._selected()
        if asset_id is None:
            return
        self.panel.render(self.state(asset_id), values_too=values_too)

    def state(self, asset_id: str) -> ImagePanelState:
        session = self.session
        resolved = session.effective_image(asset_id)
        asset = session.asset(asset_id)
        image_url = session.image_url(asset_id)
        values = {
            k: ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in resolved.settings.to_dict().items()
        }
        problem = None
        if image_url is None:
            problem = (
                "This segment never had a starting image."
                if asset.starting_image_id is None
                else "Its starting image file is missing from the store."
            )
        return ImagePanelState(
            asset_id=asset_id,
            values=values,
            sources=resolved.provenance,
            models=self._models,
            image_url=image_url,
            image_problem=problem,
            warnings=self._check(resolved.settings) if "prompt" not in self.field_errors else (),
            errors=dict(self.field_errors),
            busy=session.busy(asset_id),
            video_outdated=image_url is not None and session.video_outdated(asset_id),
            shared_with=self._shared_with(asset_id),
            takes=session.image_takes(asset_id),
        )

    def _shared_with(self, asset_id: str) -> list[str]:
        image_id = self.session.asset(asset_id).starting_image_id
        if image_id is None:
            return []
        return [
            a.id
            for a in self.session.committed.videos
            if a.damage is None and a.id != asset_id and a.starting_image_id == image_id
        ]

    def _check(self, settings: Any) -> tuple[str, ...]:
        """The image model's warnings for these settings (cached per settings value)."""
        if self._check_cache is not None and self._check_cache[0] == settings:
            return self._check_cache[1]
        registry = self.session.runner.registry
        warnings: tuple[str, ...] = ()
        if registry.has_image(settings.model):
            try:
                warnings = tuple(registry.image(settings.model).check(settings))
            except WorkbenchError as exc:  # e.g. a hosted model without its token: say so before Regenerate
                warnings = (exc.message,)
        else:
            warnings = (f"There is no starting-image model called {settings.model!r}.",)
        self._check_cache = (settings, warnings)
        return warnings
