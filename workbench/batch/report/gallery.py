"""Per segment, one row: the committed video (or starting image) and every variant, playable, with full directions (changes marked),
the settings that differ from the committed ones, the outcome and the metrics. Plain HTML and CSS (no script)."""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from workbench.batch.report.formatting import NONE, is_missing, readable, seconds, share, size
from workbench.batch.report.media import STILL_SUFFIXES

__all__ = ["GALLERY_CSS", "directions_diff_html", "gallery_html", "settings_diff"]

GALLERY_CSS = """
.wb-seg { margin: 0 0 28px 0; }
.wb-seg h3 { margin: 8px 0 8px 0; font-size: 1.15em; }
.wb-seg h3 small { color: #666; font-weight: normal; margin-left: 8px; }
.wb-row { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.wb-card { margin: 0; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px; background: #fff;
           font-size: 13px; line-height: 1.4; }
.wb-card.wb-committed { background: #f6f8fa; }
.wb-card .wb-still { width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #000; border-radius: 4px;
  display: block; }
.wb-card video { width: 100%; aspect-ratio: 16 / 9; background: #000; border-radius: 4px; display: block; }
.wb-card .wb-novideo { width: 100%; aspect-ratio: 16 / 9; background: #eee; border-radius: 4px; display: flex;
           align-items: center; justify-content: center; color: #888; text-align: center; padding: 8px;
           box-sizing: border-box; }
.wb-head { display: flex; flex-wrap: wrap; gap: 6px; align-items: baseline; margin: 6px 0 4px 0; }
.wb-badge { border-radius: 10px; padding: 0 8px; font-size: 12px; color: #fff; }
.wb-accepted { background: #1a7f37; } .wb-pending { background: #0969da; } .wb-skipped { background: #6e7781; }
.wb-failed, .wb-cancelled { background: #cf222e; }
.wb-flag { border-radius: 10px; padding: 0 8px; font-size: 12px; background: #fff8c5; color: #6f4e00;
           border: 1px solid #d4a72c; }
.wb-dirs { white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.wb-dirs ins { background: #dafbe1; text-decoration: none; } .wb-dirs del { background: #ffebe9; color: #82071e; }
.wb-diff { color: #444; margin: 2px 0; }
.wb-metrics { display: grid; grid-template-columns: auto auto; gap: 0 12px; margin-top: 4px; color: #222; }
.wb-metrics span:nth-child(odd) { color: #666; }
.wb-error { background: #ffebe9; border-radius: 4px; padding: 4px 6px; margin-top: 4px; color: #82071e; }
.wb-detail { color: #6e7781; font-size: 12px; }
"""

_SETTING_WORDS = {"model": "model", "duration_s": "duration", "resolution": "resolution", "fps": "fps",
                  "seed": "seed"}  # fmt: skip


VideoUrls = Callable[[Mapping[str, Any], str], tuple[str | None, str | None]]


def gallery_html(frame: pd.DataFrame, video_url: VideoUrls) -> str:
    """The whole gallery. ``video_url(row, "committed" | "take")`` gives a video's URL and its poster's, relative
    to the report (``None`` where there is none)."""
    parts = [f"<style>{GALLERY_CSS}</style>"]
    ordered = frame.sort_values(["lecture_id", "segment_order", "variant"], kind="stable")
    for (lecture_id, asset_id), group in ordered.groupby(["lecture_id", "asset_id"], sort=False):
        rows = group.to_dict("records")
        first = rows[0]
        title = html.escape(str(first.get("title") or asset_id))
        parts.append(
            f'<section class="wb-seg"><h3>{title}<small>{html.escape(str(lecture_id))} · '
            f'{html.escape(str(asset_id))}</small></h3><div class="wb-row">'
        )
        parts.append(_committed_card(first, video_url(first, "committed")))
        parts.extend(_variant_card(row, video_url(row, "take")) for row in rows)
        parts.append("</div></section>")
    return "".join(parts)


def _video(urls: tuple[str | None, str | None], missing: str) -> str:
    url, still = urls
    if not url:
        return f'<div class="wb-novideo">{html.escape(missing)}</div>'
    if url.lower().endswith(STILL_SUFFIXES):  # a batch of starting images
        return f'<a href="{html.escape(url, quote=True)}"><img class="wb-still" src="{html.escape(url, quote=True)}" alt=""></a>'
    poster = f' poster="{html.escape(still, quote=True)}"' if still else ""
    return (
        f'<video src="{html.escape(url, quote=True)}"{poster} controls muted loop playsinline preload="metadata">'
        f'<a href="{html.escape(url, quote=True)}">video</a></video>'
    )


def _committed_card(row: Mapping[str, Any], url: tuple[str | None, str | None]) -> str:
    settings = [
        f"{_SETTING_WORDS[name]} {_setting(name, row.get(f'committed_{name}'))}"
        for name in _SETTING_WORDS
        if not is_missing(row.get(f"committed_{name}"))
    ]
    directions = row.get("committed_movie_directions")
    directions = directions if isinstance(directions, str) else ""  # an image batch has none
    return (
        '<figure class="wb-card wb-committed">'
        + _video(url, "nothing committed yet")
        + '<figcaption><div class="wb-head"><b>Committed</b></div>'
        + f'<div class="wb-dirs">{html.escape(directions) or "<i>no directions</i>"}</div>'
        + (f'<div class="wb-diff">{html.escape(" · ".join(settings))}</div>' if settings else "")
        + "</figcaption></figure>"
    )


def _variant_card(row: Mapping[str, Any], url: tuple[str | None, str | None]) -> str:
    status = str(row.get("status") or "")
    head = [f"<b>Variant {int(row['variant'])}</b>", f'<span class="wb-badge wb-{status}">{status}</span>']
    if not is_missing(row.get("identical_to_variant")):
        head.append(f'<span class="wb-flag">identical to variant {int(row["identical_to_variant"])}</span>')
    if row.get("checks_passed") is False:
        head.append('<span class="wb-flag">failed its checks</span>')
    body = [f'<div class="wb-head">{" ".join(head)}</div>']
    new = row.get("movie_directions")
    prompt = row.get("prompt")
    if isinstance(prompt, str):  # a starting image: its prompt in full
        body.append(f'<div class="wb-dirs">{html.escape(prompt)}</div>')
    if isinstance(new, str):
        body.append(
            f'<div class="wb-dirs">{directions_diff_html(row.get("committed_movie_directions"), new)}</div>'
        )
    changes = settings_diff(row)
    body.append(
        f'<div class="wb-diff">{html.escape(" · ".join(changes)) if changes else "same settings as committed"}</div>'
    )
    if status in ("failed", "cancelled"):
        body.append(f'<div class="wb-error">{html.escape(str(row.get("error") or status))}')
        if not is_missing(row.get("error_detail")):
            body.append(f'<div class="wb-detail">{html.escape(str(row["error_detail"]))}</div>')
        body.append("</div>")
    elif isinstance(prompt, str):
        body.append(_image_facts(row))
    else:
        body.append(_metrics(row))
    what = "image" if isinstance(prompt, str) else "video"
    missing = f"failed: no {what}" if status == "failed" else f"no {what}"
    return f'<figure class="wb-card">{_video(url, missing)}<figcaption>{"".join(body)}</figcaption></figure>'


def _image_facts(row: Mapping[str, Any]) -> str:
    """What a new starting image is: its size, how long it took, the file, its checks (no camera metrics)."""
    checks = row.get("checks")
    pairs = [
        ("size", str(row.get("size") or NONE)),
        ("generation", seconds(row.get("generation_s"))),
        ("file", size(row.get("size_bytes"))),
        ("checks", "passed" if row.get("checks_passed") is True else ("; ".join(checks) if checks is not None and len(checks) else NONE)),
    ]  # fmt: skip
    if not is_missing(row.get("cost")):
        pairs.append(("cost", f"{float(row['cost']):.3f}"))
    cells = "".join(f"<span>{html.escape(k)}</span><span>{html.escape(v)}</span>" for k, v in pairs)
    return f'<div class="wb-metrics">{cells}</div>'


def _metrics(row: Mapping[str, Any]) -> str:
    checks = row.get("checks")
    pairs = [
        ("adherence", share(row.get("adherence"))),
        ("motion", readable(row.get("motion_amount")) + (" views" if not is_missing(row.get("motion_amount")) else "")),
        ("jitter", readable(row.get("jitter"))),
        ("sharpness", readable(row.get("sharpness"))),
        ("black / frozen", f"{share(row.get('black_share'))} / {share(row.get('frozen_share'))}"),
        ("generation", seconds(row.get("generation_s"))),
        ("size", size(row.get("size_bytes"))),
        ("checks", "passed" if row.get("checks_passed") is True else ("; ".join(checks) if checks is not None and len(checks) else NONE)),
    ]  # fmt: skip
    if not is_missing(row.get("cost")):
        pairs.append(("cost", f"{float(row['cost']):.3f}"))
    reason = row.get("adherence_reason")
    if isinstance(reason, str) and reason:
        pairs.append(("why not measured", reason))
    cells = "".join(f"<span>{html.escape(k)}</span><span>{html.escape(v)}</span>" for k, v in pairs)
    return f'<div class="wb-metrics">{cells}</div>'


def directions_diff_html(old: Any, new: str) -> str:
    """``new`` in full, words added marked ``<ins>`` and words dropped from ``old`` marked ``<del>``."""
    if not isinstance(old, str) or old == new:
        return html.escape(new)
    before, after = old.split(" "), new.split(" ")
    out: list[str] = []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(after[b0:b1])))
            continue
        if a1 > a0:
            out.append(f"<del>{html.escape(' '.join(before[a0:a1]))}</del>")
        if b1 > b0:
            out.append(f"<ins>{html.escape(' '.join(after[b0:b1]))}</ins>")
    return " ".join(out)


def settings_diff(row: Mapping[str, Any]) -> list[str]:
    """Settings other than the directions that differ from the committed ones, as "duration 4 s → 2 s"."""
    out = []
    for name, words in _SETTING_WORDS.items():
        new, old = row.get(name), row.get(f"committed_{name}")
        if is_missing(new) or (not is_missing(old) and _same(new, old)):
            continue
        before = _setting(name, old) if not is_missing(old) else "default"
        out.append(f"{words} {before} → {_setting(name, new)}")
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _setting(name: str, value: Any) -> str:
    if name == "duration_s":
        return f"{float(value):g} s"
    return str(value)
