"""Cog's HTTP predictions API: a self-hosted model container (or ``workbench serve``) on a team's GPU box.

Shapes and lifecycle from Cog's HTTP API documentation (https://github.com/replicate/cog/blob/main/docs/http.md):

- ``PUT /predictions/{id}`` with ``{"id", "input"}`` is the *idempotent* create: "if a client calls this
  endpoint more than once with the same ID … while the prediction is still running, no new prediction is
  created. Instead, the client receives the response type requested by the retry". So the prediction id
  is chosen here, journaled before anything is sent, and a dropped connection or a restarted kernel simply
  repeats the PUT to re-attach.
- Cog has no status endpoint to poll ("Polling for prediction status is not currently supported"); a
  client follows a prediction over the response itself. Mode ``stream`` asks for server-sent events
  (``Accept: text/event-stream``: ``start``, ``log``, ``output``, ``completed`` with the final prediction)
  and so gets progress from the model's log lines; a model that cannot stream answers 406 Not Acceptable
  (nothing was started) and the backend falls back to mode ``sync``: one blocking PUT answered with the
  final prediction (``status`` succeeded | failed | canceled, ``output`` — files as data URLs by default —
  ``error``, ``logs``, ``metrics.predict_time``).
- 409 Conflict means every prediction slot is busy and nothing was created: retried with backoff.
- cancel: ``POST /predictions/{id}/cancel`` (200, or 404 when the server no longer has it). Cog documents
  that predictions created synchronously cannot be cancelled; ``workbench serve`` cancels any prediction.
- Limitation: a prediction that *finished* while the kernel was down is forgotten by a stock Cog server,
  so repeating the PUT runs it again (GPU time on your own machine, not a bill); ``workbench serve`` keeps
  finished predictions for a while and answers the repeat with the result.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import httpx

from workbench.errors import BackendError, TransientBackendError
from workbench.generation.http.providers.base import (
    JobState,
    JobStatus,
    ProviderAPI,
    Sleep,
    Submitted,
    find_video,
    last_line,
    percent_from_logs,
)
from workbench.generation.http.sse import ServerSentEvent, server_sent_events

__all__ = ["COG_STATES", "Cog"]

#: Cog's prediction ``status`` values (https://github.com/replicate/cog/blob/main/docs/http.md); Replicate's
#: predictions are Cog's, so :mod:`.replicate` extends this map.
COG_STATES = {
    "starting": JobState.QUEUED,
    "processing": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELED,
}


class Cog(ProviderAPI):
    name = "cog"
    label = "Cog server"
    default_base_url = None
    needs_model = False
    needs_token = False
    modes = ("stream", "sync")
    image_modes = ("data_uri", "url")
    idempotent_create = True
    follows_with_inputs = True
    #: The inputs ``workbench serve`` takes (see :mod:`workbench.generation.http.cog_server`).
    default_inputs: ClassVar[Mapping[str, Any]] = {
        "image": {"name": "image"},
        "prompt": "prompt",
        "duration": {"name": "duration_s"},
        "resolution": [{"name": "resolution", "format": "{width}x{height}"}],
        "fps": {"name": "fps"},
        "seed": {"name": "seed"},
    }

    def __init__(self, spec: Any, client: Any) -> None:
        super().__init__(spec, client)
        self._streams = spec.mode != "sync"

    def job_id_for(self, key: str) -> str:
        return key

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        """Nothing is sent yet: the id is ours, so it is journaled first and :meth:`follow` PUTs it."""
        return Submitted(
            self.job_id_for(key), JobStatus(JobState.QUEUED, message="Sending to the Cog server…")
        )

    async def follow(
        self, job_id: str, inputs: dict[str, Any] | None, *, poll_interval_s: float, sleep: Sleep
    ) -> AsyncIterator[JobStatus]:
        body = {"id": job_id, "input": inputs or {}}
        # A prediction may take as long as the model's whole timeout; only connecting must be quick.
        wait = httpx.Timeout(self.spec.timeout_s, connect=min(10.0, self.spec.request_timeout_s))
        if self._streams:
            async with self.client.stream(
                "PUT",
                f"predictions/{job_id}",
                json=body,
                headers={"Accept": "text/event-stream"},
                action=f"running prediction {job_id}",
                idempotent=True,
                accept=(406,),
                busy=(409,),
                request_timeout=wait,
            ) as response:
                if response.status_code == 406 or "text/event-stream" not in response.headers.get(
                    "content-type", ""
                ):
                    self._streams = False  # this model cannot stream: nothing was started, use sync
                else:
                    logs = ""
                    async for event in server_sent_events(response.aiter_lines()):
                        if event.event == "error":  # the replay buffer lost events: fall back to sync
                            break
                        status, logs = self._from_event(event, logs)
                        if status is not None:
                            yield status
                            if status.state.done:
                                return
                    else:
                        raise TransientBackendError(
                            "The Cog server closed the event stream before the prediction finished."
                        )
        reply = await self.client.call(
            "PUT",
            f"predictions/{job_id}",
            json=body,
            action=f"running prediction {job_id}",
            idempotent=True,
            busy=(409,),
            request_timeout=wait,
        )
        status = self._prediction(reply.data)
        if not status.state.done:
            raise TransientBackendError(f"The Cog server answered before prediction {job_id} finished.")
        yield status

    async def status(self, job_id: str) -> JobStatus:
        raise BackendError(
            "Cog servers cannot be polled; predictions are followed with PUT /predictions/{id}."
        )

    async def cancel(self, job_id: str) -> None:
        await self.stop_job("POST", f"predictions/{job_id}/cancel", job_id, "prediction")

    def _from_event(self, event: ServerSentEvent, logs: str) -> tuple[JobStatus | None, str]:
        data = event.json()
        if event.event == "start":
            return JobStatus(JobState.RUNNING, message="Generating on the Cog server…"), logs
        if event.event == "log" and isinstance(data, Mapping):
            line = str(data.get("data", ""))
            logs = (logs + line)[-4000:]
            return JobStatus(
                JobState.RUNNING, fraction=percent_from_logs(line), message=last_line(line)
            ), logs
        if event.event == "completed":
            return self._prediction(data), logs
        return None, logs

    def _prediction(self, data: Any) -> JobStatus:
        if not isinstance(data, Mapping):
            raise BackendError("The Cog server answered with something that is not a prediction.")
        state = COG_STATES.get(str(data.get("status")))
        if state is None:
            raise BackendError(
                f"The Cog server reported an unknown prediction status {data.get('status')!r}."
            )
        metrics = data.get("metrics") if isinstance(data.get("metrics"), Mapping) else {}
        predict_s = metrics.get("predict_time")
        error = str(data.get("error") or "") or None
        if state is JobState.FAILED and error is None:
            error = last_line(data.get("logs")) or "the prediction failed without a message"
        return JobStatus(
            state,
            fraction=percent_from_logs(data.get("logs")) if state is JobState.RUNNING else None,
            video=find_video(data.get("output")) if state is JobState.SUCCEEDED else None,
            error=error if state is JobState.FAILED else None,
            predict_s=float(predict_s) if isinstance(predict_s, int | float) else None,
        )
