"""Variants: one edit, several takes at once, to compare and keep the best.

A researcher asks for N seeds, alternative directions (one per line) or the same settings on several models;
each variant is the draft plus the fields it changes. Validated here, before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.domain import defaults
from workbench.domain.models import VideoSettings
from workbench.errors import InvalidSettingError

__all__ = ["MAX_VARIANTS", "Variant", "VariantKind", "variants_for"]

#: The most takes one variants request may start (each may cost money on a hosted model).
MAX_VARIANTS = 8


class VariantKind(StrEnum):
    SEEDS = "seeds"
    DIRECTIONS = "directions"
    MODELS = "models"


@dataclass(frozen=True)
class Variant:
    """One take to make: a short ``label`` for the grid and the setting fields it changes over the draft."""

    label: str
    changes: Mapping[str, Any] = field(default_factory=dict)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def variants_for(
    kind: VariantKind | str,
    base: VideoSettings,
    *,
    count: int = 0,
    lines: str = "",
    models: Sequence[str] = (),
) -> list[Variant]:
    """The variants of ``base`` (the draft's effective settings) a request asks for.

    ``seeds``: ``count`` seeds from the draft's (2…``MAX_VARIANTS``); ``directions``: one per non-empty line
    of ``lines``; ``models``: each of ``models`` (two or more, different). Raises InvalidSettingError in words.
    """
    kind = VariantKind(kind)
    if kind is VariantKind.SEEDS:
        if not 2 <= count <= MAX_VARIANTS:
            raise InvalidSettingError(f"Ask for 2 to {MAX_VARIANTS} seeds, not {count}.")
        seeds = [(base.seed + i) % (defaults.MAX_SEED + 1) for i in range(count)]
        return [Variant(f"seed {seed}", {"seed": seed}) for seed in seeds]
    if kind is VariantKind.DIRECTIONS:
        texts = [line.strip() for line in lines.splitlines() if line.strip()]
        if len(texts) < 2:
            raise InvalidSettingError("Write two or more alternative directions, one per line.")
        if len(texts) > MAX_VARIANTS:
            raise InvalidSettingError(f"At most {MAX_VARIANTS} alternatives at once; you wrote {len(texts)}.")
        return [
            Variant(f"{i}. {_short(text)}", {"movie_directions": text}) for i, text in enumerate(texts, 1)
        ]
    names = list(dict.fromkeys(m for m in models if m))
    if len(names) < 2:
        raise InvalidSettingError("Pick two or more different models to compare.")
    if len(names) > MAX_VARIANTS:
        raise InvalidSettingError(f"At most {MAX_VARIANTS} models at once.")
    return [Variant(name, {"model": name}) for name in names]
