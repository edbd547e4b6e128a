"""``workbench serve``: a Cog-compatible predictions server around any registered video backend.

A team runs it on the machine with the GPU (or just more cores) and points every notebook at it with a
``"provider": "cog"`` entry in ``models.json``. It speaks Cog's HTTP API
(https://github.com/replicate/cog/blob/main/docs/http.md) and publishes a complete OpenAPI document
(:mod:`.openapi`); :mod:`.predictions` holds the prediction semantics, :mod:`.app` the HTTP guards (token
before body, size and depth caps, JSON errors), :mod:`.destinations` and :mod:`.fetch` what it may fetch,
:mod:`.webhooks` the webhooks, :mod:`.server` starting and stopping, :mod:`.cli` the command.
"""

from workbench.serve.destinations import DestinationPolicy
from workbench.serve.predictions import Prediction, PredictionService
from workbench.serve.server import RunningServer, ServerThread, serve, start_server, tls_context

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
