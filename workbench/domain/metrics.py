"""What a take's video measured: plain data shared by the analysis that computes it, the store that keeps it,
and the widgets and reports that show it (see ``/work/helpers/METRICS_CONTRACT.md`` for the stored columns).

``None`` always means "not measurable" (a black clip has no camera motion), never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.domain.models import Take

__all__ = [
    "METRICS_VERSION",
    "METRIC_LABELS",
    "MeasuredTake",
    "MoveCheck",
    "PathSample",
    "TakeMetrics",
    "measured_takes",
    "metric_text",
]

#: Version of the measurement code: bump when the same video would measure differently.
METRICS_VERSION = 2


@dataclass(frozen=True)
class PathSample:
    """The camera's measured pose at ``t`` seconds: view centre as image fractions, zoom relative to
    crop-to-fill, roll in degrees."""

    t: float
    cx: float
    cy: float
    zoom: float
    angle: float


@dataclass(frozen=True)
class MoveCheck:
    """One expected move of the directions and what the video showed (``ok`` ``None``: not measurable)."""

    step: int
    move: str
    ok: bool | None
    measured: str


@dataclass(frozen=True)
class TakeMetrics:
    """One take's measurements (the contract's columns, typed)."""

    content_hash: str
    decoded_frames: int
    decoded_duration_s: float
    black_share: float
    frozen_share: float
    motion_amount: float | None = None
    motion_path: tuple[PathSample, ...] = ()
    jitter: float | None = None
    reversals: int | None = None
    stalls: int | None = None
    sharpness: float | None = None
    similarity_ssim: float | None = None
    adherence: float | None = None
    adherence_reason: str = ""
    adherence_moves: tuple[MoveCheck, ...] = ()
    #: Seconds the measurement kept the take waiting: the whole measurement of a finished file, or, for a take
    #: measured while it rendered, the part after the render ended.
    metrics_s: float = 0.0
    metrics_version: int = METRICS_VERSION

    @property
    def adherence_measurable(self) -> bool:
        return self.adherence is not None

    def to_dict(self) -> dict[str, Any]:
        """The contract's columns as plain Python values (lists of dicts for the nested ones)."""
        return {
            "metrics_version": self.metrics_version,
            "metrics_s": self.metrics_s,
            "content_hash": self.content_hash,
            "decoded_frames": self.decoded_frames,
            "decoded_duration_s": self.decoded_duration_s,
            "motion_amount": self.motion_amount,
            "motion_path": [
                {"t": p.t, "cx": p.cx, "cy": p.cy, "zoom": p.zoom, "angle": p.angle} for p in self.motion_path
            ],
            "jitter": self.jitter,
            "reversals": self.reversals,
            "stalls": self.stalls,
            "black_share": self.black_share,
            "frozen_share": self.frozen_share,
            "sharpness": self.sharpness,
            "similarity_ssim": self.similarity_ssim,
            "adherence": self.adherence,
            "adherence_reason": self.adherence_reason,
            "adherence_moves": [
                {"step": m.step, "move": m.move, "ok": m.ok, "measured": m.measured}
                for m in self.adherence_moves
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TakeMetrics:
        """The inverse of :meth:`to_dict`; nulls (``None`` or NaN, as pandas gives them) stay ``None``."""

        def opt(name: str, kind: type) -> Any:
            value = data.get(name)
            return None if _missing(value) else kind(value)

        return cls(
            content_hash=str(data.get("content_hash") or ""),
            decoded_frames=int(opt("decoded_frames", int) or 0),
            decoded_duration_s=float(opt("decoded_duration_s", float) or 0.0),
            black_share=float(opt("black_share", float) or 0.0),
            frozen_share=float(opt("frozen_share", float) or 0.0),
            motion_amount=opt("motion_amount", float),
            motion_path=tuple(
                PathSample(float(p["t"]), float(p["cx"]), float(p["cy"]), float(p["zoom"]), float(p["angle"]))
                for p in _items(data.get("motion_path"))
            ),
            jitter=opt("jitter", float),
            reversals=opt("reversals", int),
            stalls=opt("stalls", int),
            sharpness=opt("sharpness", float),
            similarity_ssim=opt("similarity_ssim", float),
            adherence=opt("adherence", float),
            adherence_reason=str(data.get("adherence_reason") or ""),
            adherence_moves=tuple(
                MoveCheck(
                    int(m["step"]),
                    str(m["move"]),
                    None if m["ok"] is None else bool(m["ok"]),
                    str(m["measured"]),
                )
                for m in _items(data.get("adherence_moves"))
            ),
            metrics_s=float(opt("metrics_s", float) or 0.0),
            metrics_version=int(opt("metrics_version", int) or METRICS_VERSION),
        )


@dataclass(frozen=True)
class MeasuredTake:
    """A take with its metrics (``None`` until measured) and the other takes whose video is byte-identical."""

    take: Take
    metrics: TakeMetrics | None = None
    identical_to: tuple[str, ...] = ()


def measured_takes(takes: Sequence[Take], rows: Sequence[Mapping[str, Any]]) -> list[MeasuredTake]:
    """Pair takes with their metrics (``rows``: the same takes as ``store.takes()`` rows, in order) and find
    the takes whose files are byte-identical (equal content hashes)."""
    metrics = [None if _missing(row.get("content_hash")) else TakeMetrics.from_dict(row) for row in rows]
    by_hash: dict[str, list[str]] = {}
    for take, m in zip(takes, metrics, strict=True):
        if m is not None:
            by_hash.setdefault(m.content_hash, []).append(take.id)
    return [
        MeasuredTake(
            take,
            m,
            tuple(t for t in by_hash.get(m.content_hash, []) if t != take.id) if m is not None else (),
        )
        for take, m in zip(takes, metrics, strict=True)
    ]


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA (which refuses to be a bool)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        return True


def _items(value: Any) -> list[Mapping[str, Any]]:
    """A nested column as a list (pandas hands list columns over as numpy arrays, nulls as None/NaN)."""
    if value is None or isinstance(value, float) or type(value).__name__ == "NAType":
        return []
    return list(value)


#: How each shown metric is named in tables and tooltips (the meaning, in a few words).
METRIC_LABELS = {
    "adherence": "Follows directions",
    "motion_amount": "Motion (views)",
    "jitter": "Jitter",
    "reversals": "Reversals",
    "stalls": "Stalls",
    "black_share": "Black frames",
    "frozen_share": "Frozen frames",
    "sharpness": "Sharpness vs image",
    "similarity_ssim": "Similarity to committed (SSIM)",
    "decoded_frames": "Frames",
    "decoded_duration_s": "Duration (s)",
}


def metric_text(metrics: TakeMetrics | None, name: str) -> str:
    """A metric as people read it ("92 %", "0.41 views", "not measurable")."""
    if metrics is None:
        return "not measured"
    value = getattr(metrics, name)
    if value is None:
        return "not measurable"
    if name in ("adherence", "black_share", "frozen_share"):
        return f"{value:.0%}"
    if name == "motion_amount":
        return f"{value:.2f} views"
    if name == "jitter":
        return f"{value * 1000:.2f}‰"
    if name in ("sharpness", "similarity_ssim"):
        return f"{value:.2f}"
    if name == "decoded_duration_s":
        return f"{value:.2f} s"
    return str(value)
