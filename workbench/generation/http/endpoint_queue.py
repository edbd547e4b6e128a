"""A client-side queue per self-hosted endpoint: jobs wait for a free slot instead of failing.

A Cog server runs as many predictions as it has slots (one by default) and answers 409 to the next; while
its model loads (``setup()``) it answers 503. Retrying those a few times and then failing a job is wrong: a
researcher who queues ten regenerations on the team's GPU box wants them to run one after another. So jobs
in this process that target the same endpoint take turns through an :class:`EndpointQueue` sized to the
server's slots (first come, first served), and a job that still meets 409 (another notebook got there
first) or 503 (loading) waits and asks again — for as long as the job's own timeout allows, saying in the
progress log what it is waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

__all__ = ["BusyWait", "EndpointQueue", "endpoint_queue"]

#: Waits between asking a busy or loading server again: they grow to this, with jitter.
MAX_BUSY_WAIT_S = 10.0
FIRST_BUSY_WAIT_S = 0.5


@dataclass
class EndpointQueue:
    """Slots for one endpoint in this process; :meth:`slot` waits in order (asyncio's FIFO semaphore)."""

    slots: int
    _semaphore: asyncio.Semaphore = field(init=False)
    waiting: int = 0

    def __post_init__(self) -> None:
        self._semaphore = asyncio.Semaphore(self.slots)

    def resize(self, slots: int) -> None:
        """Grow to ``slots`` (a server that reports more slots than assumed); never shrinks a busy queue."""
        while self.slots < slots:
            self.slots += 1
            self._semaphore.release()

    @contextlib.asynccontextmanager
    async def slot(self, on_wait: Callable[[int], None]) -> AsyncIterator[None]:
        """Hold one of this endpoint's slots; ``on_wait(ahead)`` is called once if the job must queue."""
        if self._semaphore.locked():
            on_wait(self.waiting + 1)
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._semaphore.release()


_queues: dict[tuple[int, str], EndpointQueue] = {}


def endpoint_queue(base_url: str, slots: int) -> EndpointQueue:
    """The queue for ``base_url`` on the running event loop (created with ``slots`` the first time)."""
    key = (id(asyncio.get_running_loop()), base_url)
    queue = _queues.get(key)
    if queue is None:
        for stale in [k for k in _queues if k[1] == base_url and k[0] != key[0]]:
            del _queues[stale]  # a loop that is gone (tests, a restarted kernel's old loop)
        queue = _queues[key] = EndpointQueue(slots)
    else:
        queue.resize(slots)
    return queue


@dataclass
class BusyWait:
    """Backoff for a server that said "busy" or "loading": grows from half a second to ``MAX_BUSY_WAIT_S``."""

    rng: random.Random | None = None
    attempts: int = 0
    waited_s: float = 0.0

    def next_delay(self, retry_after: float | None = None) -> float:
        self.attempts += 1
        ceiling = min(MAX_BUSY_WAIT_S, FIRST_BUSY_WAIT_S * 2 ** (self.attempts - 1))
        if retry_after is not None:
            ceiling = min(MAX_BUSY_WAIT_S, max(retry_after, FIRST_BUSY_WAIT_S))
        delay = (self.rng or random).uniform(ceiling / 2, ceiling)
        self.waited_s += delay
        return delay
