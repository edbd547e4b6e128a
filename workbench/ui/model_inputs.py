"""The model's other inputs (those no editor setting fills), shown under the editor's fields.

A hosted or self-hosted model often takes more than the workbench's settings (Wan's ``sample_steps``, Kling's
``negative_prompt``); researchers tune them in ``models.json`` (``inputs.extra``). This panel lists them from
the model's input schema — type, range or choices, default, and the value ``models.json`` fixes — so they
are visible where the regeneration is set up. It only renders lines; the backend says what they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipyvuetify as v

__all__ = ["ModelInputs"]


class ModelInputs(v.Html):
    """Folded by default; hidden when the model has no other inputs (or its schema is not known)."""

    def __init__(self) -> None:
        super().__init__(tag="div", class_="wb-model-inputs mb-2", children=[])
        self._shown: tuple[str, ...] = ()

    def show(self, lines: Sequence[str]) -> None:
        lines = tuple(lines)
        if lines == self._shown:
            return
        self._shown = lines
        if not lines:
            self.children = []
            return
        items = [v.Html(tag="li", class_="wb-model-input text-caption", children=[line]) for line in lines]
        self.children = [
            v.ExpansionPanels(
                variant="accordion",
                children=[
                    v.ExpansionPanel(
                        children=[
                            v.ExpansionPanelTitle(
                                class_="text-caption",
                                children=[
                                    f"This model's other inputs ({len(lines)}): set them in models.json “extra”"
                                ],
                            ),
                            v.ExpansionPanelText(children=[v.Html(tag="ul", children=items)]),
                        ]
                    )
                ],
            )
        ]
