"""The editor's starting-image section: the committed image (``?v=``), its own form (prompt, model, size, seed,
"start from the current image") with where each value comes from, **Regenerate starting image** right where
"Regenerate the starting image first." is shown, the upload, a note when the committed video was made from an
older image (with a button to regenerate the video: never done by itself), and the segment's image takes.

It renders an :class:`ImagePanelState` and forwards intent (``on_edit(field, text)``, ``on_regenerate()``,
``on_regenerate_video()``, ``on_review(take_id)``); the rules live in the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import ipyvuetify as v

from workbench.domain.models import ImageTake, SettingSource, TakeStatus
from workbench.errors import REGENERATE_STARTING_IMAGE
from workbench.generation.base import BackendInfo

__all__ = ["IMAGE_FIELDS", "ImagePanel", "ImagePanelState"]

IMAGE_FIELDS = ("prompt", "model", "size", "seed", "reference")
SIZES = ("1280x720", "1920x1080", "2560x1440", "1080x1920", "1024x1024")
_COLOR = {TakeStatus.PENDING: "info", TakeStatus.ACCEPTED: "success", TakeStatus.REJECTED: "grey"}
_PROMPT_HINT = "A title line, then bullets starting with '-'; 'accent: teal'; 'figure diagram: lens'."


@dataclass(frozen=True)
class ImagePanelState:
    asset_id: str
    values: Mapping[str, str]  # effective image settings as text
    sources: Mapping[str, SettingSource]
    models: Sequence[BackendInfo]
    image_url: str | None = None
    image_problem: str | None = None
    warnings: Sequence[str] = ()
    errors: Mapping[str, str] = field(default_factory=dict)
    busy: bool = False
    video_outdated: bool = False
    #: Other segments that share this starting image (accepting a new one changes theirs too).
    shared_with: Sequence[str] = ()
    takes: Sequence[ImageTake] = ()


def _stop_keys(widget: v.VuetifyWidget) -> v.VuetifyWidget:
    widget.on_event("keydown.stop", lambda *_: None)  # JupyterLab's shortcuts must not see the keystrokes
    return widget


class ImagePanel(v.Html):
    def __init__(
        self,
        *,
        upload: v.VuetifyWidget,
        on_edit: Callable[[str, str], None],
        on_regenerate: Callable[[], None],
        on_regenerate_video: Callable[[], None],
        on_review: Callable[[str], None],
    ) -> None:
        self.upload = upload
        self._on_edit = on_edit
        self._on_review = on_review
        self.state: ImagePanelState | None = None
        self._rendering = False
        self._shown_takes: tuple[tuple[str, str], ...] | None = None
        self._shown_models: tuple[BackendInfo, ...] | None = None
        self.picture = v.Html(tag="div", class_="wb-image-picture", children=[])
        self.missing = v.Html(tag="div", class_="wb-image-missing", children=[])
        self.outdated_btn = v.Btn(
            size="small",
            variant="flat",
            color="warning",
            prepend_icon="mdi-movie-refresh",
            class_="wb-regenerate-video-from-image",
            children=["Regenerate video"],
        )
        self.outdated_btn.on_event("click", lambda *_: on_regenerate_video())
        self.outdated = v.Html(tag="div", class_="wb-image-outdated", children=[])
        self.prompt = _stop_keys(
            v.Textarea(
                v_model="",
                label="Image prompt",
                rows=3,
                auto_grow=True,
                variant="outlined",
                class_="wb-image-prompt",
                hint=_PROMPT_HINT,
                persistent_hint=True,  # a hint shown only on focus would shift the buttons under a click
                hide_details="auto",
            )
        )
        self.model = v.Select(
            v_model=None,
            label="Image model",
            items=[],
            item_title="title",
            item_value="value",
            variant="outlined",
            density="compact",
            class_="wb-image-model wb-model",
            hide_details="auto",
            menu_props={"maxWidth": 640},
        )
        self.size = _stop_keys(
            v.Combobox(
                v_model="",
                label="Size",
                items=list(SIZES),
                variant="outlined",
                density="compact",
                class_="wb-image-size",
                hide_details="auto",
            )
        )
        self.seed = _stop_keys(
            v.TextField(
                v_model="",
                label="Seed",
                type="number",
                variant="outlined",
                density="compact",
                class_="wb-image-seed",
                hide_details="auto",
            )
        )
        self.reference = v.Checkbox(
            v_model=False,
            label="Start from the current image (image-to-image models)",
            density="compact",
            class_="wb-image-reference",
            hide_details=True,
        )
        self.inputs: dict[str, v.VuetifyWidget] = {
            "prompt": self.prompt,
            "model": self.model,
            "size": self.size,
            "seed": self.seed,
            "reference": self.reference,
        }
        self.sources = {
            name: v.Html(
                tag="div",
                class_=f"wb-image-source wb-image-source-{name} text-caption text-medium-emphasis mb-2",
            )
            for name in IMAGE_FIELDS
        }
        for name, widget in self.inputs.items():
            widget.observe(lambda change, name=name: self._changed(name, change["new"]), "v_model")
        self.warnings = v.Html(tag="div", class_="wb-image-warnings", children=[])
        self.regenerate_btn = v.Btn(
            color="primary",
            variant="flat",
            prepend_icon="mdi-image-refresh",
            class_="wb-regenerate-image mr-2",
            children=["Regenerate starting image"],
        )
        self.regenerate_btn.on_event("click", lambda *_: on_regenerate())
        self.form_toggle = v.Btn(
            size="small", variant="text", class_="wb-image-form-toggle", children=["Regenerate it…"]
        )
        self.form_toggle.on_event("click", lambda *_: self.show_form(not self.form_open))
        self.form_open = False
        self.form = v.Html(
            tag="div",
            class_="wb-image-form mt-2",
            style_="display:none",
            children=[
                v.Row(
                    children=[
                        v.Col(cols=12, children=[self.prompt, self.sources["prompt"], self.warnings]),
                        v.Col(cols=12, children=[self.model, self.sources["model"]]),
                        v.Col(cols=6, children=[self.size, self.sources["size"]]),
                        v.Col(cols=6, children=[self.seed, self.sources["seed"]]),
                        v.Col(cols=12, children=[self.reference, self.sources["reference"]]),
                    ]
                ),
                v.Html(tag="div", class_="mt-1", children=[self.regenerate_btn, self.upload]),
            ],
        )
        self.takes_list = v.Html(tag="div", class_="wb-image-takes", children=[])
        super().__init__(
            tag="div",
            class_="wb-image-panel",
            children=[
                v.Html(
                    tag="div",
                    class_="d-flex align-center",
                    children=[
                        v.Html(tag="div", class_="text-caption flex-grow-1", children=["Starting image"]),
                        self.form_toggle,
                    ],
                ),
                self.missing,
                self.picture,
                self.outdated,
                self.form,
                self.takes_list,
            ],
        )

    # -- intent ----------------------------------------------------------------------------------------------

    def _changed(self, name: str, value: object) -> None:
        if self._rendering or self.state is None:
            return
        text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        if text == self.state.values.get(name, ""):
            return
        self._on_edit(name, text)

    def show_form(self, open_: bool) -> None:
        self.form_open = open_
        self.form.style_ = "" if open_ else "display:none"
        self.form_toggle.children = ["Hide the form" if open_ else "Regenerate it…"]

    # -- rendering -------------------------------------------------------------------------------------------

    def render(self, state: ImagePanelState, *, values_too: bool) -> None:
        previous = self.state
        self.state = state
        self._rendering = True
        try:
            with self.hold_sync():
                models = tuple(state.models)
                if models != self._shown_models:
                    self._shown_models = models
                    self.model.items = [{"title": m.label, "value": m.name} for m in models]
                for name, widget in self.inputs.items():
                    if values_too and name not in state.errors:
                        value = state.values.get(name, "")
                        widget.v_model = value == "true" if name == "reference" else value
                    widget.error_messages = [state.errors[name]] if name in state.errors else []
                    source = state.sources.get(name)
                    self.sources[name].children = [
                        f"effective: {_short(state.values.get(name, ''))} · {source.label}" if source else ""
                    ]
                self.warnings.children = [
                    v.Alert(
                        type="warning",
                        density="compact",
                        variant="tonal",
                        class_="wb-image-warning mb-2",
                        text=w,
                    )
                    for w in state.warnings
                ]
                self.regenerate_btn.disabled = state.busy or bool(state.errors)
                self.regenerate_btn.loading = state.busy
                if previous is None or previous.asset_id != state.asset_id:
                    self.show_form(state.image_url is None)
                elif state.image_url is None and not self.form_open:
                    self.show_form(True)
                self.form_toggle.style_ = "display:none" if state.image_url is None else ""
                self.upload.label = (
                    "Upload a starting image…" if state.image_url is None else "Replace image…"
                )
                self._render_image(state)
                self._render_takes(state.takes)
        finally:
            self._rendering = False

    def _render_image(self, state: ImagePanelState) -> None:
        if state.image_url is None:
            self.missing.children = [
                v.Alert(
                    type="error",
                    variant="tonal",
                    class_="wb-missing-image mb-2",
                    title=REGENERATE_STARTING_IMAGE,
                    text=(state.image_problem or "This segment has no stored starting image.")
                    + " Describe one below and press Regenerate starting image, or upload a PNG or JPEG.",
                )
            ]
            self.picture.children = []
        else:
            self.missing.children = []
            shared = (
                [
                    v.Html(
                        tag="div",
                        class_="text-caption text-medium-emphasis wb-image-shared",
                        children=[f"Shared with {', '.join(state.shared_with)}."],
                    )
                ]
                if state.shared_with
                else []
            )
            self.picture.children = [
                v.Html(
                    tag="img",
                    class_="wb-starting-image-img",
                    attributes={"src": state.image_url, "alt": "starting image"},
                    style_="max-width:240px;border-radius:4px;display:block",
                ),
                *shared,
            ]
        self.outdated.children = (
            [
                v.Alert(
                    type="warning",
                    variant="tonal",
                    density="compact",
                    class_="wb-video-outdated my-2",
                    text="The committed video was made from an older starting image. Regenerate the video to use "
                    "the new one (nothing is regenerated by itself).",
                    children=[v.Html(tag="div", class_="mt-2", children=[self.outdated_btn])],
                )
            ]
            if state.video_outdated
            else []
        )
        self.outdated_btn.disabled = state.busy

    def _render_takes(self, takes: Sequence[ImageTake]) -> None:
        ordered = sorted(takes, key=lambda t: t.created_at, reverse=True)
        key = tuple((t.id, str(t.status)) for t in ordered)
        if key == self._shown_takes:
            return
        self._shown_takes = key
        items = [self._take_item(t) for t in ordered[:8]]
        self.takes_list.children = (
            [v.Html(tag="div", class_="text-caption mt-2", children=["Image takes"]), *items] if items else []
        )

    def _take_item(self, take: ImageTake) -> v.Html:
        buttons = []
        review = v.Btn(
            size="small",
            variant="tonal" if take.status is TakeStatus.PENDING else "text",
            color="info" if take.status is TakeStatus.PENDING else None,
            class_="wb-image-take-review",
            children=["Review" if take.status is TakeStatus.PENDING else "View"],
        )
        review.on_event("click", lambda *_: self._on_review(take.id))
        buttons.append(review)
        first_line = take.settings.prompt.strip().splitlines()[0] if take.settings.prompt.strip() else ""
        return v.Html(
            tag="div",
            class_="wb-image-take d-flex align-center py-1",
            attributes={"data-take-id": take.id, "data-status": str(take.status)},
            children=[
                v.Chip(
                    size="x-small",
                    color=_COLOR[take.status],
                    class_="mr-2 flex-shrink-0",
                    children=[str(take.status)],
                ),
                v.Html(
                    tag="span",
                    class_="text-caption flex-grow-1",
                    attributes={"title": take.settings.prompt},
                    children=[
                        f"{take.created_at[11:19]} · {take.settings.model} · {take.width}x{take.height} · “{_short(first_line, 40)}”"
                    ],
                ),
                *buttons,
            ],
        )


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
