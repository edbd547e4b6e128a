"""Which configured models a store can use: the user's ``models.json`` and then the store's own (which wins).

Hosted and self-hosted entries become :class:`HttpVideoBackend`s; ``"provider": "diffusers"`` entries (open
weights in a folder on this machine) become :class:`~workbench.generation.diffusers.DiffusersBackend`s.

The store's file travels with the store (a team shares its model list); the user's file holds models one
person adds for themselves. Neither holds a token: entries name the environment variable that does.
"""

from __future__ import annotations

from pathlib import Path

from workbench.generation.base import VideoBackend
from workbench.generation.diffusers import DiffusersBackend, DiffusersSpec
from workbench.generation.http.backend import HttpVideoBackend
from workbench.generation.http.parsing import AnyModelSpec, load_model_config, merge_specs, user_config_path
from workbench.generation.http.spec import CONFIG_NAME

__all__ = ["backends_from", "hosted_backends", "model_config_paths", "model_specs"]


def model_config_paths(store_root: str | Path | None) -> list[Path]:
    """The ``models.json`` files that apply to a store (``None``: no store, only the user's), lowest precedence
    first (only those that exist)."""
    candidates = [user_config_path()] + ([] if store_root is None else [Path(store_root) / CONFIG_NAME])
    return [path for path in candidates if path.is_file()]


def model_specs(store_root: str | Path) -> list[AnyModelSpec]:
    """Every configured model for the store, validated (:class:`ModelConfigError` names file and key)."""
    return merge_specs(*(load_model_config(path) for path in model_config_paths(store_root)))


def hosted_backends(store_root: str | Path) -> list[VideoBackend]:
    """One backend per configured model, ready to register next to the local model."""
    root = Path(store_root)
    return [_backend(spec, root) for spec in model_specs(root)]


def backends_from(*paths: str | Path, store_root: str | Path | None = None) -> list[VideoBackend]:
    """One backend per model in these ``models.json`` files (later files win by name)."""
    specs = merge_specs(*(load_model_config(path) for path in paths))
    return [_backend(spec, None if store_root is None else Path(store_root)) for spec in specs]


def _backend(spec: AnyModelSpec, store_root: Path | None) -> VideoBackend:
    if isinstance(spec, DiffusersSpec):
        return DiffusersBackend(spec)
    return HttpVideoBackend(spec, store_root=store_root)
