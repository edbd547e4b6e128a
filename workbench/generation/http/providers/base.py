"""What every provider module implements: create a job, read its status, follow it, cancel it.

A provider maps its own lifecycle onto :class:`JobState` and its own status document onto
:class:`JobStatus`; the backend (``..backend``) does the rest (journaling, retries, progress, download,
checks) the same way for all of them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from workbench.errors import BackendError

if TYPE_CHECKING:
    from workbench.generation.http.input_schema import InputSchema
    from workbench.generation.http.spec import ModelSpec
    from workbench.generation.http.transport import ApiClient

__all__ = [
    "FailureKind",
    "JobState",
    "JobStatus",
    "ProviderAPI",
    "Sleep",
    "Submitted",
    "classify_failure",
    "find_video",
    "last_line",
    "percent_from_logs",
]

Sleep = Callable[[float], Awaitable[None]]
#: Why a provider job failed, as far as its words tell: the backend picks the advice it gives from it.
FailureKind = Literal["moderation", "input", "model"]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def done(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


@dataclass(frozen=True)
class JobStatus:
    """A provider job as the backend needs it. ``fraction`` is the provider's own progress, if it gives one."""

    state: JobState
    fraction: float | None = None
    message: str = ""
    #: Where the video is once the job succeeded: an http(s) URL or a data URI.
    video: str | None = None
    #: The provider's words when the job failed.
    error: str | None = None
    #: The provider's machine-readable failure code, when it has one (Runway's ``failureCode``).
    code: str | None = None
    #: GPU seconds the provider reports (Replicate's and Cog's ``predict_time``, fal's ``inference_time``).
    predict_s: float | None = None
    #: What the run cost, when the provider says.
    cost: float | None = None


@dataclass(frozen=True)
class Submitted:
    job_id: str
    status: JobStatus | None = None
    #: False when nothing was sent yet: the first :meth:`ProviderAPI.follow` starts the job (Cog's
    #: synchronous prediction, whose one request is both the create and the wait).
    started: bool = True


class ProviderAPI:
    """Base for provider modules. Class attributes describe the provider to the config loader."""

    name: ClassVar[str]
    label: ClassVar[str]
    default_base_url: ClassVar[str | None] = None
    needs_model: ClassVar[bool] = True
    needs_token: ClassVar[bool] = True
    #: How often a job is polled unless the model entry says otherwise, and the least the provider allows.
    default_poll_interval_s: ClassVar[float] = 2.0
    min_poll_interval_s: ClassVar[float] = 0.0
    #: How the starting image may be sent; the first is the default.
    image_modes: ClassVar[tuple[str, ...]] = ("data_uri",)
    #: The ``inputs`` a model entry starts from (the entry's own keys win).
    default_inputs: ClassVar[Mapping[str, Any]] = {"image": {"name": "image"}, "prompt": "prompt"}
    #: True when the job id is chosen here (:meth:`job_id_for`) rather than by the provider: it is then
    #: journaled *before* anything is sent, so a restarted kernel knows it even if the create's answer is lost.
    chooses_job_id: ClassVar[bool] = False
    #: True when following a job needs its inputs (Cog's synchronous prediction is one request).
    follows_with_inputs: ClassVar[bool] = False

    def __init__(self, spec: ModelSpec, client: ApiClient) -> None:
        self.spec = spec
        self.client = client
        #: Where a provider reports a state change outside :meth:`follow` (waiting for a slot, …); the backend
        #: sets it to its progress reporter.
        self.notify: Callable[[JobStatus], None] = lambda status: None
        #: Set by the backend: the job's own random source and sleep (tests replace both).
        self.sleep: Sleep | None = None

    async def prepare(self) -> None:
        """Learn what the provider can do before anything is created (Cog: read the server). No-op here."""

    @classmethod
    def published_schema(
        cls, spec: ModelSpec, headers: Mapping[str, str], *, read_now: bool
    ) -> InputSchema | None:
        """The input schema the provider itself publishes for ``spec``, without a job (``read_now``: it may
        be fetched, briefly; otherwise only what is already known). Hosted providers publish none."""
        return None

    def served_schema(self) -> InputSchema | None:
        """The input schema the provider itself published in :meth:`prepare` (Cog's ``/openapi.json``)."""
        return None

    def running(self, job_id: str | None) -> contextlib.AbstractAsyncContextManager[None]:
        """Held around creating and following one job (Cog: a slot in the endpoint's client-side queue)."""
        return contextlib.nullcontext()

    def cannot_follow(self, job_id: str) -> BackendError | None:
        """Why a job that was already created cannot be followed here (``None``: it can)."""
        return None

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> list[str]:
        """Problems with a model entry's ``options`` (unknown keys by default)."""
        return [f"has an unknown option {key!r}" for key in options]

    @classmethod
    def auth_headers(cls, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @classmethod
    def extra_headers(cls, spec: ModelSpec) -> dict[str, str]:
        return {}

    def job_id_for(self, key: str) -> str:
        """The job id a create will use for ``key`` (only when ``chooses_job_id``)."""
        raise NotImplementedError

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        raise NotImplementedError

    async def status(self, job_id: str) -> JobStatus:
        raise NotImplementedError

    async def follow(
        self,
        job_id: str,
        inputs: dict[str, Any] | None,
        *,
        poll_interval_s: float,
        sleep: Sleep,
        created: bool = True,
    ) -> AsyncIterator[JobStatus]:
        """The job's states until a final one. Polls :meth:`status` by default; a transient failure ends
        the iteration with :class:`~workbench.errors.TransientBackendError` and following starts again.

        ``created`` is false only for a job that :meth:`create` left for this call to start (Cog's
        synchronous prediction); a job that exists already is only ever followed, never started again."""
        while True:
            status = await self.status(job_id)
            yield status
            if status.state.done:
                return
            await sleep(poll_interval_s)

    async def cancel(self, job_id: str) -> None:
        raise NotImplementedError

    async def upload(self, data: bytes, filename: str, content_type: str) -> str:
        """Upload the starting image to the provider; returns the URL to pass as input."""
        raise BackendError(f'{self.label} has no upload API here; use "as": "data_uri" or "url".')

    async def fetch_job(self, path: str, job_id: str, noun: str) -> Any:
        """GET a job's state document; a 404 means the provider forgot it (:meth:`gone`)."""
        reply = await self.client.call(
            "GET", path, action=f"checking {noun} {job_id}", idempotent=True, accept=(404,)
        )
        if reply.status == 404:
            raise self.gone(job_id)
        return reply.data

    async def stop_job(self, method: str, path: str, job_id: str, noun: str) -> None:
        """Ask the provider to stop a job; a 404 means there is nothing left to stop."""
        await self.client.call(
            method, path, action=f"cancelling {noun} {job_id}", idempotent=True, accept=(404,)
        )

    def gone(self, job_id: str) -> BackendError:
        """The error for a job the provider no longer knows (expired, deleted, wrong account)."""
        return BackendError(
            f"{self.label} no longer knows job {job_id} (it may have expired or been deleted). "
            "Regenerate to start a new one."
        )


_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?%")
_STEPS = re.compile(r"\b(\d{1,6})\s?/\s?(\d{1,6})\b")


def percent_from_logs(logs: object) -> float | None:
    """The last ``NN%`` (or ``k/n`` step counter) in a model's logs, as a fraction."""
    text = logs if isinstance(logs, str) else " ".join(str(x) for x in logs) if isinstance(logs, list) else ""
    tail = text[-4000:]
    for match in reversed(_PERCENT.findall(tail)):
        value = float(match)
        if 0 <= value <= 100:
            return value / 100
    for done, total in reversed(_STEPS.findall(tail)):
        if int(total) > 0 and int(done) <= int(total):
            return int(done) / int(total)
    return None


def last_line(logs: object, limit: int = 160) -> str:
    text = logs if isinstance(logs, str) else ""
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""


_MODERATION = re.compile(r"(?i)(nsfw|moderat|safety|content polic|flagged|inappropriate|sensitive content)")
_BAD_INPUT = re.compile(r"(?i)(invalid|validation|must be|not supported|unsupported|out of range|required)")


def classify_failure(error: str | None, code: str | None = None) -> FailureKind:
    """Moderation, invalid input or a failed run, from a provider's failure code or words."""
    code = (code or "").upper()
    if code.startswith(("SAFETY", "MODERATION")) or _MODERATION.search(error or ""):
        return "moderation"
    if code.startswith(("INPUT", "INVALID")) or _BAD_INPUT.search(error or ""):
        return "input"
    return "model"


_VIDEO_HINTS = (".mp4", ".webm", ".mov", ".m4v", "data:video/")


def find_video(output: Any) -> str | None:
    """The video in a model's output: a URL or data URI, however nested (a string, a list, ``{"video": …}``).

    A URL that looks like a video wins over other URLs (a thumbnail, a poster frame).
    """
    found: list[str] = []
    preferred = ("video", "videos", "url", "output")

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if value.startswith(("https://", "http://", "data:")):
                found.append(value)
        elif isinstance(value, Mapping):
            for key in preferred:
                if key in value:
                    walk(value[key])
            for key, item in value.items():
                if key not in preferred:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(output)
    for url in found:
        if any(hint in url.lower().split("?")[0] or url.startswith(hint) for hint in _VIDEO_HINTS):
            return url
    return found[0] if found else None
