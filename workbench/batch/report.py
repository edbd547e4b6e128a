"""What the batch notebook shows: summary counts, a table per take, contact sheets, a timing chart, errors.

Plain functions returning DataFrames, PIL images and matplotlib figures, so the notebook stays a few lines
and the same pieces can be used from a script.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from PIL import Image, ImageDraw, ImageFont

from workbench.batch.run import BatchResult
from workbench.store import LectureStore

__all__ = [
    "PLAN_COLUMNS",
    "contact_sheet",
    "error_list",
    "generation_time_chart",
    "plan_table",
    "png_bytes",
    "summary_table",
    "takes_table",
]

STATUS_ORDER = ("accepted", "pending", "skipped", "failed", "cancelled")


def summary_table(result: BatchResult) -> pd.DataFrame:
    """Counts per status plus totals and timing, as a one-column table."""
    frame = result.results
    rows = {f"{s} items": int((frame["status"] == s).sum()) for s in STATUS_ORDER}
    rows["total items"] = len(frame)
    rows["segments"] = frame[["lecture_id", "asset_id"]].drop_duplicates().shape[0] if len(frame) else 0
    rows["wall time (s)"] = round(result.wall_s, 1)
    generated = frame["generation_s"].dropna() if "generation_s" in frame else pd.Series(dtype=float)
    rows["median generation (s)"] = round(float(generated.median()), 2) if len(generated) else None
    rows["concurrency"] = result.concurrency
    rows["executor"] = result.executor
    costs = frame["cost"].dropna() if "cost" in frame else pd.Series(dtype=float)
    rows["reported cost"] = round(float(costs.sum()), 4) if len(costs) else None
    return pd.DataFrame({"value": rows})


#: The plan's columns worth reading, for a video batch and for an image batch (those present are shown).
PLAN_COLUMNS = ("title", "variant", "movie_directions", "prompt", "model", "model_source", "duration_s",
                "duration_s_source", "resolution", "resolution_source", "size", "size_source", "seed", "will_run",
                "note", "error")  # fmt: skip
_SETTINGS = ("movie_directions", "prompt", "model", "duration_s", "resolution", "size", "fps", "seed")


def plan_table(plan: pd.DataFrame) -> pd.DataFrame:
    """The dry run as the notebook shows it: resolved settings and where each came from."""
    return plan[[c for c in PLAN_COLUMNS if c in plan]]


def takes_table(result: BatchResult) -> pd.DataFrame:
    """One row per item: segment, settings (with where each came from), status, timings, size, warnings."""
    frame = result.results.copy()
    for name in _SETTINGS:
        if name in frame and f"{name}_source" in frame:
            frame[name] = [
                f"{v} ({s})" if s else v for v, s in zip(frame[name], frame[f"{name}_source"], strict=True)
            ]
    columns = ["title", "asset_id", "variant", "status", "movie_directions", "prompt", "model", "duration_s",
               "resolution", "size", "fps", "seed", "generation_s", "queue_s", "size_bytes", "checks", "warnings",
               "error", "take_id"]  # fmt: skip
    present = [c for c in columns if c in frame]
    return frame[present].rename(
        columns={"generation_s": "generation (s)", "queue_s": "queued (s)", "size_bytes": "bytes"}
    )


def error_list(result: BatchResult) -> list[str]:
    """Each failure in words: which segment, what happened, what to do."""
    frame = result.results
    failed = frame[frame["status"] == "failed"] if len(frame) else frame
    out = []
    for row in failed.to_dict("records"):
        detail = f" ({row['detail']})" if row.get("detail") else ""
        out.append(f"{row['title'] or row['asset_id']} (variant {row['variant']}): {row['error']}{detail}")
    return out


def _frames_at(path: Path, picks: int = 3) -> list[Image.Image]:
    with av.open(str(path)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    if not frames:
        return []
    indices = sorted({0, len(frames) // 2, len(frames) - 1})[:picks]
    return [frames[i] for i in indices]


_STILLS = (".png", ".jpg", ".jpeg")


def contact_sheet(
    store: LectureStore, committed_path: str | None, take_path: str, *, title: str = "", height: int = 108
) -> Image.Image:
    """First, middle and last frame of the committed video (top) and the new take (bottom), as one image; for
    starting images, the committed image and the new one."""
    rows = [("committed", committed_path), ("new", take_path)]
    strips: list[tuple[str, list[Image.Image]]] = []
    for label, rel in rows:
        frames: list[Image.Image] = []
        if rel:
            path = store.media_path(rel)
            if path.exists() and path.suffix.lower() in _STILLS:
                with Image.open(path) as still:
                    frames = [still.convert("RGB")]
            elif path.exists():
                frames = _frames_at(path)
        strips.append((label, [f.resize((round(f.width * height / f.height), height)) for f in frames]))
    width = (
        max([sum(f.width + 4 for f in frames) for _, frames in strips] + [3 * round(height * 16 / 9)]) + 90
    )
    sheet = Image.new("RGB", (width, 24 + len(strips) * (height + 6)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    draw.text((6, 4), title, fill="black", font=font)
    for r, (label, frames) in enumerate(strips):
        y = 24 + r * (height + 6)
        draw.text((6, y + height // 2 - 8), label, fill="black", font=font)
        if not frames:
            draw.text((90, y + height // 2 - 8), "no video", fill="gray", font=font)
        x = 90
        for frame in frames:
            sheet.paste(frame, (x, y))
            x += frame.width + 4
    return sheet


def generation_time_chart(result: BatchResult) -> Figure:
    """Generation time per item (bars), coloured by status. A standalone Figure: no pyplot global state."""
    frame = result.results.dropna(subset=["generation_s"]) if len(result.results) else result.results
    fig = Figure(figsize=(8, max(2.0, 0.35 * len(frame) + 1)))
    ax = fig.subplots()
    if len(frame):
        labels = [
            f"{t or a} · v{v}"
            for t, a, v in zip(frame["title"], frame["asset_id"], frame["variant"], strict=True)
        ]
        colours = {"accepted": "#2e7d32", "pending": "#1565c0", "skipped": "#9e9e9e"}
        ax.barh(labels, frame["generation_s"], color=[colours.get(s, "#c62828") for s in frame["status"]])
        ax.invert_yaxis()
        shown = list(dict.fromkeys(frame["status"]))  # a legend entry per status present, in order seen
        ax.legend(
            handles=[Patch(color=colours.get(s, "#c62828"), label=str(s)) for s in shown],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize="small",
        )
    ax.set_xlabel("generation time (s)")
    ax.set_title("Generation time per take")
    fig.tight_layout()
    return fig


def png_bytes(picture: Image.Image | Figure) -> bytes:
    """PNG bytes of a contact sheet or a chart, for ``IPython.display.Image``."""
    buf = io.BytesIO()
    if isinstance(picture, Figure):
        picture.savefig(buf, format="png", dpi=100)
    else:
        picture.save(buf, format="PNG")
    return buf.getvalue()
