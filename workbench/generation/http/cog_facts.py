"""What a Cog server can do, read from it before anything is created.

Cog servers differ by generation, and the difference decides whether a prediction can be paid for once
(measured against cog 0.14 and 0.23 from PyPI and ``workbench serve``; see the README's hosted-models section):

============================  ===============================  ==============================  =================
                              0.14–0.16 (Python, FastAPI)      coglet (0.17+; events from 0.21)  ``workbench serve``
============================  ===============================  ==============================  =================
server-sent events            never (answers JSON)             ``x-cog-streaming`` models only  always
client gone during a run      keeps running, then forgets it   cancels it                      keeps it
re-joining a running one      only by repeating the *valid*    by repeating the PUT with any    same as coglet
                              create (which starts a new run   body (an invalid one is a safe   (and GET)
                              once it has finished)            probe: 422 once it is gone)
============================  ===============================  ==============================  =================

From ``GET /`` (``cog_version``), ``GET /health-check`` (status, coglet's ``version``) and
``GET /openapi.json`` (the ``Input`` schema, ``x-cog-streaming``) this module decides how predictions are
followed (:class:`CogFacts`); :mod:`.providers.cog` acts on it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workbench.generation.http.input_schema import InputSchema

__all__ = ["CogFacts", "cached_facts", "facts_from", "remember_facts", "safe_probe"]

#: How long what a server said about itself is trusted (a redeployed server may change).
FACTS_TTL_S = 30.0

ServerKind = Literal["workbench", "coglet", "fastapi"]


@dataclass(frozen=True)
class CogFacts:
    """How predictions on one Cog server are created and followed."""

    kind: ServerKind
    version: str
    #: The server streams events for this model (``Accept: text/event-stream``).
    streaming: bool
    #: An input that the server refuses with 422 (so it never starts a run) but that re-joins a prediction
    #: which is still running; ``None`` when the server cannot be re-joined safely.
    probe: Mapping[str, Any] | None
    schema: InputSchema | None
    #: Predictions the server runs at once, when it says.
    slots: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "workbench":
            return f"workbench serve {self.version}".strip()
        return f"Cog {self.version} ({'coglet' if self.kind == 'coglet' else 'FastAPI'})"

    @property
    def follows_after_restart(self) -> bool:
        """A prediction created asynchronously can be re-joined by a restarted kernel (while it runs)."""
        return self.streaming and self.probe is not None


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def facts_from(
    index: Mapping[str, Any] | None,
    health: Mapping[str, Any] | None,
    openapi: Mapping[str, Any] | None,
    *,
    where: str,
) -> CogFacts:
    """Decide from the three documents a Cog server publishes (any may be missing)."""
    index, health = index or {}, health or {}
    marker = index.get("workbench")
    version_info = health.get("version") if isinstance(health.get("version"), Mapping) else {}
    version = str(index.get("cog_version") or version_info.get("coglet") or "unknown")
    if isinstance(marker, Mapping):
        kind: ServerKind = "workbench"
        version = str(marker.get("version", ""))
    elif version_info.get("coglet") or _version_tuple(version) >= (0, 17):
        kind = "coglet"
    else:
        kind = "fastapi"
    schema = None
    if openapi is not None:
        try:
            schema = InputSchema.from_openapi(openapi, f"{where}/openapi.json")
        except ValueError:
            schema = None
    post = (((openapi or {}).get("paths") or {}).get("/predictions") or {}).get("post") or {}
    flagged = isinstance(post, Mapping) and post.get("x-cog-streaming") is True
    if kind == "workbench":
        streaming = True
    elif kind == "coglet":
        streaming = flagged and _version_tuple(version) >= (0, 21)
    else:
        streaming = False
    # FastAPI validates the body before it looks for a running prediction, so no probe is safe there; the
    # probe is measured safe on coglet 0.23 (and is ours on workbench serve), trusted from 0.21 on.
    trusted = kind == "workbench" or (kind == "coglet" and _version_tuple(version) >= (0, 21))
    probe = safe_probe(schema) if trusted else None
    slots = None
    details = health.get("workbench")
    if isinstance(details, Mapping) and isinstance(details.get("concurrency"), int):
        slots = int(details["concurrency"])
    return CogFacts(kind, version, streaming, probe, schema, slots)


def safe_probe(schema: InputSchema | None) -> dict[str, Any] | None:
    """An ``input`` that fails the server's validation (so it can never start a run), or ``None``."""
    if schema is None:
        return None
    if schema.required:
        return {}  # a required input is missing
    for name, prop in schema.properties.items():
        kind = prop.get("type") if isinstance(prop, Mapping) else None
        if kind in ("integer", "number", "boolean"):
            return {name: "workbench-probe: not a number"}
        if kind == "string":
            return {name: {"workbench-probe": True}}
    return None


_cache: dict[str, tuple[float, CogFacts]] = {}


def cached_facts(base_url: str) -> CogFacts | None:
    entry = _cache.get(base_url)
    if entry is None or time.monotonic() - entry[0] > FACTS_TTL_S:
        return None
    return entry[1]


def remember_facts(base_url: str, facts: CogFacts) -> None:
    _cache[base_url] = (time.monotonic(), facts)
