"""The HTTP side of ``workbench serve`` (tornado): thin handlers over :class:`.predictions.PredictionService`.

Guards, in the order a request meets them:

1. **The token, before the body.** Request bodies are streamed (``stream_request_body``), so a request
   without a valid ``Authorization: Bearer`` header is answered 401 from its headers alone and its body is
   never read into memory (the connection is then closed).
2. **The size** is checked against ``Content-Length`` before reading, and counted while reading a chunked
   body: over :data:`MAX_BODY_BYTES` is a 413.
3. **The shape**: not JSON → 422; nested deeper than :data:`MAX_JSON_DEPTH` → 422 (never a 500 with a
   ``RecursionError``).

Every answer is JSON, unknown paths included (404), and a 405 lists the allowed methods in ``Allow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import uuid
from typing import Any, ClassVar

import orjson
import tornado.iostream
import tornado.web

from workbench.generation.http.sse import format_event
from workbench.serve.openapi import ID_PATTERN, openapi_document
from workbench.serve.predictions import (
    BusyError,
    InputError,
    LoadingError,
    Prediction,
    PredictionService,
)

__all__ = ["KEEPALIVE_S", "MAX_BODY_BYTES", "MAX_JSON_DEPTH", "make_app"]

#: A starting image of up to 50 MiB as base64 in JSON, with room for the rest of the request.
MAX_BODY_BYTES = 72 * 1024**2
#: Prediction requests are shallow ({"input": {"keyframes": {...}}}); anything deeper is refused.
MAX_JSON_DEPTH = 32
#: A comment line on an idle event stream, so proxies and clients see the connection is alive.
KEEPALIVE_S = 15.0
_METHODS = ("GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS")


class _Json(tornado.web.RequestHandler):
    """JSON answers (errors too), a bearer token where the server has one, ``Allow`` on 405."""

    open_paths: ClassVar[tuple[str, ...]] = ("/", "/health-check", "/openapi.json")

    def initialize(self, service: PredictionService, token: str | None, version: str) -> None:
        self.service, self.token, self.version = service, token, version

    def authorized(self) -> bool:
        if not self.token or self.request.path in self.open_paths:
            return True
        given = self.request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def prepare(self) -> None:
        if not self.authorized():
            self.set_header("WWW-Authenticate", 'Bearer realm="workbench serve"')
            self.reply(401, {"detail": "A valid 'Authorization: Bearer <token>' header is required."})

    def reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def allowed(self) -> list[str]:
        return [
            m
            for m in _METHODS
            if getattr(type(self), m.lower()) is not getattr(tornado.web.RequestHandler, m.lower())
        ]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed()))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"detail": self._reason}))


class NotFound(_Json):
    """Every path that is not the API: a JSON 404."""

    def prepare(self) -> None:
        self.reply(404, {"detail": f"There is no {self.request.path} here; see /openapi.json."})


class _Root(_Json):
    def get(self) -> None:
        self.reply(
            200,
            {
                "cog_version": f"workbench-serve {self.version}",
                "workbench": {"version": self.version, "model": self.service.backend.info.name},
                "docs_url": "/openapi.json",
                "openapi_url": "/openapi.json",
                "healthcheck_url": "/health-check",
                "predictions_url": "/predictions",
                "predictions_idempotent_url": "/predictions/{prediction_id}",
                "predictions_cancel_url": "/predictions/{prediction_id}/cancel",
            },
        )


class _Health(_Json):
    def get(self) -> None:
        service = self.service
        setup: dict[str, Any] = {"status": service.setup_status, "started_at": service.setup_started_at}
        if service.setup_completed_at:
            setup["completed_at"] = service.setup_completed_at
        if service.setup_logs:
            setup["logs"] = service.setup_logs
        self.reply(
            200,
            {
                "status": service.health,
                "setup": setup,
                # Not Cog's: what a team watching its GPU box (or a benchmark) wants to know.
                "workbench": {
                    "model": service.backend.info.name,
                    "running": service.running,
                    "peak_running": service.peak_running,
                    "concurrency": service.concurrency,
                },
            },
        )


class _OpenApi(_Json):
    def get(self) -> None:
        info = self.service.backend.info
        self.reply(200, openapi_document(title=info.label, version=self.version, secured=bool(self.token)))


class _Body(_Json):
    """Handlers that take a prediction request; bodies streamed, so the token is checked before any is read."""

    def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._too_large = False
        super().prepare()
        if self._finished:
            return
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            self.reply(413, {"detail": f"The request body is larger than {MAX_BODY_BYTES // 1024**2} MiB."})
            return
        self.request.connection.set_max_body_size(MAX_BODY_BYTES + 1)

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            self._too_large, self._chunks = True, []
        elif not self._too_large:
            self._chunks.append(chunk)

    def _body(self) -> dict[str, Any] | None:
        if self._too_large:
            self.reply(413, {"detail": f"The request body is larger than {MAX_BODY_BYTES // 1024**2} MiB."})
            return None
        raw = b"".join(self._chunks)
        self._chunks = []
        try:
            body = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError as exc:
            if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
                self.reply(
                    422, _loc_error(["body"], f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
                )
            else:
                self.reply(422, _loc_error(["body"], "the body is not valid JSON"))
            return None
        if _depth(body) > MAX_JSON_DEPTH:
            self.reply(
                422, _loc_error(["body"], f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
            )
            return None
        if not isinstance(body, dict):
            self.reply(422, _loc_error(["body"], "must be a JSON object"))
            return None
        return body

    async def _predict(self, prediction_id: str, body: dict[str, Any]) -> None:
        existing = self.service.existing(prediction_id)
        try:
            prediction = existing or self.service.start(prediction_id, body)
        except InputError as exc:
            self.reply(422, {"detail": exc.detail})
            return
        except BusyError as exc:
            self.reply(409, {"detail": str(exc)})
            return
        except LoadingError as exc:
            self.set_header("Retry-After", "2")
            self.reply(503, {"detail": str(exc)})
            return
        if "text/event-stream" in self.request.headers.get("Accept", ""):
            await self._stream(prediction)
        elif "respond-async" in self.request.headers.get("Prefer", ""):
            self.reply(202, prediction.as_json())
        elif existing is not None and prediction.active:
            self.reply(202, prediction.as_json())  # a re-join while it runs: its state now, as Cog answers
        else:
            await prediction.done.wait()
            with contextlib.suppress(tornado.iostream.StreamClosedError):
                self.reply(200, prediction.as_json())

    async def _stream(self, prediction: Prediction) -> None:
        """Replay what happened so far, then follow live until the ``completed`` event."""
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        replay = list(prediction.events)
        prediction.listeners.add(queue)
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        try:
            for event, data in replay:
                self.write(format_event(event, data))
            await self.flush()
            finished = any(event == "completed" for event, _ in replay)
            while not finished:
                try:
                    event, data = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    self.write(b": keepalive\n\n")
                else:
                    self.write(format_event(event, data))
                    finished = event == "completed"
                await self.flush()
            self.finish()
        except tornado.iostream.StreamClosedError:
            pass  # the client went away; the prediction goes on and may be re-joined
        finally:
            prediction.listeners.discard(queue)


@tornado.web.stream_request_body
class _Collection(_Body):
    """``POST /predictions``: a new prediction (or the one with the body's ``id``)."""

    async def post(self) -> None:
        body = self._body()
        if body is None:
            return
        given = body.get("id")
        if given is not None and (not isinstance(given, str) or not _valid_id(given)):
            self.reply(422, _loc_error(["body", "id"], "must be 1-128 letters, digits, '.', '_' or '-'"))
            return
        await self._predict(given or uuid.uuid4().hex, body)


@tornado.web.stream_request_body
class _Item(_Body):
    """``PUT /predictions/{id}`` (create or re-join) and ``GET /predictions/{id}`` (its state)."""

    async def put(self, prediction_id: str) -> None:
        body = self._body()
        if body is None:
            return
        given = body.get("id")
        if given is not None and given != prediction_id:
            self.reply(422, _loc_error(["body", "id"], "prediction ID must match the ID supplied in the URL"))
            return
        await self._predict(prediction_id, body)

    def get(self, prediction_id: str) -> None:
        prediction = self.service.existing(prediction_id)
        if prediction is None:
            self.reply(
                404, {"detail": f"There is no prediction {prediction_id!r} (never started, or forgotten)."}
            )
        else:
            self.reply(200, prediction.as_json())


@tornado.web.stream_request_body
class _Cancel(_Body):
    def post(self, prediction_id: str) -> None:
        prediction = self.service.cancel(prediction_id)
        if prediction is None:
            self.reply(404, {"detail": f"There is no prediction {prediction_id!r}."})
        else:
            self.reply(200, prediction.as_json())


def _valid_id(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None


def _loc_error(loc: list[str], message: str) -> dict[str, Any]:
    return {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: a deep document cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def make_app(
    service: PredictionService, *, token: str | None = None, version: str = ""
) -> tornado.web.Application:
    args = {"service": service, "token": token, "version": version}
    ident = r"([A-Za-z0-9_.-]{1,128})"
    return tornado.web.Application(
        [
            (r"/", _Root, args),
            (r"/health-check", _Health, args),
            (r"/openapi.json", _OpenApi, args),
            (r"/predictions", _Collection, args),
            (rf"/predictions/{ident}", _Item, args),
            (rf"/predictions/{ident}/cancel", _Cancel, args),
        ],
        default_handler_class=NotFound,
        default_handler_args=args,
    )
