"""Helpers shared by the benchmark scripts: timing medians and the one-JSON-line result."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ms(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 3)


def report(name: str, figures: dict[str, Any]) -> None:
    """Print human lines, then the figures as one JSON object on the last line."""
    for key, value in figures.items():
        print(f"  {key:<40} {value}")
    print(json.dumps({"benchmark": name, **figures}, sort_keys=True))
