"""Measuring a take while it renders: the local model shows each frame it encodes to a
:class:`LiveMeasurement` (a :class:`~workbench.generation.base.FrameObserver`), which measures in its own
threads on the CPU the render leaves idle. The take's metrics are then ready when its file is, without
decoding it: decoding every frame of a 720p take alone costs a quarter of rendering it, more than the
measurement may (``benchmarks/metrics_bench.py`` measures both ways).

The frames are the encoder's input, so the metrics are those of the picture before H.264 compression; a
later measurement of the file agrees within what compression changes (tested, metric by metric). The file
itself is checked to hold one packet per frame measured. A failure here never fails the render:
:meth:`LiveMeasurement.end` then returns ``None`` and the take is measured from its file afterwards.
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
import numpy as np

from workbench.analysis.take_metrics import FrameFeed, measure_take
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
    #: Where the committed video's samples and the starting image's grey pixels are kept between processes
    #: (see ``measure_take``).
    reference_cache: Path | None = None
    _feed: FrameFeed | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _result: TakeMetrics | None = field(default=None, init=False, repr=False)
    _error: BaseException | None = field(default=None, init=False, repr=False)
    _frames: int = field(default=0, init=False, repr=False)

    def begin(self, nice: int) -> None:
        try:
            self._feed = FrameFeed(self.fps, self.frame_count)
            self._thread = threading.Thread(
                target=self._run, args=(nice,), name="take-metrics-live", daemon=True
            )
            self._thread.start()
        except Exception as exc:  # an observer never fails the render
            self._feed, self._error = None, exc

    def frame(self, i420: np.ndarray) -> None:
        feed = self._feed
        if feed is None:
            return
        try:
            feed.put(i420)
        except Exception as exc:  # an observer never fails the render: the take is measured afterwards
            self._error, self._feed = exc, None
            feed.abort()
            return
        self._frames += 1

    def end(self, completed: bool) -> TakeMetrics | None:
        feed, thread = self._feed, self._thread
        if feed is None or thread is None:
            if thread is not None:
                thread.join()  # its feed was abandoned: it is ending
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
            self._error = _file_disagrees(self.video, self._frames)
        if self._error is not None:
            log.warning("Could not measure the take while it rendered (measured from the file instead): %s",
                        self._error)  # fmt: skip
            return None
        assert self._result is not None
        # what measuring cost the person waiting: the time after the render's own end
        return replace(self._result, metrics_s=time.perf_counter() - tail)

    def _run(self, nice: int) -> None:
        lower_thread_priority(nice)  # threads started from here (the committed video's decoder) inherit it
        try:
            assert self._feed is not None
            self._result = measure_take(
                self.video, starting_image=self.starting_image, directions=self.directions, seed=self.seed,
                regions=self.regions, committed=self.committed, feed=self._feed,
                reference_cache=self.reference_cache,
            )  # fmt: skip
        except BaseException as exc:
            if self._error is None:  # an abandoned feed reports why it was abandoned
                self._error = exc

    def __getstate__(self) -> dict[str, Any]:
        """Only the arguments travel (to a render's process); the threads and the feed start there."""
        state = dict(self.__dict__)
        for name in ("_feed", "_thread", "_result", "_error"):
            state[name] = None
        state["_frames"] = 0
        return state


def _file_disagrees(path: Path, frames: int) -> BaseException | None:
    """The file must hold one packet per frame measured (a demux, no decode: milliseconds)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            found = sum(1 for p in container.demux(stream) if p.size)
    except Exception as exc:
        return exc
    if found != frames:
        return RuntimeError(f"the file holds {found} packets, {frames} frames were measured")
    return None
