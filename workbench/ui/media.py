"""HTML5 video elements pointed at store files over HTTP (the Jupyter server's ``/files/``, which answers
Range requests so seeking works). Bytes never go through the widget comm."""

from __future__ import annotations

import ipyvuetify as v

__all__ = ["VideoView"]


class VideoView(v.Html):
    """A ``<video>`` whose ``src`` is set from Python; ``url`` is ``None`` for "no video"."""

    def __init__(self, *, css_class: str, placeholder: str = "No video yet.", width: str = "100%") -> None:
        self.placeholder = placeholder
        self._css_class = css_class
        self._width = width
        self.url: str | None = None
        super().__init__(
            tag="div", class_=f"{css_class}-wrap", style_="overflow:hidden", children=[self._empty()]
        )

    def _empty(self) -> v.Html:
        return v.Html(
            tag="div",
            class_=f"{self._css_class} wb-no-video text-caption pa-6 text-center",
            children=[self.placeholder],
        )

    def set_url(self, url: str | None) -> None:
        if url == self.url:
            return
        self.url = url
        if url is None:
            self.children = [self._empty()]
            return
        self.children = [
            v.Html(
                tag="video",
                class_=self._css_class,
                attributes={
                    "src": url,
                    "controls": True,
                    "preload": "metadata",
                    "playsinline": True,
                    "muted": True,
                },
                style_=(
                    f"display:block;width:{self._width};max-width:100%;height:auto;max-height:360px;"
                    "object-fit:contain;background:#000;border-radius:4px"
                ),
            )
        ]
