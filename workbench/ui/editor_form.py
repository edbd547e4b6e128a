"""The segment editor: movie directions, model, duration, resolution, fps and seed, each with its effective
value and where it comes from; parser warnings; a draft that conflicts with a newer commit; the starting
image; Regenerate and Cancel.

It renders an :class:`EditorState` and forwards intent (``on_edit(field, text)``, ``on_regenerate()``,
``on_cancel()``, ``on_reset()``, ``on_upload(name, bytes)``, ``on_resolve(keep_mine)``); every rule lives in
the session below. Rendering sends only what changed: a keystroke updates a caption, not the form.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import ipyvuetify as v

from workbench.domain.drafts import FieldConflict
from workbench.domain.models import SettingSource
from workbench.errors import REGENERATE_STARTING_IMAGE
from workbench.generation.base import BackendInfo
from workbench.ui.image_upload import ImageUpload
from workbench.ui.model_inputs import ModelInputs
from workbench.ui.storyboard_view import StoryboardView

__all__ = ["EditorForm", "EditorState"]

RESOLUTIONS = ("640x360", "854x480", "1280x720", "1920x1080", "720x720", "1080x1920")
FPS_CHOICES = (12, 24, 25, 30, 50, 60)
EDITABLE = ("movie_directions", "model", "duration_s", "resolution", "fps", "seed")
LABELS = {
    "movie_directions": "Movie directions",
    "model": "Model",
    "duration_s": "Duration (s)",
    "resolution": "Resolution",
    "fps": "FPS",
    "seed": "Seed",
}


@dataclass(frozen=True)
class EditorState:
    asset_id: str
    title: str
    values: Mapping[str, str]  # effective values as text, per field
    sources: Mapping[str, SettingSource]
    models: Sequence[BackendInfo]
    warnings: Sequence[str] = ()
    plan_summary: str = ""
    #: The model's inputs that no setting fills, one line each (hosted models: from the model's schema).
    extra_inputs: Sequence[str] = ()
    image_url: str | None = None
    image_problem: str | None = None
    busy: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)
    has_draft: bool = False
    #: Draft fields whose value is what the segment has committed (they still outrank project defaults).
    same_as_committed: frozenset[str] = frozenset()
    conflicts: Sequence[FieldConflict] = ()


def _stop_keys(widget: v.VuetifyWidget) -> v.VuetifyWidget:
    """Keep keystrokes in the input: JupyterLab's command-mode shortcuts must not see them."""
    widget.on_event("keydown.stop", lambda *_: None)
    return widget


class EditorForm(v.Card):
    def __init__(
        self,
        *,
        on_edit: Callable[[str, str], None],
        on_regenerate: Callable[[], None],
        on_cancel: Callable[[], None],
        on_reset: Callable[[], None],
        on_upload: Callable[[str, bytes], None],
        on_refused: Callable[[str], None] = lambda _message: None,
        on_resolve: Callable[[bool], None] = lambda _keep_mine: None,
    ) -> None:
        self._on_edit = on_edit
        self.state: EditorState | None = None
        self._rendering = False
        self._shown_warnings: tuple[str, ...] | None = None
        self._shown_conflicts: tuple[FieldConflict, ...] | None = None
        self._shown_image: tuple[str | None, str | None] | None = None
        self._shown_models: tuple[BackendInfo, ...] | None = None
        self.heading = v.CardTitle(class_="text-subtitle-1 wb-editor-title", children=["Segment"])
        self.directions = _stop_keys(
            v.Textarea(
                v_model="",
                label="Movie directions",
                rows=3,
                auto_grow=True,
                variant="outlined",
                class_="wb-directions",
                hide_details="auto",
            )
        )
        self.model = v.Select(
            v_model=None,
            label="Model",
            items=[],
            item_title="title",
            item_value="value",
            variant="outlined",
            density="compact",
            class_="wb-model",
            hide_details="auto",
            menu_props={"maxWidth": 640},
        )
        self.duration = _stop_keys(
            v.TextField(
                v_model="",
                label="Duration (s)",
                type="number",
                variant="outlined",
                density="compact",
                class_="wb-duration",
                hide_details="auto",
            )
        )
        self.resolution = _stop_keys(
            v.Combobox(
                v_model="",
                label="Resolution",
                items=list(RESOLUTIONS),
                variant="outlined",
                density="compact",
                class_="wb-resolution",
                hide_details="auto",
            )
        )
        self.fps = v.Select(
            v_model=None,
            label="FPS",
            items=list(FPS_CHOICES),
            variant="outlined",
            density="compact",
            class_="wb-fps",
            hide_details="auto",
        )
        self.seed = _stop_keys(
            v.TextField(
                v_model="",
                label="Seed",
                type="number",
                variant="outlined",
                density="compact",
                class_="wb-seed",
                hide_details="auto",
            )
        )
        self.inputs: dict[str, v.VuetifyWidget] = {
            "movie_directions": self.directions,
            "model": self.model,
            "duration_s": self.duration,
            "resolution": self.resolution,
            "fps": self.fps,
            "seed": self.seed,
        }
        self.sources: dict[str, v.Html] = {
            name: v.Html(
                tag="div",
                class_=f"wb-source wb-source-{name} text-caption text-medium-emphasis mb-2",
                children=[""],
            )
            for name in EDITABLE
        }
        for name, widget in self.inputs.items():
            widget.observe(lambda change, name=name: self._changed(name, change["new"]), "v_model")
        self.warnings = v.Html(tag="div", class_="wb-warnings", children=[])
        self.plan = v.Html(tag="div", class_="wb-plan text-caption mb-2", children=[])
        self.storyboard = StoryboardView()
        self.conflict_panel = v.Html(tag="div", class_="wb-conflicts", children=[])
        self.keep_btn = v.Btn(
            size="small",
            variant="flat",
            color="warning",
            class_="wb-keep-mine mr-2",
            children=["Keep my edits"],
        )
        self.use_committed_btn = v.Btn(
            size="small", variant="outlined", class_="wb-use-committed", children=["Use the committed values"]
        )
        self.keep_btn.on_event("click", lambda *_: on_resolve(True))
        self.use_committed_btn.on_event("click", lambda *_: on_resolve(False))
        # Inside v-card-actions Vuetify 3 defaults buttons to variant "text": the main action must say "flat".
        self.model_inputs = ModelInputs()
        self.regenerate_btn = v.Btn(
            color="primary",
            variant="flat",
            prepend_icon="mdi-movie-refresh",
            class_="wb-regenerate mr-2",
            children=["Regenerate video"],
        )
        self.cancel_btn = v.Btn(
            variant="outlined",
            color="error",
            prepend_icon="mdi-stop",
            class_="wb-cancel mr-2",
            children=["Cancel"],
            style_="display:none",
        )
        self.reset_btn = v.Btn(variant="text", class_="wb-reset", children=["Reset edits"], disabled=True)
        self.regenerate_btn.on_event("click", lambda *_: on_regenerate())
        self.cancel_btn.on_event("click", lambda *_: on_cancel())
        self.reset_btn.on_event("click", lambda *_: on_reset())
        self.image_panel = v.Html(tag="div", class_="wb-starting-image", children=[])
        self.upload = ImageUpload(on_upload=on_upload, on_refused=on_refused)
        fields = [
            v.Row(children=[
                v.Col(
                    cols=12,
                    children=[
                        self.directions,
                        self.sources["movie_directions"],
                        self.warnings,
                        self.plan,
                        self.storyboard,
                    ],
                ),
                v.Col(cols=12, children=[self.model, self.sources["model"]]),
                # Two per row: the editor shares the width with the player (and JupyterLab's side panels),
                # so breakpoints on the window's width would squeeze labels and values into "1…".
                v.Col(cols=6, children=[self.duration, self.sources["duration_s"]]),
                v.Col(cols=6, children=[self.fps, self.sources["fps"]]),
                v.Col(cols=6, children=[self.resolution, self.sources["resolution"]]),
                v.Col(cols=6, children=[self.seed, self.sources["seed"]]),
                v.Col(cols=12, children=[self.model_inputs]),
            ])
        ]  # fmt: skip
        super().__init__(
            class_="wb-editor pa-2",
            variant="outlined",
            children=[
                self.heading,
                v.CardText(children=[self.conflict_panel, *fields, self.image_panel]),
                v.CardActions(children=[self.regenerate_btn, self.cancel_btn, v.Spacer(), self.reset_btn]),
            ],
        )

    # -- intent ----------------------------------------------------------------------------------------------

    def _changed(self, name: str, value: object) -> None:
        if self._rendering or self.state is None:
            return
        text = "" if value is None else str(value)
        if text == self.state.values.get(name, ""):
            return
        self._on_edit(name, text)

    # -- rendering -------------------------------------------------------------------------------------------

    def render(self, state: EditorState, *, values_too: bool, only: Collection[str] | None = None) -> None:
        """Show ``state``. ``values_too`` also rewrites the inputs (on segment change, never mid-typing), or
        just those in ``only``; an input whose text was refused keeps it, so the user can correct it."""
        self.state = state
        self._rendering = True
        try:
            with self.hold_sync():
                self.heading.children = [f"Segment: {state.title or state.asset_id}"]
                models = tuple(state.models)
                if models != self._shown_models:
                    self._shown_models = models
                    self.model.items = [{"title": m.label, "value": m.name} for m in models]
                for name, widget in self.inputs.items():
                    if values_too and name not in state.errors and (only is None or name in only):
                        value = state.values.get(name, "")
                        widget.v_model = int(value) if name == "fps" and value else value
                    widget.error_messages = [state.errors[name]] if name in state.errors else []
                    self.sources[name].children = [_source_caption(state, name)]
                warnings = tuple(state.warnings)
                if warnings != self._shown_warnings:
                    self._shown_warnings = warnings
                    self.warnings.children = [
                        v.Alert(
                            type="warning",
                            density="compact",
                            variant="tonal",
                            class_="wb-warning mb-2",
                            text=w,
                        )
                        for w in warnings
                    ]
                self.plan.children = [f"Camera plan: {state.plan_summary}"] if state.plan_summary else []
                conflicts = tuple(state.conflicts)
                if conflicts != self._shown_conflicts:
                    self._shown_conflicts = conflicts
                    self.conflict_panel.children = self._conflicts(conflicts)
                self.model_inputs.show(state.extra_inputs)
                self.regenerate_btn.disabled = state.busy or state.image_url is None or bool(state.errors)
                self.regenerate_btn.loading = state.busy
                self.cancel_btn.style_ = "" if state.busy else "display:none"
                self.reset_btn.disabled = not state.has_draft
                image_key = (state.image_url, state.image_problem)
                if image_key != self._shown_image:
                    self._shown_image = image_key
                    self.image_panel.children = self._image(state)
        finally:
            self._rendering = False

    def _conflicts(self, conflicts: Sequence[FieldConflict]) -> list:
        if not conflicts:
            return []
        lines = [
            v.Html(
                tag="li",
                class_="wb-conflict",
                attributes={"data-field": c.name},
                children=[
                    f"{LABELS.get(c.name, c.name)}: yours {_short(_text(c.mine), 40)}; committed now "
                    f"{_short(_text(c.committed), 40)} (was {_short(_text(c.base), 40)} when you edited)"
                ],
            )
            for c in conflicts
        ]
        return [
            v.Alert(
                type="warning",
                variant="tonal",
                density="compact",
                class_="wb-conflict-alert mb-3",
                title="Your draft conflicts with a newer commit",
                children=[
                    v.Html(tag="ul", class_="text-body-2 ml-4 my-1", children=lines),
                    v.Html(tag="div", class_="mt-2", children=[self.keep_btn, self.use_committed_btn]),
                ],
            )
        ]

    def _image(self, state: EditorState) -> list:
        self.upload.label = "Upload a starting image…" if state.image_url is None else "Replace image…"
        if state.image_url is None:
            return [
                v.Alert(
                    type="error",
                    variant="tonal",
                    class_="wb-missing-image mb-2",
                    title=REGENERATE_STARTING_IMAGE,
                    text=state.image_problem or "This segment has no stored starting image.",
                ),
                v.Html(
                    tag="div",
                    class_="text-caption mb-1",
                    children=["Upload a PNG or JPEG to use as its starting image:"],
                ),
                self.upload,
            ]
        return [
            v.Html(tag="div", class_="text-caption mb-1", children=["Starting image"]),
            v.Html(
                tag="img",
                class_="wb-starting-image-img",
                attributes={"src": state.image_url, "alt": "starting image"},
                style_="max-width:240px;border-radius:4px",
            ),
            v.Html(tag="div", class_="mt-1", children=[self.upload]),
        ]


def _source_caption(state: EditorState, name: str) -> str:
    source = state.sources[name]
    caption = f"effective: {_short(state.values.get(name, ''))} · {source.label}"
    if source is SettingSource.OVERRIDE and name in state.same_as_committed:
        caption += " · same as the committed video"
    return caption


def _text(value: object) -> str:
    return "not set" if value in (None, "") else str(value)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
