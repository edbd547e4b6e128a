"""Measuring a take while it renders: the local model hands each encoded packet to a :class:`LiveMeasurement`
(an :class:`~workbench.generation.base.EncodedVideoObserver`), which decodes and measures in its own threads
on the CPU the render leaves idle. The take's metrics are then ready when its file is, instead of a decode
and a registration later (``benchmarks/metrics_bench.py`` measures both ways).

The packets are the bytes written to the file, so the metrics equal a later measurement of the file (tested,
field by field): backfilling or re-measuring a take gives the same numbers. A failure here never fails the
render: :meth:`LiveMeasurement.end` then returns ``None`` and the take is measured from its file afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av

from workbench.analysis.take_metrics import PacketFeed, measure_take
from workbench.domain.metrics import TakeMetrics
from workbench.generation.local.render import lower_thread_priority

__all__ = ["LiveMeasurement"]

log = logging.getLogger("workbench.analysis")

Box = tuple[float, float, float, float]


@dataclass
class LiveMeasurement:
    """The measurement of the take being encoded to ``video`` (its final path), with the arguments of
    :func:`~workbench.analysis.take_metrics.measure_take`. ``fps`` and ``frame_count`` are the settings'
    (they fix which frames are sampled before the first one arrives)."""

    video: Path
    fps: float
    frame_count: int
    starting_image: Path | None
    directions: str = ""
    seed: int = 0
    regions: Mapping[str, Box] = field(default_factory=dict)
    committed: Path | None = None
    _feed: PacketFeed | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _result: TakeMetrics | None = field(default=None, init=False, repr=False)
    _error: BaseException | None = field(default=None, init=False, repr=False)
    _packets: int = field(default=0, init=False, repr=False)

    def begin(self, extradata: bytes | None, nice: int) -> None:
        try:
            self._feed = PacketFeed(self.fps, self.frame_count, extradata)
            self._thread = threading.Thread(
                target=self._run, args=(nice,), name="take-metrics-live", daemon=True
            )
            self._thread.start()
        except Exception as exc:  # an observer never fails the render
            self._feed, self._error = None, exc

    def packet(self, data: bytes, pts: int | None, dts: int | None) -> None:
        if self._feed is not None:
            self._feed.put(data, pts, dts)
            self._packets += 1

    def end(self, completed: bool) -> TakeMetrics | None:
        feed, thread = self._feed, self._thread
        if feed is None or thread is None:
            if self._error is not None:
                log.warning("Could not measure the take while it rendered: %s", self._error)
            return None
        if not completed:
            feed.abort()
            thread.join()
            return None
        tail = time.perf_counter()
        feed.close()
        thread.join()
        if self._error is None:
            self._error = _file_disagrees(self.video, self._packets)
        if self._error is not None:
            log.warning("Could not measure the take while it rendered (measured from the file instead): %s",
                        self._error)  # fmt: skip
            return None
        assert self._result is not None
        # what measuring cost the person waiting: the time after the render's own end
        return replace(self._result, metrics_s=time.perf_counter() - tail)

    def _run(self, nice: int) -> None:
        lower_thread_priority(nice)  # threads started from here (the decoders) inherit it
        try:
            assert self._feed is not None
            self._result = measure_take(
                self.video, starting_image=self.starting_image, directions=self.directions, seed=self.seed,
                regions=self.regions, committed=self.committed, feed=self._feed,
            )  # fmt: skip
        except BaseException as exc:
            self._error = exc

    def __getstate__(self) -> dict[str, Any]:
        """Only the arguments travel (to a render's process); the threads and the feed start there."""
        state = dict(self.__dict__)
        for name in ("_feed", "_thread", "_result", "_error"):
            state[name] = None
        state["_packets"] = 0
        return state


def _file_disagrees(path: Path, packets: int) -> BaseException | None:
    """The file must hold the packets that were measured (a demux, no decode: milliseconds)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            found = sum(1 for p in container.demux(stream) if p.size)
    except Exception as exc:
        return exc
    if found != packets:
        return RuntimeError(f"the file holds {found} packets, {packets} were measured")
    return None
