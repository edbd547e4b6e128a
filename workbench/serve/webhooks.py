"""Webhooks as Cog calls them: the whole prediction, POSTed as JSON, on the events the client asked for.

Cog's semantics (cog 0.14 ``cog/server/webhook.py``, https://github.com/replicate/cog/blob/main/docs/http.md):
the request names a ``webhook`` URL and a ``webhook_events_filter`` (``start``, ``output``, ``logs``,
``completed``; all four by default). ``logs`` and ``output`` updates are throttled (at most one per half
second, the latest state each time); ``completed`` is always sent, and retried on connection errors, 429 and
5xx with a growing wait. Webhooks are delivered in order, one at a time per prediction, and go only where the
server's destination policy allows (the same checks as starting-image URLs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from workbench.serve.destinations import DestinationPolicy, RefusedDestination

__all__ = ["EVENTS", "WebhookSender"]

log = logging.getLogger("workbench.serve")

EVENTS = ("start", "output", "logs", "completed")
THROTTLE_S = 0.5
COMPLETED_ATTEMPTS = 8
_RETRY_STATUSES = {429, 500, 502, 503, 504}


class WebhookSender:
    """Delivers one prediction's webhooks in order; :meth:`send` never blocks the prediction."""

    def __init__(
        self,
        url: str,
        events: tuple[str, ...],
        policy: DestinationPolicy,
        *,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.url, self.events, self.policy = url, frozenset(events), policy
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
        self._last_update = 0.0
        self._pending: tuple[str, dict[str, Any]] | None = None
        self._flush: asyncio.TimerHandle | None = None
        self._sleep = sleep
        self._task = asyncio.get_running_loop().create_task(self._deliver())

    def send(self, event: str, prediction: Mapping[str, Any]) -> None:
        """Queue ``prediction`` (its state now) for ``event``, if the client asked for that event."""
        if event not in self.events:
            return
        body = dict(prediction)
        if event in ("logs", "output"):
            now = time.monotonic()
            if now - self._last_update < THROTTLE_S:
                self._pending = (event, body)  # sent when the throttle window ends (the latest wins)
                if self._flush is None:
                    delay = THROTTLE_S - (now - self._last_update)
                    self._flush = asyncio.get_running_loop().call_later(delay, self._send_pending)
                return
            self._last_update = now
        elif event == "completed":
            self._cancel_pending()
        self._queue.put_nowait((event, body))

    def _send_pending(self) -> None:
        self._flush = None
        if self._pending is not None:
            self._last_update = time.monotonic()
            self._queue.put_nowait(self._pending)
            self._pending = None

    def _cancel_pending(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        self._pending = None

    async def close(self) -> None:
        """Deliver what is queued (the ``completed`` webhook included), then stop."""
        self._cancel_pending()
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def abort(self) -> None:
        self._cancel_pending()
        self._task.cancel()

    async def _deliver(self) -> None:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(10.0), follow_redirects=False, trust_env=False
        ) as http:
            while True:
                item = await self._queue.get()
                if item is None:
                    return
                event, body = item
                attempts = COMPLETED_ATTEMPTS if event == "completed" else 1
                for attempt in range(1, attempts + 1):
                    if await self._post(http, body, event) or attempt == attempts:
                        break
                    await self._sleep(min(5.0, 0.1 * 2**attempt))

    async def _post(self, http: httpx.AsyncClient, body: Mapping[str, Any], event: str) -> bool:
        """One delivery; True when it is done (delivered, or not worth repeating)."""
        try:
            target = await self.policy.resolve(self.url)
        except RefusedDestination as refused:
            log.warning("Webhook for %s not sent: %s", body.get("id"), refused)
            return True
        extensions = {"sni_hostname": target.server_name} if target.server_name else {}
        try:
            request = http.build_request(
                "POST",
                target.url,
                content=json.dumps(body).encode(),
                headers={"Host": target.host_header, "Content-Type": "application/json"},
                extensions=extensions,
            )
            response = await http.send(request)
        except httpx.HTTPError as exc:
            log.info("Webhook %s for %s failed: %s", event, body.get("id"), type(exc).__name__)
            return False
        return response.status_code not in _RETRY_STATUSES
