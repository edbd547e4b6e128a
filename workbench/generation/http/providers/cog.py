"""Cog's HTTP predictions API: a self-hosted model container (or ``workbench serve``) on a team's GPU box.

Shapes from Cog's HTTP API documentation (https://github.com/replicate/cog/blob/main/docs/http.md), behaviour
as measured against real servers (cog 0.14 and 0.23 from PyPI, see :mod:`..cog_facts`). The rule is *one
run per job*: nothing is ever sent twice that could start a second prediction.

- **Before creating**, the server is read (:meth:`Cog.prepare`): its health (a model still in ``setup()``
  is waited for), its version and its ``/openapi.json`` (the input schema every job is checked against, and
  whether the model streams events).
- **One slot at a time.** Jobs in this process take turns per server (:mod:`..endpoint_queue`); a 409 from
  a server busy with other clients' work, or a 503 while it loads, is waited out for as long as the job's
  timeout allows, and said so in the progress log. A 409/503 means nothing was created.
- **Streaming servers** (``workbench serve``; coglet ≥ 0.21 for ``@cog.streaming`` models): the prediction
  is created asynchronously (``PUT /predictions/{id}`` with ``Prefer: respond-async``, so a lost connection
  does not cancel it) and then followed by subscribing to its events with a PUT whose *input is invalid*:
  the server re-joins a running prediction whatever the body says, and answers 422 — never a new run —
  once it is gone. A restarted kernel re-joins the same way.
- **Other servers**: one synchronous PUT is the prediction (0.14 answers JSON even when events are asked
  for; that answer is used, never followed by a second PUT). coglet's invalid-input probe still reports the
  logs (progress) while it runs. When that connection is lost the prediction cannot be collected (0.14
  forgets it, coglet cancels it): the job fails saying so, and nothing is started again.
- cancel: ``POST /predictions/{id}/cancel`` (200, or 404 when the server no longer has it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import httpx

from workbench.errors import BackendError, TransientBackendError
from workbench.generation.http.cog_facts import CogFacts, cached_facts, facts_from, remember_facts
from workbench.generation.http.endpoint_queue import BusyWait, endpoint_queue
from workbench.generation.http.input_schema import InputSchema
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
from workbench.generation.http.transport import provider_message

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
#: Health states in which the model is still loading (coglet and 0.14 say STARTING).
_LOADING = {"STARTING", "UNKNOWN"}
_BROKEN = {"SETUP_FAILED", "DEFUNCT", "UNHEALTHY"}
#: Reaching the server at all: a few tries, then the job fails saying the server is down.
_CONNECT_ATTEMPTS = 4
#: How often a waiting job says so again in the progress log (the message carries the time waited).
_SAY_EVERY_S = 10.0


class Cog(ProviderAPI):
    name = "cog"
    label = "Cog server"
    default_base_url = None
    needs_model = False
    needs_token = False
    image_modes = ("data_uri", "url")
    chooses_job_id = True
    follows_with_inputs = True
    #: The inputs ``workbench serve`` takes (see :mod:`workbench.serve.predictions`).
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
        self.facts: CogFacts | None = None
        self._where = spec.label

    # -- before creating -------------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Read the server (health, version, schema) unless it was read moments ago; wait while its model
        loads. (A server that starts loading later answers the create with 503, which is waited out too.)"""
        facts = cached_facts(self.spec.base_url)
        if facts is None:
            health = await self._wait_until_ready()
            index = await self._document("", "reading the server's description")
            openapi = await self._document("openapi.json", "reading the model's input schema")
            facts = facts_from(index, health, openapi, where=self.spec.base_url)
            remember_facts(self.spec.base_url, facts)
        self.facts = facts

    def served_schema(self) -> InputSchema | None:
        return None if self.facts is None else self.facts.schema

    @classmethod
    def published_schema(cls, spec: Any, headers: Mapping[str, str], *, read_now: bool) -> InputSchema | None:
        facts = cls.facts_now(spec.base_url, headers) if read_now else cached_facts(spec.base_url)
        return None if facts is None else facts.schema

    def job_id_for(self, key: str) -> str:
        return key

    @contextlib.asynccontextmanager
    async def running(self, job_id: str | None) -> AsyncIterator[None]:
        slots = self.spec.slots or (self.facts.slots if self.facts else None) or 1
        queue = endpoint_queue(self.spec.base_url, slots)

        def waiting(ahead: int) -> None:
            jobs = "job" if ahead == 1 else "jobs"
            self.notify(
                JobStatus(
                    JobState.QUEUED,
                    message=f"Waiting for a free slot on {self._where} ({ahead} {jobs} of this kernel ahead).",
                )
            )

        async with queue.slot(waiting):
            yield

    @property
    def _streams(self) -> bool:
        return self.facts is not None and self.facts.streaming and self.spec.mode != "sync"

    @property
    def _creates_with_events(self) -> bool:
        """``workbench serve`` never cancels a prediction whose client left, so the create itself can carry
        its event stream (one request instead of two); a lost stream is re-joined like any other."""
        return self._asynchronous and self.facts is not None and self.facts.kind == "workbench"

    @property
    def _asynchronous(self) -> bool:
        """Create asynchronously and subscribe: only where a probe can re-join without starting a run."""
        return self._streams and self.facts is not None and self.facts.probe is not None

    # -- creating --------------------------------------------------------------------------------------------

    async def create(self, inputs: dict[str, Any], key: str) -> Submitted:
        job_id = self.job_id_for(key)
        if self._creates_with_events:
            return Submitted(
                job_id, JobStatus(JobState.QUEUED, message=f"Sending to {self._where}…"), started=False
            )
        if not self._asynchronous:
            # The synchronous PUT *is* the prediction: :meth:`follow` sends it (once) and waits for its answer.
            return Submitted(
                job_id, JobStatus(JobState.QUEUED, message=f"Sending to {self._where}…"), started=False
            )
        try:
            response = await self._send_create(job_id, inputs, {"Prefer": "respond-async"})
        except TransientBackendError:
            # The answer was lost after the request left: if the prediction exists, follow it; creating it
            # again is only safe when the probe says the server does not have it.
            if await self._peek(job_id) is not None:
                return Submitted(job_id, JobStatus(JobState.RUNNING, message=f"Started on {self._where}."))
            raise
        data = _json(response)
        if response.status_code == 200:  # a server that ignored Prefer and ran it synchronously
            return Submitted(job_id, self._prediction(data))
        return Submitted(job_id, JobStatus(JobState.RUNNING, message=f"Started on {self._where}."))

    async def _send_create(
        self,
        job_id: str,
        inputs: dict[str, Any],
        headers: Mapping[str, str],
        *,
        request_timeout: httpx.Timeout | None = None,
        running: str | None = None,
    ) -> httpx.Response:
        """PUT the prediction; 409 (busy) and 503 (loading) are waited out, unreachable servers retried a
        few times. Returns the response, read in full. ``running``: the words to say once a retry after a
        wait goes out (a synchronous PUT is the run itself)."""
        busy = BusyWait()
        connect_failures = 0
        while True:
            try:
                response = await self._put(
                    job_id, {"id": job_id, "input": inputs}, headers, request_timeout=request_timeout
                )
            except _NotSent as exc:
                connect_failures += 1
                if connect_failures >= _CONNECT_ATTEMPTS:
                    raise BackendError(
                        f"Could not reach {self._where} at {self.spec.base_url} ({exc}). Nothing was started. "
                        "Check that the server is running and reachable, then regenerate."
                    ) from None
                await self._sleep(busy.next_delay())
                continue
            if response.status_code in (409, 503):
                # Nothing was started. Wait until the server says it has room (or has loaded), then try again.
                await (self._wait_for_slot() if response.status_code == 409 else self._wait_until_ready())
                if running is not None:
                    self.notify(JobStatus(JobState.RUNNING, message=running))
                continue
            if response.status_code == 422:
                raise BackendError(
                    f"{self._where} refused the inputs (HTTP 422): {provider_message(response)}. "
                    "Check this model's inputs in models.json."
                )
            if not response.is_success:
                raise BackendError(
                    f"{self._where} refused the prediction (HTTP {response.status_code}): "
                    f"{provider_message(response)}."
                )
            return response

    async def _put(
        self,
        job_id: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        *,
        request_timeout: httpx.Timeout | None,
    ) -> httpx.Response:
        """One PUT, read in full. Connection failures before the request left raise :class:`_NotSent`."""
        try:
            async with self.client.stream(
                "PUT",
                f"predictions/{job_id}",
                json=body,
                headers=headers,
                action=f"sending prediction {job_id}",
                idempotent=True,
                accept=(406, 409, 422, 503),
                request_timeout=request_timeout,
            ) as response:
                await response.aread()
                return response
        except TransientBackendError as exc:
            if _was_not_sent(exc):
                raise _NotSent(exc.detail or exc.message) from None
            raise

    # -- following -------------------------------------------------------------------------------------------

    def cannot_follow(self, job_id: str) -> BackendError | None:
        if self._asynchronous:
            return None
        facts = self.facts
        version = facts.label if facts else "This Cog server"
        if facts is not None and facts.kind == "fastapi":
            why = (
                "forgets a prediction once the client that started it has gone, so prediction "
                f"{job_id} (started before the kernel stopped) may still be running there, but its video "
                "cannot be collected"
            )
        else:
            why = (
                f"cancels a prediction when the client that started it goes away, so prediction {job_id} "
                "stopped when the kernel (or its connection) did"
            )
        return BackendError(
            f"{self._where} runs {version}, which {why}. It was not started again, so nothing runs twice. "
            "Regenerate to run it again."
        )

    async def follow(
        self,
        job_id: str,
        inputs: dict[str, Any] | None,
        *,
        poll_interval_s: float,
        sleep: Sleep,
        created: bool = True,
    ) -> AsyncIterator[JobStatus]:
        if not created and self._creates_with_events:
            async for status in self._create_with_events(job_id, inputs or {}):
                yield status
            return
        if self._asynchronous:
            async for status in self._subscribe(job_id, poll_interval_s):
                yield status
            return
        if created:
            problem = self.cannot_follow(job_id)
            assert problem is not None
            raise problem
        async for status in self._run_sync(job_id, inputs or {}, poll_interval_s):
            yield status

    @classmethod
    def facts_now(cls, base_url: str, headers: Mapping[str, str], timeout_s: float = 3.0) -> CogFacts | None:
        """The server's facts without waiting (for checks before a job starts); ``None`` if unreachable."""
        facts = cached_facts(base_url)
        if facts is not None:
            return facts
        documents: list[Mapping[str, Any] | None] = []
        try:
            with httpx.Client(
                timeout=httpx.Timeout(timeout_s, connect=min(2.0, timeout_s)), headers=dict(headers)
            ) as http:
                for path in ("", "health-check", "openapi.json"):
                    response = http.get(f"{base_url}/{path}")
                    data = _json(response) if response.status_code == 200 else None
                    documents.append(data if isinstance(data, Mapping) else None)
        except httpx.HTTPError:
            return None
        index, health, openapi = documents
        if health is None or str(health.get("status", "")).upper() in _LOADING:
            return None  # loading: decided again when the job starts
        facts = facts_from(index, health, openapi, where=base_url)
        remember_facts(base_url, facts)
        return facts

    async def _subscribe(self, job_id: str, poll_interval_s: float) -> AsyncIterator[JobStatus]:
        """Re-join the prediction's events with an invalid body (a 422 means it is gone: never a new run)."""
        assert self.facts is not None and self.facts.probe is not None
        body = {"id": job_id, "input": dict(self.facts.probe)}
        async with self.client.stream(
            "PUT",
            f"predictions/{job_id}",
            json=body,
            headers={"Accept": "text/event-stream"},
            action=f"following prediction {job_id}",
            idempotent=True,
            accept=(404, 406, 409, 422, 503),
            request_timeout=httpx.Timeout(
                self.spec.timeout_s, connect=min(10.0, self.spec.request_timeout_s)
            ),
        ) as response:
            if response.status_code in (404, 422):
                raise self.gone(job_id)
            if response.status_code in (406, 409, 503):
                raise TransientBackendError(
                    f"{self._where} did not stream prediction {job_id} (HTTP {response.status_code}).",
                    retry_after=poll_interval_s,
                )
            async for status in self._events(response, job_id):
                yield status

    async def _create_with_events(self, job_id: str, inputs: dict[str, Any]) -> AsyncIterator[JobStatus]:
        """Create the prediction and read its events in one request; busy and loading are waited out."""
        wait = httpx.Timeout(self.spec.timeout_s, connect=min(10.0, self.spec.request_timeout_s))
        while True:
            async with self.client.stream(
                "PUT",
                f"predictions/{job_id}",
                json={"id": job_id, "input": inputs},
                headers={"Accept": "text/event-stream"},
                action=f"sending prediction {job_id}",
                idempotent=True,
                accept=(409, 422, 503),
                request_timeout=wait,
            ) as response:
                if response.status_code in (409, 503):
                    await response.aread()
                elif response.status_code == 422:
                    await response.aread()
                    raise BackendError(
                        f"{self._where} refused the inputs (HTTP 422): {provider_message(response)}. "
                        "Check this model's inputs in models.json."
                    )
                else:
                    async for status in self._events(response, job_id):
                        yield status
                    return
            await (self._wait_for_slot() if response.status_code == 409 else self._wait_until_ready())

    async def _events(self, response: httpx.Response, job_id: str) -> AsyncIterator[JobStatus]:
        """A prediction's states from its event stream (or from a state a server sent instead of events)."""
        if "text/event-stream" not in response.headers.get("content-type", ""):
            await response.aread()
            status = self._prediction(_json(response))
            yield status
            if not status.state.done:
                raise TransientBackendError(
                    f"{self._where} answered with prediction {job_id}'s state instead of its events.",
                    retry_after=self.spec.poll_interval_s,
                )
            return
        logs = ""
        async for event in server_sent_events(response.aiter_lines()):
            status, logs = self._from_event(event, logs)
            if status is not None:
                yield status
                if status.state.done:
                    return
        raise TransientBackendError(
            f"{self._where} closed the event stream before prediction {job_id} finished."
        )

    async def _run_sync(
        self, job_id: str, inputs: dict[str, Any], poll_interval_s: float
    ) -> AsyncIterator[JobStatus]:
        """The one synchronous PUT; coglet's probe reports progress meanwhile."""
        wait = httpx.Timeout(self.spec.timeout_s, connect=min(10.0, self.spec.request_timeout_s))
        headers = {"Accept": "text/event-stream"} if self._streams else {}
        running = self._running_words()
        put = asyncio.ensure_future(
            self._send_create(job_id, inputs, headers, request_timeout=wait, running=running)
        )
        try:
            yield JobStatus(JobState.RUNNING, message=running)
            while not put.done():
                done, _ = await asyncio.wait({put}, timeout=poll_interval_s)
                if done or self.facts is None or self.facts.probe is None:
                    continue
                status = await self._peek(job_id)
                if status is not None and not status.state.done:
                    yield status
            try:
                response = put.result()
            except TransientBackendError:
                problem = self.cannot_follow(job_id)
                assert problem is not None
                raise problem from None
            if response.status_code == 406:
                # This model cannot stream (nothing was started): the plain synchronous PUT.
                put = asyncio.ensure_future(
                    self._send_create(job_id, inputs, {}, request_timeout=wait, running=running)
                )
                response = await put
            if "text/event-stream" in response.headers.get("content-type", ""):
                status, logs = None, ""
                for event in _events(response.text):
                    status, logs = self._from_event(event, logs) if event else (status, logs)
                if status is None or not status.state.done:
                    raise self._lost(job_id)
            else:
                status = self._prediction(_json(response))
            if not status.state.done:
                raise self._lost(job_id)
            yield status
        finally:
            if not put.done():
                put.cancel()
                with contextlib.suppress(BaseException):
                    await put

    def _running_words(self) -> str:
        if self.facts is not None and self.facts.probe is not None:
            return f"Running on {self._where}…"
        server = self.facts.label if self.facts else "this server"
        return f"Running on {self._where}; {server} reports no progress until it finishes…"

    async def _peek(self, job_id: str) -> JobStatus | None:
        """A running prediction's state through the invalid-input probe (``None`` if it says nothing)."""
        assert self.facts is not None and self.facts.probe is not None
        try:
            reply = await self.client.call(
                "PUT",
                f"predictions/{job_id}",
                json={"id": job_id, "input": dict(self.facts.probe)},
                headers={"Prefer": "respond-async"},
                action=f"checking prediction {job_id}",
                idempotent=True,
                accept=(404, 409, 422, 503),
            )
        except (BackendError, ValueError):
            return None
        if reply.status != 202 or not isinstance(reply.data, Mapping):
            return None
        try:
            return self._prediction(reply.data)
        except BackendError:
            return None

    def _lost(self, job_id: str) -> BackendError:
        return BackendError(
            f"{self._where} answered before prediction {job_id} finished, so its video cannot be collected. "
            "It was not started again; regenerate to run it again."
        )

    def gone(self, job_id: str) -> BackendError:
        return BackendError(
            f"{self._where} no longer has prediction {job_id}: it finished or was cancelled while nobody was "
            "following it (or it never arrived), and Cog servers do not keep results. It was not started "
            "again, so nothing runs twice; regenerate to run it again."
        )

    async def status(self, job_id: str) -> JobStatus:
        raise BackendError("Cog servers cannot be polled; predictions are followed over their own request.")

    async def cancel(self, job_id: str) -> None:
        await self.stop_job("POST", f"predictions/{job_id}/cancel", job_id, "prediction")

    # -- the server's health ---------------------------------------------------------------------------------

    async def _health(self) -> Mapping[str, Any]:
        for attempt in range(1, _CONNECT_ATTEMPTS + 1):
            try:
                reply = await self.client.call(
                    "GET", "health-check", action="checking the server's health", idempotent=True,
                    accept=(404, 503),
                )  # fmt: skip
            except TransientBackendError as exc:
                if attempt == _CONNECT_ATTEMPTS:
                    raise BackendError(
                        f"Could not reach {self._where} at {self.spec.base_url} ({exc.message}). Nothing was "
                        "started. Check that the server is running and reachable, then regenerate."
                    ) from None
                await self._sleep(BusyWait().next_delay() * attempt)
                continue
            if reply.status == 404:
                raise BackendError(
                    f"{self.spec.base_url} does not answer like a Cog server (no /health-check). "
                    "Check base_url in models.json."
                )
            data = reply.data if isinstance(reply.data, Mapping) else {}
            return {**data, "status": data.get("status") or ("STARTING" if reply.status == 503 else "READY")}
        raise AssertionError("unreachable")

    async def _wait_for_slot(self) -> None:
        """After a 409: wait (saying so every ten seconds) until the server stops saying it is busy."""
        busy, started, said = BusyWait(), time.monotonic(), -_SAY_EVERY_S
        while True:
            waited = time.monotonic() - started
            if waited - said >= _SAY_EVERY_S:
                said = waited
                self.notify(
                    JobStatus(
                        JobState.QUEUED,
                        message=f"Waiting for a free slot on {self._where}: it is busy with other work "
                        f"(waited {waited:.0f} s).",
                    )
                )
            await self._sleep(busy.next_delay())
            health = await self._wait_until_ready()
            if str(health.get("status", "")).upper() != "BUSY":
                return

    async def _wait_until_ready(self) -> Mapping[str, Any]:
        """The health document once the model has loaded; waits (saying so every ten seconds) while it loads,
        as long as the job's timeout allows."""
        busy, started, said = BusyWait(), time.monotonic(), -_SAY_EVERY_S
        while True:
            health = await self._health()
            state = str(health.get("status", "")).upper()
            if state in _BROKEN:
                setup = health.get("setup") if isinstance(health.get("setup"), Mapping) else {}
                words = last_line(setup.get("logs")) or str(health.get("user_healthcheck_error") or state)
                raise BackendError(
                    f"The model on {self._where} is not working ({state}): {words}. Fix or restart the server, "
                    "then regenerate."
                )
            if state not in _LOADING:
                return health
            waited = time.monotonic() - started
            if waited - said >= _SAY_EVERY_S:
                said = waited
                self.notify(
                    JobStatus(
                        JobState.QUEUED,
                        message=f"The model on {self._where} is loading; waiting (waited {waited:.0f} s).",
                    )
                )
            await self._sleep(busy.next_delay())

    async def _document(self, path: str, action: str) -> Mapping[str, Any] | None:
        try:
            reply = await self.client.call(
                "GET", path, action=action, idempotent=True, accept=(404, 405, 500, 503)
            )
        except BackendError:
            return None  # not JSON, or unreachable now: decided without it
        return reply.data if reply.status == 200 and isinstance(reply.data, Mapping) else None

    async def _sleep(self, seconds: float) -> None:
        await (self.sleep or asyncio.sleep)(seconds)

    # -- prediction documents --------------------------------------------------------------------------------

    def _from_event(self, event: ServerSentEvent, logs: str) -> tuple[JobStatus | None, str]:
        data = event.json()
        if event.event == "start":
            return JobStatus(JobState.RUNNING, message=f"Generating on {self._where}…"), logs
        if event.event == "log" and isinstance(data, Mapping):
            line = str(data.get("data", ""))
            logs = (logs + line)[-4000:]
            return JobStatus(
                JobState.RUNNING, fraction=percent_from_logs(logs), message=last_line(line)
            ), logs
        if event.event == "completed":
            return self._prediction(data), logs
        return None, logs

    def _prediction(self, data: Any) -> JobStatus:
        if not isinstance(data, Mapping):
            raise BackendError(f"{self._where} answered with something that is not a prediction.")
        state = COG_STATES.get(str(data.get("status")))
        if state is None:
            raise BackendError(f"{self._where} reported an unknown prediction status {data.get('status')!r}.")
        metrics = data.get("metrics") if isinstance(data.get("metrics"), Mapping) else {}
        predict_s = metrics.get("predict_time")
        error = str(data.get("error") or "") or None
        if state is JobState.FAILED and error is None:
            error = last_line(data.get("logs")) or "the prediction failed without a message"
        logs = data.get("logs")
        return JobStatus(
            state,
            fraction=percent_from_logs(logs) if state is JobState.RUNNING else None,
            message=last_line(logs) if state is JobState.RUNNING else "",
            video=find_video(data.get("output")) if state is JobState.SUCCEEDED else None,
            error=error if state is JobState.FAILED else None,
            predict_s=float(predict_s) if isinstance(predict_s, int | float) else None,
        )


class _NotSent(Exception):
    """The request never reached the server (nothing can have started)."""


def _was_not_sent(error: TransientBackendError) -> bool:
    detail = error.detail or ""
    return any(kind in detail for kind in ("ConnectError", "ConnectTimeout", "PoolTimeout"))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _events(text: str) -> list[ServerSentEvent]:
    """Parse a whole event-stream body that was read at once."""
    out, event, data = [], "", []
    for line in text.splitlines():
        if not line:
            if data or event:
                out.append(ServerSentEvent(event or "message", "\n".join(data)))
            event, data = "", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        out.append(ServerSentEvent(event or "message", "\n".join(data)))
    return out
