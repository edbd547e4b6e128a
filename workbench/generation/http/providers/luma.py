"""Luma's Dream Machine generations API.

Shapes and lifecycle from Luma's documentation (https://docs.lumalabs.ai/docs/video-generation,
https://docs.lumalabs.ai/reference/creategeneration) and its generated SDK (lumalabs/lumaai-python
``types/generations/video_create_params.py``, ``types/generation.py``):

- create: ``POST https://api.lumalabs.ai/dream-machine/v1/generations/video`` with ``Authorization: Bearer …``
  (lumaai ≥ 1.18 creates there; older SDKs posted to ``/generations``);
  body ``{"prompt", "model" ("ray-2" …), "keyframes": {"frame0": {"type": "image", "url"}}, "aspect_ratio"
  ("16:9" …), "resolution" ("540p" …), "duration" ("5s" | "9s"), "loop"}`` → the generation (``id``,
  ``state``). "Image URL: … currently this is the only way to pass an image", so the starting image must be
  reachable by URL (``"as": "url"``). No idempotency key is documented.
- status: ``GET /generations/{id}`` → ``state`` queued | dreaming | completed | failed, ``failure_reason``,
  ``assets.video``.
- cancel: Luma documents no cancel; ``DELETE /generations/{id}`` (documented as "delete a generation") is
  the closest, and is what cancelling here sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.errors import BackendError
from workbench.generation.http.providers.base import JobState, JobStatus, ProviderAPI, Submitted, find_video

__all__ = ["Luma"]

#: https://docs.lumalabs.ai/reference/getgeneration (``state``)
_STATES = {
    "queued": JobState.QUEUED,
    "dreaming": JobState.RUNNING,
    "completed": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
}


class Luma(ProviderAPI):
    name = "luma"
    label = "Luma"
    default_base_url = "https://api.lumalabs.ai/dream-machine/v1"
    image_modes = ("url",)
    default_inputs: ClassVar[Mapping[str, Any]] = {
        "image": {"name": "keyframes.frame0.url", "as": "url"},
        "prompt": "prompt",
        "duration": {"name": "duration", "format": "{seconds}s", "allowed": [5, 9]},
        "resolution": [
            {
                "name": "aspect_ratio",
                "format": "{aspect}",
                "allowed": ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"],
            },
            {"name": "resolution", "format": "{short}p", "allowed": ["540p", "720p", "1080p"]},
        ],
        "extra": {"keyframes": {"frame0": {"type": "image"}}},
    }

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        body = {"model": self.spec.model, **inputs}
        reply = await self.client.call(
            "POST", "generations/video", json=body, action="starting the generation", idempotent=False
        )
        data = reply.data if isinstance(reply.data, Mapping) else {}
        generation_id = data.get("id")
        if not isinstance(generation_id, str) or not generation_id:
            raise BackendError("Luma accepted the generation but did not return its id.")
        return Submitted(generation_id, self._status(data) if data.get("state") else None)

    async def status(self, job_id: str) -> JobStatus:
        return self._status(await self.fetch_job(f"generations/{job_id}", job_id, "generation"))

    async def cancel(self, job_id: str) -> None:
        await self.stop_job("DELETE", f"generations/{job_id}", job_id, "generation")

    def _status(self, data: Any) -> JobStatus:
        if not isinstance(data, Mapping):
            raise BackendError("Luma answered with something that is not a generation.")
        state = _STATES.get(str(data.get("state")))
        if state is None:
            raise BackendError(f"Luma reported an unknown generation state {data.get('state')!r}.")
        if state is JobState.FAILED:
            return JobStatus(
                state, error=str(data.get("failure_reason") or "the generation failed without a reason")
            )
        assets = data.get("assets") if isinstance(data.get("assets"), Mapping) else {}
        return JobStatus(
            state,
            message={JobState.QUEUED: "Waiting in Luma's queue…", JobState.RUNNING: "Dreaming on Luma…"}.get(
                state, ""
            ),
            video=find_video(assets.get("video")) if state is JobState.SUCCEEDED else None,
        )
