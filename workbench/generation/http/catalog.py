"""Which hosted models a store can use: the user's ``models.json`` and then the store's own (which wins).

The store's file travels with the store (a team shares its model list); the user's file holds models one
person adds for themselves. Neither holds a token: entries name the environment variable that does.
"""

from __future__ import annotations

from pathlib import Path

from workbench.generation.http.backend import HttpVideoBackend
from workbench.generation.http.parsing import load_model_config, merge_specs, user_config_path
from workbench.generation.http.spec import CONFIG_NAME, ModelSpec

__all__ = ["hosted_backends", "model_config_paths", "model_specs"]


def model_config_paths(store_root: str | Path) -> list[Path]:
    """The ``models.json`` files that apply to a store, lowest precedence first (only those that exist)."""
    candidates = [user_config_path(), Path(store_root) / CONFIG_NAME]
    return [path for path in candidates if path.is_file()]


def model_specs(store_root: str | Path) -> list[ModelSpec]:
    """Every configured model for the store, validated (:class:`ModelConfigError` names file and key)."""
    return merge_specs(*(load_model_config(path) for path in model_config_paths(store_root)))


def hosted_backends(store_root: str | Path) -> list[HttpVideoBackend]:
    """One backend per configured model, ready to register next to the local model."""
    root = Path(store_root)
    return [HttpVideoBackend(spec, store_root=root) for spec in model_specs(root)]
