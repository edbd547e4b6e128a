"""Replicate's predictions API.

Shapes and lifecycle from Replicate's HTTP API reference (https://replicate.com/docs/reference/http,
https://replicate.com/docs/topics/predictions/create-a-prediction and the generated SDK reference
https://sdks.replicate.com/typescript/resources/predictions/methods/create):

- create: ``POST /v1/models/{owner}/{name}/predictions {"input": …}`` for a model's latest version, or
  ``POST /v1/predictions {"version": …, "input": …}`` for a pinned ``owner/name:version``. The answer is the
  prediction (``id``, ``status``, ``urls.get``/``urls.cancel``). We do not send ``Prefer: wait``: holding
  the request open for up to 60 s would delay the one thing a restart needs (the id), and Replicate
  documents no idempotency key, so a create whose answer is lost cannot be safely repeated.
- status: ``GET /v1/predictions/{id}`` → ``status`` starting | processing | succeeded | failed | canceled,
  ``logs`` (tqdm bars give a percent), ``error``, ``output`` (file URLs on replicate.delivery),
  ``metrics.predict_time``.
- cancel: ``POST /v1/predictions/{id}/cancel`` (https://replicate.com/docs/topics/predictions/cancel-a-prediction).
- files: ``POST /v1/files`` (multipart ``content``) → ``urls.get``, for ``"as": "upload"`` images.
  Data URIs are documented for files up to 256 kB; larger starting images should be uploaded.
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
    last_line,
    percent_from_logs,
)
from workbench.generation.http.providers.cog import COG_STATES

__all__ = ["Replicate"]

#: https://replicate.com/docs/reference/http#predictions.get ("status will be one of …"); "aborted" is a
#: prediction that never started because it was cancelled or timed out in the queue.
_STATES = {**COG_STATES, "aborted": JobState.CANCELED}


class Replicate(ProviderAPI):
    name = "replicate"
    label = "Replicate"
    default_base_url = "https://api.replicate.com/v1"
    image_modes = ("data_uri", "upload", "url")
    default_inputs: ClassVar[Mapping[str, Any]] = {"image": {"name": "image"}, "prompt": "prompt"}

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        model = self.spec.model or ""
        owner_name, _, version = model.partition(":")
        if version:
            path, body = "predictions", {"version": version, "input": inputs}
        else:
            path, body = f"models/{owner_name}/predictions", {"input": inputs}
        reply = await self.client.call(
            "POST", path, json=body, action="creating the prediction", idempotent=False
        )
        return Submitted(_prediction_id(reply.data), self._status(reply.data))

    async def status(self, job_id: str) -> JobStatus:
        return self._status(await self.fetch_job(f"predictions/{job_id}", job_id, "prediction"))

    async def cancel(self, job_id: str) -> None:
        # Cancelling a finished prediction is harmless; 404 means there is nothing left to stop.
        await self.stop_job("POST", f"predictions/{job_id}/cancel", job_id, "prediction")

    async def upload(self, data: bytes, filename: str, content_type: str) -> str:
        reply = await self.client.call(
            "POST",
            "files",
            files={"content": (filename, data, content_type)},
            action="uploading the starting image",
            idempotent=True,  # an extra upload costs nothing
        )
        url = (reply.data or {}).get("urls", {}).get("get") if isinstance(reply.data, Mapping) else None
        if not isinstance(url, str):
            raise BackendError("Replicate accepted the starting image but did not say where it is.")
        return url

    def _status(self, data: Any) -> JobStatus:
        if not isinstance(data, Mapping):
            raise BackendError("Replicate answered with something that is not a prediction.")
        state = _STATES.get(str(data.get("status")))
        if state is None:
            raise BackendError(f"Replicate reported an unknown prediction status {data.get('status')!r}.")
        logs = data.get("logs") or ""
        metrics = data.get("metrics") or {}
        predict_s = metrics.get("predict_time") if isinstance(metrics, Mapping) else None
        message = {
            JobState.QUEUED: "Waiting for a Replicate GPU (starting)…",
            JobState.RUNNING: last_line(logs) or "Generating on Replicate…",
        }.get(state, "")
        error = str(data.get("error") or "") or None
        if state is JobState.FAILED and error is None:
            error = last_line(logs) or "the prediction failed without a message"
        return JobStatus(
            state,
            fraction=percent_from_logs(logs) if state is JobState.RUNNING else None,
            message=message,
            video=find_video(data.get("output")) if state is JobState.SUCCEEDED else None,
            error=error,
            predict_s=float(predict_s) if isinstance(predict_s, int | float) else None,
        )


def _prediction_id(data: Any) -> str:
    pid = data.get("id") if isinstance(data, Mapping) else None
    if not isinstance(pid, str) or not pid:
        raise BackendError("Replicate accepted the prediction but did not return its id.")
    return pid
