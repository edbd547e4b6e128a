"""The storyboard under the camera plan: the plan drawn on the starting image (a PNG from the model).

Only renders what it is given; the workbench decides when to draw one (after typing pauses, off the event
loop), so a keystroke never waits for it.
"""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets

__all__ = ["StoryboardView"]


class StoryboardView(v.Html):
    """The storyboard image, a caption, and what the image does to the plan (planned on the image itself, so
    known before rendering: a move with no room to be seen, a place the other way); hidden while there is none."""

    def __init__(self) -> None:
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="480px"))
        self.caption = v.Html(
            tag="div",
            class_="wb-storyboard-caption text-caption text-medium-emphasis",
            children=["Storyboard: green is the first view, red the last, orange the path."],
        )
        self.limits = v.Html(tag="div", class_="wb-plan-limits", children=[])
        super().__init__(tag="div", class_="wb-storyboard mb-2", style_="display:none", children=[])
        self.shown: bytes | None = None
        self.notes: tuple[str, ...] = ()

    def show(self, png: bytes | None, notes: tuple[str, ...] = ()) -> None:
        if notes != self.notes:
            self.notes = notes
            self.limits.children = [
                v.Alert(
                    type="warning", density="compact", variant="tonal", class_="wb-plan-limit mt-1", text=n
                )
                for n in notes
            ]
        if png == self.shown:
            return
        self.shown = png
        if png is None:
            self.style_ = "display:none"
            return
        self.image.value = png
        if not self.children:
            self.children = [self.image, self.caption, self.limits]
        self.style_ = ""
