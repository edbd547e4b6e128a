"""A hosted starting-image model (FLUX-class on Replicate or fal) behind the :class:`ImageBackend` interface.

The rules of the hosted video models hold here too, on the same provider clients:

- **Never paid twice.** The provider job id is journaled (``request.on_provider_job``) before anything else
  happens; a restarted kernel passes ``resume_provider_job_id`` and the job is followed, not created again. A
  create is repeated only where nothing can have run (the transport decides: 429, connection refused).
- **Cancel cancels there**, also on the job's timeout.
- **Nothing half-made becomes a take.** The download goes to a hidden ``.part`` file; only an image that decodes
  (Pillow/libvips, the limits of uploads) is written, as PNG, to ``output_path``. A blank black image (what
  safety checkers return instead of a flagged picture) is refused in words.
- **No token leaks.** Tokens come from ``token_env``; every message is redacted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
import mimetypes
import os
import random
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import numpy as np
from PIL import Image

from workbench.domain import defaults
from workbench.domain.image_settings import validate_image_settings
from workbench.domain.models import ImageSettings
from workbench.errors import (
    BackendError,
    InvalidImageError,
    InvalidSettingError,
    ModelConfigError,
    TransientBackendError,
    WorkbenchError,
)
from workbench.generation.base import BackendInfo, Progress, ProgressCallback
from workbench.generation.http.backend import idempotency_key
from workbench.generation.http.image_config import IMAGE_PROVIDERS, ImageModelSpec
from workbench.generation.http.providers import PROVIDERS
from workbench.generation.http.providers.base import JobState, JobStatus, ProviderAPI, Sleep, classify_failure
from workbench.generation.http.redaction import read_token, redact
from workbench.generation.http.retrying import CallRetry
from workbench.generation.http.transport import ApiClient, decode_data_uri, new_http_client
from workbench.generation.image_base import ImageRequest, ImageResult
from workbench.store.images import decode_rgb, read_header

__all__ = ["HttpImageBackend"]

log = logging.getLogger("workbench.generation.http")
T = TypeVar("T")
CANCEL_TIMEOUT_S = 15.0


class HttpImageBackend:
    """The ``ImageBackend`` for one ``"kind": "image"`` entry of ``models.json``.

    ``transport``, ``sleep`` and ``rng`` are for tests (a loopback fake of the provider, no real waiting).
    """

    def __init__(
        self,
        spec: ImageModelSpec,
        *,
        store_root: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: CallRetry | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.api: type[ProviderAPI] = PROVIDERS[spec.provider]
        self.store_root = store_root
        self.provider_label = IMAGE_PROVIDERS[spec.provider]["label"]
        self.info = BackendInfo(
            name=spec.name,
            label=spec.label,
            supports=spec.supports,
            local=False,
            kind="image",
            description=spec.description or f"{self.provider_label}: {spec.model}",
            resumable=True,
        )
        self._transport = transport
        self.retry = retry or CallRetry()
        self._sleep = sleep or asyncio.sleep
        self._rng = rng

    def check(self, settings: ImageSettings) -> tuple[str, ...]:
        """Refuse what this model cannot honour before a job starts; warn about what it ignores."""
        inputs = self.spec.inputs
        if settings.reference and inputs.reference is None:
            raise InvalidSettingError(
                f"{self.spec.label} makes images from text only, so it cannot start from the current image. "
                "Turn off “Start from the current image”, or choose an image-to-image model."
            )
        warnings = []
        if inputs.size is not None:
            inputs.size.value(settings.size)  # raises, naming the sizes it offers
        else:
            warnings.append(f"{self.spec.label} chooses the image size itself; {settings.size} is not sent.")
        if inputs.seed is None and settings.seed:
            warnings.append(f"{self.spec.label} takes no seed; the seed {settings.seed} is not sent.")
        if not os.environ.get(self.spec.token_env, "").strip():
            raise ModelConfigError(
                f"The image model {self.spec.name!r} needs a {self.provider_label} API token in the environment "
                f"variable {self.spec.token_env}, which is not set. Set it in the shell that starts JupyterLab "
                "(or the batch), then restart the kernel."
            )
        return tuple(warnings)

    async def generate(self, request: ImageRequest, progress: ProgressCallback) -> ImageResult:
        if not request.settings_checked:
            validate_image_settings(request.settings)
        warnings = self.check(request.settings)
        token = read_token(self.spec.token_env, model=self.spec.name, provider=self.provider_label)
        return await _ImageGeneration(self, request, progress, token, warnings).run()


class _ImageGeneration:
    def __init__(
        self,
        backend: HttpImageBackend,
        request: ImageRequest,
        progress: ProgressCallback,
        token: str,
        warnings: tuple[str, ...],
    ) -> None:
        self.backend = backend
        self.spec = backend.spec
        self.label = backend.spec.label
        self.request = request
        self._progress = progress
        self._token = token
        self.warnings = list(warnings)
        self.job_id: str | None = request.resume_provider_job_id
        self.terminal = False
        self.provider: ProviderAPI | None = None
        self.timings: dict[str, float] = {}
        self._best = 0.0

    async def run(self) -> ImageResult:
        started = time.perf_counter()
        output = Path(self.request.output_path)
        partial = output.with_name(f".{output.name}.part")
        try:
            async with new_http_client(self.spec.request_timeout_s, self.backend._transport) as http:
                api = self.backend.api
                client = ApiClient(
                    http, self.spec.base_url, label=self.label, auth=api.auth_headers(self._token), headers={}
                )
                self.provider = api(self.spec, client)  # type: ignore[arg-type]  (duck-typed: .model, .base_url)
                try:
                    async with asyncio.timeout(self.spec.timeout_s):
                        result = await self._generate(partial, output)
                except TimeoutError:
                    await self._cancel_remote()
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
                f"The {self.label} image model {self.spec.name!r} failed unexpectedly. Try again; if it keeps "
                "failing, report it with the detail below.",
                detail=redact(f"{type(exc).__name__}: {exc}"),
            ) from None
        self.timings["total_s"] = round(time.perf_counter() - started, 4)
        return result

    async def _generate(self, partial: Path, output: Path) -> ImageResult:
        provider = self.provider
        assert provider is not None
        status: JobStatus | None = None
        if self.job_id is None:
            status = await self._submit(provider, await self._inputs(provider))
        else:
            self._report(
                0.02, f"Resuming {self.label} job {self.job_id} after a restart (it is not started again)."
            )
        if status is None or not status.state.done:
            status = await self._follow(provider)
        self.terminal = True
        self._raise_for(status)
        assert status.video is not None  # the provider's output URL (an image here)
        await self._fetch(provider, status.video, partial)
        width, height, size_bytes = await self._store(partial, output)
        if (width, height) != (self.request.settings.size.width, self.request.settings.size.height):
            self.warnings.append(f"{self.label} made {width}x{height}, not {self.request.settings.size}.")
        return ImageResult(
            path=output,
            width=width,
            height=height,
            size_bytes=size_bytes,
            timings=dict(self.timings),
            warnings=tuple(self.warnings),
            provider=self.spec.provider,
            provider_job_id=self.job_id,
            cost=status.cost if status.cost is not None else self.spec.price_per_image,
        )

    async def _inputs(self, provider: ProviderAPI) -> dict[str, Any]:
        settings, inputs = self.request.settings, self.spec.inputs
        out: dict[str, Any] = dict(inputs.extra)
        _put(out, inputs.prompt, settings.prompt)
        if inputs.size is not None:
            _put(out, inputs.size.name, inputs.size.value(settings.size))
        if inputs.seed is not None:
            _put(out, inputs.seed, settings.seed)
        if settings.reference and inputs.reference is not None and self.request.reference_path is not None:
            _put(out, inputs.reference.name, await self._reference(provider))
        return out

    async def _reference(self, provider: ProviderAPI) -> str:
        """The current starting image as the provider takes it: inline, uploaded, or by URL."""
        reference = self.spec.inputs.reference
        path = Path(self.request.reference_path or "")
        assert reference is not None
        if reference.mode == "url":
            if self.backend.store_root is None:
                raise ModelConfigError(f"{self.spec.name!r} sends the image by URL, which needs its store.")
            root = Path(self.backend.store_root)
            relative = await asyncio.to_thread(lambda: path.resolve().relative_to(root.resolve()).as_posix())
            return f"{(reference.base_url or '').rstrip('/')}/{quote(relative)}"
        data = await asyncio.to_thread(path.read_bytes)
        media_type = mimetypes.guess_type(path.name)[0] or "image/png"
        if reference.mode == "upload":
            return await self._retrying(lambda: provider.upload(data, path.name, media_type))
        encoded = await asyncio.to_thread(base64.b64encode, data)
        return f"data:{media_type};base64,{encoded.decode('ascii')}"

    async def _submit(self, provider: ProviderAPI, inputs: dict[str, Any]) -> JobStatus | None:
        """Create the provider job and journal its id before anything else; its first status."""
        started = time.perf_counter()
        self._report(0.01, f"Submitting to {self.label}…")
        key = idempotency_key(self.request.job_id)
        create = asyncio.ensure_future(self._retrying(lambda: provider.create(inputs, key)))
        try:
            submitted = await asyncio.shield(create)
        except asyncio.CancelledError:
            # the create may still succeed: learn its id, so that it is cancelled rather than left running
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(CANCEL_TIMEOUT_S):
                    self.job_id = (await create).job_id
            create.cancel()
            raise
        self.job_id = submitted.job_id
        if self.request.on_provider_job is not None:
            await asyncio.shield(self.request.on_provider_job(self.job_id))
        self.timings["submit_s"] = round(time.perf_counter() - started, 4)
        if submitted.status is not None:
            self._report_status(submitted.status)
        return submitted.status

    async def _follow(self, provider: ProviderAPI) -> JobStatus:
        assert self.job_id is not None
        failures = 0
        while True:
            try:
                stream = provider.follow(
                    self.job_id, None, poll_interval_s=self.spec.poll_interval_s, sleep=self.backend._sleep
                )
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

    async def _fetch(self, provider: ProviderAPI, url: str, partial: Path) -> None:
        started = time.perf_counter()
        self._report(0.92, f"Downloading the image from {self.label}…")
        if url.startswith("data:"):
            _, data = await asyncio.to_thread(decode_data_uri, url)
            await asyncio.to_thread(partial.write_bytes, data)
        else:
            await self._retrying(lambda: provider.client.download(url, partial))
        self.timings["download_s"] = round(time.perf_counter() - started, 4)

    async def _store(self, partial: Path, output: Path) -> tuple[int, int, int]:
        """Decode the download (off the loop) and write it to ``output`` as PNG; refuse what is no picture."""
        self._report(0.97, "Checking the image…")
        loop = asyncio.get_running_loop()
        try:
            width, height, size_bytes, blank = await loop.run_in_executor(
                self.request.executor, _write_png, partial, output
            )
        except InvalidImageError as exc:
            raise BackendError(
                f"The image from {self.label} (job {self.job_id}) cannot be used: {exc.message} It was not kept. "
                "Regenerate to try again.",
            ) from None
        finally:
            await asyncio.to_thread(partial.unlink, missing_ok=True)
        if blank:
            await asyncio.to_thread(output.unlink, missing_ok=True)
            raise BackendError(
                f"{self.label} returned a blank black image (job {self.job_id}), which is what its safety checker "
                "sends instead of a flagged picture (content moderation). Change the prompt, then regenerate.",
            )
        return width, height, size_bytes

    def _raise_for(self, status: JobStatus) -> None:
        job = f"job {self.job_id}"
        if status.state is JobState.SUCCEEDED:
            if status.video is None:
                raise BackendError(
                    f"{self.label} finished {job} but returned no image. Regenerate to try again."
                )
            return
        if status.state is JobState.CANCELED:
            raise BackendError(
                f"{self.label} reports {job} as cancelled (outside the workbench), so there is no image. "
                "Regenerate to try again."
            )
        words = redact(status.error or "no reason given").rstrip(". ")
        kind = classify_failure(status.error, status.code)
        if kind == "moderation":
            message = (
                f"{self.label} refused to make this image (content moderation): {words}. Change the prompt."
            )
        elif kind == "input":
            message = f"{self.label} rejected the inputs: {words}. Check this model's inputs in models.json."
        else:
            message = f"{self.label} could not make this image: {words}. Regenerate to try again."
        raise BackendError(message, detail=redact(f"{self.spec.provider} {job}"))

    async def _cancel_remote(self) -> None:
        if self.job_id is None or self.terminal or self.provider is None:
            return
        try:
            async with asyncio.timeout(CANCEL_TIMEOUT_S):
                await self.provider.cancel(self.job_id)
        except (WorkbenchError, TimeoutError) as exc:
            log.warning("Could not cancel %s job %s: %s", self.spec.provider, self.job_id, redact(str(exc)))

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            try:
                return await call()
            except TransientBackendError as exc:
                await self._backoff(exc, attempt)
                attempt += 1

    async def _backoff(self, error: TransientBackendError, attempt: int) -> None:
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
        if status.predict_s is not None:
            self.timings["predict_s"] = round(status.predict_s, 4)
        if status.state is JobState.QUEUED:
            self._report(0.03, status.message or f"Queued at {self.label}…")
        elif status.state is JobState.RUNNING:
            fraction = 0.05 if status.fraction is None else 0.05 + 0.85 * max(0.0, min(1.0, status.fraction))
            self._report(fraction, status.message or f"Generating on {self.label}…")
        elif status.state is JobState.SUCCEEDED:
            self._report(0.9, f"{self.label} finished; fetching the image…")

    def _report(self, fraction: float | None, message: str) -> None:
        if fraction is not None:
            self._best = max(self._best, min(1.0, fraction))
        self._progress(Progress(round(self._best, 4), redact(message)))


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts."""
    *parents, last = dotted.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value


def _write_png(downloaded: Path, output: Path) -> tuple[int, int, int, bool]:
    """Decode ``downloaded`` with the upload rules (limits, bombs) and write it to ``output`` as PNG, atomically.

    Returns width, height, bytes written and whether the picture is blank (all but black). CPU work.
    """
    data = downloaded.read_bytes()
    if len(data) > defaults.MAX_IMAGE_BYTES:
        raise InvalidImageError(
            f"it is {len(data) / 2**20:.0f} MB, over the {defaults.MAX_IMAGE_BYTES // 2**20} MB limit."
        )
    header = read_header(data)
    rgb = decode_rgb(data, strict=True, min_side=defaults.MIN_IMAGE_SIDE)
    blank = float(rgb.mean()) < 4.0 and float(np.asarray(rgb).std()) < 2.0
    height, width = rgb.shape[:2]
    if (
        header.format == "PNG"
        and header.mode in ("RGB", "L")
        and (width, height) == (header.width, header.height)
    ):
        png = data
    else:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format="PNG", compress_level=6)
        png = buffer.getvalue()
    staged = output.with_name(f".{output.name}.tmp")
    try:
        with open(staged, "wb") as fh:
            fh.write(png)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staged, output)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return width, height, len(png), blank
