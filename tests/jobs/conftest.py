from __future__ import annotations

import pytest

from workbench import Runner
from workbench.jobs.events import Event

#: Small, fast renders for workflow tests (the renderer's own tests cover quality and size).
SMALL = {"resolution": "320x180", "duration_s": 1.0, "fps": 12}


@pytest.fixture
async def runner(store, lecture):
    r = Runner(store, max_concurrent=2)
    yield r
    await r.shutdown()


@pytest.fixture
def events(runner) -> list[Event]:
    """Every event the runner's bus delivers, in order."""
    seen: list[Event] = []
    runner.bus.subscribe(seen.append)
    return seen


def types(events: list[Event], job_id: str | None = None) -> list[str]:
    return [str(e.type) for e in events if job_id is None or e.job_id == job_id]
