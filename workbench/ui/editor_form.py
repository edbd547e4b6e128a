"""The segment editor: movie directions, model, duration, resolution, fps and seed, each with its effective
value and where it comes from; parser warnings; the starting image; Regenerate and Cancel.

It renders an :class:`EditorState` and forwards intent (``on_edit(field, text)``, ``on_regenerate()``,
``on_cancel()``, ``on_reset()``, ``on_upload(name, bytes)``); every rule lives in the session below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import ipyvuetify as v
import ipywidgets as widgets

from workbench.domain.models import SettingSource
from workbench.errors import REGENERATE_STARTING_IMAGE
from workbench.generation.base import BackendInfo
from workbench.ui.model_inputs import ModelInputs

__all__ = ["EditorForm", "EditorState"]

RESOLUTIONS = ("640x360", "854x480", "1280x720", "1920x1080", "720x720", "1080x1920")
FPS_CHOICES = (12, 24, 25, 30, 50, 60)
EDITABLE = ("movie_directions", "model", "duration_s", "resolution", "fps", "seed")


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
    ) -> None:
        self._on_edit = on_edit
        self.state: EditorState | None = None
        self._rendering = False
        self._shown_warnings: tuple[str, ...] | None = None
        self._shown_image: tuple[str | None, str | None] | None = None
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
        self.model_inputs = ModelInputs()
        self.regenerate_btn = v.Btn(
            color="primary",
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
        self.upload = widgets.FileUpload(
            accept="image/png,image/jpeg", multiple=False, description="Replace image"
        )
        self.upload.observe(lambda change: self._uploaded(on_upload), "value")
        fields = [
            v.Row(children=[
                v.Col(cols=12, children=[self.directions, self.sources["movie_directions"], self.warnings, self.plan]),
                v.Col(cols=12, md=6, children=[self.model, self.sources["model"]]),
                v.Col(cols=6, md=3, children=[self.duration, self.sources["duration_s"]]),
                v.Col(cols=6, md=3, children=[self.fps, self.sources["fps"]]),
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
                v.CardText(children=[*fields, self.image_panel]),
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

    def _uploaded(self, on_upload: Callable[[str, bytes], None]) -> None:
        files = list(self.upload.value or ())
        if files:
            self.upload.value = ()  # so picking the same file again still triggers an upload
            item = files[0]
            on_upload(str(item["name"]), bytes(item["content"]))

    # -- rendering -------------------------------------------------------------------------------------------

    def render(self, state: EditorState, *, values_too: bool) -> None:
        """Show ``state``. ``values_too`` also rewrites the inputs (on segment change, never mid-typing)."""
        self.state = state
        self._rendering = True
        try:
            with self.hold_sync():
                self.heading.children = [f"Segment: {state.title or state.asset_id}"]
                self.model.items = [{"title": m.label, "value": m.name} for m in state.models]
                for name, widget in self.inputs.items():
                    if values_too:
                        value = state.values.get(name, "")
                        widget.v_model = int(value) if name == "fps" and value else value
                    widget.error_messages = [state.errors[name]] if name in state.errors else []
                    self.sources[name].children = [
                        f"effective: {_short(state.values.get(name, ''))} · {state.sources[name].label}"
                    ]
                self.warnings.children = [
                    v.Alert(
                        type="warning", density="compact", variant="tonal", class_="wb-warning mb-2", text=w
                    )
                    for w in state.warnings
                ]
                self.plan.children = [f"Camera plan: {state.plan_summary}"] if state.plan_summary else []
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

    def _image(self, state: EditorState) -> list:
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
            v.Html(tag="div", children=[self.upload]),
        ]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
