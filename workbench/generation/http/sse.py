"""Server-sent events, both ways: parse a stream (Cog's prediction events) and format one event.

Follows the WHATWG event-stream format (https://html.spec.whatwg.org/multipage/server-sent-events.html):
``event:``/``data:``/``id:`` fields, multi-line data joined with newlines, ``:`` comment lines ignored, an
event dispatched at each blank line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

__all__ = ["ServerSentEvent", "format_event", "server_sent_events"]


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None

    def json(self) -> Any:
        """``data`` parsed as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None


async def server_sent_events(lines: AsyncIterable[str]) -> AsyncIterator[ServerSentEvent]:
    """Events from the lines of a ``text/event-stream`` response (e.g. ``httpx.Response.aiter_lines()``)."""
    event, data, last_id = "", [], None
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or event:
                yield ServerSentEvent(event or "message", "\n".join(data), last_id)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            last_id = value
    if data:
        yield ServerSentEvent(event or "message", "\n".join(data), last_id)


def format_event(event: str, data: Any) -> bytes:
    """One event as bytes for a ``text/event-stream`` body (``data`` is sent as compact JSON)."""
    payload = json.dumps(data, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()
