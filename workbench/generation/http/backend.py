"""A hosted or self-hosted video model over HTTP, behind the same :class:`VideoBackend` as the local model.

One :class:`HttpVideoBackend` per ``models.json`` entry. A generation goes: settings checked → starting image
sent (data URI, URL or upload) → provider job created → its id journaled (``request.on_provider_job``) →
followed to a final state, progress reported → output downloaded beside the take's file → decoded and
measured → renamed into place. Rules that hold throughout:

- **Checked before paying.** The model's input schema (a Cog server's ``/openapi.json``, or the documented
  snapshot of a hosted model) is read before anything is created, and inputs it does not have, required
  inputs nothing fills and values it refuses stop the job with the reason — in :meth:`HttpVideoBackend.check`
  already, where the schema is at hand.
- **Never paid twice.** A restarted kernel passes ``resume_provider_job_id`` and the job is followed, not
  created again (or, where the server cannot be followed, the job fails saying why); a create is repeated
  only where nothing can have run (429, connect errors, a busy or loading Cog server).
- **Cancel cancels there.** Cancelling the task (or the overall ``timeout_s``) cancels the provider job.
- **Nothing half-made becomes a take.** The download goes to a hidden ``.part`` file that is removed on any
  failure; only a file that decodes to the expected length is renamed to ``output_path``.
- **No token leaks.** Every message is redacted; unexpected errors lose their exception chain.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import logging
import mimetypes
import os
import random
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import httpx

from workbench.domain.models import VideoSettings
from workbench.domain.settings import validate_settings
from workbench.errors import (
    BackendError,
    InvalidSettingError,
    ModelConfigError,
    StartingImageMissingError,
    TransientBackendError,
    WorkbenchError,
)
from workbench.generation.base import (
    BackendInfo,
    GenerationRequest,
    GenerationResult,
    Progress,
    ProgressCallback,
)
from workbench.generation.http.input_schema import (
    ExtraInput,
    InputSchema,
    is_snapshot,
    load_schema_file,
    load_snapshot,
)
from workbench.generation.http.inputs import build_inputs, check_settings, expected_frames, output_fps
from workbench.generation.http.output_check import UnreadableVideo, VideoFacts, inspect_video
from workbench.generation.http.providers import PROVIDERS
from workbench.generation.http.providers.base import (
    JobState,
    JobStatus,
    ProviderAPI,
    Sleep,
    Submitted,
    classify_failure,
)
from workbench.generation.http.redaction import read_token, redact
from workbench.generation.http.retrying import CallRetry
from workbench.generation.http.spec import ModelSpec
from workbench.generation.http.transport import ApiClient, decode_data_uri, new_http_client

__all__ = ["HttpVideoBackend", "check_inputs", "idempotency_key"]

log = logging.getLogger("workbench.generation.http")
T = TypeVar("T")

#: How long cancelling at the provider may take before the workbench gives up on it (and says so).
CANCEL_TIMEOUT_S = 15.0
#: Stand-ins for the starting image when inputs are checked before a job (the schema only sees a string).
_IMAGE_PLACEHOLDERS = {
    "url": "https://example.invalid/starting-image.png",
    "upload": "https://example.invalid/up.png",
}
_DATA_URI_PLACEHOLDER = "data:image/png;base64,iVBORw0KGgo="


def check_inputs(spec: ModelSpec, schema: InputSchema, inputs: Mapping[str, object]) -> None:
    """Refuse inputs the model's schema does not accept, before anything is created or paid for."""
    names = schema.naming_problems(inputs)
    if names:
        raise ModelConfigError(
            f'{spec.label} would not accept these inputs: {"; ".join(names)}. Fix the model\'s "inputs" in '
            f"models.json (schema: {schema.source})."
        )
    values = schema.value_problems(inputs)
    if values:
        raise InvalidSettingError(
            f"{spec.label} would refuse these settings: {'; '.join(values)}. Change the setting, or the "
            "model's inputs in models.json."
        )


def idempotency_key(job_id: str | None) -> str:
    """A provider-safe key for a workbench job: stable across retries of the same job, 26 lowercase chars
    (the form Cog recommends for prediction ids)."""
    raw = uuid.uuid5(uuid.NAMESPACE_URL, f"segment-workbench:{job_id}") if job_id else uuid.uuid4()
    return base64.b32encode(raw.bytes).decode().lower().rstrip("=")


class HttpVideoBackend:
    """The ``VideoBackend`` for one configured model (see :mod:`.config` for ``models.json``).

    ``store_root`` turns a starting image's path into a URL for ``"as": "url"``; ``transport``, ``sleep``
    and ``rng`` are for tests (respx, no real waiting, fixed jitter).
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        store_root: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: CallRetry | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.api: type[ProviderAPI] = PROVIDERS[spec.provider]
        self.store_root = None if store_root is None else Path(store_root)
        self.info = BackendInfo(
            name=spec.name,
            label=spec.label,
            supports=spec.supports,
            local=False,
            description=spec.description or f"{self.api.label}: {spec.model or spec.base_url}",
            resumable=True,
        )
        self._transport = transport
        self.retry = retry or CallRetry()
        self._sleep = sleep or asyncio.sleep
        self._rng = rng

    def check(
        self, settings: VideoSettings, regions: Mapping[str, tuple[float, float, float, float]] | None = None
    ) -> tuple[str, ...]:
        """What this model will not honour, before a job starts: refused settings raise, ignored ones warn.

        A missing token is reported here too, so no job is queued that can only fail.
        """
        validate_settings(settings)
        warnings = check_settings(self.spec, settings)
        env = self.spec.token_env
        if env and not os.environ.get(env, "").strip():
            raise ModelConfigError(
                f"The model {self.spec.name!r} needs a {self.api.label} API token in the environment variable "
                f"{env}, which is not set. Set it in the shell that starts JupyterLab (or the batch), then "
                "restart the kernel."
            )
        schema = self.input_schema(wait=True)
        if schema is None:
            if self.spec.schema == "server":
                warnings += (
                    f"{self.spec.label}'s input schema could not be read now; its inputs are checked when the "
                    "job starts.",
                )
            elif self.spec.schema is None and self.spec.provider != "cog":
                warnings += (
                    f"No input schema is known for {self.spec.label}, so a misnamed input would only show up "
                    'after the run (add "schema" to its models.json entry).',
                )
            return warnings
        placeholder = _IMAGE_PLACEHOLDERS.get(self.spec.inputs.image.mode, _DATA_URI_PLACEHOLDER)
        check_inputs(self.spec, schema, build_inputs(self.spec, settings, image=placeholder))
        return warnings

    def input_schema(self, *, wait: bool = False) -> InputSchema | None:
        """The model's input schema as far as it is known without a job: a packaged snapshot, a schema file,
        or (``wait``: reading it now, briefly) a Cog server's ``/openapi.json``."""
        source = self.spec.schema
        if source is None:
            return None
        if source == "server":
            headers = {}
            if self.spec.token_env and os.environ.get(self.spec.token_env, "").strip():
                token = read_token(self.spec.token_env, model=self.spec.name, provider=self.api.label)
                headers = self.api.auth_headers(token)
            return self.api.published_schema(self.spec, headers, read_now=wait)
        try:
            if is_snapshot(source):
                return load_snapshot(source)
            return load_schema_file(source)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelConfigError(
                f"The input schema {source} for {self.spec.name!r} cannot be read ({exc}). Fix or remove "
                '"schema" in its models.json entry.'
            ) from None

    def extra_inputs(self) -> list[ExtraInput]:
        """The model's inputs that no setting fills (what the editor lists), as far as its schema is known."""
        schema = self.input_schema()
        if schema is None:
            return []
        return schema.extra_inputs(self.spec.inputs.mapped_names(), self.spec.inputs.extra)

    async def generate(self, request: GenerationRequest, progress: ProgressCallback) -> GenerationResult:
        validate_settings(request.settings)
        check_settings(self.spec, request.settings)
        token = None
        if self.spec.token_env:
            token = read_token(self.spec.token_env, model=self.spec.name, provider=self.api.label)
        return await _Generation(self, request, progress, token).run()


class _Generation:
    """One generate call: its provider client, its provider job, its progress and timings."""

    def __init__(
        self,
        backend: HttpVideoBackend,
        request: GenerationRequest,
        progress: ProgressCallback,
        token: str | None,
    ) -> None:
        self.backend = backend
        self.spec = backend.spec
        self.label = backend.spec.label
        self.request = request
        self._progress = progress
        self._token = token
        self.job_id: str | None = request.resume_provider_job_id
        self.terminal = False
        self.provider: ProviderAPI | None = None
        self.timings: dict[str, float] = {}
        self._best = 0.0
        self._last: tuple[float, str] | None = None
        self._state: JobState | None = None
        self._state_since = time.perf_counter()

    # -- the steps -----------------------------------------------------------------------------------------

    async def run(self) -> GenerationResult:
        started = time.perf_counter()
        output = Path(self.request.output_path)
        partial = output.with_name(f".{output.name}.part")
        try:
            async with new_http_client(self.spec.request_timeout_s, self.backend._transport) as http:
                api = self.backend.api
                client = ApiClient(
                    http,
                    self.spec.base_url,
                    label=self.label,
                    auth=api.auth_headers(self._token) if self._token else None,
                    headers=api.extra_headers(self.spec),
                )
                self.provider = api(self.spec, client)
                try:
                    async with asyncio.timeout(self.spec.timeout_s):
                        result = await self._generate(partial, output)
                except TimeoutError:
                    await self._cancel_remote()
                    if self._state in (None, JobState.QUEUED):
                        waited = self._last[1] if self._last else "waiting"
                        raise BackendError(
                            f"{self.label} did not start the job within {self.spec.timeout_s:g} s (last: "
                            f"{waited.rstrip('.')}); nothing ran there. Try again later, or raise timeout_s "
                            "for this model in models.json."
                        ) from None
                    raise BackendError(
                        f"{self.label} did not finish within {self.spec.timeout_s:g} s"
                        + (f" (job {self.job_id}); it was cancelled there" if self.job_id else "")
                        + ". Try again later, or raise timeout_s for this model in models.json."
                    ) from None
                except asyncio.CancelledError:
                    await self._cancel_remote()
                    raise
        except (WorkbenchError, asyncio.CancelledError):
            partial.unlink(missing_ok=True)
            raise
        except Exception as exc:
            partial.unlink(missing_ok=True)
            log.error("Unexpected failure in %s: %s", self.spec.name, redact(traceback.format_exc()))
            raise BackendError(
                f"The {self.label} model {self.spec.name!r} failed unexpectedly. Try again; if it keeps failing, "
                "report it with the detail below.",
                detail=redact(f"{type(exc).__name__}: {exc}"),
            ) from None
        return dataclasses.replace(
            result, timings={**result.timings, "wall_s": round(time.perf_counter() - started, 4)}
        )

    async def _generate(self, partial: Path, output: Path) -> GenerationResult:
        provider = self.provider
        assert provider is not None
        provider.notify = self._report_status
        provider.sleep = self.backend._sleep
        await provider.prepare()
        inputs = None
        if self.job_id is None or provider.follows_with_inputs:
            inputs = await self._inputs(provider)
            schema = provider.served_schema() or self.backend.input_schema()
            if schema is not None:
                check_inputs(self.spec, schema, inputs)
        first: JobStatus | None = None
        started = True
        async with provider.running(self.job_id):
            if self.job_id is None:
                submitted = await self._submit(provider, inputs or {})
                first, started = submitted.status, submitted.started
            else:
                problem = provider.cannot_follow(self.job_id)
                if problem is not None:
                    self.terminal = True  # nothing of ours runs there that a cancel could stop
                    raise problem
                self._report(
                    0.01,
                    f"Resuming {self.label} job {self.job_id} after a restart (it is not started again).",
                )
            done = (
                first is not None and first.state.done
            )  # e.g. a prediction that finished while being created
            status = first if done and first is not None else await self._follow(provider, inputs, started)
        self.terminal = True
        self._raise_for(status)
        assert status.video is not None
        facts = await self._fetch(provider, status.video, partial)
        warnings = self._check(facts)
        os.replace(partial, output)
        return GenerationResult(
            path=output,
            frame_count=facts.frame_count,
            fps=facts.fps,
            width=facts.width,
            height=facts.height,
            codec=facts.codec,
            size_bytes=facts.size_bytes,
            timings=dict(self.timings),
            warnings=warnings,
            provider=self.spec.provider,
            provider_job_id=self.job_id,
            cost=status.cost if status.cost is not None else self._estimate(facts, status),
        )

    async def _inputs(self, provider: ProviderAPI) -> dict[str, object]:
        """The provider's inputs, with the starting image sent the way the model entry says."""
        image = self.spec.inputs.image
        path = Path(self.request.image_path)
        if image.mode == "url":
            value = self._image_url(path)
        else:
            try:
                data = await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                raise StartingImageMissingError(
                    f"the starting image {path.name} cannot be read ({exc.strerror})"
                ) from None
            media_type = mimetypes.guess_type(path.name)[0] or "image/png"
            if image.mode == "upload":
                value = await self._retrying(
                    lambda: provider.upload(data, path.name, media_type), "uploading the starting image"
                )
            else:
                encoded = await asyncio.to_thread(base64.b64encode, data)
                value = f"data:{media_type};base64,{encoded.decode('ascii')}"
        return build_inputs(self.spec, self.request.settings, image=value)

    def _image_url(self, path: Path) -> str:
        base = self.spec.inputs.image.base_url or ""
        if self.backend.store_root is None:
            raise ModelConfigError(
                f'The model {self.spec.name!r} sends the starting image by URL ("as": "url"), which needs the '
                'store it belongs to. Load it with the store\'s models.json, or use "as": "data_uri".'
            )
        try:
            relative = path.resolve().relative_to(self.backend.store_root.resolve())
        except ValueError:
            raise ModelConfigError(
                f"The starting image {path.name} is not inside the store, so it has no URL under {base}."
            ) from None
        return f"{base.rstrip('/')}/{quote(relative.as_posix())}"

    async def _submit(self, provider: ProviderAPI, inputs: dict[str, object]) -> Submitted:
        """Create the provider job with its id journaled as early as it can be; returns what the create said."""
        key = idempotency_key(self.request.job_id)
        started = time.perf_counter()
        self._report(0.01, f"Submitting to {self.label}…")
        if provider.chooses_job_id:
            # The id is ours (derived from the workbench job), so it is journaled durably before anything is
            # sent: a kernel that dies mid-create comes back knowing which prediction to look for.
            self.job_id = provider.job_id_for(key)
            await self._journal(self.job_id)
            submitted = await self._retrying(lambda: provider.create(inputs, key), "submitting the job")
        else:
            create = asyncio.ensure_future(self._retrying(lambda: provider.create(inputs, key), "submitting"))
            try:
                submitted = await asyncio.shield(create)
            except asyncio.CancelledError:
                # The create may still succeed: learn its id, so that it is cancelled rather than left running.
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    async with asyncio.timeout(CANCEL_TIMEOUT_S):
                        self.job_id = (await create).job_id
                create.cancel()
                raise
            self.job_id = submitted.job_id
            await self._journal(self.job_id)
        self.timings["submit_s"] = round(time.perf_counter() - started, 4)
        if submitted.status is not None:
            self._report_status(submitted.status)
        return submitted

    async def _journal(self, job_id: str) -> None:
        if self.request.on_provider_job is not None:
            started = time.perf_counter()
            await asyncio.shield(self.request.on_provider_job(job_id))
            self.timings["journal_s"] = round(time.perf_counter() - started, 4)

    async def _follow(
        self, provider: ProviderAPI, inputs: dict[str, object] | None, started: bool
    ) -> JobStatus:
        """Follow the job to a final state; transient failures start following again after a backoff."""
        assert self.job_id is not None
        failures = 0
        while True:
            try:
                stream = provider.follow(
                    self.job_id,
                    inputs,
                    poll_interval_s=self.spec.poll_interval_s,
                    sleep=self.backend._sleep,
                    created=started,
                )
                started = True  # whatever happens next, the job exists: it is only ever followed again
                async with contextlib.aclosing(stream) as states:
                    async for status in states:
                        failures = 0
                        self._report_status(status)
                        if status.state.done:
                            return status
                raise TransientBackendError(f"{self.label} stopped answering about job {self.job_id}.")
            except TransientBackendError as exc:
                failures += 1
                await self._backoff(exc, failures)

    async def _fetch(self, provider: ProviderAPI, video: str, partial: Path) -> VideoFacts:
        """Download the output beside the take's file and decode it; a bad download is fetched once more."""
        for attempt in (1, 2):
            started = time.perf_counter()
            self._report(0.92, f"Downloading the video from {self.label}…")
            if video.startswith("data:"):
                _, data = await asyncio.to_thread(decode_data_uri, video)
                await asyncio.to_thread(partial.write_bytes, data)
            else:
                await self._retrying(
                    lambda: provider.client.download(video, partial), "downloading the video"
                )
            self.timings["download_s"] = round(
                self.timings.get("download_s", 0.0) + time.perf_counter() - started, 4
            )
            started = time.perf_counter()
            self._report(0.97, "Checking the video…")
            try:
                loop = asyncio.get_running_loop()
                facts = await loop.run_in_executor(self.request.executor, inspect_video, partial)
            except UnreadableVideo as exc:
                await asyncio.to_thread(partial.unlink, missing_ok=True)
                if attempt == 1 and not video.startswith("data:"):
                    self._report(0.92, f"The download did not decode ({exc}); downloading it again…")
                    continue
                raise BackendError(
                    f"The video from {self.label} (job {self.job_id}) cannot be played: {exc}. It was not kept. "
                    "Regenerate to try again.",
                ) from None
            self.timings["check_s"] = round(time.perf_counter() - started, 4)
            return facts
        raise AssertionError("unreachable")

    def _check(self, facts: VideoFacts) -> tuple[str, ...]:
        """Refuse a clip of the wrong length; warn about a size or rate the model chose itself."""
        settings = self.request.settings
        if self.spec.inputs.duration is not None and (
            abs(facts.duration_s - settings.duration_s) > self.spec.duration_tolerance_s
        ):
            raise BackendError(
                f"{self.label} returned {facts.duration_s:.2f} s of video, not the {settings.duration_s:g} s asked "
                f"for, so it was not kept (job {self.job_id}). Regenerate, or raise duration_tolerance_s for this "
                "model in models.json if it always rounds its lengths."
            )
        warnings = []
        if (facts.width, facts.height) != (settings.resolution.width, settings.resolution.height):
            warnings.append(f"{self.label} made {facts.width}x{facts.height}, not {settings.resolution}.")
        expected_fps = output_fps(self.spec, settings)
        if facts.fps and abs(facts.fps - expected_fps) > 0.01 * expected_fps:
            warnings.append(f"{self.label} made {facts.fps:g} fps video, not {expected_fps} fps.")
        return tuple(warnings)

    def _estimate(self, facts: VideoFacts, status: JobStatus) -> float | None:
        price = self.spec.price
        if price is None:
            return None
        frames = expected_frames(self.spec, self.request.settings) or facts.frame_count
        return price.estimate(facts.duration_s, status.predict_s, frames)

    def _raise_for(self, status: JobStatus) -> None:
        """A provider's failure in words, with what to do next (never a traceback)."""
        job = f"job {self.job_id}"
        if status.state is JobState.SUCCEEDED:
            if status.video is None:
                raise BackendError(
                    f"{self.label} finished {job} but returned no video. Regenerate to try again."
                )
            return
        if status.state is JobState.CANCELED:
            raise BackendError(
                f"{self.label} reports {job} as cancelled (outside the workbench), so there is no video. "
                "Regenerate to try again."
            )
        words = redact(status.error or "no reason given").rstrip(". ")
        kind = classify_failure(status.error, status.code)
        if kind == "moderation":
            advice = "Change the movie directions or the starting image, then regenerate."
            message = f"{self.label} refused to make this video (content moderation): {words}."
        elif kind == "input":
            advice = "Check this model's settings (duration, resolution) and its inputs in models.json."
            message = f"{self.label} rejected the inputs: {words}."
        else:
            advice = "Regenerate to try again; if it keeps failing, try another model."
            message = f"{self.label} could not make this video: {words}."
        raise BackendError(f"{message} {advice}", detail=redact(f"{self.spec.provider} {job}"))

    async def _cancel_remote(self) -> None:
        """Cancel the provider job (if one exists and is still running); failures are logged, not raised."""
        if self.job_id is None or self.terminal or self.provider is None:
            return
        try:
            async with asyncio.timeout(CANCEL_TIMEOUT_S):
                await self.provider.cancel(self.job_id)
            log.info("Cancelled %s job %s", self.spec.provider, self.job_id)
        except (WorkbenchError, TimeoutError) as exc:
            log.warning(
                "Could not cancel %s job %s: %s",
                self.spec.provider,
                self.job_id,
                redact(getattr(exc, "message", exc)),
            )

    # -- retries and progress ------------------------------------------------------------------------------

    async def _retrying(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        attempt = 1
        while True:
            try:
                return await call()
            except TransientBackendError as exc:
                await self._backoff(exc, attempt)
                attempt += 1

    async def _backoff(self, error: TransientBackendError, attempt: int) -> None:
        """Wait before attempt ``attempt + 1``, saying so in the progress log; re-raise when out of attempts."""
        delay = self.backend.retry.delay_for(error, attempt, self.backend._rng)
        if delay is None:
            raise error
        self._report(
            None,
            f"{redact(error.message)} Retrying in {delay:.1f} s (attempt {attempt + 1} of "
            f"{self.backend.retry.max_attempts}).",
        )
        await self.backend._sleep(delay)

    def _report_status(self, status: JobStatus) -> None:
        now = time.perf_counter()
        if status.state is not self._state:
            if self._state is JobState.QUEUED:
                self.timings["queue_s"] = round(self.timings.get("queue_s", 0.0) + now - self._state_since, 4)
            elif self._state is JobState.RUNNING:
                self.timings["run_s"] = round(self.timings.get("run_s", 0.0) + now - self._state_since, 4)
            self._state, self._state_since = status.state, now
        if status.predict_s is not None:
            self.timings["predict_s"] = round(status.predict_s, 4)
        if status.state is JobState.QUEUED:
            self._report(0.02, status.message or f"Queued at {self.label}…")
        elif status.state is JobState.RUNNING:
            fraction = None if status.fraction is None else 0.05 + 0.85 * max(0.0, min(1.0, status.fraction))
            self._report(
                fraction if fraction is not None else 0.05, status.message or f"Generating on {self.label}…"
            )
        elif status.state is JobState.SUCCEEDED:
            self._report(0.9, f"{self.label} finished; fetching the video…")

    def _report(self, fraction: float | None, message: str) -> None:
        """Progress for the runner's ``job-progress`` events: never backwards, never repeated, redacted."""
        if fraction is not None:
            self._best = max(self._best, min(1.0, fraction))
        current = (round(self._best, 4), redact(message))
        if current == self._last:
            return
        self._last = current
        self._progress(Progress(current[0], current[1]))
