"""Runway's image-to-video tasks API.

Shapes and lifecycle from Runway's API reference (https://docs.dev.runwayml.com/api/) and its generated SDK
(runwayml/sdk-python ``types/image_to_video_create_params.py``, ``types/task_retrieve_response.py``):

- create: ``POST https://api.dev.runwayml.com/v1/image_to_video`` with headers ``Authorization: Bearer …``
  and ``X-Runway-Version: 2024-11-06``; body ``{"model", "promptImage" (an HTTPS URL or a data URI),
  "promptText", "ratio" ("1280:720" …), "duration" (gen4_turbo: whole seconds 2–10), "seed"}`` → ``{"id"}``
  (https://docs.dev.runwayml.com/api/#tag/Start-generating/paths/~1v1~1image_to_video/post). No idempotency
  key is documented, so a create whose answer is lost is not repeated.
- polling: "poll no more often than every 5 seconds" (the SDK's ``wait_for_task_output`` waits 5 s too), so
  the poll interval defaults to 5 s and a model entry cannot go below it.
- cost: a pending or running task carries ``estimatedCost.credits``, a finished one ``cost.credits`` (what
  was charged; refunds included); credits are priced at $0.01 each (https://docs.dev.runwayml.com/guides/pricing/),
  or ``options.usd_per_credit``.
- status: ``GET /v1/tasks/{id}`` → ``status`` PENDING | THROTTLED | RUNNING | SUCCEEDED | FAILED | CANCELLED,
  ``progress`` (0-1 while RUNNING), ``output`` (video URLs, valid 24-48 h), ``failure`` (human words) and
  ``failureCode`` (``SAFETY.INPUT.TEXT``: moderation; ``INPUT_PREPROCESSING.…``: bad input)
  (https://docs.dev.runwayml.com/api/#tag/Task-management/paths/~1v1~1tasks~1%7Bid%7D/get).
- cancel: ``DELETE /v1/tasks/{id}`` cancels a running task or deletes a finished one
  (https://docs.dev.runwayml.com/api/#tag/Task-management/paths/~1v1~1tasks~1%7Bid%7D/delete).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.errors import BackendError
from workbench.generation.http.providers.base import JobState, JobStatus, ProviderAPI, Submitted, find_video

__all__ = ["Runway"]

DEFAULT_API_VERSION = "2024-11-06"
#: https://docs.dev.runwayml.com/guides/pricing/ ("Credits are $0.01 each")
DEFAULT_USD_PER_CREDIT = 0.01
_OPTIONS = ("api_version", "usd_per_credit")

#: https://docs.dev.runwayml.com/api/#tag/Task-management/paths/~1v1~1tasks~1%7Bid%7D/get
_STATES = {
    "PENDING": JobState.QUEUED,
    "THROTTLED": JobState.QUEUED,
    "RUNNING": JobState.RUNNING,
    "SUCCEEDED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "CANCELLED": JobState.CANCELED,
}
_QUEUED_WORDS = {
    "PENDING": "Waiting in Runway's queue…",
    "THROTTLED": "Runway is holding the task until your other tasks finish…",
}


class Runway(ProviderAPI):
    name = "runway"
    label = "Runway"
    default_base_url = "https://api.dev.runwayml.com/v1"
    image_modes = ("data_uri", "url")
    default_poll_interval_s = 5.0
    min_poll_interval_s = 5.0
    #: gen4_turbo's documented inputs; a model entry overrides what differs (e.g. veo3.1's durations).
    default_inputs: ClassVar[Mapping[str, Any]] = {
        "image": {"name": "promptImage"},
        "prompt": "promptText",
        "duration": {"name": "duration", "format": "int", "min": 2, "max": 10},
        "resolution": [
            {
                "name": "ratio",
                "format": "{width}:{height}",
                "allowed": ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"],
            }
        ],
        "seed": {"name": "seed", "max": 4294967295},
    }

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> list[str]:
        problems = [
            f"has an unknown option {key!r} (known: {', '.join(_OPTIONS)})"
            for key in options
            if key not in _OPTIONS
        ]
        version = options.get("api_version", DEFAULT_API_VERSION)
        if not isinstance(version, str) or not version.strip():
            problems.append("api_version must be a date string such as '2024-11-06'")
        rate = options.get("usd_per_credit", DEFAULT_USD_PER_CREDIT)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
            problems.append("usd_per_credit must be a number of dollars, e.g. 0.01")
        return problems

    @classmethod
    def extra_headers(cls, spec: Any) -> dict[str, str]:
        return {"X-Runway-Version": str(spec.options.get("api_version", DEFAULT_API_VERSION))}

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        body = {"model": self.spec.model, **inputs}
        reply = await self.client.call(
            "POST", "image_to_video", json=body, action="starting the task", idempotent=False
        )
        task_id = reply.data.get("id") if isinstance(reply.data, Mapping) else None
        if not isinstance(task_id, str) or not task_id:
            raise BackendError("Runway accepted the task but did not return its id.")
        return Submitted(task_id, JobStatus(JobState.QUEUED, message=_QUEUED_WORDS["PENDING"]))

    async def status(self, job_id: str) -> JobStatus:
        reply = await self.fetch_job(f"tasks/{job_id}", job_id, "task")
        data = reply if isinstance(reply, Mapping) else {}
        raw = str(data.get("status"))
        state = _STATES.get(raw)
        if state is None:
            raise BackendError(f"Runway reported an unknown task status {data.get('status')!r}.")
        progress = data.get("progress")
        fraction = float(progress) if isinstance(progress, int | float) and 0 <= progress <= 1 else None
        cost = self._dollars(data.get("cost") if state.done else data.get("estimatedCost"))
        if state is JobState.FAILED:
            return JobStatus(
                state,
                error=str(data.get("failure") or "the task failed without a message"),
                code=str(data.get("failureCode") or "") or None,
                cost=cost,
            )
        return JobStatus(
            state,
            fraction=fraction if state is JobState.RUNNING else None,
            message=_QUEUED_WORDS.get(raw, "Generating on Runway…" if state is JobState.RUNNING else ""),
            video=find_video(data.get("output")) if state is JobState.SUCCEEDED else None,
            cost=cost if state is JobState.SUCCEEDED else None,
        )

    def _dollars(self, cost: object) -> float | None:
        """``{"credits": 25}`` → dollars at the configured rate (``None`` when the task does not say)."""
        credits = cost.get("credits") if isinstance(cost, Mapping) else None
        if isinstance(credits, bool) or not isinstance(credits, int | float):
            return None
        rate = float(self.spec.options.get("usd_per_credit", DEFAULT_USD_PER_CREDIT))
        return round(float(credits) * rate, 6)

    async def cancel(self, job_id: str) -> None:
        await self.stop_job("DELETE", f"tasks/{job_id}", job_id, "task")
