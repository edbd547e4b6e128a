"""``workbench serve``: a Cog-compatible predictions server around any registered video backend.

A team runs it on the machine with the GPU (or just more cores) and points every notebook at it with a
``"provider": "cog"`` entry in ``models.json``. It speaks Cog's HTTP API
(https://github.com/replicate/cog/blob/main/docs/http.md) and publishes a complete OpenAPI document
(:mod:`.openapi`); :mod:`.predictions` holds the prediction semantics, :mod:`.app` the HTTP guards (token
before body, size and depth caps, JSON errors), :mod:`.destinations` and :mod:`.fetch` what it may fetch,
:mod:`.webhooks` the webhooks, :mod:`.server` starting and stopping, :mod:`.cli` the command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.serve.destinations import DestinationPolicy
    from workbench.serve.predictions import Prediction, PredictionService
    from workbench.serve.server import RunningServer, ServerThread, serve, start_server, tls_context

#: Loaded on first use, so ``workbench batch`` (which builds the whole command line, serve's parser included)
#: does not pay for jsonschema's import (about 2 s of CPU: it compiles a URI grammar) before its checks.
_LAZY = {
    "DestinationPolicy": "workbench.serve.destinations",
    "Prediction": "workbench.serve.predictions",
    "PredictionService": "workbench.serve.predictions",
    "RunningServer": "workbench.serve.server",
    "ServerThread": "workbench.serve.server",
    "serve": "workbench.serve.server",
    "start_server": "workbench.serve.server",
    "tls_context": "workbench.serve.server",
}

__all__ = [
    "DestinationPolicy",
    "Prediction",
    "PredictionService",
    "RunningServer",
    "ServerThread",
    "serve",
    "start_server",
    "tls_context",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
