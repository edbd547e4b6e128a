"""Cog's prediction semantics over one video backend, without HTTP (the handlers in :mod:`.app` are thin).

- A prediction is created by id; asking for an id that exists re-joins it — whatever the body says, as coglet
  does — so a client can follow (or check on) a prediction with a body that could never start one. Unlike
  stock Cog, a *finished* prediction is kept for ``keep_s`` seconds, so a client that lost its connection
  (or a restarted kernel) still gets the result; a lost client never cancels a prediction.
- Requests are validated against the published ``Input`` schema (422 names the field); everything beyond
  it (a size the model cannot render, an image that cannot be fetched) fails the prediction, as in Cog.
- All slots busy → :class:`BusyError` (409); the model still in ``setup()`` → :class:`LoadingError` (503).
- Webhooks are called as Cog calls them (:mod:`.webhooks`); starting images are fetched only from allowed
  destinations (:mod:`.destinations`).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from workbench.domain import defaults
from workbench.domain.models import Resolution, VideoSettings
from workbench.domain.settings import validate_settings
from workbench.errors import WorkbenchError
from workbench.generation.base import GenerationRequest, Progress, VideoBackend
from workbench.serve.destinations import DestinationPolicy, RefusedDestination
from workbench.serve.fetch import fetch_image
from workbench.serve.openapi import INPUT_SCHEMA, REQUEST_SCHEMA
from workbench.serve.webhooks import EVENTS, WebhookSender

__all__ = ["BusyError", "InputError", "LoadingError", "Prediction", "PredictionService"]

log = logging.getLogger("workbench.serve")

#: Events kept per prediction for clients that re-join (Cog's default replay buffer).
REPLAY_EVENTS = 1024
#: How long a finished prediction stays available to a repeated PUT (or a GET).
KEEP_FINISHED_S = 600.0
_ACTIVE = ("starting", "processing")
_REQUEST_VALIDATOR = jsonschema.Draft7Validator(REQUEST_SCHEMA)


class InputError(Exception):
    """A request that does not match the schema: 422, with the Cog/FastAPI ``detail`` shape."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(detail[0]["msg"] if detail else "invalid request")
        self.detail = detail

    @classmethod
    def at(cls, loc: list[str | int], message: str) -> InputError:
        return cls([{"loc": loc, "msg": message, "type": "value_error"}])


class BusyError(Exception):
    """Every prediction slot is in use (Cog answers 409 Conflict)."""


class LoadingError(Exception):
    """The model is still being set up (Cog answers 503)."""


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
    webhook: WebhookSender | None = None

    @property
    def active(self) -> bool:
        return self.status in _ACTIVE

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
        if self.webhook is not None:
            self.webhook.send({"log": "logs"}.get(event, event), self.as_json())


class PredictionService:
    """The predictions of one backend: at most ``concurrency`` running, finished ones kept ``keep_s``."""

    def __init__(
        self,
        backend: VideoBackend,
        *,
        concurrency: int = 1,
        keep_s: float = KEEP_FINISHED_S,
        executor: concurrent.futures.Executor | None = None,
        destinations: DestinationPolicy | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.backend = backend
        self.concurrency = concurrency
        self.keep_s = keep_s
        self.destinations = destinations or DestinationPolicy()
        self._own_executor = executor is None
        self.executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="workbench-serve"
        )
        self.predictions: dict[str, Prediction] = {}
        #: The most predictions that ever ran at once (benchmarks and tests read it).
        self.peak_running = 0
        #: Every prediction ever started, by id (tests count runs; a re-join adds nothing).
        self.started_ids: list[str] = []
        self.setup_status = "starting"
        self.setup_started_at = _now()
        self.setup_completed_at: str | None = None
        self.setup_logs = ""
        self._setup_task: asyncio.Task[None] | None = None

    # -- setup -------------------------------------------------------------------------------------------

    def start_setup(self) -> None:
        """Run the backend's optional ``setup()`` (loading weights…); predictions get 503 until it is done."""
        setup = getattr(self.backend, "setup", None)
        if setup is None:
            self._setup_done("succeeded")
            return
        self._setup_task = asyncio.get_running_loop().create_task(self._setup(setup))

    async def _setup(self, setup: Any) -> None:
        try:
            await setup()
        except Exception as exc:
            log.exception("Model setup failed")
            self.setup_logs = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
            self._setup_done("failed")
        else:
            self._setup_done("succeeded")

    def _setup_done(self, status: str) -> None:
        self.setup_status, self.setup_completed_at = status, _now()

    @property
    def health(self) -> str:
        if self.setup_status == "starting":
            return "STARTING"
        if self.setup_status == "failed":
            return "SETUP_FAILED"
        return "BUSY" if self.running >= self.concurrency else "READY"

    # -- predictions -------------------------------------------------------------------------------------

    @property
    def running(self) -> int:
        return sum(1 for p in self.predictions.values() if p.active)

    def existing(self, prediction_id: str) -> Prediction | None:
        self._forget_old()
        return self.predictions.get(prediction_id)

    def start(self, prediction_id: str, body: Mapping[str, Any]) -> Prediction:
        """The prediction with this id: the existing one (re-joined, whatever ``body`` says) or a new one."""
        existing = self.existing(prediction_id)
        if existing is not None:
            return existing
        raw_input, webhook, events = self._validate(body)
        if self.setup_status == "starting":
            raise LoadingError("the model is still loading (setup); try again shortly")
        if self.setup_status == "failed":
            raise LoadingError(f"the model failed to set up: {self.setup_logs}")
        if self.running >= self.concurrency:
            raise BusyError(f"all {self.concurrency} prediction slots are in use")
        prediction = Prediction(prediction_id)
        if webhook is not None:
            prediction.webhook = WebhookSender(webhook, events, self.destinations)
        self.predictions[prediction_id] = prediction
        self.started_ids.append(prediction_id)
        log.info("Starting prediction %s", prediction_id)
        prediction.task = asyncio.get_running_loop().create_task(self._run(prediction, raw_input))
        self.peak_running = max(self.peak_running, self.running)
        return prediction

    def cancel(self, prediction_id: str) -> Prediction | None:
        prediction = self.predictions.get(prediction_id)
        if prediction is not None and prediction.task is not None and not prediction.task.done():
            prediction.task.cancel()
        return prediction

    async def close(self) -> None:
        """Cancel what still runs and stop the render pool."""
        if self._setup_task is not None:
            self._setup_task.cancel()
        tasks = [p.task for p in self.predictions.values() if p.task is not None and not p.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for prediction in self.predictions.values():
            if prediction.webhook is not None:
                prediction.webhook.abort()
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.keep_s
        for key in [
            k for k, p in self.predictions.items() if p.finished_at is not None and p.finished_at < cutoff
        ]:
            del self.predictions[key]

    def _validate(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], str | None, tuple[str, ...]]:
        """The request's input, webhook and webhook events; :class:`InputError` (422) if the schema says no."""
        errors = sorted(_REQUEST_VALIDATOR.iter_errors(dict(body)), key=lambda e: [str(p) for p in e.path])
        if errors:
            raise InputError([_detail(error) for error in errors[:20]])
        webhook = body.get("webhook")
        if webhook is not None and not str(webhook).startswith(("http://", "https://")):
            raise InputError.at(["body", "webhook"], "must be an http(s) URL")
        return dict(body["input"]), webhook, tuple(body.get("webhook_events_filter", EVENTS))

    def _settings(self, raw: Mapping[str, Any]) -> VideoSettings:
        settings = VideoSettings(
            movie_directions=str(raw["prompt"]),
            model=self.backend.info.name,
            duration_s=float(raw.get("duration_s", defaults.DEFAULT_DURATION_S)),
            resolution=Resolution.parse(
                raw.get("resolution", "x".join(map(str, defaults.DEFAULT_RESOLUTION)))
            ),
            fps=int(raw.get("fps", defaults.DEFAULT_FPS)),
            seed=int(raw.get("seed", defaults.DEFAULT_SEED)),
        )
        validate_settings(settings)
        self.backend.check(settings)
        return settings

    async def _run(self, prediction: Prediction, raw: Mapping[str, Any]) -> None:
        started = time.perf_counter()
        prediction.status, prediction.started_at = "processing", _now()
        prediction.emit("start", {"id": prediction.id, "status": "processing"})
        reporter = _LogLines(prediction)
        try:
            settings = self._settings(raw)
            with tempfile.TemporaryDirectory(prefix="workbench-serve-") as tmp:
                image_path = await fetch_image(str(raw["image"]), Path(tmp), self.destinations)
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
            prediction.emit("output", {"chunk": prediction.output})
        except asyncio.CancelledError:
            prediction.status = "canceled"
        except (WorkbenchError, RefusedDestination) as exc:
            prediction.status = "failed"
            prediction.error = getattr(exc, "message", None) or str(exc)
        except Exception as exc:
            log.exception("Prediction %s failed unexpectedly", prediction.id)
            prediction.status, prediction.error = "failed", f"internal error ({type(exc).__name__})"
        finally:
            prediction.predict_time = time.perf_counter() - started
            prediction.completed_at = _now()
            prediction.finished_at = time.monotonic()
            prediction.emit("completed", prediction.as_json())
            prediction.done.set()
            if prediction.webhook is not None:
                asyncio.get_running_loop().create_task(prediction.webhook.close())


def _detail(error: jsonschema.ValidationError) -> dict[str, Any]:
    """A FastAPI-style detail item: ``loc`` is ``["body", "input", name]`` for the model's inputs (the shape
    ``cog predict`` reads), ``["body", field]`` for the rest of the request."""
    path: list[str | int] = ["body", *error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "input"
        return {"loc": [*path, missing], "msg": "field required", "type": "value_error.missing"}
    if error.validator == "additionalProperties" and path[-1:] == ["input"]:
        extra = sorted(set(error.instance) - set(INPUT_SCHEMA["properties"]))
        return {
            "loc": [*path, extra[0] if extra else "input"],
            "msg": f"is not an input of this model (inputs: {', '.join(INPUT_SCHEMA['properties'])})",
            "type": "value_error.extra",
        }
    return {"loc": path, "msg": error.message[:300], "type": "value_error"}


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
