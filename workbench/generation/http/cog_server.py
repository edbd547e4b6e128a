"""``workbench serve``: a Cog-compatible predictions server around any registered video backend.

A team runs it on the machine with the GPU (or just more cores) and points every notebook at it with a
``"provider": "cog"`` entry in ``models.json``. It speaks the subset of Cog's HTTP API that clients use
(https://github.com/replicate/cog/blob/main/docs/http.md):

- ``POST /predictions`` and the idempotent ``PUT /predictions/{id}`` with ``{"input": {...}}``: synchronous
  by default, ``Prefer: respond-async`` answers 202 at once, ``Accept: text/event-stream`` streams ``start``,
  ``log`` (progress lines such as ``Generating… 40%``) and ``completed`` events. Repeating a PUT re-attaches
  to the prediction instead of starting another; unlike stock Cog, a *finished* prediction is kept for
  ``keep_s`` seconds so that a client that lost its connection (or a restarted kernel) gets the result.
- ``POST /predictions/{id}/cancel`` (any prediction), ``GET /health-check``, ``GET /``, ``GET /openapi.json``.
- All prediction slots busy → 409 Conflict; bad input → 422 with FastAPI-style ``detail``.

Inputs: ``image`` (data URL or http(s) URL), ``prompt``, ``duration_s``, ``resolution`` ("WxH"), ``fps``,
``seed``. The output is the MP4 as a ``data:video/mp4;base64,…`` URL (Cog's default for files). With
``token`` set, every prediction request needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hmac
import json
import logging
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from workbench.domain import defaults
from workbench.domain.models import Resolution, VideoSettings
from workbench.domain.settings import validate_settings
from workbench.errors import BackendError, WorkbenchError
from workbench.generation.base import GenerationRequest, Progress, VideoBackend
from workbench.generation.http.sse import format_event
from workbench.generation.http.transport import decode_data_uri

__all__ = [
    "PredictionService",
    "RunningServer",
    "ServerThread",
    "make_app",
    "serve",
    "start_server",
    "tls_context",
]

log = logging.getLogger("workbench.serve")

#: Events kept per prediction for clients that re-attach (Cog's default replay buffer).
REPLAY_EVENTS = 1024
#: How long a finished prediction stays available to a repeated PUT.
KEEP_FINISHED_S = 600.0
#: A comment line on an idle event stream, so proxies and clients see the connection is alive.
KEEPALIVE_S = 15.0
MAX_IMAGE_BYTES = 50 * 1024**2
_INPUT_KEYS = {"image", "prompt", "duration_s", "resolution", "fps", "seed"}
_ACTIVE = ("starting", "processing")


class InputError(Exception):
    """A prediction input that cannot be used: 422, with the Cog/FastAPI ``detail`` shape."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.detail = [{"loc": ["body", "input", field], "msg": message, "type": "value_error"}]


class BusyError(Exception):
    """Every prediction slot is in use (Cog answers 409 Conflict)."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Prediction:
    """One prediction's state, its replay buffer of events and the queues of clients following it."""

    id: str
    status: str = "starting"
    output: str | None = None
    error: str | None = None
    logs: str = ""
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    completed_at: str | None = None
    predict_time: float | None = None
    events: list[tuple[str, Any]] = field(default_factory=list)
    listeners: set[asyncio.Queue[tuple[str, Any]]] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    finished_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The prediction object (without its input: a starting image is megabytes nobody needs back)."""
        return {
            "id": self.id,
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "logs": self.logs,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "metrics": {} if self.predict_time is None else {"predict_time": round(self.predict_time, 4)},
        }

    def emit(self, event: str, data: Any) -> None:
        self.events.append((event, data))
        del self.events[:-REPLAY_EVENTS]
        for queue in self.listeners:
            queue.put_nowait((event, data))


class PredictionService:
    """Cog's prediction semantics over one backend, without HTTP (the handlers below are thin)."""

    def __init__(
        self,
        backend: VideoBackend,
        *,
        concurrency: int = 1,
        keep_s: float = KEEP_FINISHED_S,
        executor: concurrent.futures.Executor | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.backend = backend
        self.concurrency = concurrency
        self.keep_s = keep_s
        self._own_executor = executor is None
        self.executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="workbench-serve"
        )
        self.predictions: dict[str, Prediction] = {}
        #: The most predictions that ever ran at once (benchmarks and tests read it).
        self.peak_running = 0

    @property
    def running(self) -> int:
        return sum(1 for p in self.predictions.values() if p.status in _ACTIVE)

    def start(self, prediction_id: str, raw_input: object) -> Prediction:
        """The prediction with this id: the existing one (re-attach) or a new one started now."""
        self._forget_old()
        existing = self.predictions.get(prediction_id)
        if existing is not None:
            return existing
        settings, image = self._parse(raw_input)
        if self.running >= self.concurrency:
            raise BusyError(f"all {self.concurrency} prediction slots are in use")
        prediction = Prediction(prediction_id)
        self.predictions[prediction_id] = prediction
        prediction.task = asyncio.get_running_loop().create_task(self._run(prediction, settings, image))
        self.peak_running = max(self.peak_running, self.running)
        return prediction

    def cancel(self, prediction_id: str) -> Prediction | None:
        prediction = self.predictions.get(prediction_id)
        if prediction is not None and prediction.task is not None and not prediction.task.done():
            prediction.task.cancel()
        return prediction

    async def close(self) -> None:
        """Cancel what still runs and stop the render pool."""
        tasks = [p.task for p in self.predictions.values() if p.task is not None and not p.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.keep_s
        for key in [
            k for k, p in self.predictions.items() if p.finished_at is not None and p.finished_at < cutoff
        ]:
            del self.predictions[key]

    def _parse(self, raw: object) -> tuple[VideoSettings, str]:
        if not isinstance(raw, Mapping):
            raise InputError("input", "must be a JSON object")
        unknown = sorted(set(raw) - _INPUT_KEYS)
        if unknown:
            raise InputError(
                unknown[0], f"is not an input of this model (inputs: {', '.join(sorted(_INPUT_KEYS))})"
            )
        image = raw.get("image")
        if not isinstance(image, str) or not image.startswith(("data:", "http://", "https://")):
            raise InputError("image", "must be a data URL or an http(s) URL of the starting image")
        prompt = raw.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError("prompt", "must be a non-empty string (the movie directions)")
        try:
            settings = VideoSettings(
                movie_directions=prompt,
                model=self.backend.info.name,
                duration_s=float(_number(raw, "duration_s", defaults.DEFAULT_DURATION_S)),
                resolution=Resolution.parse(
                    raw.get("resolution", "x".join(map(str, defaults.DEFAULT_RESOLUTION)))
                ),
                fps=int(_number(raw, "fps", defaults.DEFAULT_FPS, whole=True)),
                seed=int(_number(raw, "seed", defaults.DEFAULT_SEED, whole=True)),
            )
            validate_settings(settings)
            self.backend.check(settings)
        except WorkbenchError as exc:
            raise InputError("input", exc.message) from None
        return settings, image

    async def _run(self, prediction: Prediction, settings: VideoSettings, image: str) -> None:
        started = time.perf_counter()
        prediction.status, prediction.started_at = "processing", _now()
        prediction.emit("start", {"id": prediction.id, "status": "processing"})
        reporter = _LogLines(prediction)
        try:
            with tempfile.TemporaryDirectory(prefix="workbench-serve-") as tmp:
                image_path = await _fetch_image(image, Path(tmp))
                request = GenerationRequest(
                    image_path,
                    settings,
                    Path(tmp) / "output.mp4",
                    executor=self.executor,
                    job_id=prediction.id,
                )
                result = await self.backend.generate(request, reporter)
                data = await asyncio.to_thread(result.path.read_bytes)
                encoded = await asyncio.to_thread(base64.b64encode, data)
            reporter.flush()
            prediction.output = "data:video/mp4;base64," + encoded.decode("ascii")
            prediction.status = "succeeded"
        except asyncio.CancelledError:
            prediction.status = "canceled"
        except WorkbenchError as exc:
            prediction.status, prediction.error = "failed", exc.message
        except Exception as exc:
            log.exception("Prediction %s failed unexpectedly", prediction.id)
            prediction.status, prediction.error = "failed", f"internal error ({type(exc).__name__})"
        finally:
            prediction.predict_time = time.perf_counter() - started
            prediction.completed_at = _now()
            prediction.finished_at = time.monotonic()
            prediction.emit("completed", prediction.as_json())
            prediction.done.set()


def _number(raw: Mapping[str, Any], name: str, default: float, *, whole: bool = False) -> float:
    value = raw.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and float(value) != int(value))
    ):
        raise InputError(name, "must be a whole number" if whole else "must be a number")
    return value


class _LogLines:
    """Backend progress → Cog ``log`` lines (at most four a second; the last one always)."""

    def __init__(self, prediction: Prediction) -> None:
        self.prediction = prediction
        self._sent = 0.0
        self._pending: str | None = None

    def __call__(self, progress: Progress) -> None:
        percent = round(progress.fraction * 100)
        frames = f" ({progress.frame}/{progress.total_frames} frames)" if progress.frame is not None else ""
        self._pending = f"{progress.message or 'Generating…'} {percent}%{frames}\n"
        now = time.monotonic()
        if now - self._sent >= 0.25:
            self._sent = now
            self.flush()

    def flush(self) -> None:
        if self._pending is not None:
            line, self._pending = self._pending, None
            self.prediction.logs = (self.prediction.logs + line)[-20000:]
            self.prediction.emit("log", {"source": "stdout", "data": line})


async def _fetch_image(source: str, folder: Path) -> Path:
    """The starting image on disk, from a data URL or an http(s) URL (fetched without credentials)."""
    if source.startswith("data:"):
        media_type, data = decode_data_uri(source)
    else:
        try:
            async with httpx.AsyncClient(timeout=60.0, follow_redirects=True) as client:
                response = await client.get(source)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise BackendError(f"The starting image could not be fetched ({type(exc).__name__}).") from None
        media_type, data = response.headers.get("content-type", "image/png").split(";")[0], response.content
    if len(data) > MAX_IMAGE_BYTES:
        raise BackendError(f"The starting image is larger than {MAX_IMAGE_BYTES // 1024**2} MiB.")
    suffix = {"image/jpeg": ".jpg", "image/webp": ".webp"}.get(media_type, ".png")
    path = folder / f"image{suffix}"
    await asyncio.to_thread(path.write_bytes, data)
    return path


# -- HTTP ------------------------------------------------------------------------------------------------------


class _Handler(tornado.web.RequestHandler):
    """JSON in and out; a bearer token when the server has one."""

    service: PredictionService
    token: str | None
    open_paths = ("/", "/health-check", "/openapi.json")

    def initialize(self, service: PredictionService, token: str | None) -> None:
        self.service, self.token = service, token

    def prepare(self) -> None:
        if self.token and self.request.path not in self.open_paths:
            given = self.request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                self.reply(401, {"detail": "A valid 'Authorization: Bearer <token>' header is required."})

    def reply(self, status: int, body: Any) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"detail": self._reason}))


class _RootHandler(_Handler):
    def get(self) -> None:
        self.reply(
            200,
            {
                "cog_version": "compatible (segment-workbench)",
                "model": self.service.backend.info.name,
                "openapi_url": "/openapi.json",
                "healthcheck_url": "/health-check",
                "predictions_url": "/predictions",
                "predictions_idempotent_url": "/predictions/{prediction_id}",
                "predictions_cancel_url": "/predictions/{prediction_id}/cancel",
            },
        )


class _HealthHandler(_Handler):
    def get(self) -> None:
        service = self.service
        busy = service.running >= service.concurrency
        self.reply(
            200,
            {
                "status": "BUSY" if busy else "READY",
                "setup": {"status": "succeeded"},
                # Not Cog's: what a team watching its GPU box (or a benchmark) wants to know.
                "workbench": {
                    "model": service.backend.info.name,
                    "running": service.running,
                    "peak_running": service.peak_running,
                    "concurrency": service.concurrency,
                },
            },
        )


class _OpenApiHandler(_Handler):
    def get(self) -> None:
        info = self.service.backend.info
        properties = {
            "image": {"type": "string", "format": "uri", "description": "starting image (data URL or URL)"},
            "prompt": {"type": "string", "description": "movie directions"},
            "duration_s": {"type": "number", "default": defaults.DEFAULT_DURATION_S},
            "resolution": {"type": "string", "default": "x".join(map(str, defaults.DEFAULT_RESOLUTION))},
            "fps": {"type": "integer", "default": defaults.DEFAULT_FPS},
            "seed": {"type": "integer", "default": defaults.DEFAULT_SEED},
        }
        self.reply(
            200,
            {
                "openapi": "3.0.2",
                "info": {"title": info.label, "version": "1"},
                "components": {
                    "schemas": {
                        "Input": {"type": "object", "required": ["image", "prompt"], "properties": properties}
                    }
                },
            },
        )


class _PredictionsHandler(_Handler):
    async def post(self, prediction_id: str | None = None) -> None:
        if prediction_id is not None:
            self.reply(405, {"detail": "use PUT /predictions/{id} (or POST /predictions)"})
            return
        body = self._body()
        if body is not None:
            given = body.get("id")
            await self._predict(given if isinstance(given, str) and given else uuid.uuid4().hex, body)

    async def put(self, prediction_id: str | None = None) -> None:
        if prediction_id is None:
            self.reply(405, {"detail": "use PUT /predictions/{id} (or POST /predictions)"})
            return
        body = self._body()
        if body is not None:
            await self._predict(prediction_id, body)

    def _body(self) -> dict[str, Any] | None:
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            self.reply(
                422, {"detail": [{"loc": ["body"], "msg": "the body is not JSON", "type": "value_error"}]}
            )
            return None
        if not isinstance(body, dict):
            self.reply(
                422, {"detail": [{"loc": ["body"], "msg": "must be a JSON object", "type": "value_error"}]}
            )
            return None
        return body

    async def _predict(self, prediction_id: str, body: dict[str, Any]) -> None:
        try:
            prediction = self.service.start(prediction_id, body.get("input"))
        except InputError as exc:
            self.reply(422, {"detail": exc.detail})
            return
        except BusyError as exc:
            self.reply(409, {"detail": str(exc)})
            return
        if "text/event-stream" in self.request.headers.get("Accept", ""):
            await self._stream(prediction)
        elif "respond-async" in self.request.headers.get("Prefer", ""):
            self.reply(202, prediction.as_json())
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
            pass  # the client went away; the prediction goes on and may be re-attached
        finally:
            prediction.listeners.discard(queue)


class _CancelHandler(_Handler):
    def post(self, prediction_id: str) -> None:
        prediction = self.service.cancel(prediction_id)
        if prediction is None:
            self.reply(404, {"detail": f"there is no prediction {prediction_id!r}"})
        else:
            self.reply(200, prediction.as_json())


def make_app(service: PredictionService, *, token: str | None = None) -> tornado.web.Application:
    args = {"service": service, "token": token}
    return tornado.web.Application(
        [
            (r"/", _RootHandler, args),
            (r"/health-check", _HealthHandler, args),
            (r"/openapi.json", _OpenApiHandler, args),
            (r"/predictions", _PredictionsHandler, args),
            (r"/predictions/([A-Za-z0-9_.-]{1,128})", _PredictionsHandler, args),
            (r"/predictions/([A-Za-z0-9_.-]{1,128})/cancel", _CancelHandler, args),
        ]
    )


@dataclass
class RunningServer:
    """A started server: its URL, its prediction service, and how to stop it."""

    url: str
    service: PredictionService
    http: tornado.httpserver.HTTPServer

    async def stop(self) -> None:
        self.http.stop()
        await self.service.close()
        await self.http.close_all_connections()


async def start_server(
    backend: VideoBackend,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    concurrency: int = 1,
    token: str | None = None,
    keep_s: float = KEEP_FINISHED_S,
    tls: ssl.SSLContext | None = None,
) -> RunningServer:
    """Start serving ``backend`` on the running loop (``port=0`` picks a free port); returns at once.

    ``tls`` (a server-side context with its certificate loaded) serves https, which clients need before
    they send a token to anything but loopback.
    """
    service = PredictionService(backend, concurrency=concurrency, keep_s=keep_s)
    http = tornado.httpserver.HTTPServer(
        make_app(service, token=token), max_body_size=MAX_IMAGE_BYTES * 2, ssl_options=tls
    )
    sockets = tornado.netutil.bind_sockets(port, host)
    http.add_sockets(sockets)
    bound = sockets[0].getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    return RunningServer(f"{'https' if tls else 'http'}://{shown}:{bound[1]}", service, http)


def tls_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server-side TLS context from a PEM certificate (and key) for ``workbench serve --certfile``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context


def serve(
    backend: VideoBackend,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    concurrency: int = 1,
    token: str | None = None,
    tls: ssl.SSLContext | None = None,
    on_start: Callable[[RunningServer], None] | None = None,
) -> None:
    """Serve until interrupted (``workbench serve``); ``on_start(server)`` is called once it listens."""

    async def main() -> None:
        server = await start_server(
            backend, host=host, port=port, concurrency=concurrency, token=token, tls=tls
        )
        if on_start is not None:
            on_start(server)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


class ServerThread:
    """A server on its own event loop in a background thread: ``with ServerThread(backend) as s: s.url``.

    For notebooks that serve a model from the same machine, tests and benchmarks: the server's work never
    runs on the caller's event loop.
    """

    def __init__(self, backend: VideoBackend, **options: Any) -> None:
        self.backend, self.options = backend, {"port": 0, **options}
        self.server: RunningServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="workbench-serve", daemon=True)

    @property
    def url(self) -> str:
        assert self.server is not None, "the server is not running"
        return self.server.url

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            try:
                self.server = await start_server(self.backend, **self.options)
            except BaseException as exc:
                self._error = exc
                raise
            finally:
                self._ready.set()
            await self._stop.wait()
            await self.server.stop()

        with contextlib.suppress(Exception):
            asyncio.run(main())
