"""fal's queue API.

Shapes and lifecycle from fal's queue documentation (https://docs.fal.ai/documentation/model-apis/inference/queue,
https://fal.ai/docs/api-reference/inference-api and the operation pages under https://fal.ai/docs/inference-api/queue/):

- submit: ``POST https://queue.fal.run/{model_id}`` with the model's input as the body, header
  ``Authorization: Key …`` → ``request_id``, ``status_url``, ``response_url``, ``cancel_url``. fal documents
  no idempotency key, so a submit whose answer is lost is not repeated (it could run, and bill, twice).
- status: ``GET /{owner}/{app}/requests/{request_id}/status?logs=1`` → 202 while ``status`` is IN_QUEUE (with
  ``queue_position``) or IN_PROGRESS (with ``logs``), 200 once COMPLETED (with ``metrics.inference_time``,
  and ``error`` when the run failed). Status, result and cancel use the model id *without* its endpoint
  path (``fal-ai/kling-video`` for ``fal-ai/kling-video/v1/standard/image-to-video``), but keep a namespace
  (``workflows/owner/app``, ``comfy/owner/app``), as fal-client's ``AppId.from_endpoint_id`` does.
- result: ``GET /{owner}/{app}/requests/{request_id}`` → the model's output (video models:
  ``{"video": {"url": …}}``); "if the model returned an error, this operation returns the same error"
  (https://fal.ai/docs/inference-api/queue/result). fal keeps a result for an hour (six minutes when it
  is 10 KB or more), so a kernel that stays down longer cannot resume the request.
- cancel: ``PUT /{owner}/{app}/requests/{request_id}/cancel`` → 202 ``CANCELLATION_REQUESTED``, 400
  ``ALREADY_COMPLETED``, 404 ``NOT_FOUND`` (https://fal.ai/docs/inference-api/queue/cancel).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.errors import BackendError
from workbench.generation.http.providers.base import (
    JobState,
    JobStatus,
    ProviderAPI,
    Submitted,
    find_video,
    percent_from_logs,
)

__all__ = ["Fal", "app_path"]

#: fal-client ``APP_NAMESPACES``: app ids that start with one of these have three parts before the path.
APP_NAMESPACES = ("workflows", "comfy")


def app_path(model: str) -> str:
    """``owner/app`` (or ``namespace/owner/app``) of a fal model id, without its endpoint path."""
    parts = model.strip("/").split("/")
    keep = 3 if parts and parts[0] in APP_NAMESPACES else 2
    return "/".join(parts[:keep])


#: https://docs.fal.ai/documentation/model-apis/inference/queue ("Request Lifecycle")
_STATES = {"IN_QUEUE": JobState.QUEUED, "IN_PROGRESS": JobState.RUNNING, "COMPLETED": JobState.SUCCEEDED}


class Fal(ProviderAPI):
    name = "fal"
    label = "fal"
    default_base_url = "https://queue.fal.run"
    image_modes = ("data_uri", "url")
    default_inputs: ClassVar[Mapping[str, Any]] = {"image": {"name": "image_url"}, "prompt": "prompt"}

    @classmethod
    def auth_headers(cls, token: str) -> dict[str, str]:
        return {"Authorization": f"Key {token}"}

    @property
    def _app(self) -> str:
        """The model id without its endpoint path: status, result and cancel live under it."""
        return app_path(self.spec.model or "")

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        reply = await self.client.call(
            "POST", self.spec.model or "", json=inputs, action="submitting the request", idempotent=False
        )
        data = reply.data if isinstance(reply.data, Mapping) else {}
        request_id = data.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            raise BackendError("fal accepted the request but did not return its request id.")
        return Submitted(request_id, JobStatus(JobState.QUEUED, message="In fal's queue…"))

    async def status(self, job_id: str) -> JobStatus:
        reply = await self.fetch_job(f"{self._app}/requests/{job_id}/status?logs=1", job_id, "request")
        data = reply if isinstance(reply, Mapping) else {}
        state = _STATES.get(str(data.get("status")))
        if state is None:
            raise BackendError(f"fal reported an unknown request status {data.get('status')!r}.")
        logs = [str(e.get("message", "")) for e in data.get("logs") or [] if isinstance(e, Mapping)]
        metrics = data.get("metrics") if isinstance(data.get("metrics"), Mapping) else {}
        predict_s = metrics.get("inference_time")
        predict_s = float(predict_s) if isinstance(predict_s, int | float) else None
        if state is JobState.QUEUED:
            position = data.get("queue_position")
            where = f" (position {position})" if isinstance(position, int) else ""
            return JobStatus(state, message=f"In fal's queue{where}…")
        if state is JobState.RUNNING:
            return JobStatus(
                state,
                fraction=percent_from_logs(logs),
                message=(logs[-1][:160] if logs else "Generating on fal…"),
            )
        if data.get("error"):
            return JobStatus(
                JobState.FAILED,
                error=str(data["error"]),
                code=str(data.get("error_type") or "") or None,
                predict_s=predict_s,
            )
        return await self._result(job_id, predict_s)

    async def _result(self, job_id: str, predict_s: float | None) -> JobStatus:
        reply = await self.client.call(
            "GET",
            f"{self._app}/requests/{job_id}",
            action=f"fetching the result of request {job_id}",
            idempotent=True,
            accept=(400, 404, 422),
        )
        if reply.status == 404:
            raise self.gone(job_id)
        if reply.status in (400, 422):  # the model refused its input: the result *is* the model's error
            return JobStatus(JobState.FAILED, error=reply.message, code="INPUT", predict_s=predict_s)
        video = find_video(reply.data)
        if video is None:
            return JobStatus(JobState.FAILED, error="the result has no video in it", predict_s=predict_s)
        return JobStatus(JobState.SUCCEEDED, video=video, predict_s=predict_s)

    async def cancel(self, job_id: str) -> None:
        await self.client.call(
            "PUT",
            f"{self._app}/requests/{job_id}/cancel",
            action=f"cancelling request {job_id}",
            idempotent=True,
            accept=(400, 404),  # already completed / not found: nothing left to stop
        )
