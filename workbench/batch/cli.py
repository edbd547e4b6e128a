"""``workbench batch``: run the batch notebook with papermill, export it to HTML, exit non-zero on failures.

It takes the notebook's parameters as flags. There is deliberately no flag for tokens: hosted models read
them from environment variables, so they never land in the executed notebook or its HTML.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.batch.notebook import DEFAULT_NOTEBOOK
from workbench.batch.request import BatchRequest, ReviewPolicy
from workbench.errors import InvalidSettingError

__all__ = ["add_batch_parser", "run_batch_command"]


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def add_batch_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("batch", help="regenerate many segments unattended and write a report")
    p.add_argument("--store", required=True, help="the lecture store folder")
    p.add_argument("--lecture", action="append", dest="lecture_ids", help="a lecture id (repeatable)")
    p.add_argument("--asset", action="append", dest="asset_ids", help="a segment id (repeatable)")
    p.add_argument("--query", help='pandas query over store.segments(), e.g. "duration_s > 3"')
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override for every item, e.g. duration_s=4",
    )
    p.add_argument(
        "--template",
        dest="directions_template",
        help='directions template, e.g. "{movie_directions}, slow push-in"',
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="JSON",
        help="a variant, e.g. '{\"seed\": 2}' (repeatable)",
    )
    p.add_argument(
        "--images",
        action="store_true",
        help="regenerate starting images instead of videos (--set takes prompt, model, size, seed)",
    )
    p.add_argument("--policy", default="review", choices=[x.value for x in ReviewPolicy])
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--executor", dest="executor_address", help='"local-cluster" or a Dask scheduler address')
    p.add_argument(
        "--output-dir", default="batch-output", help="where report.ipynb, report.html and results.parquet go"
    )
    p.add_argument("--notebook", default=str(DEFAULT_NOTEBOOK), help="the batch notebook to run")
    p.add_argument("--allow-failures", action="store_true", help="exit 0 even if some items failed")
    p.add_argument("--timeout", type=int, default=None, help="per-cell execution timeout in seconds")
    p.set_defaults(run=run_batch_command)


def parameters_from(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise InvalidSettingError(f"--set {item!r} needs the form FIELD=VALUE, e.g. duration_s=4.")
        overrides[name.strip()] = _value(value)
    variants = [_value(v) for v in args.variant] or [{}]
    if not all(isinstance(v, dict) for v in variants):
        raise InvalidSettingError("Each --variant must be a JSON object, e.g. '{\"seed\": 2}'.")
    output_dir = Path(args.output_dir).resolve()
    params = {
        "store_path": str(Path(args.store).resolve()),
        "lecture_ids": args.lecture_ids,
        "asset_ids": args.asset_ids,
        "query": args.query,
        "overrides": overrides,
        "directions_template": args.directions_template,
        "variants": variants,
        "policy": args.policy,
        "images": args.images,
        "concurrency": args.concurrency,
        "executor_address": args.executor_address,
        "output_dir": str(output_dir),
    }
    # Validate here, before a kernel starts: a typo fails in a second, in words.
    BatchRequest(
        lecture_ids=args.lecture_ids, asset_ids=args.asset_ids, query=args.query, overrides=overrides,
        directions_template=args.directions_template, variants=variants, policy=args.policy, images=args.images,
    )  # fmt: skip
    return params


def run_batch_command(args: argparse.Namespace) -> int:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    params = parameters_from(args)
    output_dir = Path(params["output_dir"])
    output_dir.mkdir(parents=True, exist_ok=True)
    report = output_dir / "report.ipynb"
    papermill.execute_notebook(
        args.notebook,
        str(report),
        parameters=params,
        cwd=str(Path(args.notebook).resolve().parent),
        progress_bar=True,
        log_output=True,
        execution_timeout=args.timeout,
    )
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(report, as_version=4))
    (output_dir / "report.html").write_text(body, encoding="utf-8")
    results = pd.read_parquet(output_dir / "results.parquet")
    counts = results["status"].value_counts().to_dict()
    print(f"Report: {report} and {output_dir / 'report.html'}")
    print("Items: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    failed = int(counts.get("failed", 0))
    return 1 if failed and not args.allow_failures else 0
