"""Which hosted starting-image models a store can use: the ``"kind": "image"`` entries of the same
``models.json`` files as the video models (the user's, then the store's, which wins on a name clash)."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.errors import ModelConfigError
from workbench.generation.http.catalog import model_config_paths, model_specs
from workbench.generation.http.image_backend import HttpImageBackend
from workbench.generation.http.image_config import ImageModelSpec, parse_image_models

__all__ = ["hosted_image_backends", "image_model_specs"]


def image_model_specs(store_root: str | Path) -> list[ImageModelSpec]:
    """Every configured image model for the store, validated; a name may not also name a video model."""
    merged: dict[str, ImageModelSpec] = {}
    for path in model_config_paths(store_root):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # the video loader reads the same file first and reports it in words
        for spec in parse_image_models(data, source=path):
            merged[spec.name] = spec
    videos = {spec.name for spec in model_specs(store_root)}
    for name, spec in merged.items():
        if name in videos:
            raise ModelConfigError(
                f"{spec.source}: the image model {name!r} has the name of a video model; model names are one list, "
                "so rename one of them."
            )
    return list(merged.values())


def hosted_image_backends(store_root: str | Path) -> list[HttpImageBackend]:
    root = Path(store_root)
    return [HttpImageBackend(spec, store_root=root) for spec in image_model_specs(root)]
