"""The takes of the selected segment: every preview ever generated (pending, accepted, rejected), to play
beside the committed video and to re-open for review."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipyvuetify as v

from workbench.domain.models import Take, TakeStatus
from workbench.ui.media import VideoView

__all__ = ["TakesPanel"]

_COLOR = {TakeStatus.PENDING: "info", TakeStatus.ACCEPTED: "success", TakeStatus.REJECTED: "grey"}


class TakesPanel(v.Card):
    def __init__(self, *, on_review: Callable[[str], None], take_url: Callable[[Take], str]) -> None:
        self._on_review = on_review
        self._take_url = take_url
        self.takes: list[Take] = []
        self.playing: str | None = None
        self._items: dict[tuple[str, str], v.Html] = {}
        self.list = v.Html(tag="div", class_="wb-takes-list", children=[])
        self._empty = v.Html(tag="div", class_="text-caption pa-2 wb-takes-empty", children=[""])
        self.player = VideoView(
            css_class="wb-take-video", placeholder="Pick a take to play it here, beside the committed video."
        )
        super().__init__(
            class_="wb-takes pa-2",
            variant="outlined",
            children=[v.CardTitle(class_="text-subtitle-1", children=["Takes"]), self.list, self.player],
        )

    def render(
        self, takes: Sequence[Take], *, empty: str = "No takes yet: press Regenerate video to make one."
    ) -> None:
        """Show ``takes``, newest first; ``empty`` says what to do when there are none (it depends on why)."""
        self.takes = sorted(takes, key=lambda t: t.created_at, reverse=True)
        self._empty.children = [empty]
        if self.playing not in {t.id for t in self.takes}:
            self.playing = None
            self.player.set_url(None)
        items = []
        for take in self.takes:
            key = (take.id, str(take.status))
            if key not in self._items:
                self._items[key] = self._item(take)
            items.append(self._items[key])
        items = items or [self._empty]
        if items != list(self.list.children):
            self.list.children = items

    def play(self, take_id: str) -> None:
        take = next(t for t in self.takes if t.id == take_id)
        self.playing = take_id
        self.player.set_url(self._take_url(take))

    def _item(self, take: Take) -> v.Html:
        s = take.settings
        play = v.Btn(
            size="small", variant="text", prepend_icon="mdi-play", class_="wb-take-play", children=["Play"]
        )
        play.on_event("click", lambda *_: self.play(take.id))
        buttons = [play]
        if take.status is TakeStatus.PENDING:
            review = v.Btn(
                size="small", variant="tonal", color="info", class_="wb-take-review", children=["Review"]
            )
            review.on_event("click", lambda *_: self._on_review(take.id))
            buttons.append(review)
        return v.Html(
            tag="div",
            class_="wb-take d-flex align-center py-1",
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
                    children=[
                        f"{take.created_at[11:19]} · {s.model} · {s.duration_s:g} s · {s.resolution} · seed {s.seed} · “{s.movie_directions[:48]}”"
                    ],
                ),
                *buttons,
            ],
        )
