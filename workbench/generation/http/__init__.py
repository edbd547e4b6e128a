"""Hosted and self-hosted video models over httpx: Replicate, fal, Runway, Luma and Cog servers.

Models are declared in ``models.json`` (in the store's folder and/or ``~/.config/workbench/``); each becomes
an :class:`HttpVideoBackend` in the store's model registry, next to the local model, so the editor, the batch
notebook and the report use them unchanged. ``workbench serve`` (:mod:`workbench.serve`) is the other side: a
Cog-compatible predictions server that lets one GPU machine serve any registered backend to many notebooks.
"""

from workbench.generation.http.backend import HttpVideoBackend, idempotency_key
from workbench.generation.http.catalog import hosted_backends, model_config_paths, model_specs
from workbench.generation.http.input_schema import ExtraInput, InputSchema
from workbench.generation.http.parsing import load_model_config, parse_model_config, user_config_path
from workbench.generation.http.providers import PROVIDERS
from workbench.generation.http.retrying import CallRetry
from workbench.generation.http.spec import ModelSpec

__all__ = [
    "PROVIDERS",
    "CallRetry",
    "ExtraInput",
    "HttpVideoBackend",
    "InputSchema",
    "ModelSpec",
    "hosted_backends",
    "idempotency_key",
    "load_model_config",
    "model_config_paths",
    "model_specs",
    "parse_model_config",
    "user_config_path",
]
